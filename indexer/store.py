"""The index store: a directory holding ``meta.sqlite``, a FAISS file per generation and ``manifest.json``.

Writers hold an exclusive lock, write new files aside and ``os.replace`` them in; the manifest is replaced
last, so a reader always sees one complete generation. A generation's rows are written in one SQLite
transaction that commits with the generation's number once its vectors are saved aside, just before the
manifest: until then a reader opened anew reads the previous generation's rows (``indexer.snapshot``).
``meta.sqlite`` records the generation it belongs to: when it is ahead of the manifest (a writer was killed
between the two), the vectors are rebuilt from the embedding cache on the next write.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import json
import logging
import os
import shlex
import sqlite3
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from codesearch.errors import IndexIOError, IndexLockedError, IndexNotFoundError, ModelMismatchError
from indexer.schema import SCHEMA_VERSION, migrate
from indexer.vectors import VectorIndex

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
META_DB = "meta.sqlite"
LOCK_FILE = "index.lock"
FILL_LOCK = "fill.lock"  # held by the English fill (indexer.fill), with its pid
LEXICAL_ONLY = "none"  # the fingerprint of an index with no vectors
# Cached vectors are stored as float16: half the disk, and unit vectors lose ~1e-3 of cosine at most.
CACHE_DTYPE = np.float16


@dataclass(frozen=True)
class StoredPart:
    """One model of an index whose vectors are several models side by side (``use+minilm-int8``)."""

    fingerprint: str  # the part's own: its cached vectors are keyed by it
    dim: int
    english_only: bool = False
    # live documents of the generation with no vector of this part yet (zeros stand in for it): a fast
    # first build leaves the English part out and fills it in behind (``indexer.fill``)
    missing: int = 0


@dataclass(frozen=True)
class Manifest:
    schema_version: int
    model: str  # the registry name the index was built with (use, e5, qwen3-4b, http, none)
    fingerprint: str
    dim: int
    generation: int
    vectors_file: str | None
    updated_at: float
    documents: int
    parts: tuple[StoredPart, ...] = ()  # empty for one model

    @property
    def missing_parts(self) -> int:
        """Whether (how many of) the documents lack some part's vector: the most any part lacks."""
        return max((p.missing for p in self.parts), default=0)

    @classmethod
    def read(cls, index_dir: Path) -> Manifest | None:
        try:
            data = json.loads((index_dir / MANIFEST).read_text())
        except FileNotFoundError:
            return None
        except NotADirectoryError:  # no index can be there: rebuilding would not help
            raise not_a_directory(index_dir) from None
        except (OSError, ValueError) as exc:
            raise IndexIOError(
                f"{index_dir / MANIFEST}: unreadable manifest ({exc}); rebuild with --rebuild"
            ) from None
        try:
            data["parts"] = tuple(StoredPart(**p) for p in data.get("parts", ()))
            return cls(**data)
        except (TypeError, AttributeError):  # written by another version of codesearch
            raise IndexIOError(
                f"{index_dir / MANIFEST}: written by another version of codesearch; rebuild with --rebuild"
            ) from None

    def write(self, index_dir: Path) -> None:
        path = index_dir / MANIFEST
        tmp = path.with_name(MANIFEST + ".tmp")
        with open(tmp, "w") as fh:
            data = asdict(self)
            if not self.parts:  # a one-model manifest stays readable by versions that predate parts
                del data["parts"]
            json.dump(data, fh, indent=2)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)


