"""Settings into parts: the embedder, the reranker, the searcher(s) and a reindex.

The only place codesearch's parts are put together (ripgrep's ``HiArgs``): the CLI, the HTTP API, the MCP
server, the TUI and the git hooks call these functions and never build an embedder or a searcher of their
own. Heavy modules (the models, FAISS) are imported on call, so importing this module is cheap.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from codesearch.errors import (
    CodesearchError,
    ConfigError,
    IndexIOError,
    IndexNotFoundError,
    ModelMismatchError,
)
from codesearch.settings import Settings

if TYPE_CHECKING:
    from codesearch.embedding.base import Embedder
    from codesearch.rerank.base import Reranker
    from codesearch.search import Searcher
    from codesearch.types import Hit
    from indexer.ahead import RepositoryResult
    from indexer.fill import FillReport
    from indexer.milvus import MilvusStore
    from indexer.pipeline import IndexReport, Progress
    from indexer.store import Manifest

T = TypeVar("T")

# how a caller that needs its own kind of searcher (the API's pool) makes one: (index_dir, embedder,
# query instructions) -> a searcher
SearcherFactory = Callable[[Path, "Embedder | None", dict[str, str]], "Searcher"]


_stores: dict[tuple[str, Path], MilvusStore] = {}
_stores_lock = threading.Lock()


def uses_milvus(settings: Settings) -> bool:
    return settings.store != "local"


def store_dir(settings: Settings) -> Path:
    """``settings.store_dir``: the index's own files on this machine."""
    return settings.store_dir


def open_store(settings: Settings) -> MilvusStore | None:
    """The settings' Milvus store, connected once per process (None: the local store)."""
    if not uses_milvus(settings):
        return None
    key = (settings.store, settings.index_dir)
    with _stores_lock:
        if key not in _stores:
            from indexer.milvus import MilvusStore

            _stores[key] = MilvusStore(settings.store, lexical_dir=store_dir(settings) / "lexical")
        return _stores[key]


def read_manifest(settings: Settings) -> Manifest | None:
    """The manifest of the settings' index (a Milvus store's generation pointer as one), or None when there
    is no index there yet."""
    from indexer.store import Manifest

    store = open_store(settings)
    return store.manifest() if store is not None else Manifest.read(settings.index_dir)


def require_manifest(settings: Settings) -> Manifest:
    """The manifest of the settings' index; ``IndexNotFoundError`` saying what to run when there is none."""
    manifest = read_manifest(settings)
    if manifest is None:
        if not uses_milvus(settings):
            from indexer.store import no_index

            raise no_index(settings.index_dir)
        raise IndexNotFoundError(
            f"no index at {settings.store}: run `codesearch --store {settings.store} index PATH` first"
        )
    return manifest


def index_status(settings: Settings) -> dict[str, Any]:
    """What the settings' index holds, as ``codesearch status --json`` prints it (no model is loaded), and
    whether this version of codesearch embeds its model another way (``embedded_another_way``)."""
    store = open_store(settings)
    if store is not None:
        manifest: Manifest | None = require_manifest(settings)  # one read of the store's pointer
        from indexer.milvus import MilvusGeneration

        status = MilvusGeneration(store).status().to_json()
    else:
        from codesearch.search import Searcher
        from indexer.store import Manifest

        searcher = Searcher(settings.index_dir)
        try:
            status = searcher.status()
        finally:
            searcher.close()
        manifest = Manifest.read(settings.index_dir)
    status["embedded_another_way"] = _embedded_another_way(settings, manifest)
    return status


def _embedded_another_way(settings: Settings, manifest: Manifest | None) -> bool:
    """Whether the index's model, as this version builds it (not loads it), embeds another way than the
    index was embedded; False when the model cannot be built here (status says nothing it cannot know)."""
    from indexer.store import embedded_another_way

    try:
        embedder = embedder_for(settings, manifest)
    except CodesearchError:
        return False
    return embedder is not None and embedded_another_way(manifest, embedder.fingerprint, embedder.dim)


def build_embedder(settings: Settings, model: str | None = None) -> Embedder | None:
    """The embedder named ``model`` (by default the settings' model), built from the settings' options;
    None for ``none`` (a lexical-only index)."""
    name = model or settings.model
    if name == "none":
        return None
    from codesearch.embedding.registry import get_embedder

    return get_embedder(
        name,
        dim=settings.dim,
        urls=settings.embedding_urls,
        model_path=settings.model_path,
        api_key=settings.api_key,
        device=settings.device,
    )


