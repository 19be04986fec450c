"""What part a document plays in its repository, and what that weighs in the ranking.

Asked what code does something, a developer wants the code that does it: not the test that calls it, not the
type stub that declares it (`.pyi`, `.d.ts`), not a window of lines that no function holds. Those rank
below implementation code with the same score, unless the query asks for them (``test``, ``spec``, ...).
A declaration is also folded into the hit of the implementation it declares (``declaration_key``).
Measured with benchmarks/priors.py; figures in benchmarks/RESULTS.md.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from codesearch.types import DocumentFacts as DocumentFacts  # where the store builds them

CODE, TEST, DECLARATION, WINDOW = "code", "test", "declaration", "window"

# A fused score (0 or more) is multiplied by its document's factor.
PRIORS: Mapping[str, float] = {TEST: 0.6, DECLARATION: 0.6, WINDOW: 0.6}

TEST_PATH = re.compile(
    r"(?:^|/)(?:tests?|testing|testdata|__tests__|spec|specs)/"  # a test folder
    r"|(?:^|/)test_[^/]*$|(?:^|/)conftest\.py$"  # pytest
    r"|_test\.[a-z]+$|_spec\.rb$|\.(?:test|spec)\.[jt]sx?$"  # go, rust, ruby, jest/mocha
    r"|Tests?\.(?:java|kt|cs|php|swift)$"  # JUnit, PHPUnit, XCTest
)
DECLARATION_SUFFIXES = (".pyi", ".d.ts", ".d.mts", ".d.cts")
# C and C++: a function without a body (a prototype, in a header or ahead of its use) declares the
# definition that has one, usually in another file of another folder (include/ and src/)
C_FAMILY_SUFFIXES: tuple[str, ...] = (
    ".c",
    ".h",
    ".cc",
    ".cpp",
    ".cxx",
    ".c++",
    ".hpp",
    ".hh",
    ".hxx",
    ".h++",
    ".inl",
    ".ipp",
)
# JavaScript and TypeScript: a package's `.d.ts` often sits apart from its code (`typings/`, `types/`, a root
# `index.d.ts` for `lib/`)
JS_FAMILY_SUFFIXES = (".js", ".mjs", ".cjs", ".jsx", ".ts", ".mts", ".cts", ".tsx")
FUNCTION_KINDS = frozenset({"function", "method"})
# The query asks for tests: "test for the parser", "pruebas", "测试", "テスト", "тест", "테스트".
ASKS_FOR_TESTS = re.compile(
    r"(?i)\b(?:tests?|testing|spec|specs|unittests?|fixtures?|pruebas?|testes?|essais?|prova|"
    r"тест\w*)\b|测试|テスト|테스트"
)


def role(path: str, kind: str, name: str, bodiless: bool = False) -> str:
    """The document's role: ``test``, ``declaration``, ``window`` or ``code``."""
    if kind == "window":
        return WINDOW
    if path.endswith(DECLARATION_SUFFIXES) or is_prototype(path, kind, bodiless):
        return DECLARATION
    if TEST_PATH.search(path) or name.startswith("test_"):
        return TEST
    return CODE


def is_prototype(path: str, kind: str, bodiless: bool) -> bool:
    """A C or C++ function declared without its body (``int parse(const char *s);``)."""
    return bodiless and kind in FUNCTION_KINDS and path.lower().endswith(C_FAMILY_SUFFIXES)


def priors_for(query: str) -> Mapping[str, float]:
    """The factors to apply for ``query``: tests are not demoted when the query asks for them."""
    if ASKS_FOR_TESTS.search(query):
        return {r: f for r, f in PRIORS.items() if r != TEST}
    return PRIORS


def apply_priors(
    ranked: Sequence[tuple[int, float]], roles: Mapping[int, str], priors: Mapping[str, float]
) -> list[tuple[int, float]]:
    """``ranked`` with each score multiplied by its document's factor, sorted again (stable)."""
    weighed = [(i, s * priors.get(roles.get(i, CODE), 1.0)) for i, s in ranked]
    return sorted(weighed, key=lambda item: -item[1])


def weigh(
    ranked: Sequence[tuple[int, float]], documents: Mapping[int, DocumentFacts], priors: Mapping[str, float]
) -> list[tuple[int, float]]:
    """Priors applied by role; a declaration's score (before its prior) lifts the code it declares, so the
    implementation ranks where its stub would have and the stub folds into it (``Searcher._hits``)."""
    roles = {i: role(d.path, d.kind, d.name, d.bodiless) for i, d in documents.items()}
    declared: dict[tuple[str, str, str], float] = {}
    for i, score in ranked:
        if roles.get(i) == DECLARATION:
            key = declaration_key(*documents[i].twin)
            declared[key] = max(declared.get(key, score), score)
    if declared:
        names = {key[2] for key in declared}
        lifted = []
        for i, score in ranked:
            facts = documents.get(i)
            if facts is not None and facts.qualified_name in names and roles[i] == CODE:
                score = max(score, declared.get(declaration_key(*facts.twin), score))
            lifted.append((i, score))
        ranked = lifted
    return apply_priors(ranked, roles, priors)


def declaration_key(repo: str, path: str, qualified_name: str) -> tuple[str, str, str]:
    """One key for a declaration and the implementation it declares: `pkg/mod.pyi` and `pkg/mod.py` share it
    for the same qualified name; in C and C++ every file of the repository does (`include/x.h` declares what
    `src/x.c` defines), and so in JavaScript and TypeScript (`typings/index.d.ts` declares `lib/command.js`)."""
    lower = path.lower()
    if lower.endswith(C_FAMILY_SUFFIXES):
        return (repo, "<c>", qualified_name)
    if lower.endswith(JS_FAMILY_SUFFIXES):
        return (repo, "<js>", qualified_name)
    for suffix in DECLARATION_SUFFIXES:
        if path.endswith(suffix):
            return (repo, path[: -len(suffix)], qualified_name)
    slash, dot = path.rfind("/"), path.rfind(".")
    return (repo, path[:dot] if dot > slash + 1 else path, qualified_name)
