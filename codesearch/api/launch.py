"""What ``codesearch serve`` starts the API with: the threads per search, and the app of each worker
process of ``serve --processes`` (uvicorn imports it by name)."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

from codesearch.settings import settings_from_json

log = logging.getLogger(__name__)

DEFAULT_PORT = 8765


SPEC_ENV = "CODESEARCH_SERVE_SPEC"  # how `serve --processes N` hands its options to the worker processes


def app_from_spec() -> Any:
    """The app of one worker process of ``serve --processes``, from the options its parent left in
    ``CODESEARCH_SERVE_SPEC``."""
    from codesearch.api.server import create_app

    spec = json.loads(os.environ[SPEC_ENV])
    limit_threads(spec["threads"])
    return create_app(
        settings_from_json(spec["settings"]),
        batch_window=spec["batch_window"],
        workers=spec["workers"],
        jobs_store=Path(spec["jobs_store"]),
    )


def limit_threads(threads: int) -> None:
    """BLAS and OpenMP threads per search: parallelism comes from the workers, and threads that must meet
    at every product crawl when another process holds a core (benchmarks/RESULTS.md, use_threads.py).

    ``omp_set_num_threads`` binds only the calling thread; the threads that search (the batcher's, the
    request pool's) get OpenMP's initial value, which only the environment sets before FAISS first loads.
    Left at one per core, each of them kept an OpenMP team spinning between searches: a third of a core
    burnt at 1 client (benchmarks/RESULTS.md, issue 5).
    """
    os.environ["OMP_NUM_THREADS"] = str(threads)
    import faiss

    faiss.omp_set_num_threads(threads)
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # without it, BLAS keeps its own default
        return
    threadpool_limits(threads)
