"""How hybrid search mixes its rankings, decided per query from what the query looks like.

Each ranking's scores are scaled by their spread over its candidates (``normalised``), then summed with
weights. The weights follow facts about the query, all cheap to compute:

- its script: a query mostly in a non-Latin script shares almost no words with code;
- its words' coverage by the index's own vocabulary: an English query ("read the config file") is made of
  words the code uses, a query in French or German mostly is not ("lire le fichier de configuration"), so
  coverage tells the lexical side's worth without a language detector, in any language written in Latin;
- whether a dictionary translated it, and its length: a long description translated word by word gives the
  lexical side many right words (``LONG_QUERY_WORDS``).

An index of two models (``use+minilm``: one multilingual, one English-only) weighs its models by the same
coverage. Measured with benchmarks/fusion.py; figures in benchmarks/RESULTS.md.

After fusion a candidate's file lends it support (``file_supported``): code that does one thing sits beside code
that does related things, so the file of the right function tends to hold other candidates of the query, and a
look-alike in an unrelated file of another repository does not.
"""

from __future__ import annotations

import heapq
import re
import statistics
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass

from indexer.lexical import query_terms, split_identifier

# a name as code writes it: `parseConfig`, `read_lines`, `http.client.HTTPConnection`, `Vec::push`
IDENTIFIER = re.compile(r"^[A-Za-z_$][\w$]*(?:(?:\.|::|#)[A-Za-z_$][\w$]*)*$")

