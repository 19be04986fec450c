"""How much of a document the bundled model should see: a sweep of ``max_document_chars``.

    python -m benchmarks.tuning.doc_cut [--cuts 4000,700,400,250,150] [--repos a,b,...]

Each cut gets its own index under benchmarks/out/doc-cut-N/ over the same packages, and quality.py's
tables; the summary lines (MRR@10 per set and mode, embedding seconds) are printed at the end.
"""

from __future__ import annotations

import argparse
import json

from benchmarks.paths import OUT
from benchmarks.quality import run as quality
from codesearch.embedding.use import UniversalSentenceEncoder

DEFAULT_REPOS = "penlight,cli11,guzzle-psr7,itertools,logrus,requests,thor,axios"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cuts", default="4000,700,400,250,150")
    ap.add_argument("--repos", default=DEFAULT_REPOS)
    args = ap.parse_args()
    summary = []
    for cut in [int(c) for c in args.cuts.split(",")]:
        UniversalSentenceEncoder.max_document_chars = cut
        quality.OUT = OUT / f"doc-cut-{cut}"
        quality.main(["--models", "use", "--queries", "handwritten,csn", "--repos", args.repos, "--rebuild"])
        latest = sorted(quality.OUT.glob("quality-*.json"))[-1]
        details = json.loads(latest.read_text())
        embed_s = details["indexes"]["use"]["timings"]["embed"]
        for run, sets in details["runs"].items():
            for qset, data in sets.items():
                s = data["summary"]["all"]
                summary.append(f"| {cut} | {qset} | {run} | {s['mrr@10']:.3f} | {embed_s:.0f} |")
    print("\n| cut (chars) | set | run | MRR@10 | embed s |\n| --- | --- | --- | --- | --- |")
    print("\n".join(summary))


if __name__ == "__main__":
    main()
