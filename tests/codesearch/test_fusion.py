"""Hybrid fusion: per-list normalisation, and weights that follow the query's script and vocabulary."""

from __future__ import annotations

import statistics

import pytest

from codesearch import fusion
from codesearch.fusion import FusionPlan, QueryProfile, file_supported, fuse, plan_fusion, profile_query
from codesearch.search import Searcher
from indexer.pipeline import index_paths


def test_fuse_normalises_each_list_before_mixing() -> None:
    dense, lexical = [(1, 0.9), (2, 0.8), (4, 0.1)], [(2, 12.0), (3, 11.0), (5, 1.0)]
    # scores are normalised per list (cosine and BM25 differ in scale): the id both sides rank high wins
    assert [i for i, _ in fuse([dense, lexical], (0.5, 0.5))][0] == 2
    # with no lexical weight the dense order stands
    assert [i for i, _ in fuse([dense, lexical], (1.0, 0.0))][:2] == [1, 2]
    # one-element lists still count fully
    assert fuse([[(7, 0.3)], []], (0.6, 0.4)) == [(7, 0.6)]


def test_each_list_is_scaled_by_its_spread_not_its_range() -> None:
    """(s - min) / standard deviation: one score far ahead does not squash the rest of its list to nothing
    (with min-max, 2.0 and 1.0 under a 10.0 became 0.2 and 0.1), and a lead stands out by how far it is ahead
    of the list as a whole (results/fusion-scaling-2026-12-07.md)."""
    ranking = [(1, 10.0), (2, 2.0), (3, 1.0), (4, 0.0)]
    spread = statistics.pstdev([10.0, 2.0, 1.0, 0.0])
    scaled = fusion.normalised(ranking)
    assert scaled == pytest.approx({1: 10.0 / spread, 2: 2.0 / spread, 3: 1.0 / spread, 4: 0.0})
    assert scaled[2] - scaled[3] > 0.2  # min-max: 0.1
    assert fusion.normalised([(5, 0.4), (6, 0.4)]) == {5: 1.0, 6: 1.0}  # no spread: all count fully
    assert fusion.normalised([]) == {}


@pytest.mark.parametrize(
    "query", ["读取配置文件并合并环境变量", "получить данные пользователя", "設定ファイルを読む"]
)
def test_non_latin_queries_lean_on_the_dense_side(query) -> None:
    profile = profile_query(query, lambda words: set(words))
    assert profile.non_latin
    assert plan_fusion(profile).weights == fusion.NON_LATIN_WEIGHTS


def test_coverage_moves_the_weights_between_the_two_ends() -> None:
    def knows(*vocabulary: str):
        return lambda words: {w for w in words if w in vocabulary}

    english = profile_query("parse the config file", knows("parse", "config", "file"))
    french = profile_query("analyser le fichier de configuration", knows("config"))
    assert english.coverage == 1.0 and french.coverage == 0.0
    assert plan_fusion(english).weights == fusion.COVERED_WEIGHTS
    assert plan_fusion(french).weights == fusion.UNCOVERED_WEIGHTS
    half = plan_fusion(QueryProfile(non_latin=False, coverage=0.6)).weights
    assert fusion.UNCOVERED_WEIGHTS[1] < half[1] < fusion.COVERED_WEIGHTS[1]
    # no vocabulary to ask, or no Latin word in the query: the covered end
    assert plan_fusion(profile_query("parse the config file")).weights == fusion.COVERED_WEIGHTS


@pytest.mark.parametrize(
    "query", ["parseConfig", "read_lines", "os.path.join", "Vec::push", "XMLHttpRequest"]
)
def test_compound_identifiers_have_their_own_weights(query) -> None:
    profile = profile_query(query, lambda words: set())
    assert profile.identifier
    plan = plan_fusion(profile, (False, True))  # use, minilm
    assert plan.weights == fusion.IDENTIFIER_WEIGHTS
    # a name reads as English: the English model speaks for it, the multilingual one as much as for English
    assert plan.part_weights == (fusion.MULTILINGUAL_WEIGHT_FOR_ENGLISH, 1.0)


@pytest.mark.parametrize("query", ["sort", "parse the config", "读取配置文件"])
def test_words_and_phrases_are_not_identifiers(query) -> None:
    assert not profile_query(query).identifier


