"""The quality run's index over the corpus: reused, updated, and never holding packages of another checkout.

A worktree's index copied from another worktree held both checkouts' packages: the corpus roots are absolute
paths, so each package was indexed again under a second name ("corpus-blanked/fasttext"), and the run's hits
under that name matched no query's target. Real lexical-only indexes of real files in temp folders."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from benchmarks.quality import run

PACKAGES = {
    "alpha": {"alpha.py": "def parse_arguments(argv):\n    return list(argv)\n"},
    "beta": {"beta.go": "package beta\n\nfunc ReadConfig(path string) string {\n\treturn path\n}\n"},
}


def _corpus(base: Path) -> list[Path]:
    for name, files in PACKAGES.items():
        for rel, text in files.items():
            (base / name / rel).parent.mkdir(parents=True, exist_ok=True)
            (base / name / rel).write_text(text)
    return sorted(base / name for name in PACKAGES)


def _repos(index_dir: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(index_dir / "meta.sqlite") as db:
        return sorted(db.execute("SELECT name, root FROM repos").fetchall())


@pytest.mark.parametrize("changed", [True, False], ids=["a-file-changed", "same-files"])
def test_an_index_copied_from_another_checkout_holds_only_this_checkouts_packages(
    tmp_path, monkeypatch, changed
):
    monkeypatch.setattr(run, "OUT", tmp_path / "one" / "out")
    index_dir, _ = run.ensure_index("none", None, _corpus(tmp_path / "one" / "corpus"), rebuild=False)
    # the same packages in another checkout, its index a copy of the first one's
    monkeypatch.setattr(run, "OUT", tmp_path / "two" / "out")
    shutil.copytree(index_dir, tmp_path / "two" / "out" / index_dir.name)
    roots = _corpus(tmp_path / "two" / "corpus")
    if changed:
        (roots[0] / "alpha.py").write_text("def parse_arguments(argv, strict):\n    return list(argv)\n")
    index_dir, info = run.ensure_index("none", None, roots, rebuild=False)
    assert not info["reused"]
    assert _repos(index_dir) == [(root.name, str(root)) for root in roots]
    assert run.ensure_index("none", None, roots, rebuild=False)[1]["reused"]  # and now it is this one's


def test_another_copy_of_the_corpus_gets_its_own_index_and_leaves_the_first_alone(tmp_path, monkeypatch):
    """The docstring-stripped copy (`--corpus corpus-stripped`) has the same package names: indexed into the
    blanked copy's folder, it would forget that index's packages and replace them."""
    monkeypatch.setattr(run, "OUT", tmp_path / "out")
    first, _ = run.ensure_index("none", None, _corpus(tmp_path / "corpus-blanked"), rebuild=False)
    roots = _corpus(tmp_path / "corpus-stripped")
    second, info = run.ensure_index("none", None, roots, rebuild=False, copy="corpus-stripped")
    assert second != first and not info["reused"]
    assert _repos(second) == [(root.name, str(root)) for root in roots]
    assert _repos(first) == [(name, str(tmp_path / "corpus-blanked" / name)) for name in sorted(PACKAGES)]
