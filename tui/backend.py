"""Where the TUI gets its answers: an index opened in-process, or a running ``codesearch serve``.

Both backends speak one small protocol, so the app has one code path. Every failure leaves a backend as a
``CodesearchError`` whose text says what to do; the app shows it and never a traceback.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import httpx
from textual.content import Content

from codesearch import assembly
from codesearch.errors import CodesearchError, EmbeddingUnavailableError, IndexNotFoundError
from codesearch.settings import Settings
from codesearch.terminal_text import printable
from codesearch.types import Hit, hit_from_json

# (stage, done, total): how far a reindex is; total is None while the stage cannot know it yet
ReindexProgress = Callable[[str, int, int | None], None]


@dataclass(frozen=True)
class Filters:
    """What narrows a search: the mode and the language, path glob and repository filters."""

    mode: str = "hybrid"
    lang: str | None = None
    path_glob: str | None = None
    repo: str | None = None

    def describe(self) -> Content:
        """One line for the filter bar: every filter, active or not. The values (typed, or names from the
        index) go in as template variables: markup escaping misses a lone ``[`` and ``[ x]``."""
        values = {"mode": self.mode, "lang": self.lang, "path": self.path_glob, "repo": self.repo}
        markup = "  ".join(f"{name} [b]${name}[/]" for name in values)
        return Content.from_markup(markup, **{name: printable(v or "any") for name, v in values.items()})


@dataclass(frozen=True)
class Answer:
    """The hits for one query under one set of filters."""

    query: str
    filters: Filters
    hits: list[Hit]
    took_ms: float


@dataclass(frozen=True)
class IndexSummary:
    """What the status line shows about the index."""

    generation: int
    symbols: int
    documents: int
    model: str
    languages: list[str]
    repos: list[str]
    # while a fast build's English vectors are being filled: "English vectors 300 of 1,000"
    english: str | None = None

    @classmethod
    def from_status(cls, status: dict[str, Any]) -> IndexSummary:
        """From the object ``codesearch status --json`` (and ``GET /status``) prints."""
        languages = status.get("languages") or {}
        return cls(
            generation=int(status.get("generation", 0)),
            symbols=sum(int(v.get("symbols", 0)) for v in languages.values()),
            documents=int(status.get("documents", 0)),
            model=str(status.get("model", "?")),
            languages=sorted(languages),
            repos=[str(r["name"]) for r in status.get("repos") or []],
            english=_english_line(status.get("english_vectors")),
        )


def _english_line(english: dict[str, Any] | None) -> str | None:
    """What the status line says of English vectors not all there yet (None: complete, or no such part)."""
    if not english or english["embedded"] >= english["documents"]:
        return None
    return f"English vectors {english['embedded']:,} of {english['documents']:,}"


class Backend(Protocol):
    """What the app needs from an index, wherever it lives."""

    where: str  # the index directory or the server URL, for messages

    def search(self, query: str, filters: Filters, k: int) -> Answer: ...

    def summary(self) -> IndexSummary: ...

    def reindex(self, progress: ReindexProgress) -> str:
        """Reindex what the index holds (blocking; call it from a thread); returns a one-line report."""
        ...


class LocalBackend:
    """An index directory opened in this process through ``codesearch.search.Searcher``."""

    def __init__(
        self, settings: Settings, *, explicit_model: str | None = None, searcher: Any = None
    ) -> None:
        """``searcher``: one already open (benchmarks, tests); by default it is opened on first use with
        the model the index was built with (or ``explicit_model``)."""
        self.settings = settings
        self.explicit_model = explicit_model
        self.where = str(settings.index_dir)
        # the first search and the status line may both open it
        self._searcher = assembly.OpenedOnFirstUse(
            lambda: assembly.open_searcher(settings, explicit_model), opened=searcher
        )

    def _open(self) -> Any:
        return self._searcher.get()

    def search(self, query: str, filters: Filters, k: int) -> Answer:
        searcher = self._open()
        glob, repo = filters.path_glob, filters.repo
        if glob:  # checked as `search --path` checks it: an unclosed `[`, an absolute path (ConfigError)
            glob, repo = assembly.path_filter(searcher, glob, repo)
        result = searcher.search(query, k=k, mode=filters.mode, lang=filters.lang, path_glob=glob, repo=repo)
        return Answer(query, filters, result.hits, result.took_ms)

    def summary(self) -> IndexSummary:
        return IndexSummary.from_status(self._open().status())

    def reindex(self, progress: ReindexProgress) -> str:
        manifest = assembly.read_manifest(self.settings)
        if manifest is None:  # no index yet: index the folder the TUI was started in
            roots = [Path.cwd()]
            model = assembly.model_for_indexing(self.settings, None)
        else:
            searcher = self._open()
            roots = [Path(r["root"]) for r in searcher.status()["repos"]]
            model = assembly.IndexModel(searcher.embedder, manifest.model)
        done: dict[str, int] = {}

        def report(stage: str, advance: int, total: int | None) -> None:
            done[stage] = done.get(stage, 0) + advance
            progress(stage, done[stage], total)

        result = assembly.reindex(self.settings, roots, report, model=model)
        assembly.after_index(self.settings, result.missing_parts, model.embedder)  # the English fill, if due
        return f"indexed {result.files:,} files, {result.symbols:,} symbols (generation {result.generation})"


class HttpBackend:
    """A running ``codesearch serve`` (``POST /search``, ``GET /status``, ``POST /index`` + ``GET /jobs``)."""

    def __init__(
        self, url: str, *, token: str | None = None, timeout: float = 30.0, poll_s: float = 0.2
    ) -> None:
        self.where = url.rstrip("/")
        self.poll_s = poll_s
        # `codesearch serve --token` (or CODESEARCH_TOKEN): sent as a Bearer header on every call
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._client = httpx.Client(base_url=self.where, timeout=timeout, headers=headers)

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        try:
            response = self._client.request(method, path, json=body)
        except httpx.TransportError as exc:
            raise CodesearchError(
                f"cannot reach the codesearch server at {self.where} ({exc}): start it with `codesearch serve`"
            ) from None
        if response.status_code >= 400:
            raise _server_error(response)
        return response.json()

    def search(self, query: str, filters: Filters, k: int) -> Answer:
        body = {
            "query": query,
            "k": k,
            "mode": filters.mode,
            "lang": filters.lang,
            "path": filters.path_glob,
            "repo": filters.repo,
            "explain": True,
        }
        data = self._call("POST", "/search", body)
        return Answer(query, filters, [hit_from_json(h) for h in data["hits"]], float(data["took_ms"]))

    def summary(self) -> IndexSummary:
        return IndexSummary.from_status(self._call("GET", "/status"))

    def reindex(self, progress: ReindexProgress) -> str:
        job = self._call("POST", "/index", {"paths": None})["job"]
        while True:
            state = self._call("GET", f"/jobs/{job}")
            step = state.get("progress") or {}
            if step.get("stage"):
                progress(str(step["stage"]), int(step.get("done") or 0), step.get("total"))
            if state["state"] == "failed":
                raise CodesearchError(f"the reindex failed on the server: {state.get('error')}")
            if state["state"] == "done":
                report = state.get("report") or {}
                return f"indexed {report.get('files', 0):,} files, {report.get('symbols', 0):,} symbols"
            time.sleep(self.poll_s)


def _server_error(response: httpx.Response) -> CodesearchError:
    """The server's error (``{"error": {"message"}}``) as the exception it stands for."""
    try:
        body = response.json()
        error = body.get("error") or body.get("detail") or body
        message = str(error.get("message", error)) if isinstance(error, dict) else str(error)
    except ValueError:
        message = response.text
    if response.status_code == 503 and "no index" in message.lower():
        return IndexNotFoundError(message)
    if response.status_code == 503:  # the server's other 503: its embedding model is unavailable
        return EmbeddingUnavailableError(message)
    return CodesearchError(f"the server answered {response.status_code}: {message}")
