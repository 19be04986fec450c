"""Settings precedence: defaults < user config < repo .codesearch.toml < CODESEARCH_* env < flags."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from codesearch.errors import ConfigError
from codesearch.settings import Settings, load_settings, settings_from_json, settings_to_json


@pytest.fixture
def places(tmp_path: Path) -> tuple[Path, Path]:
    """(user config path, a working directory below a repo root); neither file exists yet."""
    user = tmp_path / "home" / "config.toml"
    user.parent.mkdir()
    cwd = tmp_path / "repo" / "src" / "deep"
    cwd.mkdir(parents=True)
    return user, cwd


def _load(places, flags=None, environ=None) -> Settings:
    user, cwd = places
    return load_settings(flags or {}, cwd=cwd, environ=environ or {}, user_config=user)


def test_defaults(places) -> None:
    s = _load(places)
    assert (s.model, s.k, s.mode, s.max_file_size, s.ignore, s.dim) == (
        "auto",
        10,
        "hybrid",
        1 << 20,
        (),
        None,
    )
    assert s.index_dir.name == "index"


def test_each_level_overrides_the_one_below(places) -> None:
    user, cwd = places
    user.write_text('k = 2\nmode = "dense"\nmodel = "e5"\nmax_file_size = 100\nignore = ["a/"]\n')
    assert (_load(places).k, _load(places).mode, _load(places).model) == (2, "dense", "e5")

    (cwd.parent.parent / ".codesearch.toml").write_text('[codesearch]\nk = 3\nmode = "lexical"\n')
    s = _load(places)
    assert (s.k, s.mode, s.model, s.max_file_size, s.ignore) == (3, "lexical", "e5", 100, ("a/",))

    env = {"CODESEARCH_K": "4", "CODESEARCH_MODEL": "use", "CODESEARCH_IGNORE": "x/, y/"}
    s = _load(places, environ=env)
    assert (s.k, s.mode, s.model, s.ignore) == (4, "lexical", "use", ("x/", "y/"))

    s = _load(places, flags={"k": 5, "model": None, "ignore": []}, environ=env)
    assert (s.k, s.model, s.ignore) == (5, "use", ("x/", "y/"))  # None and empty flags do not override
    s = _load(places, flags={"model": "none", "ignore": ["z/"]}, environ=env)
    assert (s.model, s.ignore) == ("none", ("z/",))


def test_nearest_repo_config_wins(places) -> None:
    _, cwd = places
    (cwd.parent.parent / ".codesearch.toml").write_text("k = 3\n")
    (cwd / ".codesearch.toml").write_text("k = 7\n")
    assert _load(places).k == 7


def test_index_dir_from_env_short_form_and_tilde(places, tmp_path) -> None:
    s = _load(places, environ={"CODESEARCH_INDEX": str(tmp_path / "ix")})
    assert s.index_dir == tmp_path / "ix"
    s = _load(places, flags={"index_dir": "~/somewhere"})
    assert s.index_dir == Path.home() / "somewhere"


@pytest.mark.parametrize(
    ("source", "content"),
    [
        ("user", "k = 0\n"),
        ("user", "k = 'many'\n"),
        ("user", 'mode = "fuzzy"\n'),
        ("user", "max_file_size = -5\n"),
        ("user", "model = 5\n"),
        ("user", "k = true\n"),
        ("user", "k = 2.5\n"),
        ("repo", "this is not toml ==\n"),
        ("env", "CODESEARCH_K=abc"),
        ("env", "CODESEARCH_MODE=semantic"),
        ("env", "CODESEARCH_MAX_FILE_SIZE=1MB"),
        ("flag", "k=-1"),
    ],
)
def test_bad_values_are_config_errors(places, source, content) -> None:
    user, cwd = places
    environ, flags = {}, {}
    if source == "user":
        user.write_text(content)
    elif source == "repo":
        (cwd / ".codesearch.toml").write_text(content)
    elif source == "env":
        key, value = content.split("=", 1)
        environ[key] = value
    else:
        key, value = content.split("=", 1)
        flags[key] = int(value)
    with pytest.raises(ConfigError):
        _load(places, flags=flags, environ=environ)


@pytest.mark.parametrize("content", ["colour = 'red'\n", "[codesearch]\nindexdir = '/x'\n"])
def test_unknown_keys_in_toml_are_config_errors_naming_the_file(places, content) -> None:
    user, _ = places
    user.write_text(content)
    with pytest.raises(ConfigError, match=str(user.name)):
        _load(places)


def test_unknown_flag_is_a_config_error(places) -> None:
    with pytest.raises(ConfigError, match="colour"):
        _load(places, flags={"colour": "red"})


def test_dashed_keys_are_accepted(places) -> None:
    user, _ = places
    user.write_text("max-file-size = 2048\n")
    assert _load(places).max_file_size == 2048


def test_unrelated_environment_is_ignored(places) -> None:
    assert _load(places, environ={"CODESEARCH_COLOUR": "red", "K": "3", "CODESEARCH_K": ""}).k == 10


def test_settings_survive_the_trip_to_a_worker_process(places, tmp_path) -> None:
    settings = _load(
        places,
        {"index_dir": str(tmp_path / "idx"), "model": "use", "k": 7, "embedding_urls": "http://a,http://b"},
    )
    settings = dataclasses.replace(settings, token="t" * 20, cors_origins=("http://localhost:3000",))
    data = json.loads(json.dumps(settings_to_json(settings)))  # what the environment carries
    assert settings_from_json(data) == settings
    with pytest.raises(ConfigError, match="unknown settings: colour"):
        settings_from_json({**data, "colour": "red"})


def test_the_store_is_local_by_default_and_a_milvus_uri_from_env_or_flag(places) -> None:
    assert _load(places).store == "local"
    env = {"CODESEARCH_STORE": "milvus-lite:/srv/index.db"}
    assert _load(places, environ=env).store == "milvus-lite:/srv/index.db"
    flags = {"store": "milvus://milvus.internal:19530/team"}
    assert _load(places, flags, env).store == "milvus://milvus.internal:19530/team"


@pytest.mark.parametrize("store", ["milvus://host", "milvus://host:port", "qdrant://h:6333", "milvus-lite:", ""])
def test_a_store_that_is_no_store_uri_is_refused_with_the_valid_forms(store: str) -> None:
    with pytest.raises(ConfigError, match=r"store must be local, milvus://HOST:PORT\[/NAME\] or milvus-lite:PATH"):
        Settings(store=store)


def test_translation_dictionaries_are_found_through_settings(places, tmp_path) -> None:
    assert (_load(places).edict, _load(places).freedict_dir) == (None, None)  # None: Debian's places
    user, _ = places
    user.write_text(f'freedict-dir = "{tmp_path / "dictd"}"\n')
    assert _load(places).freedict_dir == tmp_path / "dictd"
    s = _load(places, environ={"CODESEARCH_FREEDICT_DIR": "~/dictd", "CODESEARCH_EDICT": "/opt/edict"})
    assert s.freedict_dir == Path("~/dictd").expanduser() and s.edict == Path("/opt/edict")


@pytest.mark.parametrize(
    "line",
    [
        'apertium = "tools/bin/apertium"',  # a program the repository ships, run on a Spanish query
        'embedding_urls = ["http://127.0.0.1:18765"]',  # the repository's code sent to its server
        'reranker_urls = "http://attacker.example"',
        'store = "milvus://attacker.example:19530"',
        'model_path = "weights/model.bin"',  # weights files can carry code (pickles)
        'reranker_model_path = "weights/reranker.bin"',
        'token = "known"',  # the Bearer token of a `serve` started in this checkout
        'cors_origins = ["https://attacker.example"]',
        'api_key = "x"',
        'clone_dir = "/tmp/elsewhere"',
        'edict = "dict/edict"',
        'freedict_dir = "dict"',
    ],
)
def test_a_repositorys_config_may_not_run_programs_or_send_code_elsewhere(places, line) -> None:
    """A cloned repository's `.codesearch.toml` is not the user's: what would run a program it ships, load
    files as code, or send its code, queries or a server's token elsewhere is refused with one line saying
    where such a setting belongs; the user's own config and the environment may set it."""
    user, cwd = places
    (cwd.parent.parent / ".codesearch.toml").write_text(f"[codesearch]\nk = 3\n{line}\n")
    key = line.split(" =")[0]
    with pytest.raises(ConfigError) as raised:
        _load(places)
    message = str(raised.value)
    assert ".codesearch.toml" in message and key in message and "config.toml" in message
    assert "\n" not in message
    (cwd.parent.parent / ".codesearch.toml").write_text("k = 3\n")
    user.write_text(f"{line}\n")
    assert _load(places).k == 3  # the user's own config may


