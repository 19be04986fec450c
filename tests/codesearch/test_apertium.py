"""Spanish, Portuguese and Italian queries through Apertium (codesearch.apertium): the real program where
it is installed (CI installs it), and small stand-in programs for what must hold without it (its failures,
the order of a chain, the setting that turns it off)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from codesearch import apertium, glossary, translate
from codesearch.errors import ConfigError
from codesearch.query import analyse_query
from codesearch.settings import Settings

INSTALLED = {language: not apertium.missing_parts(language, apertium.find()) for language in apertium.CHAINS}


def _needs(language: str) -> pytest.MarkDecorator:
    return pytest.mark.skipif(
        not INSTALLED[language],
        reason=f"Debian's {apertium.DEBIAN_PACKAGES[language]} (GPL, a separate program, never a Python "
        "dependency) is not installed here: apt install it, as .ci/run does",
    )


@pytest.fixture(autouse=True)
def apertium_and_dictionaries_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """Apertium and the dictd dictionaries on their own: codesearch's glossary (test_glossary.py) would read
    the Spanish, Portuguese and Italian words where Apertium does not."""
    monkeypatch.setattr(glossary, "GLOSSARY", False)


@pytest.fixture
def fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Settings read again, translators built again, a fresh cache folder, no dictd dictionary."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("CODESEARCH_FREEDICT_DIR", str(tmp_path / "no-dictd"))
    monkeypatch.delenv("CODESEARCH_APERTIUM", raising=False)
    translate._translator.cache_clear()
    translate.dictionary_settings.cache_clear()
    apertium._warned.clear()
    yield tmp_path
    translate._translator.cache_clear()
    translate.dictionary_settings.cache_clear()
    apertium._warned.clear()


@pytest.fixture
def spanish_dictionary(fresh: Path, monkeypatch: pytest.MonkeyPatch, write_dictd) -> Path:
    """A small Spanish dictd dictionary as the only one installed: what answers when Apertium does not."""
    folder = fresh / "dictd"
    write_dictd(folder, "freedict-spa-eng", {"leer": "read", "archivo": "file"})
    monkeypatch.setenv("CODESEARCH_FREEDICT_DIR", str(folder))
    return folder


def test_unknown_word_marks_are_removed_and_such_words_bring_no_english() -> None:
    words, sentence = apertium.parse("Generate pages *man for all the commandos percent-*encoding")
    assert sentence == "Generate pages man for all the commandos percent-encoding"
    english = {w.word: w.english for w in words}
    assert english["man"] == ()  # the query's own word, not a translation
    assert english["Generate"] == ("generate",)
    assert "the" not in english and "for" not in english  # function words carry nothing


@_needs("es")
def test_a_spanish_query_is_said_in_english_by_apertium(fresh: Path) -> None:
    query = analyse_query("comprobar si un bitarray es subconjunto de otro")
    assert {"check", "subset"} <= set(query.translated)
    assert "subset" in query.gloss.split()  # the English-only model reads Apertium's sentence
    assert query.text == "comprobar si un bitarray es subconjunto de otro"  # the multilingual model: as typed


@_needs("pt")
def test_a_portuguese_query_goes_through_spanish(fresh: Path) -> None:
    query = analyse_query("listar os serviços instalados no Windows")
    assert {"list", "installed", "services"} <= set(query.translated)


@_needs("it")
def test_an_italian_query_goes_through_spanish(fresh: Path) -> None:
    query = analyse_query("leggere il file di configurazione riga per riga")
    assert {"read", "configuration", "line"} <= set(query.translated)


def test_a_chain_runs_its_steps_in_order_and_reads_the_last_output(
    fresh: Path, monkeypatch: pytest.MonkeyPatch, apertium_stand_in
) -> None:
    calls = fresh / "calls"
    # step 1 (pt-es) answers in "Spanish", step 2 (spa-eng) in "English" from what step 1 said
    program = apertium_stand_in(
        fresh,
        f'echo "$@" >> {calls}\n'
        'case "$*" in *pt-es*) echo "leer archivos";; *) read line; echo "read files ($line) *zzz";; esac\n',
    )
    monkeypatch.setenv("CODESEARCH_APERTIUM", str(program))
    query = analyse_query("ler os arquivos de configuração")
    assert calls.read_text().splitlines() == ["-u pt-es", "spa-eng"]
    assert query.gloss == "read files (leer archivos) zzz"
    assert {"read", "files", "leer", "archivos"} <= set(query.translated)
    assert "zzz" not in query.translated  # marked unknown: not an English word


def test_a_failing_apertium_falls_back_to_the_dictionary_and_is_said_once(
    fresh: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    spanish_dictionary: Path,
    apertium_stand_in,
) -> None:
    program = apertium_stand_in(fresh, 'echo "Error: Mode spa-eng is broken" >&2\nexit 3\n')
    monkeypatch.setenv("CODESEARCH_APERTIUM", str(program))
    with caplog.at_level(logging.WARNING, logger="codesearch.apertium"):
        first = analyse_query("leer el archivo de la configuración")
        second = analyse_query("leer un archivo para el usuario")
    assert {"read", "file"} <= set(first.translated) and {"read", "file"} <= set(second.translated)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "Mode spa-eng is broken" in warnings[0].getMessage()


def test_off_uses_the_dictionary_even_where_apertium_runs(
    fresh: Path, monkeypatch: pytest.MonkeyPatch, write_dictd, apertium_stand_in
) -> None:
    program = apertium_stand_in(fresh, "echo translated by apertium\n")
    folder = fresh / "dictd"
    write_dictd(folder, "freedict-spa-eng", {"leer": "read"})
    monkeypatch.setenv("CODESEARCH_FREEDICT_DIR", str(folder))
    monkeypatch.setenv("CODESEARCH_APERTIUM", str(program))
    assert "apertium" in analyse_query("leer el archivo de la configuración").translated
    translate._translator.cache_clear()
    translate.dictionary_settings.cache_clear()
    monkeypatch.setenv("CODESEARCH_APERTIUM", "off")
    assert analyse_query("leer el archivo de la configuración").translated == ("read",)


def test_a_chain_missing_a_program_is_not_used_and_status_says_so(
    fresh: Path, monkeypatch: pytest.MonkeyPatch, apertium_stand_in
) -> None:
    program = apertium_stand_in(fresh, "cat\n", modes=("spa-eng",))
    # Italian's first step runs a program this machine lacks
    (fresh / "share" / "apertium" / "modes" / "ita-spa.mode").write_text("lt-proc-nowhere x | cat\n")
    assert apertium.missing_parts("it", program) == ["lt-proc-nowhere"]
    assert apertium.missing_parts("pt", program) == ["the pt-es mode"]
    assert apertium.missing_parts("es", program) == []
    where = translate.available_dictionaries(None, fresh / "no-dictd", str(program))
    assert where["es"] is not None and where["es"].startswith("Apertium spa-eng")
    assert where["it"] is None and where["pt"] is None
    assert "apertium-es-pt" in translate.missing_dictionary_hint("pt")
    assert translate.available_dictionaries(None, fresh / "no-dictd", "off")["es"] is None


def test_a_query_apertium_cannot_read_costs_no_error(
    fresh: Path, monkeypatch: pytest.MonkeyPatch, apertium_stand_in
) -> None:
    """Markup, brackets and control characters in a query reach Apertium as text, not as its format."""
    if not INSTALLED["es"]:
        program = apertium_stand_in(fresh, "cat\n")
        monkeypatch.setenv("CODESEARCH_APERTIUM", str(program))
    hostile = "leer el [archivo] ^$ <b>de</b> la configuración \\ / @ * # \x1b[31m" + "para " * 200
    query = analyse_query(hostile)
    assert query.text == hostile.strip()
    assert len(query.gloss) <= 2 * apertium.MAX_CHARS


def test_an_empty_apertium_setting_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="apertium"):
        Settings(apertium=" ")


def test_a_burst_of_queries_runs_at_most_max_running_apertiums_at_once(
    fresh: Path, monkeypatch: pytest.MonkeyPatch, apertium_stand_in
) -> None:
    """A server answering many Spanish queries at once must not start a pipeline per request."""
    from concurrent.futures import ThreadPoolExecutor

    log = fresh / "running.log"
    # each run notes its start and end; it holds a moment so that unbounded runs would overlap
    program = apertium_stand_in(
        fresh, f"echo start >> {log}\nsleep 0.2\necho end >> {log}\necho read files\n"
    )
    monkeypatch.setenv("CODESEARCH_APERTIUM", str(program))
    monkeypatch.setattr(apertium, "_running", __import__("threading").BoundedSemaphore(2))
    queries = [f"leer el archivo número {n} de la configuración" for n in range(8)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(analyse_query, queries))
    assert all("read" in q.translated for q in results)
    running = peak = 0
    for line in log.read_text().split():
        running += 1 if line == "start" else -1
        peak = max(peak, running)
    assert 1 <= peak <= 2


def test_status_names_the_languages_apertium_translates(fresh: Path, apertium_stand_in) -> None:
    from codesearch.cli.status import _translation_line

    program = apertium_stand_in(fresh, "cat\n", modes=("spa-eng",))
    line = _translation_line(translate.available_dictionaries(None, fresh / "no-dictd", str(program)))
    assert "es (Apertium)" in line
    assert "pt (Debian's apertium-eng-spa and apertium-es-pt" in line  # what to install, said


def test_an_apertium_that_hangs_is_given_up_on_and_the_dictionary_answers(
    fresh: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    spanish_dictionary: Path,
    apertium_stand_in,
) -> None:
    program = apertium_stand_in(fresh, "sleep 30\necho too late\n")
    monkeypatch.setenv("CODESEARCH_APERTIUM", str(program))
    monkeypatch.setattr(apertium, "TIMEOUT_S", 0.5)
    with caplog.at_level(logging.WARNING, logger="codesearch.apertium"):
        query = analyse_query("leer el archivo de la configuración")
    assert {"read", "file"} <= set(query.translated)
    assert "too late" not in query.gloss
    assert any("timed out" in r.getMessage() for r in caplog.records)


def test_the_status_line_says_which_languages_lack_a_translation_apart_from_those_that_have_one() -> None:
    """``codesearch status`` printed "... it (Apertium) ru (not installed: zh: ...; ja: ...)": read as if
    Russian were the language not installed. The languages that lack a translation are a part of their own,
    each with what to install in brackets after it."""
    from codesearch.cli.status import _translation_line

    line = _translation_line(
        {
            "de": "/usr/share/dictd/freedict-deu-eng.index",
            "es": "Apertium spa-eng (/usr/bin/apertium)",
            "ru": "/usr/share/dictd/freedict-eng-rus.index",
            "zh": None,
            "ja": None,
        }
    )
    assert line.startswith("translation  de es (Apertium) ru · not installed: ")
    assert "ru (" not in line
    assert "zh (pip install 'codesearch[translate]')" in line
    assert "ja (pip install 'codesearch[translate]' and Debian's edict)" in line
