"""A programming glossary written for codesearch: the words a Korean, Russian, Chinese, Japanese, French,
German, Spanish, Portuguese or Italian developer types into a search box, with the English words code uses for them ("문자열" string,
"разобрать" parse, "удалить" delete remove, "配置" config, "tableau" array).

No free Korean-English dictionary exists to read Korean queries, and the Russian dictionaries Debian ships are
English-Russian ones read backwards, which miss common programming words ("файл", "создать", "сравнить") and
give rare senses for others ("строка" by-line, "удалить" prowess, "данные" give). The other languages'
dictionaries are general ones, whose first senses are often not the programming ones ("配置" deploy,
"tableau" painting). The glossary comes before them all (Spanish, Portuguese and Italian go to Apertium first,
where it is installed), and they answer the words it lacks. It was written for this project from the 2,500
words most files of the benchmark corpus contain (identifier parts and comment words), never from the
benchmark's queries, and ships in the wheel (Apache-2.0), so it works on the plain install.

One file per language, ``<language>.tsv`` beside this module: a source word, a TAB, then up to four English
words, the commonest programming sense first. How a query word is found:

- Russian: entries are dictionary forms; a query word is looked up by its lemma (pymorphy3, in the
  ``translate`` extra, where installed), then as written, then by a crude stem (the dictd dictionaries' suffix
  stripping). A word the glossary lacks goes to the dictd dictionaries (``codesearch.freedict``).
- Korean: entries are the forms words begin with (nouns, the noun of a 하다 verb, verb stems); a written word
  (an 어절) is cut greedily into the longest entries it begins with ("설정파일을" -> 설정, 파일) and the rest
  (a particle, a verb ending) dropped.
- French, German, Spanish, Portuguese and Italian: as written, without accents, by a crude stem (the dictd
  dictionaries' suffix stripping), and a German word as a compound of two entries; the dictd dictionaries
  answer the words it lacks.
- Chinese and Japanese: a word as the tokenizer (jieba, janome) cuts it, or the longest entries that make it
  up, before CC-CEDICT or EDICT. jieba is told the glossary's words, so it keeps them whole; janome's tokens
  are joined back where two to four of them make an entry ("文字" + "列" -> 文字列). Without those tokenizers
  and dictionaries (the plain install), the glossary's words are found in the query by longest match, left to
  right.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from codesearch.glosses import WordGloss

log = logging.getLogger(__name__)

LANGUAGES = frozenset({"ko", "ru", "zh", "ja", "fr", "de", "es", "pt", "it"})
# whether queries are read with the glossary (the quality benchmark turns it off for its baseline)
GLOSSARY = True
MAX_WORDS = 4  # the English words one entry gives, at most
# a Korean piece after the first must be this long, unless it ends the word ("키값": key, value): a shorter
# one is more often a particle or an ending than a word
KOREAN_MIN_NEXT = 2
# particles and endings that follow a Korean word: never a piece of it, even where an entry begins so
KOREAN_TAILS = frozenset(
    "이 가 을 를 은 는 의 에 에서 에게 로 으로 와 과 도 만 까지 부터 보다 처럼 하기 하는 하고 하여 해서 한 할 함 "
    "한다 합니다 된 되는 되어 될 됨 이다 인 일".split()
)
_HANGUL = re.compile("[\uac00-\ud7a3]")
_WORDS = re.compile(r"[^\W_]+")


@dataclass
class Glossary:
    """A language's entries: source word -> its English words, best first."""

    language: str
    entries: dict[str, tuple[str, ...]]
    _stems: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False)
    _longest: int = 0

    def __post_init__(self) -> None:
        self._longest = max((len(w) for w in self.entries), default=0)
        from codesearch.freedict import SUFFIXES, fold, stem

        if self.language in SUFFIXES:
            for word, english in self.entries.items():
                self._stems.setdefault(stem(word, self.language), english)
                folded = fold(word)
                if folded != word:
                    self._stems.setdefault(stem(folded, self.language), english)

    @classmethod
    def parse(cls, language: str, lines: Iterable[str]) -> Glossary:
        """A glossary from ``lines`` in the file format (``#`` comments and blank lines skipped; the first
        line of a word wins)."""
        entries: dict[str, tuple[str, ...]] = {}
        for line in lines:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            word, _, english = line.partition("\t")
            words = tuple(dict.fromkeys(english.lower().split()))[:MAX_WORDS]
            word = word.strip().lower()
            if word and words:
                entries.setdefault(word, words)
        return cls(language, entries)

    def lookup(self, word: str) -> tuple[str, ...]:
        """A word's English words (``()``: not in the glossary). Russian: by its likeliest lemma, as written,
        by any other lemma it may have (pymorphy3 guesses slang it does not know differently form by form);
        without pymorphy3, by stem, which is cruder ("после", after, and "послать", send, share one). French
        and German: as written, without accents, by stem (the dictd dictionaries' suffix stripping), and a
        German word as a compound of two entries."""
        from codesearch.freedict import russian_lemmas, stem

        lower = word.lower()
        if self.language == "ru":
            lemmas = russian_lemmas(lower)
            for key in (*lemmas[:1], lower, *lemmas[1:]):
                if key in self.entries:
                    return self.entries[key]
            return () if lemmas else self._stems.get(stem(lower, "ru"), ())
        return self.lookup_simple(lower) or (self._compound(lower) if self.language == "de" else ())

    def _compound(self, word: str) -> tuple[str, ...]:
        """A German compound of two entries (a linking -s- allowed): the modifier's first two words, then the
        head's ("konfigurationsdatei": config, configuration, file)."""
        for cut in range(len(word) - 3, 2, -1):
            head = self.lookup_simple(word[cut:])
            if not head:
                continue
            left = word[:cut]
            for modifier in (left, left[:-1] if left.endswith("s") else ""):
                found = self.lookup_simple(modifier) if len(modifier) > 2 else ()
                if found:
                    return (*found[:2], *head[:2])
        return ()

    def lookup_simple(self, word: str) -> tuple[str, ...]:
        """``lookup`` without the compound step: as written, without accents, then its stem as an entry's stem
        or as an entry ("funktionen" -> funktion)."""
        from codesearch.freedict import SUFFIXES, fold, stem

        for key in (word, fold(word)):
            if key in self.entries:
                return self.entries[key]
        if self.language not in SUFFIXES:
            return ()
        for key in (stem(word, self.language), stem(fold(word), self.language)):
            if key in self._stems:
                return self._stems[key]
            if key in self.entries:
                return self.entries[key]
        return ()

    def _longest_at(self, text: str, start: int) -> str | None:
        """The longest entry that ``text`` has at ``start`` (None: no entry begins there)."""
        for end in range(min(len(text), start + self._longest), start, -1):
            if text[start:end] in self.entries:
                return text[start:end]
        return None

    def scan(self, text: str) -> list[WordGloss]:
        """The entries found in ``text`` (a run of Chinese or Japanese without spaces) from left to right,
        the longest at each place; what no entry begins (a particle, an ending) is passed over."""
        out: list[WordGloss] = []
        start = 0
        while start < len(text):
            found = self._longest_at(text, start)
            if found is None:
                start += 1
                continue
            out.append(WordGloss(found, self.entries[found]))
            start += len(found)
        return out

    def cover(self, word: str) -> list[WordGloss] | None:
        """A Chinese or Japanese word (as its tokenizer cut it): itself, when an entry, else the longest
        entries it is made of, when they cover it all; None: the glossary does not cover it."""
        out: list[WordGloss] = []
        start = 0
        while start < len(word):
            found = self._longest_at(word, start)
            if found is None:
                return None
            out.append(WordGloss(found, self.entries[found]))
            start += len(found)
        return out or None

    def pieces(self, word: str) -> list[WordGloss]:
        """A Korean written word cut into the longest entries it begins with, in order ([]: its beginning is
        no entry)."""
        out: list[WordGloss] = []
        start = 0
        while start < len(word) and word[start:] not in KOREAN_TAILS:
            for end in range(min(len(word), start + self._longest), start, -1):
                piece = word[start:end]
                short = out and end - start < KOREAN_MIN_NEXT and end < len(word)
                if piece in self.entries and not short:
                    out.append(WordGloss(piece, self.entries[piece]))
                    start = end
                    break
            else:
                break
        return out


