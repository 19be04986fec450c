"""Shared fixtures: real tmp git repositories in several languages, and the real bundled ``use`` model.

Test modules run in importlib mode and cannot import this file, so helpers are handed out as fixtures:
``git_repo(name, files)`` builds a committed repository and returns a ``GitRepo`` to edit it further;
``write_dictd(folder, name, entries)`` writes a small dictd dictionary (what query translation reads).
"""

from __future__ import annotations

import gzip
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

# the test-only embedding model `fake` is a plugin (tests/plugins): found through its entry point here and
# in every `python -m codesearch.cli` subprocess a test starts
PLUGINS = str(Path(__file__).resolve().parent / "plugins")
sys.path.insert(0, PLUGINS)
os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (PLUGINS, os.environ.get("PYTHONPATH")) if p)

RETRY_PY = '''"""Helpers for calling flaky HTTP services."""

import random
import time


def retry_with_backoff(request, attempts=5, base_delay=0.5):
    """Retry a failed HTTP request, waiting exponentially longer between attempts."""
    for attempt in range(attempts):
        try:
            return request()
        except ConnectionError:
            delay = base_delay * (2 ** attempt) + random.random()
            time.sleep(delay)
    raise TimeoutError(f"request failed after {attempts} attempts")


class RateLimiter:
    """Allow at most `rate` calls per second."""

    def __init__(self, rate):
        self.rate = rate
        self.last = 0.0

    def wait(self):
        """Sleep until the next call is allowed."""
        now = time.monotonic()
        gap = 1.0 / self.rate - (now - self.last)
        if gap > 0:
            time.sleep(gap)
        self.last = time.monotonic()
'''

LOAD_GO = """package config

import (
	"os"
	"strings"
)

// LoadConfig reads a configuration file of KEY=VALUE lines and merges
// environment variables over it: the environment wins.
func LoadConfig(path string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	values := map[string]string{}
	for _, line := range strings.Split(string(data), "\\n") {
		key, value, ok := strings.Cut(line, "=")
		if ok {
			values[strings.TrimSpace(key)] = strings.TrimSpace(value)
		}
	}
	for key := range values {
		if env, found := os.LookupEnv(key); found {
			values[key] = env
		}
	}
	return values, nil
}
"""

CART_JS = """// Shopping cart helpers.

/**
 * Compute the total price of the items in a shopping cart, tax included.
 */
function computeCartTotal(items, taxRate) {
  let subtotal = 0;
  for (const item of items) {
    subtotal += item.price * item.quantity;
  }
  return subtotal * (1 + taxRate);
}

function formatCurrency(amount) {
  return "$" + amount.toFixed(2);
}

module.exports = { computeCartTotal, formatCurrency };
"""

TEXT_PY = '''import re
import unicodedata


def slugify(title):
    """Turn a title into a URL slug: lower case ASCII words joined by dashes."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")


def count_words(text):
    """Count the words in a text."""
    return len(text.split())
'''

SAMPLE_FILES = {
    "src/net/retry.py": RETRY_PY,
    "config/load.go": LOAD_GO,
    "web/cart.js": CART_JS,
    "util/text.py": TEXT_PY,
}


def run_git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True)
    return done.stdout


@dataclass
class GitRepo:
    """A real git work tree in a tmp dir, with one-line edits and commits."""

    root: Path

    def git(self, *args: str) -> str:
        return run_git(self.root, *args)

    def write(self, rel: str, text: str) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    def delete(self, rel: str) -> None:
        (self.root / rel).unlink()

    def commit(self, message: str = "change") -> None:
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message)

    def line_of(self, rel: str, needle: str) -> int:
        """The 1-based line number of the first line of ``rel`` containing ``needle``."""
        for number, line in enumerate((self.root / rel).read_text().splitlines(), start=1):
            if needle in line:
                return number
        raise AssertionError(f"{needle!r} not in {rel}")


def build_repo(root: Path, files: dict[str, str]) -> GitRepo:
    root.mkdir(parents=True, exist_ok=True)
    repo = GitRepo(root)
    repo.git("init", "-q", "-b", "main")
    repo.git("config", "user.name", "Test")
    repo.git("config", "user.email", "test@example.com")
    repo.git("config", "commit.gpgsign", "false")
    for rel, text in files.items():
        repo.write(rel, text)
    repo.commit("initial")
    return repo


_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def _b64(number: int) -> str:
    digits = ""
    while True:
        digits = _B64[number % 64] + digits
        number //= 64
        if not number:
            return digits


