"""The Searcher over real indexes: modes, filters, exact names, collapsing, reloads, JSON, errors.

Most tests use the fake hash embedder over one module-scoped index; the end-to-end tests at the bottom
use the real bundled ``use`` model (indexed once per session) with English and non-English queries.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from codesearch.embedding.fake import HashEmbedder
from codesearch.errors import ConfigError, IndexNotFoundError, ModelMismatchError
from codesearch.query import analyse_query
from codesearch.search import Searcher
from indexer.lexical import query_terms
from indexer.pipeline import index_paths
from indexer.store import connect
from indexer.store_read import Filters

LONG_PY = (
    '"""One very long function, so it is windowed."""\n\n\n'
    "def process_everything(batch):\n"
    + "".join(f"    batch = stage_{i}(batch)  # reconcile ledger entries\n" for i in range(150))
    + "    return batch\n"
)
OTHER_FILES = {"tools/mirror.py": "def mirror_bucket(src, dst):\n    return copy_objects(src, dst)\n"}
HIT_KEYS = [
    "rank",
    "score",
    "repo",
    "path",
    "abs_path",
    "language",
    "kind",
    "name",
    "qualified_name",
    "start_line",
    "end_line",
    "signature",
    "snippet",
]


@pytest.fixture(scope="module")
def fake_embedder() -> HashEmbedder:
    return HashEmbedder(256)


@pytest.fixture(scope="module")
def fake_index(tmp_path_factory, build_git_repo, sample_files, fake_embedder):
    base = tmp_path_factory.mktemp("search")
    shop = build_git_repo(base / "shop", {**sample_files, "src/long.py": LONG_PY})
    other = build_git_repo(base / "other", OTHER_FILES)
    index_dir = base / "index"
    index_paths([shop.root, other.root], index_dir=index_dir, embedder=fake_embedder, model="fake")
    return index_dir


@pytest.fixture(scope="module")
def searcher(fake_index, fake_embedder) -> Searcher:
    s = Searcher(fake_index, fake_embedder)
    yield s
    s.close()


def _searcher_over(tmp_path, build_git_repo, embedder, files: dict[str, str]) -> Searcher:
    """A Searcher over a fresh git repo ``r`` of ``files``, indexed with ``embedder``."""
    repo = build_git_repo(tmp_path / "r", files)
    index_paths([repo.root], index_dir=tmp_path / "idx", embedder=embedder, model="fake")
    return Searcher(tmp_path / "idx", embedder)


def _db(searcher: Searcher) -> sqlite3.Connection:
    """A connection of the searcher's own kind to its index (read-only)."""
    return connect(searcher.index_dir, readonly=True)


def _paths(searcher: Searcher) -> dict[int, str]:
    """Each document id of the index with its file's path."""
    return dict(_db(searcher).execute("SELECT d.id, f.path FROM documents d JOIN files f ON f.id=d.file_id"))


@pytest.mark.parametrize("mode", ["hybrid", "dense", "lexical"])
def test_every_mode_finds_a_function_by_its_words(searcher, mode) -> None:
    hits = searcher.search("retry with backoff request attempts", k=5, mode=mode).hits
    assert hits, mode
    assert "retry_with_backoff" in [h.name for h in hits[:3]], mode
    assert [h.rank for h in hits] == list(range(1, len(hits) + 1))
    assert all(a.score >= b.score for a, b in zip(hits, hits[1:], strict=False))


def test_dense_and_hybrid_hits_carry_the_dense_score(searcher) -> None:
    hit = searcher.search("retry with backoff", k=1, mode="hybrid").hits[0]
    assert set(hit.scores) == {"dense"} and -1.0 <= hit.scores["dense"] <= 1.0
    assert searcher.search("retry with backoff", k=1, mode="lexical").hits[0].scores == {}


def test_filter_by_language(searcher) -> None:
    hits = searcher.search("config values environment total price", k=20, lang="Go").hits
    assert hits and {h.language for h in hits} == {"go"}


@pytest.mark.parametrize("mode", ["hybrid", "dense", "lexical"])
def test_filter_by_path_glob_and_substring(searcher, mode) -> None:
    hits = searcher.search("total price items cart currency", k=20, path_glob="web/*", mode=mode).hits
    assert hits and {h.path for h in hits} == {"web/cart.js"}
    hits = searcher.search("slug title words", k=20, path_glob="text", mode=mode).hits
    assert hits and {h.path for h in hits} == {"util/text.py"}


