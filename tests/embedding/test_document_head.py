"""A document's head line: written by the indexer, read as the name's words by a small English model."""

from __future__ import annotations

from codesearch.document_head import head_as_words, head_line
from codesearch.embedding.fake import HashEmbedder
from codesearch.embedding.minilm import MiniLM
from codesearch.embedding.minilm_int8 import MiniLMInt8
from codesearch.embedding.use import UniversalSentenceEncoder
from indexer.documents import embedding_text, file_documents
from parsers import extract_symbols

CPP = """namespace fasttext {

real Loss::sigmoid(real x) const {
  if (x < -MAX_SIGMOID) {
    return 0.0;
  }
  return t_sigmoid_[int64_t(x)];
}

}
"""


def test_the_indexer_writes_the_head_line_that_the_view_reads() -> None:
    """What ``indexer.documents`` embeds starts with ``head_line``; read as words, the last two parts of the
    name replace it and everything after it stays as it was."""
    docs = file_documents(
        "ft", "src/loss.cc", "cpp", CPP, extract_symbols(CPP.encode(), "cpp", path="src/loss.cc", repo="ft")
    )
    method = next(d for d in docs if d.name == "sigmoid")
    head, _, rest = method.text.partition("\n")
    assert head == head_line("cpp", method.kind, method.qualified_name)
    assert head_as_words(method.text) == "loss sigmoid\n" + rest


def test_the_words_of_the_last_two_parts_of_any_kind_of_name() -> None:
    def read(qualified_name: str, kind: str = "function") -> str:
        text = embedding_text(
            language="x", kind=kind, qualified_name=qualified_name, signature="", doc="", code="body"
        )
        return head_as_words(text)

    assert read("fasttext.FastText.getSentenceVector", "method") == "fast text get sentence vector\nbody"
    assert read("Vec::push") == "vec push\nbody"
    assert read("Rack.Utils#parse_nested_query") == "utils parse nested query\nbody"
    assert read("parse") == "parse\nbody"
    assert read("src/click/utils.py", "window") == "utils py\nbody"  # a window is named by its path


def test_a_text_without_a_head_line_is_read_as_it_is() -> None:
    for text in ("plain words\nand more", "", "no newline at all", "python function f (f"):
        assert head_as_words(text) == text


class ReadsWords(HashEmbedder):
    reads_head_as_words = True
    max_document_chars = 40


def test_the_model_reads_the_words_then_the_cut_and_it_is_part_of_the_fingerprint() -> None:
    text = embedding_text(
        language="cpp",
        kind="method",
        qualified_name="fasttext.Loss.sigmoid",
        signature="",
        doc="",
        code="real f();",
    )
    embedder = ReadsWords(16)
    embedder.embed_documents([text])
    embedder.embed_queries(["cpp method fasttext.Loss.sigmoid (fasttext loss sigmoid)"])
    assert embedder.calls[0] == ["loss sigmoid\nreal f();"]
    assert embedder.calls[1][0].endswith(
        "cpp method fasttext.Loss.sigmoid (fasttext loss sigmoid)"
    )  # queries: as typed
    plain = type("Plain", (HashEmbedder,), {"max_document_chars": 40})(16)
    assert embedder.fingerprint != plain.fingerprint


def test_the_english_model_reads_words_and_the_multilingual_one_the_whole_head() -> None:
    assert MiniLMInt8.reads_head_as_words is True and MiniLM.reads_head_as_words is True
    assert UniversalSentenceEncoder.reads_head_as_words is False
