"""An index that another version of codesearch embedded another way with the same model (a model's cut,
prompt or pinned revision changed in a release: its fingerprint, not its name, nor its width).

Before, every search of such an index failed ("built with model use+minilm-int8 (...), not usem3:... ; search
it with --model use+minilm-int8") and so did every reindex, a git hook's included, until the user rebuilt it
from scratch. Now the index is searched as it is with one warning line, and the next `codesearch index`
embeds it again: for one model every document in the run; for the default composite only what changed, its
English part through the fill, behind the search. A different model is still refused. Real models, real
FAISS, real git repositories; the "new version" is the class attribute a release would change."""

from __future__ import annotations

import json
import logging

import pytest

from codesearch.cli import main
from codesearch.embedding.minilm_int8 import MiniLMInt8
from codesearch.embedding.use import UniversalSentenceEncoder
from codesearch.errors import ExitCode
from indexer import pipeline
from indexer.part_cache import count_lacking
from indexer.store import Manifest, connect

pytestmark = pytest.mark.usefixtures("isolated_env")  # tests/conftest.py


def _json(capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    capsys.readouterr()
    assert main([*args, "--json"]) == ExitCode.OK
    return json.loads(capsys.readouterr().out)


def _said(caplog: pytest.LogCaptureFixture, words: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if words in r.getMessage()]


@pytest.fixture
def default_index(git_repo, tmp_path, capsys, monkeypatch):  # type: ignore[no-untyped-def]
    """A complete index of the default model (`use` + its English part), as the earlier version left it."""
    monkeypatch.setattr(pipeline, "DEFER_THRESHOLD", 2)  # the sample repository is small
    repo, index = git_repo(), str(tmp_path / "idx")
    report = _json(capsys, "--index", index, "index", str(repo.root), "--english-fill", "now")
    assert report["english_fill"] == "filled"
    return repo, index, report


def test_an_index_embedded_another_way_is_searched_with_one_warning_saying_to_reindex(
    default_index, capsys, caplog, monkeypatch
) -> None:
    _, index, _ = default_index
    monkeypatch.setattr(MiniLMInt8, "max_document_chars", 220)  # the new version
    with caplog.at_level(logging.WARNING):
        result = _json(capsys, "--index", index, "search", "parse a configuration file")
    assert result["hits"]
    assert len(_said(caplog, "embedded by another version of codesearch's use+minilm-int8")) == 1
    assert _said(caplog, "`codesearch index` embeds them again")


def test_a_reindex_embeds_again_only_the_changed_english_part_behind_the_search(
    default_index, tmp_path, capsys, caplog, monkeypatch
) -> None:
    repo, index, first = default_index
    monkeypatch.setattr(MiniLMInt8, "max_document_chars", 220)
    embedded_by_use: list[int] = []
    real = UniversalSentenceEncoder.embed_documents

    def counted(self, texts, *args, **kwargs):  # type: ignore[no-untyped-def]
        embedded_by_use.append(len(texts))
        return real(self, texts, *args, **kwargs)

    monkeypatch.setattr(UniversalSentenceEncoder, "embed_documents", counted)
    with caplog.at_level(logging.WARNING):
        report = _json(capsys, "--index", index, "index", str(repo.root), "--english-fill", "now")
    assert report["model"] == "use+minilm-int8"
    assert report["missing_parts"] == first["documents"]  # every English vector, left to the fill ...
    assert report["english_fill"] == "filled"  # ... which embedded them
    assert sum(embedded_by_use) == 0  # `use` embeds as before: its cached vectors are kept
    assert _said(
        caplog, f"embedding {first['documents']} documents again (the English part behind the search)"
    )
    manifest = Manifest.read(tmp_path / "idx")
    assert manifest is not None and manifest.missing_parts == 0
    from codesearch.embedding import get_embedder

    assert manifest.fingerprint == get_embedder("use+minilm-int8").fingerprint
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        assert _json(capsys, "--index", index, "search", "parse a configuration file")["hits"]
    assert not _said(caplog, "another version")  # up to date: nothing more to say


def test_a_one_model_index_is_embedded_again_in_the_reindex(git_repo, tmp_path, capsys, monkeypatch) -> None:
    repo, index = git_repo(), str(tmp_path / "idx")
    first = _json(capsys, "--index", index, "index", str(repo.root), "--model", "use")
    monkeypatch.setattr(UniversalSentenceEncoder, "max_document_chars", 100)
    report = _json(capsys, "--index", index, "index", str(repo.root))  # a git hook's run: no --model
    assert report["model"] == "use" and report["generation"] == first["generation"] + 1
    manifest = Manifest.read(tmp_path / "idx")
    assert manifest is not None
    db = connect(tmp_path / "idx")
    try:
        assert count_lacking(db, manifest.fingerprint) == 0  # every document has a vector of the new way
    finally:
        db.close()
    hits = _json(capsys, "--index", index, "search", "parse a configuration file", "--mode", "dense")["hits"]
    assert hits


def test_another_model_of_the_same_width_is_still_refused_by_the_name_the_user_gives(
    git_repo, tmp_path, capsys
) -> None:
    repo, index = git_repo(), str(tmp_path / "idx")
    _json(capsys, "--index", index, "index", str(repo.root), "--model", "use")
    path = tmp_path / "idx" / "manifest.json"
    data = json.loads(path.read_text())
    data["fingerprint"] = "another-model@" + data["fingerprint"].rpartition("@")[2]  # same width
    path.write_text(json.dumps(data))
    capsys.readouterr()
    assert main(["--index", index, "search", "parse a configuration file"]) == ExitCode.MODEL_MISMATCH
    err = capsys.readouterr().err
    assert "was built with model use (another-model@" in err
    assert "not use (usem3:" in err and "not usem3" not in err  # the name --model takes, not the model's id


def test_codesearch_fill_on_an_index_embedded_another_way_says_to_reindex(
    default_index, capsys, monkeypatch
) -> None:
    _, index, _ = default_index
    monkeypatch.setattr(MiniLMInt8, "max_document_chars", 220)
    capsys.readouterr()
    assert main(["--index", index, "fill"]) == ExitCode.MODEL_MISMATCH
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "another version of codesearch's use+minilm-int8" in err
    assert "`codesearch index`" in err


def test_status_says_the_index_was_embedded_another_way_until_a_reindex(
    default_index, capsys, monkeypatch
) -> None:
    repo, index, _ = default_index
    assert _json(capsys, "--index", index, "status")["embedded_another_way"] is False
    monkeypatch.setattr(MiniLMInt8, "max_document_chars", 220)
    assert _json(capsys, "--index", index, "status")["embedded_another_way"] is True
    assert main(["--index", index, "status"]) == ExitCode.OK
    assert (
        "embedded by another version of codesearch: `codesearch index` embeds it again"
        in capsys.readouterr().out
    )
    _json(capsys, "--index", index, "index", str(repo.root), "--english-fill", "now")
    assert _json(capsys, "--index", index, "status")["embedded_another_way"] is False
