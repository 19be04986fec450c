"""C and C++: a prototype in a header is the declaration of the definition in a source file elsewhere."""

from __future__ import annotations

from codesearch.search import Searcher
from indexer.lexical import query_terms
from indexer.pipeline import index_paths
from indexer.store import connect
from indexer.store_read import Filters

C_FILES = {
    "include/frame.h": (
        "/* Compress a frame of bytes into the output buffer: compress the frame. */\n"
        "int frame_compress(const char *src, char *dst, int size);\n"
    ),
    "src/frame.c": (
        '#include "frame.h"\n'
        "int frame_compress(const char *src, char *dst, int size) {\n"
        "    return copy_block(src, dst, size);\n"
        "}\n"
    ),
}


def test_the_definition_takes_the_place_of_its_header_prototype(
    tmp_path, build_git_repo, hash_embedder
) -> None:
    """BM25 ranks the prototype first (its doc comment repeats the words); the hit is the definition in
    src/, with the prototype folded into it."""
    repo = build_git_repo(tmp_path / "r", C_FILES)
    index_paths([repo.root], index_dir=tmp_path / "idx", embedder=hash_embedder, model="fake")
    searcher = Searcher(tmp_path / "idx", hash_embedder)
    db = connect(tmp_path / "idx", readonly=True)
    paths = dict(db.execute("SELECT d.id, f.path FROM documents d JOIN files f ON f.id=d.file_id"))
    raw = searcher.generation.lexical(query_terms("compress a frame"), 10, Filters(), None)
    assert paths[raw[0][0]] == "include/frame.h"

    hits = [h for h in searcher.search("compress a frame", k=10, mode="lexical").hits if h.kind != "window"]
    assert [(h.path, h.name, h.also_at) for h in hits] == [
        ("src/frame.c", "frame_compress", ["r/include/frame.h:2"])
    ]