# (dense, lexical) for a query whose words are all code words / none of them (Latin script)
COVERED_WEIGHTS = (0.4, 0.6)
UNCOVERED_WEIGHTS = (0.7, 0.3)
# The same beside an English model. Swept with MULTILINGUAL_WEIGHT_FOR_ENGLISH on the read hand-written sets
# (1,412 English queries, hybrid): (0.4, 0.6) with the English model alone 0.426 -> 0.452 MRR@10, CSN dev
# +0.002; decided on test (the blind heldout25's English 0.285 -> 0.319, hand-written test 0.722 -> 0.728,
# CSN test 0.332 -> 0.334): benchmarks/results/english-weights-2026-12-08.md.
COVERED_WEIGHTS_ENGLISH_MODEL = (0.4, 0.6)
# A query that is one compound identifier (`parseConfig`, `read_lines`). Leaning on the lexical side for
# it, as one would expect, measured worse (MRR@10 of the identifier queries 0.646 at 0.5/0.5, 0.594 at
# 0.3/0.7, 0.585 at 0.2/0.8): the exact name already ranks first, and for the rest the lexical side
# rewards code that merely repeats one of the name's words.
IDENTIFIER_WEIGHTS = (0.5, 0.5)
# A non-Latin query: the dense side carries it; the lexical side keeps a little weight for the
# identifiers such a query may quote.
NON_LATIN_WEIGHTS = (0.75, 0.25)
# (dense, lexical) for a query a dictionary translated, in an index with an English model (the case
# measured): its English words give the lexical side a say that its own words, in another language, do
# not. Chosen on dev (benchmarks/tuning/translated_weights.py); non-English MRR@10 dev 0.264 -> 0.275,
# held-out 0.297 -> 0.317, fresh held-out 0.349 -> 0.370, hand-written test 0.385 -> 0.376
# (benchmarks/results/heldout2-2026-12-06.md). None: the weights of the query's script and coverage.
TRANSLATED_WEIGHTS: tuple[float, float] | None = (0.6, 0.4)
# Beside an English-only model, how much the multilingual model's dense score counts for a query that reads
# as English (1.0: as much as for any other query; 0.0: the English model speaks alone, and the multilingual
# model is not run for it). 0.0 with the weights above (english-weights-2026-12-08.md): the outside
# measurement found the same, BM25 + MiniLM lowered by adding `use`.
MULTILINGUAL_WEIGHT_FOR_ENGLISH = 0.0
# The English-only model's weight for a query a dictionary translated (``Query.gloss``): it embeds the
# English gloss instead of the query, whatever the query's script or coverage. Dev MRR@10 of the non-English
# hand-written queries (use+minilm-int8): 0.264 without the gloss, 0.298 at 0.5, 0.309 at 0.75 and 1.0
# (benchmarks/tuning/gloss_dense.py).
GLOSS_ENGLISH_WEIGHT = 0.75
# A long query (this many words or more, as typed; Chinese and Japanese count as one) whose plan leans on the
# dense side more than LONG_QUERY_WEIGHTS gets them instead, beside an English model (the case measured): a
# long description, translated word by word for the lexical side, gives it many right words. Not-English
# MRR@10 of the dev pool (hand-written dev, nine read held-out sets, 941 queries): 0.341 -> 0.349 at 9 words,
# English and CSN unchanged (no English query's plan gives the dense side more than 0.5); decided on test
# (hand-written test, CSN test, the blind heldout10): benchmarks/results/length-weights-2026-12-07.md.
LONG_QUERY_WORDS = 9
LONG_QUERY_WEIGHTS = (0.5, 0.5)
# After fusion, each candidate gains this share of the best fused score among the other candidates of its file.
# Dev (benchmarks/tuning/neighbours.py, 1,859 queries replayed): English +0.006, not English +0.005 MRR@10 at
# 0.15 (0.1-0.2 a plateau); decided on test (hand-written test, CSN test, the blind heldout11):
# benchmarks/results/heldout11-2026-12-07.md.
FILE_SUPPORT = 0.15
# The lexical side's (name, path, doc, code) column weights for a query that reads as English (coverage at
# least COVERAGE_HIGH, not one identifier, not translated), beside an English model (the case measured); None:
# the store's own (``indexer.lexical_ranker.BM25_WEIGHTS``, code 1) for every query. An English description's
# words are found in a function's body more than in its name. Dev (2,003 queries, real searches): English
# +0.026 MRR@10 at code 3 (2-4 a plateau), not English unchanged; decided on test (hand-written test, CSN
# test, the blind heldout13): English +0.004, heldout13's English +0.034 (benchmarks/results/heldout13-2026-12-07.md).
# For every query alike it lost on hand-written test's not-English queries (results/heldout12-2026-12-07.md).
ENGLISH_BM25_WEIGHTS: tuple[float, float, float, float] | None = (8.0, 2.0, 3.0, 3.0)
# For the same queries, the lexical side also counts other inflected forms of their words (``english_variants``:
# "parsing" finds parse, parser, parsed) at this share of their score, each word scoring as its best form; 0: off.
# Dev (2,147 queries, real searches): English +0.009 at 0.5, +0.001 at 1.0; decided on test (hand-written test,
# CSN test, the blind heldout14): English +0.005, heldout14's English +0.034 (results/heldout14-2026-12-07.md).
VARIANT_SHARE = 0.5
# The same for a query a dictionary translated, over its English words (``Query.translated``: dictionary
# headwords, "read", "file", where code says reads, files, reader); 0: off. Dev (1,817 queries): not English
# +0.005 at 0.5 (0.25 alike, 1.0 -0.004). heldout15's rule let 0.5 through on a gain within noise (not English
# +0.001); the blind heldout16 re-decided it by a stricter rule and turned it off: its not-English queries lost
# 0.015 at 0.5 (2 better / 9 worse), hand-written test's 0.010 (results/heldout16-2026-12-07.md).
TRANSLATED_VARIANT_SHARE = 0.0
# Coverage of English queries is about 0.98 on the benchmark corpus, of German, Spanish, French, Italian
# and Portuguese ones 0.24-0.35: below LOW a query counts as not English, above HIGH as English.
COVERAGE_LOW, COVERAGE_HIGH = 0.4, 0.8


