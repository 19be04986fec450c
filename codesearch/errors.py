"""One exception tree for codesearch, and the one enum of exit codes.

Library code raises these; only the CLI (and the HTTP API) turn them into a line on stderr / a 4xx.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    ERROR = 1  # an unexpected failure (a bug): shown with a hint to rerun with --debug
    USAGE = 2  # bad command-line arguments
    NO_INDEX = 3  # the index does not exist yet
    MODEL_MISMATCH = 4  # the index was built by another model
    EMBEDDING_UNAVAILABLE = 5  # the model cannot be loaded or no embedding server answers
    INDEX_LOCKED = 6  # another writer holds the index
    IO = 7  # a file or disk problem (unreadable path, disk full)
    NOT_FOUND = 8  # the path/repo/symbol asked for does not exist
    ADDRESS_IN_USE = 9  # `serve` cannot listen where it was told (the port is taken, or not ours)
    STORE_UNAVAILABLE = 10  # the index store (a Milvus server) cannot be reached, timed out or is unsupported
    INTERRUPTED = 130


class CodesearchError(Exception):
    """Base class. ``str(err)`` is one line a user can act on."""

    exit_code: ExitCode = ExitCode.ERROR


class ConfigError(CodesearchError):
    exit_code = ExitCode.USAGE


class IndexNotFoundError(CodesearchError):
    exit_code = ExitCode.NO_INDEX


class ModelMismatchError(CodesearchError):
    exit_code = ExitCode.MODEL_MISMATCH


class EmbeddingUnavailableError(CodesearchError):
    exit_code = ExitCode.EMBEDDING_UNAVAILABLE


class IndexLockedError(CodesearchError):
    exit_code = ExitCode.INDEX_LOCKED


class IndexIOError(CodesearchError):
    exit_code = ExitCode.IO


class NotFoundError(CodesearchError):
    exit_code = ExitCode.NOT_FOUND


class RerankUnavailableError(CodesearchError):
    """The reranker cannot be loaded, or no rerank server answers."""

    exit_code = ExitCode.EMBEDDING_UNAVAILABLE


class AddressInUseError(CodesearchError):
    """``serve`` cannot bind its host and port."""

    exit_code = ExitCode.ADDRESS_IN_USE


class StoreUnavailableError(CodesearchError):
    """The index store cannot serve: a Milvus server that cannot be reached, that timed out, or whose version
    codesearch does not support."""

    exit_code = ExitCode.STORE_UNAVAILABLE
