"""Git hooks on real repositories: real ``git commit``/``checkout``/``merge`` run the real installed hooks,
which start real background ``codesearch hook run`` processes writing a real index (fake embedder)."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from codesearch import cli
from indexer import hook_run, hooks
from indexer.store import writer_lock


def _names(index_dir: Path) -> set[str]:
    db = sqlite3.connect(index_dir / "meta.sqlite")
    try:
        return {r[0] for r in db.execute("SELECT qualified_name FROM documents")}
    finally:
        db.close()


def _wait_idle(repo: Path, after: float, timeout: float = 60.0) -> dict:
    """The record of the first hook run that finished after ``after``, once no run is going or queued."""
    state = hooks.state_dir(repo)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        last = hook_run.last_run(state)
        if (
            last
            and last["finished_at"] > after
            and not hook_run.is_running(state)
            and not (state / hook_run.DIRTY).exists()
        ):
            return last
        time.sleep(0.1)
    log = state / hook_run.LOG_FILE
    raise AssertionError(f"no hook run finished; log: {log.read_text() if log.exists() else 'none'}")


def _folder_state(folder: Path) -> dict[str, tuple[bytes, int, int]]:
    """name -> (content, mode, mtime_ns) of every entry: what `uninstall` must restore exactly."""
    out = {}
    for entry in sorted(folder.iterdir()):
        st = entry.lstat()
        content = os.readlink(entry).encode() if entry.is_symlink() else entry.read_bytes()
        out[entry.name] = (content, stat.S_IMODE(st.st_mode), st.st_mtime_ns)
    return out


@pytest.fixture
def indexed_repo(git_repo, tmp_path):
    """A sample repository indexed with the fake model through the CLI, and its index dir."""
    repo = git_repo()
    index_dir = tmp_path / "idx"
    assert cli.main(["--index", str(index_dir), "--model", "fake", "index", str(repo.root), "--json"]) == 0
    return repo, index_dir


def test_commit_returns_before_the_reindex_and_the_hook_indexes_the_new_function(indexed_repo, capsys):
    repo, index_dir = indexed_repo
    hooks.install(repo.root, index_dir)
    repo.write("util/more.py", "def brand_new_helper(x):\n    return x + 1\n")
    started = time.time()
    with writer_lock(index_dir):  # the index is busy: the hook's run must wait, git must not
        repo.commit("add helper")
        assert hook_run.is_running(hooks.state_dir(repo.root)) or _eventually_running(repo.root)
        assert "brand_new_helper" not in _names(index_dir)
    last = _wait_idle(repo.root, started)
    assert last["status"] == "ok" and last["files_parsed"] == 1 and last["embedded"] == 1
    assert "brand_new_helper" in _names(index_dir)
    capsys.readouterr()
    assert cli.main(["hook", "status", "--repo", str(repo.root), "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert set(status["hooks"].values()) == {"installed"}
    assert status["index_dir"] == str(index_dir.resolve()) and status["last_run"]["status"] == "ok"
    assert Path(status["log"]).exists() and "hook reindex ok" in Path(status["log"]).read_text()


def _eventually_running(repo: Path, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if hook_run.is_running(hooks.state_dir(repo)):
            return True
        time.sleep(0.05)
    return False


def test_existing_hooks_keep_running_and_uninstall_restores_them_exactly(indexed_repo, tmp_path):
    repo, index_dir = indexed_repo
    folder = hooks.hooks_dir(repo.root)
    calls = tmp_path / "user-hook-calls"
    (folder / "post-commit").write_text(f'#!/bin/sh\necho "commit $*" >> {calls}\n')
    (folder / "post-commit").chmod(0o750)
    (folder / "post-checkout").write_text(f'#!/bin/sh\necho "checkout $*" >> {calls}\nexit 3\n')
    (folder / "post-checkout").chmod(0o700)
    os.symlink("post-commit", folder / "post-merge")  # hook managers link hooks to shared scripts
    subprocess.run(["git", "checkout", "-q", "-b", "side"], cwd=repo.root)  # the user's hook fails it
    without = subprocess.run(["git", "checkout", "-q", "main"], cwd=repo.root).returncode
    before = _folder_state(folder)

    states = hooks.install(repo.root, index_dir)
    assert {s.name: s.chained for s in states} == {
        "post-commit": True,
        "post-merge": True,
        "post-checkout": True,
        "post-rewrite": False,
    }
    calls.unlink()
    started = time.time()
    repo.write("notes.py", "def jot(line):\n    return line.strip()\n")
    repo.commit("jot")
    with_ours = subprocess.run(["git", "checkout", "-q", "side"], cwd=repo.root).returncode
    assert with_ours == without != 0  # the user's hook's exit status is still git checkout's
    lines = calls.read_text().splitlines()
    assert lines[0] == "commit " and lines[1].startswith("checkout ") and lines[1].endswith(" 1")
    _wait_idle(repo.root, started)
    assert "jot" not in _names(index_dir)  # indexed on main, then the checkout of side removed it

    hooks.uninstall(repo.root)
    assert _folder_state(folder) == before
    assert not (hooks.state_dir(repo.root) / hooks.INSTALL_RECORD).exists()


def test_core_hooks_path_is_respected_and_merge_and_checkout_reindex(indexed_repo):
    repo, index_dir = indexed_repo
    repo.git("config", "core.hooksPath", ".githooks")  # relative: git resolves it from the work tree's top
    (repo.root / ".git" / "info" / "exclude").write_text(".githooks/\n")  # kept out of `commit -A`
    states = hooks.install(repo.root, index_dir)
    assert all(s.path.parent == repo.root / ".githooks" and s.ours for s in states)
    assert not any((repo.root / ".git" / "hooks" / name).exists() for name in hooks.HOOK_NAMES)

    repo.git("checkout", "-q", "-b", "feature")
    repo.write("web/feature.js", "function featureFlag(name) {\n  return name === 'on';\n}\n")
    started = time.time()
    repo.commit("feature")
    _wait_idle(repo.root, started)
    assert "featureFlag" in _names(index_dir)

    started = time.time()
    repo.git("checkout", "-q", "main")
    _wait_idle(repo.root, started)
    assert "featureFlag" not in _names(index_dir)

    started = time.time()
    repo.git("merge", "-q", "--no-ff", "-m", "merge feature", "feature")
    _wait_idle(repo.root, started)
    assert "featureFlag" in _names(index_dir)

    hooks.uninstall(repo.root)  # the folder was made by install: uninstall takes it away again
    assert not (repo.root / ".githooks").exists()


def test_a_failing_run_never_fails_git_is_logged_and_the_next_run_catches_up(indexed_repo, capsys):
    repo, index_dir = indexed_repo
    hooks.install(repo.root, index_dir)
    db = index_dir / "meta.sqlite"
    db.rename(index_dir / "meta.sqlite.away")
    db.mkdir()  # the index database cannot be opened: every run fails until it is back
    repo.write("late.py", "def arrives_late():\n    return 'late'\n")
    started = time.time()
    done = subprocess.run(["git", "add", "-A"], cwd=repo.root)
    done = subprocess.run(["git", "commit", "-qm", "late"], cwd=repo.root)
    assert done.returncode == 0
    last = _wait_idle(repo.root, started)
    assert last["status"] == "failed" and "index database" in last["error"]
    log = (hooks.state_dir(repo.root) / hook_run.LOG_FILE).read_text()
    assert "reindex failed" in log
    capsys.readouterr()
    assert cli.main(["hook", "status", "--repo", str(repo.root)]) == 0
    shown = capsys.readouterr().out
    assert "FAILED: IndexIOError" in shown and str(hooks.state_dir(repo.root) / hook_run.LOG_FILE) in shown

    db.rmdir()
    (index_dir / "meta.sqlite.away").rename(db)
    started = time.time()
    repo.commit("nothing new")  # the next trigger catches up with what the failed run missed
    last = _wait_idle(repo.root, started)
    assert last["status"] == "ok" and "arrives_late" in _names(index_dir)


def test_triggers_during_a_run_coalesce_into_one_follow_up_run(tmp_path):
    state = tmp_path / "state"
    release = threading.Event()
    runs: list[float] = []

    def slow_reindex() -> dict:
        runs.append(time.monotonic())
        if len(runs) == 1:
            release.wait(10)
        return {"embedded": 0}

    first = threading.Thread(target=hook_run.run_coalesced, args=(state, slow_reindex))
    first.start()
    deadline = time.monotonic() + 10
    while not runs and time.monotonic() < deadline:
        time.sleep(0.01)
    assert runs, "the first run never started"
    # five more triggers while the first run holds the lock: each marks dirty and returns at once
    assert [hook_run.run_coalesced(state, slow_reindex) for _ in range(5)] == [0] * 5
    release.set()
    first.join(10)
    assert len(runs) == 2  # the first run, and one follow-up for all five triggers
    assert hook_run.last_run(state)["status"] == "ok" and not (state / hook_run.DIRTY).exists()


def test_hook_commands_outside_a_git_repository_fail_with_one_line(tmp_path, capsys):
    assert cli.main(["hook", "install", "--repo", str(tmp_path)]) == 8
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("codesearch: error:") and "not in a git repository" in err[0]


def test_hook_install_in_a_bare_repository_says_it_has_no_work_tree(tmp_path, capsys):
    """A bare repository was said to be "not in a git repository"."""
    subprocess.run(["git", "init", "-q", "--bare", str(tmp_path / "bare.git")], check=True)
    assert cli.main(["hook", "install", "--repo", str(tmp_path / "bare.git")]) == 8
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "bare repository" in err[0] and "not in a git repository" not in err[0]


def test_pre_commit_framework_manifest_runs_our_background_command_on_our_four_stages():
    import yaml

    manifest = yaml.safe_load((Path(__file__).parents[2] / ".pre-commit-hooks.yaml").read_text())
    (hook,) = manifest
    assert hook["id"] == "codesearch-reindex" and tuple(hook["stages"]) == hooks.HOOK_NAMES
    assert hook["pass_filenames"] is False and hook["always_run"] is True
    program, *argv = hook["entry"].split()
    assert program == "codesearch"
    args = cli.build_parser().parse_args(argv)
    assert (args.command, args.action, args.background) == ("hook", "run", True)


def test_background_run_returns_at_once_and_reindexes(indexed_repo):
    repo, index_dir = indexed_repo
    repo.write("bg.py", "def from_the_background():\n    return 'bg'\n")
    started = time.time()
    assert cli.main(["--index", str(index_dir), "hook", "run", "--background", "--repo", str(repo.root)]) == 0
    assert _wait_idle(repo.root, started)["status"] == "ok"
    assert "from_the_background" in _names(index_dir)
    # it only spawned the run: the run's log lines come from another process (no wall-clock bound)
    log = (hooks.state_dir(repo.root) / hook_run.LOG_FILE).read_text()
    pids = set(re.findall(r"pid (\d+) ", log))
    assert pids and str(os.getpid()) not in pids


def test_a_model_that_cannot_be_used_is_a_logged_failed_run(indexed_repo):
    repo, index_dir = indexed_repo
    argv = ["--index", str(index_dir), "--model", "http", "hook", "run", "--repo", str(repo.root)]
    assert cli.main(argv) == 1  # run in the foreground: the failure is the exit status, and it is recorded
    last = hook_run.last_run(hooks.state_dir(repo.root))
    assert last["status"] == "failed" and last["error"]
    assert "reindex failed" in (hooks.state_dir(repo.root) / hook_run.LOG_FILE).read_text()


def test_post_rewrite_alone_reindexes_after_an_amend(indexed_repo):
    repo, index_dir = indexed_repo
    hooks.install(repo.root, index_dir)
    (
        hooks.hooks_dir(repo.root) / "post-commit"
    ).unlink()  # `commit --amend` runs both; keep post-rewrite only
    repo.write("amended.py", "def added_by_amend():\n    return 'amend'\n")
    repo.git("add", "-A")
    started = time.time()
    repo.git("commit", "-q", "--amend", "--no-edit")
    assert _wait_idle(repo.root, started)["status"] == "ok"
    assert "added_by_amend" in _names(index_dir)


def _counting_python(tmp_path: Path, monkeypatch) -> Path:
    """Make the hooks installed from now on start this Python through a script that counts its starts."""
    counter = tmp_path / "python-starts"
    wrapper = tmp_path / "bin" / "python"
    wrapper.parent.mkdir(exist_ok=True)
    wrapper.write_text(f'#!/bin/sh\necho $$ >> {counter}\nexec {sys.executable} "$@"\n')
    wrapper.chmod(0o755)
    monkeypatch.setattr(hooks.sys, "executable", str(wrapper))
    return counter


def test_a_burst_of_commits_starts_one_python_and_the_index_ends_at_the_last_commit(
    indexed_repo, tmp_path, monkeypatch
):
    repo, index_dir = indexed_repo
    counter = _counting_python(tmp_path, monkeypatch)
    hooks.install(repo.root, index_dir)
    started = time.time()
    with writer_lock(index_dir):  # the first run waits for the index: every later commit finds it pending
        for i in range(12):
            repo.write(f"burst/b{i}.py", f"def burst_{i}():\n    return {i}\n")
            repo.commit(f"burst {i}")
    _wait_idle(repo.root, started)
    assert {f"burst_{i}" for i in range(12)} <= _names(index_dir)
    assert len(counter.read_text().splitlines()) == 1  # one Python: it ran once more for the later commits
    state = hooks.state_dir(repo.root)
    deadline = time.monotonic() + 30
    while (state / hooks.LAUNCH_LOCK).exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not (state / hooks.LAUNCH_LOCK).exists()  # let go of when done: the next commit starts a run


@pytest.mark.parametrize("left", ["a dead pid", "no pid, long ago"])
def test_a_launch_lock_left_by_a_killed_run_is_taken_over(indexed_repo, tmp_path, monkeypatch, left):
    """A trigger killed between making the lock and writing a pid left it empty: hooks then never ran
    again, silently. An empty lock older than a minute is a dead trigger's."""
    repo, index_dir = indexed_repo
    counter = _counting_python(tmp_path, monkeypatch)
    hooks.install(repo.root, index_dir)
    lock = hooks.state_dir(repo.root) / hooks.LAUNCH_LOCK
    lock.mkdir(parents=True)
    if left == "a dead pid":
        dead = subprocess.Popen(["true"])
        dead.wait()
        (lock / "pid").write_text(f"{dead.pid}\n")
    else:
        long_ago = os.stat(lock).st_mtime - 600
        os.utime(lock, (long_ago, long_ago))
    repo.write("after_kill.py", "def after_the_kill():\n    return 0\n")
    started = time.time()
    repo.commit("after a killed run")
    assert _wait_idle(repo.root, started)["status"] == "ok"
    assert "after_the_kill" in _names(index_dir) and len(counter.read_text().splitlines()) == 1