@pytest.mark.parametrize("name", ["index_dir", "clone_dir", "edict", "freedict_dir"])
def test_an_empty_path_setting_is_refused_naming_it(places, name) -> None:
    """`index_dir = ""` read as the working folder: "no index at ." followed, or an index written there."""
    user, _ = places
    user.write_text(f'{name} = ""\n')
    with pytest.raises(ConfigError) as raised:
        _load(places)
    assert str(raised.value) == f"{user}: {name} is empty: give a path"
    user.unlink()
    with pytest.raises(ConfigError, match=f"CODESEARCH_{name.upper()}: {name} is empty"):
        _load(places, environ={f"CODESEARCH_{name.upper()}": "  "})


@pytest.mark.parametrize("name", ["dim", "max_file_size", "rerank_top"])
@pytest.mark.parametrize("value", [0, -3])
def test_a_count_setting_below_one_is_refused_naming_where_it_came_from(places, name, value) -> None:
    """`dim = -3` in a config file went through and came back as "--dim cannot cut a combined model"."""
    user, _ = places
    user.write_text(f"{name} = {value}\n")
    with pytest.raises(ConfigError) as raised:
        _load(places)
    assert str(raised.value) == f"{user}: {name} must be 1 or more, not {value}"


@pytest.mark.parametrize("device", ["tpu", "gpu", "cuda:x", ""])
def test_a_device_torch_does_not_know_is_refused(device) -> None:
    """`device = "tpu"` was taken, and failed only when a torch model was loaded, far from the setting."""
    with pytest.raises(ConfigError, match=r"device must be cpu, cuda, cuda:N or mps"):
        Settings(device=device)


@pytest.mark.parametrize("device", [None, "cpu", "cuda", "cuda:1", "mps"])
def test_the_devices_torch_knows_are_taken(device) -> None:
    assert Settings(device=device).device == device


def test_settings_beside_a_codesearch_table_are_refused_not_ignored(places) -> None:
    """With a `[codesearch]` table, a key at the top (`k = 3` above it) or in another table was ignored."""
    user, _ = places
    user.write_text('k = 3\n\n[codesearch]\nmode = "lexical"\n')
    with pytest.raises(ConfigError) as raised:
        _load(places)
    assert str(raised.value) == f"{user}: 'k' is outside [codesearch]: put every setting in that table"
    user.write_text('[codesearch]\nmode = "lexical"\n\n[other]\nk = 3\n')
    with pytest.raises(ConfigError, match=r"'other' is outside \[codesearch\]"):
        _load(places)
    user.write_text("codesearch = 5\n")  # was a TypeError, an internal error
    with pytest.raises(ConfigError, match=r"codesearch must be a table"):
        _load(places)
