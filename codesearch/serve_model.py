"""``codesearch model serve``: run SGLang serving Qwen3-Embedding, wait until it answers, remember it.

The launch command is data (``sglang_command``), so ``start_and_wait`` runs whatever it is given: SGLang in
production, the project's own OpenAI-compatible server in tests. Ready means ``GET /health`` or
``GET /v1/models`` answers 200. The endpoint is then written into the user config
(``settings.user_config_path()``), so a later ``codesearch index`` uses it with no flags.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

from codesearch.embedding.qwen3 import QWEN3_MODELS
from codesearch.errors import ConfigError, EmbeddingUnavailableError

log = logging.getLogger(__name__)

SIZES = {
    "0.6b": "Qwen/Qwen3-Embedding-0.6B",
    "4b": "Qwen/Qwen3-Embedding-4B",
    "8b": "Qwen/Qwen3-Embedding-8B",
}
# the widths Matryoshka training covered (32 up to the native width); declared so `dimensions` is accepted
_MRL_STEPS = (32, 64, 128, 256, 512, 768, 1024, 1536, 2048, 2560, 3072, 4096)


def matryoshka_dimensions(model: str) -> list[int]:
    native = QWEN3_MODELS[model]
    return [d for d in _MRL_STEPS if d <= native]


def sglang_command(
    size: str,
    *,
    host: str = "127.0.0.1",
    port: int = 30000,
    tp: int = 1,
    model_path: str | None = None,
    extra: Sequence[str] = (),
    python: str = sys.executable,
) -> list[str]:
    """The ``python -m sglang.launch_server`` argv for Qwen3-Embedding of ``size`` (0.6b, 4b, 8b)."""
    if size.lower() not in SIZES:
        raise ConfigError(f"unknown Qwen3-Embedding size {size!r}: one of {', '.join(SIZES)}")
    if tp < 1 or not 0 < port < 65536:
        raise ConfigError(f"--tp must be at least 1 and --port in 1..65535 (got {tp}, {port})")
    model = SIZES[size.lower()]
    override = json.dumps({"matryoshka_dimensions": matryoshka_dimensions(model)}, separators=(",", ":"))
    return [
        python,
        "-m",
        "sglang.launch_server",
        "--model-path",
        model_path or model,
        "--is-embedding",
        "--host",
        host,
        "--port",
        str(port),
        "--tp",
        str(tp),
        "--json-model-override-args",
        override,
        *extra,
    ]


def is_ready(url: str, timeout: float = 2.0) -> bool:
    """Whether the server at ``url`` answers ``/health`` or ``/v1/models`` with 200."""
    for path in ("/health", "/v1/models"):
        try:
            if httpx.get(f"{url}{path}", timeout=timeout).status_code == 200:
                return True
        except httpx.HTTPError:
            continue
    return False


def start_and_wait(
    command: Sequence[str], url: str, *, timeout: float = 900.0, poll: float = 1.0
) -> subprocess.Popen[bytes]:
    """Start ``command`` and return once ``url`` answers; the process keeps running.

    Raises ``EmbeddingUnavailableError`` (and stops the process) when it exits first or ``timeout`` passes.
    """
    log.info("starting: %s", " ".join(command))
    process = subprocess.Popen(list(command))
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise EmbeddingUnavailableError(
                f"the model server exited with code {process.returncode} before answering at {url}"
            )
        if is_ready(url):
            return process
        if time.monotonic() > deadline:
            stop(process)
            raise EmbeddingUnavailableError(
                f"the model server did not answer at {url} within {timeout:.0f} s"
            )
        time.sleep(poll)


def stop(process: subprocess.Popen[bytes], grace: float = 10.0) -> None:
    """Terminate, then kill after ``grace`` seconds."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def write_endpoint(config_path: Path, url: str, model: str) -> None:
    """Point the user config at the server: ``model = "http"``, ``model_path`` (the served model's name) and
    ``embedding_urls``. Other settings in the file are kept; the file is replaced atomically."""
    data: dict[str, Any] = {}
    if config_path.is_file():
        try:
            data = tomllib.loads(config_path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{config_path}: cannot read config: {exc}") from None
    table = data["codesearch"] if isinstance(data.get("codesearch"), dict) else data
    table.update({"model": "http", "model_path": model, "embedding_urls": [url]})
    config_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = config_path.with_name(config_path.name + ".tmp")
    tmp.write_text(_dump_toml(data), encoding="utf-8")
    os.replace(tmp, config_path)


def _dump_toml(data: dict[str, Any]) -> str:
    """TOML for what a codesearch config holds: scalars and lists at the top, then one level of tables."""
    lines = [f"{key} = {_toml_value(v)}" for key, v in data.items() if not isinstance(v, dict)]
    for name, table in data.items():
        if isinstance(table, dict):
            lines += ["", f"[{name}]", *(f"{k} = {_toml_value(v)}" for k, v in table.items())]
    return "\n".join(lines) + "\n"


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string
    raise ConfigError(f"cannot write {value!r} into the config")
