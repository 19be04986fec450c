"""Skip rules of the crawler as data: which paths and contents are not worth indexing, and why.

Every rule here is pure (no I/O): the crawler hands in a name, a path or the first bytes of a file and
gets back a reason from ``SKIP_REASONS`` or ``None``. Path rules run before any byte is read.
"""

from __future__ import annotations

import fnmatch
import re

SKIP_REASONS: tuple[str, ...] = (
    "binary",
    "too-large",
    "minified",
    "vendored",
    "generated",
    "lockfile",
    "ignored-by-codesearchignore",
    "symlink-outside-root",
    "unreadable",
    "empty",
    "undecodable-name",  # a file name that is not UTF-8: it cannot be stored, printed or searched
    "secret",  # a file that holds keys or credentials (SECRET_NAMES): never indexed, shown or handed out
    "submodule",  # a git submodule's folder: another repository, not descended (index it by its own path)
)

# Files that hold secrets by their name, tracked or not: environment files, private keys, key stores and the
# credential files of package managers and clouds. Their templates (`.env.example`) and public keys stay.
SECRET_NAMES: frozenset[str] = frozenset(
    {".env", "id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", ".netrc", ".npmrc", ".pypirc", "credentials",
     ".htpasswd", ".git-credentials"}
)  # fmt: skip
SECRET_SUFFIXES: tuple[str, ...] = (".pem", ".key", ".p12", ".pfx", ".keystore", ".jks", ".kdbx")
# `.env.local`, `.env.production`: secrets; `.env.example` and the like: what a developer copies, not secrets
_ENV_FILE_RE = re.compile(r"\.env\.(?!(?:example|sample|template|dist|defaults?)$)[\w.-]+$")

# Directories never entered and never reported: version-control internals, not part of the tree.
VCS_DIRS: frozenset[str] = frozenset({".git", ".hg", ".svn", ".bzr", "_darcs"})

# Directories holding third-party code, dependency caches or build output. Matched against one path
# component (exact name); such a directory is pruned whole and reported once as "<dir>/" vendored.
VENDORED_DIRS: frozenset[str] = frozenset(
    {
        # third-party code checked into the tree
        "vendor",
        "third_party",
        "thirdparty",
        "third-party",
        "3rdparty",
        "extern",  # C/C++ convention for vendored deps; "external" is NOT here: too often own code
        # package-manager installs
        "node_modules",
        "bower_components",
        "jspm_packages",
        "web_modules",
        "site-packages",
        "Pods",  # CocoaPods
        "Carthage",
        ".cargo",
        ".pnpm-store",
        ".yarn",  # yarn berry cache and releases
        "deps",  # mix (Elixir), rebar (Erlang)
        "elm-stuff",
        ".stack-work",
        ".dart_tool",
        ".pub-cache",
        ".terraform",
        ".bundle",
        # virtual environments (any folder holding pyvenv.cfg is one too, see is_virtualenv)
        ".venv",
        "venv",
        ".tox",
        ".nox",
        ".eggs",
        # build output
        "dist",
        "build",
        "target",  # cargo, maven
        "out",
        "_build",  # dune, mix, sphinx
        ".gradle",
        ".next",
        ".nuxt",
        ".svelte-kit",
        ".angular",
        ".turbo",
        ".parcel-cache",
        ".vercel",
        ".serverless",
        ".expo",
        # caches and tool state
        "__pycache__",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".hypothesis",
        ".ipynb_checkpoints",
        ".cache",
        ".idea",
        ".vs",
        "coverage",
        "htmlcov",
        ".nyc_output",
    }
)
# Directory names matched by glob (lower-cased): packaging metadata.
VENDORED_DIR_GLOBS: tuple[str, ...] = ("*.egg-info", "*.dist-info")

# File names (lower-cased globs) of bundled/minified third-party assets and build by-products.
VENDORED_FILE_GLOBS: tuple[str, ...] = (
    "*.min.js",
    "*.min.mjs",
    "*.min.css",
    "*-min.js",
    "*.bundle.js",
    "*.map",  # source maps: JSON produced by bundlers
)

