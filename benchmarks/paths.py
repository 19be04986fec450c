"""Where the benchmarks read and write: fetched and derived data under `data/`, indexes and results under
`out/` (both git-ignored), the query sets under `queries/`."""

from __future__ import annotations

from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
DATA = BENCH / "data"
CORPUS = DATA / "corpus"
BLANKED = DATA / "corpus-blanked"
# every function's doc comment blanked, as CodeSearchNet's corpus has them: `make_csn_queries --strip-all`
STRIPPED = DATA / "corpus-stripped"
QUERIES = BENCH / "queries"
OUT = BENCH / "out"
