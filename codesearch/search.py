"""The search pipeline: dense top-k and lexical top-k, fused by weighted normalised score, filtered, grouped."""

from __future__ import annotations

import logging
import os
import re
import sqlite3
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codesearch.embedding.base import QUERY_INSTRUCTIONS, Embedder
from codesearch.errors import ConfigError, IndexIOError, IndexNotFoundError, NotFoundError
from codesearch.freshness import FreshHits
from codesearch.fusion import IDENTIFIER, FusionPlan, fuse, plan_fusion, profile_query
from codesearch.lexical_ranker import LexicalRanker, filtered_ids_sql
from codesearch.rerank import Reranker, rerank_fused
from codesearch.roles import DECLARATION, DocumentFacts, declaration_key, priors_for, role, weigh
from codesearch.settings import MODES
from codesearch.snapshot import pinned_snapshot
from codesearch.types import Hit
from indexer.lexical import name_spellings, query_terms, terms_in
from indexer.store import LEXICAL_ONLY, Manifest, check_model, connect
from indexer.vectors import VectorIndex

log = logging.getLogger(__name__)

CANDIDATES = 100  # how deep each side looks before fusion
SNIPPET_LINES = 12
SQL_BATCH = 10_000  # ids per `IN (...)`: SQLite allows 32,766 variables


@dataclass(frozen=True)
class SearchResult:
    query: str
    hits: list[Hit]
    took_ms: float

    def to_json(self, explain: bool = False) -> dict[str, Any]:
        """Exactly DESIGN.md's ``search --json`` object (each hit with a ``why`` when ``explain``)."""
        return {
            "query": self.query,
            "took_ms": round(self.took_ms, 3),
            "hits": [h.to_json(explain) for h in self.hits],
        }


def _filters(
    lang: str | None, path_glob: str | None, repo: str | None, kind: str | None
) -> tuple[str, list[Any]]:
    clauses, args = [], []
    if lang:
        clauses.append("f.language = ?")
        args.append(lang.lower())
    if path_glob:
        clauses.append("f.path GLOB ?")
        args.append(path_glob if any(c in path_glob for c in "*?[") else f"*{path_glob}*")
    if repo:
        clauses.append("r.name = ?")
        args.append(repo)
    if kind:
        clauses.append("d.kind = ?")
        args.append(kind)
    return " AND ".join(clauses), args


