"""The crawler on real git repositories and real folders: what is listed, what is skipped and why."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from indexer.crawl import SKIP_REASONS, crawl


def write(root: Path, rel: str, content: str | bytes = "x = 1\n") -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True)
    return done.stdout


def make_repo(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "Test")
    git(root, "config", "user.email", "test@example.com")
    return root


def commit_all(repo: Path, message: str = "commit") -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


def paths(result) -> list[str]:
    return [f.path for f in result.files]


# --- git repositories -------------------------------------------------------------------------


def test_git_lists_tracked_and_untracked_but_not_ignored_or_deleted(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    write(repo, ".gitignore", "*.log\nsecret/\n")
    write(repo, "src/app.py")
    write(repo, "src/gone.py")
    commit_all(repo)
    write(repo, "src/new.py")  # untracked, not ignored
    write(repo, "debug.log", "noise\n")  # ignored
    write(repo, "secret/key.py")  # ignored folder
    (repo / "src/gone.py").unlink()  # tracked, deleted from the work tree

    result = crawl(repo)

    assert result.is_git
    assert paths(result) == [".gitignore", "src/app.py", "src/new.py"]
    assert result.skipped == []  # .gitignore'd and deleted files are not "skipped": they do not exist for us


def test_git_blob_ids_only_for_clean_tracked_files(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    write(repo, "clean.py", "a = 1\n")
    write(repo, "edited.py", "b = 1\n")
    write(repo, "touched.py", "c = 1\n")
    commit_all(repo)
    write(repo, "edited.py", "b = 2\n")
    os.utime(repo / "touched.py", ns=(1, 1))  # stat data changes, content does not
    write(repo, "untracked.py")

    by_path = {f.path: f for f in crawl(repo).files}

    expected_clean = git(repo, "rev-parse", "HEAD:clean.py").strip()
    assert by_path["clean.py"].blob_id == expected_clean
    assert by_path["touched.py"].blob_id == git(repo, "rev-parse", "HEAD:touched.py").strip()
    assert by_path["edited.py"].blob_id is None
    assert by_path["untracked.py"].blob_id is None
    assert by_path["clean.py"].size == 6
    assert by_path["clean.py"].abs_path == (repo / "clean.py").resolve()


def test_git_subfolder_as_root_lists_only_that_folder_relative_to_it(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    write(repo, "pkg/a.py")
    write(repo, "pkg/deep/b.py")
    write(repo, "other/c.py")
    commit_all(repo)
    write(repo, "pkg/untracked.py")
    write(repo, "other/untracked.py")

    result = crawl(repo / "pkg")

    assert result.is_git
    assert result.root == (repo / "pkg").resolve()
    assert paths(result) == ["a.py", "deep/b.py", "untracked.py"]
    blob = {f.path: f.blob_id for f in result.files}
    assert blob["deep/b.py"] == git(repo, "rev-parse", "HEAD:pkg/deep/b.py").strip()


def test_git_codesearchignore_nested_and_extra_ignore(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    write(repo, ".codesearchignore", "docs/\n*.sql\n")
    write(repo, "docs/guide.py")
    write(repo, "db/schema.sql", "create table t (a int);\n")
    write(repo, "lib/.codesearchignore", "fixtures_*.py\n!fixtures_keep.py\n")
    write(repo, "lib/fixtures_big.py")
    write(repo, "lib/fixtures_keep.py")
    write(repo, "lib/core.py")
    write(repo, "scripts/tool.py")
    commit_all(repo)

    result = crawl(repo, extra_ignore=["scripts/"])

    assert paths(result) == [
        ".codesearchignore",
        "lib/.codesearchignore",
        "lib/core.py",
        "lib/fixtures_keep.py",
    ]
    assert sorted(result.skipped) == [
        ("db/schema.sql", "ignored-by-codesearchignore"),
        ("docs/", "ignored-by-codesearchignore"),
        ("lib/fixtures_big.py", "ignored-by-codesearchignore"),
        ("scripts/", "ignored-by-codesearchignore"),
    ]


def test_git_vendored_folder_reported_once_and_symlinks_apply_realpath_rule(tmp_path: Path) -> None:
    outside = write(tmp_path / "outside", "secret.py")
    repo = make_repo(tmp_path / "repo")
    write(repo, "app.py")
    for i in range(3):
        write(repo, f"web/node_modules/pkg{i}/index.js", "module.exports = 1;\n")
    (repo / "escape.py").symlink_to(outside)
    (repo / "alias.py").symlink_to(repo / "app.py")
    commit_all(repo)

    result = crawl(repo)

    assert paths(result) == ["app.py"]
    assert sorted(result.skipped) == [
        ("escape.py", "symlink-outside-root"),
        ("web/node_modules/", "vendored"),
    ]


def test_git_submodule_is_not_descended(tmp_path: Path) -> None:
    inner = make_repo(tmp_path / "inner")
    write(inner, "lib.py")
    commit_all(inner)
    repo = make_repo(tmp_path / "repo")
    write(repo, "main.py")
    git(repo, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(inner), "third/inner")
    commit_all(repo)

    result = crawl(repo)

    assert (repo / "third/inner/lib.py").exists()
    assert paths(result) == [".gitmodules", "main.py"]
    # and said: "skipped none" left a user wondering where the submodule's code went
    assert result.skipped == [("third/inner/", "submodule")]


# --- plain folders ----------------------------------------------------------------------------


def test_folder_nested_gitignore_is_relative_to_its_folder(tmp_path: Path) -> None:
    write(tmp_path, ".gitignore", "*.tmp\n/top_only.py\n")
    write(tmp_path, "top_only.py")
    write(tmp_path, "a/top_only.py")  # "/top_only.py" is anchored to the root's folder
    write(tmp_path, "a/x.tmp", "t\n")
    write(tmp_path, "a/.gitignore", "local.py\ngen/\n")
    write(tmp_path, "a/local.py")
    write(tmp_path, "a/gen/out.py")
    write(tmp_path, "b/local.py")  # a/.gitignore does not reach its sibling
    write(tmp_path, "c/.gitignore", "!keep.tmp\n")
    write(tmp_path, "c/keep.tmp", "k\n")
    write(tmp_path, ".git/config", "[core]\n")  # a stray .git folder is never entered

    result = crawl(tmp_path)

    assert not result.is_git
    assert paths(result) == [
        ".gitignore",
        "a/.gitignore",
        "a/top_only.py",
        "b/local.py",
        "c/.gitignore",
        "c/keep.tmp",
    ]
    assert result.skipped == []


def test_folder_codesearchignore_reports_and_prunes(tmp_path: Path) -> None:
    write(tmp_path, ".codesearchignore", "generated_docs/\n")
    write(tmp_path, "generated_docs/a.py")
    write(tmp_path, "src/.codesearchignore", "*.sql\n")
    write(tmp_path, "src/q.sql", "select 1;\n")
    write(tmp_path, "src/main.py")
    write(tmp_path, "q.sql", "select 2;\n")  # the nested file does not reach up

    result = crawl(tmp_path, extra_ignore=["*.md"])
    write(tmp_path, "README.md", "# hi\n")
    again = crawl(tmp_path, extra_ignore=["*.md"])

    assert paths(result) == [".codesearchignore", "q.sql", "src/.codesearchignore", "src/main.py"]
    assert sorted(result.skipped) == [
        ("generated_docs/", "ignored-by-codesearchignore"),
        ("src/q.sql", "ignored-by-codesearchignore"),
    ]
    assert ("README.md", "ignored-by-codesearchignore") in again.skipped


def test_folder_vendored_dirs_are_pruned_without_descending(tmp_path: Path, monkeypatch) -> None:
    write(tmp_path, "src/app.py")
    write(tmp_path, "node_modules/a/index.js", "x\n")
    write(tmp_path, "src/__pycache__/app.cpython-311.pyc", b"\0\1")
    write(tmp_path, "pkg.egg-info/PKG-INFO", "Name: x\n")
    write(tmp_path, "myenv/pyvenv.cfg", "home = /usr\n")  # a venv under any name
    write(tmp_path, "myenv/lib/site.py")
    write(tmp_path, "env/config.py")  # "env" without pyvenv.cfg is ordinary code
    write(tmp_path, "external/payments.py")  # "external" is too often own code to be vendored
    scanned: list[str] = []
    real_scandir = os.scandir

    def spy(path):
        scanned.append(os.path.relpath(path, tmp_path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", spy)
    result = crawl(tmp_path)

    assert paths(result) == ["env/config.py", "external/payments.py", "src/app.py"]
    assert sorted(result.skipped) == [
        ("myenv/", "vendored"),
        ("node_modules/", "vendored"),
        ("pkg.egg-info/", "vendored"),
        ("src/__pycache__/", "vendored"),
    ]
    assert not any(p.startswith(("node_modules", "src/__pycache__", "pkg.egg-info")) for p in scanned)


def test_folder_symlinks_never_followed_out_of_root_and_loops_end(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    write(outside, "secret.py")
    root = tmp_path / "root"
    write(root, "src/real.py")
    (root / "src/alias.py").symlink_to(root / "src/real.py")  # same file twice: indexed once
    (root / "src/loop").symlink_to(root)  # a loop back to the root
    (root / "src/self").symlink_to("self")  # a link to itself
    (root / "linked_dir").symlink_to(root / "src")  # a folder alias inside the root
    (root / "out_file.py").symlink_to(outside / "secret.py")
    (root / "out_dir").symlink_to(outside)
    (root / "dangling.py").symlink_to(root / "missing.py")

    result = crawl(root)

    assert paths(result) == ["src/real.py"]
    assert sorted(result.skipped) == [
        ("dangling.py", "unreadable"),
        ("out_dir", "symlink-outside-root"),
        ("out_file.py", "symlink-outside-root"),
        ("src/self", "unreadable"),
    ]


def test_root_given_through_a_symlink_still_sees_files_inside(tmp_path: Path) -> None:
    real = tmp_path / "real"
    write(real, "a.py")
    (real / "b.py").symlink_to(real / "a.py")
    (tmp_path / "via").symlink_to(real)

    result = crawl(tmp_path / "via")

    assert paths(result) == ["a.py"]
    assert result.skipped == []


def test_progress_reports_running_count_and_final_total(tmp_path: Path) -> None:
    for i in range(150):
        write(tmp_path, f"f{i:03}.py")
    seen: list[int] = []

    crawl(tmp_path, progress=seen.append)

    assert seen == sorted(seen)
    assert seen[-1] == 150
    assert len(seen) >= 3


def test_missing_root_raises_not_found(tmp_path: Path) -> None:
    from codesearch.errors import NotFoundError

    with pytest.raises(NotFoundError, match="not a folder"):
        crawl(tmp_path / "nope")


def test_skip_reasons_table_is_the_public_contract() -> None:
    assert SKIP_REASONS == (
        "binary",
        "too-large",
        "minified",
        "vendored",
        "generated",
        "lockfile",
        "ignored-by-codesearchignore",
        "symlink-outside-root",
        "unreadable",
        "empty",
        "undecodable-name",
        "secret",
        "submodule",
    )


def test_files_that_hold_secrets_are_skipped_as_secret(tmp_path: Path) -> None:
    """An untracked `.env` or a private key that no .gitignore names was indexed, and `search "aws secret
    key"` printed the key (and an agent over MCP would be handed it)."""
    repo = make_repo(tmp_path / "repo")
    secrets = [
        ".env", ".env.local", "config/.env.production", "id_rsa", "keys/id_ed25519", "certs/server.pem",
        "certs/server.key", "store.p12", "release.keystore", ".netrc", ".npmrc", ".pypirc", ".aws/credentials",
    ]  # fmt: skip
    for rel in secrets:
        write(repo, rel, "AWS_SECRET_ACCESS_KEY=abc123\n")
    kept = [".env.example", ".env.sample", "id_rsa.pub", "src/keys.py", "docs/credentials.md"]
    for rel in kept:
        write(repo, rel, "x = 1\n")
    git(repo, "add", ".env", "id_rsa")  # tracked or not: a secret all the same
    result = crawl(repo)
    assert sorted(result.skipped) == sorted((rel, "secret") for rel in secrets)
    assert sorted(f.path for f in result.files) == sorted(kept)


def test_root_ignored_by_the_enclosing_repo_is_crawled_as_a_plain_folder(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    write(repo, ".gitignore", "data/\n")
    write(repo, "data/corpus/pkg/lib.py", "def f():\n    return 1\n")
    write(repo, "data/corpus/pkg/.gitignore", "skip.py\n")
    write(repo, "data/corpus/pkg/skip.py", "x = 2\n")
    commit_all(repo)
    result = crawl(repo / "data" / "corpus" / "pkg")
    assert not result.is_git
    assert paths(result) == [".gitignore", "lib.py"]


@pytest.mark.parametrize("table", ["", "[codesearch]\n"])
def test_the_ignore_of_the_roots_own_config_applies_wherever_the_command_runs(tmp_path: Path, table) -> None:
    """`codesearch index repos/cfg` from another folder indexed what repos/cfg/.codesearch.toml ignores (the
    settings read the config of the working folder only), and `codesearch index .` inside it then removed it:
    what the index held depended on where the command ran."""
    repo = make_repo(tmp_path / "repo")
    write(repo, ".codesearch.toml", f'{table}ignore = ["skipme.py", "gen/"]\n')
    write(repo, "skipme.py")
    write(repo, "gen/out.py")
    write(repo, "kept.py")
    result = crawl(repo)
    files = [f.path for f in result.files]
    assert "kept.py" in files and "skipme.py" not in files and "gen/out.py" not in files
    assert ("skipme.py", "ignored-by-codesearchignore") in result.skipped
    assert any(rel.startswith("gen/") and why == "ignored-by-codesearchignore" for rel, why in result.skipped)
