"""``codesearch model serve``: the SGLang command, and start/wait/config-write run for real with the
project's own OpenAI-compatible server (uvicorn in a subprocess) in place of SGLang."""

from __future__ import annotations

import json
import os
import shlex
import socket
import sys
import tomllib
from pathlib import Path

import httpx
import numpy as np
import pytest

from codesearch.cli import main
from codesearch.embedding.http import HttpEmbedder
from codesearch.errors import ConfigError, EmbeddingUnavailableError
from codesearch.serve_model import is_ready, sglang_command, start_and_wait, stop, write_endpoint
from codesearch.settings import load_settings

APP = """
from codesearch.api.embeddings import create_embeddings_app
from codesearch.embedding.fake import HashEmbedder

def make():
    return create_embeddings_app(HashEmbedder(64))
"""


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No user config or CODESEARCH_* variable of the machine leaks in (and none is written there)."""
    for key in list(os.environ):
        if key.startswith("CODESEARCH_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_sglang_command_for_each_size() -> None:
    cmd = sglang_command("4b", port=31000, tp=2, python="python")
    assert cmd[:5] == ["python", "-m", "sglang.launch_server", "--model-path", "Qwen/Qwen3-Embedding-4B"]
    assert "--is-embedding" in cmd
    assert cmd[cmd.index("--port") + 1] == "31000" and cmd[cmd.index("--tp") + 1] == "2"
    dims = json.loads(cmd[cmd.index("--json-model-override-args") + 1])["matryoshka_dimensions"]
    assert dims[0] == 32 and dims[-1] == 2560 and dims == sorted(dims)
    small = sglang_command("0.6b", extra=["--chunked-prefill-size", "8192"])
    assert (
        json.loads(small[small.index("--json-model-override-args") + 1])["matryoshka_dimensions"][-1] == 1024
    )
    assert small[-2:] == ["--chunked-prefill-size", "8192"]
    assert "Qwen/Qwen3-Embedding-8B" in sglang_command("8B")
    with pytest.raises(ConfigError):
        sglang_command("13b")


def test_dry_run_prints_the_command_only(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(
            [
                "model",
                "serve",
                "--size",
                "0.6b",
                "--port",
                "30001",
                "--dry-run",
                "--",
                "--disable-radix-cache",
            ]
        )
        == 0
    )
    printed = shlex.split(capsys.readouterr().out.strip())
    assert printed[1:5] == ["-m", "sglang.launch_server", "--model-path", "Qwen/Qwen3-Embedding-0.6B"]
    assert printed[-1] == "--disable-radix-cache" and printed[printed.index("--port") + 1] == "30001"


def test_dry_run_serves_a_local_weights_folder_but_not_a_configured_hub_id(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["model", "serve", "--size", "8b", "--model-path", str(tmp_path), "--dry-run"]) == 0
    printed = shlex.split(capsys.readouterr().out.strip())
    assert printed[printed.index("--model-path") + 1] == str(tmp_path)
    # what `model serve` wrote for a 4B server must not make an 8B server serve the 4B model
    assert (
        main(["model", "serve", "--size", "8b", "--model-path", "Qwen/Qwen3-Embedding-4B", "--dry-run"]) == 0
    )
    printed = shlex.split(capsys.readouterr().out.strip())
    assert printed[printed.index("--model-path") + 1] == "Qwen/Qwen3-Embedding-8B"


def test_start_wait_and_write_config_with_a_real_server(tmp_path: Path) -> None:
    (tmp_path / "fake_sglang.py").write_text(APP)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "fake_sglang:make",
        "--app-dir",
        str(tmp_path),
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    assert not is_ready(url)
    process = start_and_wait(command, url, timeout=60, poll=0.2)
    try:
        assert httpx.get(f"{url}/v1/models").json()["data"][0]["id"] == "fake:hash-bag-of-words"
        config = tmp_path / "config" / "config.toml"
        config.parent.mkdir()
        config.write_text('k = 7\nignore = ["*.min.js"]\n')
        write_endpoint(config, url, "fake:hash-bag-of-words")
        written = tomllib.loads(config.read_text())
        assert written == {
            "k": 7,
            "ignore": ["*.min.js"],
            "model": "http",
            "model_path": "fake:hash-bag-of-words",
            "embedding_urls": [url],
        }
        settings = load_settings(user_config=config, environ={}, cwd=tmp_path)
        assert settings.model == "http" and settings.embedding_urls == (url,) and settings.k == 7
        vectors = HttpEmbedder(
            settings.embedding_urls, "fake:hash-bag-of-words", native_dim=64
        ).embed_documents(["a b"])
        assert vectors.shape == (1, 64) and np.isclose(np.linalg.norm(vectors), 1.0)
    finally:
        stop(process)
    assert process.poll() is not None


def test_a_server_that_exits_or_never_answers_is_one_clear_error(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{_free_port()}"
    with pytest.raises(EmbeddingUnavailableError, match="exited with code 3"):
        start_and_wait([sys.executable, "-c", "raise SystemExit(3)"], url, timeout=30, poll=0.1)
    with pytest.raises(EmbeddingUnavailableError, match="did not answer"):
        start_and_wait([sys.executable, "-c", "import time; time.sleep(60)"], url, timeout=1, poll=0.2)


def test_write_endpoint_keeps_a_codesearch_table(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[codesearch]\nmode = "dense"\n')
    write_endpoint(config, "http://gpu:30000", "Qwen/Qwen3-Embedding-4B")
    assert tomllib.loads(config.read_text())["codesearch"] == {
        "mode": "dense",
        "model": "http",
        "model_path": "Qwen/Qwen3-Embedding-4B",
        "embedding_urls": ["http://gpu:30000"],
    }


def test_serve_without_sglang_installed_is_one_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    import importlib.util

    if importlib.util.find_spec("sglang") is not None:
        pytest.skip("sglang is installed here: this would start a real server")
    rc = main(["model", "serve", "--size", "0.6b", "--port", str(_free_port()), "--timeout", "60"])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 5 and err[-1].startswith("codesearch: error: the model server exited with code 1")
    assert not (Path(os.environ["XDG_CONFIG_HOME"]) / "codesearch" / "config.toml").exists()
