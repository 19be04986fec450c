"""The whole hostile corpus end to end (issue 14): indexed with the real bundled model, files swapped for a
FIFO and a symlink between the crawl and the read and again after indexing, then searched through the real
``Searcher`` and the real HTTP server. No crash, no hang, nothing from outside the root served, and every
file indexed or skipped with a reason."""

from __future__ import annotations

import importlib.util
import sqlite3
import sys
import threading
from pathlib import Path
from typing import Any

import httpx

from codesearch.api.server import create_app
from codesearch.search import Searcher
from codesearch.settings import Settings
from indexer import pipeline
from indexer.crawl import crawl

_spec = importlib.util.spec_from_file_location(
    "hostile_tree", Path(__file__).resolve().parents[2] / "fixtures" / "hostile_tree.py"
)
assert _spec is not None and _spec.loader is not None
hostile = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = hostile  # its dataclasses look their module up there
_spec.loader.exec_module(hostile)

QUERIES = [
    "add one to a number",
    "utf16_wide_function",
    "café_günter",
    "retry policy backs off exponentially",
    "hostile_users table",
    "nested_level_250",
    "leaked_secret",
    "swapped_to_fifo",
    "spaced_file_function",
    "pwned markup in a file name",
]


def _within(seconds: float, call: Any) -> Any:
    """``call()`` in a daemon thread; a hang fails the test instead of hanging the suite."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = call()
        except BaseException as exc:  # handed to the test thread
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "hung"
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def _indexed_paths(index_dir: Path) -> dict[str, list[str]]:
    db = sqlite3.connect(index_dir / "meta.sqlite")
    try:
        rows = db.execute(
            "SELECT f.path, d.name FROM files f LEFT JOIN documents d ON d.file_id=f.id"
        ).fetchall()
    finally:
        db.close()
    out: dict[str, list[str]] = {}
    for path, name in rows:
        out.setdefault(path, []).append(name)
    return out


def test_the_hostile_corpus_indexes_and_searches_safely(tmp_path, use_embedder, monkeypatch, serve_app):
    tree = hostile.build_hostile_tree(tmp_path / "hostile", tmp_path / "outside")
    entries = hostile.all_entries(tree.root)
    crawled: list[Any] = []

    def crawl_then_swap(root: Path, **kw: Any) -> Any:  # the race a busy work tree has
        result = crawl(root, **kw)
        crawled.append(result)
        hostile.swap_for_fifo(root / "special" / "swap_to_fifo.py")
        hostile.swap_for_symlink(root / "special" / "swap_to_link.py", tree.secret)
        return result

    monkeypatch.setattr(pipeline, "crawl", crawl_then_swap)
    index_dir = tmp_path / "idx"
    report = _within(
        300,
        lambda: pipeline.index_paths([tree.root], index_dir=index_dir, embedder=use_embedder, model="use"),
    )

    # every entry is indexed or skipped with a reason (in-root symlinks are aliases, dropped by design)
    skipped = dict(crawled[0].skipped)
    indexed = _indexed_paths(index_dir)
    swapped = {"special/swap_to_fifo.py", "special/swap_to_link.py"}
    unaccounted = [
        e
        for e in entries
        if e not in indexed
        and e not in tree.aliases
        and e not in swapped
        and e.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace") not in skipped
    ]
    assert unaccounted == []
    assert report.files == len(indexed) == len(entries) - len(tree.aliases) - len(skipped) - len(swapped)
    assert report.skipped["unreadable"] >= 4  # FIFO, dangling link, and the two swapped after the crawl
    assert report.skipped["undecodable-name"] == 1 and report.skipped["symlink-outside-root"] == 1
    assert report.skipped["secret"] == 2  # special/.env, special/id_rsa
    assert all(names != [None] for names in indexed.values()), "an indexed file without a document"
    names = {n for ns in indexed.values() for n in ns}
    assert {"utf16_wide_function", "utf32_wide_function", "utf8_wide_function", "café_günter"} <= names
    assert {"still_found", "tab_in_file_name", "escape_sequence_name", "no_final_newline"} <= names
    assert "nested_level_0" in names and report.cut["symbols-nested-too-deep"] > 0
    assert "leaked_secret" not in names and "swapped_to_fifo" not in names

    # after indexing: an indexed file becomes a FIFO, another a symlink to the secret
    hostile.swap_for_fifo(tree.root / "names" / "space in name.py")
    hostile.swap_for_symlink(tree.root / "encodings" / "crlf.py", tree.secret)
    searcher = Searcher(index_dir, use_embedder)
    for query in QUERIES:
        hits = _within(60, lambda q=query: searcher.search(q, k=10)).hits
        assert all(hostile.SECRET not in h.snippet for h in hits)
        assert not {h.path for h in hits} & {"names/space in name.py", "encodings/crlf.py"}
    app = create_app(Settings(index_dir=index_dir), searcher=searcher)
    with serve_app(app) as url, httpx.Client(base_url=url, timeout=60) as client:
        for query in QUERIES * 2:  # the hang came after a few requests
            r = client.post("/search", json={"query": query, "k": 10})
            assert r.status_code == 200 and hostile.SECRET not in r.text
        for hit in searcher.search("crlf_line_endings spaced_file_function", k=50, mode="lexical").hits:
            r = client.get(f"/symbols/{hit.doc_id}")
            assert r.status_code in (200, 404) and hostile.SECRET not in r.text
        assert client.get("/healthz").status_code == 200
    searcher.close()
