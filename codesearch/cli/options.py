"""The options every command takes, the options of the commands that print hits, and the settings they make."""

from __future__ import annotations

import argparse

from codesearch.settings import ENGLISH_FILL_MODES, MAX_HITS, MODES, Settings, load_settings

# the namespace's names that are settings (flags win over config files and the environment)
_SETTING_NAMES = (
    "index_dir",
    "store",
    "model",
    "dim",
    "model_path",
    "embedding_urls",
    "k",
    "mode",
    "max_file_size",
    "ignore",
    "reranker",
    "rerank_top",
    "reranker_urls",
    "reranker_model_path",
    "english_fill",
)


def common_options() -> argparse.ArgumentParser:
    """The parent parser of the top level and of every subcommand (``--index``, ``--model``, ``--debug``...)."""
    # SUPPRESS: a subcommand must not reset what was given before it (`codesearch --debug index`)
    common = argparse.ArgumentParser(add_help=False, argument_default=argparse.SUPPRESS)
    common.add_argument(
        "--index",
        dest="index_dir",
        metavar="DIR",
        help="index directory (env CODESEARCH_INDEX; default: the user data dir)",
    )
    common.add_argument(
        "--store",
        metavar="URI",
        help="where the index lives: local (the index directory), milvus://HOST:PORT[/NAME] or "
        "milvus-lite:PATH (env CODESEARCH_STORE; extra codesearch[milvus])",
    )
    common.add_argument(
        "--model",
        help="embedding model: auto (the default: use+minilm-int8 on a CPU, or an index's own model), use, "
        "minilm-int8, e5, minilm, qwen3-0.6b/4b/8b, http, none; several in one index with + (use+minilm)",
    )
    common.add_argument("--dim", type=int, help="output dimension (Matryoshka truncation)")
    common.add_argument("--model-path", help="local path or hub id of the model's weights")
    common.add_argument(
        "--embedding-url",
        dest="embedding_urls",
        action="append",
        metavar="URL",
        help="OpenAI-compatible embedding server (repeatable; e.g. SGLang)",
    )
    common.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    common.add_argument("-v", "--verbose", action="store_true", help="show info logs")
    return common


def add_english_fill_option(p: argparse.ArgumentParser) -> None:
    """``--english-fill``: what a run that left the English vectors for later does about them."""
    p.add_argument(
        "--english-fill",
        choices=ENGLISH_FILL_MODES,
        help="a big build is searchable after the fast multilingual model; the English model's vectors "
        "are then filled in a detached process (background, the default), before the command returns "
        "(now), or not until `codesearch fill` (off) (env CODESEARCH_ENGLISH_FILL)",
    )


def add_result_options(p: argparse.ArgumentParser, *, mode_help: str) -> None:
    """The options of the commands that print hits: how many, filters, mode, output."""
    p.add_argument("-k", type=int, dest="k", help=f"number of hits (default 10, at most {MAX_HITS})")
    p.add_argument("--lang", help="only this language (python, go, ...)")
    p.add_argument(
        "--path",
        dest="path_glob",
        metavar="GLOB",
        help="only paths matching this glob, from a repository's root (src/*.py) or absolute inside one",
    )
    p.add_argument("--repo", help="only this repository (its name in `codesearch status`)")
    p.add_argument("--kind", help="only this kind (function, method, class, ...)")
    p.add_argument("--mode", choices=MODES, help=mode_help)
    shapes = p.add_mutually_exclusive_group()
    shapes.add_argument("--json", action="store_true", help="print exactly one JSON object")
    shapes.add_argument(
        "--compact", action="store_true", help="one line per hit, like rg -n: path:line: name  signature"
    )
    shapes.add_argument(
        "-l", "--files-with-matches", dest="files", action="store_true", help="only the files, once each"
    )
    p.add_argument("--explain", action="store_true", help="with --json: add each hit's `why` and `also_at`")
    p.add_argument("--rerank", action="store_true", help="rerank the top hits with a cross-encoder (Qwen3)")
    p.add_argument("--reranker", help="reranker: auto, http, qwen3-0.6b/4b/8b (env CODESEARCH_RERANKER)")
    p.add_argument("--rerank-top", type=int, help="how many fused hits to rerank (default 30)")
    p.add_argument(
        "--reranker-url", dest="reranker_urls", action="append", metavar="URL", help="/v1/rerank server"
    )
    p.add_argument("--reranker-model-path", metavar="DIR", help="local Qwen3-Reranker weights")


def fill_defaults(args: argparse.Namespace) -> None:
    """The suppressed options a command did not take or was not given, set to their defaults."""
    for flag in (
        "debug",
        "verbose",
        "json",
        "compact",
        "files",
        "rebuild",
        "explain",
        "rerank",
        "dry_run",
        "no_index",
    ):
        setattr(args, flag, getattr(args, flag, False))
    for name in ("model", "index_dir", "store", "dim", "model_path", "embedding_urls"):
        setattr(args, name, getattr(args, name, None))


def settings_from_args(args: argparse.Namespace) -> Settings:
    """The settings: defaults < config files < environment < the flags in ``args``."""
    return load_settings({n: getattr(args, n, None) for n in _SETTING_NAMES})
