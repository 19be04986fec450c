"""BERT's WordPiece tokenizer in Python, for a query: what ``tokenizers`` does with MiniLM's tokenizer.json.

A one-shot CLI search embeds one short English query with ``minilm-int8``. Through ``tokenizers`` that
first costs its import and parsing the 0.46 MB tokenizer.json (~25 ms, a third of what the English model
adds to such a search); the query itself then takes microseconds. This module does the same steps in
plain Python from a vocabulary kept in the user cache as one token per line (read in ~3 ms):

- split out the special tokens (``[CLS]`` typed in a query is that token, as ``tokenizers`` reads it);
- ``BertNormalizer``: drop NUL, U+FFFD, control, format and private-use characters, map whitespace to a space, put spaces around
  CJK ideographs, strip accents (NFD, no non-spacing marks), lowercase character by character;
- ``BertPreTokenizer``: split on whitespace, every punctuation character a word of its own;
- ``WordPiece``: greedy longest match, ``##`` continuations, a word over 100 characters or with a part
  not in the vocabulary is ``[UNK]``;
- at most ``max_tokens`` with ``[CLS]`` and ``[SEP]`` around; a batch padded to its longest with ``[PAD]``.

``WordPiece.from_tokenizer_json`` refuses (None) a tokenizer.json configured any other way, and the caller
keeps ``tokenizers``; so it does for a text with a character outside ``COVERED``. Documents are still tokenized by ``tokenizers``. Both give the same ids
(tests/codesearch/embedding/test_wordpiece.py compares them on every benchmark query, hostile strings and
random Unicode).
"""

from __future__ import annotations

import json
import logging
import re
import string
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codesearch.embedding.kept_files import keep, kept_path

log = logging.getLogger(__name__)

# bump when what the cached vocabulary file holds changes meaning
VOCAB_FORMAT = 1
_ASCII_PUNCTUATION = frozenset(string.punctuation)
_PUNCTUATION = frozenset({"Pc", "Pd", "Pe", "Pf", "Pi", "Po", "Ps"})
_SPACES = frozenset({"Zs", "Zl", "Zp"})
# what clean_text drops: control, format and private-use characters (unassigned ones it keeps), and here a
# lone surrogate (a non-UTF-8 byte of a command line), which ``tokenizers`` cannot take at all
_REMOVED = frozenset({"Cc", "Cf", "Co", "Cs"})
# the CJK ideograph blocks BertNormalizer spaces out (tokenizers' is_chinese_char)
_CJK = (
    (0x4E00, 0x9FFF),
    (0x3400, 0x4DBF),
    (0x20000, 0x2A6DF),
    (0x2A700, 0x2B73F),
    (0x2B740, 0x2B81F),
    (0x2B920, 0x2CEAF),
    (0xF900, 0xFAFF),
    (0x2F800, 0x2FA1F),
)
# The characters this module is checked to treat as ``tokenizers`` does, every one of them (the test walks them
# all): the scripts of the ten languages queries are written in and their neighbours, punctuation, symbols,
# CJK, Hangul, fullwidth forms, emoji. ``tokenizers`` classifies characters by older Unicode tables than
# Python's: marks and punctuation added since (U+2E43 on, Marchen, Newa ...) it takes for letters. A text
# with a character outside these is tokenized by ``tokenizers`` (``WordPiece.covers``).
COVERED = (
    (0x09, 0x0D),
    (0x20, 0x7E),
    (0x80, 0x61C),  # Latin, IPA, Greek, Cyrillic, Armenian, Hebrew, Arabic to U+061C
    (0x61E, 0x6FF),
    (0x900, 0x97F),  # Devanagari
    (0xE00, 0xE7F),  # Thai
    (0x10A0, 0x10FF),  # Georgian
    (0x1100, 0x11FF),  # Hangul Jamo
    (0x1E00, 0x2BFF),  # Latin Extended Additional, Greek Extended, punctuation, symbols, arrows, math
    (0x2E00, 0x2E42),  # supplemental punctuation of Unicode 8
    (0x3000, 0x31FF),  # CJK punctuation, kana, bopomofo, compatibility Jamo
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xAC00, 0xD7AF),  # Hangul syllables
    (0xF900, 0xFAFF),
    (0xFE00, 0xFE0F),  # variation selectors
    (0xFE30, 0xFE4F),
    (0xFF00, 0xFFEF),  # fullwidth and halfwidth forms
    (0x1F000, 0x1FAFF),  # emoji and other pictographs
)
_COVERED = re.compile("[" + "".join(f"\\U{lo:08x}-\\U{hi:08x}" for lo, hi in COVERED) + "]*")
# what the tokenizer.json must say for this module to stand in for it
_EXPECTED = {
    "normalizer": {
        "type": "BertNormalizer",
        "clean_text": True,
        "handle_chinese_chars": True,
        "strip_accents": None,
        "lowercase": True,
    },
    "pre_tokenizer": {"type": "BertPreTokenizer"},
}


@dataclass(frozen=True)
class Encoding:
    """What ``_encode`` reads of a ``tokenizers`` encoding."""

    ids: list[int]
    attention_mask: list[int]


def _is_cjk(code: int) -> bool:
    return any(lo <= code <= hi for lo, hi in _CJK)


def normalize(text: str) -> str:
    """``BertNormalizer(clean_text, handle_chinese_chars, lowercase)`` with accents stripped."""
    out = []
    for c in text:
        code = ord(c)
        if c in "\t\n\r":
            out.append(" ")
            continue
        category = unicodedata.category(c)
        if code == 0 or code == 0xFFFD or category in _REMOVED:
            continue
        if category in _SPACES:
            out.append(" ")
        elif _is_cjk(code):
            out.append(f" {c} ")
        else:
            out.append(c)
    decomposed = unicodedata.normalize("NFD", "".join(out))
    # per character, as the Rust normalizer lowercases (str.lower would turn a final sigma into ς)
    return "".join(c.lower() for c in decomposed if unicodedata.category(c) != "Mn")