class Searcher:
    """Answers queries over one index directory. Thread-safe; picks up new generations as they land."""

    # a cross-encoder over the top ``rerank_top`` fused hits (``--rerank``; codesearch.rerank)
    reranker: Reranker | None = None
    rerank_top: int = 30

    def __init__(
        self,
        index_dir: Path,
        embedder: Embedder | None = None,
        *,
        instructions: dict[str, str] | None = None,
    ) -> None:
        self.index_dir = Path(index_dir)
        self.embedder = embedder
        # the task instruction per kind of query (text, identifier, code)
        self.instructions = {**QUERY_INSTRUCTIONS, **(instructions or {})}
        self._lock = threading.Lock()
        self._manifest: Manifest | None = None
        self._manifest_stamp: tuple[int, int] | None = None
        self._vectors: VectorIndex | None = None
        self._db: sqlite3.Connection = connect(self.index_dir, readonly=True)
        self._ranker: LexicalRanker  # set by each generation's load, the first one just below
        self._reload()

    @classmethod
    def open(cls, index_dir: Path, embedder: Embedder | None = None, **options: Any) -> Searcher:
        return cls(index_dir, embedder, **options)

    @property
    def manifest(self) -> Manifest:
        self._reload()
        assert self._manifest is not None
        return self._manifest

    def _reload(self) -> None:
        """Load the manifest's generation when it changed (a stat per query; a load per generation)."""
        path = self.index_dir / "manifest.json"
        try:
            st = os.stat(path)
        except FileNotFoundError:
            raise IndexNotFoundError(
                f"no index at {self.index_dir}: run `codesearch index PATH` first"
            ) from None
        stamp = (st.st_mtime_ns, st.st_ino)
        if stamp == self._manifest_stamp:
            return
        with self._lock:
            loaded = self._load_generation()
            if loaded is None:
                return  # a writer is between its documents and its manifest: keep answering from ours
            manifest, vectors, db = loaded
            LexicalRanker.attach(db)
            previous_db, self._db = self._db, db
            previous_db.close()
            self._ranker = self._new_ranker(manifest)  # BM25 statistics are per generation
            self._manifest, self._vectors, self._manifest_stamp = manifest, vectors, stamp
            log.debug("loaded generation %d (%d documents)", manifest.generation, manifest.documents)

    def _load_generation(
        self, attempts: int = 3
    ) -> tuple[Manifest, VectorIndex | None, sqlite3.Connection] | None:
        """The manifest, its vectors and a snapshot of its metadata (``codesearch.snapshot``); None when the
        metadata is not yet the manifest's and we already have a generation to answer from. A writer may
        replace both between our reads (and delete the vectors we were about to load): read again."""
        for attempt in range(attempts):
            manifest = Manifest.read(self.index_dir)
            if manifest is None:
                raise IndexNotFoundError(f"no index at {self.index_dir}: run `codesearch index PATH` first")
            if self.embedder is not None and manifest.fingerprint != LEXICAL_ONLY:
                check_model(self.index_dir, manifest, self.embedder.model_id, self.embedder.fingerprint)
            last = attempt == attempts - 1
            db = pinned_snapshot(
                self.index_dir, manifest.generation, accept_other=last and not self._manifest
            )
            if db is None:
                if self._manifest is not None:
                    return None
                time.sleep(0.05)
                continue
            if not manifest.vectors_file:
                return manifest, None, db
            try:
                return manifest, VectorIndex.load(self.index_dir / manifest.vectors_file, manifest.dim), db
            except (OSError, RuntimeError) as exc:  # faiss reports a missing file as RuntimeError
                db.close()
                log.debug("loading %s failed (%s), attempt %d", manifest.vectors_file, exc, attempt + 1)
                time.sleep(0.05)
        raise IndexIOError(
            f"the vectors of the index at {self.index_dir} cannot be read; run `codesearch index` to repair them"
        )

    def _new_ranker(self, manifest: Manifest) -> LexicalRanker:
        """The lexical ranker of a newly loaded generation (a pool shares one: ``codesearch.api.pool``)."""
        return LexicalRanker()

    def _vocabulary(self, words: list[str]) -> set[str]:
        return self._ranker.known(self._db, words)

    def close(self) -> None:
        self._db.close()

    # -- the two retrievers -------------------------------------------------------------------------------

    def _allowed_ids(self, where: str, args: list[Any]) -> list[int] | None:
        if not where:
            return None
        return [r[0] for r in self._db.execute(filtered_ids_sql(where), args)]

    def _dense(
        self,
        query: str,
        depth: int,
        allowed: list[int] | None,
        query_type: str = "text",
        part_weights: Sequence[float] | None = None,
    ) -> list[tuple[int, float]]:
        if self._vectors is None or self.embedder is None:
            return []
        instruction = self.instructions[query_type]
        vector = self.embedder.embed_queries([query], instruction, part_weights)[0]
        return self._vectors.search(vector, depth, allowed)

    def plan(self, query: str) -> FusionPlan:
        """How hybrid search weighs its rankings for ``query`` (see ``codesearch.fusion``)."""
        parts: Sequence[bool] = getattr(self.embedder, "parts_english_only", ())
        return plan_fusion(profile_query(query, self._vocabulary), parts)

    def _lexical(
        self, query: str, depth: int, where: str, args: list[Any], allowed: list[int] | None = None
    ) -> list[tuple[int, float]]:
        return self._ranker.rank(self._db, query_terms(query), depth, where, args, allowed)

    def _exact_names(self, query: str, where: str, args: list[Any]) -> list[int]:
        """Documents whose name is the query, when the query looks like an identifier, in any case and naming
        convention (``addOptionGroup`` is ``add_option_group``: ``name_spellings``)."""
        q = query.strip()
        if not IDENTIFIER.match(q):
            return []
        spellings = name_spellings(re.split(r"\.|::|#", q)[-1])
        sql = (
            "SELECT d.id FROM documents d JOIN files f ON f.id=d.file_id JOIN repos r ON r.id=f.repo_id "
            f"WHERE d.name COLLATE NOCASE IN ({','.join('?' * len(spellings))})"
            + (f" AND {where}" if where else "")
            + " LIMIT 50"
        )
        return [r[0] for r in self._db.execute(sql, [*spellings, *args])]

    # -- the pipeline ---------------------------------------------------------------------------------------

    def search(
        self,
        query: str,
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

        ``query_type`` picks the task instruction (``text``, ``identifier``, ``code``); by default an
        identifier-shaped query is ``identifier`` and anything else ``text``. ``exclude`` drops documents.
        """
        started = time.perf_counter()
        if mode not in MODES:
            raise ConfigError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
        query = query.strip()
        if not query:
            raise ConfigError("the query is empty")
        self._reload()
        if mode != "lexical" and (self._vectors is None or self.embedder is None):
            if mode == "dense":
                raise ConfigError(
                    f"the index at {self.index_dir} has no vectors (built with --model none); "
                    "use --mode lexical or rebuild it with a model"
                )
            mode = "lexical"
        where, args = _filters(lang, path_glob, repo, kind)
        depth = max(CANDIDATES, 5 * k)
        rankings: list[list[tuple[int, float]]] = []
        with self._lock:
            allowed = self._allowed_ids(where, args)  # once, for both sides
            if query_type is None:
                query_type = "identifier" if IDENTIFIER.match(query) else "text"
            plan = self.plan(query) if mode != "lexical" else FusionPlan((0.0, 1.0))
            if mode in ("hybrid", "dense"):
                rankings.append(self._dense(query, depth, allowed, query_type, plan.part_weights))
            if mode in ("hybrid", "lexical"):
                rankings.append(self._lexical(query, depth, where, args, allowed))
            exact = self._exact_names(query, where, args) if mode != "dense" else []
            fused = fuse(rankings, plan.weights) if len(rankings) > 1 else rankings[0]
            fused = self._weigh_roles(query, fused)
            if self.reranker is not None:
                fused = rerank_fused(self.reranker, query, fused, self._rows, self.rerank_top)
            if exact:  # an exact name match ranks first, whatever the scores say; among them, by score
                position = {i: n for n, (i, _) in enumerate(fused)}
                exact.sort(key=lambda i: position.get(i, len(position)))
                top = max((s for _, s in fused), default=1.0) + 1.0
                exact_set = set(exact)
                fused = [(i, top) for i in exact] + [(i, s) for i, s in fused if i not in exact_set]
            if exclude:
                fused = [(i, score) for i, score in fused if i not in exclude]
            dense = dict(rankings[0]) if mode != "lexical" else {}
            hits = self._hits(fused, k, dense, query_terms(query), set(exact))
        return SearchResult(query, hits, (time.perf_counter() - started) * 1000)

    def _weigh_roles(self, query: str, ranked: list[tuple[int, float]]) -> list[tuple[int, float]]:
        """Tests, type declarations and loose windows below implementation code (``codesearch.roles``)."""
        priors = priors_for(query)
        if not ranked or not priors:
            return ranked
        ids = [i for i, _ in ranked]
        facts: dict[int, DocumentFacts] = {}
        for start in range(0, len(ids), SQL_BATCH):  # a huge k must not pass SQLite's variable limit
            batch = ids[start : start + SQL_BATCH]
            sql = (
                "SELECT d.id, f.repo_id, f.path, d.kind, d.name, d.qualified_name FROM documents d "
                f"JOIN files f ON f.id=d.file_id WHERE d.id IN ({','.join('?' * len(batch))})"
            )
            facts.update((r[0], DocumentFacts(str(r[1]), *r[2:])) for r in self._db.execute(sql, batch))
        return weigh(ranked, facts, priors)

    def _hits(
        self,
        ranked: Sequence[tuple[int, float]],
        k: int,
        dense: dict[int, float],
        terms: list[str],
        exact: set[int],
    ) -> list[Hit]:
        """Metadata for the ranked ids, grouped: the windows of one symbol collapse into its best; overloads
        and copies of the same code (vendored twice) fold into the first as ``also_at``; deleted ids drop out.
        """
        hits: list[Hit] = []
        seen: set[tuple[str, ...]] = set()
        groups: dict[tuple[str, ...], Hit] = {}  # (repo, path, qualified name, kind) -> its first hit
        copies: dict[str, Hit] = {}  # content hash -> the first hit with that text
        # (repo, path without suffix, qualified name) -> the first hit, and whether it is a declaration
        declared: dict[tuple[str, str, str], tuple[Hit, bool]] = {}
        rows: dict[int, sqlite3.Row] = {}
        fresh = FreshHits()  # a hit whose file changed since indexing is re-read or dropped
        batch = min(max(4 * k, 50), SQL_BATCH)
        for position, (doc_id, score) in enumerate(ranked):
            if position % batch == 0:  # metadata in batches: collapsed windows may need more than k rows
                rows = self._rows([i for i, _ in ranked[position : position + batch]])
            row = fresh.check(rows.get(doc_id))
            if row is None:
                continue  # deleted since this generation's vectors were written, or changed on disk
            # a file's windows are distinct hits; the windows of one symbol (one signature) are one
            line = str(row["start_line"]) if row["kind"] == "window" else ""
            group = (row["repo"], row["path"], row["qualified_name"], row["kind"], line)
            key = (*group, row["signature"])
            if key in seen:
                continue
            seen.add(key)
            where = f"{row['repo']}/{row['path']}:{row['start_line']}"
            first = groups.get(group) or copies.get(row["content_hash"])
            twin = declaration_key(row["repo"], row["path"], row["qualified_name"])
            is_declaration = role(row["path"], row["kind"], row["name"]) == DECLARATION
            if first is None and twin in declared and (is_declaration or declared[twin][1]):
                first = declared[twin][0]  # a stub (`.pyi`, `.d.ts`) and the code it declares
                if not is_declaration:  # the code came second: it takes the stub's place, the stub folds
                    stub = first
                    hit = self._hit(row, stub.rank, stub.score, dense, terms, exact)
                    hit.also_at.extend([f"{stub.repo}/{stub.path}:{stub.start_line}", *stub.also_at])
                    hits[stub.rank - 1] = hit
                    groups.update({g: hit for g, value in groups.items() if value is stub})
                    copies.update({c: hit for c, value in copies.items() if value is stub})
                    groups[group] = copies[row["content_hash"]] = hit
                    declared[twin] = (hit, False)
                    continue
            if first is not None:  # an overload (same name, other signature) or a copy of the same code
                first.also_at.append(where)
                continue
            hits.append(self._hit(row, len(hits) + 1, score, dense, terms, exact))
            groups[group] = copies[row["content_hash"]] = hits[-1]
            declared.setdefault(twin, (hits[-1], is_declaration))
            if len(hits) == k:
                break
        return hits

    def _hit(
        self, row: sqlite3.Row, rank: int, score: float, dense: dict[int, float], terms: list[str], exact: set[int]
    ) -> Hit:
        doc_id = row["id"]
        scores = {"dense": round(dense[doc_id], 4)} if doc_id in dense else {}
        found = terms_in(" ".join((row["qualified_name"], row["path"], row["doc"], row["code"])), terms)
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
            snippet="\n".join(row["code"].splitlines()[:SNIPPET_LINES]),
            scores=scores,
            matched_terms=tuple(t for t in terms if t in found),
            exact_name=doc_id in exact,
        )

    def _rows(self, ids: list[int]) -> dict[int, sqlite3.Row]:
        if not ids:
            return {}
        sql = (
            "SELECT d.id, d.kind, d.name, d.qualified_name, d.signature, d.doc, d.code, d.start_line, d.end_line, "
            "d.content_hash, f.size, f.mtime_ns, "
            "f.path, f.language, r.name AS repo, r.root FROM documents d JOIN files f ON f.id=d.file_id "
            f"JOIN repos r ON r.id=f.repo_id WHERE d.id IN ({','.join('?' * len(ids))})"
        )
        return {r["id"]: r for r in self._db.execute(sql, ids)}

    def symbol_at(self, path: Path, line: int) -> sqlite3.Row:
        """The innermost indexed document of the file at ``path`` that spans ``line``."""
        path = Path(path).expanduser().resolve()
        with self._lock:
            for repo in self._db.execute("SELECT id, root FROM repos"):
                try:
                    rel = path.relative_to(repo["root"]).as_posix()
                except ValueError:
                    continue
                row = self._db.execute(
                    "SELECT d.id, d.qualified_name, d.kind, d.code, d.start_line, d.end_line, f.id AS file_id "
                    "FROM documents d JOIN files f ON f.id=d.file_id WHERE f.repo_id=? AND f.path=? "
                    "AND d.start_line<=? AND d.end_line>=? ORDER BY d.end_line - d.start_line LIMIT 1",
                    (repo["id"], rel, line, line),
                ).fetchone()
                if row is not None:
                    return row
        raise NotFoundError(f"nothing indexed at {path}:{line}: is the file in an indexed repository?")

    def similar(self, path: Path, line: int, k: int = 10, **filters: Any) -> SearchResult:
        """Code like the symbol at ``path:line`` (``codesearch similar``), itself left out.

        The symbol's code is the query, embedded with the code-to-code instruction; its own windows are
        excluded from the hits.
        """
        row = self.symbol_at(path, line)
        with self._lock:
            own = {
                r[0]
                for r in self._db.execute(
                    "SELECT id FROM documents WHERE file_id=? AND qualified_name=? AND kind=?",
                    (row["file_id"], row["qualified_name"], row["kind"]),
                )
            }
        mode = filters.pop("mode", None) or (
            "dense" if self._vectors is not None and self.embedder else "lexical"
        )
        return self.search(row["code"][:4000], k=k, mode=mode, query_type="code", exclude=own, **filters)

    def status(self) -> dict[str, Any]:
        """What the index holds: repos, counts per language, model, generation."""
        m = self.manifest
        with self._lock:
            repos = [
                dict(r)
                for r in self._db.execute(
                    "SELECT r.name, r.root, r.indexed_at, COUNT(f.id) AS files, "
                    "COALESCE(SUM(f.n_symbols), 0) AS symbols FROM repos r "
                    "LEFT JOIN files f ON f.repo_id=r.id GROUP BY r.id ORDER BY r.name"
                )
            ]
            langs = {
                lang: {"files": n, "symbols": s or 0}
                for lang, n, s in self._db.execute(
                    "SELECT language, COUNT(*), SUM(n_symbols) FROM files GROUP BY language ORDER BY 2 DESC"
                )
            }
        return {
            "index_dir": str(self.index_dir),
            "model": m.model,
            "fingerprint": m.fingerprint,
            "dim": m.dim,
            "generation": m.generation,
            "documents": m.documents,
            "updated_at": m.updated_at,
            "repos": repos,
            "languages": langs,
        }