def connect(index_dir: Path, *, readonly: bool = False) -> sqlite3.Connection:
    """A connection to ``meta.sqlite`` (WAL, so readers never block the writer)."""
    path = index_dir / META_DB
    if readonly:
        if not path.exists():
            raise no_index(index_dir)
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
    else:
        db = sqlite3.connect(path, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        migrate(db)
    db.execute("PRAGMA foreign_keys=ON")
    db.row_factory = sqlite3.Row
    return db


def model_of(fingerprint: str) -> str:
    """The model id and width a fingerprint (``MODEL_ID@DIM-HASH``) starts with: what two ways of embedding
    with one model at one width share ("" for a fingerprint not of that form)."""
    model, at, rest = fingerprint.rpartition("@")
    width, dash, _ = rest.partition("-")
    return f"{model}@{width}" if model and at and dash and width.isdigit() else ""


def embedded_another_way(manifest: Manifest | None, fingerprint: str, dim: int | None = None) -> bool:
    """Whether the index's vectors come from the model of ``fingerprint`` at its width, embedded another way
    (another version of codesearch cut, prompted or pinned it otherwise: the fingerprint changed, not the
    model): its vectors stay usable until a reindex embeds them again, rather than being refused."""
    return (
        manifest is not None
        and manifest.documents > 0
        and LEXICAL_ONLY not in (manifest.fingerprint, fingerprint)
        and manifest.fingerprint != fingerprint
        and model_of(manifest.fingerprint) == model_of(fingerprint) != ""
        and (dim is None or manifest.dim == dim)
    )


def check_model(
    index_dir: Path, manifest: Manifest | None, model: str, fingerprint: str, *, dim: int | None = None
) -> None:
    """Refuse to mix vectors of two models in one index, with one line that says what to do: search with
    the index's model, or re-embed every repository of the index (the command names them all). The same
    model embedded another way (``embedded_another_way``) passes: the caller says so and re-embeds."""
    if manifest is None or manifest.documents == 0 or manifest.fingerprint == fingerprint:
        return
    if embedded_another_way(manifest, fingerprint, dim):
        return
    width = f" --dim {dim}" if dim and dim != manifest.dim else ""
    roots = " ".join(shlex.quote(r) for r in indexed_roots(index_dir)) or "PATH"
    raise ModelMismatchError(
        f"the index at {index_dir} was built with model {manifest.model} ({manifest.fingerprint}), not {model} "
        f"({fingerprint}); search it with --model {manifest.model}, or re-embed all of it with {model}: "
        f"`codesearch --index {shlex.quote(str(index_dir))} index --rebuild --model {model}{width} {roots}`"
    )


def indexed_roots(index_dir: Path) -> list[str]:
    """The root folder of every repository in the index at ``index_dir`` (none when it cannot be read)."""
    return [root for _, root in indexed_repositories(index_dir)]


def indexed_repositories(index_dir: Path) -> list[tuple[str, str]]:
    """(name, root) of every repository in the index at ``index_dir``, by name (none when it cannot be
    read): what a command checks a repository it is given against, without loading the index."""
    try:
        db = connect(index_dir, readonly=True)
    except (IndexNotFoundError, sqlite3.Error):
        return []
    try:
        return [(r[0], r[1]) for r in db.execute("SELECT name, root FROM repos ORDER BY name")]
    except sqlite3.Error:
        return []
    finally:
        db.close()


@contextlib.contextmanager
def held_lock(
    path: Path, holder: str, *, busy: str, cannot_open: str, unknown: str = "another process"
) -> Iterator[None]:
    """Exclusive, non-blocking ``flock`` on ``path`` with ``holder`` written in it while held. Taken by
    another process: ``IndexLockedError(busy.format(holder=<what it wrote, or unknown>))``; ``path`` not
    writable: ``IndexIOError(cannot_open.format(reason=...))``."""
    try:
        fh = open(path, "a+")
    except OSError as exc:
        raise IndexIOError(cannot_open.format(reason=exc.strerror)) from None
    with fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            raise IndexLockedError(busy.format(holder=fh.read().strip() or unknown)) from None
        fh.seek(0)
        fh.truncate()
        fh.write(holder)
        fh.flush()
        try:
            yield
        finally:
            fh.seek(0)
            fh.truncate()
            fcntl.flock(fh, fcntl.LOCK_UN)


def _file_in_the_way(index_dir: Path) -> Path | None:
    """The first of the index path and its parents that exists and is not a folder (a file), if any."""
    return next((p for p in (*reversed(index_dir.parents), index_dir) if p.exists() and not p.is_dir()), None)


def refuse_a_file_in_the_way(index_dir: Path) -> None:
    """Raise ``not_a_directory`` when the index path is, or runs through, something other than a folder: for
    a command that only records the path for later (``hook install``), as opening or creating it would."""
    if _file_in_the_way(index_dir) is not None:
        raise not_a_directory(index_dir)


def not_a_directory(index_dir: Path) -> IndexIOError:
    """The error for an index path that is, or runs through, something other than a folder (a file)."""
    blocker = _file_in_the_way(index_dir) or index_dir
    return IndexIOError(f"cannot use {index_dir} as the index: {blocker} is not a directory")


@contextlib.contextmanager
def writer_lock(index_dir: Path) -> Iterator[None]:
    """Exclusive, non-blocking: two writers of one index never run at once."""
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):  # a file (or a link to nowhere) is in the way
        raise not_a_directory(index_dir) from None
    except OSError as exc:
        raise IndexIOError(f"cannot create the index at {index_dir}: {exc.strerror}") from None
    with held_lock(
        index_dir / LOCK_FILE,
        f"pid {os.getpid()}",
        busy=f"the index at {index_dir} is being written by {{holder}}; try again when it ends",
        cannot_open=f"cannot create the index at {index_dir}: {{reason}}",
    ):
        yield


