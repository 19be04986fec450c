"""Resolving a source spec: local paths as given, git URLs cloned shallowly into a cache and refreshed."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from codesearch.errors import CodesearchError, ConfigError, NotFoundError
from indexer.sources import cache_path_for, is_git_url, resolve_source


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True)
    return done.stdout.strip()


@pytest.fixture
def origin(tmp_path: Path) -> Path:
    repo = tmp_path / "remotes" / "acme" / "widgets"
    repo.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.name", "Test")
    git(repo, "config", "user.email", "test@example.com")
    for n in (1, 2):
        (repo / "lib.py").write_text(f"VERSION = {n}\n")
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", f"v{n}")
    return repo


def test_local_path_is_expanded_and_resolved(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "proj").mkdir()

    assert resolve_source("~/proj/../proj", cache_dir=tmp_path / "cache") == (tmp_path / "proj").resolve()
    assert not (tmp_path / "cache").exists()


def test_missing_local_path_is_not_found_with_one_line(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError) as info:
        resolve_source(str(tmp_path / "nope"), cache_dir=tmp_path / "cache")

    message = str(info.value)
    assert "nope" in message and "\n" not in message


@pytest.mark.parametrize("which", ["bare", "dot-git", "inside-dot-git"])
def test_a_repositorys_git_data_is_refused_as_a_folder_to_index(tmp_path: Path, origin: Path, which) -> None:
    """A bare repository or a `.git` folder holds git's objects, hook samples and logs, not source: indexing
    it filled the index with git internals, silently."""
    if which == "bare":
        git(tmp_path, "clone", "-q", "--bare", str(origin), "widgets.git")
        spec = tmp_path / "widgets.git"
    else:
        spec = origin / ".git" if which == "dot-git" else origin / ".git" / "refs"
    with pytest.raises(ConfigError) as info:
        resolve_source(str(spec), cache_dir=tmp_path / "cache")
    message = str(info.value)
    assert str(spec) in message and "git" in message and "checkout" in message and "\n" not in message
    assert resolve_source(str(origin), cache_dir=tmp_path / "cache") == origin.resolve()  # its checkout is fine


def test_file_url_is_cloned_shallow_then_refreshed_to_remote_default_branch(
    tmp_path: Path, origin: Path
) -> None:
    cache = tmp_path / "cache"
    url = f"file://{origin}"

    clone = resolve_source(url, cache_dir=cache)

    assert clone == cache_path_for(url, cache).resolve()
    assert clone.relative_to(cache.resolve()).parts[-2:] == ("acme", "widgets")
    assert (clone / "lib.py").read_text() == "VERSION = 2\n"
    assert git(clone, "rev-list", "--count", "HEAD") == "1"  # depth 1
    assert [p.name for p in clone.parent.iterdir()] == ["widgets"]  # no staging folder left behind

    (origin / "lib.py").write_text("VERSION = 3\n")
    git(origin, "commit", "-q", "-am", "v3")
    git(origin, "branch", "-q", "-m", "main", "trunk")  # the default branch is renamed upstream
    (clone / "scratch.py").write_text("local junk\n")

    again = resolve_source(url + "/", cache_dir=cache)

    assert again == clone
    assert (clone / "lib.py").read_text() == "VERSION = 3\n"
    assert git(clone, "rev-parse", "HEAD") == git(origin, "rev-parse", "HEAD")
    assert not (clone / "scratch.py").exists()


def test_unclonable_url_raises_codesearch_error_with_one_line(tmp_path: Path) -> None:
    with pytest.raises(CodesearchError) as info:
        resolve_source(f"file://{tmp_path}/no/such/repo.git", cache_dir=tmp_path / "cache")

    message = str(info.value)
    assert message.startswith("cannot clone file://") and "\n" not in message
    assert "does not appear to be a git repository" in message
    assert not any((tmp_path / "cache").rglob("*.py"))


def test_cache_entry_that_is_not_a_clone_is_refused(tmp_path: Path, origin: Path) -> None:
    url = f"file://{origin}"
    cache_path_for(url, tmp_path / "cache").mkdir(parents=True)

    with pytest.raises(CodesearchError, match="not a git clone"):
        resolve_source(url, cache_dir=tmp_path / "cache")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://github.com/owner/name.git", "github.com/owner/name"),
        ("https://github.com/owner/name", "github.com/owner/name"),
        ("git@github.com:owner/name.git", "github.com/owner/name"),
        ("ssh://git@gitlab.example.com:2222/group/sub/name.git", "gitlab.example.com_2222/group/sub/name"),
        ("https://user:tok@host.io/o/n", "host.io/o/n"),
        ("file:///srv/git/name.git", "localhost/srv/git/name"),
    ],
)
def test_cache_path_layout(tmp_path: Path, url: str, expected: str) -> None:
    assert is_git_url(url)
    assert cache_path_for(url, tmp_path) == tmp_path / expected


def test_plain_paths_are_not_urls() -> None:
    assert not is_git_url("./src")
    assert not is_git_url("/home/me/code")
    assert not is_git_url("C:\\code")
