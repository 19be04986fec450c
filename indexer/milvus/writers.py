"""Several indexing machines writing one Milvus store: a writer number each, ids that never collide, and a
generation that moves by one on every machine's commit.

- **A writer number** per indexing machine (its local tables of the store): the lowest ``w`` whose claim
  collection ``NAME_writer<w>`` this machine creates with its own token as the description. Milvus's root
  coordinator creates collections one at a time and never replaces one, so of two machines claiming the
  same ``w`` one finds the other's token there and tries ``w + 1``. (Milvus has no compare-and-set on rows:
  a read-modify-write of a pointer row, as ``MilvusStore.allocate_ids`` does, hands two writers one id.)
- **Ids**: writer ``w`` numbers its documents in ``[w * ID_SPAN + 1, (w + 1) * ID_SPAN)``: its local SQLite
  sequence starts there, so local ids are the store's ids (no mapping) and stay under 2**53 (JSON clients).
  Writer 0 numbers from 1, as a store written by one machine always did.
- **A writer row** ``writer/<w>`` in ``NAME_meta``, written by that writer only: its repositories, files and
  languages (what ``status`` shows), ``commits``, its number of commits, and ``next_id``: every id this
  writer has sent at a commit is below it (its local sequence at the commit). The generation readers see is the
  pointer's ``generation`` plus every writer's ``commits``: each commit moves it by exactly one, whoever made
  it, with no row written by two machines. A repair of what a killed run left (``repair_range``) deletes only
  the writer's own id range; a new collection (first run, model change, ``--rebuild``) is refused while other
  writers' repositories are in the store, since it would hold only this machine's documents.
- **What readers see**: once the store has writer rows, a reader's searches keep to the committed ranges
  ``[w * ID_SPAN, next_id)`` of the writers with a row (``committed_expr``). A writer killed mid-run leaves
  documents in the live collection (Milvus has no transactions), but their ids are new (the local sequence
  only grows), above its ``next_id``, so no reader finds them; a writer that never committed has no range.
  What a killed run *deleted* (a changed file's old documents) stays deleted until its repair.
"""

from __future__ import annotations

import json
import logging
import secrets
import sqlite3
from dataclasses import dataclass
from typing import Any, Protocol

from codesearch.errors import ConfigError
from indexer.store import get_meta, set_meta

log = logging.getLogger(__name__)

ID_SPAN = 1 << 36  # ids per writer (68.7 billion documents); 2**16 writers stay under 2**52
MAX_WRITERS = 1 << 16
WRITER_KEY = "writer/"  # the prefix of a writer row's key in NAME_meta
_LOCAL_KEY = "milvus_writer"  # in the local tables' meta: "<number> <token>"
_FACTS = ("repos", "repo_files", "languages")


class MilvusStore(Protocol):
    """What claiming a writer number needs of ``indexer.milvus.store.MilvusStore`` (which imports this
    module: named here by its shape, so the import graph has no cycle)."""

    target: Any

    def _call(self, action: str, method: str, *args: Any, **kwargs: Any) -> Any: ...


@dataclass(frozen=True)
class Writer:
    """This machine as a writer of the store: its number, its token and its id range."""

    number: int
    token: str

    @property
    def first_id(self) -> int:
        return self.number * ID_SPAN + 1

    @property
    def key(self) -> str:
        return f"{WRITER_KEY}{self.number}"

    def range_expr(self) -> str:
        """A Milvus expression for every document id of this writer."""
        return f"id >= {self.number * ID_SPAN} and id < {(self.number + 1) * ID_SPAN}"


def claim_writer(store: MilvusStore, db: sqlite3.Connection) -> Writer:
    """This machine's writer number in ``store`` (claimed once, then kept in the local tables), with the
    local document sequence moved into its id range."""
    kept = get_meta(db, _LOCAL_KEY)
    if kept:
        kept_number, token = kept.split(" ", 1)
        writer = Writer(int(kept_number), token)
        if _claim(store, writer):  # still ours (or claimed again after the store was dropped)
            return writer
        raise ConfigError(
            f"{store.target}: writer number {kept_number} of this machine's tables was claimed by another machine "
            "(the store was dropped and refilled?): index into it with --rebuild or a new --index folder"
        )
    token = secrets.token_hex(16)
    for number in range(MAX_WRITERS):
        writer = Writer(number, token)
        if _claim(store, writer):
            _start_sequence(db, writer, store)
            with db:
                set_meta(db, _LOCAL_KEY, f"{number} {token}")
            log.info("%s: this machine writes as writer %d", store.target, number)
            return writer
    raise ConfigError(f"{store.target}: all {MAX_WRITERS} writer numbers are taken")


