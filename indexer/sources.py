"""Where code comes from: a local folder as given, or a git URL cloned (shallow) into a cache."""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
from pathlib import Path
from urllib.parse import unquote, urlsplit

import git

from codesearch.errors import ConfigError, IndexIOError, NotFoundError

log = logging.getLogger(__name__)

_URL_SCHEMES = ("http://", "https://", "ssh://", "git://", "file://", "git+ssh://", "ssh+git://")
# scp-like syntax: user@host:path (a colon before any slash; "C:\\x" has no "@" so it stays a path)
_SCP_LIKE = re.compile(r"^(?P<user>[^@/\s]+)@(?P<host>[^:/\s]+):(?P<path>[^\s]+)$")
_UNSAFE_COMPONENT = re.compile(r"[^A-Za-z0-9._-]")

# Never wait for a password prompt on a terminal: a clone or refresh must fail fast instead.
_GIT_ENV = {"GIT_TERMINAL_PROMPT": "0"}


def is_git_url(spec: str) -> bool:
    """True if ``spec`` names a remote repository rather than a local path."""
    return spec.startswith(_URL_SCHEMES) or _SCP_LIKE.match(spec) is not None


def cache_path_for(url: str, cache_dir: Path) -> Path:
    """``cache_dir/<host>/<owner>/<name>`` for a git URL (``.git`` dropped, credentials never used)."""
    match = _SCP_LIKE.match(url)
    if match and not url.startswith(_URL_SCHEMES):
        host, path = match["host"], match["path"]
    else:
        parts = urlsplit(url)
        host = parts.hostname or "localhost"
        if parts.port:
            host = f"{host}_{parts.port}"
        path = unquote(parts.path)
    components = [c for c in path.strip("/").split("/") if c not in ("", ".", "..")]
    if not components:
        raise ConfigError(f"cannot tell the repository name from git URL {_redact(url)}")
    name = components[-1].removesuffix(".git") or components[-1]
    owner = components[:-1] or ["_"]
    safe = [_UNSAFE_COMPONENT.sub("_", c) for c in (host, *owner, name)]
    return cache_dir.joinpath(*safe)


def resolve_source(spec: str, *, cache_dir: Path) -> Path:
    """The local folder to crawl for ``spec``: a path (must exist) or a git URL to clone or refresh.

    A URL is cloned with depth 1 into ``cache_path_for(spec, cache_dir)``; an existing clone is fetched
    and hard-reset to the remote's default branch (the cache is ours: local edits there are dropped).
    Raises ``NotFoundError`` for a missing path or a repository git cannot clone or fetch,
    ``IndexIOError`` when the cache cannot be written.
    """
    if not is_git_url(spec):
        path = Path(spec).expanduser()
        if not path.exists():
            raise NotFoundError(f"no such file or folder: {spec}")
        _not_git_data(spec, path.resolve())
        return path.resolve()
    dest = cache_path_for(spec, cache_dir)
    if dest.exists():
        _refresh(spec, dest)
    else:
        _clone(spec, dest)
    return dest.resolve()


def _not_git_data(spec: str, path: Path) -> None:
    """``ConfigError`` when ``path`` is a repository's own git data (a bare repository, a ``.git`` folder or a
    folder inside one): git's objects, hook samples and logs, not files to search."""
    for folder in (path, *path.parents):
        if folder.name == ".git" or (
            (folder / "HEAD").is_file() and (folder / "objects").is_dir() and (folder / "refs").is_dir()
        ):
            raise ConfigError(
                f"{spec} is a git repository's own data (a bare repository or a .git folder), not files to "
                "search: index a checkout of it (`git clone` one, or name the folder that holds .git)"
            )


def _clone(url: str, dest: Path) -> None:
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=dest.parent))
    except OSError as err:
        raise IndexIOError(f"cannot create the clone cache {dest.parent}: {err.strerror or err}") from err
    try:
        log.info("cloning %s into %s", _redact(url), dest)
        git.Repo.clone_from(url, staging, depth=1, env=_GIT_ENV, multi_options=["--quiet"]).close()
        # Clone aside then rename: an interrupted clone never leaves a half-filled cache entry.
        os.replace(staging, dest)
    except git.GitCommandError as err:
        raise NotFoundError(f"cannot clone {_redact(url)}: {_git_reason(err)}") from err
    except OSError as err:
        if dest.is_dir():  # another process cloned the same URL first: use its clone
            log.debug("%s appeared during the clone; keeping it", dest)
            return
        raise IndexIOError(
            f"cannot write the clone of {_redact(url)} to {dest}: {err.strerror or err}"
        ) from err
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _refresh(url: str, dest: Path) -> None:
    try:
        repo = git.Repo(dest)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError) as err:
        raise IndexIOError(f"{dest} exists but is not a git clone; remove it and retry") from err
    with repo:
        try:
            log.info("refreshing %s from %s", dest, _redact(url))
            with repo.git.custom_environment(**_GIT_ENV):
                # HEAD of the remote is its default branch, even if it was renamed since the clone.
                repo.git.fetch("--depth", "1", "--quiet", "origin", "HEAD")
                repo.git.reset("--hard", "--quiet", "FETCH_HEAD")
                repo.git.clean("-ffdxq")
        except git.GitCommandError as err:
            raise NotFoundError(f"cannot refresh {_redact(url)} in {dest}: {_git_reason(err)}") from err


def _git_reason(err: git.GitCommandError) -> str:
    stderr = err.stderr if isinstance(err.stderr, str) else str(err.stderr or "")
    lines = [line.strip().removeprefix("stderr:").strip().strip("'").strip() for line in stderr.splitlines()]
    lines = [line for line in lines if line]
    # git ends with advice ("Please make sure ..."); the first fatal: line is the cause.
    causes = [line for line in lines if line.startswith(("fatal:", "error:"))]
    reason = (causes or lines or [f"git exited with status {err.status}"])[0]
    return _redact(reason.removeprefix("fatal:").removeprefix("error:").strip())


def _redact(text: str) -> str:
    # https://user:token@host/... must never reach a log line or an error message.
    return re.sub(r"(?<=://)[^/@\s]+@", "***@", text)
