"""``MilvusStore``: one codesearch index in Milvus, read and written through the store seam's operations.

Write side: ``begin`` (a new collection when the model changes or on rebuild), ``upsert``, ``delete_file``,
``delete_ids``, ``commit`` (index type by size, the alias moved to the new collection, the generation
bumped), ``manifest``. The read side is ``indexer.milvus.reader`` (the same
``indexer.store_read.StoreGeneration`` protocol as the local store). Fusion, exact names first, role priors, grouping and rerank stay above the seam, so a ranking is the same on
every store.

The generation pointer is one row of ``NAME_meta`` (collection, model, fingerprint, dim, generation, next
document id, repositories): milvus-lite has no aliases, a server gets the alias ``NAME`` moved as well.
Only a model change (a new collection) is atomic for readers; incremental writes to the live collection are
visible as they land (Milvus has no transactions), the generation number moves at ``commit``.
The embedding cache stays in the local ``meta.sqlite`` (``indexer.store.EmbeddingCache``): it is read and
written only by the indexing machine, where the embedder runs, and needs no server round trip per batch.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from codesearch.errors import StoreUnavailableError
from indexer.milvus import collection as schema
from indexer.milvus.connection import (
    BM25_SERVER,
    TIMEOUT_S,
    MilvusTarget,
    connect,
    drop_alias,
    milvus_errors,
    point_alias,
)
from indexer.milvus.expressions import ids_expr, quote
from indexer.milvus.fts_sidecar import FtsSidecar
from indexer.milvus.rows import StoredDocument
from indexer.milvus.writers import (
    WRITER_KEY,
    Writer,
    merged_state,
    parse_rows,
    refuse_new_collection,
    writer_row,
)
from indexer.store import Manifest

log = logging.getLogger(__name__)

# Reads are "Session": a writer reads its own writes; another process's reads lag writes by at most the
# server's time tick. "Strong" waits for that tick on every call (~200 ms each on Milvus 2.3).
READ_CONSISTENCY = "Session"
WRITER_CONSISTENCY = "Strong"  # a writer's count and its file lookups (Session's count(*) misses deletes)
COLLECTION_CONSISTENCY = "Bounded"
BATCH = 500  # entities per insert (gRPC messages stay far under 64 MB)
ID_BATCH = 1_000  # ids per `id in [...]` expression
MAX_TOP_K = 16_384  # Milvus's limit on a search's k
INDEX_POLL_S = 0.5  # how often a commit asks whether the vector index build is done
# a collection another writer created a moment ago may not have its index yet: load it again, this often
LOAD_ATTEMPTS, LOAD_RETRY_S = 40, 0.25


class MilvusStore:
    """An index in Milvus: ``milvus://HOST:PORT[/NAME]`` or ``milvus-lite:PATH`` (see ``connection``).

    ``lexical_dir`` holds the FTS5 sidecar when the engine has no BM25 (a server before 2.5).
    ``partitions``: the partition-key buckets of a new collection on a server. Each holds its own segments,
    so an unfiltered search visits at least that many (100k x 256-d here: 64 -> 20 ms p50, 1 -> 3.3 ms)
    while a one-repository filter searches one (2.3 ms either way); see docs/milvus.md, Sizing.
    """

    def __init__(
        self,
        store_uri: str,
        *,
        lexical_dir: Path | None = None,
        timeout: float = TIMEOUT_S,
        partitions: int = schema.PARTITIONS,
    ) -> None:
        self.target = MilvusTarget.parse(store_uri)
        self.timeout = timeout
        self.partitions = partitions  # of a collection this store creates (a server's partition key)
        client, self.version = connect(self.target, timeout)
        self.client: Any = client
        self.bm25 = self.target.embedded or self.version >= BM25_SERVER
        self.aliases = not self.target.embedded  # milvus-lite 2.5 answers UNIMPLEMENTED
        self.lexical_dir = lexical_dir or (Path(self.target.uri).parent if self.target.embedded else None)
        self.meta_name = f"{self.target.name}_meta"
        self._state: dict[str, Any] | None = None  # the pointer with the writer rows merged in
        self._pointer: dict[str, Any] | None = None  # the pointer row as stored
        self._writers: dict[str, dict[str, Any]] = {}  # writer rows by key
        self._writing: str | None = None  # the collection a writer fills (a new one until ``commit``)
        self._sidecars: dict[str, FtsSidecar] = {}
        self._pending: dict[str, Any] | None = None  # the pointer a new collection gets at ``commit``
        self._repos: dict[str, str] = {}  # repositories written since ``begin``: name -> root
        self._next_id = 1  # ids handed out before the store had a pointer
        self._ensure_meta()
        self.refresh()

    def _call(self, action: str, method: str, *args: Any, **kwargs: Any) -> Any:
        with milvus_errors(self.target, action):
            return getattr(self.client, method)(*args, timeout=self.timeout, **kwargs)

    def close(self) -> None:
        for sidecar in self._sidecars.values():
            sidecar.close()
        self.client.close()

    # -- the generation pointer ----------------------------------------------------------------------------

    def _ensure_meta(self) -> None:
        if not self._call("reading the index", "has_collection", self.meta_name):
            params = self.client.prepare_index_params()
            params.add_index("unused", index_type="FLAT", metric_type="L2")
            try:
                self._call(
                    "creating the index", "create_collection", self.meta_name, schema=schema.meta_schema(),
                    index_params=params,
                )  # fmt: skip
            except StoreUnavailableError:  # another writer created it first
                if not self._call("reading the index", "has_collection", self.meta_name):
                    raise
        elif not self.target.embedded:  # another writer may have created it a moment ago: wait for its load
            self._load_created_elsewhere("reading the index", self.meta_name)

    def _load_created_elsewhere(self, action: str, name: str) -> None:
        """Load collection ``name``, which another writer may have created a moment ago: its creator adds the
        index right after the collection, so "index not found" means wait for it (a few seconds at most)."""
        for attempt in range(LOAD_ATTEMPTS):
            try:
                self._call(action, "load_collection", name)
                return
            except StoreUnavailableError as error:
                if "index not found" not in str(error) or attempt == LOAD_ATTEMPTS - 1:
                    raise
                time.sleep(LOAD_RETRY_S)

    def refresh(self) -> dict[str, Any] | None:
        """Read the generation pointer again (a reader does before each query; a writer after ``commit``),
        with the writer rows of several indexing machines merged in (``indexer.milvus.writers``)."""
        rows = self._call(
            "reading the index", "query", self.meta_name, filter=f'key == "state" or key like "{WRITER_KEY}%"',
            output_fields=["key", "value"], consistency_level=READ_CONSISTENCY,
        )  # fmt: skip
        self._pointer, self._writers = parse_rows(rows)
        self._state = merged_state(self._pointer, self._writers)
        return self._state

    def _write_state(self, state: dict[str, Any]) -> None:
        self._call(
            "writing the index", "upsert", self.meta_name,
            [{"key": "state", "value": json.dumps(state), "unused": [0.0, 0.0]}],
        )  # fmt: skip
        self._state = state

    def manifest(self) -> Manifest | None:
        """The generation readers see now (None: nothing committed yet), as the local store's manifest."""
        state = self.refresh()
        return None if state is None else state_manifest(state)

    def _reading(self) -> str:
        if self._state is None:
            from codesearch.errors import IndexNotFoundError

            raise IndexNotFoundError(
                f"no index in {self.target}: run `codesearch index --store ... PATH` first"
            )
        return self.target.name if self.aliases else str(self._state["collection"])

    # -- write side ------------------------------------------------------------------------------------------

    def begin(
        self, *, model: str, fingerprint: str, dim: int, rebuild: bool = False, writer: Writer | None = None
    ) -> bool:
        """Get ready to write documents of ``model``: into the live collection, or into a new one when the
        model (fingerprint or dimension) changed or ``rebuild``; True when a new one was started. With
        ``writer`` (one of several indexing machines) a new collection is refused while other writers have
        repositories in the store, and a first collection another writer created meanwhile is shared."""
        state = self.refresh()
        if state is not None and not rebuild and (state["fingerprint"], state["dim"]) == (fingerprint, dim):
            self._writing, self._pending = state["collection"], None
            return False
        generation = state["generation"] + 1 if state else 1
        name = f"{self.target.name}_g{generation}"
        if writer is not None and state is not None:
            refuse_new_collection(self._writers, writer, self.target)
        if self._call("reading the index", "has_collection", name):
            if writer is not None and state is None:  # the first collection, another writer filling it too
                self._load_created_elsewhere("loading a collection", name)  # waits for its creator's load
                self._pending = {
                    "model": model,
                    "fingerprint": fingerprint,
                    "dim": dim,
                    "generation": generation,
                }
                self._writing, self._repos = name, {}
                return True
            self._call("writing the index", "drop_collection", name)  # left by a writer that was killed
        params = self.client.prepare_index_params()
        params.add_index("vector", index_type="FLAT", metric_type="IP")
        if self.bm25:
            params.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
        partitioned = not self.target.embedded
        self._call(
            "creating a collection", "create_collection", name,
            schema=schema.collection_schema(dim, self.bm25, partition_key=partitioned), index_params=params,
            consistency_level=COLLECTION_CONSISTENCY, **({"num_partitions": self.partitions} if partitioned else {}),
        )  # fmt: skip
        self._pending = {"model": model, "fingerprint": fingerprint, "dim": dim, "generation": generation}
        self._writing = name
        self._repos = {}
        if not self.bm25:
            self._sidecar(name).clear()
        return True

    def _require_writing(self) -> str:
        if self._writing is None:
            raise RuntimeError("MilvusStore: call begin() before writing")
        return self._writing

    def allocate_ids(self, count: int) -> range:
        """``count`` document ids never used before in this store (a writer's new documents)."""
        state = self.refresh() or {}
        first = int(state.get("next_id", 1))
        if state:
            self._write_state({**state, "next_id": first + count})
        else:
            self._next_id = first + count
        return range(first, first + count)

    def upsert(self, rows: Sequence[StoredDocument], vectors: np.ndarray) -> None:
        """Write ``rows`` with their vectors (same order); a row whose id exists replaces it."""
        name = self._require_writing()
        vectors = np.asarray(vectors, dtype=np.float32)
        for start in range(0, len(rows), BATCH):
            batch = [
                schema.entity(row, vectors[start + i].tolist(), self.bm25)
                for i, row in enumerate(rows[start : start + BATCH])
            ]
            if self.target.embedded:
                self._call("writing the index", "upsert", name, batch)
                continue
            # Milvus 2.3's upsert misroutes partition-key rows (a filter on ``repo`` misses them): delete and
            # insert instead; a collection being built holds none of these ids yet
            if self._pending is None:
                self._call("writing the index", "delete", name, ids=[e["id"] for e in batch])
            self._call("writing the index", "insert", name, batch)
        if not self.bm25:
            self._sidecar(name).upsert(rows)
        self._repos.update({r.repo: r.root for r in rows})

    def delete_file(self, repo: str, path: str) -> list[int]:
        """Remove every document of ``repo``'s file ``path``; returns their ids."""
        name = self._require_writing()
        expr = f"repo == {quote(repo)} and path == {quote(path)}"
        ids = [r["id"] for r in self._query(name, expr, ["id"], WRITER_CONSISTENCY)]
        if ids:
            self._call("writing the index", "delete", name, filter=expr)
            if not self.bm25:
                self._sidecar(name).delete_file(repo, path)
        return ids

    def delete_ids(self, ids: Sequence[int]) -> None:
        """Remove these documents (a writer that knows the ids of a changed file's old documents)."""
        name = self._require_writing()
        wanted = sorted({int(i) for i in ids})
        for start in range(0, len(wanted), ID_BATCH):
            batch = wanted[start : start + ID_BATCH]
            self._call("writing the index", "delete", name, filter=ids_expr(batch))
            if not self.bm25:
                self._sidecar(name).delete_ids(batch)

    def commit(
        self, facts: dict[str, Any] | None = None, writer: Writer | None = None, next_id: int | None = None
    ) -> Manifest:
        """Index the vectors as their count calls for, move the alias to a new collection, and bump the
        generation; the previous collection of a model change is dropped once no pointer names it.
        ``facts`` go into the pointer as they are: what ``status`` shows beyond the documents (``repos``,
        ``repo_files``, ``languages``: the indexing machine's file table); with ``writer`` they go into its
        writer row instead (``_commit_as``), with ``next_id`` (every id this writer sent is below it)."""
        name = self._require_writing()
        self._seal(name)
        documents = self.count(name)
        index_type = self._fit_index(name, documents)
        self._wait_for_index(name)
        if writer is not None:
            return self._commit_as(writer, name, documents, index_type, facts or {}, next_id)
        previous = self._state or {}
        if self._pending is None:  # written into the live collection
            base, generation = previous, int(previous["generation"]) + 1
        else:
            base, generation = {**previous, **self._pending}, int(self._pending["generation"])
        old = previous.get("collection")
        new_state = {
            **base,
            "collection": name,
            "generation": generation,
            "documents": documents,
            "index_type": index_type,
            "repos": {**base.get("repos", {}), **self._repos},
            "next_id": max(int(base.get("next_id", 1)), self._next_id),
            "updated_at": time.time(),
            **(facts or {}),
        }
        if self.aliases and old != name:
            point_alias(self.client, self.target, name, self.timeout)
        self._write_state(new_state)
        if old and old != name:
            self._call("dropping the previous collection", "drop_collection", old)
            sidecar = self._sidecars.pop(old, None)
            if sidecar is not None:
                sidecar.close()
                sidecar.path.unlink(missing_ok=True)
        self._pending, self._repos = None, {}
        return state_manifest(new_state)

    def _commit_as(
        self,
        writer: Writer,
        name: str,
        documents: int,
        index_type: str,
        facts: dict[str, Any],
        next_id: int | None = None,
    ) -> Manifest:
        """One writer's commit: its own row (facts, one more commit), then the pointer's shared fields. The
        generation readers see moves by one (``writers.merged_state``) whichever machines commit at once."""
        self.refresh()
        pointer, previous_row = self._pointer, self._writers.get(writer.key)
        row = writer_row(writer, previous_row, facts, name, next_id)
        commits = int(row["commits"])
        commits += sum(int(w.get("commits", 0)) for k, w in self._writers.items() if k != writer.key)
        model = {k: v for k, v in (self._pending or {}).items() if k != "generation"}  # a new collection's
        base = {**(pointer or {}), **model}
        # readers see the pointer's generation plus every writer's commits: it moves by this commit alone
        generation = int(pointer["generation"]) if pointer is not None else 1 - commits
        old = (pointer or {}).get("collection")
        new_pointer = {
            **{k: v for k, v in base.items() if k not in ("repos", "repo_files", "languages")},
            "collection": name, "generation": generation, "documents": documents, "index_type": index_type,
            "updated_at": time.time(),
        }  # fmt: skip
        row["generation"] = generation + commits  # what this machine's tables were sent as
        if self.aliases and old != name:
            point_alias(self.client, self.target, name, self.timeout)
        self._call("writing the index", "upsert", self.meta_name, [
            {"key": writer.key, "value": json.dumps(row), "unused": [0.0, 0.0]},
            {"key": "state", "value": json.dumps(new_pointer), "unused": [0.0, 0.0]},
        ])  # fmt: skip
        if old and old != name:
            self._drop_collection(old)
        self._pending, self._repos = None, {}
        seen = self.refresh() or new_pointer
        return state_manifest({**seen, "generation": row["generation"]})  # the generation this commit made

    def check_new_collection(self, writer: Writer) -> None:
        """``ConfigError`` when a new collection would leave out other writers' repositories."""
        if self.refresh() is not None:
            refuse_new_collection(self._writers, writer, self.target)

    def writer_row(self, writer: Writer) -> dict[str, Any] | None:
        """``writer``'s row as last read (``refresh``)."""
        return self._writers.get(writer.key)

    def delete_writer_documents(self, writer: Writer) -> None:
        """Remove every document in ``writer``'s id range (a repair resends them all)."""
        name = self._require_writing()
        self._call("writing the index", "delete", name, filter=writer.range_expr())
        if not self.bm25:  # the sidecar is this machine's own: it holds only this writer's documents
            self._sidecar(name).clear()

    def _drop_collection(self, old: str) -> None:
        self._call("dropping the previous collection", "drop_collection", old)
        sidecar = self._sidecars.pop(old, None)
        if sidecar is not None:
            sidecar.close()
            sidecar.path.unlink(missing_ok=True)

    def _seal(self, name: str) -> None:
        """Flush the run's writes into sealed segments (a server): the index is built over them and a load
        reads them from storage. Unflushed, a (re)load replays every insert message of the collection
        through the query node before its first read answers (142 s for 100k x 1024 here), and rows
        left in growing segments are searched brute force."""
        if not self.target.embedded:
            self._call("writing the index", "flush", name)

    def _wait_for_index(self, name: str) -> None:
        """Return once every sealed row of ``name`` is in the vector index (a server builds it in the
        background; until then a search scans the unindexed segments brute force and the build competes
        with the readers for the CPU). Segments under the server's index threshold (1,024 rows) are never
        indexed: they count as done."""
        if self.target.embedded:
            return
        while True:
            progress = self._call("building the vector index", "describe_index", name, "vector")
            if progress.get("state") == "Failed":
                from codesearch.errors import StoreUnavailableError

                raise StoreUnavailableError(
                    f"building the vector index on {self.target} failed: {progress.get('index_state_fail_reason', '')}"
                )
            if int(progress.get("pending_index_rows", 0)) == 0:
                return
            time.sleep(INDEX_POLL_S)

    def _fit_index(self, name: str, documents: int) -> str:
        """Rebuild the vector index when the collection's size calls for another type."""
        wanted, params = schema.vector_index(documents, self.target.embedded)
        current = (
            (self._state or {}).get("index_type", "FLAT")
            if name == (self._state or {}).get("collection")
            else "FLAT"
        )
        if wanted == current:
            return current
        log.info("%s: %d documents, vector index %s -> %s", name, documents, current, wanted)
        self._call("re-indexing", "release_collection", name)
        self._call("re-indexing", "drop_index", name, "vector")
        index = self.client.prepare_index_params()
        index.add_index("vector", index_type=wanted, metric_type="IP", params=params)
        self._call("re-indexing", "create_index", name, index)
        self._call("re-indexing", "load_collection", name)
        return wanted

    def drop(self) -> None:
        """Remove every collection and document of this store; it is empty, ready for ``begin``."""
        names = [
            n
            for n in self._call("reading the index", "list_collections")
            if n.startswith(self.target.name + "_")
        ]
        if self.aliases:
            drop_alias(self.client, self.target, self.timeout)
        for name in names:
            self._call("dropping the index", "drop_collection", name)
        for sidecar in self._sidecars.values():
            sidecar.close()
            sidecar.path.unlink(missing_ok=True)
        self._sidecars, self._state, self._writing = {}, None, None
        self._ensure_meta()

    def _sidecar(self, name: str) -> FtsSidecar:
        if name not in self._sidecars:
            if self.lexical_dir is None:
                from codesearch.errors import ConfigError

                raise ConfigError(
                    f"{self.target} has no BM25 (Milvus < 2.5): the store needs a lexical folder"
                )
            self._sidecars[name] = FtsSidecar(self.lexical_dir / f"{name}.fts.sqlite")
        return self._sidecars[name]

    # -- read side -------------------------------------------------------------------------------------------

    def count(self, name: str | None = None) -> int:
        rows = self._call(
            "counting documents", "query", name or self._reading(), filter="", output_fields=["count(*)"],
            consistency_level=WRITER_CONSISTENCY,
        )  # fmt: skip
        return int(rows[0]["count(*)"])

    def _query(
        self, name: str, expr: str, fields: list[str], consistency: str = READ_CONSISTENCY
    ) -> list[dict[str, Any]]:
        """Every entity matching ``expr`` (past Milvus's 16,384-row window, in pages by id)."""
        out: list[dict[str, Any]] = []
        last = None
        while True:
            page_expr = expr if last is None else f"({expr}) and id > {last}" if expr else f"id > {last}"
            rows = self._call(
                "reading the index", "query", name, filter=page_expr or "id >= 0", output_fields=sorted({"id", *fields}),
                limit=MAX_TOP_K, consistency_level=consistency,
            )  # fmt: skip
            out.extend(rows)
            if len(rows) < MAX_TOP_K:
                return out
            last = max(r["id"] for r in rows)


def state_manifest(state: dict[str, Any]) -> Manifest:
    """The generation pointer as a ``Manifest`` (its ``vectors_file`` names the collection)."""
    return Manifest(
        schema_version=1,
        model=state["model"],
        fingerprint=state["fingerprint"],
        dim=int(state["dim"]),
        generation=int(state["generation"]),
        vectors_file=str(state["collection"]),
        updated_at=float(state.get("updated_at", 0.0)),
        documents=int(state["documents"]),
    )
