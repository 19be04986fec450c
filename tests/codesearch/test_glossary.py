"""codesearch's own programming glossary: how Korean words are cut into its entries, how Russian words find
theirs, and that the shipped files are what the loader expects."""

from __future__ import annotations

import re

import pytest

from codesearch import glossary, translate
from codesearch.glossary import Glossary

KOREAN = Glossary.parse(
    "ko",
    [
        "# a comment",
        "",
        "설정\tconfig configuration settings",
        "파일\tfile",
        "읽\tread",
        "키\tkey",
        "값\tvalue",
        "열\topen column",
        "열거\tenumerate enum",
        "비교\tcompare",
        "이름\tname",
        "파일\tfile duplicate-loses",
    ],
)


def english(words) -> list[tuple[str, tuple[str, ...]]]:
    return [(w.word, w.english) for w in words]


def test_a_korean_word_is_cut_into_the_longest_entries_it_begins_with_and_its_ending_dropped() -> None:
    assert english(KOREAN.pieces("설정파일을")) == [
        ("설정", ("config", "configuration", "settings")),
        ("파일", ("file",)),
    ]
    assert english(KOREAN.pieces("비교하기")) == [("비교", ("compare",))]
    assert english(KOREAN.pieces("열거형")) == [("열거", ("enumerate", "enum"))]
    assert english(KOREAN.pieces("읽어서")) == [("읽", ("read",))]


def test_a_one_letter_piece_after_the_first_counts_only_where_it_ends_the_word() -> None:
    assert [w.word for w in KOREAN.pieces("키값")] == ["키", "값"]
    # "파일이름": 이름 is a word; "파일이" ends in the particle 이, not an entry
    assert [w.word for w in KOREAN.pieces("파일이름")] == ["파일", "이름"]
    assert [w.word for w in KOREAN.pieces("파일키를")] == ["파일"]


def test_a_korean_word_that_begins_with_no_entry_gives_no_pieces() -> None:
    assert KOREAN.pieces("무언가") == []
    assert KOREAN.pieces("을") == []


def test_the_korean_translator_keeps_unknown_and_latin_words_whole_without_english() -> None:
    words = glossary.korean_translator(KOREAN)("JSON 설정파일을 무조건 읽기")
    assert english(words) == [
        ("JSON", ()),
        ("설정", ("config", "configuration", "settings")),
        ("파일", ("file",)),
        ("무조건", ()),
        ("읽", ("read",)),
    ]


def test_the_first_line_of_a_word_wins_and_english_is_capped() -> None:
    parsed = Glossary.parse("ko", ["파일\tfile", "파일\tother", "값\ta b c d e f"])
    assert parsed.entries["파일"] == ("file",)
    assert parsed.entries["값"] == ("a", "b", "c", "d")


RUSSIAN = Glossary.parse("ru", ["строка\tstring line", "удалить\tdelete remove", "таблица\ttable"])


@pytest.mark.parametrize(
    ("word", "found"),
    [
        ("строку", ("string", "line")),
        ("Строки", ("string", "line")),
        ("удалив", ("delete", "remove")),
        ("таблицы", ("table",)),
        ("окно", ()),
    ],
)
def test_a_russian_word_finds_its_dictionary_form(word, found) -> None:
    assert RUSSIAN.lookup(word) == found


def test_a_russian_word_finds_its_entry_by_stem_without_pymorphy(monkeypatch) -> None:
    monkeypatch.setattr("codesearch.freedict.russian_lemmas", lambda word: [])
    assert RUSSIAN.lookup("таблицу") == ("table",)
    assert RUSSIAN.lookup("таблица") == ("table",)


@pytest.mark.parametrize("language", sorted(glossary.LANGUAGES))
def test_the_shipped_glossary_is_well_formed(language) -> None:
    lines = glossary.path(language).read_text(encoding="utf-8").splitlines()
    entries = [line for line in lines if line.strip() and not line.startswith("#")]
    script = {
        "ko": "[\uac00-\ud7a3]",
        "ru": "[\u0400-\u04ff]",
        "zh": "[\u3400-\u9fff]",
        "ja": "[\u3005\u3040-\u30ff\u3400-\u9fff\uff10-\uff5a]",
        "fr": "[a-zàâæçéèêëîïôœùûüÿ'-]",
        "de": "[a-zäöüß-]",
        "es": "[a-záéíóúüñ'-]",
        "pt": "[a-záàâãéêíóôõúüç'-]",
        "it": "[a-zàèéìíòóùú'-]",
    }[language]
    sources = []
    for line in entries:
        source, tab, english_words = line.partition("\t")
        assert tab and "\t" not in english_words, line
        assert re.fullmatch(f"(?:{script})+", source), line
        assert re.fullmatch(r"[a-z0-9]+(?: [a-z0-9]+){0,3}", english_words), line
        sources.append(source)
    assert len(set(sources)) == len(sources), "a word is listed twice"
    assert len(entries) >= 500
    loaded = glossary.load(language)
    assert loaded is not None and len(loaded.entries) == len(entries)


def test_korean_particles_and_endings_are_no_entries() -> None:
    shipped = glossary.load("ko")
    assert shipped is not None
    assert not glossary.KOREAN_TAILS & set(shipped.entries)