def path(language: str) -> Path:
    return Path(__file__).with_name(f"{language}.tsv")


def available(language: str) -> bool:
    """Whether ``language``'s glossary is read (``load`` finds it), without reading it."""
    return GLOSSARY and language in LANGUAGES and path(language).is_file()


def load(language: str) -> Glossary | None:
    """The shipped glossary of ``language`` (None: there is none, its file is unreadable, or ``GLOSSARY`` is
    off)."""
    return _load(language) if GLOSSARY and language in LANGUAGES else None


@functools.cache
def _load(language: str) -> Glossary | None:
    try:
        with open(path(language), encoding="utf-8") as lines:
            return Glossary.parse(language, lines)
    except OSError as error:
        log.warning("the %s glossary could not be read: %s", language, error)
        return None


def korean_translator(glossary: Glossary) -> Callable[[str], list[WordGloss]]:
    """A function from a Korean query to its words with their English words: each Hangul word cut into
    glossary entries (kept whole with none when it begins with no entry), every other word kept with none (a
    name the query quotes, JSON, FormData, is a term already)."""

    def translate(text: str) -> list[WordGloss]:
        out: list[WordGloss] = []
        for word in _WORDS.findall(text):
            pieces = glossary.pieces(word) if _HANGUL.match(word) else []
            out.extend(pieces or [WordGloss(word, ())])
        return out

    return translate