def embedder_for(settings: Settings, manifest: Manifest | None, model: str | None = None) -> Embedder | None:
    """The embedder that reads the index ``manifest`` describes: ``model`` when given, else the model the
    index was built with (at its width), else, with no index yet, the settings' model. None when the index
    holds no vectors."""
    if manifest is None:
        return build_embedder(settings, model)
    name = model or manifest.model
    if settings.dim is None and manifest.dim and name != "none" and "+" not in name:  # composites: no --dim
        settings = dataclasses.replace(settings, dim=manifest.dim)
    if not manifest.vectors_file:
        return None
    try:
        embedder = build_embedder(settings, name)
    except (
        ConfigError
    ) as exc:  # another model that cannot give the index's width (`--model e5` on a use index)
        if name == manifest.model:
            raise
        raise ModelMismatchError(
            f"the index at {settings.index_dir} was built with model {manifest.model} ({manifest.dim}-d), which "
            f"{name} cannot read ({exc}); search it with --model {manifest.model}"
        ) from None
    if model and embedder is not None:  # said here with the name the user gave, not the model's id
        from indexer.store import check_model

        check_model(settings.index_dir, manifest, model, embedder.fingerprint, dim=embedder.dim)
    return embedder


@dataclass(frozen=True)
class IndexModel:
    """What writes an index's vectors: the embedder (None: lexical only) and the name the index records."""

    embedder: Embedder | None
    name: str


def model_for_indexing(settings: Settings, manifest: Manifest | None) -> IndexModel:
    """The model a run of ``codesearch index`` writes with: an existing index keeps its model (and width)
    unless the settings name another one."""
    chosen = manifest.model if manifest is not None and settings.model == "auto" else None
    if (
        chosen is not None
        and manifest is not None
        and settings.dim is None
        and manifest.dim
        and "+" not in chosen
    ):
        settings = dataclasses.replace(settings, dim=manifest.dim)
    embedder = build_embedder(settings, chosen)
    name = chosen or ("none" if embedder is None else str(embedder.registry_name or settings.model))
    return IndexModel(embedder, name)


def index_own_model(settings: Settings, manifest: Manifest, loaded: Embedder | None = None) -> IndexModel:
    """The model an existing index was built with, to reindex it as it is (the API's jobs, the TUI's
    reindex): ``loaded`` when a searcher already holds it."""
    embedder = (loaded or embedder_for(settings, manifest)) if manifest.vectors_file else None
    return IndexModel(embedder, manifest.model)


def reindex(
    settings: Settings,
    roots: Sequence[Path],
    progress: Progress | None = None,
    *,
    model: IndexModel | None = None,
    rebuild: bool = False,
) -> IndexReport:
    """One incremental run of ``roots`` into the settings' index (from scratch with ``rebuild``), with
    ``model`` or the one ``model_for_indexing`` picks; returns what it did."""
    from indexer.pipeline import index_paths

    if model is None:
        model = model_for_indexing(settings, None if rebuild else read_manifest(settings))
    return index_paths(
        roots,
        index_dir=store_dir(settings),
        store=open_store(settings),
        embedder=model.embedder,
        model=model.name,
        max_file_size=settings.max_file_size,
        ignore=settings.ignore,
        rebuild=rebuild,
        progress=progress,
    )


def reindex_many(
    settings: Settings,
    specs: Sequence[str],
    model: IndexModel,
    *,
    rebuild: bool = False,
    commit_every: int = 1,
    ahead: int | None = None,
    on_done: Callable[[RepositoryResult], None] | None = None,
) -> list[RepositoryResult]:
    """Many repositories into the settings' index in one session (``indexer.ahead``): the next ones
    prepared and embedded while the current one is written, a commit every ``commit_every``."""
    from indexer.ahead import AHEAD, index_repositories_ahead

    return index_repositories_ahead(
        specs,
        lambda spec: resolve_roots([spec], settings)[0],
        index_dir=store_dir(settings),
        store=open_store(settings),
        embedder=model.embedder,
        model=model.name,
        max_file_size=settings.max_file_size,
        ignore=settings.ignore,
        rebuild=rebuild,
        commit_every=commit_every,
        ahead=ahead or AHEAD,
        on_done=on_done,
    )


def reindexer(settings: Settings, roots: Sequence[Path]) -> Callable[[], IndexReport]:
    """A function doing one incremental run of ``roots`` per call (git hooks, ``watch``), every run with
    the one model picked (and loaded) once; a run that left English vectors out fills them as the
    settings say (``after_index``)."""
    model = model_for_indexing(settings, read_manifest(settings))

    def run() -> IndexReport:
        report = reindex(settings, roots, model=model)
        after_index(settings, report.missing_parts, model.embedder)
        return report

    return run


