"""The store's write side on a real ``meta.sqlite``: files, documents and their FTS rows change together."""

from __future__ import annotations

from pathlib import Path

from indexer.documents import file_documents
from indexer.store import connect, get_meta
from indexer.store_write import FileRecord, SqliteStoreWriter


def _record(path: str, content_hash: str = "h1") -> FileRecord:
    return FileRecord(path, "text", None, 10, 1, content_hash, 0)


def _counts(writer: SqliteStoreWriter) -> tuple[int, int, int]:
    db = writer.db
    return tuple(
        db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in ("files", "documents", "documents_fts")
    )  # type: ignore[return-value]


def test_replace_delete_and_clear_keep_documents_and_their_lexical_rows_together(tmp_path: Path) -> None:
    writer = SqliteStoreWriter(connect(tmp_path))
    root = tmp_path / "src"
    repo_id, name = writer.upsert_repo(root, is_git=False)
    assert (repo_id, name) == writer.upsert_repo(root, is_git=True) and name == "src"
    docs = file_documents(name, "a.txt", "text", "one\ttwo\n" * 3, [])
    writer.begin()
    removed, added = writer.replace_file(repo_id, _record("a.txt"), docs)
    writer.commit()
    assert removed == [] and len(added) == 1 and _counts(writer) == (1, 1, 1)
    writer.begin()
    removed, again = writer.replace_file(repo_id, _record("a.txt", "h2"), docs + docs)
    writer.commit()
    assert removed == [added[0][0]] and len(again) == 2 and _counts(writer) == (1, 2, 2)
    summary = writer.summary([root])
    assert (summary.files, summary.documents) == (1, 2)
    file_id = writer.db.execute("SELECT id FROM files").fetchone()[0]
    assert sorted(writer.delete_files([file_id])) == sorted(i for i, _ in again)
    writer.commit()
    assert _counts(writer) == (0, 0, 0)
    writer.begin()
    writer.replace_file(repo_id, _record("b.txt"), docs)
    writer.rollback()  # a failed run leaves the store as it was
    assert _counts(writer) == (0, 0, 0)
    writer.replace_file(repo_id, _record("b.txt"), docs)
    writer.commit()
    writer.clear()
    assert _counts(writer) == (0, 0, 0) and get_meta(writer.db, "generation") == "-1"


def test_a_write_transaction_survives_another_connections_commit_after_its_first_read(tmp_path: Path) -> None:
    """``begin`` takes the write lock at once: with a deferred BEGIN, a read and then another connection's
    commit (embed-ahead's cache writes) made this transaction's first write fail at once with "database is
    locked" (SQLITE_BUSY_SNAPSHOT), whatever the busy timeout."""
    import sqlite3

    writer = SqliteStoreWriter(connect(tmp_path))
    repo_id, name = writer.upsert_repo(tmp_path / "src", is_git=False)
    other = connect(tmp_path)
    other.execute("PRAGMA busy_timeout=0")
    writer.begin()
    writer.db.execute("SELECT COUNT(*) FROM files").fetchone()  # the transaction's first read
    try:
        with other:  # the lock is held from begin: the other connection waits (here: fails) instead
            other.execute("INSERT INTO meta (key, value) VALUES ('x', 'y')")
    except sqlite3.OperationalError as exc:
        assert "locked" in str(exc)
    else:
        raise AssertionError("begin() did not take the write lock")
    docs = file_documents(name, "a.txt", "text", "one\n", [])
    writer.replace_file(repo_id, _record("a.txt"), docs)
    writer.commit()
    other.close()
    assert _counts(writer) == (1, 1, 1)