# Lockfiles: machine-written dependency pins (exact names, case-sensitive as tools write them).
LOCKFILES: frozenset[str] = frozenset(
    {
        "package-lock.json",
        "npm-shrinkwrap.json",
        "yarn.lock",
        "pnpm-lock.yaml",
        "bun.lockb",
        "bun.lock",
        "deno.lock",
        "Cargo.lock",
        "poetry.lock",
        "Pipfile.lock",
        "pdm.lock",
        "uv.lock",
        "pixi.lock",
        "conda-lock.yml",
        "composer.lock",
        "Gemfile.lock",
        "go.sum",
        "go.work.sum",
        "mix.lock",
        "rebar.lock",
        "flake.lock",
        "Podfile.lock",
        "Package.resolved",
        "Cartfile.resolved",
        "pubspec.lock",
        "packages.lock.json",
        "paket.lock",
        "gradle.lockfile",
        "MODULE.bazel.lock",
        "conan.lock",
        "shard.lock",
        "stack.yaml.lock",
        "cabal.project.freeze",
        "renv.lock",
        "Manifest.toml",  # Julia
        ".terraform.lock.hcl",
    }
)
LOCKFILE_SUFFIXES: tuple[str, ...] = (".lock", ".lockb")

# Names (lower-cased globs) that code generators write.
GENERATED_FILE_GLOBS: tuple[str, ...] = (
    "*_pb2.py",
    "*_pb2.pyi",
    "*_pb2_grpc.py",
    "*.pb.go",
    "*.pb.gw.go",
    "*.pb.cc",
    "*.pb.h",
    "*.pb.swift",
    "*_pb.js",
    "*_pb.d.ts",
    "*_grpc_pb.js",
    "*.g.dart",
    "*.freezed.dart",
    "*.designer.cs",
    "*.g.cs",
    "*.g.i.cs",
    "zz_generated.*",  # Kubernetes deepcopy/conversion
    "*.generated.*",
)

# Extensions of files that are binary by construction: skipped without opening them.
BINARY_EXTENSIONS: frozenset[str] = frozenset(
    """
    png jpg jpeg gif bmp ico icns tif tiff webp avif heic psd xcf raw cr2 nef
    mp3 wav flac ogg oga opus m4a aac wma mid midi
    mp4 m4v mov avi mkv webm wmv flv mpg mpeg 3gp
    zip tar gz tgz bz2 tbz2 xz txz lz lzma zst 7z rar jar war ear apk aab ipa xpi crx nupkg whl egg gem
    deb rpm msi dmg iso img cab
    woff woff2 ttf otf eot fon
    pyc pyo pyd so dylib dll exe o obj a lib ko elf bin class dex wasm beam rlib pdb ilk exp
    pdf doc docx xls xlsx ppt pptx odt ods odp epub mobi
    db sqlite sqlite3 mdb accdb parquet avro orc feather arrow npy npz pkl pickle h5 hdf5 onnx pt pth
    safetensors ckpt tflite pb gguf
    swf fla blend fbx glb 3ds max
    """.split()
)

# Markers that a generator wrote the file, searched in its first GENERATED_HEAD_LINES lines. Kept strict
# (upper-case "DO NOT EDIT", lower-case "@generated") so hand-written prose rarely matches.
GENERATED_MARKERS: tuple[re.Pattern[bytes], ...] = (
    re.compile(rb"DO NOT EDIT"),
    re.compile(rb"@generated\b"),
    re.compile(rb"<auto-generated", re.IGNORECASE),
    re.compile(rb"\bauto-?generated (?:file|code|by|from|with|using)\b", re.IGNORECASE),
    re.compile(
        rb"\b(?:file|code|source) (?:is|was|has been) (?:automatically |auto-?|machine[- ]?)generated",
        re.IGNORECASE,
    ),
    re.compile(rb"\bgenerated by\b.{0,120}\bdo not (?:edit|modify)\b", re.IGNORECASE),
)
GENERATED_HEAD_LINES = 20

# Minified text. A line longer than LONG_LINE is not written by hand. A file is minified when, in its
# first MINIFIED_SAMPLE bytes, the average line is longer than MINIFIED_AVG_LINE AND long lines are at
# least MINIFIED_LONG_SHARE of the non-blank lines. The average alone would flag a normal file holding
# one huge string literal; the share alone would flag a 3-line file with one long line. A bundle
# (1-3 lines, or a banner of a few lines plus one huge line, or webpack's one-module-per-line output)
# passes both; 50 lines of code with one 20 KB data line has a share of 2% and is kept.
LONG_LINE = 1000
MINIFIED_AVG_LINE = 300
MINIFIED_LONG_SHARE = 0.1
MINIFIED_SAMPLE = 64 * 1024

