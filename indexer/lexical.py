"""Lexical terms: identifiers split into words, shared by the index side and the query side."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from codesearch.identifiers import split_identifier

# identifiers and words in any script; digits stay attached to letters (utf8, md5, base64)
_TOKEN = re.compile(r"[^\W_]+(?:_+[^\W_]+)*|_+", re.UNICODE)

# words that carry no meaning in a query about code (English only: other languages go to the dense side)
QUERY_STOPWORDS = frozenset(
    "a an the of to in on for from with by and or is are be that this it its as at into how do does "
    "which what where when we i you my our function method code find get some all any".split()
)


def name_spellings(name: str) -> list[str]:
    """How code may spell the name ``name`` is typed as: as typed, snake_case, and run together. Compared
    case-insensitively these cover camelCase, PascalCase and SCREAMING_SNAKE_CASE too, so ``addOptionGroup``
    finds ``add_option_group`` and ``stream_for`` finds ``streamFor``."""
    words = split_identifier(name)
    return list(dict.fromkeys([name, "_".join(words), "".join(words)])) if words else [name]


def lexical_terms(text: str) -> list[str]:
    """Every identifier-ish token of ``text``, lower-cased, followed by its split parts when it has any."""
    terms: list[str] = []
    for match in _TOKEN.finditer(text):
        token = match.group(0)
        if token.strip("_") == "":
            continue
        lower = token.lower()
        terms.append(lower)
        parts = split_identifier(token)
        if len(parts) > 1 or (parts and parts[0] != lower):
            terms.extend(parts)
    return terms


def terms_in(text: str, terms: Sequence[str]) -> set[str]:
    """Which of ``terms`` ``lexical_terms(text)`` holds, without splitting every identifier of ``text``: a
    term can only come from a token that holds it as a substring (why a hit matched, on every search)."""
    lower = text.lower()
    candidates = [t for t in terms if t in lower]
    if not candidates:
        return set()
    tokens = [(token.lower(), token) for token in set(_TOKEN.findall(text)) if token.strip("_")]
    whole = {low for low, _ in tokens}
    found: set[str] = set()
    for term in candidates:
        if term in whole or any(term in low and term in lexical_terms(token) for low, token in tokens):
            found.add(term)
    return found


def lexical_text(text: str) -> str:
    return " ".join(lexical_terms(text))


def query_terms(query: str) -> list[str]:
    """The distinct terms of a query, stop words removed, order kept."""
    seen: dict[str, None] = {}
    for term in lexical_terms(query):
        if term not in QUERY_STOPWORDS and len(term) > 1 or term.isdigit():
            seen.setdefault(term, None)
    return list(seen)


@dataclass(frozen=True)
class TermVariants:
    """Other forms of a query's words for the lexical side: each word of ``forms`` scores as the best of its
    own BM25 score and ``share`` x each of its forms' (a document that says "parser" for the query's
    "parsing" counts, less than one that says "parsing", and one that says both does not count twice)."""

    forms: Mapping[str, tuple[str, ...]]
    share: float


# Abbreviations code commonly uses for an English word a query spells out (C and Go above all: `buf`, `len`,
# `msg`, `attr`). Each is another form of the word (``code_abbreviations``), as an inflected form is. Not the
# abbreviations that are a language's keyword or type in every function (`def`, `func`, `fn`, `var`, `int`,
# `char`, `bool`), nor single letters.
ABBREVIATIONS: Mapping[str, tuple[str, ...]] = {
    "address": ("addr",), "allocate": ("alloc",), "allocation": ("alloc",), "argument": ("arg",),
    "array": ("arr",), "attribute": ("attr",), "authentication": ("auth",), "authorization": ("auth",),
    "binary": ("bin",), "buffer": ("buf",), "calculate": ("calc",), "callback": ("cb",),
    "certificate": ("cert",), "character": ("chr",), "column": ("col",), "command": ("cmd",),
    "compare": ("cmp",), "comparison": ("cmp",), "configuration": ("config", "cfg", "conf"),
    "connection": ("conn",), "context": ("ctx",), "control": ("ctrl",), "count": ("cnt",),
    "current": ("cur", "curr"), "database": ("db",), "decrement": ("dec",), "delete": ("del",),
    "description": ("desc",), "descriptor": ("desc", "fd"), "destination": ("dst", "dest"),
    "dictionary": ("dict",), "difference": ("diff",), "directory": ("dir",), "distinguished": ("dn",),
    "document": ("doc",), "element": ("elem", "el"), "environment": ("env",), "error": ("err",),
    "evaluate": ("eval",), "event": ("evt", "ev"), "exception": ("exc",), "execute": ("exec",),
    "expression": ("expr",), "extension": ("ext",), "format": ("fmt",), "frequency": ("freq",),
    "generate": ("gen",), "header": ("hdr",), "identifier": ("id", "ident"), "image": ("img",),
    "increment": ("inc",), "index": ("idx",), "information": ("info",), "initialize": ("init",),
    "initialise": ("init",), "iterator": ("iter",), "iterate": ("iter",), "length": ("len",),
    "library": ("lib",), "maximum": ("max",), "memory": ("mem",), "message": ("msg",), "milliseconds": ("ms",),
    "minimum": ("min",), "multiply": ("mul",), "number": ("num",), "object": ("obj",), "operation": ("op",),
    "operator": ("op",), "option": ("opt",), "package": ("pkg",), "parameter": ("param",), "pointer": ("ptr",),
    "position": ("pos",), "previous": ("prev",), "process": ("proc",), "properties": ("props",),
    "property": ("prop",), "receive": ("recv",), "rectangle": ("rect",), "reference": ("ref",),
    "register": ("reg",), "remove": ("rm",), "request": ("req",), "response": ("resp", "res"),
    "result": ("res",), "return": ("ret",), "second": ("sec",), "seconds": ("sec", "secs"), "sequence": ("seq",),
    "source": ("src",), "specification": ("spec",), "statistics": ("stats",), "string": ("str",),
    "synchronize": ("sync",), "system": ("sys",), "temporary": ("tmp", "temp"), "timestamp": ("ts",),
    "utility": ("util",), "value": ("val",), "version": ("ver",), "window": ("win", "wnd"),
}  # fmt: skip


def code_abbreviations(word: str) -> list[str]:
    """The abbreviations code uses for the English ``word`` (``ABBREVIATIONS``), of its singular too, with
    their plurals for a plural ``word``: "buffers" -> buf, bufs; "attribute" -> attr. Empty for a word the
    list does not know."""
    found = list(ABBREVIATIONS.get(word, ()))
    singular = ""
    if word.endswith("ies") and len(word) > 4:
        singular = word[:-3] + "y"
    elif word.endswith(("sses", "xes", "ches", "shes")):
        singular = word[:-2]
    elif word.endswith("s") and not word.endswith("ss"):
        singular = word[:-1]
    if singular and singular in ABBREVIATIONS:
        for short in ABBREVIATIONS[singular]:
            found += [short, short + "s"]
    return [short for short in dict.fromkeys(found) if short != word]


_VOWELS = frozenset("aeiou")
# (suffix, what replaces it) to take an English word back to its base: "copies" -> "copy", "parsing" -> "pars"
_ENDINGS = (
    ("ies", "y"), ("ied", "y"), ("sses", "ss"), ("xes", "x"), ("ches", "ch"), ("shes", "sh"), ("es", "e"),
    ("s", ""), ("ing", ""), ("ed", ""), ("ers", ""), ("er", ""),
)  # fmt: skip


def english_variants(word: str) -> list[str]:
    """Inflected forms of an English ``word`` a code base may use instead (plurals, -ed, -ing, -er): "parsing"
    -> parse, parsed, parser, parses, ...; "copies" -> copy, copied, ... Rules, no dictionary, so some forms
    are no words: the caller keeps those its index holds. Words under four letters, or not ASCII letters,
    have none."""
    if len(word) < 4 or not (word.isascii() and word.isalpha()):
        return []
    bases = {word}
    for suffix, replacement in _ENDINGS:
        if (
            not word.endswith(suffix)
            or len(word) - len(suffix) < 3
            or (suffix == "s" and word.endswith("ss"))
        ):
            continue
        base = word[: len(word) - len(suffix)] + replacement
        bases.add(base)
        if suffix in ("ing", "ed", "er", "ers"):
            bases.add(base + "e")  # parsing -> parse
            if base[-1] == base[-2] and base[-1] not in _VOWELS and base[-1] not in "lsz":
                bases.add(base[:-1])  # stopped -> stop
    forms: set[str] = set()
    for base in bases:
        forms.update((base, base + "s", base + "es", base + "ed", base + "ing", base + "er", base + "ers"))
        if base.endswith("e"):
            forms.update((base + "d", base[:-1] + "ing", base + "r", base + "rs"))
        if base.endswith("y") and len(base) > 3 and base[-2] not in _VOWELS:
            forms.update((base[:-1] + "ies", base[:-1] + "ied"))
        if (
            len(base) >= 3
            and base[-1] not in _VOWELS
            and base[-1] not in "wxy"
            and base[-2] in _VOWELS
            and base[-3] not in _VOWELS
        ):
            forms.update((base + base[-1] + "ed", base + base[-1] + "ing", base + base[-1] + "er"))
    forms.discard(word)
    return sorted(forms)