def writer_pid(index_dir: Path) -> int | None:
    """The pid of the live process holding the writer lock of the index at ``index_dir``; None when none
    does. The lock file names its holder while held and is emptied on release, so a pid there that no
    process has is a writer that was killed. (Not probed with ``flock``: a reader's probe would make a
    writer starting at that moment fail as locked.)"""
    try:
        text = (Path(index_dir) / LOCK_FILE).read_text()
    except OSError:
        return None
    pid = text.strip().removeprefix("pid ").strip()
    if not pid.isdigit():
        return None
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return None
    except PermissionError:  # another user's live process
        pass
    except OverflowError:
        return None
    return int(pid)


def no_index(index_dir: Path, flag: str = "") -> IndexNotFoundError:
    """The error for an index with no generation yet: being built by a live writer, or never built."""
    pid = writer_pid(index_dir)
    if pid is not None:
        return IndexNotFoundError(
            f"no index at {index_dir} yet: it is being built by `codesearch index` (pid {pid}); "
            "search when it ends"
        )
    return IndexNotFoundError(f"no index at {index_dir}: run `codesearch{flag} index PATH` first")


def filling_pid(index_dir: Path) -> int | None:
    """The pid of the process filling the index at ``index_dir`` now, or None when no fill runs."""
    path = Path(index_dir) / FILL_LOCK
    try:
        fh = open(path)
    except OSError:
        return None
    with fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            text = fh.read().strip()
            return int(text) if text.isdigit() else -1
        fcntl.flock(fh, fcntl.LOCK_UN)
    return None


class EmbeddingCache:
    """Vectors keyed by (model fingerprint, content hash), stored in ``meta.sqlite``."""

    def __init__(self, db: sqlite3.Connection, fingerprint: str, dim: int) -> None:
        self.db, self.fingerprint, self.dim = db, fingerprint, dim

    def _select(self, columns: str, hashes: list[str]) -> Iterator[sqlite3.Row]:
        """Rows of this model's cache for ``hashes``, asked for in chunks under SQLite's variable limit."""
        for i in range(0, len(hashes), 500):
            chunk = hashes[i : i + 500]
            marks = ",".join("?" * len(chunk))
            yield from self.db.execute(
                f"SELECT {columns} FROM embeddings WHERE fingerprint=? AND content_hash IN ({marks})",
                [self.fingerprint, *chunk],
            )

    def missing(self, hashes: list[str]) -> list[str]:
        """The hashes (deduplicated, order kept) that have no vector yet."""
        unique = list(dict.fromkeys(hashes))
        have = {r[0] for r in self._select("content_hash", unique)}
        return [h for h in unique if h not in have]

    def put(self, hashes: list[str], vectors: np.ndarray) -> None:
        rows = [
            (self.fingerprint, h, np.asarray(v, dtype=CACHE_DTYPE).tobytes())
            for h, v in zip(hashes, vectors, strict=True)
        ]
        with self.db:
            self.db.executemany("INSERT OR REPLACE INTO embeddings VALUES (?, ?, ?)", rows)

    def get(self, hashes: list[str]) -> np.ndarray:
        """Vectors in the order of ``hashes`` (zeros for any not cached)."""
        out = np.zeros((len(hashes), self.dim), dtype=np.float32)
        where: dict[str, list[int]] = {}
        for i, h in enumerate(hashes):
            where.setdefault(h, []).append(i)
        for h, blob in self._select("content_hash, vector", list(where)):
            out[where[h]] = np.frombuffer(blob, dtype=CACHE_DTYPE)
        return out


