"""One typed settings object.

Precedence: defaults < user config (``~/.config/codesearch/config.toml``) < repo ``.codesearch.toml`` <
``CODESEARCH_*`` environment < command-line flags. Nothing else in codesearch reads the environment.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from codesearch.errors import ConfigError

APP_NAME = "codesearch"
MODES = ("hybrid", "dense", "lexical")
# the most hits a command prints (-k, CODESEARCH_K, k = in a config file): plenty for a script, and a bound a
# search's depth (5 x k per side) stays well inside; the HTTP API and MCP allow 100 (codesearch.api.models)
MAX_HITS = 10_000
ENGLISH_FILL_MODES = ("background", "now", "off")
# where the index lives: "local" (the index directory), "milvus://HOST:PORT[/NAME]" or "milvus-lite:PATH"
STORE_URI = re.compile(r"local|milvus://[^/\s:]+:\d+(/[A-Za-z_][A-Za-z0-9_]*)?|milvus-lite:.+")


def default_index_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME)) / "index"


def user_config_path() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


@dataclass(frozen=True)
class Settings:
    """Every knob codesearch has. Build it with ``load_settings``."""

    index_dir: Path = field(default_factory=default_index_dir)
    # the store behind the index: "local" (index_dir), or Milvus (``indexer.milvus``; extra codesearch[milvus])
    store: str = "local"
    # embedding model: a registry name (use, e5, qwen3-4b, http, auto, ...) or "none" for lexical only
    model: str = "auto"
    dim: int | None = None
    model_path: str | None = None
    embedding_urls: tuple[str, ...] = ()
    api_key: str | None = None
    device: str | None = None
    max_file_size: int = 1 << 20
    ignore: tuple[str, ...] = ()
    k: int = 10
    mode: str = "hybrid"
    # task instructions (English) per kind of query, for instruction-following models such as Qwen3
    query_instruction: str | None = None
    identifier_instruction: str | None = None
    code_instruction: str | None = None
    clone_dir: Path = field(default_factory=lambda: Path(platformdirs.user_cache_dir(APP_NAME)) / "repos")
    # reranking the top hits with a cross-encoder: "none" (off), auto, http, qwen3-0.6b/4b/8b
    reranker: str = "none"
    rerank_top: int = 30
    reranker_urls: tuple[str, ...] = ()
    reranker_model_path: str | None = None
    # `codesearch serve`: the Bearer token (required off loopback) and the origins CORS allows (none: off)
    token: str | None = field(default=None, repr=False)  # never in a log line
    cors_origins: tuple[str, ...] = ()
    # query translation's dictionaries installed apart (codesearch.translate): the EDICT file (default
    # Debian's /usr/share/edict/edict) and the folder of dictd files (default /usr/share/dictd)
    edict: Path | None = None
    freedict_dir: Path | None = None
    # Apertium, the machine translator Spanish, Portuguese and Italian queries go through where it is
    # installed (codesearch.apertium): "auto" (the `apertium` on PATH), "off", or the program's path
    apertium: str = "auto"
    # a build that left the English part of its model for later (``indexer.fill``): fill it in a detached
    # process (background), before the command returns (now), or not until asked (off: `codesearch fill`)
    english_fill: str = "background"

    @property
    def store_dir(self) -> Path:
        """Where this machine keeps the index's own files: ``index_dir`` for the local store; for Milvus a
        folder of it per store URI (file table, embedding cache, FTS5 sidecar of a server without BM25, a
        running server's discovery file), so a local index and a Milvus one never share a file."""
        if self.store == "local":
            return self.index_dir
        return self.index_dir / "stores" / re.sub(r"[^A-Za-z0-9._-]+", "_", self.store).strip("_")

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ConfigError(f"mode must be one of {', '.join(MODES)}, not {self.mode!r}")
        if not STORE_URI.fullmatch(self.store):
            raise ConfigError(
                f"store must be local, milvus://HOST:PORT[/NAME] or milvus-lite:PATH, not {self.store!r}"
            )
        if self.device is not None and not re.fullmatch(r"cpu|cuda(?::\d+)?|mps", self.device):
            raise ConfigError(f"device must be cpu, cuda, cuda:N or mps, not {self.device!r}")
        if self.english_fill not in ENGLISH_FILL_MODES:
            raise ConfigError(
                f"english_fill must be one of {', '.join(ENGLISH_FILL_MODES)}, not {self.english_fill!r}"
            )
        if not self.apertium.strip():
            raise ConfigError("apertium must be auto, off or the path of the apertium program, not empty")
        if not 1 <= self.k <= MAX_HITS:
            raise ConfigError(f"k must be between 1 and {MAX_HITS}, not {self.k}")
        if self.rerank_top < 1:
            raise ConfigError(f"rerank_top must be at least 1, not {self.rerank_top}")
        if self.max_file_size < 1:
            raise ConfigError(f"max_file_size must be positive, not {self.max_file_size}")


_FIELDS = {f.name: f for f in dataclasses.fields(Settings)}
_TUPLE_FIELDS = {"embedding_urls", "ignore", "reranker_urls", "cors_origins"}
_PATH_FIELDS = {"index_dir", "clone_dir", "edict", "freedict_dir"}
_INT_FIELDS = {"dim", "max_file_size", "k", "rerank_top"}


# What a repository's own `.codesearch.toml` may not set: it comes with a clone, and these would run a program
# it ships (apertium), load its files as models (pickled weights carry code) or dictionaries, send its code and
# queries elsewhere (embedding, reranker and Milvus addresses), or set a server's token, key or CORS origins.
# The user's config, the environment and flags set them.
NOT_FROM_A_REPOSITORY = frozenset(
    {
        "apertium",
        "embedding_urls",
        "reranker_urls",
        "store",
        "model_path",
        "reranker_model_path",
        "token",
        "api_key",
        "cors_origins",
        "clone_dir",
        "edict",
        "freedict_dir",
    }
)


def _coerce(name: str, value: Any, source: str) -> Any:
    if value is None:
        return None
    try:
        if name in _TUPLE_FIELDS:
            if isinstance(value, str):
                return tuple(v.strip() for v in value.split(",") if v.strip())
            return tuple(str(v) for v in value)
        if name in _PATH_FIELDS:
            if not str(value).strip():  # Path("") is the working folder: "no index at ."
                raise ConfigError(f"{source}: {name} is empty: give a path")
            return Path(os.path.expanduser(str(value)))
        if name in _INT_FIELDS:
            # int(True) == 1 and int(2.5) == 2: a TOML bool or fraction is a mistake, not a number
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError(value)
            number = int(value)
            if name == "k" and not 1 <= number <= MAX_HITS:  # said with where it came from
                raise ConfigError(f"{source}: k must be between 1 and {MAX_HITS}, not {number}")
            if number < 1:  # a count: dimensions, bytes, hits to rerank
                raise ConfigError(f"{source}: {name} must be 1 or more, not {number}")
            return number
        if not isinstance(value, str):  # every other setting is text (model = 5 would fail far later)
            raise TypeError(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{source}: {name} has an invalid value {value!r}") from None
    return value


def _read_toml(path: Path, *, repository: bool = False) -> dict[str, Any]:
    """The settings of the TOML file ``path`` (none when it is not there); a ``repository``'s file may not
    set ``NOT_FROM_A_REPOSITORY``."""
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        return {}
    except UnicodeDecodeError as exc:  # tomllib decodes the whole file first: a Latin-1 "café" fails there
        raise ConfigError(
            f"{path}: cannot read config: not UTF-8, as TOML must be (byte 0x{exc.object[exc.start]:02x} at "
            f"offset {exc.start})"
        ) from None
    except (tomllib.TOMLDecodeError, OSError) as exc:
        raise ConfigError(f"{path}: cannot read config: {exc}") from None
    # keys may sit at top level or under [codesearch], not both (one of them would be ignored)
    table = data.get("codesearch", data)
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: codesearch must be a table ([codesearch]), not {table!r}")
    if table is not data:
        for key in data:
            if key != "codesearch":
                raise ConfigError(f"{path}: {key!r} is outside [codesearch]: put every setting in that table")
    out: dict[str, Any] = {}
    for key, value in table.items():
        name = key.replace("-", "_")
        if name not in _FIELDS:
            raise ConfigError(f"{path}: unknown setting {key!r}")
        if repository and name in NOT_FROM_A_REPOSITORY:
            raise ConfigError(
                f"{path}: a repository's .codesearch.toml may not set {key} (it could run a program, load "
                f"files as code or send code elsewhere): set it in {user_config_path()} or as "
                f"CODESEARCH_{name.upper()}"
            )
        out[name] = _coerce(name, value, str(path))
    return out


def _from_env(environ: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in _FIELDS:
        value = environ.get(f"CODESEARCH_{name.upper()}")
        if value is not None and value != "":
            out[name] = _coerce(name, value, f"CODESEARCH_{name.upper()}")
    # the short form users know from other tools
    if "CODESEARCH_INDEX" in environ and environ["CODESEARCH_INDEX"]:
        out["index_dir"] = _coerce("index_dir", environ["CODESEARCH_INDEX"], "CODESEARCH_INDEX")
    return out


def find_repo_config(start: Path) -> Path | None:
    """The nearest ``.codesearch.toml`` at or above ``start``."""
    start = start.resolve()
    for folder in [start, *start.parents]:
        candidate = folder / ".codesearch.toml"
        if candidate.is_file():
            return candidate
    return None


def repository_ignore(root: Path) -> tuple[str, ...]:
    """The ``ignore`` patterns of the ``.codesearch.toml`` at ``root`` itself (none there: empty), which the
    crawl of ``root`` applies wherever the command runs; the settings read only the working folder's."""
    path = Path(root) / ".codesearch.toml"
    if not path.is_file():
        return ()
    return tuple(_read_toml(path).get("ignore", ()))


def load_settings(
    flags: Mapping[str, Any] | None = None,
    *,
    cwd: Path | None = None,
    environ: Mapping[str, str] | None = None,
    user_config: Path | None = None,
) -> Settings:
    """Merge every source in precedence order. ``flags`` with value None are ignored."""
    environ = os.environ if environ is None else environ
    merged: dict[str, Any] = {}
    merged.update(_read_toml(user_config or user_config_path()))
    repo_config = find_repo_config(cwd or Path.cwd())
    if repo_config is not None:
        merged.update(_read_toml(repo_config, repository=True))
    merged.update(_from_env(environ))
    for name, value in (flags or {}).items():
        if value is None or (name in _TUPLE_FIELDS and not value):
            continue
        if name not in _FIELDS:
            raise ConfigError(f"unknown setting {name!r}")
        merged[name] = _coerce(name, value, "-k" if name == "k" else f"--{name.replace('_', '-')}")
    return Settings(**merged)


def settings_to_json(settings: Settings) -> dict[str, Any]:
    """Every setting as JSON values (paths as text, tuples as lists): how `serve --processes` hands the
    resolved settings to its worker processes."""
    out: dict[str, Any] = {}
    for name in _FIELDS:
        value = getattr(settings, name)
        out[name] = (
            str(value) if isinstance(value, Path) else list(value) if isinstance(value, tuple) else value
        )
    return out


def settings_from_json(data: Mapping[str, Any]) -> Settings:
    """The inverse of ``settings_to_json``."""
    unknown = set(data) - set(_FIELDS)
    if unknown:
        raise ConfigError(f"unknown settings: {', '.join(sorted(unknown))}")
    return Settings(**{name: _coerce(name, value, "settings") for name, value in data.items()})