def test_filter_by_repo_and_kind(searcher) -> None:
    hits = searcher.search("mirror bucket copy objects retry", k=20, repo="other").hits
    assert [h.name for h in hits] == ["mirror_bucket"] and hits[0].repo == "other"
    hits = searcher.search("rate limiter calls retry", k=20, kind="class").hits
    assert [h.qualified_name for h in hits] == ["RateLimiter"]
    assert searcher.search("retry", k=5, repo="no-such-repo").hits == []


def test_exact_identifier_ranks_first(searcher) -> None:
    for query, qualified in [
        ("count_words", "count_words"),
        ("LoadConfig", "LoadConfig"),
        ("RateLimiter.wait", "RateLimiter.wait"),
        ("computecarttotal", "computeCartTotal"),
    ]:
        assert searcher.search(query, k=5).hits[0].qualified_name == qualified, query
        assert searcher.search(query, k=5, mode="lexical").hits[0].qualified_name == qualified, query


def test_windows_of_one_long_symbol_collapse_to_one_hit(searcher) -> None:
    hits = searcher.search("reconcile ledger entries stage batch", k=10, mode="lexical").hits
    long_hits = [h for h in hits if h.name == "process_everything"]
    assert len(long_hits) == 1
    assert long_hits[0].path == "src/long.py"
    db_windows = (
        _db(searcher).execute("SELECT COUNT(*) FROM documents WHERE name='process_everything'").fetchone()[0]
    )
    assert db_windows >= 3  # it really was windowed


def test_json_shape_is_exactly_the_documented_one(searcher) -> None:
    result = searcher.search("retry with backoff", k=3)
    obj = json.loads(json.dumps(result.to_json()))
    assert list(obj) == ["query", "took_ms", "hits"]
    assert obj["query"] == "retry with backoff" and isinstance(obj["took_ms"], float)
    assert len(obj["hits"]) == 3
    for hit in obj["hits"]:
        assert list(hit) == HIT_KEYS
        assert Path(hit["abs_path"]).is_file()
        assert isinstance(hit["start_line"], int) and hit["start_line"] <= hit["end_line"]
        assert hit["snippet"] and isinstance(hit["score"], float)


@pytest.mark.parametrize("query", ["", "   ", "\n\t"])
def test_empty_query_is_a_config_error(searcher, query) -> None:
    with pytest.raises(ConfigError, match="empty"):
        searcher.search(query)


def test_unknown_mode_is_a_config_error(searcher) -> None:
    with pytest.raises(ConfigError, match="mode"):
        searcher.search("retry", mode="fuzzy")


def test_status_counts_what_the_index_holds(searcher, fake_index) -> None:
    status = searcher.status()
    assert status["index_dir"] == str(fake_index) and status["model"] == "fake" and status["dim"] == 256
    assert sorted(r["name"] for r in status["repos"]) == ["other", "shop"]
    assert status["languages"]["go"] == {"files": 1, "symbols": 1}
    assert status["languages"]["python"]["files"] == 4
    json.dumps(status)


def test_searcher_of_another_model_is_refused(fake_index) -> None:
    with pytest.raises(ModelMismatchError, match="--rebuild"):
        Searcher(fake_index, HashEmbedder(64))


def test_no_index_is_index_not_found(tmp_path) -> None:
    with pytest.raises(IndexNotFoundError, match="codesearch index"):
        Searcher(tmp_path / "nothing-here")


def test_new_generation_is_picked_up_without_reopening(git_repo, tmp_path) -> None:
    embedder = HashEmbedder(64)
    repo = git_repo()
    index_dir = tmp_path / "idx"
    index_paths([repo.root], index_dir=index_dir, embedder=embedder, model="fake")
    searcher = Searcher(index_dir, embedder)
    assert searcher.search("zebra_crossing", k=3, mode="lexical").hits == []
    repo.write("web/zebra.js", "function zebra_crossing(cars) {\n  return cars.stop();\n}\n")
    index_paths([repo.root], index_dir=index_dir, embedder=embedder, model="fake")
    for mode in ("hybrid", "dense", "lexical"):
        assert searcher.search("zebra_crossing", k=3, mode=mode).hits[0].name == "zebra_crossing", mode
    assert searcher.manifest.generation == 2