@dataclass(frozen=True)
class QueryProfile:
    """What fusion needs to know about a query."""

    non_latin: bool
    # the share of the query's Latin words that the index's documents use (None: no such word)
    coverage: float | None
    # the query is one compound identifier (`parseConfig`, `os.path.join`), not a phrase or a plain word
    identifier: bool = False
    # a dictionary gave English words for it (``codesearch.translate``): they join its lexical terms
    translated: bool = False
    # a dictionary said the query in English (``Query.gloss``): English-only models can read it
    glossed: bool = False
    # how many words it has, as typed (split on whitespace)
    words: int = 0


@dataclass(frozen=True)
class FusionPlan:
    """Weights of the (dense, lexical) rankings, and of the models inside the dense side."""

    weights: tuple[float, float]
    part_weights: tuple[float, ...] | None = None
    # the lexical side's column weights for this query (None: the store's own)
    bm25_weights: tuple[float, float, float, float] | None = None
    # the share of its score a word's other inflected forms get on the lexical side (0: none)
    variant_share: float = 0.0


def non_latin_share(query: str) -> float:
    """The share of the query's letters past Latin Extended-B (CJK, Cyrillic, Hangul, ...)."""
    letters = [c for c in query if c.isalpha()]
    if not letters:
        return 0.0
    return sum(1 for c in letters if ord(c) > 0x24F) / len(letters)


def looks_like_identifier(query: str, identifier: bool | None = None) -> bool:
    """One name as code writes it, in more than one word: ``parseConfig``, ``read_lines``, ``fs.readFile``.
    ``identifier``: whether ``query`` matches ``IDENTIFIER``, when the caller knows already."""
    query = query.strip()
    if identifier is None:
        identifier = bool(IDENTIFIER.match(query))
    return identifier and len(split_identifier(re.sub(r"\.|::|#", "_", query))) > 1


def profile_query(
    query: str,
    vocabulary: Callable[[list[str]], set[str]] | None = None,
    terms: Sequence[str] | None = None,
    identifier: bool | None = None,
    translated: bool = False,
    glossed: bool = False,
) -> QueryProfile:
    """The query's script and, given ``vocabulary`` (the subset of words the index knows), its coverage.
    ``terms`` (its ``query_terms``) and ``identifier`` (it matches ``IDENTIFIER``): when the caller knows;
    ``translated``: a dictionary gave English words for it; ``glossed``: it said it in English (``Query.gloss``)."""
    if looks_like_identifier(query, identifier):
        return QueryProfile(non_latin=False, coverage=None, identifier=True)
    non_latin = non_latin_share(query) > 0.5
    words = [
        t
        for t in (query_terms(query) if terms is None else terms)
        if t.isascii() and t.isalpha() and len(t) > 2
    ]
    coverage = None
    if words and vocabulary is not None:
        coverage = len(vocabulary(words)) / len(words)
    return QueryProfile(non_latin, coverage, translated=translated, glossed=glossed, words=len(query.split()))


