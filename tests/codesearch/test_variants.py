"""Inflected forms of an English query's words on the lexical side (``english_variants``, ``TermVariants``):
each word scores as the best of its own BM25 score and its forms' shares, over a real index."""

from __future__ import annotations

import pytest

from codesearch import fusion
from codesearch.embedding.composite import CompositeEmbedder
from codesearch.embedding.fake import HashEmbedder
from codesearch.search import Searcher
from indexer.lexical import TermVariants, code_abbreviations, english_variants
from indexer.lexical_ranker import BM25_WEIGHTS, LexicalRanker, fts_phrase
from indexer.pipeline import index_paths
from indexer.store import connect

FILES = {
    "own.py": "def read_parsing_table(rows):\n    return rows\n",
    "form.py": "def build_parser(grammar):\n    return grammar\n",
    "both.py": "def parser_for_parsing(text):\n    return text\n",
    "plural.py": "def load_tables(rows):\n    return rows\n",
    "other.py": "def unrelated(x):\n    return x\n",
}


class EnglishHashEmbedder(HashEmbedder):
    english_only = True


@pytest.mark.parametrize(
    ("word", "forms", "not_forms"),
    [
        ("parsing", {"parse", "parser", "parsed", "parses", "parsers"}, {"parsing"}),
        ("copies", {"copy", "copied", "copying"}, {"copies"}),
        ("stopped", {"stop", "stops", "stopping"}, set()),
        ("tables", {"table"}, set()),
        ("address", {"addresses", "addressed"}, {"addres"}),  # a double s is no plural
    ],
)
def test_english_variants_are_the_words_inflected_forms(
    word: str, forms: set[str], not_forms: set[str]
) -> None:
    found = set(english_variants(word))
    assert forms <= found
    assert not (not_forms & found)


@pytest.mark.parametrize("word", ["io", "get", "réponse", "utf8", "配置"])
def test_short_non_ascii_or_non_letter_words_have_no_variants(word: str) -> None:
    assert english_variants(word) == []


def _fts_scores(db, term: str) -> dict[int, float]:
    weights = ", ".join(map(str, BM25_WEIGHTS))
    sql = f"SELECT rowid, bm25(documents_fts, {weights}) FROM documents_fts WHERE documents_fts MATCH ?"
    return {i: -s for i, s in db.execute(sql, [fts_phrase(term)])}


@pytest.mark.parametrize("common_df", [0, 10**9], ids=["in-memory", "fts5"])
def test_a_word_scores_as_the_best_of_its_own_and_its_forms_shares(
    tmp_path, build_git_repo, common_df
) -> None:
    repo = build_git_repo(tmp_path / "repo", FILES)
    index_paths([repo.root], index_dir=tmp_path / "index", embedder=None)
    db = connect(tmp_path / "index", readonly=True)
    LexicalRanker.attach(db)
    ranker = LexicalRanker(common_df=common_df)
    variants = TermVariants({"parsing": ("parser", "parse")}, share=0.5)
    got = dict(ranker.rank(db, ["parsing", "rows"], 20, variants=variants))
    own, parser, rows = _fts_scores(db, "parsing"), _fts_scores(db, "parser"), _fts_scores(db, "rows")
    want: dict[int, float] = {}
    for doc in set(own) | set(parser) | set(rows):
        want[doc] = max(own.get(doc, 0.0), 0.5 * parser.get(doc, 0.0)) + rows.get(doc, 0.0)
    assert got == pytest.approx(want)
    assert set(parser) - set(own)  # a document that says only "parser" is found, at half its score
    # without variants: the plain OR of the terms, as before
    plain = dict(ranker.rank(db, ["parsing", "rows"], 20))
    assert plain == pytest.approx({d: own.get(d, 0.0) + rows.get(d, 0.0) for d in set(own) | set(rows)})
    db.close()


def test_an_english_query_finds_a_words_other_form_a_french_one_does_not(
    tmp_path, git_repo, monkeypatch
) -> None:
    """The plan gives variants to a query that reads as English only; a real index of two (fake) models, the
    lexical side's ranking as the store returns it."""
    from indexer.local_read import LocalGeneration

    both = CompositeEmbedder([HashEmbedder(32), EnglishHashEmbedder(16)], ["multi", "english"])
    repo = git_repo(files=FILES)
    index_paths([repo.root], index_dir=tmp_path / "idx", embedder=both, model="multi+english")
    lexical = LocalGeneration.lexical
    seen: list[tuple[object, set[str]]] = []

    def recording(self, terms, depth, filters, allowed, weights=None, variants=None):
        ranking = lexical(self, terms, depth, filters, allowed, weights, variants)
        paths = {row["path"] for row in self.rows([i for i, _ in ranking]).values()}
        seen.append((variants, paths))
        return ranking

    monkeypatch.setattr(LocalGeneration, "lexical", recording)
    searcher = Searcher(tmp_path / "idx", both)
    english = "read the parsing table"  # every word in the index: reads as English
    monkeypatch.setattr(fusion, "VARIANT_SHARE", 0.0)
    searcher.search(english)
    monkeypatch.setattr(fusion, "VARIANT_SHARE", 0.5)
    hits = {h.path: h for h in searcher.search(english, k=10).hits}
    searcher.search("lire la table")
    searcher.close()
    (off, off_paths), (on, on_paths), (french, _) = seen
    assert off is None and french is None
    assert isinstance(on, TermVariants) and on.share == 0.5
    assert "tables" in on.forms["table"] and "parser" in on.forms["parsing"]
    assert all(form not in ("read", "parsing", "table") for forms in on.forms.values() for form in forms)
    # load_tables says "tables" only, build_parser "parser" only: found through their forms
    assert "plural.py" not in off_paths and "form.py" not in off_paths
    assert {"plural.py", "form.py"} <= on_paths
    # and a hit says which form it was found by
    assert "tables" in hits["plural.py"].matched_terms and "parser" in hits["form.py"].matched_terms


