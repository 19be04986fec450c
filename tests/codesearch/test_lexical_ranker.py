"""The lexical ranker equals FTS5's own BM25 ranking, whichever terms come from memory, over a real index."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

import indexer.lexical_ranker as lexical_ranker
from codesearch.api.pool import BatchedSearcher, SharedVectors
from codesearch.search import Searcher
from indexer.lexical import TermVariants
from indexer.lexical_ranker import BM25_WEIGHTS, LexicalRanker, fts_phrase
from indexer.pipeline import index_paths
from indexer.store import connect

# a Zipf-like vocabulary: the first words land in most documents, the last in a few
WORDS = (
    "return value self config parse read write file path open close retry backoff socket buffer token "
    "ledger invoice mirror bucket checksum quantile histogram tensor gradient cipher nonce"
).split()


def _module(rng: random.Random, n: int) -> str:
    out = []
    for f in range(6):
        words = [w for i, w in enumerate(WORDS) if rng.random() < 1.5 / (i + 1.5)]
        name = "_".join(rng.sample(WORDS, 2)) + f"_{n}_{f}"
        doc = " ".join(rng.choice(words or WORDS) for _ in range(rng.randint(0, 8)))
        body = "\n".join(f"    {rng.choice(WORDS)} = {rng.choice(words or WORDS)}(value)" for _ in range(3))
        out.append(f'def {name}(value):\n    """{doc}"""\n{body}\n    return value\n')
    return "\n\n".join(out)


@pytest.fixture(scope="module")
def lexical_index(tmp_path_factory, build_git_repo) -> Path:
    rng = random.Random(7)
    base = tmp_path_factory.mktemp("ranker")
    files = {f"pkg{n % 3}/mod_{n}.py": _module(rng, n) for n in range(40)}
    repo = build_git_repo(base / "repo", files)
    index_dir = base / "index"
    index_paths([repo.root], index_dir=index_dir, embedder=None)
    return index_dir


def _fts_ranking(
    db, terms: list[str], depth: int, where: str = "", args=(), columns=BM25_WEIGHTS
) -> list[tuple[int, float]]:
    weights = ", ".join(map(str, columns))
    sql = f"SELECT rowid, bm25(documents_fts, {weights}) AS s FROM documents_fts WHERE documents_fts MATCH ?"
    params = [" OR ".join(fts_phrase(t) for t in terms)]
    if where:
        sql += (
            " AND rowid IN (SELECT d.id FROM documents d JOIN files f ON f.id=d.file_id "
            f"JOIN repos r ON r.id=f.repo_id WHERE {where})"
        )
        params += list(args)
    sql += " ORDER BY s LIMIT ?"
    return [(r[0], -r[1]) for r in db.execute(sql, [*params, depth])]


def _assert_same(got: list[tuple[int, float]], want: list[tuple[int, float]]) -> None:
    assert len(got) == len(want)
    assert [s for _, s in got] == pytest.approx([s for _, s in want], rel=1e-9, abs=1e-12)
    # equal scores may come in either order: compare the documents score by score
    by_score: dict[float, set[int]] = {}
    for doc, score in want:
        by_score.setdefault(round(score, 9), set()).add(doc)
    cut = round(want[-1][1], 9) if want else None
    for doc, score in got:
        if round(score, 9) != cut:  # the last score's ties may be cut at a different member
            assert doc in by_score[round(score, 9)]


@pytest.mark.parametrize("split", ["all-in-memory", "mixed", "all-fts5", "one-search"])
def test_rankings_equal_fts5_bm25(lexical_index, split):
    db = connect(lexical_index, readonly=True)
    LexicalRanker.attach(db)
    dfs = sorted(LexicalRanker().document_frequencies(db, WORDS).values())
    assert dfs[0] < dfs[len(dfs) // 2] < dfs[-1]
    common_df = {"all-in-memory": 0, "mixed": dfs[len(dfs) // 2], "all-fts5": 10**9, "one-search": 0}[split]
    ranker = LexicalRanker(common_df=common_df, keep_postings=split != "one-search")
    rng = random.Random(split)
    for _ in range(40):
        terms = rng.sample(WORDS + ["absentword"], rng.randint(1, 5))
        depth = rng.choice([1, 5, 20, 100])
        _assert_same(ranker.rank(db, terms, depth), _fts_ranking(db, terms, depth))
        where, args = "f.path GLOB ?", ["pkg1/*"]
        _assert_same(ranker.rank(db, terms, depth, where, args), _fts_ranking(db, terms, depth, where, args))
    db.close()


def test_a_common_terms_postings_are_read_once(lexical_index):
    db = connect(lexical_index, readonly=True)
    LexicalRanker.attach(db)
    ranker = LexicalRanker(common_df=0)
    first = ranker.rank(db, ["return", "ledger"], 10)
    assert ranker.fetches == 2
    assert ranker.rank(db, ["ledger", "return"], 10) == first
    assert ranker.rank(db, ["return"], 10)
    assert ranker.fetches == 2
    db.close()


def test_a_one_search_ranker_reads_and_keeps_no_postings(lexical_index):
    """``keep_postings=False`` (a CLI search's ranker): FTS5 ranks every word, common ones too, at once;
    the forms of ``variants`` still need each word's own postings, and those are not kept."""
    db = connect(lexical_index, readonly=True)
    LexicalRanker.attach(db)
    ranker = LexicalRanker(common_df=0, keep_postings=False)
    for _ in range(2):
        _assert_same(ranker.rank(db, ["return", "ledger"], 10), _fts_ranking(db, ["return", "ledger"], 10))
    assert ranker.fetches == 0 and ranker._cached == 0
    variants = TermVariants({"return": ("value",)}, share=0.5)
    assert ranker.rank(db, ["return", "ledger"], 10, variants=variants)
    assert ranker.fetches == 2 and ranker._cached == 0 and not ranker._postings
    db.close()


@pytest.mark.parametrize("common_df", [0, 10**9], ids=["in-memory", "fts5"])
def test_a_querys_own_column_weights_rank_as_fts5_does_and_postings_do_not_mix(lexical_index, common_df):
    db = connect(lexical_index, readonly=True)
    LexicalRanker.attach(db)
    ranker = LexicalRanker(common_df=common_df)
    code_heavy = (8.0, 2.0, 3.0, 3.0)
    terms = ["return", "ledger", "checksum"]
    shipped = ranker.rank(db, terms, 30)
    heavy = ranker.rank(db, terms, 30, weights=code_heavy)
    _assert_same(heavy, _fts_ranking(db, terms, 30, columns=code_heavy))
    assert heavy != shipped  # the code column counts three times: other scores
    # the same terms under the ranker's own weights again: not the postings cached under the other weights
    _assert_same(ranker.rank(db, terms, 30), _fts_ranking(db, terms, 30))
    where, args = "f.path GLOB ?", ["pkg2/*"]
    _assert_same(
        ranker.rank(db, terms, 30, where, args, weights=code_heavy),
        _fts_ranking(db, terms, 30, where, args, columns=code_heavy),
    )
    db.close()


@pytest.mark.parametrize("weights", [(1.0, 2.0, 3.0), (1.0, 2.0, 3.0, -1.0), (1.0, 2.0, float("nan"), 1.0)])
def test_column_weights_that_are_not_four_numbers_are_refused(lexical_index, weights):
    db = connect(lexical_index, readonly=True)
    LexicalRanker.attach(db)
    with pytest.raises(ValueError, match="four numbers"):
        LexicalRanker().rank(db, ["ledger"], 5, weights=weights)
    db.close()


def test_the_memory_bound_holds_and_results_stay_right(lexical_index, monkeypatch):
    db = connect(lexical_index, readonly=True)
    LexicalRanker.attach(db)
    dfs = LexicalRanker().document_frequencies(db, WORDS)
    bound = max(dfs.values()) + 1  # room for about one term at a time
    monkeypatch.setattr(lexical_ranker, "MAX_CACHED_POSTINGS", bound)
    ranker = LexicalRanker(common_df=0)
    for terms in (["return", "value"], ["self", "config"], ["return", "value"]):
        _assert_same(ranker.rank(db, terms, 20), _fts_ranking(db, terms, 20))
        assert ranker._cached <= max(bound, max(dfs[t] for t in terms))
    assert ranker.fetches > 4  # evicted terms were read again
    db.close()


def test_a_new_generation_gets_a_new_ranker(tmp_path, build_git_repo):
    repo = build_git_repo(tmp_path / "repo", {"a.py": "def reconcile_ledger(x):\n    return x\n"})
    index_dir = tmp_path / "index"
    index_paths([repo.root], index_dir=index_dir, embedder=None)
    searcher = Searcher(index_dir)
    assert [h.name for h in searcher.search("ledger", mode="lexical").hits] == ["reconcile_ledger"]
    before = searcher.generation.ranker
    repo.write("b.py", "def audit_ledger(y):\n    return y\n")
    repo.commit("more ledgers")
    index_paths([repo.root], index_dir=index_dir, embedder=None)
    names = {h.name for h in searcher.search("ledger", mode="lexical").hits}
    assert names == {"reconcile_ledger", "audit_ledger"}
    assert searcher.generation.ranker is not before
    searcher.close()


@pytest.mark.parametrize("common_df", [0, 10**9], ids=["in-memory", "fts5"])
def test_a_depth_past_sqlites_integers_ranks_everything(lexical_index, common_df):
    """A LIMIT is an SQLite integer (at most 2**63 - 1): a library caller's huge k ranks every match."""
    db = connect(lexical_index, readonly=True)
    LexicalRanker.attach(db)
    everything = _fts_ranking(db, ["ledger", "checksum"], 10**6)
    assert everything
    for depth in (2**63, 5 * 10**20):
        _assert_same(LexicalRanker(common_df=common_df).rank(db, ["ledger", "checksum"], depth), everything)
    db.close()
    searcher = Searcher(lexical_index)
    try:
        assert searcher.search("checksum ledger", k=10**20, mode="lexical").hits
    finally:
        searcher.close()


def test_a_pool_shares_one_ranker(lexical_index):
    shared = SharedVectors()
    pool = [BatchedSearcher(lexical_index, shared=shared) for _ in range(3)]
    assert len({id(s.generation.ranker) for s in pool}) == 1
    hits = [s.search("checksum ledger", mode="lexical").hits for s in pool]
    assert hits[0] and all([h.doc_id for h in hs] == [h.doc_id for h in hits[0]] for hs in hits)
    for s in pool:
        s.close()


@pytest.mark.parametrize("common_df", [0, 10**9], ids=["in-memory", "fts5"])
def test_words_with_accents_match_as_fts5_folds_them(tmp_path, build_git_repo, common_df):
    files = {
        "a.py": 'def envoyer_reponse(x):\n    """Envoie la réponse HTTP."""\n    return x\n',
        "b.py": 'def lire_requete(x):\n    """Lit la requête et sa réponse."""\n    return x\n',
        "c.py": "def unrelated(x):\n    return x\n",
    }
    repo = build_git_repo(tmp_path / "repo", files)
    index_paths([repo.root], index_dir=tmp_path / "index", embedder=None)
    db = connect(tmp_path / "index", readonly=True)
    LexicalRanker.attach(db)
    ranker = LexicalRanker(common_df=common_df)
    for terms in (["réponse"], ["requête", "réponse"], ["reponse", "réponse"]):
        want = _fts_ranking(db, terms, 10)
        assert len(want) == 2
        _assert_same(ranker.rank(db, terms, 10), want)
    db.close()