def test_an_english_only_model_speaks_for_covered_queries_only() -> None:
    parts = (False, True)  # use, and minilm: English-only
    multilingual = fusion.MULTILINGUAL_WEIGHT_FOR_ENGLISH
    assert plan_fusion(QueryProfile(False, 1.0), parts).part_weights == (multilingual, 1.0)
    assert plan_fusion(QueryProfile(False, 0.3), parts).part_weights == (1.0, 0.0)
    half = plan_fusion(QueryProfile(False, 0.6), parts).part_weights
    assert half == pytest.approx((1.0 - 0.5 * (1.0 - multilingual), 0.5))
    assert plan_fusion(QueryProfile(True, None), parts).part_weights == (1.0, 0.0)
    assert plan_fusion(QueryProfile(False, 1.0)) == FusionPlan(fusion.COVERED_WEIGHTS, None)
    # with the English model in the index, an English query weighs the two sides as measured for it
    assert plan_fusion(QueryProfile(False, 1.0), parts).weights == fusion.COVERED_WEIGHTS_ENGLISH_MODEL


def test_models_that_are_not_english_only_all_speak_for_an_english_query() -> None:
    # a composite of two multilingual models: MULTILINGUAL_WEIGHT_FOR_ENGLISH weighs a model beside an English
    # one, and must not silence both
    for profile in (QueryProfile(False, 1.0), QueryProfile(False, 0.6), QueryProfile(True, None)):
        assert plan_fusion(profile, (False, False)).part_weights == (1.0, 1.0)


def test_searcher_measures_coverage_against_its_own_index(tmp_path, build_git_repo, hash_embedder) -> None:
    repo = build_git_repo(
        tmp_path / "r",
        {
            "a.py": "def parse_config(path):\n    '''Parse the config file at path.'''\n    return path\n",
            "b.py": "def load_config(path):\n    '''Load a config file.'''\n    return parse_config(path)\n",
        },
    )
    index_dir = tmp_path / "idx"
    index_paths([repo.root], index_dir=index_dir, embedder=hash_embedder, model="fake")
    searcher = Searcher(index_dir, hash_embedder)
    try:
        english = searcher.plan("parse config file")
        other = searcher.plan("analyser le fichier config")  # only "config" is a word of this index
        assert english.weights == fusion.COVERED_WEIGHTS
        assert other.weights[1] < english.weights[1]
        assert other.weights == fusion.UNCOVERED_WEIGHTS
    finally:
        searcher.close()


def test_the_multilingual_model_can_step_back_for_english_queries(monkeypatch) -> None:
    """MULTILINGUAL_WEIGHT_FOR_ENGLISH scales the multilingual model for queries that read as English only:
    a query in another language still hears it alone."""
    parts = (False, True)
    monkeypatch.setattr(fusion, "MULTILINGUAL_WEIGHT_FOR_ENGLISH", 0.0)
    assert plan_fusion(QueryProfile(False, 1.0), parts).part_weights == (0.0, 1.0)
    assert plan_fusion(QueryProfile(False, 0.3), parts).part_weights == (1.0, 0.0)
    assert plan_fusion(QueryProfile(True, None), parts).part_weights == (1.0, 0.0)
    monkeypatch.setattr(fusion, "MULTILINGUAL_WEIGHT_FOR_ENGLISH", 0.5)
    assert plan_fusion(QueryProfile(False, 1.0), parts).part_weights == (0.5, 1.0)
    assert plan_fusion(QueryProfile(False, 0.6), parts).part_weights == pytest.approx((0.75, 0.5))


@pytest.mark.parametrize("non_latin", [True, False])
def test_translated_weights_replace_the_mix_beside_an_english_model_only(
    monkeypatch, non_latin: bool
) -> None:
    """The case measured (the default two-model index); a one-model index keeps its script's weights."""
    translated = fusion.QueryProfile(non_latin=non_latin, coverage=0.3, translated=True)
    plain = fusion.QueryProfile(non_latin=non_latin, coverage=0.3)
    two_models = (False, True)
    assert fusion.TRANSLATED_WEIGHTS == (0.6, 0.4)
    assert fusion.plan_fusion(translated, two_models).weights == (0.6, 0.4)
    assert fusion.plan_fusion(plain, two_models).weights != (0.6, 0.4)
    assert fusion.plan_fusion(translated).weights == fusion.plan_fusion(plain).weights
    monkeypatch.setattr(fusion, "TRANSLATED_WEIGHTS", None)
    assert fusion.plan_fusion(translated, two_models).weights == fusion.plan_fusion(plain, two_models).weights