def plan_fusion(profile: QueryProfile, parts_english_only: Sequence[bool] = ()) -> FusionPlan:
    """The weights for a query of this profile; ``parts_english_only`` says, for each model of a composite
    index, whether it is English-only (``Embedder.english_only``)."""
    if profile.identifier:
        weights, english = IDENTIFIER_WEIGHTS, 1.0
    elif profile.non_latin:
        weights = NON_LATIN_WEIGHTS
        english = 0.0
    else:
        coverage = 1.0 if profile.coverage is None else profile.coverage
        english = min(1.0, max(0.0, (coverage - COVERAGE_LOW) / (COVERAGE_HIGH - COVERAGE_LOW)))
        has_english_model = any(parts_english_only)
        covered = COVERED_WEIGHTS_ENGLISH_MODEL if has_english_model else COVERED_WEIGHTS
        weights = _mix(UNCOVERED_WEIGHTS, covered, english)
    if profile.translated and TRANSLATED_WEIGHTS is not None and any(parts_english_only):
        weights = TRANSLATED_WEIGHTS
    long_query = profile.words >= LONG_QUERY_WORDS and any(parts_english_only)
    if long_query and weights[0] > LONG_QUERY_WEIGHTS[0]:
        weights = LONG_QUERY_WEIGHTS
    bm25, share = None, 0.0
    reads_english = not (profile.identifier or profile.non_latin or profile.translated or profile.glossed)
    if reads_english and english >= 1.0 and any(parts_english_only):
        bm25, share = ENGLISH_BM25_WEIGHTS, VARIANT_SHARE
    elif profile.translated and any(parts_english_only):
        share = TRANSLATED_VARIANT_SHARE
    if len(parts_english_only) < 2:
        return FusionPlan(weights, bm25_weights=bm25, variant_share=share)
    # an English-only model speaks for English-looking queries only; the others speak for the rest, and for
    # English queries as much as MULTILINGUAL_WEIGHT_FOR_ENGLISH says (with no English-only model, they speak
    # for every query)
    others = 1.0 - english * (1.0 - MULTILINGUAL_WEIGHT_FOR_ENGLISH) if any(parts_english_only) else 1.0
    if profile.glossed:  # the English model reads the dictionary's English for the query, not the query
        english = GLOSS_ENGLISH_WEIGHT
    part_weights = tuple(english if english_only else others for english_only in parts_english_only)
    return FusionPlan(weights, part_weights, bm25, share)


def _mix(a: tuple[float, float], b: tuple[float, float], t: float) -> tuple[float, float]:
    return (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t)


def normalised(ranking: Sequence[tuple[int, float]]) -> dict[int, float]:
    """Scores on one scale (BM25 and cosine live on different ones): ``(s - min) / standard deviation`` over
    the list, so the lowest is 0 (as a document the list lacks) and the unit is the list's spread. Min-max
    before it let one score far ahead squash the rest of its list; this won dev and 6 of 8 test sets
    (benchmarks/results/fusion-scaling-2026-12-07.md). A list with no spread counts 1.0 for each."""
    if not ranking:
        return {}
    values = [score for _, score in ranking]
    lo = min(values)
    spread = statistics.pstdev(values) if len(values) > 1 else 0.0
    if spread == 0:
        return {i: 1.0 for i, _ in ranking}
    return {i: (score - lo) / spread for i, score in ranking}


def fuse(
    rankings: Sequence[Sequence[tuple[int, float]]], weights: Sequence[float] | None = None
) -> list[tuple[int, float]]:
    """Weighted sum of each ranking's scaled scores (an id missing from a list gets 0 from it, as its lowest)."""
    weights = weights or [1.0 / len(rankings)] * len(rankings)
    scores: dict[int, float] = {}
    for weight, ranking in zip(weights, rankings, strict=True):
        for doc_id, score in normalised(ranking).items():
            scores[doc_id] = scores.get(doc_id, 0.0) + weight * score
    return sorted(scores.items(), key=lambda item: -item[1])


def file_supported(
    fused: Sequence[tuple[int, float]], files: Mapping[int, Hashable], share: float | None = None
) -> list[tuple[int, float]]:
    """``fused`` with each score raised by ``share`` (default ``FILE_SUPPORT``) × the best score among the other
    candidates of its file (``files``: document id -> its file, as any hashable; a document not in it gets
    nothing), sorted again (stable)."""
    share = FILE_SUPPORT if share is None else share
    if share == 0:
        return list(fused)
    by_file: dict[Hashable, list[tuple[float, int]]] = {}
    for doc_id, score in fused:
        if (file := files.get(doc_id)) is not None:
            by_file.setdefault(file, []).append((score, doc_id))
    # a candidate's best other is one of its file's two best
    top_two = {file: heapq.nlargest(2, scored) for file, scored in by_file.items()}
    supported = []
    for doc_id, score in fused:
        file = files.get(doc_id)
        others = [s for s, i in top_two[file] if i != doc_id] if file is not None else []
        supported.append((doc_id, score + share * max(others, default=0.0)))
    return sorted(supported, key=lambda item: -item[1])
