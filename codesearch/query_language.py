"""The human language a query is written in, told cheaply (no model, no file): by script for Chinese,
Japanese, Korean and Russian, by function words and letters for German, French, Spanish, Portuguese and Italian.

It decides only whether a dictionary translation runs (``codesearch.translate``), so it answers ``None``
whenever it is unsure, and always for English: a query without a foreign function word, a foreign letter or
German's noun-then-verb shape is left alone.
"""

from __future__ import annotations

import re

# function words that mark a language; words that are also English ("a", "in", "no", "come", "as") are left
# out so an English query never scores
STOPWORDS: dict[str, frozenset[str]] = {
    "de": frozenset(
        "der die das den dem des ein eine einen einem einer eines und oder nicht mit von zu zum zur für auf "
        "aus bei nach über unter wenn ob dass ist sind wird werden alle alles ohne durch gegen als wie auch "
        "noch nur schon sich im vom ins beim bis dann mehr neue neuen jede jeden jedes einen sowie wird soll".split()
    ),
    "fr": frozenset(
        "le la les un une des du de et ou pas avec pour dans sur par qui que est sont ce cette ces au aux "
        "sa ses leur leurs sans entre vers chaque tous tout toutes depuis lorsque quand si elle il ne qu "
        "selon afin puis déjà été être".split()
    ),
    "es": frozenset(
        "el la los las un una unos unas y de del al en con por para que es son si se su sus sin entre "
        "cuando como cada todos todas este esta estos estas hay otro otra muy según qué cuál desde hasta".split()
    ),
    "pt": frozenset(
        "os um uma uns umas de do da dos das na nos nas em com por para que é são se seu sua seus suas sem "
        "entre quando como cada todos todas este esta isso ao aos pelo pela pelos pelas antes depois "
        "não já até ou".split()
    ),
    "it": frozenset(
        "il lo la gli le un una uno di del della dei delle degli al alla ai alle da dal dalla dai e o con "
        "che è sono se su sul sulla tra fra senza quando ogni tutti tutte questo questa ed ad già nel "
        "nella nei negli dello".split()
    ),
}
# English function words: a query with as many of these as of another language's is English
ENGLISH = frozenset(
    "the a an of to in on for with from by and or is are be that this it its as at into when if not all "
    "each every which how what without using given".split()
)
# letters each language uses and English does not
LETTERS: dict[str, str] = {
    "de": "äöüß",
    "fr": "éèêëàâçîïôûùœ",
    "es": "ñáíóúé¿¡",
    "pt": "ãõçâêôáéíóú",
    "it": "àèéìòù",
}
# word endings typical of each language: they only break a tie between languages ("il": French or Italian)
ENDINGS: dict[str, tuple[str, ...]] = {
    "de": ("en", "ung", "keit", "heit", "lich", "isch"),
    "fr": ("er", "ir", "re", "eau", "eux", "ent", "é", "ée", "és"),
    "es": ("ar", "er", "ir", "ción", "ciones", "dad", "o", "os", "as"),
    "pt": ("ar", "er", "ir", "ção", "ções", "dade", "o", "os", "as"),
    "it": ("are", "ere", "ire", "zione", "zioni", "i", "o", "e"),
}
# English words that end like a German infinitive, so "Refresh Access Token" is not read as German
_ENGLISH_EN = frozenset("token open hidden written broken screen often given when then even between".split())
_WORD = re.compile(r"[^\W\d_]+")
# URLs, paths and dotted names ("github.com", "os.path"): their pieces are not words of the query's language
_PATHS = re.compile(r"\S*[/.:]\w\S*")
# French elisions: l'objet, d'un, qu'il, n'est
_ELISION = re.compile(r"(?<![^\W\d_])(?:[ldjnsc]|qu)'(?=[^\W\d_])", re.IGNORECASE)


def _is_han(c: str) -> bool:
    return "\u4e00" <= c <= "\u9fff" or "\u3400" <= c <= "\u4dbf"


def _script_language(text: str) -> str | None:
    """``ja``/``zh``/``ko``/``ru`` when the query's script says so, Ukrainian: ``""`` (no dictionary), None:
    Latin or mixed, decided by words."""
    han = kana = False
    cyrillic = latin = 0
    for c in text:
        if "\u3040" <= c <= "\u30ff":
            kana = True
        elif _is_han(c):
            han = True
        elif "\uac00" <= c <= "\ud7af":  # Hangul: Korean (codesearch's own glossary reads it)
            return "ko"
        elif "\u0400" <= c <= "\u04ff":
            if c in "іїєґІЇЄҐ":  # Ukrainian
                return ""
            cyrillic += 1
        elif c.isalpha():
            latin += 1
    if kana:
        return "ja"
    if han:
        return "zh"
    if cyrillic and cyrillic >= latin:
        return "ru"
    return None


def _german_shape(words: list[str]) -> bool:
    """A capitalised noun and a lower-case infinitive last ("HTTP-Antwort zeilenweise lesen"): how German
    queries without a function word look."""
    last = words[-1]
    if len(words) < 2 or not last.islower() or last in _ENGLISH_EN or len(last) < 5:
        return False
    if not re.search(r"(?:[^e]en|eln|ern)$", last):
        return False
    return any(w[0].isupper() and w[1:].islower() and len(w) > 3 for w in words[:-1])


def detect_language(text: str) -> str | None:
    """The ISO 639-1 code of ``text``'s language among those a dictionary may cover (zh, ja, ko, ru, de,
    fr, es, pt, it), or None: English, another language, or not sure."""
    by_script = _script_language(text)
    if by_script is not None:
        return by_script or None
    text = _PATHS.sub(" ", text.replace("’", "'"))
    words = _WORD.findall(text.replace("'", " "))
    if not words:
        return None
    lower = [w.lower() for w in words]
    english = sum(w in ENGLISH for w in lower)
    scores = {lang: sum(w in stop for w in lower) for lang, stop in STOPWORDS.items()}
    letters = set("".join(lower))
    for lang, marks in LETTERS.items():
        scores[lang] += len(letters & set(marks))
    scores["fr"] += len(_ELISION.findall(text))
    if _german_shape(words):  # as strong as two function words: "Bitarray in Hex-String umwandeln"
        scores["de"] += 2
    endings = {lang: sum(w.endswith(ENDINGS[lang]) for w in lower) for lang in scores}
    best = max(scores, key=lambda lang: (scores[lang], endings[lang]))  # then the first in STOPWORDS
    if scores[best] == 0 or scores[best] <= english:
        return None
    return best
