"""Symbols/s of the CPU embedders on realistic code texts (not collected by pytest).

Texts are real functions and classes from the Python standard library, 100-2000 characters each, the
shape ``codesearch`` embeds. Run: ``python -m benchmarks.speed.embed_throughput [use|e5] [N] [BATCH ...]``.
"""

from __future__ import annotations

import ast
import logging
import random
import sys
import sysconfig
import time
from pathlib import Path

log = logging.getLogger(__name__)


def realistic_code_texts(n: int, seed: int = 0) -> list[str]:
    """``n`` function/class sources from the standard library, 100-2000 chars, reproducibly sampled."""
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    texts: list[str] = []
    for path in sorted(stdlib.glob("*.py")):
        source = path.read_text(encoding="utf-8", errors="replace")
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                seg = ast.get_source_segment(source, node)
                if seg and 100 <= len(seg) <= 2000:
                    texts.append(seg)
    random.Random(seed).shuffle(texts)
    return texts[:n]


def main() -> None:
    from codesearch.embedding.registry import get_embedder

    name = sys.argv[1] if len(sys.argv) > 1 else "use"
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 500
    batches = [int(b) for b in sys.argv[3:]] or [64]
    texts = realistic_code_texts(n)
    chars = sum(map(len, texts))
    embedder = get_embedder(name)
    embedder.embed_documents(texts[:8])  # load outside the timing
    for batch in batches:
        embedder.batch_size = batch
        t0 = time.perf_counter()
        embedder.embed_documents(texts)
        took = time.perf_counter() - t0
        sys.stdout.write(
            f"{name} batch={batch}: {len(texts)} texts ({chars / len(texts):.0f} chars avg) in {took:.2f}s "
            f"= {len(texts) / took:.1f} symbols/s\n"
        )


if __name__ == "__main__":
    main()