def _is_punctuation(c: str) -> bool:
    return c in _ASCII_PUNCTUATION or unicodedata.category(c) in _PUNCTUATION


def pre_tokenize(normalized: str) -> list[str]:
    """``BertPreTokenizer``: whitespace-separated words, each punctuation character a word of its own."""
    words = []
    for chunk in normalized.split(" "):
        start = 0
        for i, c in enumerate(chunk):
            if _is_punctuation(c):
                if i > start:
                    words.append(chunk[start:i])
                words.append(c)
                start = i + 1
        if start < len(chunk):
            words.append(chunk[start:])
    return words


class WordPiece:
    """The tokenizer of one vocabulary (token -> id) with its special tokens."""

    def __init__(self, vocab: dict[str, int], specials: dict[str, int], max_tokens: int) -> None:
        self.vocab = vocab
        self.specials = specials
        self.max_tokens = max_tokens
        self.unk, self.cls, self.sep, self.pad = (specials[t] for t in ("[UNK]", "[CLS]", "[SEP]", "[PAD]"))
        self._split = re.compile("(" + "|".join(re.escape(t) for t in sorted(specials, key=len)[::-1]) + ")")

    @staticmethod
    def covers(text: str) -> bool:
        """Whether every character of ``text`` is one this module is checked on (``COVERED``)."""
        return _COVERED.fullmatch(text) is not None

    def _word(self, word: str) -> list[int]:
        if len(word) > 100:
            return [self.unk]
        pieces, start = [], 0
        while start < len(word):
            end, found = len(word), None
            while start < end:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                found = self.vocab.get(piece)
                if found is not None:
                    break
                end -= 1
            if found is None:
                return [self.unk]
            pieces.append(found)
            start = end
        return pieces

    def ids(self, text: str) -> list[int]:
        """``text``'s token ids with ``[CLS]`` and ``[SEP]``, cut to ``max_tokens``."""
        ids: list[int] = []
        for n, part in enumerate(self._split.split(text)):
            if n % 2:  # a special token, as typed
                ids.append(self.specials[part])
            elif part:
                for word in pre_tokenize(normalize(part)):
                    ids.extend(self._word(word))
        return [self.cls, *ids[: self.max_tokens - 2], self.sep]

    def encode_batch(self, texts: Sequence[str]) -> list[Encoding]:
        """What ``tokenizers.Tokenizer.encode_batch`` gives with truncation and padding to the longest."""
        rows = [self.ids(t) for t in texts]
        width = max((len(r) for r in rows), default=0)
        return [
            Encoding(r + [self.pad] * (width - len(r)), [1] * len(r) + [0] * (width - len(r))) for r in rows
        ]

    @classmethod
    def from_tokenizer_json(cls, source: Path, cache_dir: Path, max_tokens: int) -> WordPiece | None:
        """The tokenizer of ``source`` (a tokenizer.json), its vocabulary read from ``cache_dir`` when a
        previous process wrote it there; None when ``source`` is not a BERT WordPiece tokenizer as expected."""
        cached = kept_path(source, cache_dir, "wordpiece", VOCAB_FORMAT, ".txt")
        try:
            first, *tokens = cached.read_text(encoding="utf-8").split("\n")
            specials = json.loads(first)
            return cls(dict(zip(tokens, range(len(tokens)), strict=True)), specials, max_tokens)
        except (OSError, ValueError, KeyError, TypeError):
            pass
        config = json.loads(source.read_bytes())
        vocab_list = _checked(config)
        if vocab_list is None:
            return None
        specials = {t["content"]: t["id"] for t in config["added_tokens"]}
        text = "\n".join([json.dumps(specials), *vocab_list]).encode("utf-8")
        try:
            keep(cached, lambda out: out.write(text))
        except OSError as exc:  # a read-only or full cache: parse the JSON each time
            log.info("cannot keep the WordPiece vocabulary in %s (%s)", cache_dir, exc)
        return cls(dict(zip(vocab_list, range(len(vocab_list)), strict=True)), specials, max_tokens)


def _checked(config: dict[str, Any]) -> list[str] | None:
    """The vocabulary in id order when ``config`` is the BERT WordPiece tokenizer this module implements."""
    model = config.get("model") or {}
    post = config.get("post_processor") or {}
    single = [next(iter(step.values())).get("id") for step in post.get("single", [])]
    added = config.get("added_tokens") or []
    names = {t.get("content") for t in added}
    if (
        any(config.get(k) != v for k, v in _EXPECTED.items())
        or model.get("type") != "WordPiece"
        or model.get("unk_token") != "[UNK]"
        or model.get("continuing_subword_prefix") != "##"
        or model.get("max_input_chars_per_word") != 100
        or post.get("type") != "TemplateProcessing"
        or single != ["[CLS]", "A", "[SEP]"]
        or not {"[PAD]", "[UNK]", "[CLS]", "[SEP]"} <= names
        or any(
            t.get("normalized") or t.get("lstrip") or t.get("rstrip") or t.get("single_word") for t in added
        )
    ):
        return None
    vocab: dict[str, int] = model.get("vocab") or {}
    by_id = sorted(vocab, key=vocab.__getitem__)
    if [vocab[t] for t in by_id] != list(range(len(by_id))) or any(not t or t != t.strip() for t in by_id):
        return None
    if any("\n" in t or "\r" in t for t in by_id) or any(vocab.get(t["content"]) != t["id"] for t in added):
        return None
    return by_id
