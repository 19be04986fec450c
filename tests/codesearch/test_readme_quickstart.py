"""README's install block (CI pastes it) stays one command, and it leaves nothing of codesearch's own sources
in the user's default index (issue 14, item 2)."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def _block(name: str) -> list[str]:
    text = README.read_text()
    found = re.search(rf"<!-- ci:{name}:start -->\n```sh\n(.*?)```\n<!-- ci:{name}:end -->", text, re.S)
    assert found, f"README.md lost its ci:{name} markers"
    return found.group(1).strip().splitlines()


def test_the_install_block_is_one_command_that_indexes_into_a_local_index() -> None:
    lines = _block("install")
    assert len(lines) == 1
    steps = [s.strip() for s in lines[0].split("&&")]
    runs = [s for s in steps if s.startswith("codesearch ")]
    assert [s.split()[3] for s in runs] == ["index", "search"]
    assert all(s.startswith("codesearch --index .codesearch-index ") for s in runs), runs
    assert ".codesearch-index/" in (README.parent / ".gitignore").read_text().splitlines()


def test_the_readme_says_how_to_remove_a_repository() -> None:
    assert "codesearch forget" in README.read_text()