_WHITESPACE = b" \t\r\n\f\v"


def _glob_union(globs: tuple[str, ...]) -> re.Pattern[str]:
    # One compiled alternation per table: a regex per glob per file costs more than the file's read.
    return re.compile("|".join(f"(?:{fnmatch.translate(glob)})" for glob in globs))


_VENDORED_DIR_RE = _glob_union(VENDORED_DIR_GLOBS)
_VENDORED_FILE_RE = _glob_union(VENDORED_FILE_GLOBS)
_GENERATED_FILE_RE = _glob_union(GENERATED_FILE_GLOBS)
# Scoped flags keep "DO NOT EDIT" case-sensitive inside the one alternation.
_GENERATED_MARKER_RE = re.compile(
    b"|".join((b"(?i:" if m.flags & re.IGNORECASE else b"(?:") + m.pattern + b")" for m in GENERATED_MARKERS)
)
_LONG_LINE_RE = re.compile(rb"[^\n]{%d}" % (LONG_LINE + 1))


def is_vendored_dir_name(name: str) -> bool:
    """True if a directory called ``name`` holds third-party code or build output."""
    return name in VENDORED_DIRS or _VENDORED_DIR_RE.match(name.lower()) is not None


def path_skip_reason(name: str) -> str | None:
    """The reason to skip a file judged by its base name alone, or None (no I/O)."""
    lower = name.lower()
    if lower in SECRET_NAMES or lower.endswith(SECRET_SUFFIXES) or _ENV_FILE_RE.match(lower):
        return "secret"
    if name in LOCKFILES or name.endswith(LOCKFILE_SUFFIXES):
        return "lockfile"
    if _VENDORED_FILE_RE.match(lower):
        return "vendored"
    if _GENERATED_FILE_RE.match(lower):
        return "generated"
    dot = lower.rfind(".")
    if dot > 0 and lower[dot + 1 :] in BINARY_EXTENSIONS:
        return "binary"
    return None


def head_skip_reason(head: bytes) -> str | None:
    """The reason to skip a file judged by its first bytes (already known to be non-empty), or None.

    ``head`` is the file's first ~8 KiB, decoded to UTF-8 first when it began with a UTF-16/32 BOM.
    Minified text is only suspected here (a long line in the head); ``looks_minified`` confirms it.
    """
    if b"\0" in head:
        return "binary"
    if not head.strip(_WHITESPACE):
        return "empty"
    first_lines = head.split(b"\n", GENERATED_HEAD_LINES)[:GENERATED_HEAD_LINES]
    top = b"\n".join(first_lines)
    # Every marker holds "DO NOT EDIT" or "generated": a substring test spares the regex on most files.
    if (b"DO NOT EDIT" in top or b"generated" in top.lower()) and _GENERATED_MARKER_RE.search(top):
        return "generated"
    return None


def has_long_line(head: bytes) -> bool:
    """True if any line of ``head`` (including an unterminated last one) exceeds LONG_LINE bytes."""
    # A line longer than LONG_LINE covers a whole aligned block of LONG_LINE // 2 bytes, so if every
    # such block holds a newline there is none; the exact regex only runs when some block has none.
    block = LONG_LINE // 2
    if all(head.find(b"\n", i, i + block) >= 0 for i in range(0, len(head) - block + 1, block)):
        return False
    return _LONG_LINE_RE.search(head) is not None


def looks_minified(sample: bytes) -> bool:
    """True if ``sample`` (the first MINIFIED_SAMPLE bytes of a text file) is minified; see LONG_LINE."""
    lines = [line for line in sample.split(b"\n") if line.strip(_WHITESPACE)]
    if not lines:
        return False
    long_lines = sum(1 for line in lines if len(line) > LONG_LINE)
    average = sum(len(line) for line in lines) / len(lines)
    return average > MINIFIED_AVG_LINE and long_lines / len(lines) >= MINIFIED_LONG_SHARE
