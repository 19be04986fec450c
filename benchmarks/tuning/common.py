"""What the sweeps share: the dev split by default, the benchmark index of a model, the query sets."""

from __future__ import annotations

import argparse
import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from benchmarks.paths import OUT
from benchmarks.quality import run as quality
from benchmarks.quality.scoring import metrics
from codesearch.embedding import get_embedder


@contextmanager
def patched(target: object, **values: object) -> Iterator[None]:
    """``target``'s attributes set to ``values`` for the block (a setting swept), then restored."""
    old = {k: getattr(target, k) for k in values}
    for k, v in values.items():
        setattr(target, k, v)
    try:
        yield
    finally:
        for k, v in old.items():
            setattr(target, k, v)


def add_index_arguments(ap: argparse.ArgumentParser, model: str) -> None:
    """``--model`` (default ``model``) and ``--index`` (default: benchmarks/out/index-MODEL)."""
    ap.add_argument("--model", default=model)
    ap.add_argument("--index", type=Path, help="default: benchmarks/out/index-MODEL")


def add_split_argument(ap: argparse.ArgumentParser) -> None:
    ap.add_argument(
        "--split",
        default="dev",
        choices=("dev", "test", "all"),
        help="tune on dev (the default), never on test",
    )


def load_queries(args: argparse.Namespace, *names: str) -> dict[str, list[dict[str, Any]]]:
    """The records of each query set ``names`` in ``args.split``."""
    split = None if args.split == "all" else args.split
    return {name: quality.load_queries(name, quality.CORPUS, None, split=split) for name in names}


def index_of(args: argparse.Namespace) -> Path:
    return args.index or OUT / f"index-{args.model}"


def open_searcher(args: argparse.Namespace) -> Any:
    """A searcher over ``args``' index with its model, as the quality runner opens one."""
    return quality.open_searcher(index_of(args), get_embedder(args.model))


# the query languages of the hand-written and held-out sets other than English, in the order tables show them
LANGS = ("de", "es", "fr", "it", "pt", "ru", "ja", "zh", "ko")


def one_query_set(
    description: str, model: str = "use+minilm-int8"
) -> tuple[argparse.Namespace, list[Any], Any]:
    """A sweep over one query set: its arguments (``--model``, ``--index``, ``--split``, ``--queries``), the
    records of that set in the split, and a searcher over the index."""
    ap = argparse.ArgumentParser(description=description)
    add_index_arguments(ap, model)
    add_split_argument(ap)
    ap.add_argument("--queries", default="handwritten", help="a query set under benchmarks/queries/")
    args = ap.parse_args()
    return args, load_queries(args, args.queries)[args.queries], open_searcher(args)


def language_header(first: str) -> str:
    """The head of a table of ``language_row``s: ``first``, English, not English, then each of ``LANGS``."""
    return (
        f"| {first} | English | not English | "
        + " | ".join(LANGS)
        + " |\n"
        + "| --- " * (3 + len(LANGS))
        + "|"
    )


def language_row(label: str, outcomes: list[Any]) -> str:
    """MRR@10 of ``outcomes``: English, not English, and each of ``LANGS`` (- where the split has none)."""
    cells = [label]
    cells.append(f"{metrics(o.rank for o in outcomes if o.lang == 'en').mrr10:.3f}")
    cells.append(f"{metrics(o.rank for o in outcomes if o.lang != 'en').mrr10:.3f}")
    for lang in LANGS:
        ranks = [o.rank for o in outcomes if o.lang == lang]
        cells.append(f"{metrics(ranks).mrr10:.3f}" if ranks else "-")
    return "| " + " | ".join(cells) + " |"


def english_part_variant(
    label: str,
    folder: str | None,
    patches: dict[str, object],
    args: argparse.Namespace,
    fusion_patches: dict[str, object] | None = None,
    model_class: type | None = None,
) -> list[str]:
    """One variant of the two-model index's English part (``minilm-int8``'s class attributes ``patches``),
    run over ``args.sets`` of ``args.split`` in hybrid mode; rows ``| label | set | MRR@10 | English | embed s |``.

    ``folder`` None: the benchmark index as it is. Otherwise a copy under benchmarks/out/FOLDER/, rebuilt the
    first time with the source's embedding cache, so that only the English part is embedded again: ``patches``
    must change that part's fingerprint (``max_document_chars``, ``prompt_format``; not ``revision``, which
    each instance sets). ``fusion_patches``: ``codesearch.fusion``'s attributes for the run (an older fusion).
    ``model_class``: the part whose class ``patches`` apply to (default the English model; ``use``'s class
    to vary the multilingual part instead, the English vectors then read from the cache)."""
    from codesearch import fusion
    from codesearch.embedding.minilm_int8 import MiniLMInt8

    model = "use+minilm-int8"
    out = OUT if folder is None else OUT / folder
    target = out / f"index-{model}"
    fresh = folder is not None and not target.exists()
    if fresh:  # the source's embedding cache comes along: `use`'s vectors are not embedded again
        target.mkdir(parents=True)
        shutil.copy(OUT / f"index-{model}" / "meta.sqlite", target / "meta.sqlite")
    argv = ["--models", model, "--modes", "hybrid", "--queries", args.sets, "--split", args.split]
    target_class = model_class or MiniLMInt8
    with (
        patched(target_class, **patches),
        patched(fusion, **(fusion_patches or {})),
        patched(quality, OUT=out),
    ):
        quality.main(argv + (["--rebuild"] if fresh else []))
    details = json.loads(sorted(out.glob("quality-*.json"))[-1].read_text())
    embed_s = details["indexes"][model].get("timings", {}).get("embed")
    rows = []
    for qset, data in details["runs"][f"{model}/hybrid"].items():
        en = data["by_lang"].get("en", {})
        rows.append(
            f"| {label} | {qset} | {data['summary']['all']['mrr@10']:.3f} | {en.get('mrr@10', 0):.3f} "
            f"({en.get('n', 0)}) | {embed_s if embed_s is not None else 'reused'} |"
        )
    return rows


def print_variant_rows(split: str, first: str, rows: list[str]) -> None:
    """The table of ``english_part_variant``'s rows, its first column named ``first``."""
    print(
        f"\n{split} split\n\n| {first} | set | MRR@10 | English | embed s |\n| --- | --- | --- | --- | --- |"
    )
    print("\n".join(rows))
