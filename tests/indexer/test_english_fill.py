"""The English fill with the real models (use + MiniLM int8), real FAISS and real git repos in tmp dirs.

A composite model caches each part under the part's own fingerprint; a build with more texts lacking the
English part than ``DEFER_THRESHOLD`` leaves it out, ranks exactly like ``use`` alone until ``indexer.fill``
embeds it, and a killed fill resumes where it stopped.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from codesearch.embedding.registry import get_embedder
from codesearch.search import Searcher
from indexer import fill, pipeline
from indexer.fill import fill_missing_parts
from indexer.pipeline import index_paths
from indexer.store import Manifest

COMPOSITE = "use+minilm-int8"
QUERIES = (
    "read the config file",
    "retry failed calls with backoff",
    "读取配置文件",
    "Konfigurationsdatei lesen",
)


@pytest.fixture(scope="module", autouse=True)
def _loaded() -> None:
    get_embedder(COMPOSITE).load()  # once per module: the parts' weights are shared by every instance


def _recording(monkeypatch: pytest.MonkeyPatch, part: object) -> list[str]:
    """The texts ``part`` (an embedder) is asked to embed from now on."""
    seen: list[str] = []
    original = part.embed_documents  # type: ignore[attr-defined]

    def embed_documents(texts, progress=None):  # type: ignore[no-untyped-def]
        seen.extend(texts)
        return original(texts, progress)

    monkeypatch.setattr(part, "embed_documents", embed_documents)
    return seen


def _composite(monkeypatch: pytest.MonkeyPatch) -> tuple[object, list[str], list[str]]:
    embedder = get_embedder(COMPOSITE)
    use, english = embedder.stored_parts  # type: ignore[attr-defined]
    return embedder, _recording(monkeypatch, use), _recording(monkeypatch, english)


def _build(root: Path, index_dir: Path, embedder: object, model: str, **kw: object) -> pipeline.IndexReport:
    return index_paths([root], index_dir=index_dir, embedder=embedder, model=model, **kw)  # type: ignore[arg-type]


def _ranking(searcher: Searcher, query: str) -> list[tuple[str, int]]:
    return [(h.path, h.start_line) for h in searcher.search(query, k=8).hits]


def test_a_use_index_cache_makes_a_composite_build_embed_only_the_english_model(
    git_repo, tmp_path, monkeypatch, use_embedder
) -> None:
    repo, index_dir = git_repo(), tmp_path / "idx"
    first = _build(repo.root, index_dir, use_embedder, "use")
    embedder, use_texts, english_texts = _composite(monkeypatch)
    report = _build(repo.root, index_dir, embedder, COMPOSITE, rebuild=True)
    assert use_texts == []  # every use vector came from the use index's cache
    assert len(english_texts) == report.embedded == first.embedded > 0
    assert Manifest.read(index_dir).missing_parts == 0  # under the threshold: both parts inline
    # and back: a use build over the composite's cache embeds nothing
    again = _build(repo.root, index_dir, use_embedder, "use", rebuild=True)
    assert again.embedded == 0 and again.documents == report.documents


def test_a_deferred_build_ranks_like_use_alone_until_the_fill(
    git_repo, tmp_path, monkeypatch, use_embedder
) -> None:
    repo = git_repo()
    _build(repo.root, tmp_path / "use", use_embedder, "use")
    monkeypatch.setattr(pipeline, "DEFER_THRESHOLD", 2)
    embedder, use_texts, english_texts = _composite(monkeypatch)
    report = _build(repo.root, tmp_path / "idx", embedder, COMPOSITE)
    assert english_texts == [] and len(use_texts) == report.embedded
    assert report.missing_parts == report.documents > 2

    alone, deferred = Searcher(tmp_path / "use", use_embedder), Searcher(tmp_path / "idx", embedder)
    status = deferred.status()["english_vectors"]
    assert status == {"documents": report.documents, "embedded": 0, "filling_pid": None}
    for query in QUERIES:
        assert deferred.plan(query).part_weights == (1.0, 0.0)
        assert _ranking(deferred, query) == _ranking(alone, query)
    assert english_texts == []  # no query loaded the English model

    filled = fill_missing_parts(tmp_path / "idx", embedder)
    assert filled.embedded == len(english_texts) == report.embedded and filled.missing == 0
    assert deferred.status()["english_vectors"]["embedded"] == report.documents
    plan = deferred.plan("read the config file")
    assert plan.part_weights is not None and plan.part_weights[1] > 0  # English queries use English now
    # and only English queries, or a translated one's English gloss: not a query no dictionary translates
    assert deferred.plan("прочитати файл конфігурації").part_weights == (1.0, 0.0)  # Ukrainian
    assert fill_missing_parts(tmp_path / "idx", embedder).embedded == 0  # nothing left to do


def test_a_small_reindex_of_a_deferred_index_embeds_both_parts_and_counts_the_rest(
    git_repo, tmp_path, monkeypatch
) -> None:
    repo = git_repo()
    monkeypatch.setattr(pipeline, "DEFER_THRESHOLD", 2)
    embedder, _, english_texts = _composite(monkeypatch)
    first = _build(repo.root, tmp_path / "idx", embedder, COMPOSITE)
    repo.write("extra.py", "def parse_header(line):\n    return line.split(':', 1)\n")
    repo.commit("one more function")
    second = _build(repo.root, tmp_path / "idx", embedder, COMPOSITE)
    assert len(english_texts) == second.embedded == 1  # a small run embeds the English part inline
    manifest = Manifest.read(tmp_path / "idx")
    assert manifest.documents == first.documents + 1
    assert manifest.missing_parts == first.missing_parts  # the new document has its English vector
    assert Searcher(tmp_path / "idx", embedder).plan("parse a header").part_weights == (1.0, 0.0)


_SLOW_FILL = """
import sys, time
from pathlib import Path
from codesearch.embedding.registry import get_embedder
from indexer import fill

