"""The search pipeline: dense top-k and lexical top-k, fused by weighted normalised score, filtered, grouped.

``Searcher.search`` is a list of stages over one generation of the store (``indexer.store_read``): analyse
the query (``codesearch.query``), plan the fusion, embed, retrieve both ways, fuse, lend each candidate its
file's support (``codesearch.fusion.file_supported``), weigh roles, rerank, put exact names first, group
(``codesearch.grouping``). Query embedding and rerank run outside any lock.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from codesearch import lexicon as word_lexicon
from codesearch.embedding.base import QUERY_INSTRUCTIONS, Embedder
from codesearch.errors import ConfigError, NotFoundError
from codesearch.freshness import FreshHits
from codesearch.fusion import FusionPlan, file_supported, fuse, plan_fusion, profile_query
from codesearch.grouping import Row, group_hits
from codesearch.query import Query, analyse_query
from codesearch.rerank import Reranker, rerank_fused
from codesearch.roles import priors_for, weigh
from codesearch.settings import MODES
from codesearch.snippets import SNIPPET_LINES, Snippet, preview
from codesearch.types import DocumentFacts, Hit, SearchResult
from indexer.lexical import TermVariants, code_abbreviations, english_variants, name_spellings, terms_in
from indexer.local_read import (
    RankerFactory,
    VectorLoader,
    keep_vectors,
    new_ranker,
    open_generation,
)
from indexer.store import (
    LEXICAL_ONLY,
    Manifest,
    check_model,
    embedded_another_way,
    no_index,
    not_a_directory,
)
from indexer.store_read import Filters, GenerationSource, IndexStatus, Ranking, StoreGeneration

log = logging.getLogger(__name__)

CANDIDATES = 100  # how deep each side looks before fusion
SQL_BATCH = 10_000  # rows read per batch at most
# An English query's words may also count the abbreviations code writes them as (``code_abbreviations``: buffer
# -> buf) as their forms, beside the inflected ones (``fusion.VARIANT_SHARE``). Off: it gained on dev (English
# +0.005, CSN dev +0.009) and CSN test (+0.006), but the blind heldout27's English fell by 0.0003 (1 better, 1
# worse), and the rule written first asked for no fall there (results/abbreviations-2026-12-08.md).
ABBREVIATIONS_AS_FORMS = False


class Searcher:
    """Answers queries over one index: the local directory ``index_dir``, or ``store`` (Milvus: its read
    side, ``indexer.store_read.GenerationSource``). Thread-safe; picks up new generations as they land.

    ``vector_loader`` decides what a loaded generation's vectors become (shared by a pool, copied to a GPU);
    ``ranker_factory`` makes each generation's BM25 ranker (a pool shares one).
    """

    # a cross-encoder over the top ``rerank_top`` fused hits (``--rerank``; codesearch.rerank)
    reranker: Reranker | None = None
    rerank_top: int = 30

    def __init__(
        self,
        index_dir: Path,
        embedder: Embedder | None = None,
        *,
        instructions: dict[str, str] | None = None,
        vector_loader: VectorLoader = keep_vectors,
        ranker_factory: RankerFactory | None = None,
        store: GenerationSource | None = None,
    ) -> None:
        self.index_dir = Path(index_dir)
        self.store = store
        self.embedder = embedder
        # the task instruction per kind of query (text, identifier, code)
        self.instructions = {**QUERY_INSTRUCTIONS, **(instructions or {})}
        self.vector_loader = vector_loader
        self.ranker_factory = ranker_factory
        self.queries_embedded = 0  # queries this searcher embedded itself (not handed a vector)
        self.scans_skipped = 0  # queries whose dense ranking came with them (a batch scan)
        self._lock = threading.Lock()  # held while a new generation loads, never across a search
        self._manifest_stamp: tuple[int, int] | None = None
        self._said_embedded_another_way = False  # warned once per searcher
        # the word lexicon of one generation (``_lexicon``): (its key, the lexicon or None)
        self._lexicon_of: tuple[tuple[int, int], word_lexicon.ModelLexicon | None] | None = None
        self._generation: StoreGeneration | None = None
        self._reload()

    @property
    def manifest(self) -> Manifest:
        return self._current().manifest

    @property
    def generation(self) -> StoreGeneration:
        """The generation searches read now (the store's read side, ``indexer.store_read``)."""
        return self._current()

    def _current(self) -> StoreGeneration:
        self._reload()
        assert self._generation is not None
        return self._generation

    def _reload(self) -> None:
        """Load the manifest's generation when it changed (a stat per query; a load per generation)."""
        if self.store is not None:
            self._reload_from_store(self.store)
            return
        path = self.index_dir / "manifest.json"
        try:
            st = os.stat(path)
        except FileNotFoundError:
            raise no_index(self.index_dir) from None
        except NotADirectoryError:
            raise not_a_directory(self.index_dir) from None
        stamp = (st.st_mtime_ns, st.st_ino)
        if stamp == self._manifest_stamp:
            return
        with self._lock:
            if stamp == self._manifest_stamp:
                return
            loaded = open_generation(
                self.index_dir,
                check=self._check_model,
                have_one=self._generation is not None,
                vector_loader=self.vector_loader,
                ranker_factory=self.ranker_factory or new_ranker,
            )
            if loaded is None:
                return  # a writer is between its documents and its manifest: keep answering from ours
            previous, self._generation = self._generation, loaded
            self._manifest_stamp = stamp
            if previous is not None:
                previous.close()  # closes once the searches still reading it are done
            log.debug(
                "loaded generation %d (%d documents)", loaded.manifest.generation, loaded.manifest.documents
            )

    def _reload_from_store(self, store: GenerationSource) -> None:
        with self._lock:
            current = store.current(self._generation)
            if current is self._generation:
                return
            self._check_model(current.manifest)
            previous, self._generation = self._generation, current
        if previous is not None:
            previous.close()

    def _check_model(self, manifest: Manifest) -> None:
        if self.embedder is None or manifest.fingerprint == LEXICAL_ONLY:
            return
        name = self.embedder.registry_name or self.embedder.model_id
        check_model(self.index_dir, manifest, name, self.embedder.fingerprint)
        if embedded_another_way(manifest, self.embedder.fingerprint) and not self._said_embedded_another_way:
            self._said_embedded_another_way = True
            log.warning(
                "the index at %s was embedded by another version of codesearch's %s: its vectors are used as "
                "they are until `codesearch index` embeds them again",
                self.index_dir,
                name,
            )

    @contextmanager
    def _reading(self) -> Iterator[StoreGeneration]:
        """The current generation, kept open until the caller is done with it (pinned under the lock a
        reload swaps generations under, so the one pinned cannot be closed in between)."""
        self._reload()
        with ExitStack() as stack:
            with self._lock:
                assert self._generation is not None
                generation = stack.enter_context(self._generation.pin())
            yield generation

    def close(self) -> None:
        if self._generation is not None:
            self._generation.close()

    def analyse(self, query: str, query_type: str | None = None) -> Query:
        """``query`` analysed once (``codesearch.query``): what ``search`` and the server's batcher share."""
        return analyse_query(query, query_type)

    def plan(self, query: str | Query) -> FusionPlan:
        """How hybrid search weighs its rankings for ``query`` (see ``codesearch.fusion``)."""
        analysed = query if isinstance(query, Query) else analyse_query(query)
        with self._reading() as generation:
            return self._plan(generation, self._with_lexicon(generation, analysed))

    def _plan(self, generation: StoreGeneration, query: Query) -> FusionPlan:
        parts: Sequence[bool] = getattr(self.embedder, "parts_english_only", ())
        profile = profile_query(
            query.text,
            generation.known_words,
            query.terms,
            query.identifier,
            translated=bool(query.translated),
            glossed=bool(query.gloss),
        )
        stored = generation.manifest.parts
        lacking = [p.missing > 0 for p in stored] if len(stored) == len(parts) else []
        if not any(lacking):
            return plan_fusion(profile, parts)
        # some documents lack a part (the English fill has not run yet): that part speaks for no query, and
        # the others are weighed as an index of them alone would be, so the ranking is theirs exactly
        present = [english for english, missing in zip(parts, lacking, strict=True) if not missing]
        plan = plan_fusion(profile, present)
        weights = iter(plan.part_weights or [1.0] * len(present))
        part_weights = tuple(0.0 if missing else next(weights) for missing in lacking)
        return replace(plan, part_weights=part_weights)

    def _with_lexicon(self, generation: StoreGeneration, query: Query) -> Query:
        """``query`` with English words for its Korean and Russian words, from the index's own words
        (``codesearch.lexicon``): they join its lexical terms beside any a dictionary gave."""
        if not word_lexicon.MODEL_LEXICON or query.type != "text":
            return query
        words = word_lexicon.words_to_look_up(query.terms, generation.known_words, query.translated_words)
        if not words:
            return query
        found = self._lexicon(generation)
        have = set(query.terms) | set(query.translated)
        english = tuple(w for w in found.english(words) if w not in have) if found else ()
        return replace(query, translated=query.translated + english) if english else query

    def _lexicon(self, generation: StoreGeneration) -> word_lexicon.ModelLexicon | None:
        """The lexicon of this generation's common words (made once per generation); None: no multilingual
        model, or a store that does not list its words."""
        key = (id(generation), generation.manifest.generation)
        with self._lock:
            if self._lexicon_of is not None and self._lexicon_of[0] == key:
                return self._lexicon_of[1]
        model = word_lexicon.multilingual_part(self.embedder)
        words: list[str] = []
        # a one-shot search reads the list from the cache: the vocabulary is scanned once per generation
        if model is not None:
            manifest = generation.manifest
            words = word_lexicon.common_words(
                f"{self.index_dir.resolve()}|{type(generation).__name__}",
                f"{manifest.generation}:{manifest.documents}:{manifest.fingerprint}:{word_lexicon.COMMON_WORDS}",
                lambda: generation.common_words(word_lexicon.COMMON_WORDS),
                word_lexicon.cache_dir(),
            )
        made = word_lexicon.load_lexicon(model, words, word_lexicon.cache_dir()) if model and words else None
        with self._lock:
            self._lexicon_of = (key, made)
        return made

    def prepare_lexicon(self) -> int:
        """Make the word lexicon of the current generation (``_lexicon``): its common words' list and vectors
        are written to the user cache, so that a later process's first Korean or Russian search reads them
        instead of embedding a few thousand words (2-3 s on a laptop). The number of common words (0: the
        lexicon is off, or nothing to make)."""
        if not word_lexicon.MODEL_LEXICON:
            return 0
        made = self._lexicon(self._current())
        return len(made.words) if made is not None else 0

    @staticmethod
    def _variants(generation: StoreGeneration, query: Query, share: float) -> TermVariants | None:
        """The inflected forms of the query's English words that the index holds (``english_variants``): its own
        words, or a translated query's dictionary English (``Query.translated``); None: none."""
        if share <= 0:
            return None
        words = query.translated or query.terms
        forms = {t: english_variants(t) for t in words}
        if ABBREVIATIONS_AS_FORMS and not query.translated:  # `buffer` -> buf, as code writes it
            forms = {t: [*fs, *code_abbreviations(t)] for t, fs in forms.items()}
        own = set(query.terms) | set(query.translated)
        known = generation.known_words(sorted({f for fs in forms.values() for f in fs} - own))
        kept = {t: tuple(f for f in fs if f in known) for t, fs in forms.items()}
        kept = {t: fs for t, fs in kept.items() if fs}
        return TermVariants(kept, share) if kept else None

    def dense_batch(self, vectors: np.ndarray, depth: int) -> list[Ranking] | None:
        """The top ``depth`` (id, score) of every row of ``vectors`` in one scan (None: no vectors)."""
        with self._reading() as generation:
            return generation.dense_batch(vectors, depth)

    # -- the stages -----------------------------------------------------------------------------------------

    def _query_vector(self, query: Query, part_weights: Sequence[float] | None) -> np.ndarray:
        if query.vector is not None and part_weights is None:  # a composite's weights: embedded here
            return query.vector
        assert self.embedder is not None
        self.queries_embedded += 1
        instruction = self.instructions[query.type]
        if query.gloss and part_weights is not None:  # a composite's English-only models read the gloss
            english = [query.gloss]
            return self.embedder.embed_queries(
                [query.text], instruction, part_weights, english_texts=english
            )[0]
        return self.embedder.embed_queries([query.text], instruction, part_weights)[0]

    def _dense(
        self,
        generation: StoreGeneration,
        query: Query,
        depth: int,
        filters: Filters,
        allowed: list[int] | None,
        part_weights: Sequence[float] | None,
    ) -> Ranking:
        if not generation.has_vectors or self.embedder is None:
            return []
        if query.dense is not None and not filters and part_weights is None and query.dense_depth >= depth:
            self.scans_skipped += 1
            return list(query.dense[:depth])
        return generation.dense(self._query_vector(query, part_weights), depth, filters, allowed)

    def _exact_names(self, generation: StoreGeneration, query: Query, filters: Filters) -> list[int]:
        """Documents whose name is the query, when the query looks like an identifier, in any case and naming
        convention (``addOptionGroup`` is ``add_option_group``: ``name_spellings``)."""
        if not query.identifier:
            return []
        return generation.exact_names(name_spellings(re.split(r"\.|::|#", query.text)[-1]), filters)

    @staticmethod
    def _weigh(query: Query, ranked: Ranking, facts: Mapping[int, DocumentFacts], supported: bool) -> Ranking:
        """A hybrid ranking's candidates lent support by their file (``codesearch.fusion.file_supported``), then
        tests, type declarations and loose windows below implementation code (``codesearch.roles``)."""
        if supported:
            ranked = file_supported(ranked, {i: (f.repo, f.path) for i, f in facts.items()})
        priors = priors_for(query.text)
        if not ranked or not priors:
            return ranked
        return weigh(ranked, facts, priors)

    @staticmethod
    def _exact_first(fused: Ranking, exact: list[int]) -> Ranking:
        """An exact name match ranks first, whatever the scores say; among them, by score."""
        if not exact:
            return fused
        position = {i: n for n, (i, _) in enumerate(fused)}
        exact.sort(key=lambda i: position.get(i, len(position)))
        top = max((s for _, s in fused), default=1.0) + 1.0
        exact_set = set(exact)
        return [(i, top) for i in exact] + [(i, s) for i, s in fused if i not in exact_set]

    def _mode(self, mode: str, generation: StoreGeneration) -> str:
        if mode not in MODES:
            raise ConfigError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
        if mode != "lexical" and (not generation.has_vectors or self.embedder is None):
            if mode == "dense":
                raise ConfigError(
                    f"the index at {self.index_dir} has no vectors (built with --model none); "
                    "use --mode lexical or rebuild it with a model"
                )
            return "lexical"
        return mode

    # -- the pipeline ---------------------------------------------------------------------------------------

    def search(
        self,
        query: str | Query,
        k: int = 10,
        mode: str = "hybrid",
        lang: str | None = None,
        path_glob: str | None = None,
        repo: str | None = None,
        kind: str | None = None,
        query_type: str | None = None,
        exclude: set[int] | None = None,
    ) -> SearchResult:
        """The top ``k`` hits for ``query``: ``hybrid`` fuses the ``dense`` and ``lexical`` scores.

        ``query`` is text or a ``Query`` already analysed (``analyse``), possibly with its vector and dense
        ranking computed beforehand. ``query_type`` picks the task instruction (``text``, ``identifier``,
        ``code``) of a text query; by default an identifier-shaped query is ``identifier`` and anything else
        ``text``. ``exclude`` drops documents.
        """
        started = time.perf_counter()
        if mode not in MODES:
            raise ConfigError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
        q = query if isinstance(query, Query) else analyse_query(query, query_type)
        filters = Filters(lang, path_glob, repo, kind)
        depth = max(CANDIDATES, 5 * k)
        with self._reading() as generation:
            mode = self._mode(mode, generation)
            if mode != "dense":
                q = self._with_lexicon(generation, q)
            allowed = generation.allowed_ids(filters)  # once, for both sides
            plan = self._plan(generation, q) if mode != "lexical" else FusionPlan((0.0, 1.0))
            rankings: list[Ranking] = []
            variants = None
            if mode in ("hybrid", "dense"):
                rankings.append(self._dense(generation, q, depth, filters, allowed, plan.part_weights))
            if mode in ("hybrid", "lexical"):
                terms = q.terms + q.translated
                variants = self._variants(generation, q, plan.variant_share)
                rankings.append(
                    generation.lexical(terms, depth, filters, allowed, plan.bm25_weights, variants)
                )
            exact = self._exact_names(generation, q, filters) if mode != "dense" else []
            fused = fuse(rankings, plan.weights) if len(rankings) > 1 else rankings[0]
            facts = generation.facts([i for i, _ in fused]) if fused else {}
            fused = self._weigh(q, fused, facts, supported=len(rankings) > 1)
            if self.reranker is not None:
                fused = rerank_fused(self.reranker, q.text, fused, generation.rows, self.rerank_top)
            fused = self._exact_first(fused, exact)
            if exclude:
                fused = [(i, score) for i, score in fused if i not in exclude]
            dense = dict(rankings[0]) if mode != "lexical" else {}
            # why a hit matched: the query's words, the English words a dictionary or the word lexicon gave
            # for them, and the other forms of them it was found by
            forms = [f for fs in variants.forms.values() for f in fs] if variants else []
            why = list(q.terms) + list(q.translated) + forms
            hits = self._hits(generation, fused, k, dense, why, set(exact))
        return SearchResult(q.text, hits, (time.perf_counter() - started) * 1000)

    def _hits(
        self,
        generation: StoreGeneration,
        ranked: Sequence[tuple[int, float]],
        k: int,
        dense: dict[int, float],
        terms: list[str],
        exact: set[int],
    ) -> list[Hit]:
        """Metadata for the ranked ids, grouped (``codesearch.grouping``); deleted ids drop out."""

        def make_hit(row: Row, rank: int, score: float) -> Hit:
            return self._hit(row, rank, score, dense, terms, exact)

        return group_hits(self._ranked_rows(generation, ranked, k), k, make_hit)

    @staticmethod
    def _ranked_rows(
        generation: StoreGeneration, ranked: Sequence[tuple[int, float]], k: int
    ) -> Iterator[tuple[Row, float]]:
        """(row, score) of each ranked id still there and unchanged on disk, read lazily in batches."""
        rows: Mapping[int, Row] = {}
        fresh = FreshHits()  # a hit whose file changed since indexing is re-read or dropped
        batch = min(max(4 * k, 50), SQL_BATCH)
        for position, (doc_id, score) in enumerate(ranked):
            if position % batch == 0:  # metadata in batches: collapsed windows may need more than k rows
                rows = generation.rows([i for i, _ in ranked[position : position + batch]])
            row = fresh.check(rows.get(doc_id))
            if row is not None:  # else deleted since this generation's vectors were written, or changed
                yield row, score

    def _hit(
        self, row: Row, rank: int, score: float, dense: dict[int, float], terms: list[str], exact: set[int]
    ) -> Hit:
        doc_id = row["id"]
        scores = {"dense": round(dense[doc_id], 4)} if doc_id in dense else {}
        found = terms_in(" ".join((row["qualified_name"], row["path"], row["doc"], row["code"])), terms)
        # a symbol shows its head; a window of loose lines shows where the query's words are
        shown = (
            preview(row["code"], row["start_line"], terms)
            if row["kind"] == "window"
            else Snippet("\n".join(row["code"].splitlines()[:SNIPPET_LINES]), row["start_line"])
        )
        return Hit(
            rank=rank,
            score=round(score, 6),
            doc_id=doc_id,
            repo=row["repo"],
            path=row["path"],
            abs_path=str(Path(row["root"]) / row["path"]),
            language=row["language"],
            kind=row["kind"],
            name=row["name"],
            qualified_name=row["qualified_name"],
            start_line=row["start_line"],
            end_line=row["end_line"],
            signature=row["signature"],
            snippet=shown.text,
            snippet_line=shown.start_line if shown.start_line != row["start_line"] else None,
            scores=scores,
            matched_terms=tuple(t for t in terms if t in found),
            exact_name=doc_id in exact,
        )

    def symbol_at(self, path: Path, line: int) -> Mapping[str, Any]:
        """The innermost indexed document of the file at ``path`` that spans ``line``."""
        path = Path(path).expanduser().resolve()
        with self._reading() as generation:
            row = generation.document_at(str(path), line)
        if row is None:
            raise NotFoundError(f"nothing indexed at {path}:{line}: is the file in an indexed repository?")
        return row

    def similar(self, path: Path, line: int, k: int = 10, **filters: Any) -> SearchResult:
        """Code like the symbol at ``path:line`` (``codesearch similar``), itself left out.

        The symbol's code is the query, embedded with the code-to-code instruction; its own windows are
        excluded from the hits.
        """
        row = self.symbol_at(path, line)
        with self._reading() as generation:
            own = generation.same_symbol(row["file_id"], row["qualified_name"], row["kind"])
            has_vectors = generation.has_vectors
        mode = filters.pop("mode", None) or ("dense" if has_vectors and self.embedder else "lexical")
        return self.search(row["code"][:4000], k=k, mode=mode, query_type="code", exclude=own, **filters)

    def index_status(self) -> IndexStatus:
        """What the index holds: repos, counts per language, model, generation."""
        with self._reading() as generation:
            return generation.status()

    def status(self) -> dict[str, Any]:
        """``index_status`` as the JSON object of ``codesearch status --json``."""
        return self.index_status().to_json()