@pytest.mark.parametrize("non_latin", [True, False])
def test_translated_weights_and_the_gloss_combine(monkeypatch, non_latin: bool) -> None:
    # both switches on: the dense/lexical weights come from TRANSLATED_WEIGHTS, the models' from the gloss
    monkeypatch.setattr(fusion, "TRANSLATED_WEIGHTS", (0.6, 0.4))
    both = fusion.QueryProfile(non_latin=non_latin, coverage=0.3, translated=True, glossed=True)
    plan = fusion.plan_fusion(both, (False, True))
    assert plan.weights == (0.6, 0.4)
    assert plan.part_weights == (1.0, fusion.GLOSS_ENGLISH_WEIGHT)


@pytest.mark.parametrize(
    ("profile", "expected"),
    [
        # a long translated query, a long non-Latin one, a long untranslated Latin one: 0.5/0.5
        (fusion.QueryProfile(non_latin=False, coverage=0.3, translated=True, words=12), (0.5, 0.5)),
        (fusion.QueryProfile(non_latin=True, coverage=None, words=9), (0.5, 0.5)),
        (fusion.QueryProfile(non_latin=False, coverage=0.1, words=15), (0.5, 0.5)),
        # short ones keep their plans
        (fusion.QueryProfile(non_latin=False, coverage=0.3, translated=True, words=8), (0.6, 0.4)),
        (fusion.QueryProfile(non_latin=True, coverage=None, words=1), fusion.NON_LATIN_WEIGHTS),
        # a long English query keeps its plan: it leans on the lexical side already
        (fusion.QueryProfile(non_latin=False, coverage=1.0, words=20), fusion.COVERED_WEIGHTS_ENGLISH_MODEL),
    ],
)
def test_a_long_query_leans_less_on_the_dense_side_beside_an_english_model(profile, expected) -> None:
    assert fusion.plan_fusion(profile, (False, True)).weights == pytest.approx(expected)


def test_a_long_query_in_a_one_model_index_keeps_its_plan() -> None:
    # not measured there
    long_untranslated = fusion.QueryProfile(non_latin=True, coverage=None, words=20)
    assert fusion.plan_fusion(long_untranslated).weights == fusion.NON_LATIN_WEIGHTS


def test_the_profile_counts_the_words_as_typed() -> None:
    assert fusion.profile_query("lire le fichier de configuration et fusionner les variables").words == 9
    assert fusion.profile_query("读取配置文件并合并环境变量").words == 1


def test_a_candidate_is_supported_by_the_best_other_candidate_of_its_file() -> None:
    fused = [(1, 3.0), (2, 2.0), (3, 1.9), (4, 1.0), (5, 0.5)]
    files = {1: "lone.py", 2: "pair.py", 3: "pair.py", 4: "pair.py", 5: "other.py"}
    supported = dict(file_supported(fused, files, share=0.6))
    assert supported[1] == 3.0 and supported[5] == 0.5  # alone in their files
    assert supported[2] == pytest.approx(2.0 + 0.6 * 1.9)  # its best other, not itself
    assert supported[3] == pytest.approx(1.9 + 0.6 * 2.0)
    assert supported[4] == pytest.approx(1.0 + 0.6 * 2.0)
    assert [i for i, _ in file_supported(fused, files, share=0.6)] == [2, 3, 1, 4, 5]


def test_file_support_leaves_unknown_documents_and_a_zero_share_alone() -> None:
    fused = [(1, 2.0), (2, 1.0), (3, 0.9)]
    assert file_supported(fused, {2: "a.py", 3: "a.py"}, share=0.0) == fused
    assert dict(file_supported(fused, {2: "a.py", 3: "a.py"}, share=1.0))[1] == 2.0
    assert file_supported([], {}, share=1.0) == []


LONE = 'def ledger_total(ledger):\n    """Ledger ledger ledger: the ledger total."""\n    return ledger\n'
PAIR = (
    'def ledger_open(path):\n    """Open a ledger."""\n    return path\n\n\n'
    'def ledger_close(handle):\n    """Close a ledger."""\n    return handle\n'
)
# functions the query does not ask for: the dense side's lowest scores are theirs, not the ledger's
OTHERS = "".join(f"def unrelated_{n}(x):\n    return x * {n}\n\n\n" for n in range(6))