def test_a_korean_and_a_russian_query_get_english_from_the_shipped_glossary() -> None:
    korean = translate.translate_query("설정 파일을 읽기")
    assert korean is not None
    found = {w for gloss in korean.words for w in gloss.english}
    assert {"file", "read"} <= found
    russian = translate.translate_query("сравнить две строки")
    assert russian is not None
    assert "compare" in russian.words[0].english
    assert "string" in {w for gloss in russian.words for w in gloss.english}


def test_a_korean_query_finds_code_words_through_the_glossary_alone(git_repo, tmp_path, monkeypatch) -> None:
    from codesearch import lexicon
    from codesearch.embedding.fake import HashEmbedder
    from codesearch.search import Searcher
    from indexer.pipeline import index_paths

    files = {
        "tables.py": "def compare_tables(left, right):\n    return left == right\n",
        "net.py": "def open_socket(host):\n    return host\n",
    }
    repo = git_repo(files=files)
    index_dir = tmp_path / "idx"
    index_paths([repo.root], index_dir=index_dir, embedder=HashEmbedder(), model="fake")
    monkeypatch.setattr(lexicon, "MODEL_LEXICON", False)
    searcher = Searcher(index_dir, HashEmbedder())
    query = "두 테이블을 비교하기"  # "compare two tables"
    monkeypatch.setattr(glossary, "GLOSSARY", False)
    translate._translator.cache_clear()
    assert searcher.search(query, mode="lexical").hits == []  # no code word in Hangul
    monkeypatch.setattr(glossary, "GLOSSARY", True)
    translate._translator.cache_clear()
    hits = searcher.search(query, mode="lexical").hits
    assert [h.name for h in hits] == ["compare_tables"]
    assert "compare" in hits[0].matched_terms  # and says which English word found it
    searcher.close()
    translate._translator.cache_clear()


GERMAN = Glossary.parse(
    "de", ["datei\tfile", "konfiguration\tconfig configuration", "funktion\tfunction", "lesen\tread"]
)


@pytest.mark.parametrize(
    ("word", "found"),
    [
        ("Datei", ("file",)),
        ("Dateien", ("file",)),  # by stem
        ("Funktionen", ("function",)),  # its stem is an entry as written
        ("Konfigurationsdatei", ("config", "configuration", "file")),  # a compound, with its linking -s-
        ("Fenster", ()),
    ],
)
def test_a_german_word_finds_its_entry_as_written_by_stem_or_as_a_compound(word, found) -> None:
    assert GERMAN.lookup(word) == found


def test_a_french_word_finds_its_entry_without_accents_and_by_stem() -> None:
    french = Glossary.parse("fr", ["récursif\trecursive", "fichier\tfile"])
    assert french.lookup("fichiers") == ("file",)
    assert french.lookup("recursif") == ("recursive",)
    assert french.lookup("chien") == ()


def test_a_chinese_word_is_covered_whole_or_by_the_entries_that_make_it_up() -> None:
    chinese = Glossary.parse("zh", ["配置\tconfig", "文件\tfile", "时间戳\ttimestamp"])
    assert english(chinese.cover("时间戳")) == [("时间戳", ("timestamp",))]
    assert english(chinese.cover("配置文件")) == [("配置", ("config",)), ("文件", ("file",))]
    assert chinese.cover("配置文件夹") is None  # not all of it: the dictionary reads it


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("递归比较两个表", {"recursive", "compare", "table"}),
        ("設定ファイルを読み込む", {"config", "file", "read"}),
        ("文字列をパースする", {"string", "parse"}),  # janome cuts 文字列 into 文字 + 列: joined back
        ("comparer récursivement deux tableaux", {"compare", "recursive", "array"}),
        ("Konfigurationsdatei einlesen", {"config", "file", "read"}),
    ],
)
def test_queries_in_the_other_languages_get_the_glossarys_english(query, words) -> None:
    # the glossary reads these languages with or without the translate extra and the dictd dictionaries
    translation = translate.translate_query(query)
    assert translation is not None
    assert words <= {w for gloss in translation.words for w in gloss.english}


def test_chinese_and_japanese_words_are_found_by_longest_match_without_a_tokenizer() -> None:
    ours = Glossary.parse(
        "ja", ["設定\tconfig", "ファイル\tfile", "設定ファイル\tconfigfile", "読み込む\tread load"]
    )
    assert [w.word for w in ours.scan("設定ファイルを読み込む")] == ["設定ファイル", "読み込む"]
    assert ours.scan("をにが") == []


@pytest.mark.parametrize(
    ("language", "query", "words"),
    [
        ("zh", "读取配置文件", {"read", "config", "file"}),
        ("ja", "設定ファイルを読み込む", {"config", "file", "read"}),
    ],
)
def test_on_the_plain_install_chinese_and_japanese_queries_get_the_glossarys_english(
    monkeypatch, language, query, words
) -> None:
    """Without jieba, janome, CC-CEDICT or EDICT (the translate extra), the glossary alone reads the query."""
    monkeypatch.setattr(translate, "_jieba", lambda: None)
    monkeypatch.setattr(translate, "_janome", lambda: None)
    translate._translator.cache_clear()
    try:
        translation = translate.translate_query(query)
        assert translation is not None
        assert words <= {w for gloss in translation.words for w in gloss.english}
    finally:
        translate._translator.cache_clear()
