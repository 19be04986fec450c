"""Golden ranking test (zoekt's e2e rank test shape): the sample file of every language in
``fixtures/languages`` indexed as one repository with the real bundled model, a dozen varied queries
(English, other languages, identifier-style, filtered, each mode), and the order of their top hits pinned
in ``tests/golden/ranking.txt``.

A change that moves any hit fails here. When the change is intended, rewrite the file in the same commit:

    pytest tests/golden --update-golden

and review its diff. Paths, names, kinds and order must match exactly; scores to within 0.001.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "languages"
GOLDEN = Path(__file__).resolve().parent / "ranking.txt"
K = 5
SCORE_TOLERANCE = 0.0015  # scores are compared at 3 decimals; the half step absorbs rounding


@dataclass(frozen=True)
class Case:
    query: str
    mode: str = "hybrid"
    lang: str | None = None
    path_glob: str | None = None

    def header(self) -> str:
        filters = "".join(
            f" {name}={value}"
            for name, value in (("mode", self.mode), ("lang", self.lang), ("path", self.path_glob))
            if value
        )
        return f"## {self.query} |{filters}"


CASES = [
    Case("read a config file and merge environment overrides"),
    Case("retry a failed call with a delay between attempts"),
    Case("area of a polygon"),
    Case("从缓存中读取一个值"),  # zh: read a value from the cache
    Case("Benutzer im Repository speichern"),  # de: save a user in the repository
    Case("liberar la memoria de un búfer"),  # es: free a buffer's memory
    Case("ヘッダー行を解析する"),  # ja: parse header lines
    Case("formatSize"),  # identifier, as the code spells it
    Case("parse_json"),  # identifier in another naming convention (parseJson)
    Case("get a value by key", lang="rust"),
    Case("close the connection", path_glob="*.ts"),
    Case("count lines in a text", mode="lexical"),
    Case("download a file over the network", mode="dense"),
]


def render(case: Case, hits: list) -> str:
    lines = [case.header()]
    for hit in hits:
        name = hit.qualified_name or hit.name
        lines.append(f"{hit.rank}. {hit.path}::{name} [{hit.kind}] {hit.score:.3f}")
    return "\n".join(lines)


_LINE = re.compile(r"^(\d+\. \S+ \[[^\]]*\]) (-?\d+\.\d+)$")


def parse_block(block: str) -> tuple[str, list[tuple[str, float]]]:
    """A block of the golden file: its header, and (hit without score, score) per hit line."""
    header, *hit_lines = block.strip().splitlines()
    hits = []
    for line in hit_lines:
        match = _LINE.match(line)
        assert match, f"malformed golden line: {line!r}"
        hits.append((match.group(1), float(match.group(2))))
    return header, hits


@pytest.fixture(scope="module")
def fixtures_searcher(tmp_path_factory: pytest.TempPathFactory, build_git_repo, use_embedder):
    from codesearch.search import Searcher
    from indexer.pipeline import index_paths

    base = tmp_path_factory.mktemp("golden")
    files = {}
    for sample in sorted(FIXTURES.glob("*/sample.*")):
        files[f"{sample.parent.name}/{sample.name}"] = sample.read_text(encoding="utf-8")
    repo = build_git_repo(base / "fixtures", files)
    index_dir = base / "index"
    index_paths([repo.root], index_dir=index_dir, embedder=use_embedder, model="use")
    searcher = Searcher(index_dir, use_embedder)
    yield searcher
    searcher.close()
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def chinese_translation_only(monkeypatch):
    """The golden file holds what every test machine gives: Chinese glosses come from the test extra's
    CC-CEDICT, while EDICT (Japanese), the dictd dictionaries (German, Spanish, ...) and Apertium are system files that
    some machines have and others lack."""
    from codesearch import freedict, translate

    monkeypatch.delenv("CODESEARCH_EDICT", raising=False)
    monkeypatch.delenv("CODESEARCH_FREEDICT_DIR", raising=False)
    monkeypatch.setenv("CODESEARCH_APERTIUM", "off")
    monkeypatch.setattr(translate, "EDICT_PATHS", ())
    monkeypatch.setattr(freedict, "DICTD_DIRS", ())
    translate._translator.cache_clear()
    translate.dictionary_settings.cache_clear()
    yield
    translate._translator.cache_clear()
    translate.dictionary_settings.cache_clear()


def test_top_hits_match_the_golden_file(
    fixtures_searcher, chinese_translation_only, request: pytest.FixtureRequest
) -> None:
    blocks = []
    for case in CASES:
        result = fixtures_searcher.search(
            case.query, k=K, mode=case.mode, lang=case.lang, path_glob=case.path_glob
        )
        assert result.hits, f"no hits for {case.header()}"
        blocks.append(render(case, result.hits))
    actual = "\n\n".join(blocks) + "\n"
    if request.config.getoption("--update-golden"):
        GOLDEN.write_text(actual, encoding="utf-8")
        return
    assert GOLDEN.exists(), "no golden file: run pytest tests/golden --update-golden"
    expected_blocks = GOLDEN.read_text(encoding="utf-8").strip().split("\n\n")
    assert [b.splitlines()[0] for b in expected_blocks] == [case.header() for case in CASES], (
        "the queries changed: run pytest tests/golden --update-golden"
    )
    for expected, got in zip(expected_blocks, blocks, strict=True):
        header, want = parse_block(expected)
        _, have = parse_block(got)
        assert [h for h, _ in have] == [w for w, _ in want], f"{header}\nexpected:\n{expected}\ngot:\n{got}"
        for (hit, score), (_, wanted) in zip(have, want, strict=True):
            assert abs(score - wanted) <= SCORE_TOLERANCE, f"{header}: {hit} scored {score}, golden {wanted}"
