"""English words for German, French, Spanish, Portuguese, Italian and Russian words, from the dictd-format
dictionaries Debian ships (FreeDict ``dict-freedict-deu-eng`` … ``-ita-eng``; for Russian the English-Russian
``dict-freedict-eng-rus`` and ``mueller7-dict`` read backwards, Debian having no Russian-English one).

They are GPL: codesearch ships none of their data and reads them only where the user installed them
(``/usr/share/dictd`` or the ``freedict_dir`` setting, ``CODESEARCH_FREEDICT_DIR``). A dictionary is parsed
once into an SQLite file in the user cache folder, named after its sources' sizes and times (so a changed
dictionary is compiled again); a query then costs a few indexed look-ups, not a parse.

A word is looked up as written (lower-cased), then without accents, then by a crude stem (the same suffix
stripping applied to the dictionary's headwords), then, for German, as a compound of two known words. A
Russian word is looked up by its lemma first (pymorphy3, in the ``translate`` extra, where installed).
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import logging
import os
import re
import sqlite3
import threading
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codesearch.glosses import WordGloss, english_words
from codesearch.query_language import STOPWORDS

log = logging.getLogger(__name__)

DICTD_DIRS = (Path("/usr/share/dictd"),)
# (file name without .index/.dict.dz, direction): "forward" translates into English, "backward" from it
SOURCES: dict[str, tuple[tuple[str, str], ...]] = {
    "de": (("freedict-deu-eng", "forward"),),
    "fr": (("freedict-fra-eng", "forward"),),
    "es": (("freedict-spa-eng", "forward"),),
    "pt": (("freedict-por-eng", "forward"),),
    "it": (("freedict-ita-eng", "forward"),),
    "ru": (("freedict-eng-rus", "backward"), ("mueller7", "backward")),
}
DEBIAN_PACKAGES = {
    "de": "dict-freedict-deu-eng",
    "fr": "dict-freedict-fra-eng",
    "es": "dict-freedict-spa-eng",
    "pt": "dict-freedict-por-eng",
    "it": "dict-freedict-ita-eng",
    "ru": "dict-freedict-eng-rus or mueller7-dict",
}
CACHE_VERSION = 3
# the English words one source word adds, at most
MAX_WORDS_PER_WORD = 4
# suffixes a crude stemmer strips (longest first), per language: inflection, not derivation
SUFFIXES: dict[str, tuple[str, ...]] = {
    "de": tuple("ungen ern en er es em e n s".split()),
    "fr": tuple("ements ement ées ée és er ir re es e s x".split()),
    "es": tuple("aciones ación ando iendo ados idos ado ido ar er ir es as os a o e s".split()),
    "pt": tuple("ações ação ando endo indo ados idos ado ido ar er ir ões es as os a o e s".split()),
    "it": tuple("azioni azione ando endo ati ato iti ito are ere ire i e a o".split()),
    "ru": tuple(
        "ировать овать иться аться ться ить ать ять еть уть ами ями ого его ому ему ыми ими ет ит ют ут ят ых "
        "их ой ей ий ый ая яя ое ее ую юю ов ев ам ям ах ях ом ем ия ие ью а я о е ы и у ю ь й".split()
    ),
}
MIN_STEM = 3

# headword -> its entries' English words, in the dictionary's order
Entries = dict[str, list[tuple[str, ...]]]


@dataclass(frozen=True)
class Source:
    name: str
    direction: str
    index: Path
    data: Path


def find_sources(language: str, folder: Path | None) -> list[Source]:
    """The installed dictionaries for ``language`` (in ``folder``, else Debian's dictd folder)."""
    folders = [folder] if folder is not None else list(DICTD_DIRS)
    found = []
    for name, direction in SOURCES.get(language, ()):
        for where in folders:
            index, data = where / f"{name}.index", where / f"{name}.dict.dz"
            if index.is_file() and data.is_file():
                found.append(Source(name, direction, index, data))
                break
    return found


def fold(word: str) -> str:
    """``word`` without accents (ë -> e, ñ -> n, й -> и); ß stays."""
    if word.isascii():
        return word
    return "".join(c for c in unicodedata.normalize("NFD", word) if not unicodedata.combining(c))


def stem(word: str, language: str) -> str:
    """``word`` with its longest known inflection suffix stripped (at least ``MIN_STEM`` letters kept)."""
    for suffix in SUFFIXES[language]:
        if word.endswith(suffix) and len(word) - len(suffix) >= MIN_STEM:
            return word[: -len(suffix)]
    return word


_B64 = {c: i for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")}


def _b64(text: str) -> int:
    """A dictd index number (offset, length): base 64, most significant digit first."""
    value = 0
    for c in text:
        value = value * 64 + _B64[c]
    return value


def read_dictd(source: Source) -> Iterable[tuple[str, str]]:
    """(headword, entry text) of every entry of a dictd dictionary, metadata entries skipped."""
    with gzip.open(source.data) as f:  # dictzip is gzip with an index of its chunks
        data = f.read()
    with open(source.index, encoding="utf-8", errors="replace") as lines:
        for line in lines:
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 3 or parts[0].startswith("00database") or parts[0].startswith("00-database"):
                continue
            offset, length = _b64(parts[1]), _b64(parts[2])
            yield parts[0], data[offset : offset + length].decode("utf-8", errors="replace")


_NOTES = re.compile(r"\([^)]*\)|\[[^\]]*\]|<[^>]*>|\{[^}]*\}|/[^/\n]*/")
_SKIPPED_LINE = re.compile(r'^\s*(?:"|Synonyms?:|Antonyms?:|see:|Note:|Syn\b|_Syn)')
_SENSE_NUMBER = re.compile(r"^\s*\d+\.\s*")


def forward_words(entry: str) -> tuple[str, ...]:
    """The English words of a FreeDict X-English entry: its sense lines (numbered or not), notes, examples,
    synonyms and cross-references left out."""
    glosses = []
    for line in entry.split("\n")[1:]:
        if not line.strip() or _SKIPPED_LINE.match(line):
            continue
        glosses.extend(re.split(r"[,;]", _NOTES.sub(" ", _SENSE_NUMBER.sub("", line))))
    return english_words(glosses)


_LABEL = re.compile(r"\b_[^\s.]+\.?")
_CYRILLIC_WORD = re.compile(r"^[\u0400-\u04ff-]+$")


def backward_pairs(headword: str, entry: str, senses: int = 2) -> list[tuple[str, int]]:
    """(Russian word, rank) for an English-Russian entry: the one-word translations of its first
    ``senses`` senses, before the first ``;`` of each (rank: the order they come in)."""
    if not re.fullmatch(r"[a-z][a-z-]+", headword):
        return []
    body = _LABEL.sub(" ", _NOTES.sub(" ", entry.split("\n", 1)[1] if "\n" in entry else ""))
    parts = re.split(r"(?:^|\s)\d+[.)]\s", body)
    numbered = parts[1:] if len(parts) > 1 else parts
    out: list[tuple[str, int]] = []
    for sense in numbered[:senses]:
        first = sense.split(";")[0]
        for item in first.split(","):
            word = item.strip().lower()
            if _CYRILLIC_WORD.match(word):
                out.append((word, len(out)))
    return out


def _ranked(entries: list[tuple[str, ...]], frequency: Counter[str]) -> tuple[str, ...]:
    """A headword's English words: one entry in the dictionary's order; several (German has one per sense)
    by how many of its entries give a word, then by how common the word is in the whole dictionary."""
    if len(entries) == 1:
        return entries[0][:MAX_WORDS_PER_WORD]
    given: Counter[str] = Counter(w for entry in entries for w in set(entry))
    first = {w: i for i, w in reversed(list(enumerate(w for entry in entries for w in entry)))}
    order = sorted(given, key=lambda w: (-given[w], -frequency[w], first[w]))
    return tuple(order[:MAX_WORDS_PER_WORD])


def compile_entries(sources: list[Source]) -> Entries:
    """Every headword's English words, from all of ``sources`` (lower-cased single-word headwords)."""
    entries: Entries = {}
    backward: dict[str, list[tuple[int, int, str]]] = {}
    for order, source in enumerate(sources):
        for headword, entry in read_dictd(source):
            if source.direction == "forward":
                key = headword.lower()
                words = forward_words(entry)
                if words and " " not in key:
                    entries.setdefault(key, []).append(words)
            else:
                for russian, rank in backward_pairs(headword.lower(), entry):
                    backward.setdefault(russian, []).append((order, rank, headword.lower()))
    for russian, found in backward.items():
        # earlier positions in an entry, then earlier sources, then shorter (commoner) English words first
        ranked = sorted(set(found), key=lambda t: (t[1], t[0], len(t[2]), t[2]))
        entries[russian] = [tuple(dict.fromkeys(english for _, _, english in ranked))]
    return entries


def _build(path: Path, language: str, sources: list[Source]) -> None:
    entries = compile_entries(sources)
    frequency: Counter[str] = Counter(w for found in entries.values() for entry in found for w in entry)
    exact: dict[str, str] = {}
    stems: dict[str, str] = {}
    for headword in sorted(entries, key=lambda h: (len(h), h)):  # a shorter headword owns a shared stem
        words = "\t".join(_ranked(entries[headword], frequency))
        exact.setdefault(headword, words)
        for key in (stem(headword, language), stem(fold(headword), language)):
            stems.setdefault(key, words)
    for headword, words in list(exact.items()):
        exact.setdefault(fold(headword), words)
    partial = path.with_suffix(f".{os.getpid()}.tmp")
    partial.unlink(missing_ok=True)
    db = sqlite3.connect(partial)
    try:
        db.execute("CREATE TABLE exact (word TEXT PRIMARY KEY, english TEXT) WITHOUT ROWID")
        db.execute("CREATE TABLE stem (word TEXT PRIMARY KEY, english TEXT) WITHOUT ROWID")
        db.executemany("INSERT INTO exact VALUES (?, ?)", exact.items())
        db.executemany("INSERT INTO stem VALUES (?, ?)", stems.items())
        db.commit()
    finally:
        db.close()
    os.replace(partial, path)


def compiled_path(language: str, sources: list[Source], cache_dir: Path) -> Path:
    """Where the compiled dictionary of ``sources`` lives: named after their sizes and times."""
    parts = []
    for source in sources:
        for file in (source.index, source.data):
            stat = file.stat()
            parts.append(f"{stat.st_size}-{stat.st_mtime_ns}")
    key = hashlib.sha1("|".join(parts).encode()).hexdigest()[:16]
    return cache_dir / f"{language}-dictd-{CACHE_VERSION}-{MAX_WORDS_PER_WORD}-{key}.sqlite"


class CompiledDictionary:
    """A compiled dictionary, read-only, shared by threads (one lock around the connection)."""

    def __init__(self, path: Path, language: str) -> None:
        self.language = language
        self._db = sqlite3.connect(f"{path.as_uri()}?mode=ro&immutable=1", uri=True, check_same_thread=False)
        self._lock = threading.Lock()

    def _get(self, table: str, word: str) -> tuple[str, ...] | None:
        with self._lock:
            row = self._db.execute(f"SELECT english FROM {table} WHERE word = ?", (word,)).fetchone()  # noqa: S608
        return tuple(row[0].split("\t")) if row else None

    def lookup(self, word: str) -> tuple[str, ...]:
        """The English words for ``word``: a Russian word by its lemma first (when pymorphy3 is installed),
        then as written, without accents, by stem, as a German compound."""
        lower = word.lower()
        lemma = russian_lemma(lower) if self.language == "ru" else None
        if lemma:
            found = self._get("exact", lemma)
            if found:
                return found
        for table, key in (
            ("exact", lower),
            ("exact", fold(lower)),
            ("stem", stem(lower, self.language)),
            ("stem", stem(fold(lower), self.language)),
        ):
            found = self._get(table, key)
            if found:
                return found
        return self._compound(lower) if self.language == "de" else ()

    def _compound(self, word: str) -> tuple[str, ...]:
        """A German compound of two known words (with a linking -s- allowed): the head's words last."""
        for cut in range(len(word) - 4, 3, -1):
            left, right = word[:cut], word[cut:]
            head = self._get("exact", right) or self._get("stem", stem(right, "de"))
            if not head:
                continue
            for modifier in (left, left[:-1] if left.endswith("s") else None):
                found = modifier and (self._get("exact", modifier) or self._get("stem", stem(modifier, "de")))
                if found:
                    return found[:2] + head[:2]
        return ()


@functools.cache
def _russian_morphology() -> Any:
    """pymorphy3's analyser (MIT; its Russian dictionaries in ``pymorphy3-dicts-ru``), loaded once (0.05 s);
    None when not installed (the ``translate`` extra installs it)."""
    try:
        import pymorphy3  # type: ignore[import-not-found,import-untyped,unused-ignore]
    except ImportError:
        return None
    return pymorphy3.MorphAnalyzer()


def russian_lemma(word: str) -> str | None:
    """A Russian word's dictionary form ("частоту" -> "частота", "времени" -> "время"), by its likeliest
    parse; None without pymorphy3. Dev MRR@10 of the Russian hand-written queries 0.145 -> 0.245
    (benchmarks/results/russian-lemmas-2026-12-06.md)."""
    lemmas = russian_lemmas(word)
    return lemmas[0] if lemmas else None


def russian_lemmas(word: str) -> tuple[str, ...]:
    """Every dictionary form pymorphy3 finds for a Russian word, likeliest first (empty: without pymorphy3)."""
    morphology = _russian_morphology()
    if morphology is None:
        return ()
    return tuple(dict.fromkeys(str(parse.normal_form) for parse in morphology.parse(word)))


def open_dictionary(language: str, folder: Path | None, cache_dir: Path) -> CompiledDictionary | None:
    """The compiled dictionary for ``language``, compiled first if its sources are new (None: none is
    installed)."""
    sources = find_sources(language, folder)
    if not sources:
        return None
    path = compiled_path(language, sources, cache_dir)
    if not path.is_file():
        log.info("compiling the %s dictionary from %s (once)", language, ", ".join(s.name for s in sources))
        cache_dir.mkdir(parents=True, exist_ok=True)
        _build(path, language, sources)
    return CompiledDictionary(path, language)


def translator(
    language: str,
    folder: Path | None,
    cache_dir: Path,
    first: Callable[[str], tuple[str, ...]] | None = None,
) -> Callable[[str], list[WordGloss]] | None:
    """A function from a ``language`` query to its words with their English words (stop words skipped;
    a word of code, which is not looked up, with none), or None when no dictionary for it is installed.
    ``first`` (the glossary's lookup, ``codesearch.glossary``) is asked before the dictionary; with it there
    is a translator even where no dictionary is installed."""
    dictionary = open_dictionary(language, folder, cache_dir)
    if dictionary is None and first is None:
        return None

    def lookup(word: str) -> tuple[str, ...]:
        found = first(word) if first is not None else ()
        return found or (dictionary.lookup(word) if dictionary is not None else ())

    stop = STOPWORDS.get(language, frozenset()) | SHARED_STOPWORDS | RUSSIAN_STOPWORDS

    def translate(text: str) -> list[WordGloss]:
        out: list[WordGloss] = []
        for word in re.findall(r"[^\W_]+", text.replace("'", " ").replace("’", " ")):
            if len(word) < 2 or word.lower() in stop:
                continue
            # names the query quotes (JSON, FormData, base64) are terms already: not looked up
            out.append(WordGloss(word, () if _is_code_word(word) else lookup(word)))
        return out

    return translate


def _is_code_word(word: str) -> bool:
    """An acronym, a camel-case name or a word with digits: code, not the query's language."""
    return any(c.isdigit() for c in word) or any(c.isupper() for c in word[1:])


# function words the detection leaves out because English has them too; not worth translating either
SHARED_STOPWORDS = frozenset("a e o i in an am as no so come per con non man was".split())
RUSSIAN_STOPWORDS = frozenset(
    "и в во на с со по из от до для за к ко о об у не ни же ли или а но что как если то это этот эта эти "
    "его её их все всё при без через между чтобы когда".split()
)
