"""What the English model (``minilm-int8``) reads of a document's first line: a sweep of views of its header.

    python -m benchmarks.tuning.english_view [--views shipped,words,bare] [--split dev] [--sets handwritten,csn]

Every document's text starts with one header line, ``{language} {kind} {qualified_name} ({name words})``
(``indexer.documents``), then its doc comment and code; the English model reads the first 150 characters of
it. The header spends 30-70 of them on words the model knows little of (``cpp method``, a namespace, the name
twice). Views of that line, the rest of the text as it is:

- ``shipped``: the line as it is;
- ``words``: the words of the last two parts of the qualified name only (``loss sigmoid`` for
  ``fasttext.Loss.sigmoid``);
- ``bare``: no header line (the code's own first line names the function).

Each view gets its own copy of the two-model benchmark index (benchmarks/out/english-view-NAME/), rebuilt with
the English part embedded from that view; ``use``'s vectors come from the copied embedding cache. The quality
harness's tables are printed per view, then one summary table.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable, Sequence

from benchmarks.tuning.common import english_part_variant
from codesearch.embedding.minilm_int8 import MiniLMInt8
from indexer.lexical import split_identifier

HEADER = re.compile(r"^(\S+) (\S+) (.+?) \((.*)\)$")


def _words(qualified_name: str) -> str:
    parts = [p for p in re.split(r"\.|::|#|/", qualified_name) if p][-2:]
    return " ".join(w for p in parts for w in split_identifier(p))


def view_words(text: str) -> str:
    head, _, rest = text.partition("\n")
    m = HEADER.match(head)
    if not m:
        return text
    return f"{_words(m.group(3))}\n{rest}" if rest else _words(m.group(3))


def view_bare(text: str) -> str:
    head, _, rest = text.partition("\n")
    return rest if HEADER.match(head) and rest.strip() else text


VIEWS: dict[str, Callable[[str], str] | None] = {"shipped": None, "words": view_words, "bare": view_bare}


def viewed(view: Callable[[str], str]) -> Callable[..., object]:
    """``MiniLMInt8.embed_documents`` reading ``view`` of each text (then cut as shipped)."""
    shipped = MiniLMInt8.embed_documents

    def embed_documents(self: MiniLMInt8, texts: Sequence[str], progress: object = None) -> object:
        return shipped(self, [view(t) for t in texts], progress)  # type: ignore[arg-type]

    return embed_documents


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--views", default="shipped,words,bare")
    ap.add_argument("--split", default="dev", choices=("dev", "test", "all"))
    ap.add_argument("--sets", default="handwritten,csn")
    args = ap.parse_args()
    rows = []
    for name in args.views.split(","):
        view = VIEWS[name]
        # prompt_format: part of the fingerprint, so the view's vectors are embedded, not read from the cache
        patches = (
            {}
            if view is None
            else {"embed_documents": viewed(view), "prompt_format": f"bare;mean-pooling;view={name}"}
        )
        rows += english_part_variant(name, None if view is None else f"english-view-{name}", patches, args)
    print(
        f"\n{args.split} split\n\n| view | set | MRR@10 | English | embed s |\n| --- | --- | --- | --- | --- |"
    )
    print("\n".join(rows))


if __name__ == "__main__":
    main()
