"""Fixtures for the API tests: a real index built with the bundled model, real uvicorn servers.

``serve_app(app)`` (tests/conftest.py) runs an app on a real uvicorn on 127.0.0.1 in a thread;
``cli_server(index_dir, *flags)`` runs the real ``codesearch serve`` in a subprocess.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]

EXTRA_FILES = {
    "src/auth/tokens.py": '''import hashlib
import hmac


def hash_password(password, salt):
    """Hash a password with a salt using PBKDF2."""
    return hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 100_000)


def verify_password(password, salt, expected):
    """Check a password against its stored hash in constant time."""
    return hmac.compare_digest(hash_password(password, salt), expected)
''',
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class ApiIndex:
    root: Path  # the indexed git repository
    index_dir: Path


@pytest.fixture(scope="module")
def api_index(
    tmp_path_factory: pytest.TempPathFactory, build_git_repo, sample_files, use_embedder
) -> ApiIndex:
    """A repository (the shared samples plus a password module) indexed with the real bundled model."""
    from indexer.pipeline import index_paths

    base = tmp_path_factory.mktemp("api")
    repo = build_git_repo(base / "shop", {**sample_files, **EXTRA_FILES})
    index_dir = base / "index"
    index_paths([repo.root], index_dir=index_dir, embedder=use_embedder, model="use")
    return ApiIndex(repo.root, index_dir)


def cli_env(**extra: str) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("CODESEARCH_TOKEN", None)  # only the token a test gives
    return {**env, **extra}


@contextmanager
def _cli_server(index_dir: Path, *flags: str, env: dict[str, str] | None = None) -> Iterator[str]:
    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "codesearch.cli",
        "serve",
        "--index",
        str(index_dir),
        "--port",
        str(port),
        *flags,
    ]
    proc = subprocess.Popen(cmd, env=env or cli_env(), stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"codesearch serve exited {proc.returncode}: {proc.stderr.read()}")  # type: ignore[union-attr]
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("codesearch serve did not answer within 60 s")
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="session")
def cli_server() -> Callable[..., AbstractContextManager[str]]:
    """``with cli_server(index_dir, *flags) as url:`` the real ``codesearch serve`` in a subprocess."""
    return _cli_server


@pytest.fixture(scope="session")
def cli_environ() -> Callable[..., dict[str, str]]:
    """``cli_environ(**extra)``: the environment a ``python -m codesearch.cli`` subprocess needs."""
    return cli_env
