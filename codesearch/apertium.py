"""Spanish, Portuguese and Italian queries said in English by Apertium, the rule-based machine translator,
where the user installed it (Debian: ``apertium-eng-spa``, ``apertium-es-pt``, ``apertium-spa-ita`` and
``cg3``; GPL, so never part of codesearch's wheel; it runs as a separate program).

FreeDict's Spanish, Portuguese and Italian dictionaries are small (3,400-10,700 headwords: "generar",
"comprobar", "decodificar" are not in them); Apertium knows the words and their inflections and says the
whole query in English ("comprobar si un bitarray es subconjunto de otro" -> "Check if a bitarray is subset
of another"), which is what the index's English-only model reads. Debian has Apertium data from Spanish to
English only, so Portuguese and Italian go through Spanish (``CHAINS``). French stays with its dictionary:
through Spanish it measured worse (benchmarks/results/apertium-2026-12-06.md).

One query costs one ``apertium`` run per step of its chain (about 0.1 s each); the last few translations
are kept for the process (a server asked the same query again). A failure (the program missing at run time,
an error, a timeout) is said once per language, at WARNING, and the query falls back to the dictionary.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path

from codesearch.glosses import WordGloss, english_words

log = logging.getLogger(__name__)

# the Apertium modes that take a query from its language to English, in order
CHAINS: dict[str, tuple[str, ...]] = {
    "es": ("spa-eng",),
    "pt": ("pt-es", "spa-eng"),
    "it": ("ita-spa", "spa-eng"),
}
DEBIAN_PACKAGES = {
    "es": "apertium-eng-spa",
    "pt": "apertium-eng-spa and apertium-es-pt",
    "it": "apertium-eng-spa, apertium-spa-ita and cg3",
}
TIMEOUT_S = 10.0
# Apertium runs at once in one process, at most (a server under a burst of Spanish queries would otherwise
# start a pipeline of ten programs per request); the others wait their turn
MAX_RUNNING = max(1, os.cpu_count() or 1)
_running = threading.BoundedSemaphore(MAX_RUNNING)
# a longer query is cut: it is a search, not a document to translate
MAX_CHARS = 500
# Apertium marks a word it does not know (*), cannot generate (#) or has no translation for (@)
_MARK = re.compile(r"(?<!\w)[*#@](?=\w)")
_warned: set[str] = set()
_warned_lock = threading.Lock()


def find(executable: str = "apertium") -> Path | None:
    """The ``apertium`` program (a name looked up on PATH, or a path), None when absent."""
    found = shutil.which(executable)
    return Path(found) if found else None


def program(setting: str) -> Path | None:
    """The program the ``apertium`` setting names: ``auto`` the one on PATH, ``off`` none, else a path."""
    if setting == "off":
        return None
    return find("apertium" if setting == "auto" else setting)


def modes_dir(program: Path) -> Path:
    """Where an installed ``apertium`` keeps its modes: ``<prefix>/share/apertium/modes``."""
    return program.resolve().parent.parent / "share" / "apertium" / "modes"


def missing_parts(language: str, program: Path | None) -> list[str]:
    """What ``language``'s chain lacks: mode files, or programs its pipelines run ([]: it can run)."""
    if program is None:
        return ["apertium"]
    missing = []
    for mode in CHAINS[language]:
        file = modes_dir(program) / f"{mode}.mode"
        try:
            pipeline = file.read_text(encoding="utf-8", errors="replace")
        except OSError:
            missing.append(f"the {mode} mode")
            continue
        for stage in pipeline.split("|"):
            words = stage.split()
            if words and not shutil.which(words[0]):
                missing.append(words[0])
    return missing


def parse(output: str) -> tuple[tuple[WordGloss, ...], str]:
    """Apertium's English output as words with their lexical terms (an unknown word kept as written, with
    none) and as a sentence, marks removed."""
    glosses: list[WordGloss] = []
    tokens = []
    for token in output.split():
        word = _MARK.sub("", token)  # "*man", and inside a token: "percent-*encoding"
        tokens.append(word)
        if _MARK.match(token):  # Apertium did not know it: the query's own word
            glosses.append(WordGloss(word, ()))
            continue
        english = english_words([word])
        if english:
            glosses.append(WordGloss(word, english))
    return tuple(glosses), " ".join(tokens)


def translator(language: str, program: Path) -> Callable[[str], tuple[tuple[WordGloss, ...], str] | None]:
    """``language`` -> English through ``program``: (words, sentence), None when Apertium failed."""
    chain = CHAINS[language]

    @functools.lru_cache(maxsize=256)
    def translate(text: str) -> tuple[tuple[WordGloss, ...], str] | None:
        text = re.sub(r"\s+", " ", text)[:MAX_CHARS].strip()
        try:
            with _running:
                text = _run_chain(program, chain, text)
        except (OSError, subprocess.SubprocessError, RuntimeError) as error:
            _warn_once(language, str(error))
            return None
        return parse(text)

    return translate


def _run_chain(program: Path, chain: tuple[str, ...], text: str) -> str:
    """``text`` through each mode of ``chain`` in turn; RuntimeError with Apertium's last line when one fails."""
    for i, mode in enumerate(chain):
        last = i == len(chain) - 1
        # -u: no unknown-word marks between two steps (the next step marks what it does not know)
        args = [str(program), *(() if last else ("-u",)), mode]
        done = subprocess.run(
            args,
            input=text,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=TIMEOUT_S,
            check=False,
        )
        if done.returncode != 0:
            reason = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
            raise RuntimeError(f"apertium {mode}: {reason}")
        text = done.stdout.strip()
    return text


def _warn_once(language: str, reason: str) -> None:
    with _warned_lock:
        if language in _warned:
            return
        _warned.add(language)
    log.warning(
        "Apertium could not translate a %s query (%s): using the dictionary instead", language, reason
    )