embedder = get_embedder("use+minilm-int8")
english = embedder.stored_parts[1]
original = english.embed_documents
chunks = 0

def embed_documents(texts, progress=None):
    global chunks
    chunks += 1
    if chunks > 3:  # the fourth chunk says so (the third is committed by now) and waits for the signal
        with open(sys.argv[2], "a") as log:
            log.write("waiting\\n")
        time.sleep(600)
    out = original(texts, progress)
    with open(sys.argv[2], "a") as log:
        log.write(f"{len(texts)}\\n")
    return out

english.embed_documents = embed_documents
fill.FILL_CHUNK = 3
fill.fill_missing_parts(Path(sys.argv[1]), embedder)
"""


def test_a_fill_killed_between_chunks_resumes_and_embeds_only_what_is_missing(
    git_repo, tmp_path, monkeypatch
) -> None:
    repo, index_dir, chunks = git_repo(), tmp_path / "idx", tmp_path / "chunks.log"
    monkeypatch.setattr(pipeline, "DEFER_THRESHOLD", 2)
    embedder, _, english_texts = _composite(monkeypatch)
    report = _build(repo.root, index_dir, embedder, COMPOSITE)
    assert report.documents > 9
    filler = subprocess.Popen(
        [sys.executable, "-c", _SLOW_FILL, str(index_dir), str(chunks)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while not chunks.exists() or "waiting" not in chunks.read_text().split():
            assert filler.poll() is None and time.monotonic() < deadline, "the fill ended before its chunks"
            time.sleep(0.05)
        filler.send_signal(signal.SIGKILL)
        filler.wait(timeout=60)
    finally:
        filler.kill()
    english = embedder.stored_parts[1].fingerprint  # type: ignore[attr-defined]
    db = sqlite3.connect(index_dir / "meta.sqlite")
    kept = db.execute("SELECT COUNT(*) FROM embeddings WHERE fingerprint=?", (english,)).fetchone()[0]
    db.close()
    done = [int(n) for n in chunks.read_text().split()[:-1]]  # the three chunks embedded and committed
    assert len(done) == 3 and 0 < kept == sum(done) < report.embedded
    assert Manifest.read(index_dir).missing_parts == report.documents  # no generation was committed
    filled = fill_missing_parts(index_dir, embedder)
    assert filled.embedded == len(english_texts) == report.embedded - kept and filled.missing == 0


def test_a_second_fill_of_one_index_is_refused_while_the_first_runs(tmp_path) -> None:
    from codesearch.errors import IndexLockedError

    tmp_path.mkdir(exist_ok=True)
    with fill._fill_lock(tmp_path):
        from indexer.store import filling_pid

        assert filling_pid(tmp_path) is not None
        with pytest.raises(IndexLockedError, match="being filled"):
            with fill._fill_lock(tmp_path):
                pass
    from indexer.store import filling_pid

    assert filling_pid(tmp_path) is None


def test_a_composite_index_from_before_per_part_caches_keeps_its_vectors(
    git_repo, tmp_path, monkeypatch
) -> None:
    import dataclasses

    from indexer.part_cache import cache_of
    from indexer.store import EmbeddingCache, connect

    repo, index_dir = git_repo(), tmp_path / "idx"
    embedder, _, _ = _composite(monkeypatch)
    first = _build(repo.root, index_dir, embedder, COMPOSITE)
    # what an older build left: whole vectors under the composite's fingerprint, a manifest with no parts
    db = connect(index_dir)
    hashes = [r[0] for r in db.execute("SELECT DISTINCT content_hash FROM documents")]
    whole = cache_of(db, embedder).get(hashes)
    EmbeddingCache(db, embedder.fingerprint, embedder.dim).put(hashes, whole)  # type: ignore[attr-defined]
    with db:
        db.execute("DELETE FROM embeddings WHERE fingerprint != ?", (embedder.fingerprint,))  # type: ignore[attr-defined]
    db.close()
    manifest = Manifest.read(index_dir)
    dataclasses.replace(manifest, parts=()).write(index_dir)
    repo.write("extra.py", "def parse_header(line):\n    return line.split(':', 1)\n")
    repo.commit("one more function")
    recorded, use_texts, english_texts = _composite(monkeypatch)
    again = _build(repo.root, index_dir, recorded, COMPOSITE)
    assert again.embedded == 1 and len(use_texts) == len(english_texts) == 1  # only the new function
    assert Manifest.read(index_dir).missing_parts == 0 and again.documents == first.documents + 1


def test_the_fill_leaves_the_word_lexicon_ready_so_a_first_russian_search_embeds_no_common_word(
    git_repo, tmp_path, monkeypatch, capsys
) -> None:
    """``codesearch fill`` (what ``index`` starts in a detached process) also makes the word lexicon of the
    index's common words (``Searcher.prepare_lexicon``): a new process's first Korean or Russian search with a
    word no dictionary reads then embeds that word alone, not the index's few thousand common words."""
    from codesearch.cli import main

    repo = git_repo()
    monkeypatch.setattr(pipeline, "DEFER_THRESHOLD", 2)
    embedder, use_texts, _ = _composite(monkeypatch)
    index_dir = tmp_path / "idx"
    assert _build(repo.root, index_dir, embedder, COMPOSITE).missing_parts > 0
    assert main(["fill", "--index", str(index_dir)]) == 0  # its own models, as the detached process has
    said = capsys.readouterr().out
    words = int(said.split("word lexicon: ")[1].split(" common words")[0].replace(",", ""))
    assert words > 20

    use_texts.clear()
    searcher = Searcher(index_dir, embedder)  # a later process's first search: the lexicon from the cache
    searcher.search("повторить запрос фывапр")  # "фывапр" is no word: the lexicon looks it up
    assert use_texts and len(use_texts) <= 3, use_texts
    assert searcher._lexicon_of is not None and len(searcher._lexicon_of[1].words) == words
    searcher.close()