def after_index(settings: Settings, missing: int, embedder: Embedder | None = None) -> str:
    """What becomes of the English vectors a run left out (``missing``: ``IndexReport.missing_parts``),
    as ``settings.english_fill`` says: ``complete`` (none left out), ``filled`` (now), ``started`` (a
    detached ``codesearch fill``, or one already running), ``off``."""
    if not missing:
        return "complete"
    if settings.english_fill == "off":
        return "off"
    if settings.english_fill == "now":
        fill_english(settings, embedder=embedder)
        return "filled"
    start_english_fill(settings)
    return "started"


def fill_english(
    settings: Settings,
    progress: Callable[[int, int], None] | None = None,
    *,
    embedder: Embedder | None = None,
) -> FillReport | None:
    """Embed the English vectors a fast build of the settings' index left out and commit them
    (``indexer.fill``), with the index's own model (``embedder`` when it is loaded already); None when the
    index lacks none (a Milvus store never does: it embeds every part inline)."""
    manifest = read_manifest(settings)
    if manifest is None or uses_milvus(settings):
        return None
    from indexer.fill import fill_missing_parts

    if embedder is None or embedder.fingerprint != manifest.fingerprint:
        embedder = embedder_for(settings, manifest)
    if embedder is None:
        return None
    if not manifest.missing_parts and embedder.fingerprint == manifest.fingerprint:
        return None  # complete (another version's way of embedding: the fill says to reindex)
    return fill_missing_parts(store_dir(settings), embedder, progress)


def prepare_word_lexicon(settings: Settings) -> int:
    """The word lexicon of the settings' index made ready in the user cache (``Searcher.prepare_lexicon``): the
    detached fill does this after its commit, so that no one's first Korean or Russian search waits for it. The
    number of common words (0: none)."""
    searcher = open_searcher(settings, once=True)
    try:
        return searcher.prepare_lexicon()
    finally:
        searcher.close()


def start_english_fill(settings: Settings) -> int | None:
    """Start ``codesearch fill`` for the settings' index in a detached process that logs to ``fill.log``
    in the index; its pid (that of the fill already running, if one is)."""
    from indexer.fill import FILL_LOG
    from indexer.hook_run import start_detached
    from indexer.store import filling_pid

    index_dir = store_dir(settings)
    running = filling_pid(index_dir)
    if running is not None:
        return running
    # the fill reads the model from the index; -v: its log says what it did
    return start_detached(["fill", "-v"], settings.index_dir, cwd=index_dir, log_path=index_dir / FILL_LOG)


def resolve_roots(specs: Sequence[str], settings: Settings) -> list[Path]:
    """Folders for what the user named: a path as is, a git URL cloned (or updated) under the settings'
    clone folder."""
    from indexer.sources import resolve_source

    return [resolve_source(spec, cache_dir=settings.clone_dir) for spec in specs]


def query_instructions(settings: Settings) -> dict[str, str]:
    """The task instruction per kind of query that the settings override (text, identifier, code)."""
    given = (
        ("text", settings.query_instruction),
        ("identifier", settings.identifier_instruction),
        ("code", settings.code_instruction),
    )
    return {name: text for name, text in given if text}


def reranker_for(settings: Settings, rerank: bool = False) -> Reranker | None:
    """The settings' reranker; ``rerank`` (``--rerank``) turns on ``auto`` when none is set."""
    name = "auto" if rerank and settings.reranker == "none" else settings.reranker
    if name == "none":
        return None
    from codesearch.rerank.registry import get_reranker

    return get_reranker(
        name, urls=settings.reranker_urls, model_path=settings.reranker_model_path, device=settings.device
    )


def open_searcher(
    settings: Settings, model: str | None = None, rerank: bool = False, *, once: bool = False
) -> Searcher:
    """A searcher over the settings' index with the model it was built with (unless ``model`` names one)
    and the settings' reranker; its dense top-k runs on the GPU when the settings' device is CUDA. ``once``:
    it will search once (a CLI search), so its lexical side keeps nothing for later searches."""
    from codesearch.search import Searcher
    from indexer.local_read import new_ranker, one_search_ranker

    manifest = require_manifest(settings)
    embedder = embedder_for(settings, manifest, model)
    instructions = query_instructions(settings)
    searcher: Searcher
    ranker = one_search_ranker if once else new_ranker
    store = open_store(settings)
    if store is not None:  # the dense top-k runs in Milvus
        from indexer.milvus import MilvusReader

        searcher = Searcher(
            settings.index_dir, embedder, instructions=instructions, store=MilvusReader(store)
        )
    elif settings.device and settings.device.startswith("cuda"):
        from codesearch.gpu_searcher import GpuSearcher

        searcher = GpuSearcher(
            settings.index_dir,
            embedder,
            instructions=instructions,
            device=settings.device,
            ranker_factory=ranker,
        )
    else:
        searcher = Searcher(settings.index_dir, embedder, instructions=instructions, ranker_factory=ranker)
    searcher.reranker, searcher.rerank_top = reranker_for(settings, rerank), settings.rerank_top
    return searcher


