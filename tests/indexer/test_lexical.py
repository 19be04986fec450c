"""Identifier splitting and query terms, shared by the index side and the query side."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from indexer.lexical import lexical_terms, name_spellings, query_terms, split_identifier, terms_in


@pytest.mark.parametrize(
    ("identifier", "parts"),
    [
        ("parseHTTPResponse_v2", ["parse", "http", "response", "v2"]),
        ("camelCaseName", ["camel", "case", "name"]),
        ("PascalCase", ["pascal", "case"]),
        ("snake_case_name", ["snake", "case", "name"]),
        ("SCREAMING_SNAKE", ["screaming", "snake"]),
        ("XMLHttpRequest", ["xml", "http", "request"]),
        ("IOError", ["io", "error"]),
        ("sha256", ["sha256"]),
        ("utf8Decode", ["utf8", "decode"]),
        ("base64Encode", ["base64", "encode"]),
        ("getV2Client", ["get", "v2", "client"]),
        ("__init__", ["init"]),
        ("x", ["x"]),
        ("", []),
        # unicode identifiers split on their own case changes and stay whole words
        ("größeBerechnen", ["größe", "berechnen"]),
        ("überprüfeEingabe", ["überprüfe", "eingabe"]),
        ("получитьДанные", ["получить", "данные"]),
        ("читать_файл", ["читать", "файл"]),
        ("读取配置", ["读取配置"]),
        ("café_crème", ["café", "crème"]),
    ],
)
def test_split_identifier(identifier: str, parts: list[str]) -> None:
    assert split_identifier(identifier) == parts


def test_lexical_terms_keep_the_whole_token_then_its_parts() -> None:
    assert lexical_terms("def parseJSON(raw_text):") == [
        "def",
        "parsejson",
        "parse",
        "json",
        "raw_text",
        "raw",
        "text",
    ]
    assert lexical_terms("x = 1 + __") == ["x", "1"]


def test_query_terms_drop_stop_words_and_duplicates() -> None:
    assert query_terms("how do I retry the HTTP request with backoff") == [
        "retry",
        "http",
        "request",
        "backoff",
    ]
    assert query_terms("where is the function that finds the code") == ["finds"]
    assert query_terms("request Request REQUEST") == ["request"]


def test_query_terms_keep_identifiers_split_and_digits() -> None:
    assert query_terms("XMLHttpRequest in 2 steps") == [
        "xmlhttprequest",
        "xml",
        "http",
        "request",
        "2",
        "steps",
    ]
    assert query_terms("the a an of") == []


_CODE_ALPHABET = st.sampled_from(list("abcXYZ_019 .(ÉéДд:") + ["parseHTTP", "utf8", "_v2", "\n"])


@given(text=st.lists(_CODE_ALPHABET, max_size=40).map("".join), terms=st.lists(_CODE_ALPHABET, max_size=6))
def test_terms_in_agrees_with_lexical_terms(text: str, terms: list[str]) -> None:
    wanted = [t.lower() for t in terms] + query_terms(text)[:3] + ["http", "parse", "v2"]
    assert terms_in(text, wanted) == set(lexical_terms(text)) & set(wanted)


@pytest.mark.parametrize(
    ("name", "spellings"),
    [
        ("addOptionGroup", ["addOptionGroup", "add_option_group", "addoptiongroup"]),
        ("stream_for", ["stream_for", "streamfor"]),
        ("TupleWindows", ["TupleWindows", "tuple_windows", "tuplewindows"]),
        ("to01", ["to01"]),
        ("_", ["_"]),
    ],
)
def test_name_spellings_cover_the_naming_conventions(name: str, spellings: list[str]) -> None:
    assert name_spellings(name) == spellings