def _claim(store: MilvusStore, writer: Writer) -> bool:
    """Create the claim collection of ``writer.number`` with ``writer.token`` (unless it exists); True when
    the collection there carries this token."""
    from pymilvus import DataType, MilvusClient

    name = f"{store.target.name}_writer{writer.number}"
    if not store._call("reading the index", "has_collection", name):
        schema = MilvusClient.create_schema(auto_id=False, description=writer.token)
        schema.add_field("id", DataType.INT64, is_primary=True)
        schema.add_field("unused", DataType.FLOAT_VECTOR, dim=2)
        try:
            store._call("claiming a writer number", "create_collection", name, schema=schema)
        except Exception as exc:  # another machine created it first (with its own token)
            log.debug("%s: claim %s refused: %s", store.target, name, exc)
    described = store._call("claiming a writer number", "describe_collection", name)
    return str(described.get("description", "")) == writer.token


def _start_sequence(db: sqlite3.Connection, writer: Writer, store: MilvusStore) -> None:
    """Number this machine's new documents from ``writer.first_id`` (SQLite AUTOINCREMENT's sequence)."""
    if writer.number == 0:
        return
    highest = db.execute("SELECT MAX(id) FROM documents").fetchone()[0]
    if highest is not None and highest < writer.first_id - 1:
        raise ConfigError(
            f"{store.target}: this machine's tables hold documents numbered for another writer; index into "
            "the store with a new --index folder (or --rebuild)"
        )
    with db:
        db.execute("INSERT OR IGNORE INTO sqlite_sequence (name, seq) VALUES ('documents', 0)")
        db.execute(
            "UPDATE sqlite_sequence SET seq = MAX(seq, ?) WHERE name = 'documents'", (writer.first_id - 1,)
        )


def writer_row(
    writer: Writer,
    previous: dict[str, Any] | None,
    facts: dict[str, Any],
    collection: str,
    next_id: int | None = None,
) -> dict[str, Any]:
    """The writer row after one more commit into ``collection``; ``next_id``: every id sent is below it."""
    commits = int((previous or {}).get("commits", 0)) + 1
    row = {**{k: facts.get(k, {}) for k in _FACTS}, "commits": commits, "collection": collection}
    if next_id is not None:
        row["next_id"] = int(next_id)
    return row


def next_local_id(db: sqlite3.Connection, writer: Writer) -> int:
    """One past every document id this machine's tables have handed out (AUTOINCREMENT's sequence)."""
    found = db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'documents'").fetchone()
    return max(int(found[0]) if found else 0, writer.first_id - 1) + 1


def committed_ranges(writers: dict[str, dict[str, Any]]) -> list[list[int]]:
    """``[low, high)`` id ranges that the writers' commits cover (a row without ``next_id``, written before
    it was kept: the writer's whole range)."""
    ranges = []
    for key, row in sorted(writers.items()):
        number = int(key[len(WRITER_KEY) :])
        high = int(row["next_id"]) if "next_id" in row else (number + 1) * ID_SPAN
        ranges.append([number * ID_SPAN, high])
    return ranges


def committed_expr(state: dict[str, Any] | None) -> str:
    """A Milvus expression for the documents readers may see: "" for a store without writer rows."""
    ranges = (state or {}).get("committed")
    if not ranges:
        return ""
    return " or ".join(f"(id >= {low} and id < {high})" for low, high in ranges)


def merged_state(state: dict[str, Any] | None, writers: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    """The pointer as readers see it: its generation plus every writer's commits, and the writers'
    repositories, files and languages over the pointer's own (a store written before writer rows)."""
    if state is None:
        return None
    merged = {
        **{k: v for k, v in state.items() if k != "committed"},  # the readers' ranges: from writer rows only
        "generation": int(state["generation"]) + sum(int(w.get("commits", 0)) for w in writers.values()),
    }
    if writers:
        merged["repos"] = {**state.get("repos", {})}
        merged["repo_files"] = {**state.get("repo_files", {})}
        languages: dict[str, list[int]] = {k: list(v) for k, v in state.get("languages", {}).items()}
        for row in writers.values():
            merged["repos"].update(row.get("repos", {}))
            merged["repo_files"].update(row.get("repo_files", {}))
            for lang, (files, symbols) in row.get("languages", {}).items():
                have = languages.setdefault(lang, [0, 0])
                have[0] += int(files)
                have[1] += int(symbols)
        merged["languages"] = languages
        merged["committed"] = committed_ranges(writers)
    return merged


def parse_rows(rows: list[dict[str, Any]]) -> tuple[dict[str, Any] | None, dict[str, dict[str, Any]]]:
    """``NAME_meta`` rows (key, value) as (the pointer, writer rows by key)."""
    state, writers = None, {}
    for row in rows:
        if row["key"] == "state":
            state = json.loads(row["value"])
        elif str(row["key"]).startswith(WRITER_KEY):
            writers[str(row["key"])] = json.loads(row["value"])
    return state, writers


def refuse_new_collection(writers: dict[str, dict[str, Any]], me: Writer, target: object) -> None:
    """A new collection holds only this machine's documents: refused while other writers have some."""
    others = sorted(k for k, row in writers.items() if k != me.key and row.get("repos"))
    if others:
        raise ConfigError(
            f"{target}: other indexing machines ({', '.join(others)}) write this store; a model change or "
            "--rebuild makes a new collection holding only this machine's repositories, so it is refused: "
            "rebuild the store from one machine with every repository, or keep the store's model"
        )