def test_lexical_only_index(git_repo, tmp_path) -> None:
    repo = git_repo()
    index_dir = tmp_path / "idx"
    index_paths([repo.root], index_dir=index_dir, embedder=None)
    searcher = Searcher(index_dir, None)
    assert searcher.search("slug title", k=3).hits[0].name == "slugify"  # hybrid falls back to lexical
    assert searcher.search("slugify", k=3, mode="lexical").hits[0].name == "slugify"
    with pytest.raises(ConfigError, match="no vectors.*--mode lexical"):
        searcher.search("slug title", mode="dense")
    # an embedder given to a lexical-only index is not a mismatch: it is just unused
    assert Searcher(index_dir, HashEmbedder(32)).search("slugify", k=1).hits[0].name == "slugify"


# -- end to end with the real bundled model ---------------------------------------------------------------


@pytest.fixture(scope="module")
def use_searcher(use_index, use_embedder):
    s = Searcher(use_index.index_dir, use_embedder)
    yield s
    s.close()


@pytest.mark.parametrize(
    ("query", "path", "name", "def_line"),
    [
        (
            "retry failed HTTP requests with exponential backoff",
            "src/net/retry.py",
            "retry_with_backoff",
            "def retry_with_backoff(",
        ),
        ("读取配置文件并合并环境变量", "config/load.go", "LoadConfig", "func LoadConfig("),
        (
            "calcular el precio total del carrito de compras",
            "web/cart.js",
            "computeCartTotal",
            "function computeCartTotal(",
        ),
        ("convertir un título en un slug para URL", "util/text.py", "slugify", "def slugify("),
    ],
)
def test_real_model_finds_the_function_in_any_language(use_searcher, use_index, query, path, name, def_line):
    hits = use_searcher.search(query, k=3).hits
    matching = [h for h in hits if h.name == name]
    assert matching, [h.qualified_name for h in hits]
    hit = matching[0]
    assert hit.path == path and hit.repo == "shop"
    abs_path = Path(hit.abs_path)
    assert abs_path.is_file() and abs_path == use_index.repo.root / path
    lines = abs_path.read_text().splitlines()
    assert def_line in lines[hit.start_line - 1]
    assert hit.start_line == use_index.repo.line_of(path, def_line)
    assert hit.start_line < hit.end_line <= len(lines)
    assert hit.snippet.splitlines()[0] == lines[hit.start_line - 1]


def test_collapsing_many_windows_still_fills_k(tmp_path, build_git_repo, fake_embedder) -> None:
    """A symbol with more windows than one metadata batch must not crowd the next hit out of the top k."""
    huge = "def giant(ledger):\n" + "".join(f"    ledger = post_ledger_{i}(ledger)\n" for i in range(3200))
    searcher = _searcher_over(
        tmp_path,
        build_git_repo,
        fake_embedder,
        {"big.py": huge, "small.py": "def tiny(ledger):\n    return ledger\n"},
    )
    n_windows = _db(searcher).execute("SELECT COUNT(*) FROM documents WHERE name='giant'").fetchone()[0]
    assert n_windows > 50
    hits = searcher.search("ledger", k=2, mode="lexical").hits
    assert sorted(h.name for h in hits) == ["giant", "tiny"]


def test_overloads_and_copies_fold_into_one_hit(tmp_path, build_git_repo, fake_embedder) -> None:
    """The same function twice (a copy in another folder) and two overloads each show up once."""
    slugify = "def slugify_title(title):\n    return '-'.join(title.lower().split())\n"
    overloads = (
        "class Ledger {\n"
        "    int reconcileLedger(String account) { return 0; }\n"
        "    int reconcileLedger(String account, int year) { return year; }\n"
        "}\n"
    )
    searcher = _searcher_over(
        tmp_path,
        build_git_repo,
        fake_embedder,
        {"text/slug.py": slugify, "copied/slug.py": slugify, "src/Ledger.java": overloads},
    )

    slug_hits = [
        h for h in searcher.search("slugify title", k=10, mode="lexical").hits if h.name == "slugify_title"
    ]
    assert len(slug_hits) == 1
    other = {"copied/slug.py", "text/slug.py"} - {slug_hits[0].path}
    assert slug_hits[0].also_at == [f"r/{other.pop()}:1"]

    ledger = [
        h
        for h in searcher.search("reconcile ledger", k=10, mode="lexical").hits
        if h.name == "reconcileLedger"
    ]
    assert len(ledger) == 1 and len(ledger[0].also_at) == 1
    assert {ledger[0].start_line, int(ledger[0].also_at[0].rsplit(":", 1)[1])} == {2, 3}
    explained = searcher.search("reconcile ledger", k=3, mode="lexical").to_json(explain=True)["hits"]
    assert [h["also_at"] for h in explained if h["name"] == "reconcileLedger"] == [ledger[0].also_at]