def get_meta(db: sqlite3.Connection, key: str, default: str = "") -> str:
    row = db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
    return row[0] if row else default


def set_meta(db: sqlite3.Connection, key: str, value: str) -> None:
    db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))


def vectors_path(index_dir: Path, generation: int) -> Path:
    return index_dir / f"vectors.{generation}.faiss"


def rebuild_vectors(db: sqlite3.Connection, fingerprint: str, dim: int) -> VectorIndex:
    """All document vectors, from the embedding cache (a model of several parts:
    ``part_cache.rebuild_vectors_of``)."""
    rows = db.execute(
        "SELECT d.id, e.vector FROM documents d JOIN embeddings e "
        "ON e.content_hash = d.content_hash AND e.fingerprint = ? ORDER BY d.id",
        (fingerprint,),
    ).fetchall()
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    vecs = (
        np.frombuffer(b"".join(r[1] for r in rows), dtype=CACHE_DTYPE)
        .reshape(len(rows), dim)
        .astype(np.float32)
    )
    return VectorIndex.build(dim, ids, vecs)


def commit_generation(
    index_dir: Path,
    db: sqlite3.Connection,
    *,
    model: str,
    fingerprint: str,
    dim: int,
    previous: Manifest | None,
    vectors: VectorIndex | None,
    parts: Sequence[StoredPart] = (),
) -> Manifest:
    """Write the vectors of a new generation aside, commit the rows the caller wrote on ``db`` (its open
    transaction) with the generation's number, then write the manifest that points at them.

    Until the database commit a reader opened anew reads the previous generation's rows with its vectors;
    after it, a reader that still finds the previous manifest reads it again (``indexer.local_read``), so
    the window where rows are ahead of the manifest lasts one small file's write, or a killed writer."""
    generation = (previous.generation if previous else 0) + 1
    vectors_file = None
    documents = db.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
    manifest = Manifest(
        SCHEMA_VERSION, model, fingerprint, dim, generation, None, time.time(), documents, tuple(parts)
    )
    try:
        if vectors is not None:
            vectors_file = vectors_path(index_dir, generation).name
            vectors.save(index_dir / vectors_file)
        with db:  # the rows of this generation, and its number, at once
            set_meta(db, "generation", str(generation))
        manifest = dataclasses.replace(manifest, vectors_file=vectors_file)
        manifest.write(index_dir)
    except (OSError, RuntimeError) as exc:  # faiss reports a full disk as RuntimeError
        for tmp in index_dir.glob("*.tmp"):
            with contextlib.suppress(OSError):
                tmp.unlink()
        reason = getattr(exc, "strerror", None) or str(exc).strip().splitlines()[-1]
        raise IndexIOError(
            f"writing the index in {index_dir} failed ({reason}); the previous generation is intact"
        ) from None
    # old generations go once the manifest no longer points at them (open readers keep theirs in memory)
    for old in index_dir.glob("vectors.*.faiss"):
        if old.name != vectors_file:
            with contextlib.suppress(OSError):
                old.unlink()
    return manifest


def commit_next_generation(
    index_dir: Path,
    db: sqlite3.Connection,
    manifest: Manifest,
    vectors: VectorIndex | None,
    parts: Sequence[StoredPart],
) -> Manifest:
    """The generation after ``manifest``, same model and width, with new ``vectors`` (the English fill's, a
    forgotten repository's), and the rows the caller wrote on ``db`` (``commit_generation``)."""
    return commit_generation(
        index_dir,
        db,
        model=manifest.model,
        fingerprint=manifest.fingerprint,
        dim=manifest.dim,
        previous=manifest,
        vectors=vectors,
        parts=parts,
    )
