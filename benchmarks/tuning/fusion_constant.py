"""Sweep one constant of ``codesearch.fusion`` (a share, a weight) as real searches.

    python -m benchmarks.tuning.fusion_constant --name TRANSLATED_VARIANT_SHARE --values "0;0.5;1"
        [--model use+minilm-int8] [--mode hybrid] [--sets handwritten:dev,csn:dev,heldout,...]

For each value (a Python literal: ``0.5``, ``None``, ``(8, 2, 3, 3)``), every query of ``--sets`` (``NAME:SPLIT``
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
    ap.add_argument("--name", required=True, help="a constant of codesearch.fusion")
    ap.add_argument(
        "--values", required=True, help="v1;v2;... (the first is the one differences are taken against)"
    )
    ap.add_argument("--model", default="use+minilm-int8")
    ap.add_argument("--mode", default="hybrid")
    ap.add_argument("--sets", default="handwritten:dev,csn:dev")
    args = ap.parse_args()
    if not hasattr(fusion, args.name):
        ap.error(f"codesearch.fusion has no {args.name}")
    values = [ast.literal_eval(v) for v in args.values.split(";")]
    shipped = getattr(fusion, args.name)
    settings = [
        (repr(v) + (" (shipped)" if v == shipped else ""), lambda v=v: patched(fusion, **{args.name: v}))
        for v in values
    ]
    records = load_sets(args.sets.split(","))
    paired_sweep(args.model, get_embedder(args.model), args.mode, records, settings, args.name)


if __name__ == "__main__":
    main()
