"""The registry: names, auto choice, plugins, listing."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from codesearch.embedding import get_embedder, list_models, register
from codesearch.embedding.fake import HashEmbedder
from codesearch.embedding.http import HttpEmbedder
from codesearch.embedding.options import EmbedderOptions
from codesearch.embedding.registry import registered_names
from codesearch.embedding.use import UniversalSentenceEncoder
from codesearch.errors import ConfigError


def test_builtin_names() -> None:
    get_embedder("fake")
    assert {"auto", "use", "e5", "qwen3-0.6b", "qwen3-4b", "qwen3-8b", "http", "fake"} <= set(
        registered_names()
    )


def test_unknown_name_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError, match=r"unknown embedding model 'nope'.*use.*qwen3-4b.*http") as raised:
        get_embedder("nope")
    # and the names a user can give that are not one registered model: no vectors, and the default pair
    assert "none (" in str(raised.value) and "use+minilm-int8" in str(raised.value)


def test_auto_prefers_http_when_urls_are_given(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="codesearch.embedding.registry")
    e = get_embedder("auto", urls=["http://127.0.0.1:1"], dim=256)
    assert isinstance(e, HttpEmbedder) and e.model_id == "Qwen/Qwen3-Embedding-4B" and e.dim == 256
    assert "auto -> http" in caplog.text


def test_auto_falls_back_to_the_bundled_models_and_says_why(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from codesearch.embedding import registry
    from codesearch.embedding.composite import CompositeEmbedder

    monkeypatch.setattr(registry, "_cuda_available", lambda: False)  # the same answer on a GPU runner
    caplog.set_level(logging.INFO, logger="codesearch.embedding.registry")
    e = get_embedder("auto")
    assert isinstance(e, CompositeEmbedder) and e.registry_name == "use+minilm-int8"
    assert "auto -> use+minilm-int8" in caplog.text and "qwen3-4b not used" in caplog.text


def test_auto_is_use_alone_where_the_english_model_is_not_installed(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from codesearch.embedding import minilm_int8, registry

    monkeypatch.setattr(registry, "_cuda_available", lambda: False)
    monkeypatch.setattr(minilm_int8, "missing_parts", lambda: ["onnxruntime"])
    caplog.set_level(logging.INFO, logger="codesearch.embedding.registry")
    e = get_embedder("auto")
    assert isinstance(e, UniversalSentenceEncoder) and e.registry_name == "use"
    assert "auto -> use (bundled)" in caplog.text and "minilm-int8 not installed" in caplog.text


def test_qwen3_model_path_overrides_weights_location(tmp_path) -> None:  # type: ignore[no-untyped-def]
    e = get_embedder("qwen3-0.6b", model_path=str(tmp_path), dim=64)
    assert e.model_id == "Qwen/Qwen3-Embedding-0.6B" and e.dim == 64 and e.native_dim == 1024


def test_plugins_register_like_builtins() -> None:
    register(
        "test-plugin",
        lambda o: HashEmbedder(o.dim or 8),
        "a plugin",
        dim=8,
        check=lambda o: None,
        replace=True,
    )
    assert get_embedder("test-plugin", dim=4).dim == 4
    info = {m.name: m for m in list_models()}["test-plugin"]
    assert info.available and info.dim == 8 and info.description == "a plugin"
    with pytest.raises(ConfigError):
        register("test-plugin", lambda o: HashEmbedder(), "again")
    with pytest.raises(ConfigError):
        register("auto", lambda o: HashEmbedder(), "reserved")


def test_list_models_says_why_not() -> None:
    infos = {m.name: m for m in list_models()}
    assert infos["use"].available and infos["use"].dim == 512
    assert not infos["http"].available and "URL" in infos["http"].why_not
    assert {m.name: m for m in list_models(urls=["http://x"])}["http"].available
    assert isinstance(EmbedderOptions().urls, tuple)


TINY_PLUGIN = """
from codesearch.embedding.fake import HashEmbedder


def register_embedders(register):
    register("tiny", lambda options: HashEmbedder(options.dim or 4), "a plugin's model", dim=4)
"""


def test_a_plugin_registers_through_its_entry_point_and_a_broken_one_is_skipped(tmp_path: Path) -> None:
    """A distribution on the path naming a hook under ``codesearch.embedders`` adds its model beside the
    built-ins; a hook that cannot load is one warning, and the product registry has no ``fake``."""
    dist = tmp_path / "tiny_plugin-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: tiny-plugin\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[codesearch.embedders]\ntiny = tiny_plugin:register_embedders\nbroken = tiny_plugin:missing\n"
    )
    (tmp_path / "tiny_plugin.py").write_text(TINY_PLUGIN)
    script = (
        "from codesearch.embedding import get_embedder, list_models\n"
        "e = get_embedder('tiny', dim=3)\n"
        "print(type(e).__name__, e.dim, e.registry_name)\n"
        "print(' '.join(sorted(m.name for m in list_models())))\n"
    )
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(root)])}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    made, names = done.stdout.splitlines()
    assert made == "HashEmbedder 3 tiny"
    assert {"tiny", "use", "http"} <= set(names.split()) and "fake" not in names.split()
    assert "plugin broken (tiny_plugin:missing) failed to register" in done.stderr
