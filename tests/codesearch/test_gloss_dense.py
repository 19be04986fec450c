"""A translated query's English gloss for an index's English-only model (``Query.gloss``,
``codesearch.query.GLOSS``): the English part embeds the gloss, the multilingual part the query as written;
an English query and a query without a dictionary are embedded exactly as before. Real dictd files written
here (Debian's GPL dictionaries are not installed in CI), a real index, fake models that record their
input."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from codesearch import fusion, glossary, translate
from codesearch import query as query_module
from codesearch.embedding.composite import CompositeEmbedder
from codesearch.embedding.fake import HashEmbedder
from codesearch.errors import ConfigError
from codesearch.glosses import WordGloss
from codesearch.query import analyse_query
from codesearch.search import Searcher
from indexer.pipeline import index_paths

GERMAN = "die Konfiguration aus der JSON-Datei lesen"


class EnglishHashEmbedder(HashEmbedder):
    """The fake model, English-only (as ``minilm`` is)."""

    english_only = True


@pytest.fixture
def german(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, write_dictd) -> Iterator[Path]:
    """A small German-English dictd dictionary as the only one installed (and codesearch's glossary off, which
    would read the words first); a fresh cache folder."""
    monkeypatch.setattr(glossary, "GLOSSARY", False)
    folder = tmp_path / "dictd"
    write_dictd(
        folder,
        "freedict-deu-eng",
        {"Konfiguration": "configuration\nsetup", "Datei": "file <n>", "lesen": "read <v>\nglean"},
    )
    monkeypatch.setenv("CODESEARCH_FREEDICT_DIR", str(folder))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    translate._translator.cache_clear()
    translate.dictionary_settings.cache_clear()
    yield folder
    translate._translator.cache_clear()
    translate.dictionary_settings.cache_clear()


@pytest.fixture
def gloss_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(query_module, "GLOSS", True)


@pytest.fixture
def two_models(tmp_path: Path, git_repo) -> Iterator[tuple[Searcher, HashEmbedder, EnglishHashEmbedder]]:
    """A searcher over a real index of a multilingual and an English-only (fake) model."""
    multilingual, english = HashEmbedder(32), EnglishHashEmbedder(16)
    both = CompositeEmbedder([multilingual, english], ["multi", "english"])
    repo = git_repo()
    index_paths([repo.root], index_dir=tmp_path / "idx", embedder=both, model="multi+english")
    searcher = Searcher(tmp_path / "idx", both)
    multilingual.calls.clear()
    english.calls.clear()
    yield searcher, multilingual, english
    searcher.close()


def test_the_gloss_says_each_word_in_english_in_the_query_order_names_kept() -> None:
    words = [
        WordGloss("Konfiguration", ("configuration", "setup")),
        WordGloss("JSON", ()),
        WordGloss("Datei", ("file",)),
        WordGloss("配置", ()),  # a word the dictionary lacks, not in Latin letters: dropped
        WordGloss("Dateien", ("files", "file")),
    ]
    assert translate.gloss_text(words) == "configuration setup JSON file files"
    assert translate.gloss_text(words, per_word=1) == "configuration JSON file files"
    assert translate.gloss_text([WordGloss("JSON", ())]) == ""  # nothing translated: no gloss


def test_a_translated_query_has_a_gloss_only_when_glosses_are_on(german: Path, monkeypatch) -> None:
    on = analyse_query(GERMAN)  # on by default
    monkeypatch.setattr(query_module, "GLOSS", False)
    off = analyse_query(GERMAN)
    assert off.gloss == "" and {"configuration", "file", "read"} <= set(off.translated)
    assert on.gloss == "configuration setup JSON file read glean"
    assert on.translated == off.translated and on.terms == off.terms  # the lexical side is unchanged
    assert analyse_query("read the config file").gloss == ""


def test_the_english_part_embeds_the_gloss_and_the_other_part_the_query(
    german: Path, gloss_on: None, two_models
) -> None:
    searcher, multilingual, english = two_models
    query = searcher.analyse(GERMAN)
    assert searcher.plan(query).part_weights == (1.0, fusion.GLOSS_ENGLISH_WEIGHT)
    searcher.search(query, mode="dense")
    assert multilingual.embedded_texts == [GERMAN]
    assert english.embedded_texts == [query.gloss]
    # the vector is the weighted parts side by side: the gloss's in the English model's place
    expected = np.hstack(
        [
            multilingual.embed_queries([GERMAN])[0],
            fusion.GLOSS_ENGLISH_WEIGHT * english.embed_queries([query.gloss])[0],
        ]
    )
    vector = searcher.embedder.embed_queries(
        [GERMAN], part_weights=(1.0, fusion.GLOSS_ENGLISH_WEIGHT), english_texts=[query.gloss]
    )[0]
    np.testing.assert_allclose(vector, expected / np.linalg.norm(expected), atol=1e-6)


def _ranking_and_inputs(
    searcher: Searcher, multilingual: HashEmbedder, english: HashEmbedder, text: str
) -> tuple[list[tuple[int, float]], object, list[str], list[str]]:
    multilingual.calls.clear()
    english.calls.clear()
    hits = searcher.search(text, mode="hybrid", k=5).hits
    return (
        [(h.doc_id, h.score) for h in hits],
        searcher.plan(text),
        multilingual.embedded_texts,
        english.embedded_texts,
    )


def test_an_english_query_is_embedded_and_ranked_as_before(
    german: Path, two_models, monkeypatch: pytest.MonkeyPatch
) -> None:
    searcher, multilingual, english = two_models
    text = "read the config file and merge the environment"
    before = _ranking_and_inputs(searcher, multilingual, english, text)
    monkeypatch.setattr(query_module, "GLOSS", True)
    assert _ranking_and_inputs(searcher, multilingual, english, text) == before
    assert before[3] == [text]  # the English model read the query itself


def test_a_query_without_a_dictionary_is_embedded_and_ranked_as_before(
    german: Path, two_models, monkeypatch: pytest.MonkeyPatch
) -> None:
    searcher, multilingual, english = two_models
    text = "lire le fichier de configuration"  # French: only a German dictionary is installed
    assert analyse_query(text).translated == ()
    before = _ranking_and_inputs(searcher, multilingual, english, text)
    monkeypatch.setattr(query_module, "GLOSS", True)
    assert analyse_query(text).gloss == ""
    assert _ranking_and_inputs(searcher, multilingual, english, text) == before


def test_glosses_are_on_by_default_and_off_a_translated_query_is_embedded_as_before(
    german: Path, two_models, monkeypatch: pytest.MonkeyPatch
) -> None:
    searcher, multilingual, english = two_models
    assert query_module.GLOSS and analyse_query(GERMAN).gloss
    monkeypatch.setattr(query_module, "GLOSS", False)
    assert analyse_query(GERMAN).gloss == ""
    plan = searcher.plan(GERMAN)
    assert plan.part_weights is not None and plan.part_weights[0] == 1.0
    searcher.search(GERMAN, mode="dense")
    assert multilingual.embedded_texts == [GERMAN]
    assert english.embedded_texts in ([], [GERMAN])  # off, or the query as written (its coverage)


def test_a_composite_routes_english_texts_to_its_english_only_parts() -> None:
    multilingual, english = HashEmbedder(8), EnglishHashEmbedder(8)
    both = CompositeEmbedder([multilingual, english], ["multi", "english"])
    both.embed_queries(["a", "b"], english_texts=["x", "y"])
    assert multilingual.embedded_texts == ["a", "b"] and english.embedded_texts == ["x", "y"]
    with pytest.raises(ConfigError):
        both.embed_queries(["a", "b"], english_texts=["x"])


@pytest.mark.parametrize("non_latin", [True, False])
def test_a_glossed_query_weighs_the_english_model_by_the_gloss_constant(non_latin: bool) -> None:
    plain = fusion.QueryProfile(non_latin=non_latin, coverage=0.3)
    glossed = fusion.QueryProfile(non_latin=non_latin, coverage=0.3, glossed=True)
    before, after = fusion.plan_fusion(plain, (False, True)), fusion.plan_fusion(glossed, (False, True))
    assert before.part_weights == (1.0, 0.0)
    assert after.part_weights == (1.0, fusion.GLOSS_ENGLISH_WEIGHT)
    assert after.weights == before.weights  # dense against lexical: as before
