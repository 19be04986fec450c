"""``max_document_chars``: what a model is shown of a document, and part of its fingerprint."""

from __future__ import annotations

import numpy as np

from codesearch.embedding.fake import HashEmbedder
from codesearch.embedding.use import UniversalSentenceEncoder


class HeadOnly(HashEmbedder):
    max_document_chars = 10


def test_documents_are_cut_and_queries_are_not() -> None:
    embedder = HeadOnly(16)
    embedder.embed_documents(["0123456789 and the rest of a long body"])
    embedder.embed_queries(["a query longer than ten characters"])
    assert embedder.calls[0] == ["0123456789"]
    assert embedder.calls[1][0].endswith("a query longer than ten characters")


def test_the_cut_is_part_of_the_fingerprint() -> None:
    assert HeadOnly(16).fingerprint != HashEmbedder(16).fingerprint
    same_head = HeadOnly(16).embed_documents(["0123456789 tail one", "0123456789 tail two"])
    np.testing.assert_array_equal(same_head[0], same_head[1])


def test_the_bundled_model_sees_the_head_of_a_document() -> None:
    assert UniversalSentenceEncoder().max_document_chars == 150
