"""How much of a document the English model (``minilm-int8``) should see: a sweep of its ``max_document_chars``.

    python -m benchmarks.tuning.english_cut [--cuts 150,300,500] [--split dev] [--sets handwritten,csn]

Each cut gets its own copy of the two-model benchmark index (benchmarks/out/english-cut-N/), rebuilt with the
English part cut at N characters; ``use``'s vectors are the same for every cut and come from the copied
embedding cache, so only the English part is embedded. The quality harness's tables are printed per cut,
then one summary table (MRR@10 per set, overall and English, and the English part's embedding seconds).
"""

from __future__ import annotations

import argparse

from benchmarks.tuning.common import add_split_argument, english_part_variant, print_variant_rows
from codesearch.embedding.minilm_int8 import MiniLMInt8


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cuts", default="150,300,500")
    add_split_argument(ap)
    ap.add_argument("--sets", default="handwritten,csn")
    args = ap.parse_args()
    rows = []
    for cut in [int(c) for c in args.cuts.split(",")]:
        shipped = cut == MiniLMInt8.max_document_chars  # the benchmark index itself, as it is
        folder = None if shipped else f"english-cut-{cut}"
        rows += english_part_variant(str(cut), folder, {"max_document_chars": cut}, args)
    print_variant_rows(args.split, "cut (chars)", rows)


if __name__ == "__main__":
    main()
