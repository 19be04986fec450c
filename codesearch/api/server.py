"""The HTTP API of ``codesearch serve``: search, symbols, reindex jobs, status, embeddings.

Every error is one JSON line ``{"error": {"message", "type"}}`` with a 4xx (what is wrong with the
request) or 5xx (what is wrong here), never a traceback. Safety (token, body limit, CORS) is wired in
``create_app`` from the settings; see ``codesearch.api.security``.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI, Request
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from codesearch import assembly
from codesearch.api.batching import DEFAULT_WINDOW_S
from codesearch.api.docs import add_offline_docs
from codesearch.api.embeddings import embeddings_router
from codesearch.api.models import (
    ErrorBody,
    Health,
    IndexRequest,
    JobBody,
    JobCreated,
    SearchRequest,
    SearchResponse,
    SymbolBody,
    error_responses,
)
from codesearch.api.security import MAX_BODY_BYTES, BodyLimit, TokenAuth, json_error, resolve_inside
from codesearch.api.state import ApiState
from codesearch.api.symbols import SYMBOL_REF, find_symbol, indexed_roots
from codesearch.errors import (
    CodesearchError,
    ConfigError,
    EmbeddingUnavailableError,
    IndexLockedError,
    IndexNotFoundError,
    NotFoundError,
)
from codesearch.filter_values import canonical_filters, wants_repositories
from codesearch.search import Searcher
from codesearch.settings import Settings

log = logging.getLogger(__name__)

_STATUS = {
    ConfigError: 400,
    NotFoundError: 404,
    IndexLockedError: 409,
    IndexNotFoundError: 503,
    EmbeddingUnavailableError: 503,
}


def _status_of(exc: CodesearchError) -> int:
    for kind, status in _STATUS.items():
        if isinstance(exc, kind):
            return status
    return 500


def _is_json(content_type: str | None) -> bool:
    """Whether a request's Content-Type declares JSON, as FastAPI reads it (``application/json``,
    ``application/*+json``, any parameters)."""
    maintype, _, subtype = (content_type or "").split(";")[0].strip().lower().partition("/")
    return maintype == "application" and (subtype == "json" or subtype.endswith("+json"))


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(CodesearchError)
    async def codesearch_error(request: Request, exc: CodesearchError) -> JSONResponse:
        return JSONResponse(json_error(_status_of(exc), str(exc)), status_code=_status_of(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        declared = request.headers.get("content-type")
        if not _is_json(declared) and any(e.get("loc", ())[:1] == ("body",) for e in exc.errors()):
            # the body was never read as JSON (`curl -d` sends a form's type): say so, not "not a dictionary"
            given = f"Content-Type {declared[:100]!r}" if declared else "no Content-Type"
            message = (
                f"the body must be JSON sent with Content-Type: application/json (this request has {given})"
            )
            return JSONResponse(json_error(415, message), status_code=415)
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        if first.get("type") == "json_invalid":  # loc is ("body", the character where decoding stopped)
            at = first.get("loc", ())[-1:] or ("?",)
            ctx = first.get("ctx")
            reason = ctx.get("error", "cannot be decoded") if isinstance(ctx, dict) else "cannot be decoded"
            return JSONResponse(
                json_error(422, f"body: not valid JSON ({reason} at character {at[0]})"), status_code=422
            )
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body") or "body"
        return JSONResponse(json_error(422, f"{where}: {first.get('msg', 'invalid')}"), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse(
            json_error(exc.status_code, str(exc.detail)), status_code=exc.status_code, headers=exc.headers
        )

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> JSONResponse:
        log.exception("internal error on %s %s", request.method, request.url.path)
        return JSONResponse(json_error(500, f"internal error: {type(exc).__name__}"), status_code=500)


def _add_search_routes(app: FastAPI, state: ApiState) -> None:
    async def _filters(body: SearchRequest) -> dict[str, Any]:
        """The request's filters as the index names them; an unknown value is a 400 listing the valid ones."""

        async def repositories() -> list[tuple[str, str]]:
            searcher = await state.searcher()
            status = await run_in_threadpool(searcher.index_status)
            return [(repo.name, repo.root) for repo in status.repos]

        known = await repositories() if wants_repositories(body.repo, body.path) else []
        return canonical_filters(body.lang, body.path, body.repo, body.kind, lambda: known, flag_prefix="")

    @app.post(
        "/search",
        response_model=SearchResponse,
        responses=error_responses(400, 401, 413, 415, 422, 503),
        summary="Search the index (the JSON of `codesearch search --json`)",
    )
    async def search(body: SearchRequest) -> Any:
        filters = await _filters(body)
        result = await state.search(body.query, body.k, body.mode or state.settings.mode, filters)
        return JSONResponse(result.to_json(explain=body.explain))

    @app.get(
        "/symbols/{ref:path}",
        response_model=SymbolBody,
        responses=error_responses(400, 401, 404, 503),
        summary="One symbol with its code as it is on disk now",
        description="`ref` is a document id (`42`) or a location as hits print it (`repo/path:line`).",
    )
    async def symbol(
        ref: Annotated[str, PathParam(pattern=SYMBOL_REF, examples=["shop/src/net/retry.py:7"])],
    ) -> Any:
        await state.searcher()  # 503 with a clear line when there is no index
        return JSONResponse(await run_in_threadpool(find_symbol, state.tables_dir, ref))

    @app.get(
        "/status",
        responses=error_responses(401, 503),
        summary="What the index holds (the JSON of `codesearch status --json`)",
    )
    async def status() -> dict[str, Any]:
        searcher = await state.searcher()
        return await run_in_threadpool(searcher.status)  # type: ignore[no-any-return]


def _add_index_routes(app: FastAPI, state: ApiState) -> None:
    @app.post(
        "/index",
        status_code=202,
        response_model=JobCreated,
        responses=error_responses(400, 401, 404, 413, 415, 422, 503),
        summary="Reindex indexed roots in the background (incremental); poll GET /jobs/{id}",
    )
    async def index(body: IndexRequest) -> Any:
        await state.searcher()
        roots = await run_in_threadpool(indexed_roots, state.tables_dir)
        if not roots:
            raise ConfigError("nothing is indexed yet: run `codesearch index PATH` first")
        if body.paths is None:
            chosen = roots
        else:
            chosen = []
            for path in body.paths:
                if not Path(path).expanduser().is_absolute():  # the server's folder is not the client's
                    raise NotFoundError(
                        f"{path[:200]!r} is not an absolute path: give the absolute path to reindex"
                    )
                root, _ = resolve_inside(roots, path)
                if str(root) not in chosen:
                    chosen.append(str(root))
        job = state.jobs.submit([Path(r) for r in chosen])
        return JSONResponse({"job": job.id}, status_code=202)

    @app.get("/jobs/{job_id}", response_model=JobBody, responses=error_responses(401, 404))
    async def job(job_id: str) -> Any:
        found = state.jobs.get(job_id)
        if found is None:
            raise NotFoundError(f"no job {job_id[:60]!r}")
        return JSONResponse(found.to_json())


def _add_embeddings(app: FastAPI, state: ApiState) -> None:
    """``POST /v1/embeddings`` over the loaded model (none: a lexical-only index, answered 503)."""
    embedder = state.query_embedder()
    if embedder is None:
        try:
            embedder = assembly.embedder_for(state.settings, assembly.read_manifest(state.settings))
        except CodesearchError as exc:
            log.warning("no model for /v1/embeddings: %s", exc)
    if embedder is not None:
        app.include_router(embeddings_router(embedder), responses=error_responses(400, 401, 413, 415, 503))
        return

    @app.post("/v1/embeddings", responses=error_responses(401, 503))
    async def no_embeddings() -> JSONResponse:
        return JSONResponse(json_error(503, "this server has no embedding model (a lexical-only index)"), 503)


def create_app(
    settings: Settings,
    *,
    searcher: Searcher | None = None,
    batch_window: float = DEFAULT_WINDOW_S,
    workers: int = 4,
    max_body_bytes: int = MAX_BODY_BYTES,
    jobs_store: Path | None = None,
) -> FastAPI:
    """The API over ``searcher`` (used as given), or over ``settings.index_dir``: ``workers`` searchers
    opened at startup (or on first use when the index appears later).

    ``settings.token`` (when set) is required as ``Authorization: Bearer`` on every route but /healthz;
    ``settings.cors_origins`` (when set) turns CORS on for those origins only. ``jobs_store`` is the
    folder where index jobs are recorded for the other processes of the same server.
    """
    state = ApiState(settings, searcher, batch_window, workers, jobs_store)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:  # warm: the first query must not pay for loading the model and the vectors
            await state.open()
        except CodesearchError as exc:  # /v1/embeddings still works; /search says what to do
            log.warning("%s (serving anyway)", exc)
        yield
        state.close()

    app = FastAPI(
        title="codesearch",
        version="1",
        summary="Cross-lingual semantic code search over HTTP",
        lifespan=lifespan,
        responses={401: {"model": ErrorBody}} if settings.token else None,
        docs_url=None,  # add_offline_docs: Swagger UI from local files, not a CDN
        redoc_url=None,
    )
    add_offline_docs(app)
    app.state.api = state
    _install_error_handlers(app)

    @app.get("/healthz", response_model=Health, summary="Liveness (no token needed)")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    _add_search_routes(app, state)
    _add_index_routes(app, state)
    _add_embeddings(app, state)
    if settings.token:
        app.add_middleware(TokenAuth, token=settings.token)
    app.add_middleware(BodyLimit, limit=max_body_bytes)
    if settings.cors_origins:  # added last: outermost, so preflights are answered before the token check
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
        )
    return app
