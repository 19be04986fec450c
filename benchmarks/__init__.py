"""codesearch's benchmarks: `quality/` (search quality on a pinned corpus), `speed/` (indexing, query,
load and latency, each against a baseline in the same run), `tuning/` (the sweeps behind shipped constants)
and `gpu/`. Run any of them as a module from the repository root: `python -m benchmarks.quality.run`."""
