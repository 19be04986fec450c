"""Several models in one index: each document's vector is the concatenation of every model's vector.

With unit parts ``d_i`` stored side by side and a query made of its parts scaled by weights ``w_i``, one
inner product is ``sum_i w_i * cos_i``: a weighted fusion of the models' scores in a single FAISS search,
with the weights chosen per query (a query in another language than English can turn an English-only
model off). ``--model use+minilm`` builds one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from codesearch.embedding.base import DEFAULT_QUERY_INSTRUCTION, Embedder, ProgressCallback, l2_normalise
from codesearch.errors import ConfigError


class CompositeEmbedder(Embedder):
    """The models of ``parts`` side by side; ``names`` are their registry names (``use``, ``minilm``)."""

    def __init__(self, parts: Sequence[Embedder], names: Sequence[str]) -> None:
        if len(parts) < 2 or len(parts) != len(names):
            raise ConfigError("a composite model needs two or more models")
        self.parts = tuple(parts)
        self.part_names = tuple(names)
        self.parts_english_only = tuple(p.english_only for p in self.parts)
        self.model_id = "+".join(p.model_id for p in self.parts)
        self.revision = "+".join(p.revision for p in self.parts)
        self.native_dim = sum(p.dim for p in self.parts)
        self.prompt_format = "concat"
        super().__init__(None)

    @property
    def fingerprint(self) -> str:
        raw = "|".join(p.fingerprint for p in self.parts)
        return f"{self.model_id}@{self.dim}-" + hashlib.sha256(raw.encode()).hexdigest()[:12]

    @property
    def stored_parts(self) -> tuple[Embedder, ...]:
        return self.parts

    def load(self) -> None:
        for part in self.parts:
            part.load()

    def _embed_batch(self, texts: list[str], *, is_query: bool, instruction: str) -> np.ndarray:
        raise NotImplementedError("a composite model embeds through its parts")  # pragma: no cover

    def embed_documents(self, texts: Sequence[str], progress: ProgressCallback | None = None) -> np.ndarray:
        """Every part's vectors of ``texts`` side by side, scaled so that the whole is unit length.

        Progress counts a text once, when the last part has embedded it.
        """
        vectors = []
        for n, part in enumerate(self.parts):
            last = n == len(self.parts) - 1
            vectors.append(part.embed_documents(texts, progress if last else None))
        return np.hstack(vectors) / np.sqrt(len(self.parts), dtype=np.float32)

    def embed_queries(
        self,
        texts: Sequence[str],
        instruction: str = DEFAULT_QUERY_INSTRUCTION,
        part_weights: Sequence[float] | None = None,
        english_texts: Sequence[str] | None = None,
    ) -> np.ndarray:
        """Each part's query vector scaled by its weight (equal by default), side by side, unit length.

        ``english_texts``: what the English-only parts embed in place of ``texts`` (the English a dictionary
        gives for queries in another language, ``Query.gloss``); the other parts embed ``texts``. A part
        weighted 0 is not run (zeros in its place): a query that does not need the English model never
        loads it."""
        weights = part_weights or [1.0] * len(self.parts)
        if len(weights) != len(self.parts):
            raise ConfigError(f"{len(weights)} weights for the {len(self.parts)} models of {self.model_id}")
        if english_texts is not None and len(english_texts) != len(texts):
            raise ConfigError(f"{len(english_texts)} English texts for {len(texts)} queries")
        inputs = [
            english_texts if english_texts is not None and part.english_only else texts for part in self.parts
        ]
        active = [(n, part) for n, (w, part) in enumerate(zip(weights, self.parts, strict=True)) if w]
        vectors = [np.zeros((len(texts), part.dim), dtype=np.float32) for part in self.parts]
        if len(active) > 1:
            # side by side: a model's first query loads it (the ONNX session, ~0.5 s), and loads overlap
            with ThreadPoolExecutor(max_workers=len(active)) as pool:
                futures = {n: pool.submit(part.embed_queries, inputs[n], instruction) for n, part in active}
                for n, future in futures.items():
                    vectors[n] = future.result()
        else:
            for n, part in active:
                vectors[n] = part.embed_queries(inputs[n], instruction)
        return l2_normalise(np.hstack([w * v for w, v in zip(weights, vectors, strict=True)]))

    def describe(self) -> str:
        return " + ".join(p.describe() for p in self.parts)
