"""How much of a document the English model (``minilm-int8``) should see: a sweep of its ``max_document_chars``.

    python -m benchmarks.tuning.english_cut [--cuts 150,300,500] [--split dev] [--sets handwritten,csn]

Each cut gets its own copy of the two-model benchmark index (benchmarks/out/english-cut-N/), rebuilt with the
English part cut at N characters; ``use``'s vectors are the same for every cut and come from the copied
embedding cache, so only the English part is embedded. The quality harness's tables are printed per cut,
then one summary table (MRR@10 per set, overall and English, and the English part's embedding seconds).
"""

from __future__ import annotations

import argparse
import json
import shutil

from benchmarks.paths import OUT
from benchmarks.quality import run as quality
from benchmarks.tuning.common import patched
from codesearch.embedding.minilm_int8 import MiniLMInt8

MODEL = "use+minilm-int8"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cuts", default="150,300,500")
    ap.add_argument("--split", default="dev", choices=("dev", "test", "all"))
    ap.add_argument("--sets", default="handwritten,csn")
    args = ap.parse_args()
    source = OUT / f"index-{MODEL}"
    rows = []
    for cut in [int(c) for c in args.cuts.split(",")]:
        shipped = cut == MiniLMInt8.max_document_chars  # the benchmark index itself, as it is
        out = OUT if shipped else OUT / f"english-cut-{cut}"
        target = out / f"index-{MODEL}"
        fresh = not target.exists()
        if fresh:  # the source's embedding cache comes along: `use`'s vectors are not embedded again
            target.mkdir(parents=True)
            shutil.copy(source / "meta.sqlite", target / "meta.sqlite")
        argv = ["--models", MODEL, "--modes", "hybrid", "--queries", args.sets, "--split", args.split]
        with patched(MiniLMInt8, max_document_chars=cut), patched(quality, OUT=out):
            quality.main(argv + (["--rebuild"] if fresh else []))
        details = json.loads(sorted(out.glob("quality-*.json"))[-1].read_text())
        embed_s = details["indexes"][MODEL].get("timings", {}).get("embed")
        for qset, data in details["runs"][f"{MODEL}/hybrid"].items():
            en = data["by_lang"].get("en", {})
            rows.append(
                f"| {cut} | {qset} | {data['summary']['all']['mrr@10']:.3f} | {en.get('mrr@10', 0):.3f} "
                f"({en.get('n', 0)}) | {embed_s if embed_s is not None else 'reused'} |"
            )
    print(
        f"\n{args.split} split\n\n| cut (chars) | set | MRR@10 | English | embed s |\n| --- | --- | --- | --- | --- |"
    )
    print("\n".join(rows))


if __name__ == "__main__":
    main()
