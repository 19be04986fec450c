"""The docstring-stripped copy of the corpus: every function's doc comment blanked, lines and lengths kept.

Real tree-sitter grammars over real files in a temp folder."""

from __future__ import annotations

from benchmarks.quality.corpus_functions import extract_functions
from benchmarks.quality.make_csn_queries import write_stripped

PYTHON = '''def parse(text):
    """Parse the text into tokens."""
    return text.split()


def undocumented(x):
    return x
'''
GO = """package demo

// Open reads the configuration file at path.
func Open(path string) string {
\treturn path
}
"""


def test_every_functions_doc_is_blanked_in_the_copy_and_nothing_else_moves(tmp_path):
    corpus = tmp_path / "corpus"
    (corpus / "pkg").mkdir(parents=True)
    (corpus / "pkg" / "a.py").write_text(PYTHON)
    (corpus / "pkg" / "b.go").write_text(GO)
    (corpus / "pkg" / "README.md").write_text("Parse the text into tokens.\n")
    (corpus / "left-out").mkdir()
    (corpus / "left-out" / "c.py").write_text(PYTHON)

    files, docs = write_stripped(corpus, tmp_path / "stripped", exclude=frozenset({"left-out"}))

    assert (files, docs) == (2, 2)
    assert not (tmp_path / "stripped" / "left-out").exists()
    for name, language in (("a.py", "python"), ("b.go", "go")):
        before = (corpus / "pkg" / name).read_bytes()
        after = (tmp_path / "stripped" / "pkg" / name).read_bytes()
        assert len(after) == len(before) and after.count(b"\n") == before.count(b"\n")
        assert [f.name for f in extract_functions(after, language)] == [
            f.name for f in extract_functions(before, language)
        ]
        assert all(not f.doc.strip(' "') for f in extract_functions(after, language))
    assert b"Parse the text" not in (tmp_path / "stripped" / "pkg" / "a.py").read_bytes()
    assert b"Open reads" not in (tmp_path / "stripped" / "pkg" / "b.go").read_bytes()
    # only functions' docs: other files are copied as they are
    assert (tmp_path / "stripped" / "pkg" / "README.md").read_text() == "Parse the text into tokens.\n"
