"""What keeps ``codesearch serve`` safe: the Bearer token, bounded bodies, paths kept inside indexed roots.

The two middlewares are plain ASGI (no request body buffering): the token is compared in constant time
on every route but ``/healthz``; a body over the limit is refused with 413 before it is read whole.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import os
import stat
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from codesearch.errors import ConfigError, IndexIOError, NotFoundError
from indexer.safe_read import decode_text, read_file_inside

MAX_BODY_BYTES = 1 << 20  # 1 MiB: a query is short; /v1/embeddings batches fit well under it
OPEN_PATHS = frozenset({"/healthz"})
MIN_TOKEN_CHARS = 16


def is_loopback(host: str) -> bool:
    """Whether binding ``host`` only reaches this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


def check_bind(host: str, token: str | None) -> None:
    """Refuse to listen beyond loopback without a token (and with one too short to resist guessing)."""
    if token is not None and not token.strip():
        raise ConfigError(f"the API token is blank: give one of at least {MIN_TOKEN_CHARS} characters")
    if token is not None and len(token.strip()) < MIN_TOKEN_CHARS:
        # spaces around a token are a pasting slip, not secret characters: they do not count
        raise ConfigError(f"the API token must be at least {MIN_TOKEN_CHARS} characters long (spaces aside)")
    if not is_loopback(host) and not token:
        raise ConfigError(
            f"binding {host} exposes the index beyond this machine: give a token with --token or "
            "CODESEARCH_TOKEN (clients send it as `Authorization: Bearer TOKEN`)"
        )


async def _send_error(
    send: Send, status: int, message: str, headers: Iterable[tuple[bytes, bytes]] = ()
) -> None:
    kind = "invalid_request_error" if status < 500 else "server_error"
    body = json.dumps({"error": {"message": message, "type": kind}}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class TokenAuth:
    """``Authorization: Bearer TOKEN`` on every route but ``/healthz`` (constant-time comparison)."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.expected = f"Bearer {token}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        given = b""
        for name, value in scope["headers"]:
            if name == b"authorization":
                given = value
        if not hmac.compare_digest(given, self.expected):
            message = "missing bearer token" if not given else "invalid bearer token"
            await _send_error(send, 401, message, [(b"www-authenticate", b'Bearer realm="codesearch"')])
            return
        await self.app(scope, receive, send)


class BodyLimit:
    """Refuse request bodies over ``limit`` bytes with 413, whether or not they declare their length."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        message = f"the request body is larger than {self.limit} bytes"
        for name, value in scope["headers"]:
            if name == b"content-length" and (not value.isdigit() or int(value) > self.limit):
                await _send_error(send, 413, message)
                return
        received = 0
        too_large = False

        async def limited_receive() -> Message:
            nonlocal received, too_large
            msg = await receive()
            if msg["type"] == "http.request":
                received += len(msg.get("body", b""))
                if received > self.limit:  # the app sees the client go away; we answer 413 below
                    too_large = True
                    return {"type": "http.disconnect"}
            return msg

        async def guarded_send(msg: Message) -> None:
            if not too_large:  # whatever the app makes of a cut body, the answer is 413
                await send(msg)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except Exception:
            if not too_large:
                raise
        if too_large:
            await _send_error(send, 413, message)


def resolve_inside(roots: Iterable[str | Path], path: str | Path) -> tuple[Path, Path]:
    """``(root, real path)`` for ``path`` when it lies inside one of ``roots`` after resolving ``..`` and
    symlinks (of the path and of the roots); otherwise ``NotFoundError`` (we do not say what exists outside).
    """
    try:
        real = Path(os.path.realpath(Path(path).expanduser()))
    except (ValueError, OSError):  # a NUL byte, a loop of symlinks
        raise NotFoundError(f"{path!r} is not a readable path") from None
    for root in roots:
        real_root = Path(os.path.realpath(root))
        if real == real_root or real.is_relative_to(real_root):
            return Path(root), real
    raise NotFoundError(f"{path} is not inside an indexed repository")


def no_longer_a_file(root: str | Path, rel: str) -> str | None:
    """What became of ``root/rel``, said in words, when it is no longer a regular file inside ``root``
    (a symbolic link, a folder, a FIFO, or reached through a folder that is now a link leading outside);
    None when it is one, or when nothing is there (a file that is gone is said by the caller)."""
    full = Path(root) / rel
    try:
        mode = os.lstat(full).st_mode  # a final symbolic link as itself, not where it leads
    except (OSError, ValueError):
        return None
    if stat.S_ISLNK(mode):
        return "is now a symbolic link, not the file that was indexed (symbolic links are not followed)"
    if stat.S_ISDIR(mode):
        return "is now a folder, not the file that was indexed"
    if not stat.S_ISREG(mode):
        kind = "a named pipe" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode) else "a device"
        return f"is now {kind}, not the file that was indexed"
    if not Path(os.path.realpath(full)).is_relative_to(os.path.realpath(root)):
        return "now leads outside its repository: a folder on its way was replaced by a symbolic link"
    return None


def read_lines(root: str | Path, rel: str, start: int, end: int) -> str | None:
    """Lines ``start..end`` (1-based, inclusive) of ``root/rel`` as they are now; None when the file is
    gone. The file must resolve inside ``root``: a symlink planted after indexing cannot read elsewhere."""
    _, real = resolve_inside([root], Path(root) / rel)
    try:  # never a FIFO (it would block) nor a symlink swapped in since the check above
        lines = decode_text(read_file_inside(root, real)).splitlines()
    except IndexIOError:
        return None
    return "\n".join(lines[start - 1 : end])


def json_error(status: int, message: str) -> dict[str, Any]:
    kind = "invalid_request_error" if status < 500 else "server_error"
    return {"error": {"message": message, "type": kind}}