def test_hybrid_search_lends_file_support_and_lexical_search_does_not(
    tmp_path, build_git_repo, hash_embedder, monkeypatch
) -> None:
    """Wired into the pipeline: with a huge share the two candidates that share a file rank above the one that
    matches more but stands alone (first at the shipped share); lexical search ranks by its own scores."""
    repo = build_git_repo(tmp_path / "r", {"lone.py": LONE, "pair.py": PAIR, "other.py": OTHERS})
    index_paths([repo.root], index_dir=tmp_path / "idx", embedder=hash_embedder, model="fake")
    searcher = Searcher(tmp_path / "idx", hash_embedder)
    try:
        assert searcher.search("ledger", k=3, mode="lexical").hits[0].name == "ledger_total"
        before = [h.name for h in searcher.search("ledger", k=10, mode="hybrid").hits]
        monkeypatch.setattr(fusion, "FILE_SUPPORT", 100.0)
        after = searcher.search("ledger", k=10, mode="hybrid").hits
        assert before[0] == "ledger_total"
        assert {h.path for h in after[:2]} == {"pair.py"}
        assert searcher.search("ledger", k=3, mode="lexical").hits[0].name == "ledger_total"
    finally:
        searcher.close()


@pytest.mark.parametrize(
    ("profile", "english_weights"),
    [
        (fusion.QueryProfile(non_latin=False, coverage=1.0, words=6), True),
        (fusion.QueryProfile(non_latin=False, coverage=fusion.COVERAGE_HIGH, words=4), True),
        (fusion.QueryProfile(non_latin=False, coverage=None, words=1), True),  # no Latin word to judge by
        # a query that reads as another language, is one identifier, or was translated: the store's own weights
        (fusion.QueryProfile(non_latin=False, coverage=0.6, words=6), False),
        (fusion.QueryProfile(non_latin=True, coverage=None, words=1), False),
        (fusion.QueryProfile(non_latin=False, coverage=None, identifier=True), False),
        (fusion.QueryProfile(non_latin=False, coverage=0.9, translated=True, words=6), False),
        (fusion.QueryProfile(non_latin=True, coverage=None, translated=True, glossed=True, words=3), False),
    ],
)
def test_english_column_weights_go_to_queries_that_read_as_english_beside_an_english_model(
    monkeypatch, profile, english_weights: bool
) -> None:
    code_heavy = (8.0, 2.0, 3.0, 3.0)
    monkeypatch.setattr(fusion, "ENGLISH_BM25_WEIGHTS", code_heavy)
    assert fusion.plan_fusion(profile, (False, True)).bm25_weights == (
        code_heavy if english_weights else None
    )
    assert fusion.plan_fusion(profile).bm25_weights is None  # one multilingual model: not the case measured
    monkeypatch.setattr(fusion, "ENGLISH_BM25_WEIGHTS", None)
    assert fusion.plan_fusion(profile, (False, True)).bm25_weights is None


def test_the_search_hands_the_plans_column_weights_to_the_store(tmp_path, git_repo, monkeypatch) -> None:
    """An English query's lexical side is ranked under ENGLISH_BM25_WEIGHTS, a French one and a lexical-only
    search (the plain BM25 baseline) under the store's own; a real index of two (fake) models."""
    from codesearch.embedding.composite import CompositeEmbedder
    from codesearch.embedding.fake import HashEmbedder
    from indexer.local_read import LocalGeneration

    class EnglishHashEmbedder(HashEmbedder):
        english_only = True

    both = CompositeEmbedder([HashEmbedder(32), EnglishHashEmbedder(16)], ["multi", "english"])
    repo = git_repo()
    index_paths([repo.root], index_dir=tmp_path / "idx", embedder=both, model="multi+english")
    seen: list[object] = []
    lexical = LocalGeneration.lexical

    def recording(self, terms, depth, filters, allowed, weights=None, variants=None):
        seen.append(weights)
        return lexical(self, terms, depth, filters, allowed, weights, variants)

    monkeypatch.setattr(LocalGeneration, "lexical", recording)
    code_heavy = (8.0, 2.0, 3.0, 3.0)
    monkeypatch.setattr(fusion, "ENGLISH_BM25_WEIGHTS", code_heavy)
    searcher = Searcher(tmp_path / "idx", both)
    english = "read the config file and return the value"
    searcher.search(english)
    searcher.search("lire le fichier de configuration et renvoyer la valeur")
    searcher.search(english, mode="lexical")
    searcher.close()
    assert seen == [code_heavy, None, None]