def path_filter(searcher: Searcher, path_glob: str, repo: str | None) -> tuple[str, str | None]:
    """``path_glob`` as the index matches it, and the repository it keeps (``repo``, or the one an absolute glob
    lies in), checked as ``search --path`` checks it: an unclosed ``[`` and an absolute path outside every
    indexed repository are a ``ConfigError``. For the TUI, which types globs into a dialog."""
    from codesearch.filter_values import canonical_filters

    checked = canonical_filters(
        None,
        path_glob,
        repo if path_glob.startswith("/") else None,
        None,
        lambda: [(r["name"], r["root"]) for r in searcher.status()["repos"]],
        flag_prefix="",
    )
    return checked["path_glob"], checked["repo"] or repo


def open_searchers(settings: Settings, workers: int, make: SearcherFactory) -> list[Searcher]:
    """``workers`` searchers over the settings' index made by ``make``, sharing one loaded model; on a
    CUDA device a single GPU searcher instead (its dense top-k is already parallel)."""
    manifest = require_manifest(settings)
    if uses_milvus(settings) or (settings.device and settings.device.startswith("cuda")):
        return [open_searcher(settings)]
    embedder = embedder_for(settings, manifest)
    if embedder is not None:
        embedder.load()
    instructions = query_instructions(settings)
    searchers = [make(settings.index_dir, embedder, instructions) for _ in range(workers)]
    for searcher in searchers:
        searcher.reranker, searcher.rerank_top = reranker_for(settings), settings.rerank_top
    return searchers


class OpenedOnFirstUse(Generic[T]):
    """A searcher (or searchers) opened on first use under a lock, so two first callers open it once; a
    failed open is tried again by the next caller (the index may be built after a server starts)."""

    def __init__(self, open_it: Callable[[], T], opened: T | None = None) -> None:
        self._open_it = open_it
        self._value = opened
        self._lock = threading.Lock()

    @property
    def opened(self) -> T | None:
        """The value when it is open, else None (never opens it)."""
        return self._value

    def get(self) -> T:
        with self._lock:
            if self._value is None:
                self._value = self._open_it()
            return self._value


class IndexSearcher:
    """The searcher a long-running server (MCP) answers from, opened on first use under a lock (the index may
    come after the server; a failed open is tried again by the next caller). Opened without ``model`` it follows
    the index: once a new generation was built with another model, it is opened again with the model the
    index records now (as it already follows reindexes with its own model); opened with ``model`` it refuses
    such a generation, as a search given ``--model`` does."""

    def __init__(self, settings: Settings, model: str | None = None) -> None:
        self._settings, self._model = settings, model
        self._opened: tuple[Searcher, str] | None = None  # the searcher and the model of the index it opened
        self._lock = threading.Lock()

    def get(self) -> Searcher:
        with self._lock:
            if self._opened is not None:
                searcher, model = self._opened
                if self._model is not None or _model_now(searcher) == model:
                    return searcher
                self._opened = None
                searcher.close()  # its generation closes once the searches still reading it are done
            searcher = open_searcher(self._settings, self._model)
            self._opened = (searcher, searcher.manifest.model)
            return searcher


def _model_now(searcher: Searcher) -> str | None:
    """The model of the index's current generation; None when ``searcher``'s model cannot read it."""
    try:
        return searcher.manifest.model
    except ModelMismatchError:
        return None


def read_hit_file(hit: Hit) -> str | None:
    """The text of the file a hit points to, as it is on disk now; None when it is gone or is no longer a
    regular file inside the hit's root (a FIFO or a symlink swapped in is never opened, so never hangs)."""
    from indexer.safe_read import decode_text, read_file_inside

    root = (
        hit.abs_path[: -len(hit.path)] if hit.abs_path.endswith(hit.path) else str(Path(hit.abs_path).parent)
    )
    try:
        return decode_text(read_file_inside(root or "/", hit.abs_path))
    except (IndexIOError, OSError):
        return None
