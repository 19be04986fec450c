"""Document roles and their priors: what counts as a test, a declaration, a window; how scores move."""

from __future__ import annotations

import pytest

from codesearch.roles import (
    CODE,
    DECLARATION,
    PRIORS,
    TEST,
    WINDOW,
    DocumentFacts,
    apply_priors,
    declaration_key,
    priors_for,
    role,
    weigh,
)


@pytest.mark.parametrize(
    ("path", "kind", "name", "expected"),
    [
        ("src/pkg/ledger.py", "function", "reconcile", CODE),
        ("tests/test_ledger.py", "function", "test_reconcile", TEST),
        ("pkg/tests/helpers.py", "function", "make_ledger", TEST),
        ("test_ledger.py", "function", "helper", TEST),
        ("conftest.py", "function", "ledger", TEST),
        ("ledger/reconcile_test.go", "function", "TestReconcile", TEST),
        ("src/ledger.test.ts", "function", "it", TEST),
        ("lib/ledger.spec.js", "function", "describe", TEST),
        ("spec/ledger_spec.rb", "method", "it", TEST),
        ("src/test/java/LedgerTest.java", "method", "reconciles", TEST),
        ("LedgerTests.cs", "method", "Reconciles", TEST),
        ("pkg/ledger.pyi", "function", "reconcile", DECLARATION),
        ("types/index.d.ts", "function", "reconcile", DECLARATION),
        ("pkg/ledger.py", "window", "ledger.py", WINDOW),
        # names that merely contain the word, and folders that merely start with it, are code
        ("src/contest/latest.py", "function", "attest_signature", CODE),
        ("src/testament.py", "function", "testify", CODE),
        ("lib/Tester.java", "class", "Tester", CODE),
    ],
)
def test_role_of_a_document(path, kind, name, expected) -> None:
    assert role(path, kind, name) == expected


@pytest.mark.parametrize(
    ("path", "kind", "bodiless", "expected"),
    [
        ("include/lz4.h", "function", True, DECLARATION),  # int LZ4_compress(const char*, char*, int);
        ("src/lz4.c", "function", True, DECLARATION),  # a forward declaration ahead of its use
        ("src/Parser.hpp", "function", True, DECLARATION),  # a method declared in its class
        ("src/lz4.c", "function", False, CODE),  # the definition
        ("include/lz4.h", "function", False, CODE),  # a static inline function with its body
        ("include/lz4.h", "struct", True, CODE),
        ("include/lz4.h", "macro", True, CODE),
        ("lib/parse.py", "function", True, CODE),  # only C and C++ declare without a body
    ],
)
def test_a_c_prototype_is_a_declaration(path, kind, bodiless, expected) -> None:
    assert role(path, kind, "compress", bodiless) == expected


def test_a_c_header_and_any_source_file_of_its_repository_share_a_key() -> None:
    assert declaration_key("r", "include/lz4.h", "LZ4_compress") == declaration_key(
        "r", "src/lz4.c", "LZ4_compress"
    )
    assert declaration_key("r", "cli/App.hpp", "App.add_flag") == declaration_key(
        "r", "src/App.cpp", "App.add_flag"
    )
    assert declaration_key("r", "include/lz4.h", "LZ4_compress") != declaration_key(
        "s", "src/lz4.c", "LZ4_compress"
    )
    assert declaration_key("r", "include/lz4.h", "LZ4_compress") != declaration_key(
        "r", "src/lz4.c", "LZ4_decompress"
    )


@pytest.mark.parametrize(
    "query",
    [
        "tests for the ledger",
        "unit test reconcile",
        "pruebas del parser",
        "测试解析器",
        "テストを実行",
        "тесты парсера",
    ],
)
def test_a_query_asking_for_tests_does_not_demote_them(query) -> None:
    assert TEST not in priors_for(query)
    assert priors_for(query)[DECLARATION] == PRIORS[DECLARATION]


@pytest.mark.parametrize("query", ["reconcile the ledger", "latest contest results", "attestation"])
def test_other_queries_demote_tests(query) -> None:
    assert priors_for(query)[TEST] < 1.0


