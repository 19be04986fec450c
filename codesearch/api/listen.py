"""The listening socket of ``codesearch serve``, bound before the server says it serves.

uvicorn binds after the model and the index have loaded and only logs a busy port; ``serve`` had printed
"serving" by then. Binding here first turns a busy port into one error line and its own exit code.
"""

from __future__ import annotations

import errno
import socket

from codesearch.errors import AddressInUseError


def bind_listener(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host:port`` (not yet listening), or AddressInUseError saying why not."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    # as uvicorn does: a port in TIME_WAIT after a restart is free, one with a listener is not
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError as exc:
        sock.close()
        raise AddressInUseError(
            f"cannot listen on {host}:{port}: {exc.strerror or exc} ({_hint(exc)})"
        ) from None
    return sock


def _hint(exc: OSError) -> str:
    """What to change after a failed bind: the host when it is not this machine's, else the port."""
    if isinstance(exc, socket.gaierror):
        return "the host name does not resolve: give a name or address of this machine with --host"
    if exc.errno == errno.EADDRNOTAVAIL:
        return "not an address of this machine: choose one of its addresses with --host"
    return "another program, or another `codesearch serve`, holds it? choose one with --port"


def ensure_port_free(host: str, port: int) -> None:
    """Raise AddressInUseError unless ``host:port`` can be bound now (for servers that bind it later)."""
    bind_listener(host, port).close()
