"""Finding a running ``codesearch serve`` on the same index, so a CLI search takes milliseconds.

``serve`` leaves a small JSON file in the index directory while it runs (where it listens, its pid,
whether it wants a token; never the token). ``codesearch search`` reads it, checks the server is alive
(the pid exists and ``/healthz`` answers), and sends the query there instead of loading the model and
the vectors itself. Anything unexpected (no file, a dead pid, a refused connection, a 4xx or 5xx, a
token it does not have) means "search locally": this is a shortcut, never a new way to fail.

Only the standard library is imported here: the point is to skip numpy, FAISS and the model.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from codesearch.settings import Settings
from codesearch.types import Hit, SearchResult

log = logging.getLogger(__name__)

DISCOVERY_FILE = "serve.json"
# a live server on loopback answers /healthz in about a millisecond; a wedged one must not stall the CLI
HEALTH_TIMEOUT_S = 0.5
SEARCH_TIMEOUT_S = 30.0
_WILDCARD_TO_LOOPBACK = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}


def discovery_path(index_dir: Path) -> Path:
    return Path(index_dir) / DISCOVERY_FILE


def write_discovery(index_dir: Path, host: str, port: int, *, token_required: bool) -> Path:
    """Say that this process serves ``index_dir`` on ``host:port`` (written aside, then renamed in)."""
    path = discovery_path(index_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {"host": host, "port": port, "pid": os.getpid(), "token_required": token_required}
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(body), encoding="utf-8")
    os.replace(tmp, path)
    return path


def remove_discovery(index_dir: Path) -> None:
    """Take this process's discovery file away (another server's file is left alone)."""
    path = discovery_path(index_dir)
    found = read_discovery(index_dir)
    if found is not None and found.get("pid") == os.getpid():
        with contextlib.suppress(OSError):
            path.unlink()


@contextlib.contextmanager
def advertised(index_dir: Path, host: str, port: int, *, token_required: bool) -> Iterator[None]:
    """The discovery file exists for as long as the block runs (a failure to write only costs speed)."""
    try:
        write_discovery(index_dir, host, port, token_required=token_required)
    except OSError as exc:
        log.warning("cannot tell CLI searches where this server is (%s)", exc)
    try:
        yield
    finally:
        remove_discovery(index_dir)


def read_discovery(index_dir: Path) -> dict[str, Any] | None:
    """The discovery file's content, or None when there is none or it is not what serve writes."""
    try:
        body = json.loads(discovery_path(index_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(body, dict):
        return None
    if not isinstance(body.get("port"), int) or not isinstance(body.get("pid"), int):
        return None
    if not isinstance(body.get("host"), str):
        return None
    return body


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, someone else's
        return True
    except OSError:
        return False
    return True


def _request(
    host: str, port: int, method: str, path: str, body: bytes | None, token: str | None, timeout: float
) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    headers = {"Content-Type": "application/json"} if body is not None else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def search_via_server(settings: Settings, request: dict[str, Any]) -> SearchResult | None:
    """``request`` (a ``POST /search`` body) answered by a ``codesearch serve`` running on the settings'
    index (``Settings.store_dir``: a local index and a Milvus one never answer for each other), or None: no such server, or it cannot answer this request as the local
    search would (a reranker is configured here), or anything went wrong on the way."""
    if settings.reranker != "none":
        return None
    found = read_discovery(settings.store_dir)  # a server advertises in its store's own folder
    if found is None or not _pid_alive(found["pid"]):
        return None
    if found.get("token_required") and not settings.token:
        return None
    host = _WILDCARD_TO_LOOPBACK.get(found["host"], found["host"]).strip("[]")
    body = json.dumps({**{k: v for k, v in request.items() if v is not None}, "explain": True}).encode()
    try:
        status, _ = _request(host, found["port"], "GET", "/healthz", None, None, HEALTH_TIMEOUT_S)
        if status != 200:
            return None
        status, raw = _request(host, found["port"], "POST", "/search", body, settings.token, SEARCH_TIMEOUT_S)
    except (OSError, http.client.HTTPException) as exc:
        log.debug("the server in %s did not answer (%s): searching locally", settings.index_dir, exc)
        return None
    if status != 200:
        log.debug("the server answered %s: searching locally", status)
        return None
    try:
        return _result(json.loads(raw))
    except (ValueError, KeyError, TypeError) as exc:
        log.debug("the server's answer was not a search result (%s): searching locally", exc)
        return None


def _result(body: dict[str, Any]) -> SearchResult:
    hits = []
    for h in body["hits"]:
        why = h.get("why", {})
        scores = {"dense": float(why["dense_score"])} if "dense_score" in why else {}
        hits.append(
            Hit(
                rank=int(h["rank"]),
                score=float(h["score"]),
                doc_id=0,  # not part of the JSON; nothing prints it
                repo=h["repo"],
                path=h["path"],
                abs_path=h["abs_path"],
                language=h["language"],
                kind=h["kind"],
                name=h["name"],
                qualified_name=h["qualified_name"],
                start_line=int(h["start_line"]),
                end_line=int(h["end_line"]),
                signature=h["signature"],
                snippet=h["snippet"],
                scores=scores,
                matched_terms=tuple(why.get("matched_terms", ())),
                exact_name=bool(why.get("exact_name", False)),
                also_at=list(h.get("also_at", [])),
            )
        )
    return SearchResult(query=body["query"], hits=hits, took_ms=float(body["took_ms"]))