def test_a_translated_query_gets_the_translated_share_and_an_english_one_the_english_share(
    monkeypatch,
) -> None:
    monkeypatch.setattr(fusion, "VARIANT_SHARE", 0.5)
    monkeypatch.setattr(fusion, "TRANSLATED_VARIANT_SHARE", 0.25)
    translated = fusion.QueryProfile(non_latin=False, coverage=0.3, translated=True, words=4)
    english = fusion.QueryProfile(non_latin=False, coverage=1.0, words=4)
    untranslated = fusion.QueryProfile(non_latin=False, coverage=0.3, words=4)
    two_models = (False, True)
    assert fusion.plan_fusion(translated, two_models).variant_share == 0.25
    assert fusion.plan_fusion(english, two_models).variant_share == 0.5
    assert fusion.plan_fusion(untranslated, two_models).variant_share == 0.0
    assert (
        fusion.plan_fusion(translated).variant_share == 0.0
    )  # one multilingual model: not the case measured


def test_a_translated_querys_forms_come_from_its_dictionary_english_not_its_own_words(
    tmp_path, git_repo, monkeypatch, write_dictd
) -> None:
    """A German query whose dictionary gives "table" and "read": the forms are of those (tables, reader), none
    of the German words'; a real index of two (fake) models, a real dictd file."""
    from codesearch import translate
    from indexer.local_read import LocalGeneration

    write_dictd(tmp_path / "dictd", "freedict-deu-eng", {"Tabelle": "table <n>", "lesen": "read <v>"})
    monkeypatch.setenv("CODESEARCH_FREEDICT_DIR", str(tmp_path / "dictd"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    translate._translator.cache_clear()
    translate.dictionary_settings.cache_clear()
    both = CompositeEmbedder([HashEmbedder(32), EnglishHashEmbedder(16)], ["multi", "english"])
    repo = git_repo(files=FILES)
    index_paths([repo.root], index_dir=tmp_path / "idx", embedder=both, model="multi+english")
    lexical = LocalGeneration.lexical
    seen: list[object] = []

    def recording(self, terms, depth, filters, allowed, weights=None, variants=None):
        seen.append(variants)
        return lexical(self, terms, depth, filters, allowed, weights, variants)

    monkeypatch.setattr(LocalGeneration, "lexical", recording)
    searcher = Searcher(tmp_path / "idx", both)
    german = "die Tabelle lesen und die Zeilen zurückgeben"
    assert searcher.analyse(german).translated  # the dictionary read it
    monkeypatch.setattr(fusion, "TRANSLATED_VARIANT_SHARE", 0.0)
    searcher.search(german)
    monkeypatch.setattr(fusion, "TRANSLATED_VARIANT_SHARE", 0.5)
    searcher.search(german)
    searcher.close()
    translate._translator.cache_clear()
    translate.dictionary_settings.cache_clear()
    off, on = seen
    assert off is None
    assert isinstance(on, TermVariants) and on.share == 0.5
    assert "tables" in on.forms["table"]
    assert set(on.forms) <= {"table", "read"}  # no forms of "tabelle", "lesen" or "zeilen"


@pytest.mark.parametrize(
    ("word", "forms"),
    [
        ("buffer", ["buf"]),
        ("buffers", ["buf", "bufs"]),
        ("attributes", ["attr", "attrs"]),
        ("processes", ["proc", "procs"]),
        ("configuration", ["config", "cfg", "conf"]),
        ("function", []),  # `func` and `fn` are Go's and Rust's keywords: every function holds them
        ("parsing", []),
    ],
)
def test_code_abbreviations_of_a_word(word: str, forms: list[str]) -> None:
    assert code_abbreviations(word) == forms


ABBREVIATED = {
    "send.c": "int send_msg(int fd, const char *text) {\n    return fd;\n}\n",
    "spelled.c": "int send_message_bytes(char *out) {\n    return 0;\n}\n",
    "other.c": "int unrelated(int x) {\n    return x;\n}\n",
}


def test_an_english_querys_word_finds_code_that_abbreviates_it(tmp_path, git_repo, monkeypatch) -> None:
    """"send the message": `send_msg` says "msg" only, and is found through it too; with the abbreviations
    off, by "send" alone. A real index of two (fake) models."""
    from codesearch import search

    both = CompositeEmbedder([HashEmbedder(32), EnglishHashEmbedder(16)], ["multi", "english"])
    repo = git_repo(files=ABBREVIATED)
    index_paths([repo.root], index_dir=tmp_path / "idx", embedder=both, model="multi+english")
    searcher = Searcher(tmp_path / "idx", both)
    query = "send the message"
    monkeypatch.setattr(search, "ABBREVIATIONS_AS_FORMS", False)
    off = {h.path: h for h in searcher.search(query, k=10).hits}
    monkeypatch.setattr(search, "ABBREVIATIONS_AS_FORMS", True)
    on = {h.path: h for h in searcher.search(query, k=10).hits}
    searcher.close()
    assert off["send.c"].matched_terms == ("send",)
    assert set(on["send.c"].matched_terms) == {"send", "msg"}
    assert on["send.c"].rank <= off["send.c"].rank
