"""A CLI search searches once: its lexical ranker keeps no postings (``LexicalRanker(keep_postings=False)``),
and ranks as a server's searcher does."""

from __future__ import annotations

import json

from codesearch import assembly
from codesearch.cli import main
from codesearch.search import Searcher
from codesearch.settings import load_settings
from indexer.pipeline import index_paths

FILES = {
    f"pkg/mod{n}.py": "".join(
        f"def read_{word}_{n}(path):\n    '''Read the {word} file and return its value.'''\n    return open(path).read()\n\n"
        for word in ("config", "ledger", "token", "buffer")
    )
    for n in range(60)  # 240 functions: the query's words are in more than COMMON_DF documents
}


def test_a_cli_search_keeps_no_postings_and_ranks_as_a_long_lived_searcher(
    tmp_path, build_git_repo, capsys, monkeypatch
) -> None:
    repo = build_git_repo(tmp_path / "repo", FILES)
    index_dir = tmp_path / "index"
    index_paths([repo.root], index_dir=index_dir, embedder=None)
    opened: list[Searcher] = []
    real = assembly.open_searcher

    def recording(*args, **kwargs):  # the real searcher, kept to look at afterwards
        opened.append(real(*args, **kwargs))
        return opened[-1]

    monkeypatch.setattr(assembly, "open_searcher", recording)
    query = "read the config file and return its value"
    assert main(["search", query, "--index", str(index_dir), "--json", "-k", "10", "--mode", "lexical"]) == 0
    hits = json.loads(capsys.readouterr().out)["hits"]
    ranker = opened[0].generation.ranker
    assert ranker.keep_postings is False
    assert ranker.fetches == 0 and not ranker._postings  # FTS5 ranked the common words too

    long_lived = real(load_settings({"index_dir": str(index_dir)}))
    ranker = long_lived.generation.ranker
    assert ranker.keep_postings is True
    served = long_lived.search(query, k=10, mode="lexical").hits
    assert ranker.fetches >= 4 and ranker._postings  # read, file, return, value: held for the next search
    assert [(h["path"], h["start_line"]) for h in hits] == [(h.path, h.start_line) for h in served]
    long_lived.close()
