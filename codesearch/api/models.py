"""The HTTP API's request and response bodies (pydantic), with the bounds and examples /docs shows."""

from __future__ import annotations

import typing
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from codesearch.types import HIT_JSON_FIELDS, Hit

_HIT_TYPES = typing.get_type_hints(Hit)

MAX_QUERY_CHARS = 1000
MAX_K = 100
MAX_FILTER_CHARS = 300
MAX_INDEX_PATHS = 100
MAX_PATH_CHARS = 4096


class ErrorDetail(BaseModel):
    message: str = Field(examples=["k must be at most 100"])
    type: str = Field(examples=["invalid_request_error"])


class ErrorBody(BaseModel):
    """Every error the API answers, 4xx or 5xx: one line, never a traceback."""

    error: ErrorDetail


class SearchRequest(BaseModel):
    """``codesearch search`` as a request: the query, how many hits, the mode and the filters."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,  # "10" is not a number and 0 is not false: a client bug should be a 422, not a guess
        json_schema_extra={
            "examples": [
                {"query": "retry an HTTP request with exponential backoff", "k": 5},
                {"query": "读取配置文件并合并环境变量", "k": 10, "lang": "go", "mode": "hybrid"},
                {"query": "parseConfig", "mode": "lexical", "path": "src/*", "explain": True},
            ]
        },
    )

    query: str = Field(
        min_length=1, max_length=MAX_QUERY_CHARS, description="what the code does, any language"
    )
    k: int = Field(default=10, ge=1, le=MAX_K, description="number of hits")
    mode: Literal["hybrid", "dense", "lexical"] | None = Field(
        default=None, description="hybrid (default), dense or lexical"
    )
    lang: str | None = Field(default=None, max_length=MAX_FILTER_CHARS, description="only this language")
    path: str | None = Field(
        default=None,
        max_length=MAX_FILTER_CHARS,
        description="only paths matching this glob, from a repository's root (`src/*`) or absolute inside one",
    )
    repo: str | None = Field(default=None, max_length=MAX_FILTER_CHARS, description="only this repository")
    kind: str | None = Field(
        default=None, max_length=MAX_FILTER_CHARS, description="only this kind (function, ...)"
    )
    explain: bool = Field(default=False, description="add each hit's `why` and `also_at`")


# one hit of ``search --json``: its fields are ``codesearch.types.HIT_JSON_FIELDS`` (the one place the wire
# format is written), typed as ``Hit`` types them; ``why`` and ``also_at`` come with ``explain``
class HitBody(BaseModel):
    model_config = ConfigDict(extra="allow")
    __annotations__ = {name: _HIT_TYPES[name] for name in HIT_JSON_FIELDS}


class SearchResponse(BaseModel):
    """Exactly what ``codesearch search --json`` prints."""

    query: str
    took_ms: float
    hits: list[HitBody]


class IndexRequest(BaseModel):
    """Reindex some indexed roots (an absolute path inside a root reindexes that root), or all of them (null)."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={"examples": [{"paths": None}, {"paths": ["/home/me/src/service"]}]},
    )

    paths: list[str] | None = Field(default=None, max_length=MAX_INDEX_PATHS)


class JobCreated(BaseModel):
    job: str = Field(examples=["3f2a9c1e"])


class JobProgress(BaseModel):
    stage: str = Field(examples=["embed"])
    done: int
    total: int


class JobBody(BaseModel):
    id: str
    state: Literal["queued", "running", "done", "failed"]
    progress: JobProgress
    error: str | None
    report: dict[str, Any] | None


class SymbolBody(BaseModel):
    """An indexed symbol (or window) with its code as it is on disk now."""

    model_config = ConfigDict(extra="allow")

    id: int
    repo: str
    path: str
    abs_path: str
    language: str
    kind: str
    name: str
    qualified_name: str
    signature: str
    doc: str
    start_line: int
    end_line: int
    code: str
    stale: bool = Field(description="the file changed since it was indexed (code is read now)")


class Health(BaseModel):
    status: str = Field(examples=["ok"])


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for these error codes, all with the one error body."""
    return {code: {"model": ErrorBody} for code in codes}
