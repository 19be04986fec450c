"""`codesearch serve` limits OpenMP in every thread that searches, not only in the one that set it up."""

from __future__ import annotations

import os
import subprocess
import sys

CHECK = """
import threading
from codesearch.api.launch import limit_threads
limit_threads(1)
import faiss
seen = []
worker = threading.Thread(target=lambda: seen.append(faiss.omp_get_max_threads()))
worker.start()
worker.join()
print(faiss.omp_get_max_threads(), seen[0])
"""


def test_threads_started_later_search_with_one_openmp_thread():
    # a fresh interpreter: OpenMP reads its thread count once, when FAISS first loads
    env_free = {k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"}
    out = subprocess.run(
        [sys.executable, "-c", CHECK], capture_output=True, text=True, check=True, env=env_free
    ).stdout.split()
    assert out == ["1", "1"]
