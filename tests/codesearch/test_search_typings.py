"""JavaScript: a `.d.ts` in a typings folder declares the code in `lib/`, and folds into its hit."""

from __future__ import annotations

from codesearch.search import Searcher
from indexer.pipeline import index_paths

JS_FILES = {
    "typings/index.d.ts": (
        "export class Command {\n"
        "  /**\n"
        "   * Define argument syntax for command, adding a prepared argument.\n"
        "   */\n"
        "  addArgument(arg: Argument): this;\n"
        "}\n"
    ),
    "lib/command.js": (
        "class Command {\n"
        "  addArgument(argument) {\n"
        "    this.registeredArguments.push(argument);\n"
        "    return this;\n"
        "  }\n"
        "}\n"
    ),
}


def test_the_code_takes_the_place_of_its_declaration_in_a_typings_folder(
    tmp_path, build_git_repo, hash_embedder
) -> None:
    """BM25 ranks the declaration first (its doc repeats the words); the hit is the method in lib/, with
    the declaration folded into it."""
    repo = build_git_repo(tmp_path / "r", JS_FILES)
    index_paths([repo.root], index_dir=tmp_path / "idx", embedder=hash_embedder, model="fake")
    searcher = Searcher(tmp_path / "idx", hash_embedder)
    hits = searcher.search("define argument syntax for command", k=10, mode="lexical").hits
    assert [(h.path, h.qualified_name, h.also_at) for h in hits if h.kind != "window"] == [
        ("lib/command.js", "Command.addArgument", ["r/typings/index.d.ts:5"]),
        ("lib/command.js", "Command", ["r/typings/index.d.ts:1"]),  # the class folds the same way
    ]