class _InstructionRecorder(HashEmbedder):
    def __init__(self) -> None:
        super().__init__(64)
        self.instructions: list[str] = []

    def _embed_batch(self, texts, *, is_query, instruction):
        if is_query:
            self.instructions.append(instruction)
        return super()._embed_batch(texts, is_query=is_query, instruction=instruction)


SIMILAR_FILES = {
    "a/sum.py": "def total_of_prices(items):\n    total = 0\n    for item in items:\n        total += item.price\n    return total\n",
    "b/add.py": "def add_up_prices(rows):\n    total = 0\n    for row in rows:\n        total += row.price\n    return total\n",
    "c/io.py": "def open_socket(host, port):\n    return connect((host, port))\n",
}


def test_similar_finds_the_lookalike_and_leaves_itself_out(tmp_path, build_git_repo) -> None:
    from codesearch.embedding.base import QUERY_INSTRUCTIONS
    from codesearch.errors import NotFoundError

    embedder = _InstructionRecorder()
    repo = build_git_repo(tmp_path / "r", SIMILAR_FILES)
    index_dir = tmp_path / "idx"
    index_paths([repo.root], index_dir=index_dir, embedder=embedder, model="fake")
    searcher = Searcher(index_dir, embedder)
    hits = searcher.similar(repo.root / "a/sum.py", 4, k=2).hits
    assert [h.name for h in hits][0] == "add_up_prices"
    assert all(h.path != "a/sum.py" for h in hits)
    assert embedder.instructions[-1] == QUERY_INSTRUCTIONS["code"]
    searcher.search("parseConfig", k=1)
    assert embedder.instructions[-1] == QUERY_INSTRUCTIONS["identifier"]
    searcher.search("add up the prices", k=1)
    assert embedder.instructions[-1] == QUERY_INSTRUCTIONS["text"]
    with pytest.raises(NotFoundError, match="nothing indexed at"):
        searcher.similar(tmp_path / "elsewhere.py", 1)


def test_vectors_replaced_under_the_reader_are_retried_then_reported(
    tmp_path, build_git_repo, fake_embedder
) -> None:
    """A writer may delete the vectors a reader was about to load; a vanished file is one clear error."""
    from codesearch.errors import IndexIOError
    from indexer.store import Manifest

    repo = build_git_repo(tmp_path / "r", OTHER_FILES)
    index_dir = tmp_path / "idx"
    index_paths([repo.root], index_dir=index_dir, embedder=fake_embedder, model="fake")
    manifest = Manifest.read(index_dir)
    vectors = index_dir / manifest.vectors_file
    moved = vectors.with_name("aside.faiss")
    vectors.rename(moved)
    with pytest.raises(IndexIOError, match="run `codesearch index` to repair"):
        Searcher(index_dir, fake_embedder)
    # the writer's next run repairs the missing vectors
    repo.write("tools/extra.py", "def extra():\n    return 2\n")
    repo.commit("more")
    index_paths([repo.root], index_dir=index_dir, embedder=fake_embedder, model="fake")
    assert Searcher(index_dir, fake_embedder).search("mirror bucket", k=1).hits[0].name == "mirror_bucket"


ROLE_FILES = {
    "pkg/ledger.py": "def reconcile(entries):\n    return sum(entries)\n",
    "pkg/ledger.pyi": "def reconcile(entries: list[int]) -> int: ...\n",
    "tests/test_ledger.py": (
        "def test_reconcile_ledger():\n"
        "    # reconcile the ledger twice: a reconciled ledger must reconcile again\n"
        "    assert reconcile([1]) == reconcile(reconcile([1]))\n"
    ),
}


def test_code_outranks_its_test_and_its_stub_folds_into_it(tmp_path, build_git_repo, fake_embedder) -> None:
    """The test repeats the words more often (BM25 ranks it first on its own), yet the implementation comes
    first; the `.pyi` declaration is the same function, shown as one hit; a query for tests finds the test."""
    searcher = _searcher_over(tmp_path, build_git_repo, fake_embedder, ROLE_FILES)
    raw = searcher.generation.lexical(query_terms("reconcile ledger"), 10, Filters(), None)
    paths = _paths(searcher)
    assert paths[raw[0][0]] == "tests/test_ledger.py"  # without priors the test wins

    hits = searcher.search("reconcile ledger", k=10, mode="lexical").hits
    assert [h.path for h in hits] == ["pkg/ledger.py", "tests/test_ledger.py"]
    assert hits[0].also_at == ["r/pkg/ledger.pyi:1"]

    asked = searcher.search("reconcile ledger test", k=10, mode="lexical").hits
    assert asked[0].path == "tests/test_ledger.py"