def test_priors_reorder_only_across_roles() -> None:
    ranked = [(1, 1.0), (2, 0.9), (3, 0.8), (4, 0.6)]
    roles = {1: TEST, 2: CODE, 3: DECLARATION, 4: CODE}
    out = apply_priors(ranked, roles, {TEST: 0.5, DECLARATION: 0.5})
    assert [i for i, _ in out] == [2, 4, 1, 3]
    assert dict(out)[2] == 0.9 and dict(out)[1] == 0.5
    # an id with no known role counts as code; no priors leave the ranking as it was
    assert apply_priors([(7, 0.3), (8, 0.2)], {}, PRIORS) == [(7, 0.3), (8, 0.2)]
    assert apply_priors(ranked, roles, {}) == ranked


def test_declaration_key_pairs_stubs_with_their_code() -> None:
    assert declaration_key("r", "pkg/ledger.pyi", "Ledger.post") == declaration_key(
        "r", "pkg/ledger.py", "Ledger.post"
    )
    assert declaration_key("r", "lib/index.d.ts", "post") == declaration_key("r", "lib/index.js", "post")
    assert declaration_key("r", "lib/index.d.ts", "post") == declaration_key("r", "lib/index.ts", "post")
    assert declaration_key("r", "pkg/ledger.pyi", "post") != declaration_key("r", "pkg/other.py", "post")
    assert declaration_key("r", "pkg/ledger.pyi", "post") != declaration_key("s", "pkg/ledger.py", "post")


def test_a_typings_folder_declares_the_javascript_it_sits_apart_from() -> None:
    # commander: typings/index.d.ts declares lib/command.js; axios: index.d.ts declares lib/core/Axios.js
    assert declaration_key("r", "typings/index.d.ts", "Command.addArgument") == declaration_key(
        "r", "lib/command.js", "Command.addArgument"
    )
    assert declaration_key("r", "index.d.ts", "Axios.request") == declaration_key(
        "r", "lib/core/Axios.js", "Axios.request"
    )
    assert declaration_key("r", "typings/index.d.ts", "Command.addArgument") != declaration_key(
        "r", "lib/command.js", "Command.addOption"
    )
    assert declaration_key("r", "typings/index.d.ts", "Command.addArgument") != declaration_key(
        "s", "lib/command.js", "Command.addArgument"
    )
    assert declaration_key("r", "typings/index.d.ts", "parse") != declaration_key(
        "r", "lib/parse.py", "parse"
    )


def test_a_declaration_lifts_the_code_it_declares() -> None:
    """The stub scored higher than its implementation: the implementation takes the stub's score, the stub
    keeps its own times the prior, and code elsewhere with the same name is not lifted."""
    facts = {
        1: DocumentFacts("r", "pkg/ledger.pyi", "function", "post", "post"),
        2: DocumentFacts("r", "pkg/other.py", "function", "post", "post"),
        3: DocumentFacts("r", "pkg/ledger.py", "function", "post", "post"),
    }
    out = weigh([(1, 0.9), (2, 0.5), (3, 0.2)], facts, {DECLARATION: 0.5})
    assert out == [(3, 0.9), (2, 0.5), (1, 0.45)]
    # without a declaration in the list nothing is lifted
    assert weigh([(2, 0.5), (3, 0.2)], facts, {DECLARATION: 0.5}) == [(2, 0.5), (3, 0.2)]


def test_a_header_prototype_lifts_its_definition_in_another_folder() -> None:
    facts = {
        1: DocumentFacts("r", "include/lz4.h", "function", "LZ4_compress", "LZ4_compress", bodiless=True),
        2: DocumentFacts("r", "src/other.c", "function", "LZ4_decompress", "LZ4_decompress"),
        3: DocumentFacts("r", "src/lz4.c", "function", "LZ4_compress", "LZ4_compress"),
    }
    assert weigh([(1, 0.9), (2, 0.5), (3, 0.2)], facts, {DECLARATION: 0.5}) == [(3, 0.9), (2, 0.5), (1, 0.45)]
