"""What a backend is built from and how it registers: the types both the registry and a plugin use."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from codesearch.embedding.base import Embedder


@dataclass(frozen=True)
class EmbedderOptions:
    """What a user may say about a backend; each factory uses the fields that apply to it."""

    dim: int | None = None
    urls: tuple[str, ...] = ()
    model_path: str | None = None
    api_key: str | None = None
    device: str | None = None


Factory = Callable[[EmbedderOptions], Embedder]
# returns None when the backend can run here, else one line saying why not
AvailabilityCheck = Callable[[EmbedderOptions], str | None]


class Register(Protocol):
    """The function a ``register_embedders(register)`` hook is handed (``registry.register``)."""

    def __call__(
        self,
        name: str,
        factory: Factory,
        description: str,
        *,
        dim: int | None = None,
        check: AvailabilityCheck | None = None,
        replace: bool = False,
    ) -> None: ...