def test_code_found_after_its_stub_takes_the_stubs_place(
    tmp_path, build_git_repo, fake_embedder, monkeypatch
) -> None:
    """With no priors the `.pyi` stub ranks above its implementation: the hit still shows the code."""
    monkeypatch.setattr("codesearch.roles.PRIORS", {})
    searcher = _searcher_over(
        tmp_path,
        build_git_repo,
        fake_embedder,
        {
            "pkg/ledger.py": "def post(rows):\n    return sum(rows)\n",
            "pkg/ledger.pyi": "# Post ledger entries: post entries to the ledger.\ndef post(entries: list[int]) -> int: ...\n",
        },
    )
    paths = _paths(searcher)
    assert (
        paths[searcher.generation.lexical(query_terms("post ledger entries"), 10, Filters(), None)[0][0]]
        == "pkg/ledger.pyi"
    )
    hits = searcher.search("post ledger entries", k=10, mode="lexical").hits
    assert [(h.rank, h.path, h.also_at) for h in hits] == [(1, "pkg/ledger.py", ["r/pkg/ledger.pyi:2"])]


def test_a_name_typed_in_another_convention_ranks_first(tmp_path, build_git_repo, fake_embedder) -> None:
    """`addOptionGroup` finds `add_option_group`, `stream_for` finds `streamFor`; where two names match
    (`tupleWindows`: a struct and a function), the better-scored one comes first, not the older row."""
    searcher = _searcher_over(
        tmp_path,
        build_git_repo,
        fake_embedder,
        {
            "app.py": (
                "def add_option(group, option):\n    return group.options.append(option)\n\n\n"
                "def add_options(group, options):\n    return [add_option(group, o) for o in options]\n\n\n"
                "def add_option_group(app, name):\n    return app.groups.setdefault(name, [])\n"
            ),
            "utils.js": "function streamFor(resource) {\n  return new Stream(resource);\n}\n",
            "windows.rs": (
                "pub struct TupleWindows { size: usize }\n\n"
                "/// Tuple windows over an iterator: every tuple window of the given size.\n"
                "pub fn tuple_windows(size: usize) -> TupleWindows { TupleWindows { size } }\n"
            ),
        },
    )
    for mode in ("hybrid", "lexical"):
        hits = searcher.search("addOptionGroup", k=5, mode=mode).hits
        assert (hits[0].name, hits[0].exact_name) == ("add_option_group", True), mode
        assert not any(h.exact_name for h in hits[1:])
        assert searcher.search("stream_for", k=5, mode=mode).hits[0].name == "streamFor", mode
        both = searcher.search("tupleWindows", k=5, mode=mode).hits[:2]
        assert {h.name for h in both} == {"TupleWindows", "tuple_windows"} and all(h.exact_name for h in both)
    lexical = dict(searcher.generation.lexical(query_terms("tupleWindows"), 10, Filters(), None))
    first, second = searcher.search("tupleWindows", k=5, mode="lexical").hits[:2]
    assert lexical[first.doc_id] >= lexical[second.doc_id]


def test_role_priors_read_any_number_of_candidates(searcher) -> None:
    """A huge k fuses more candidates than SQLite takes variables in one statement (32,766 by default,
    250,000 in Debian's build): one more than this connection's limit."""
    limit = _db(searcher).getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    ranked = [(i, 1.0 / i) for i in range(1, limit + 2)]
    facts = searcher.generation.facts([i for i, _ in ranked])
    weighed = searcher._weigh(analyse_query("ledger"), ranked, facts, supported=True)
    assert len(weighed) == len(ranked)
    assert {i for i, _ in weighed} == {i for i, _ in ranked}


def test_a_window_hit_previews_the_lines_that_matched(tmp_path, build_git_repo, fake_embedder) -> None:
    """A loose window's preview is where the query's words are, numbered from the file line it starts at."""
    notes = [f"filler line {i} about nothing in particular" for i in range(1, 31)]
    notes[24] = "the reconciliation ledger is flushed nightly"
    searcher = _searcher_over(tmp_path, build_git_repo, fake_embedder, {"notes.txt": "\n".join(notes) + "\n"})

    hit = next(h for h in searcher.search("reconciliation ledger", k=5, mode="lexical").hits if h.kind == "window")
    shown = hit.snippet.splitlines()
    assert "the reconciliation ledger is flushed nightly" in shown
    assert hit.snippet_start_line > hit.start_line
    assert shown[25 - hit.snippet_start_line] == notes[24]
