"""The SQLite schema of ``meta.sqlite``, as numbered migrations."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

SCHEMA_VERSION = 1


def m001_create_tables(db: sqlite3.Connection) -> None:
    db.executescript(
        """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE repos (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            root TEXT NOT NULL UNIQUE,
            is_git INTEGER NOT NULL DEFAULT 0,
            indexed_at REAL
        );
        CREATE TABLE files (
            id INTEGER PRIMARY KEY,
            repo_id INTEGER NOT NULL REFERENCES repos(id) ON DELETE CASCADE,
            path TEXT NOT NULL,
            language TEXT NOT NULL,
            blob_id TEXT,
            size INTEGER NOT NULL,
            mtime_ns INTEGER NOT NULL,
            content_hash TEXT NOT NULL,
            n_symbols INTEGER NOT NULL DEFAULT 0,
            UNIQUE (repo_id, path)
        );
        -- AUTOINCREMENT: ids are never reused, so a reader's old vector ids never point at new text
        CREATE TABLE documents (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
            kind TEXT NOT NULL,
            name TEXT NOT NULL,
            qualified_name TEXT NOT NULL,
            signature TEXT NOT NULL,
            doc TEXT NOT NULL,
            code TEXT NOT NULL,
            start_line INTEGER NOT NULL,
            end_line INTEGER NOT NULL,
            content_hash TEXT NOT NULL
        );
        CREATE INDEX documents_file ON documents(file_id);
        CREATE INDEX documents_name ON documents(name COLLATE NOCASE);
        CREATE VIRTUAL TABLE documents_fts USING fts5(
            name, path, doc, code,
            tokenize = "unicode61 remove_diacritics 2 tokenchars '_'"
        );
        -- the embedding cache: text embedded once by a model is never embedded again by it.
        -- A rowid table: WITHOUT ROWID would store each kilobyte-sized vector on a page of its own.
        CREATE TABLE embeddings (
            fingerprint TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            vector BLOB NOT NULL,
            PRIMARY KEY (fingerprint, content_hash)
        );
        """
    )


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [m001_create_tables]


def migrate(db: sqlite3.Connection) -> None:
    """Bring the database to SCHEMA_VERSION, one numbered migration at a time."""
    current = db.execute("PRAGMA user_version").fetchone()[0]
    for number, migration in enumerate(MIGRATIONS, start=1):
        if number > current:
            with db:
                migration(db)
                db.execute(f"PRAGMA user_version = {number}")
