"""Sweep one constant of ``codesearch.fusion`` (a share, a weight), or several together, as real searches.

    python -m benchmarks.tuning.fusion_constant --name TRANSLATED_VARIANT_SHARE --values "0;0.5;1"
        [--model use+minilm-int8] [--mode hybrid] [--sets handwritten:dev,csn:dev,heldout,...]
    python -m benchmarks.tuning.fusion_constant --name COVERED_WEIGHTS_ENGLISH_MODEL,MULTILINGUAL_WEIGHT_FOR_ENGLISH \
        --values "((0.5, 0.5), 1.0);((0.4, 0.6), 0.0)"

For each value (a Python literal: ``0.5``, ``None``, ``(8, 2, 3, 3)``; with several names, a tuple of one value
per name), every query of ``--sets`` (``NAME:SPLIT``
keeps one split) is searched by a searcher opened as a user would, with the constant set. Prints MRR@10 per set
and, pooled over the sets, the paired difference against the first value (95% bootstrap interval), English and
not English.
"""

from __future__ import annotations

import argparse
import ast

from benchmarks.tuning.common import patched
from benchmarks.tuning.paired_sweep import load_sets, paired_sweep
from codesearch import fusion
from codesearch.embedding import get_embedder


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--name", required=True, help="a constant of codesearch.fusion, or several, comma-separated"
    )
    ap.add_argument(
        "--values", required=True, help="v1;v2;... (the first is the one differences are taken against)"
    )
    ap.add_argument("--model", default="use+minilm-int8")
    ap.add_argument("--mode", default="hybrid")
    ap.add_argument("--sets", default="handwritten:dev,csn:dev")
    args = ap.parse_args()
    names = args.name.split(",")
    for name in names:
        if not hasattr(fusion, name):
            ap.error(f"codesearch.fusion has no {name}")
    values = [ast.literal_eval(v) for v in args.values.split(";")]
    if len(names) > 1 and any(not isinstance(v, tuple) or len(v) != len(names) for v in values):
        ap.error(f"with {len(names)} names, each value is a tuple of {len(names)}")
    combos = [dict(zip(names, v if len(names) > 1 else (v,), strict=True)) for v in values]
    shipped = {name: getattr(fusion, name) for name in names}
    settings = [
        (repr(v) + (" (shipped)" if combo == shipped else ""), lambda combo=combo: patched(fusion, **combo))
        for v, combo in zip(values, combos, strict=True)
    ]
    records = load_sets(args.sets.split(","))
    paired_sweep(args.model, get_embedder(args.model), args.mode, records, settings, args.name)


if __name__ == "__main__":
    main()
