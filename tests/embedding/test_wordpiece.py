"""wordpiece: the plain-Python tokenizer of minilm-int8's queries gives the ids ``tokenizers`` gives from the
shipped tokenizer.json, on every benchmark query, hostile strings and random Unicode; it reads its vocabulary
from the user cache after the first process, and refuses a tokenizer.json configured another way."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from codesearch.embedding.minilm_int8 import MAX_TOKENS, NumpyMiniLM, _tokenizer, tokenizer_file
from codesearch.embedding.wordpiece import COVERED, WordPiece

ROOT = Path(__file__).resolve().parents[2]

HOSTILE = [
    "",
    " ",
    "\x00\x01\x7f\ufffd",
    "tab\there\nnew\r\nline\x0bvt\x0cff\x1cfs\x85nel",
    "nbsp\u00a0thin\u2009ideo\u3000line\u2028para\u2029zwsp\u200bjoin\u200d",
    "[CLS] typed [SEP]a[MASK]b[PAD][UNK]",
    "[cls] lower-case specials [Sep]",
    "Ünïcödé café naïve résumé Ωμέγα ΣΊΣΥΦΟΣ İstanbul ß ﬁ ǅ",
    "Ａｂｃ　ｆｕｌｌｗｉｄｔｈ",
    "日本語のクエリ 中文查询 한국어 질의 𠀀𪜀 㐀",
    "emoji 🙂👍🏽 family 👨‍👩‍👧 flag 🇫🇷",
    "\u202eright-to-left\u202c and \u0645\u0631\u062d\u0628\u0627",
    "e\u0301 combining \u0308 alone \u0338",
    "x" * 100,
    "y" * 101,
    "supercalifragilisticexpialidocious antidisestablishmentarianism",
    "parse_config(path: str) -> dict[str, Any]: # ¿qué? ¡sí! «ok» “quotes” — dash … ellipsis",
    "$var @decorator #hash %mod ^xor &and *ptr ~not `tick` |pipe| <tag> {brace} \\slash",
    "word " * 400,  # past 256 tokens
    "\ud7ff\ue000\uf8ff private use",
]


def _queries() -> list[str]:
    texts = []
    for path in sorted((ROOT / "benchmarks" / "queries").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                texts.append(json.loads(line)["query"])
    return texts


def _covered_code_points() -> list[int]:
    return [c for lo, hi in COVERED for c in range(lo, hi + 1)]


def _random_texts(n: int, seed: int, code_points: list[int]) -> list[str]:
    rng = random.Random(seed)
    return [
        "".join(
            chr(rng.randint(32, 126)) if rng.random() < 0.4 else chr(rng.choice(code_points))
            for _ in range(rng.randint(1, 40))
        )
        for _ in range(n)
    ]


@pytest.fixture(scope="module")
def source() -> Path:
    path = tokenizer_file()
    assert path is not None, "minilm-int8's tokenizer.json is a dependency"
    return path


@pytest.fixture(scope="module")
def both(source: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[WordPiece, object]:
    ours = WordPiece.from_tokenizer_json(source, tmp_path_factory.mktemp("cache"), MAX_TOKENS)
    assert ours is not None
    return ours, _tokenizer(source)


def _ids(tokenizer: object, texts: list[str]) -> list[list[int]]:
    return [list(e.ids) for e in tokenizer.encode_batch(texts)]  # type: ignore[attr-defined]


def _same_one_by_one(ours: WordPiece, theirs: object, texts: list[str]) -> None:
    assert all(ours.covers(t) for t in texts)
    wrong = [(t, ours.ids(t), _ids(theirs, [t])[0]) for t in texts if ours.ids(t) != _ids(theirs, [t])[0]]
    assert not wrong, f"{len(wrong)} of {len(texts)} differ, first: {wrong[0]!r}"


def test_every_benchmark_query_gets_the_ids_tokenizers_gives(both: tuple[WordPiece, object]) -> None:
    queries = _queries()
    assert len(queries) > 1000  # ten human languages
    _same_one_by_one(*both, queries)


def test_hostile_strings_get_the_ids_tokenizers_gives(both: tuple[WordPiece, object]) -> None:
    ours, theirs = both
    _same_one_by_one(ours, theirs, [t for t in HOSTILE if ours.covers(t)])
    assert len(ours.ids("word " * 400)) == MAX_TOKENS
    assert ours.ids("[CLS]")[1] == ours.cls  # typed, a special token, as tokenizers reads it
    # what the query runner uses: this module where it covers the text, tokenizers elsewhere (NUL, U+E000)
    runner = NumpyMiniLM()
    uncovered = [t for t in HOSTILE if not ours.covers(t)]
    assert uncovered and all(runner.tokenizer([t]) is not runner.wordpiece for t in uncovered)
    for t in HOSTILE:
        assert _ids(runner.tokenizer([t]), [t]) == _ids(theirs, [t]), t


def test_every_covered_character_gets_the_ids_tokenizers_gives(both: tuple[WordPiece, object]) -> None:
    """Each of the ~50,000 characters ``COVERED`` names, alone, inside a word, and doubled before a
    combining accent: no character there is classified otherwise than ``tokenizers`` classifies it."""
    ours, theirs = both
    chars = [chr(c) for c in _covered_code_points()]
    texts = [f"a{c}b" for c in chars] + [f"x{c}{c}\u0301y" for c in chars]
    expected = _ids(theirs, texts)
    wrong = [t for t, e in zip(texts, expected, strict=True) if ours.ids(t) != [i for i in e if i]]
    assert not wrong, f"{len(wrong)} differ, first: {[hex(ord(c)) for c in wrong[0]]}"


def test_random_covered_text_gets_the_ids_tokenizers_gives(both: tuple[WordPiece, object]) -> None:
    _same_one_by_one(*both, _random_texts(2000, 0, _covered_code_points()))


def test_a_character_tokenizers_reads_otherwise_is_not_covered(both: tuple[WordPiece, object]) -> None:
    # U+2E49 DOUBLE STACKED COMMA (Unicode 10): punctuation to Python, a letter to tokenizers' tables
    ours, theirs = both
    assert not ours.covers("a\u2e49b")
    runner = NumpyMiniLM()
    assert _ids(runner.tokenizer(["a\u2e49b"]), ["a\u2e49b"]) == _ids(theirs, ["a\u2e49b"])


def test_a_batch_is_padded_to_its_longest_as_tokenizers_pads_it(both: tuple[WordPiece, object]) -> None:
    ours, theirs = both
    texts = ["a", "parse a configuration file", "", "日本語"]
    mine = ours.encode_batch(texts)
    other = theirs.encode_batch(texts)  # type: ignore[attr-defined]
    assert [e.ids for e in mine] == [list(e.ids) for e in other]
    assert [e.attention_mask for e in mine] == [list(e.attention_mask) for e in other]


def test_the_vocabulary_is_read_from_the_cache_after_the_first_time(source: Path, tmp_path: Path) -> None:
    first = WordPiece.from_tokenizer_json(source, tmp_path, MAX_TOKENS)
    cached = list(tmp_path.glob("wordpiece-*.txt"))
    assert first is not None and len(cached) == 1
    # the cached file is what the second reads: a token changed there shows in its ids
    lines = cached[0].read_text(encoding="utf-8").split("\n")
    lines[1 + first.vocab["file"]] = "not-a-word"
    cached[0].write_text("\n".join(lines), encoding="utf-8")
    second = WordPiece.from_tokenizer_json(source, tmp_path, MAX_TOKENS)
    assert second is not None and second.ids("file") != first.ids("file")
    # a broken cache file is rebuilt from the tokenizer.json
    cached[0].write_text("not json\n", encoding="utf-8")
    third = WordPiece.from_tokenizer_json(source, tmp_path, MAX_TOKENS)
    assert third is not None and third.ids("parse a file") == first.ids("parse a file")


def test_a_read_only_cache_still_tokenizes(source: Path, tmp_path: Path) -> None:
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("")
    ours = WordPiece.from_tokenizer_json(source, blocked / "cache", MAX_TOKENS)
    assert ours is not None and ours.ids("parse a file") == _ids(_tokenizer(source), ["parse a file"])[0]


@pytest.mark.parametrize(
    "change",
    [
        lambda c: c["normalizer"].update(lowercase=False),
        lambda c: c["normalizer"].update(strip_accents=False),
        lambda c: c.update(pre_tokenizer={"type": "Whitespace"}),
        lambda c: c["model"].update(type="BPE"),
        lambda c: c["model"].update(max_input_chars_per_word=50),
        lambda c: c["post_processor"]["single"].pop(0),
        lambda c: c["added_tokens"][0].update(normalized=True),
    ],
)
def test_another_tokenizer_configuration_is_refused(source: Path, tmp_path: Path, change) -> None:
    config = json.loads(source.read_bytes())
    change(config)
    other = tmp_path / "tokenizer.json"
    other.write_text(json.dumps(config), encoding="utf-8")
    assert WordPiece.from_tokenizer_json(other, tmp_path / "cache", MAX_TOKENS) is None


def test_the_query_runner_tokenizes_a_covered_query_in_python() -> None:
    # that a query imports no tokenizers at all: test_onnx_numpy's one-process check
    runner = NumpyMiniLM()
    assert runner.tokenizer(["parse a configuration file"]) is runner.wordpiece


def test_a_newer_tokenizer_file_replaces_its_old_vocabulary_in_the_cache(
    source: Path, tmp_path: Path
) -> None:
    # one vocabulary file per tokenizer.json place: a reinstall (new time) does not leave the old one behind,
    # and another install's tokenizer.json keeps its own
    import os
    import shutil

    mine, other = tmp_path / "a" / "tokenizer.json", tmp_path / "b" / "tokenizer.json"
    for copy in (mine, other):
        copy.parent.mkdir()
        shutil.copy(source, copy)
    cache = tmp_path / "cache"
    assert WordPiece.from_tokenizer_json(mine, cache, MAX_TOKENS) is not None
    assert WordPiece.from_tokenizer_json(other, cache, MAX_TOKENS) is not None
    assert len(list(cache.glob("wordpiece-*.txt"))) == 2
    os.utime(mine, ns=(1_000_000_000, 1_000_000_000))
    assert WordPiece.from_tokenizer_json(mine, cache, MAX_TOKENS) is not None
    kept = sorted(p.name for p in cache.glob("wordpiece-*.txt"))
    assert len(kept) == 2 and any("-1000000000-" in name for name in kept)
