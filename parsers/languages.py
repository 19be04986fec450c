"""Languages as data: file names and extensions to language ids, grammar modules, and per-language syntax facts.

Nothing here parses; ``parsers.grammars`` turns these tables into cached tree-sitter objects.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

# Extension (lower case, with the dot) to language id. Languages without a grammar are here too, so the
# indexer can label every text file it keeps.
EXTENSIONS: dict[str, str] = {
    ".py": "python", ".pyi": "python", ".pyw": "python",
    ".js": "javascript", ".mjs": "javascript", ".cjs": "javascript", ".jsx": "javascript",
    ".ts": "typescript", ".mts": "typescript", ".cts": "typescript",
    ".tsx": "tsx",
    ".java": "java",
    ".go": "go",
    ".rs": "rust",
    ".c": "c", ".h": "c",
    ".cc": "cpp", ".cpp": "cpp", ".cxx": "cpp", ".c++": "cpp", ".hpp": "cpp", ".hh": "cpp", ".hxx": "cpp",
    ".h++": "cpp", ".ipp": "cpp", ".tpp": "cpp", ".inl": "cpp",
    ".cs": "csharp", ".csx": "csharp",
    ".rb": "ruby", ".rake": "ruby", ".gemspec": "ruby", ".ru": "ruby",
    ".php": "php", ".phtml": "php",
    ".kt": "kotlin", ".kts": "kotlin",
    ".swift": "swift",
    ".scala": "scala", ".sc": "scala", ".sbt": "scala",
    ".sh": "bash", ".bash": "bash", ".zsh": "bash", ".ksh": "bash",
    ".lua": "lua",
    ".hs": "haskell", ".lhs": "haskell",
    ".ml": "ocaml", ".mli": "ocaml",
    ".ex": "elixir", ".exs": "elixir",
    # text languages with no grammar here: labelled, indexed as plain windows
    ".md": "markdown", ".markdown": "markdown", ".mdx": "markdown",
    ".rst": "rst", ".txt": "text", ".text": "text",
    ".yaml": "yaml", ".yml": "yaml", ".toml": "toml", ".json": "json", ".jsonc": "json", ".json5": "json",
    ".ini": "ini", ".cfg": "ini", ".conf": "ini", ".properties": "ini",
    ".sql": "sql", ".html": "html", ".htm": "html", ".css": "css", ".scss": "scss", ".sass": "scss",
    ".less": "less", ".xml": "xml", ".xsd": "xml", ".svg": "xml", ".plist": "xml",
    ".dockerfile": "dockerfile", ".mk": "makefile", ".mak": "makefile", ".cmake": "cmake",
    ".proto": "protobuf", ".graphql": "graphql", ".gql": "graphql", ".tf": "terraform", ".tfvars": "terraform",
    ".hcl": "hcl", ".r": "r", ".pl": "perl", ".pm": "perl", ".dart": "dart", ".zig": "zig", ".vue": "vue",
    ".svelte": "svelte", ".m": "objective-c", ".mm": "objective-cpp", ".erl": "erlang", ".hrl": "erlang",
    ".clj": "clojure", ".cljs": "clojure", ".fs": "fsharp", ".fsx": "fsharp", ".jl": "julia", ".nim": "nim",
    ".ps1": "powershell", ".bat": "batch", ".cmd": "batch", ".groovy": "groovy", ".gradle": "groovy",
    ".el": "elisp", ".vim": "vim", ".nix": "nix", ".tex": "latex", ".csv": "csv",
}  # fmt: skip

# Whole file names (or dotfiles) that decide the language regardless of extension.
FILENAMES: dict[str, str] = {
    "Dockerfile": "dockerfile", "Containerfile": "dockerfile", "Makefile": "makefile",
    "GNUmakefile": "makefile", "CMakeLists.txt": "cmake", "Rakefile": "ruby", "Gemfile": "ruby",
    "Guardfile": "ruby", "Podfile": "ruby", "Vagrantfile": "ruby", "Brewfile": "ruby", ".bashrc": "bash",
    ".bash_profile": "bash", ".bash_aliases": "bash", ".profile": "bash", ".zshrc": "bash",
    ".zprofile": "bash", "PKGBUILD": "bash", "build.gradle.kts": "kotlin", "README": "text",
    "LICENSE": "text", "mix.lock": "elixir",
}  # fmt: skip
_FILENAMES_LOWER = {name.lower(): language for name, language in FILENAMES.items()}

# Language id to (module name, function that returns the language pointer).
GRAMMARS: dict[str, tuple[str, str]] = {
    "python": ("tree_sitter_python", "language"),
    "javascript": ("tree_sitter_javascript", "language"),
    "typescript": ("tree_sitter_typescript", "language_typescript"),
    "tsx": ("tree_sitter_typescript", "language_tsx"),
    "java": ("tree_sitter_java", "language"),
    "go": ("tree_sitter_go", "language"),
    "rust": ("tree_sitter_rust", "language"),
    "c": ("tree_sitter_c", "language"),
    "cpp": ("tree_sitter_cpp", "language"),
    "csharp": ("tree_sitter_c_sharp", "language"),
    "ruby": ("tree_sitter_ruby", "language"),
    "php": ("tree_sitter_php", "language_php"),
    "kotlin": ("tree_sitter_kotlin", "language"),
    "swift": ("tree_sitter_swift", "language"),
    "scala": ("tree_sitter_scala", "language"),
    "bash": ("tree_sitter_bash", "language"),
    "lua": ("tree_sitter_lua", "language"),
    "haskell": ("tree_sitter_haskell", "language"),
    "ocaml": ("tree_sitter_ocaml", "language_ocaml"),
    "elixir": ("tree_sitter_elixir", "language"),
}


@dataclass(frozen=True)
class Syntax:
    """Per-language facts the generic extractor needs, beyond what the query captures.

    ``comments``: node types that are comments (doc comments are runs of these right above a definition).
    ``skip_above``: node types that may sit between a doc comment and its definition (decorators,
    annotations, attributes, type signatures). ``bodies``: node types that are a definition's body, used
    when the grammar has no ``body`` field. ``trailers``: tokens stripped from the end of a signature.
    ``merge_clauses``: consecutive definitions of one name are clauses of one function (Haskell, Elixir).
    ``keywords``: reserved words, which never name a definition: one that tree-sitter recovered under such a
    name (a C++ ``catch`` clause read as a function named ``catch``) is no symbol. Macros are exempt (the
    preprocessor may define a keyword: ``#define _Static_assert(e, m)``).
    ``prototypes``: definition node types that only declare (a C prototype); one in a ``blocks`` node (a
    function's body) of the function that encloses it is no symbol: it is a local declaration, or a C++ local
    variable built with arguments (``Foo x(n);`` reads as a prototype).
    """

    comments: frozenset[str] = frozenset({"comment"})
    skip_above: frozenset[str] = frozenset()
    bodies: frozenset[str] = frozenset()
    trailers: tuple[str, ...] = ("{", ":", "=", "do", "where")
    merge_clauses: bool = False
    keywords: frozenset[str] = frozenset()
    prototypes: frozenset[str] = frozenset()
    blocks: frozenset[str] = frozenset()


def _syntax(
    comments: tuple[str, ...] = ("comment",),
    skip: tuple[str, ...] = (),
    bodies: tuple[str, ...] = (),
    *,
    trailers: tuple[str, ...] = ("{", ":", "=", "do", "where"),
    merge_clauses: bool = False,
    keywords: str = "",
    prototypes: tuple[str, ...] = (),
    blocks: tuple[str, ...] = (),
) -> Syntax:
    return Syntax(
        frozenset(comments),
        frozenset(skip),
        frozenset(bodies),
        trailers,
        merge_clauses,
        frozenset(keywords.split()),
        frozenset(prototypes),
        frozenset(blocks),
    )


# C23's keywords (6.4.1), the C11 spellings among them.
_C_KEYWORDS = """
alignas alignof auto bool break case char const constexpr continue default do double else enum extern false
float for goto if inline int long nullptr register restrict return short signed sizeof static static_assert
struct switch thread_local true typedef typeof typeof_unqual union unsigned void volatile while _Alignas
_Alignof _Atomic _BitInt _Bool _Complex _Decimal128 _Decimal32 _Decimal64 _Generic _Imaginary _Noreturn
_Static_assert _Thread_local
"""
# C++23's keywords and alternative tokens ([lex.key], [lex.digraph]). C++ words that C code may use as names
# (`new`, `delete`, `class`, `this`) are not in the C list, nor C's `restrict` and `_Bool` in this one.
_CPP_KEYWORDS = """
alignas alignof asm auto bool break case catch char char8_t char16_t char32_t class concept const consteval
constexpr constinit const_cast continue co_await co_return co_yield decltype default delete do double
dynamic_cast else enum explicit export extern false float for friend goto if inline int long mutable namespace
new noexcept nullptr operator private protected public register reinterpret_cast requires return short signed
sizeof static static_assert static_cast struct switch template this thread_local throw true try typedef typeid
typename union unsigned using virtual void volatile wchar_t while
and and_eq bitand bitor compl not not_eq or or_eq xor xor_eq
"""


SYNTAX: dict[str, Syntax] = {
    "python": _syntax(skip=("decorator",), bodies=("block",)),
    "javascript": _syntax(skip=("decorator",), bodies=("statement_block", "class_body")),
    "typescript": _syntax(
        skip=("decorator",), bodies=("statement_block", "class_body", "object_type", "enum_body")
    ),
    "tsx": _syntax(skip=("decorator",), bodies=("statement_block", "class_body", "object_type", "enum_body")),
    "java": _syntax(("line_comment", "block_comment"), ("annotation", "marker_annotation")),
    "go": _syntax(bodies=("block", "field_declaration_list", "interface_type", "struct_type")),
    "rust": _syntax(
        ("line_comment", "block_comment"),
        ("attribute_item",),
        ("field_declaration_list", "enum_variant_list", "declaration_list", "block"),
    ),
    "c": _syntax(
        bodies=("compound_statement", "field_declaration_list", "enumerator_list"),
        keywords=_C_KEYWORDS,
        prototypes=("declaration",),
        blocks=("compound_statement",),
    ),
    "cpp": _syntax(
        bodies=("compound_statement", "field_declaration_list", "enumerator_list", "declaration_list"),
        keywords=_CPP_KEYWORDS,
        prototypes=("declaration",),
        blocks=("compound_statement",),
    ),
    "csharp": _syntax(
        skip=("attribute_list",),
        bodies=("block", "declaration_list", "enum_member_declaration_list", "arrow_expression_clause"),
    ),
    "ruby": _syntax(bodies=("body_statement",)),
    "php": _syntax(
        skip=("attribute_list",), bodies=("compound_statement", "declaration_list", "enum_declaration_list")
    ),
    "kotlin": _syntax(
        ("line_comment", "block_comment"), ("annotation",), ("function_body", "class_body", "enum_class_body")
    ),
    "swift": _syntax(
        ("comment", "multiline_comment"),
        ("attribute",),
        ("function_body", "class_body", "protocol_body", "enum_class_body"),
    ),
    "scala": _syntax(("comment", "block_comment"), ("annotation",), ("template_body", "block")),
    "bash": _syntax(bodies=("compound_statement",)),
    "lua": _syntax(bodies=("block",)),
    "haskell": _syntax(
        ("comment", "haddock"),
        ("signature",),
        ("match", "class_declarations", "instance_declarations"),
        merge_clauses=True,
    ),
    "ocaml": _syntax(bodies=("structure", "signature")),
    "elixir": _syntax(bodies=("do_block",), trailers=(",", "do"), merge_clauses=True),
}


def language_for_path(path: str) -> str | None:
    """The language id for a file path (repo-relative or absolute), or None when the name says nothing.

    Special file names (``Dockerfile``, ``Makefile``, ``CMakeLists.txt``, ``Gemfile``, ``.bashrc``) win over
    extensions; extensions are matched case-insensitively (``.C`` is c, not cpp: rare and ambiguous).
    """
    base = posixpath.basename(path.replace("\\", "/")).lower()
    if not base:
        return None
    if base in _FILENAMES_LOWER:
        return _FILENAMES_LOWER[base]
    if base.startswith("dockerfile.") or base.endswith(".dockerfile"):
        return "dockerfile"
    if base.startswith("makefile."):
        return "makefile"
    _, ext = posixpath.splitext(base)
    if ext in EXTENSIONS:
        return EXTENSIONS[ext]
    return None


# What only C++ says, at the start of a line (GitHub linguist's heuristics for `.h`): a class, namespace or
# template, an access label, a C++ standard header, or `std::` anywhere. A class's bases are read on its own
# line only, so a hostile header cannot make the search quadratic.
_CPP_MARKERS = re.compile(
    r"^[ \t]*(?:template[ \t]*<|class[ \t]+\w+(?:[ \t]+final)?(?:[ \t]*:[^;{\n]*)?\s{0,4}\{|"
    r"(?:inline[ \t]+)?namespace(?:[ \t]+[\w:]+)?[ \t]*\{|using[ \t]+namespace[ \t]|"
    r"(?:public|private|protected)[ \t]*:(?!:)|"
    r"#[ \t]*include[ \t]*<(?:cstdint|cstddef|cstdlib|cstring|cmath|cassert|climits|string|vector|map|set|list|"
    r"array|memory|utility|algorithm|functional|unordered_map|unordered_set|(?:i|o|io|s)stream|iosfwd)>)"
    r"|\bstd::\w",
    re.MULTILINE,
)
_C_HEADER_SNIFF_CHARS = 1 << 16


def language_for_source(path: str, text: str) -> str | None:
    """``language_for_path``, and a C header (`.h`) whose text is C++ is ``cpp``: C++ libraries name their
    headers `.h` as often as `.hpp`, and the C grammar turns their classes into noise."""
    language = language_for_path(path)
    if (
        language == "c"
        and path.lower().endswith(".h")
        and _CPP_MARKERS.search(text, 0, _C_HEADER_SNIFF_CHARS)
    ):
        return "cpp"
    return language


def extensions_for(language: str) -> list[str]:
    """The extensions and special file names mapped to ``language`` (for the docs table)."""
    exts = sorted(ext for ext, lang in EXTENSIONS.items() if lang == language)
    names = sorted(name for name, lang in FILENAMES.items() if lang == language)
    return exts + names