def _write_dictd(folder: Path, name: str, entries: dict[str, str]) -> None:
    """A dictd dictionary (``name.index`` + ``name.dict.dz``) of ``headword -> entry text``."""
    folder.mkdir(parents=True, exist_ok=True)
    data, index = b"", []
    for headword, text in entries.items():
        body = f"{headword}\n{text}\n".encode()
        index.append(f"{headword.lower()}\t{_b64(len(data))}\t{_b64(len(body))}\n")
        data += body
    (folder / f"{name}.dict.dz").write_bytes(gzip.compress(data))
    (folder / f"{name}.index").write_text("".join(sorted(index)), encoding="utf-8")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="rewrite tests/golden/ranking.txt from the current ranking (an intended change, same commit)",
    )


@pytest.fixture(scope="session")
def sample_files() -> dict[str, str]:
    """Python, Go and JavaScript sources with one clearly described function each (do not mutate)."""
    return SAMPLE_FILES


@pytest.fixture
def git_repo(tmp_path: Path) -> Callable[..., GitRepo]:
    """``git_repo(name="repo", files=SAMPLE_FILES)``: a committed git repository under tmp_path."""

    def make(name: str = "repo", files: dict[str, str] | None = None) -> GitRepo:
        return build_repo(tmp_path / name, SAMPLE_FILES if files is None else files)

    return make


@pytest.fixture
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """No user config, data dir or CODESEARCH_* variable of the machine leaks into a test, which runs in
    ``tmp_path``; returns the environment, for a subprocess. A CLI module uses it on every test with
    ``pytestmark = pytest.mark.usefixtures("isolated_env")``."""
    for key in list(os.environ):
        if key.startswith("CODESEARCH_"):
            monkeypatch.delenv(key)
    for var, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "data"), ("XDG_CACHE_HOME", "cache")):
        monkeypatch.setenv(var, str(tmp_path / "xdg" / sub))
    monkeypatch.chdir(tmp_path)
    return dict(os.environ)


def _apertium_stand_in(
    root: Path, script: str, modes: tuple[str, ...] = ("spa-eng", "pt-es", "ita-spa")
) -> Path:
    """An ``apertium`` program at root/bin running ``script`` (sh), with mode files whose pipelines run
    ``cat`` (a program every machine has), laid out as an installed Apertium is."""
    program = root / "bin" / "apertium"
    program.parent.mkdir(parents=True)
    program.write_text("#!/bin/sh\n" + script)
    program.chmod(0o755)
    folder = root / "share" / "apertium" / "modes"
    folder.mkdir(parents=True)
    for mode in modes:
        (folder / f"{mode}.mode").write_text("cat | cat\n")
    return program


@pytest.fixture(scope="session")
def apertium_stand_in() -> Callable[..., Path]:
    """``apertium_stand_in(root, script, modes=...)``: a stand-in ``apertium`` for what must hold without
    the real one (its failures, a chain's order); the real one is tested where it is installed."""
    return _apertium_stand_in


@pytest.fixture(scope="session")
def write_dictd() -> Callable[[Path, str, dict[str, str]], None]:
    """``write_dictd(folder, name, entries)``: a small dictd dictionary of ``headword -> entry text``."""
    return _write_dictd


@pytest.fixture
def hash_embedder():
    """A fresh fake embedder that records what it was asked to embed."""
    from codesearch.embedding.fake import HashEmbedder

    return HashEmbedder(256)


@pytest.fixture(scope="session")
def use_embedder():
    """The real bundled model (USE multilingual v3), loaded once per test run."""
    from codesearch.embedding.registry import get_embedder

    embedder = get_embedder("use")
    embedder.load()
    return embedder


@dataclass(frozen=True)
class RealIndex:
    repo: GitRepo
    index_dir: Path
    report: object


@pytest.fixture(scope="session")
def use_index(tmp_path_factory: pytest.TempPathFactory, use_embedder) -> RealIndex:
    """The sample repository indexed once with the real model."""
    from indexer.pipeline import index_paths

    base = tmp_path_factory.mktemp("use-index")
    repo = build_repo(base / "shop", SAMPLE_FILES)
    index_dir = base / "index"
    report = index_paths([repo.root], index_dir=index_dir, embedder=use_embedder, model="use")
    return RealIndex(repo, index_dir, report)


@pytest.fixture(scope="session")
def build_git_repo() -> Callable[[Path, dict[str, str]], GitRepo]:
    """``build_git_repo(root, files)`` for fixtures wider than one test (session or module scoped)."""
    return build_repo


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def _serve(app: object) -> Iterator[str]:
    import uvicorn

    config = uvicorn.Config(app, host="127.0.0.1", port=_free_port(), log_level="warning")  # type: ignore[arg-type]
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{config.port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def serve_app() -> Callable[[object], AbstractContextManager[str]]:
    """``with serve_app(app) as url:`` a real uvicorn on 127.0.0.1 (ephemeral port) serving ``app`` in a
    thread."""
    return _serve
