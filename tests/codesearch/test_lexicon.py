"""The word lexicon (``codesearch.lexicon``): the index's common words, as the multilingual model reads them,
give English words to a query's Korean and Russian words. The real bundled model reads the words; a fake one
counts what the cache saves; a real index and searcher show what a user gets."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from codesearch import glossary, lexicon, translate
from codesearch.embedding.composite import CompositeEmbedder
from codesearch.embedding.fake import HashEmbedder
from codesearch.lexicon import ModelLexicon, load_lexicon, multilingual_part
from codesearch.search import Searcher
from indexer.pipeline import index_paths


class EnglishHashEmbedder(HashEmbedder):
    english_only = True


WORDS = ["file", "value", "compare", "network", "thread", "table", "sleep", "color"]


@pytest.fixture(autouse=True)
def lexicon_alone(monkeypatch) -> Iterator[None]:
    """The lexicon on its own: the glossary would read these queries' words before it (the translators are
    made again without it, and with it after the test)."""
    monkeypatch.setattr(glossary, "GLOSSARY", False)
    translate._translator.cache_clear()
    yield
    translate._translator.cache_clear()


def test_the_models_nearest_common_words_are_a_korean_or_russian_words_english(
    use_embedder, tmp_path
) -> None:
    found = load_lexicon(use_embedder, WORDS, tmp_path / "cache")
    assert found.english(["파일을"]) == ("file",)  # "the file", with its particle
    assert found.english(["테이블", "비교하기"]) == ("table", "compare")  # in the query's order
    assert found.english(["таблицы", "сравнить"]) == ("table", "compare")
    assert found.english(["고양이"]) == ()  # "cat": no common word is near enough


def test_the_words_looked_up_are_korean_and_russian_and_unknown_latin_words_of_a_query_not_in_english(
    monkeypatch,
) -> None:
    known = {"table", "compare", "file", "read", "lines"}.intersection
    terms = ["두", "테이블을", "таблицы", "compare", "fichier"]
    assert lexicon.words_to_look_up(terms, lambda ws: known(ws)) == ["테이블을", "таблицы"]  # one letter: no
    monkeypatch.setattr(lexicon, "LATIN_WORDS", True)
    french = ["lire", "les", "lignes", "fichier"]  # no word the index knows: not English
    assert lexicon.words_to_look_up(french, lambda ws: known(ws)) == ["lire", "les", "lignes", "fichier"]
    english = ["read", "the", "file", "lines", "table"]  # "the" unknown, but 4 of 5 known: reads as English
    assert lexicon.words_to_look_up(english, lambda ws: known(ws)) == []


def test_the_words_a_dictionary_or_the_glossary_read_are_not_looked_up_again(monkeypatch) -> None:
    terms = ["설정파일을", "무조건", "таблицы", "сравнить"]
    translated = ("설정", "파일", "таблицы")  # a Korean word's pieces begin it
    assert lexicon.words_to_look_up(terms, lambda ws: set(), translated) == ["무조건", "сравнить"]
    monkeypatch.setattr(lexicon, "FOR_TRANSLATED", True)
    assert lexicon.words_to_look_up(terms, lambda ws: set(), translated) == terms


def _counting(embedder: HashEmbedder) -> list[list[str]]:
    calls: list[list[str]] = []
    embed = embedder.embed_documents

    def recording(texts, progress=None):  # type: ignore[no-untyped-def]
        calls.append(list(texts))
        return embed(texts, progress)

    embedder.embed_documents = recording  # type: ignore[method-assign]
    return calls


def test_the_common_words_are_embedded_once_per_model_and_only_new_words_after(tmp_path) -> None:
    model = HashEmbedder(32)
    calls = _counting(model)
    first = load_lexicon(model, WORDS[:5], tmp_path)
    again = load_lexicon(model, WORDS[:5], tmp_path)
    grown = load_lexicon(model, WORDS, tmp_path)
    assert calls == [WORDS[:5], WORDS[5:]]  # the second load embedded nothing, the third only the new words
    assert np.allclose(first.vectors, again.vectors, atol=1e-3)
    assert np.allclose(grown.vectors[:5], first.vectors, atol=1e-3)
    backwards = load_lexicon(
        model, WORDS[::-1], tmp_path
    )  # the same words in another order: each its own row
    assert len(calls) == 2 and np.allclose(backwards.vectors[::-1], grown.vectors, atol=1e-3)
    assert np.allclose(load_lexicon(model, WORDS[:3], tmp_path).vectors, grown.vectors[:3], atol=1e-3)
    other = HashEmbedder(16)  # another model: a cache of its own
    assert _counting(other) == [] and load_lexicon(other, WORDS, tmp_path).vectors.shape == (8, 16)
    assert len(list(tmp_path.glob("*.lexicon"))) == 2


def test_a_damaged_cache_is_rebuilt_with_a_warning_and_an_unwritable_one_costs_nothing_more(
    tmp_path, caplog
) -> None:
    model = HashEmbedder(32)
    load_lexicon(model, WORDS, tmp_path)
    (cached,) = tmp_path.glob("*.lexicon")
    cached.write_bytes(b"not a numpy file")
    calls = _counting(model)
    with caplog.at_level(logging.WARNING, logger="codesearch.lexicon"):
        rebuilt = load_lexicon(model, WORDS, tmp_path)
    assert calls == [WORDS] and rebuilt.words == WORDS
    assert "unreadable" in caplog.text
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    with caplog.at_level(logging.WARNING, logger="codesearch.lexicon"):
        assert load_lexicon(model, WORDS, blocked / "cache").words == WORDS  # the folder cannot be made
    assert "could not be written" in caplog.text


def test_a_search_maps_the_cached_vectors_and_they_read_as_the_ones_it_embedded(tmp_path) -> None:
    model = HashEmbedder(32)
    built = load_lexicon(model, WORDS, tmp_path)
    (cached,) = tmp_path.glob("*.lexicon")
    calls = _counting(model)
    mapped = load_lexicon(model, WORDS, tmp_path)
    assert calls == [] and isinstance(mapped.vectors.base, np.memmap)  # mapped from the file, not read in
    assert mapped.vectors.dtype == np.float32 and np.array_equal(mapped.vectors, built.vectors)
    # the rows keep float16's precision, as the lexicon was measured with
    assert np.array_equal(built.vectors, built.vectors.astype(np.float16).astype(np.float32))
    assert mapped.english(["value"]) == built.english(["value"]) == ("value",)
    # a cache written again under a reader (another process's search) leaves the reader's rows as they were
    load_lexicon(model, WORDS[::-1], tmp_path)
    assert np.array_equal(mapped.vectors, built.vectors) and len(list(tmp_path.glob("*.lexicon"))) == 1
    assert cached.exists()


def test_words_in_any_script_come_back_from_the_cache_as_they_were_asked(tmp_path) -> None:
    model = HashEmbedder(32)
    words = ["файл", "파일", "naïve", "x\ud800y", 'quote"and\\slash', "tab\there"]  # a lone surrogate too
    built = load_lexicon(model, words, tmp_path)
    calls = _counting(model)
    again = load_lexicon(model, words, tmp_path)
    assert calls == [] and again.words == words and np.array_equal(again.vectors, built.vectors)


def test_the_cache_keeps_the_words_last_asked_and_stays_bounded(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(lexicon, "CACHED_WORDS", 10)
    model = HashEmbedder(32)
    load_lexicon(model, WORDS, tmp_path)  # 8 words
    load_lexicon(model, ["alpha", "beta", "gamma", "delta"], tmp_path)  # another index's: 4 more, 2 dropped
    calls = _counting(model)
    again = load_lexicon(model, ["alpha", "beta", "gamma", "delta"], tmp_path)
    assert calls == [] and again.words == ["alpha", "beta", "gamma", "delta"]
    load_lexicon(model, WORDS, tmp_path)
    assert calls == [WORDS[6:]]  # the two oldest were dropped; the rest came from the cache
    many = [f"w{i}" for i in range(25)]  # more than the bound: the words asked are all kept
    assert load_lexicon(model, many, tmp_path).words == many
    assert load_lexicon(model, many, tmp_path).vectors.shape == (25, 32) and len(calls) == 2


def test_a_cache_of_rows_of_another_width_is_rebuilt_not_searched(tmp_path, caplog) -> None:
    narrow, model = HashEmbedder(16), HashEmbedder(32)
    load_lexicon(narrow, WORDS, tmp_path)
    (cached,) = tmp_path.glob("*.lexicon")
    load_lexicon(model, WORDS, tmp_path)
    (theirs,) = set(tmp_path.glob("*.lexicon")) - {cached}
    theirs.write_bytes(cached.read_bytes())  # 16-wide rows under the 32-wide model's name
    calls = _counting(model)
    with caplog.at_level(logging.WARNING, logger="codesearch.lexicon"):
        rebuilt = load_lexicon(model, WORDS, tmp_path)
    assert calls == [WORDS] and rebuilt.vectors.shape == (len(WORDS), 32) and "16-wide" in caplog.text
    assert rebuilt.english(["value"]) == ("value",)


@pytest.mark.parametrize("cut", [1, 40, -1])
def test_a_truncated_cache_is_rebuilt_not_read_past_its_end(tmp_path, caplog, cut: int) -> None:
    model = HashEmbedder(32)
    load_lexicon(model, WORDS, tmp_path)
    (cached,) = tmp_path.glob("*.lexicon")
    data = cached.read_bytes()
    cached.write_bytes(data[:cut] if cut > 0 else data[: cut * 4])
    calls = _counting(model)
    with caplog.at_level(logging.WARNING, logger="codesearch.lexicon"):
        rebuilt = load_lexicon(model, WORDS, tmp_path)
    assert calls == [WORDS] and rebuilt.vectors.shape == (len(WORDS), 32) and "unreadable" in caplog.text
    assert load_lexicon(model, WORDS, tmp_path).words == WORDS and calls == [WORDS]  # and rewritten whole


def test_the_cache_of_the_older_format_is_replaced(tmp_path) -> None:
    model = HashEmbedder(32)
    load_lexicon(model, WORDS, tmp_path)
    (cached,) = tmp_path.glob("*.lexicon")
    cached.unlink()  # as after an upgrade: only the older cache is there
    older = cached.with_suffix(".npz")
    np.savez(older, words=np.array(WORDS), vectors=np.zeros((len(WORDS), 32), dtype=np.float16))
    calls = _counting(model)
    assert load_lexicon(model, WORDS, tmp_path).english(["value"]) == ("value",)  # not the older file's zeros
    assert calls[0] == WORDS and not older.exists() and cached.exists()


def test_only_a_model_that_reads_every_language_makes_a_lexicon() -> None:
    multi, english = HashEmbedder(32), EnglishHashEmbedder(16)
    assert multilingual_part(CompositeEmbedder([english, multi], ["english", "multi"])) is multi
    assert multilingual_part(english) is None and multilingual_part(None) is None


FILES = {
    "tables.py": "def compare_tables(left, right):\n    return sorted(left) == sorted(right)\n",
    "files.py": "def open_file(path):\n    return open(path).read()\n",
    "net.py": "def ping_network(host):\n    return host\n",
}


@pytest.fixture
def korean_index(git_repo, tmp_path, use_embedder) -> Path:
    repo = git_repo(files=FILES)
    index_dir = tmp_path / "idx"
    index_paths([repo.root], index_dir=index_dir, embedder=use_embedder, model="use")
    return index_dir


def test_a_korean_query_finds_code_words_on_the_lexical_side_with_the_lexicon_on(
    korean_index, use_embedder, monkeypatch, tmp_path
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    searcher = Searcher(korean_index, use_embedder)
    query = "두 테이블을 비교하기"  # "compare two tables"
    monkeypatch.setattr(lexicon, "MODEL_LEXICON", False)
    assert searcher.search(query, mode="lexical").hits == []  # no code word in Hangul
    monkeypatch.setattr(lexicon, "MODEL_LEXICON", True)
    hits = searcher.search(query, mode="lexical").hits
    # found through "table" and "compare", which nothing else holds
    assert [h.name for h in hits] == ["compare_tables"]
    assert "compare" in hits[0].matched_terms  # and says which words it was found by
    assert searcher.plan(query).weights == searcher.plan(searcher.analyse(query)).weights
    assert list((tmp_path / "cache" / "codesearch" / "lexicon").glob("*.lexicon"))  # kept for the next search
    searcher.close()


def test_the_lexicon_is_made_once_per_generation(korean_index, use_embedder, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(lexicon, "MODEL_LEXICON", True)
    made: list[ModelLexicon] = []
    load = lexicon.load_lexicon

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        made.append(load(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(lexicon, "load_lexicon", counting)
    searcher = Searcher(korean_index, use_embedder)
    for query in ("두 테이블을 비교하기", "파일 열기", "сравнить таблицы"):
        searcher.search(query)
    searcher.search("open a file")  # an English query asks for no lexicon
    assert len(made) == 1 and "compare" in made[0].words
    searcher.close()


def test_a_one_shot_search_reads_the_common_words_from_the_cache_until_the_index_changes(
    git_repo, tmp_path, use_embedder, monkeypatch
) -> None:
    from indexer.local_read import LocalGeneration

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(lexicon, "MODEL_LEXICON", True)
    scans: list[int] = []
    scan = LocalGeneration.common_words

    def counting(self, limit):  # type: ignore[no-untyped-def]
        scans.append(limit)
        return scan(self, limit)

    monkeypatch.setattr(LocalGeneration, "common_words", counting)
    repo = git_repo(files=FILES)
    index_dir = tmp_path / "idx"
    index_paths([repo.root], index_dir=index_dir, embedder=use_embedder, model="use")
    for _ in range(2):  # two one-shot searches: the second finds the words in the cache
        searcher = Searcher(index_dir, use_embedder)
        assert searcher.search("두 테이블을 비교하기", mode="lexical").hits[0].name == "compare_tables"
        searcher.close()
    assert len(scans) == 1
    repo.write("diff.py", "def diff_tables(old, new):\n    return set(old) ^ set(new)\n")
    repo.commit()
    index_paths([repo.root], index_dir=index_dir, embedder=use_embedder, model="use")
    searcher = Searcher(index_dir, use_embedder)
    names = {h.name for h in searcher.search("두 테이블을 비교하기", mode="lexical").hits}
    searcher.close()
    assert len(scans) == 2 and "diff_tables" in names  # a new generation: its words read again


def test_a_word_is_embedded_once_and_its_english_remembered_as_a_query_is_typed(monkeypatch) -> None:
    """The TUI searches as the user types: "두 테이블을 비교", "두 테이블을 비교하", ... ask for the same words
    again; each word is embedded once, and the English is what a lexicon that remembers nothing gives."""
    monkeypatch.setattr(lexicon, "MIN_SIMILARITY", -1.0)  # the fake's vectors are far apart: take the nearest
    model = HashEmbedder(32)
    words = ["table", "compare", "file", "cache"]

    def made() -> ModelLexicon:
        return ModelLexicon(model, words, lexicon._normalised(model.embed_documents(words)))

    found, fresh = made(), made()
    model.calls.clear()
    typed = [
        found.english(["테이블을", "비교"]),
        found.english(["테이블을", "비교"]),
        found.english(["테이블을", "비교하"]),
    ]
    assert model.embedded_texts == ["테이블을", "비교", "비교하"]
    assert typed == [fresh.english(["테이블을", "비교"])] * 2 + [fresh.english(["테이블을", "비교하"])]
    monkeypatch.setattr(lexicon, "REMEMBERED_WORDS", 2)  # full: it forgets the oldest, never grows past it
    more = ["캐시", "파일", "값을"]
    assert found.english(more) == fresh.english(more)
    assert list(found.remembered) == more[1:]
    one = ModelLexicon(model, words[:1], lexicon._normalised(model.embed_documents(words[:1])))
    assert one.english(["테이블을"]) == ("table",)  # fewer common words than it takes per word


def test_searches_on_many_threads_look_words_up_while_old_ones_are_forgotten(monkeypatch) -> None:
    """A server's searches share one lexicon: lookups on eight threads, with so few words remembered that they
    are forgotten all the time, all find what a lexicon of their own finds."""
    monkeypatch.setattr(lexicon, "MIN_SIMILARITY", -1.0)
    monkeypatch.setattr(lexicon, "REMEMBERED_WORDS", 3)
    model = HashEmbedder(32)
    words = ["table", "compare", "file", "cache", "value", "thread"]
    vectors = lexicon._normalised(model.embed_documents(words))
    shared, alone = ModelLexicon(model, words, vectors), ModelLexicon(model, words, vectors)
    queries = [[f"단어{n % 7}", f"слово{n % 5}"] for n in range(40)]
    expected = [alone.english(q) for q in queries]
    errors: list[BaseException] = []
    found: dict[tuple[int, int], tuple[str, ...]] = {}

    def look_up(worker: int) -> None:
        try:
            for n, query in enumerate(queries):
                found[(worker, n)] = shared.english(query)
        except BaseException as error:  # noqa: BLE001 -- the test reports it
            errors.append(error)

    threads = [threading.Thread(target=look_up, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert all(found[(w, n)] == expected[n] for w in range(8) for n in range(len(queries)))
    assert len(shared.remembered) <= 3
