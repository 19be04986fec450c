"""Store URIs, the client, and the one boundary where Milvus's errors become a codesearch error.

``milvus://HOST:PORT[/NAME]`` is a Milvus server or cluster (NAME prefixes the collections, default
``codesearch``); ``milvus-lite:PATH`` is Milvus's C++ core in-process (the ``milvus-lite`` wheel, 2.5.x).
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codesearch.errors import ConfigError, StoreUnavailableError

log = logging.getLogger(__name__)

DEFAULT_NAME = "codesearch"
# partition keys, upsert and count(*) came with 2.3; BM25 (a function over a text field) with 2.5
MIN_SERVER = (2, 3)
BM25_SERVER = (2, 5)
TIMEOUT_S = 30.0
# a server that does not answer the handshake in this time is down (refused connections fail at once anyway)
CONNECT_TIMEOUT_S = 5.0
_CONNECTIONS = itertools.count()
_URI = re.compile(r"milvus://(?P<host>[^/\s:]+):(?P<port>\d+)(?:/(?P<name>[A-Za-z_][A-Za-z0-9_]*))?")


@dataclass(frozen=True)
class MilvusTarget:
    """Where a Milvus store lives: a server address or an embedded file, and the collections' prefix."""

    uri: str  # what pymilvus connects to: http://HOST:PORT or a local .db path
    name: str
    embedded: bool

    @classmethod
    def parse(cls, store: str) -> MilvusTarget:
        if store.startswith("milvus-lite:"):
            path = store.removeprefix("milvus-lite:")
            if not path:
                raise ConfigError("milvus-lite: needs a file path, e.g. milvus-lite:/srv/codesearch.db")
            return cls(path if path.endswith(".db") else path.rstrip("/") + "/milvus.db", DEFAULT_NAME, True)
        match = _URI.fullmatch(store)
        if match is None:
            raise ConfigError(
                f"not a Milvus store URI: {store!r} (milvus://HOST:PORT[/NAME] or milvus-lite:PATH)"
            )
        return cls(f"http://{match['host']}:{match['port']}", match["name"] or DEFAULT_NAME, False)

    def __str__(self) -> str:
        return f"milvus-lite:{self.uri}" if self.embedded else f"the Milvus server at {self.uri}"


@contextlib.contextmanager
def milvus_errors(target: MilvusTarget, action: str) -> Iterator[None]:
    """Turn what pymilvus and gRPC raise (connection refused, lost, timed out, refused by the server)
    into one line with ``ExitCode.STORE_UNAVAILABLE``."""
    from pymilvus.exceptions import MilvusException

    try:
        yield
    except MilvusException as exc:
        message = str(getattr(exc, "message", "") or exc).strip().splitlines()[0]
        raise StoreUnavailableError(f"{action} on {target} failed: {message}") from None
    except Exception as exc:  # grpc.RpcError and friends: the channel, not the request, failed
        if type(exc).__module__.startswith(("grpc", "pymilvus")):
            raise StoreUnavailableError(f"{action} on {target} failed: {type(exc).__name__}: {exc}") from None
        raise


def parse_version(text: str) -> tuple[int, int]:
    """``v2.3.5-lite`` -> (2, 3); an unreadable version is (0, 0)."""
    match = re.search(r"(\d+)\.(\d+)", text)
    return (int(match[1]), int(match[2])) if match else (0, 0)


def connect(target: MilvusTarget, timeout: float = TIMEOUT_S) -> tuple[object, tuple[int, int]]:
    """A ``MilvusClient`` and the engine's (major, minor) version; a server older than ``MIN_SERVER`` is
    refused here, with the version it reported."""
    try:
        from pymilvus import MilvusClient
    except ImportError:
        raise ConfigError(
            "the Milvus store needs the milvus extra: pip install 'codesearch[milvus]'"
        ) from None
    if not log.isEnabledFor(logging.DEBUG):  # its errors become our one line; its own log would add more
        for name in ("pymilvus", "pymilvus.milvus_client"):  # pymilvus's own config sets both
            logging.getLogger(name).setLevel(logging.CRITICAL)
    if target.embedded:
        Path(target.uri).parent.mkdir(parents=True, exist_ok=True)
    # a connection of its own: pymilvus shares one per URI, and one client's close() would end the others'
    alias = f"codesearch-{next(_CONNECTIONS)}"
    with milvus_errors(target, "connecting"):
        if target.embedded:  # milvus-lite 2.5 has no version call
            with warnings.catch_warnings():  # milvus-lite 2.5 imports pkg_resources, which warns on import
                warnings.filterwarnings("ignore", message="pkg_resources is deprecated")
                return MilvusClient(uri=target.uri, timeout=timeout, alias=alias), (2, 5)
        client = MilvusClient(uri=target.uri, timeout=min(timeout, CONNECT_TIMEOUT_S), alias=alias)
        reported = client.get_server_version(timeout=timeout)
    version = parse_version(reported)
    if version < MIN_SERVER:
        client.close()
        raise StoreUnavailableError(
            f"{target} runs Milvus {reported}; codesearch needs Milvus {MIN_SERVER[0]}.{MIN_SERVER[1]} or newer"
        )
    log.debug("connected to %s (Milvus %s)", target, reported)
    return client, version


def point_alias(client: Any, target: MilvusTarget, collection: str, timeout: float) -> None:
    """Point the alias ``target.name`` at ``collection`` (a server's readers query the alias): moved in one
    call when it exists; else (the first commit, or left pointing at a dropped collection) made anew."""
    from pymilvus.exceptions import MilvusException

    try:
        client.alter_alias(collection, target.name, timeout=timeout)
        return
    except MilvusException:
        drop_alias(client, target, timeout)
    with milvus_errors(target, "moving the alias"):
        client.create_alias(collection, target.name, timeout=timeout)


def drop_alias(client: Any, target: MilvusTarget, timeout: float) -> None:
    from pymilvus.exceptions import MilvusException

    try:
        client.drop_alias(target.name, timeout=timeout)
    except MilvusException:
        pass  # there was none
