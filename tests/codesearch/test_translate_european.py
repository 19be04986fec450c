"""Translation of German, French, Spanish, Portuguese, Italian and Russian queries (codesearch.freedict) with
Debian's dictd dictionaries where they are installed (CI installs them), and with a small dictd file written
here for what must hold without them."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from codesearch import freedict, glossary, translate
from codesearch.query import analyse_query


@pytest.fixture(autouse=True)
def dictionaries_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """The dictd dictionaries on their own: codesearch's glossary (``codesearch.glossary``, tested in
    test_glossary.py) would read these queries' words first."""
    monkeypatch.setattr(glossary, "GLOSSARY", False)


@pytest.fixture
def dictionaries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh cache folder; the dictionary settings read again from the environment."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("CODESEARCH_APERTIUM", "off")  # the dictionaries, not the machine translator
    translate._translator.cache_clear()
    translate.dictionary_settings.cache_clear()
    yield tmp_path
    translate._translator.cache_clear()
    translate.dictionary_settings.cache_clear()


@pytest.fixture(scope="module")
def compiled_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache folder for the tests that read Debian's dictionaries: each is compiled once per module."""
    return tmp_path_factory.mktemp("compiled")


@pytest.fixture
def installed(compiled_once: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Debian's dictionaries (no folder setting), compiled into the module's cache folder."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(compiled_once))
    monkeypatch.delenv("CODESEARCH_FREEDICT_DIR", raising=False)
    monkeypatch.setenv("CODESEARCH_APERTIUM", "off")  # the dictionaries, not the machine translator
    translate._translator.cache_clear()
    translate.dictionary_settings.cache_clear()
    yield compiled_once
    translate._translator.cache_clear()
    translate.dictionary_settings.cache_clear()


def _installed(language: str) -> bool:
    return bool(freedict.find_sources(language, None))


def _needs(language: str) -> list[pytest.MarkDecorator]:
    marks = [
        pytest.mark.skipif(
            not _installed(language),
            reason=f"Debian's {freedict.DEBIAN_PACKAGES[language]} (GPL data, never a Python dependency) is "
            "not installed here: apt install it, as .ci/run does",
        )
    ]
    # the German dictionary (Ding, half a million entries) takes about 9 s to compile, once
    return [*marks, pytest.mark.slow] if language == "de" else marks


@pytest.mark.parametrize(
    ("language", "query", "expected"),
    [
        pytest.param(
            "de", "die Konfigurationsdatei lesen", {"configuration", "file", "read"}, marks=_needs("de")
        ),
        pytest.param("de", "alle Dateien löschen", {"files"}, marks=_needs("de")),
        pytest.param("fr", "lire le fichier de configuration", {"read", "file"}, marks=_needs("fr")),
        pytest.param("fr", "fusionner les valeurs", {"merge", "value"}, marks=_needs("fr")),
        pytest.param("es", "leer el archivo de configuración", {"read"}, marks=_needs("es")),
        pytest.param("pt", "converter um dicionário em texto", {"dictionary"}, marks=_needs("pt")),
        pytest.param("it", "leggere il valore della stringa", {"read", "value"}, marks=_needs("it")),
        pytest.param("ru", "вставить текст после строки", {"text", "after", "line"}, marks=_needs("ru")),
        pytest.param("ru", "определить имя файла", {"name", "determine"}, marks=_needs("ru")),
    ],
)
def test_a_query_gets_the_english_words_of_the_installed_dictionary(
    installed: Path, language: str, query: str, expected: set[str]
) -> None:
    analysed = analyse_query(query)
    assert expected <= set(analysed.translated)
    assert analysed.text == query  # what the dense side embeds
    assert not set(analysed.terms) & set(analysed.translated)


@pytest.mark.slow
@pytest.mark.skipif(
    not _installed("de"),
    reason="Debian's dict-freedict-deu-eng (GPL data, never a Python dependency) is not installed here: "
    "apt install it, as .ci/run does",
)
def test_inflected_and_accentless_words_are_found_by_their_stem(installed: Path) -> None:
    german = freedict.open_dictionary("de", None, installed / "codesearch" / "translate")
    assert german is not None
    assert "file" in german.lookup("Datei")
    assert "files" in german.lookup("Dateien")  # an exact headword
    assert german.lookup("loschen") == german.lookup("löschen") != ()  # found without its accent
    assert {"configuration", "file"} <= set(german.lookup("Konfigurationsdatei"))


def test_the_compiled_dictionary_is_rebuilt_when_the_dictionary_changes(
    dictionaries: Path, monkeypatch: pytest.MonkeyPatch, write_dictd
) -> None:
    folder = dictionaries / "dictd"
    write_dictd(folder, "freedict-deu-eng", {"Datei": "file <n>", "lesen": "read <v>"})
    monkeypatch.setenv("CODESEARCH_FREEDICT_DIR", str(folder))
    assert set(analyse_query("die Datei lesen").translated) == {"file", "read"}
    compiled = list((dictionaries / "cache" / "codesearch" / "translate").glob("de-dictd-*.sqlite"))
    assert len(compiled) == 1
    # a second process reads the compiled file (here: the same file, unchanged, is not written again)
    before = compiled[0].stat().st_mtime_ns
    translate._translator.cache_clear()
    assert set(analyse_query("die Datei lesen").translated) == {"file", "read"}
    assert compiled[0].stat().st_mtime_ns == before
    # the dictionary is updated: its new words are compiled and used
    write_dictd(folder, "freedict-deu-eng", {"Datei": "document <n>", "lesen": "read <v>"})
    stamp = (folder / "freedict-deu-eng.dict.dz").stat().st_mtime_ns + 10**9
    os.utime(folder / "freedict-deu-eng.dict.dz", ns=(stamp, stamp))
    translate._translator.cache_clear()
    assert set(analyse_query("die Datei lesen").translated) == {"document", "read"}
    assert len(list(compiled[0].parent.glob("de-dictd-*.sqlite"))) == 2


def test_a_missing_dictionary_costs_nothing_and_is_said_once(
    dictionaries: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("CODESEARCH_FREEDICT_DIR", str(dictionaries / "empty"))
    with caplog.at_level(logging.INFO, logger="codesearch.translate"):
        assert analyse_query("die Datei lesen").translated == ()
        assert analyse_query("alle Dateien löschen").translated == ()
    said = [r.getMessage() for r in caplog.records if "no de dictionary" in r.getMessage()]
    assert len(said) == 1 and "dict-freedict-deu-eng" in said[0]
    assert not (dictionaries / "cache" / "codesearch").exists()  # nothing compiled, nothing written


def test_words_of_code_in_a_query_are_not_looked_up(
    dictionaries: Path, monkeypatch: pytest.MonkeyPatch, write_dictd
) -> None:
    folder = dictionaries / "dictd"
    write_dictd(folder, "freedict-fra-eng", {"objet": "object", "json": "wrong", "formdata": "wrong"})
    monkeypatch.setenv("CODESEARCH_FREEDICT_DIR", str(folder))
    analysed = analyse_query("convertir les FormData d'un objet JSON")
    assert analysed.translated == ("object",)
    assert {"formdata", "json"} <= set(analysed.terms)


def test_an_english_query_opens_no_dictionary(
    dictionaries: Path, monkeypatch: pytest.MonkeyPatch, write_dictd
) -> None:
    folder = dictionaries / "dictd"
    write_dictd(folder, "freedict-deu-eng", {"lesen": "read <v>"})
    monkeypatch.setenv("CODESEARCH_FREEDICT_DIR", str(folder))
    assert analyse_query("read the config file").translated == ()
    assert not (dictionaries / "cache" / "codesearch").exists()


def test_a_russian_word_is_found_by_its_lemma_before_its_stem(
    dictionaries: Path, monkeypatch: pytest.MonkeyPatch, write_dictd
) -> None:
    """ "времени" (genitive of время, time) stems to "врем", which the crude stem of another headword shares
    here; its lemma finds the right one. pymorphy3 is a test dependency (the ``translate`` extra)."""
    folder = dictionaries / "dictd"
    # an English-Russian dictionary, read backwards: Russian headword -> English
    write_dictd(
        folder,
        "freedict-eng-rus",
        {"time": "время <n>", "edwardian": "времен короля Эдуарда <adj>", "frequency": "частота <n>"},
    )
    monkeypatch.setenv("CODESEARCH_FREEDICT_DIR", str(folder))
    russian = freedict.open_dictionary("ru", folder, dictionaries / "cache")
    assert russian is not None
    assert freedict.russian_lemma("времени") == "время"
    assert russian.lookup("времени") == ("time",)
    assert russian.lookup("частоту") == ("frequency",)
    # without pymorphy3 the stem decides, as before
    monkeypatch.setattr(freedict, "_russian_morphology", lambda: None)
    assert freedict.russian_lemma("времени") is None
    assert russian.lookup("времени") != ("time",)