def test_a_hooks_folder_shared_by_a_global_core_hooks_path_is_refused_with_one_line(
    indexed_repo, tmp_path, monkeypatch, capsys
):
    repo, index_dir = indexed_repo
    shared = tmp_path / "globalhooks"
    global_config = tmp_path / "global.gitconfig"
    global_config.write_text(f"[core]\n\thooksPath = {shared}\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(global_config))
    args = ["--index", str(index_dir), "hook", "install", "--no-index", "--repo", str(repo.root)]
    capsys.readouterr()
    assert cli.main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "every repository" in err[0] and "global git config" in err[0]
    assert not shared.exists() and hooks.installed_index(repo.root) is None

    assert cli.main([*args, "--shared-hooks-folder"]) == 0  # asked for: installed there
    assert all(s.ours and s.path.parent == shared for s in hooks.describe(repo.root))
    hooks.uninstall(repo.root)

    repo.git("config", "core.hooksPath", ".githooks")  # this repository's own folder: installed as before
    assert cli.main(args) == 0
    assert all(s.ours and s.path.parent == repo.root / ".githooks" for s in hooks.describe(repo.root))


def test_a_hook_whose_python_is_gone_says_so_in_the_log_and_in_status(
    indexed_repo, tmp_path, monkeypatch, capsys
):
    repo, index_dir = indexed_repo
    counter = _counting_python(tmp_path, monkeypatch)
    hooks.install(repo.root, index_dir)
    python = hooks.sys.executable
    Path(python).unlink()  # the virtual environment was moved away
    repo.write("orphan.py", "def never_indexed():\n    return 0\n")
    repo.commit("after the move")  # git still succeeds
    assert not counter.exists()
    log = (hooks.state_dir(repo.root) / hook_run.LOG_FILE).read_text().splitlines()
    assert len(log) == 1 and f"cannot start {python}" in log[0] and "post-commit" in log[0]
    capsys.readouterr()
    assert cli.main(["hook", "status", "--repo", str(repo.root), "--json"]) == 0
    words = json.loads(capsys.readouterr().out)["hooks"]
    assert all(f"its Python {python} is missing" in word for word in words.values())


def test_a_husky_style_hooks_folder_still_runs_the_users_hook(indexed_repo, tmp_path):
    """husky sets core.hooksPath=.husky/_, whose scripts run .husky/<the name of $0>: the previous hook must
    still see its own path as $0 once ours wraps it."""
    repo, index_dir = indexed_repo
    calls = tmp_path / "husky-calls"
    husky = repo.root / ".husky"
    (husky / "_").mkdir(parents=True)
    (repo.root / ".git" / "info" / "exclude").write_text(".husky/\n")
    (husky / "_" / "h").write_text(
        '#!/usr/bin/env sh\nn=$(basename "$0")\ns=$(dirname "$(dirname "$0")")/$n\n'
        '[ -f "$s" ] || exit 0\nsh -e "$s" "$@"\n'
    )
    (husky / "_" / "post-commit").write_text('#!/usr/bin/env sh\n. "$(dirname "$0")/h"\n')
    (husky / "_" / "post-commit").chmod(0o755)
    (husky / "post-commit").write_text(f'echo "husky ran $(basename "$0") $*" >> {calls}\n')
    repo.git("config", "core.hooksPath", ".husky/_")
    before = _folder_state(husky / "_")

    hooks.install(repo.root, index_dir)
    repo.write("husky.py", "def with_husky():\n    return 1\n")
    started = time.time()
    repo.commit("with husky")
    assert calls.read_text().splitlines() == ["husky ran post-commit "]
    _wait_idle(repo.root, started)
    assert "with_husky" in _names(index_dir)
    hooks.uninstall(repo.root)
    assert _folder_state(husky / "_") == before


def test_the_previous_hook_sees_its_own_name_and_folder_as_its_path(indexed_repo, tmp_path):
    repo, index_dir = indexed_repo
    folder = hooks.hooks_dir(repo.root)
    calls = tmp_path / "names"
    for name, shebang in (("post-commit", "#!/bin/sh -e"), ("post-rewrite", "#!/usr/bin/env bash")):
        (folder / name).write_text(f'{shebang}\necho "$(basename "$0") $(dirname "$0") $*" >> {calls}\n')
        (folder / name).chmod(0o755)
    (folder / "post-merge").write_text(  # not a shell script: its name is still its own
        f"#!{sys.executable}\nimport os, sys\nopen({str(calls)!r}, 'a').write('python ' + os.path.basename(sys.argv[0]) + '\\n')\n"
    )
    (folder / "post-merge").chmod(0o755)
    hooks.install(repo.root, index_dir)
    repo.write("names.py", "def named():\n    return 2\n")
    repo.commit("names")
    repo.git("commit", "-q", "--amend", "--no-edit")
    lines = [line.split(" ", 2) for line in calls.read_text().splitlines()]
    assert [(name, Path(repo.root, where).resolve()) for name, where, _ in lines] == [
        ("post-commit", folder),
        ("post-commit", folder),
        ("post-rewrite", folder),
    ]
    assert lines[-1][2] == "amend"
    calls.unlink()
    repo.git("checkout", "-q", "-b", "other")
    repo.commit("other")
    repo.git("checkout", "-q", "main")
    calls.unlink()
    repo.git("merge", "-q", "--no-ff", "-m", "merge other", "other")
    assert calls.read_text().splitlines() == ["python post-merge"]
    assert not list(hooks.state_dir(repo.root).glob("previous.*"))  # the link was for that run only


def test_a_previous_hook_that_is_not_executable_is_not_said_to_run(indexed_repo, capsys):
    """Git runs no hook that is not executable, and neither does ours: `hook install` still said "runs the
    previous hook first"."""
    repo, index_dir = indexed_repo
    hook = hooks.hooks_dir(repo.root) / "post-commit"
    hook.parent.mkdir(parents=True, exist_ok=True)
    hook.write_text("#!/bin/sh\necho never\n")
    hook.chmod(0o644)
    capsys.readouterr()
    assert (
        cli.main(["--index", str(index_dir), "hook", "install", "--no-index", "--repo", str(repo.root)]) == 0
    )
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()[1:] if line.strip()}
    assert (
        "not executable" in lines["post-commit"]
        and "runs the previous hook first" not in lines["post-commit"]
    )
    assert "not executable" not in lines["post-merge"]
    hooks.uninstall(repo.root)
