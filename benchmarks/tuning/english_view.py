"""What the English model (``minilm-int8``) reads of a document's first line: a sweep of views of its head.

    python -m benchmarks.tuning.english_view [--views words,full,bare] [--split dev] [--sets handwritten,csn]

Every document's text starts with one head line, ``{language} {kind} {qualified_name} ({name words})``
(``codesearch.document_head``), then its doc comment and code; the English model reads the first 150
characters. Views of that line, the rest of the text as it is:

- ``words`` (shipped since 2026-12-07, ``MiniLMInt8.reads_head_as_words``): the words of the last two parts of
  the qualified name (``loss sigmoid`` for ``fasttext.Loss.sigmoid``);
- ``full`` (shipped before): the line as it is, 30-70 of the 150 characters on words the model knows little
  of (``cpp method``, a namespace, the name twice);
- ``bare``: no head line (the code's own first line names the function);
- ``tags``: ``words`` without a doc comment's tag lines (``@param x : the x``, ``@return ...``, ``:param x:``,
  ``\\throws``) and with ``@brief``'s marker dropped: a Doxygen or JSDoc comment can spend the 150 characters on
  its parameter list before its description;
- ``use-words``: ``words``, and ``use`` (the multilingual model, which reads 150 characters too) reads the head
  line as the name's words as well;
- ``before``: ``full`` with min-max fusion scaling: the code before 2026-12-07's two changes
  (results/fusion-scaling-2026-12-07.md), to score a later set with both.

The shipped view is the benchmark index itself; each other view gets its own copy of it
(benchmarks/out/english-view-NAME/), rebuilt with the English part embedded from that view; ``use``'s vectors
come from the copied embedding cache. The quality harness's tables are printed per view, then one summary
table. Results: benchmarks/results/english-view-2026-12-07.md.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable, Sequence

from benchmarks.tuning.common import add_split_argument, english_part_variant, print_variant_rows
from benchmarks.tuning.normalisation import minmax
from codesearch.embedding.minilm_int8 import MiniLMInt8
from codesearch.embedding.use import UniversalSentenceEncoder

HEAD = re.compile(r"^(\S+) (\S+) (.+?) \((.*)\)$")


def view_bare(text: str) -> str:
    head, _, rest = text.partition("\n")
    return rest if HEAD.match(head) and rest.strip() else text


# a doc comment's tag line: Doxygen, Javadoc, JSDoc, YARD, LuaDoc, PHPDoc, reST field lists
TAG_LINE = re.compile(
    r"^\s*(?:[@\\](?:param|tparam|arg|argument|return|returns|retval|throws?|exception|raises|see|since|api|"
    r"author|version|type|typedef|property|prop|example|note|pre|post|sa|usage|field|class|function|module|"
    r"memberof|private|public|static|override|deprecated|todo|overload|var|inheritdoc|template)\b"
    r"|:(?:param|type|returns?|rtype|raises?|ivar|cvar|var)\b)"
)
BRIEF = re.compile(r"^(\s*)[@\\]brief\s+")


def view_tags(text: str) -> str:
    """``text`` without its doc comment's tag lines, ``@brief`` markers dropped (the head line untouched)."""
    head, _, rest = text.partition("\n")
    kept = [BRIEF.sub(r"\1", line) for line in rest.split("\n") if not TAG_LINE.match(line)]
    body = re.sub(r"\n{3,}", "\n\n", "\n".join(kept))
    return f"{head}\n{body}" if rest else text


def viewed(view: Callable[[str], str]) -> Callable[..., object]:
    """``MiniLMInt8.embed_documents`` reading ``view`` of each text (then cut as shipped)."""
    shipped = MiniLMInt8.embed_documents

    def embed_documents(self: MiniLMInt8, texts: Sequence[str], progress: object = None) -> object:
        return shipped(self, [view(t) for t in texts], progress)  # type: ignore[arg-type]

    return embed_documents


# each view's patches of MiniLMInt8; those that change the text change the fingerprint too (reads_head_as_words
# is part of it; a view of our own is marked in prompt_format), so its vectors are embedded, not read from the cache
VIEWS: dict[str, dict[str, object]] = {
    "words": {},
    "full": {"reads_head_as_words": False},
    "bare": {
        "reads_head_as_words": False,
        "embed_documents": viewed(view_bare),
        "prompt_format": "bare;mean-pooling;view=bare",
    },
    "tags": {"embed_documents": viewed(view_tags), "prompt_format": "bare;mean-pooling;view=tags"},
    "before": {
        "reads_head_as_words": False
    },  # with FUSION's min-max: the code before 2026-12-07's two changes
}
# views that patch the multilingual model's class instead of the English one
OTHER_CLASS: dict[str, type] = {"use-words": UniversalSentenceEncoder}
VIEWS["use-words"] = {"reads_head_as_words": True}
# views that also run an older fusion
FUSION: dict[str, dict[str, object]] = {"before": {"normalised": minmax}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--views", default="words,full,bare")
    add_split_argument(ap)
    ap.add_argument("--sets", default="handwritten,csn")
    args = ap.parse_args()
    rows = []
    for name in args.views.split(","):
        patches = VIEWS[name]
        folder = f"english-view-{name}" if patches else None
        rows += english_part_variant(name, folder, patches, args, FUSION.get(name), OTHER_CLASS.get(name))
    print_variant_rows(args.split, "view", rows)


if __name__ == "__main__":
    main()
