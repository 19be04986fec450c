"""Fetch the pinned multi-language quality corpus into benchmarks/data/corpus/<name>/.

Every package comes from a registry through its ordinary client (pip, npm, apt-get), at an exact version,
so the corpus is the same on every machine. A package already fetched (marker file present) is skipped.

    python -m benchmarks.quality.fetch_corpus            # fetch what is missing, print counts
    python -m benchmarks.quality.fetch_corpus --only rack,cobra
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from benchmarks.paths import CORPUS, DATA
from benchmarks.quality.corpus_functions import extract_functions, language_for

DOWNLOADS = DATA / "downloads"
MARKER = ".fetched.json"


@dataclass(frozen=True)
class Source:
    """One pinned package: `name` is the corpus folder (and the indexed repo name)."""

    name: str
    registry: str  # "pypi" (sdist) | "npm" | "deb"
    package: str
    version: str
    root: str = ""  # folder inside the unpacked package that becomes the corpus root
    include: tuple[str, ...] = field(default_factory=tuple)  # keep only these sub-folders or files (of root)
    heldout: bool = False  # only the held-out test queries target it; no CSN query is drawn from it
    query_set: str = ""  # the held-out query file over it ("heldout2" ... "heldout28"); "" for the first


# fmt: off
SOURCES: list[Source] = [
    # Python (+ C, C++ and Java inside extension sdists)
    Source("requests", "pypi", "requests", "2.32.3"),
    Source("psutil", "pypi", "psutil", "6.0.0"),               # Python + C
    Source("bitarray", "pypi", "bitarray", "2.9.2"),           # C + Python
    Source("simplejson", "pypi", "simplejson", "3.19.3"),      # Python + C
    Source("jpype", "pypi", "JPype1", "1.5.0", include=("jpype", "native")),  # Python + C++ + Java; no test/
    Source("kiwisolver", "pypi", "kiwisolver", "1.4.7"),       # C++
    # JavaScript / TypeScript / Java (react-native packages carry android/ Java)
    Source("axios", "npm", "axios", "1.7.7", root="package", include=("lib",)),
    Source("express", "npm", "express", "4.21.0", root="package"),
    Source("commander", "npm", "commander", "12.1.0", root="package"),
    Source("ws", "npm", "ws", "8.18.0", root="package"),
    Source("semver-js", "npm", "semver", "7.6.3", root="package"),
    Source("rxjs", "npm", "rxjs", "7.8.1", root="package", include=("src",)),  # dist/ = 3 compiled copies
    Source("react-native-maps", "npm", "react-native-maps", "1.18.0", root="package"),
    Source("react-native-webview", "npm", "react-native-webview", "13.12.2", root="package"),
    # Go
    Source("cobra", "deb", "golang-github-spf13-cobra-dev", "1.6.1-1", root="usr/share/gocode/src"),
    Source("gorilla-mux", "deb", "golang-github-gorilla-mux-dev", "1.8.0-1", root="usr/share/gocode/src"),
    Source("logrus", "deb", "golang-github-sirupsen-logrus-dev", "1.9.0-1", root="usr/share/gocode/src"),
    # Rust
    Source("itertools", "deb", "librust-itertools-dev", "0.10.3-1", root="usr/share/cargo/registry"),
    Source("semver-rs", "deb", "librust-semver-dev", "1.0.14-1", root="usr/share/cargo/registry"),
    Source("base64-rs", "deb", "librust-base64-dev", "0.13.0-1", root="usr/share/cargo/registry"),
    # Ruby
    Source("rack", "deb", "ruby-rack", "2.2.22-0+deb12u2",
           root="usr/share/rubygems-integration/all/gems/rack-2.2.22"),
    Source("thor", "deb", "ruby-thor", "1.2.1-2", root="usr/share/rubygems-integration/all/gems/thor-1.2.1"),
    Source("addressable", "deb", "ruby-addressable", "2.8.1-1",
           root="usr/share/rubygems-integration/all/gems/addressable-2.8.1"),
    # PHP
    Source("monolog", "deb", "php-monolog", "2.9.1-1", root="usr/share/php"),
    Source("guzzle-psr7", "deb", "php-guzzlehttp-psr7", "2.4.5-1+deb12u1", root="usr/share/php"),
    # Lua
    Source("penlight", "deb", "lua-penlight", "1.13.1-3", root="usr/share/lua/5.1"),
    Source("argparse-lua", "deb", "lua-argparse", "0.7.1-2", root="usr/share/lua/5.1"),
    # C++ (header-only library)
    Source("cli11", "deb", "libcli11-dev", "2.1.2+ds-1", root="usr/include"),
    # Held out (queries/heldout.jsonl, written from reading this code before any search over it)
    Source("ujson", "pypi", "ujson", "5.10.0", include=("lib", "python"), heldout=True),          # C
    # C++: Google's double-conversion as ujson vendors it, in a folder of its own (the crawler skips deps/,
    # as it should in a user's repository; its test/ holds 300k lines of generated tables)
    Source("double-conversion", "pypi", "ujson", "5.10.0", root="ujson-5.10.0/deps/double-conversion",
           include=("double-conversion",), heldout=True),
    Source("lz4", "pypi", "lz4", "4.3.3", heldout=True),                        # C (lz4, lz4hc, lz4frame)
    Source("qs", "npm", "qs", "6.13.0", root="package", include=("lib",), heldout=True),
    Source("minimist", "npm", "minimist", "1.2.8", root="package", heldout=True),
    Source("google-uuid", "deb", "golang-github-google-uuid-dev", "1.3.0-1", root="usr/share/gocode/src",
           heldout=True),
    Source("smallvec", "deb", "librust-smallvec-dev", "1.9.0-1", root="usr/share/cargo/registry", heldout=True),
    # Held out, second set (queries/heldout2.jsonl, written 2026-12-06 from reading this code, committed
    # before any search ran over it): C, JavaScript, Go, Rust, Python
    Source("cbor2", "pypi", "cbor2", "5.6.5", include=("source",), heldout=True, query_set="heldout2"),  # C
    Source("js-yaml", "npm", "js-yaml", "4.1.0", root="package", include=("lib",), heldout=True,
           query_set="heldout2"),
    Source("go-humanize", "deb", "golang-github-dustin-go-humanize-dev", "1.0.0-3", root="usr/share/gocode/src",
           heldout=True, query_set="heldout2"),
    Source("textwrap", "deb", "librust-textwrap-dev", "0.16.0-2", root="usr/share/cargo/registry", heldout=True,
           query_set="heldout2"),
    Source("toolz", "pypi", "toolz", "0.12.1", include=("toolz",), heldout=True, query_set="heldout2"),
    # Held out, third set (queries/heldout3.jsonl, written 2026-12-06 from reading this code, committed before
    # any search ran over it): C, C++, TypeScript, Lua, our weakest languages
    Source("pyahocorasick", "pypi", "pyahocorasick", "2.1.0", include=("src",), heldout=True,
           query_set="heldout3"),                                                          # C
    # C++: Angus Johnson's Clipper as pyclipper ships it; its Cython-generated _pyclipper.cpp (24k lines) left out
    Source("clipper", "pypi", "pyclipper", "1.3.0.post6", root="pyclipper-1.3.0.post6/src",
           include=("clipper.cpp", "clipper.hpp"), heldout=True, query_set="heldout3"),
    Source("immer", "npm", "immer", "10.1.1", root="package", include=("src",), heldout=True,
           query_set="heldout3"),                                                          # TypeScript
    Source("luassert", "deb", "lua-luassert", "1.9.0-1", root="usr/share/lua/5.1", heldout=True,
           query_set="heldout3"),                                                          # Lua
    # Held out, fourth set (queries/heldout4.jsonl, written 2026-12-07 from reading this code, committed before
    # any search or index ran over it): Python, Go, JavaScript, PHP; PHP new to the held-out sets
    Source("intervaltree", "pypi", "intervaltree", "3.1.0", include=("intervaltree",), heldout=True,
           query_set="heldout4"),                                                          # Python
    Source("gobwas-glob", "deb", "golang-github-gobwas-glob-dev", "0.2.3+git20180208.19c076c-2",
           root="usr/share/gocode/src", heldout=True, query_set="heldout4"),               # Go
    Source("fast-xml-parser", "npm", "fast-xml-parser", "4.5.0", root="package", include=("src",),
           heldout=True, query_set="heldout4"),                                            # JavaScript
    Source("brick-math", "deb", "php-brick-math", "0.10.0-1", root="usr/share/php", heldout=True,
           query_set="heldout4"),                                                          # PHP
    # Held out, fifth set (queries/heldout5.jsonl, written 2026-12-07 from reading this code, committed before
    # any search or index ran over it): JavaScript, Go, C, C++, our weakest languages
    Source("decimal-js", "npm", "decimal.js", "10.4.3", root="package", include=("decimal.js",), heldout=True,
           query_set="heldout5"),                     # JavaScript; decimal.mjs (the same code as ESM) left out
    # Go: testdata/ left out (a 64k-line generated fixture and text files)
    Source("go-diff", "deb", "golang-github-sergi-go-diff-dev", "1.2.0-2", root="usr/share/gocode/src",
           include=("github.com/sergi/go-diff/diffmatchpatch",), heldout=True, query_set="heldout5"),
    # C: libdatrie as datrie vendors it; its Cython-generated src/datrie.c, tests and tools left out
    Source("libdatrie", "pypi", "datrie", "0.8.2", root="datrie-0.8.2/libdatrie", include=("datrie",),
           heldout=True, query_set="heldout5"),
    # C++: fastText's library sources; the pybind11 binding under python/ left out
    Source("fasttext", "pypi", "fasttext", "0.9.3", root="fasttext-0.9.3", include=("src",), heldout=True,
           query_set="heldout5"),
    # Held out, sixth set (queries/heldout6.jsonl, written 2026-12-07 from reading this code, committed before
    # any search or index ran over it): TypeScript, Lua, Java, Ruby
    Source("prosemirror-transform", "npm", "prosemirror-transform", "1.12.7", root="package", include=("src",),
           heldout=True, query_set="heldout6"),                                            # TypeScript
    Source("lua-markdown", "deb", "lua-markdown", "0.32-6", root="usr/share/lua/5.1", heldout=True,
           query_set="heldout6"),                                                          # Lua
    # Java: the plugin's Android sources; its JavaScript (www/) and the other platforms left out
    Source("cordova-plugin-file", "npm", "cordova-plugin-file", "8.1.3", root="package", include=("src/android",),
           heldout=True, query_set="heldout6"),
    Source("chunky-png", "deb", "ruby-chunky-png", "1.3.15-2",
           root="usr/share/rubygems-integration/all/gems/chunky_png-1.3.15", include=("lib",), heldout=True,
           query_set="heldout6"),                                                          # Ruby
    # Held out, seventh set (queries/heldout7.jsonl, written 2026-12-07 from reading this code, committed
    # before any search or index ran over it): Python, Rust, C, Go
    Source("python-rsa", "pypi", "rsa", "4.9", include=("rsa",), heldout=True, query_set="heldout7"),  # Python
    Source("ipnetwork", "deb", "librust-ipnetwork-dev", "0.17.0-1", root="usr/share/cargo/registry",
           heldout=True, query_set="heldout7"),                                            # Rust
    # C: hiredis as the hiredis sdist vendors it (sds strings, reply reader, command formatting, dict,
    # sockets); the Python binding's src/, async.c, ssl.c, sockcompat.c and test.c left out
    Source("hiredis", "pypi", "hiredis", "2.3.2", root="hiredis-2.3.2/vendor/hiredis",
           include=("sds.c", "sds.h", "sdsalloc.h", "read.c", "read.h", "hiredis.c", "hiredis.h", "dict.c",
                    "dict.h", "net.c", "net.h", "alloc.c", "alloc.h"), heldout=True, query_set="heldout7"),
    Source("go-stats", "deb", "golang-github-montanaflynn-stats-dev", "0.6.4-2", root="usr/share/gocode/src",
           heldout=True, query_set="heldout7"),                                            # Go
    # Held out, eighth set (queries/heldout8.jsonl, written 2026-12-07 from reading this code, committed
    # before any search or index ran over it): C, C++, JavaScript, Go, our weakest languages
    # C: stb_truetype.h alone (font parsing and glyph rasterising) of Debian's stb headers
    Source("stb-truetype", "deb", "libstb-dev", "0.0~git20220908.8b5f1f3+ds-1", root="usr/include/stb",
           include=("stb_truetype.h",), heldout=True, query_set="heldout8"),
    # C++: the WORLD vocoder as pyworld vendors it (lib/World/src); Ooura's FFT (fft.cpp, fft.h), the Cython
    # binding, WORLD's examples, tools and test left out
    Source("world-vocoder", "pypi", "pyworld", "0.3.4", root="pyworld-0.3.4/lib/World/src",
           include=("cheaptrick.cpp", "codec.cpp", "common.cpp", "d4c.cpp", "dio.cpp", "harvest.cpp",
                    "matlabfunctions.cpp", "stonemask.cpp", "synthesis.cpp", "synthesisrealtime.cpp",
                    "world/cheaptrick.h", "world/codec.h", "world/common.h", "world/constantnumbers.h",
                    "world/d4c.h", "world/dio.h", "world/harvest.h", "world/macrodefinitions.h",
                    "world/matlabfunctions.h", "world/stonemask.h", "world/synthesis.h",
                    "world/synthesisrealtime.h"), heldout=True, query_set="heldout8"),
    # JavaScript: lunr's sources (lib/); the built lunr.js (the same code concatenated), tests, perf left out
    Source("lunr", "npm", "lunr", "2.3.9", root="package", include=("lib",), heldout=True,
           query_set="heldout8"),
    Source("go-qrcode", "deb", "golang-github-skip2-go-qrcode-dev", "0.0~git20200617.da1b656-4",
           root="usr/share/gocode/src", heldout=True, query_set="heldout8"),               # Go
    # Held out, ninth set (queries/heldout9.jsonl, written 2026-12-07 from reading this code, committed
    # before any search or index ran over it): C, Lua, Java, Python
    # C: libBigWig (bigWig/bigBed genomics track files) as the pyBigWig sdist vendors it; the binding left out
    Source("libbigwig", "pypi", "pyBigWig", "0.3.23", root="pybigwig-0.3.23/libBigWig",
           include=("bigWig.h", "bigWigIO.h", "bwCommon.h", "bwValues.h", "bwRead.c", "bwStats.c", "bwValues.c",
                    "bwWrite.c", "io.c"), heldout=True, query_set="heldout9"),
    # Lua: luacheck's analysis core (lexer, parser, the check stages, warning filtering and formatting); the
    # command line, config, cache and file-system layers, its vendored sha1, the builtin_standards/ globals
    # tables and the Unicode boundary table left out
    Source("luacheck", "deb", "lua-check", "1.1.0-1", root="usr/share/lua/5.1/luacheck",
           include=("stages", "lexer.lua", "parser.lua", "check.lua", "check_state.lua", "core_utils.lua",
                    "decoder.lua", "unicode.lua", "utils.lua", "standards.lua", "filter.lua", "format.lua",
                    "init.lua"), heldout=True, query_set="heldout9"),
    # Java: the Bluetooth LE module's Android sources; its JavaScript/TypeScript and iOS code left out
    Source("ble-manager", "npm", "react-native-ble-manager", "12.5.3", root="package",
           include=("android/src/main/java",), heldout=True, query_set="heldout9"),
    Source("sqlparse", "pypi", "sqlparse", "0.5.3", include=("sqlparse",), heldout=True,
           query_set="heldout9"),                                                          # Python
    # Held out, tenth set (queries/heldout10.jsonl, written 2026-12-07 from reading this code, committed
    # before any search or index ran over it): TypeScript, Rust, PHP, Ruby
    # TypeScript: chess.js's rules engine (src/chess.ts); the peggy-generated PGN parser (pgn.js), its grammar,
    # the built dist/ and the benchmarks left out
    Source("chess-js", "npm", "chess.js", "1.4.0", root="package", include=("src/chess.ts",), heldout=True,
           query_set="heldout10"),
    # Rust: csv-core (allocation-free CSV reader and writer state machines); its benches/ left out
    Source("csv-core", "deb", "librust-csv-core-dev", "0.1.6-1", root="usr/share/cargo/registry",
           include=("csv-core-0.1.6/src",), heldout=True, query_set="heldout10"),
    # PHP: egulias/email-validator (RFC 5322 address lexer and parser, DNS, spoofing and message-id checks);
    # Debian's generated autoload.php left out
    Source("email-validator", "deb", "php-email-validator", "3.2.5-1", root="usr/share/php/Egulias",
           include=("EmailValidator/EmailLexer.php", "EmailValidator/EmailParser.php",
                    "EmailValidator/EmailValidator.php", "EmailValidator/MessageIDParser.php",
                    "EmailValidator/Parser.php", "EmailValidator/Parser", "EmailValidator/Result",
                    "EmailValidator/Validation", "EmailValidator/Warning"), heldout=True, query_set="heldout10"),
    # Ruby: chronic (natural-language date and time parsing) as Debian's ruby-chronic ships GitLab's fork
    Source("chronic", "deb", "ruby-chronic", "0.10.5-2",
           root="usr/share/rubygems-integration/all/gems/gitlab-chronic-0.10.5", include=("lib",), heldout=True,
           query_set="heldout10"),
    # Held out, eleventh set (queries/heldout11.jsonl, written 2026-12-07 from reading this code, committed
    # before any search or index ran over it): C++, JavaScript, PHP, Go
    # C++: nanoflann (k-d trees for nearest-neighbour and radius search, one header) as Debian ships it; its
    # examples and HTML docs left out
    Source("nanoflann", "deb", "libnanoflann-dev", "1.4.3+ds-2", root="usr/include", include=("nanoflann.hpp",),
           heldout=True, query_set="heldout11"),
    # JavaScript: tinycolor2 (colour parsing, conversion, manipulation, readability, palettes), the UMD file
    # only; the cjs/ and esm/ copies of the same code, the minified dist/ and the tests left out
    Source("tinycolor", "npm", "tinycolor2", "1.6.0", root="package", include=("tinycolor.js",), heldout=True,
           query_set="heldout11"),
    # PHP: symfony/css-selector (CSS selectors parsed and translated to XPath); the exception classes and
    # Debian's generated autoload.php left out
    Source("css-selector", "deb", "php-symfony-css-selector", "5.4.53+dfsg-0+deb12u1",
           root="usr/share/php/Symfony/Component",
           include=("CssSelector/CssSelectorConverter.php", "CssSelector/Node", "CssSelector/Parser",
                    "CssSelector/XPath"), heldout=True, query_set="heldout11"),
    # Go: robfig/cron v3 (cron spec parsing, schedules, the job runner and its wrappers); the tests left out
    Source("robfig-cron", "deb", "golang-github-robfig-cron-dev", "3.0.1-1", root="usr/share/gocode/src",
           include=("github.com/robfig/cron/chain.go", "github.com/robfig/cron/constantdelay.go",
                    "github.com/robfig/cron/cron.go", "github.com/robfig/cron/doc.go",
                    "github.com/robfig/cron/logger.go", "github.com/robfig/cron/option.go",
                    "github.com/robfig/cron/parser.go", "github.com/robfig/cron/spec.go"), heldout=True,
           query_set="heldout11"),
    # Held out, twelfth set (queries/heldout12.jsonl, written 2026-12-07 from reading this code, committed
    # before any search or index ran over it): C, Python, Rust, TypeScript
    # C: the Chipmunk2D physics engine as the pymunk sdist vendors it, eight of its sources (bodies, shapes,
    # polygons, collision detection, arbiters, space queries, polylines, moments) and the vector and bounding
    # box headers; its joints, spatial indexes, the space step, the other headers and pymunk's binding left out
    Source("chipmunk", "pypi", "pymunk", "6.9.0", root="pymunk-6.9.0/Chipmunk2D",
           include=("src/chipmunk.c", "src/cpBody.c", "src/cpShape.c", "src/cpPolyShape.c", "src/cpCollision.c",
                    "src/cpArbiter.c", "src/cpSpaceQuery.c", "src/cpPolyline.c", "include/chipmunk/cpVect.h",
                    "include/chipmunk/cpBB.h"), heldout=True, query_set="heldout12"),
    # Python: astral (sun and moon positions, sunrise, sunset, twilight, moon phase, the city database); its
    # tests and the __main__ command line left out
    Source("astral", "pypi", "astral", "3.2", root="astral-3.2/src",
           include=("astral/__init__.py", "astral/sun.py", "astral/moon.py", "astral/location.py",
                    "astral/geocoder.py", "astral/julian.py", "astral/sidereal.py", "astral/table4.py"),
           heldout=True, query_set="heldout12"),
    # Rust: indicatif (terminal progress bars and spinners: styles and templates, draw targets, multi-bars,
    # rate and ETA estimates, iterator wrappers); its examples and tests/ left out
    Source("indicatif", "deb", "librust-indicatif-dev", "0.17.3-2", root="usr/share/cargo/registry",
           include=("indicatif-0.17.3/src",), heldout=True, query_set="heldout12"),
    # TypeScript: @tanstack/table-core (headless data-table state), its row models, sorting, filtering and
    # aggregation functions and seven features (sorting, filtering, grouping, expanding, pagination, selection,
    # column sizing); the core table, header, row and column factories, the other features and types.ts left out
    Source("table-core", "npm", "@tanstack/table-core", "8.20.5", root="package/src",
           include=("utils", "utils.ts", "aggregationFns.ts", "filterFns.ts", "sortingFns.ts",
                    "features/RowSorting.ts", "features/ColumnFiltering.ts", "features/ColumnGrouping.ts",
                    "features/RowExpanding.ts", "features/RowPagination.ts", "features/RowSelection.ts",
                    "features/ColumnSizing.ts"), heldout=True, query_set="heldout12"),
    # Held out, thirteenth set (queries/heldout13.jsonl, written 2026-12-07 from reading this code, committed
    # before any search or index ran over it): C++, JavaScript, Go, Java
    # C++: fastcluster (hierarchical clustering: MST, nearest-neighbour chain and generic linkage, dissimilarity
    # metrics); its Python wrapper module, docs and tests left out
    Source("fastcluster", "pypi", "fastcluster", "1.3.0", root="fastcluster-1.3.0/src",
           include=("fastcluster.cpp", "fastcluster_python.cpp"), heldout=True, query_set="heldout13"),
    # JavaScript: howler.js (web audio playback: sounds, sprites, fades, the HTML5 audio pool, spatial audio
    # plugin); the minified dist/ copies left out
    Source("howler", "npm", "howler", "2.2.4", root="package", include=("src",), heldout=True,
           query_set="heldout13"),
    # Go: fogleman/gg (2D vector drawing context: paths, strokes, fills, transforms, gradients, text); its
    # test left out
    Source("gg", "deb", "golang-github-fogleman-gg-dev", "1.3.0-3", root="usr/share/gocode/src",
           include=("github.com/fogleman/gg/bezier.go", "github.com/fogleman/gg/context.go",
                    "github.com/fogleman/gg/gradient.go", "github.com/fogleman/gg/matrix.go",
                    "github.com/fogleman/gg/path.go", "github.com/fogleman/gg/pattern.go",
                    "github.com/fogleman/gg/point.go", "github.com/fogleman/gg/util.go",
                    "github.com/fogleman/gg/wrap.go"), heldout=True, query_set="heldout13"),
    # Java: react-native-push-notification's Android sources (local and remote notifications, scheduling,
    # channels, actions); its JavaScript, iOS code and example app left out
    Source("push-notification", "npm", "react-native-push-notification", "8.1.1", root="package",
           include=("android/src/main/java",), heldout=True, query_set="heldout13"),
    # Held out, fourteenth set (queries/heldout14.jsonl, written 2026-12-07 from reading this code, committed
    # before any search or index ran over it): C, Rust, TypeScript, Python
    # C: QuickJS's regular expression engine (parser, bytecode compiler, backtracking matcher) and its
    # byte-buffer, UTF-8 and sorting utilities as the quickjs sdist vendors them; the JavaScript engine, libbf,
    # libunicode with its generated tables and the Python binding left out
    Source("libregexp", "pypi", "quickjs", "1.19.4", root="quickjs-1.19.4/upstream-quickjs",
           include=("libregexp.c", "libregexp.h", "libregexp-opcode.h", "cutils.c", "cutils.h"), heldout=True,
           query_set="heldout14"),
    # Rust: petgraph's graph algorithms (shortest paths, components, cycles, dominators, feedback arc sets,
    # matching, simple paths, transitive reduction) and its union-find; the graph types, visitors, isomorphism,
    # serialisation and the rest of the crate left out
    Source("petgraph", "deb", "librust-petgraph-dev", "0.6.2-1", root="usr/share/cargo/registry/petgraph-0.6.2/src",
           include=("algo/mod.rs", "algo/astar.rs", "algo/bellman_ford.rs", "algo/dijkstra.rs",
                    "algo/dominators.rs", "algo/feedback_arc_set.rs", "algo/floyd_warshall.rs",
                    "algo/k_shortest_path.rs", "algo/matching.rs", "algo/simple_paths.rs", "algo/tred.rs",
                    "unionfind.rs"), heldout=True, query_set="heldout14"),
    # TypeScript: @noble/hashes (SHA-1, SHA-2, SHA-3 and its extensions, BLAKE2/3, RIPEMD-160, HMAC, HKDF,
    # PBKDF2, scrypt, Argon2), its src/ only; the compiled esm/ and CommonJS copies left out
    Source("noble-hashes", "npm", "@noble/hashes", "1.5.0", root="package", include=("src",), heldout=True,
           query_set="heldout14"),
    # Python: mido (MIDI messages, their byte encoding and parsing, MIDI files and tracks, meta messages, ports,
    # sockets, SysEx files); the port backends, the command-line scripts and the tests left out
    Source("mido", "pypi", "mido", "1.3.2", root="mido-1.3.2/mido",
           include=("__init__.py", "frozen.py", "messages", "midifiles", "parser.py", "ports.py", "sockets.py",
                    "syx.py", "tokenizer.py", "version.py"), heldout=True, query_set="heldout14"),
    # Held out, fifteenth set (queries/heldout15.jsonl, written 2026-12-07 from reading this code, committed
    # before any search or index ran over it): C++, Go, Java, JavaScript
    # C++: LIBSVM (support vector machines: kernels, the SMO solver and its working-set selection, shrinking,
    # probability estimates, cross validation, model files) as the libsvm-official sdist ships it; its Python
    # binding left out
    Source("libsvm", "pypi", "libsvm-official", "3.35.0", root="libsvm_official-3.35.0/cpp-source",
           include=("svm.cpp", "svm.h"), heldout=True, query_set="heldout15"),
    # Go: go-jmespath (the JMESPath query language over JSON-like data: lexer, parser, interpreter, built-in
    # functions); its tests, the stringer-generated *_string.go, the fuzz entry and the vendored testify left out
    Source("go-jmespath", "deb", "golang-github-jmespath-go-jmespath-dev", "0.4.0-2",
           root="usr/share/gocode/src/github.com/jmespath/go-jmespath",
           include=("api.go", "functions.go", "interpreter.go", "lexer.go", "parser.go", "util.go"), heldout=True,
           query_set="heldout15"),
    # Java: react-native-keychain's Android sources (credentials encrypted with Android Keystore keys, AES-CBC,
    # RSA-ECB and Facebook Conceal storages, biometric prompts, shared-preferences storage); its JavaScript,
    # typings and iOS code left out
    Source("rn-keychain", "npm", "react-native-keychain", "8.2.0", root="package",
           include=("android/src/main/java",), heldout=True, query_set="heldout15"),
    # JavaScript: SortableJS (drag-and-drop reordering of lists), its src/ only; the built Sortable.js, the
    # minified copy and the three modular/ ESM bundles (the same code) left out
    Source("sortable", "npm", "sortablejs", "1.15.6", root="package", include=("src",), heldout=True,
           query_set="heldout15"),
    # Held out, sixteenth set (queries/heldout16.jsonl, written 2026-12-07 from reading this code, committed
    # before any search or index ran over it): C, C++, Go, Lua
    # C: Zopfli (an exhaustive DEFLATE compressor: LZ77 with a hash chain and a match cache, optimal parsing by
    # iterated cost models, length-limited Huffman codes, block splitting, gzip/zlib wrappers) as the zopfli sdist
    # ships it; the Python binding and ZopfliPNG with its vendored LodePNG left out
    Source("zopfli", "pypi", "zopfli", "0.2.3", root="zopfli-0.2.3/zopfli/src/zopfli", heldout=True,
           query_set="heldout16"),
    # C++: LevelDB 1.20 (sorted tables, blocks with prefix-compressed keys and restart points, bloom filters,
    # the sharded LRU cache, varints, the write-ahead log, memtable, write batches, version edits, repair) as
    # leveldown vendors it, in a folder of its own; only .cc files (its .h headers would be read as C), no
    # tests, benchmarks, the C API, the environment/port layers or the DB core (db_impl, version_set)
    Source("leveldb", "npm", "leveldown", "6.1.1", root="package/deps/leveldb/leveldb-1.20",
           include=("table/block.cc", "table/block_builder.cc", "table/filter_block.cc", "table/format.cc",
                    "table/iterator.cc", "table/merger.cc", "table/table.cc", "table/table_builder.cc",
                    "table/two_level_iterator.cc", "util/arena.cc", "util/bloom.cc", "util/cache.cc",
                    "util/coding.cc", "util/hash.cc", "util/histogram.cc", "util/logging.cc",
                    "db/dbformat.cc", "db/filename.cc", "db/log_reader.cc", "db/log_writer.cc", "db/memtable.cc",
                    "db/repair.cc", "db/version_edit.cc", "db/write_batch.cc"), heldout=True,
           query_set="heldout16"),
    # Go: imaging (resizing with resampling filters, crops and anchors, fit/fill/thumbnail, rotations and flips,
    # blur/sharpen/convolution, colour adjustments, histograms, EXIF orientation on decode); its tests and
    # examples left out
    Source("go-imaging", "deb", "golang-github-disintegration-imaging-dev", "1.6.2-2",
           root="usr/share/gocode/src/github.com/disintegration/imaging",
           include=("adjust.go", "convolution.go", "doc.go", "effects.go", "histogram.go", "io.go", "resize.go",
                    "scanner.go", "tools.go", "transform.go", "utils.go"), heldout=True, query_set="heldout16"),
    # Lua: lua-http's protocol pieces (HPACK, HTTP/2 streams and connections, HTTP/1 connections, header
    # objects, cookies and the cookie store, HSTS, SOCKS, WebSocket, utilities); the client/server/request
    # layers, TLS, proxies, compat shims and the reason-phrase table left out (the 5.3 copy; 5.1's is the same)
    Source("lua-http", "deb", "lua-http", "0.4-1", root="usr/share/lua/5.3",
           include=("http/cookie.lua", "http/h1_connection.lua", "http/h2_connection.lua", "http/h2_stream.lua",
                    "http/headers.lua", "http/hpack.lua", "http/hsts.lua", "http/socks.lua", "http/util.lua",
                    "http/websocket.lua"), heldout=True, query_set="heldout16"),
    # Held out, seventeenth set (queries/heldout17.jsonl, written 2026-12-07 from reading this code, committed
    # before any search or index ran over it): C, JavaScript, Rust, TypeScript
    # C: c-ares 1.18.1 (asynchronous DNS resolver: query building, name compression, address answers into
    # addrinfo, reply parsers for MX, SRV, TXT, CAA, NAPTR, SOA, PTR and URI records, RFC 6724 address sorting,
    # getaddrinfo/getnameinfo, resolv.conf and hosts files, the socket loop, retries and timeouts) as the pycares
    # sdist vendors it, 32 of its src/lib .c files; its headers, the A/AAAA/NS parsers, the platform, Android,
    # Windows-port and library-init files, the other small helpers, tests and pycares' binding left out
    Source("c-ares", "pypi", "pycares", "4.4.0", root="pycares-4.4.0/deps/c-ares/src/lib",
           include=("ares__addrinfo2hostent.c", "ares__addrinfo_localhost.c", "ares__parse_into_addrinfo.c",
                    "ares__read_line.c", "ares__readaddrinfo.c", "ares__sortaddrinfo.c", "ares_create_query.c",
                    "ares_expand_name.c", "ares_expand_string.c", "ares_getaddrinfo.c", "ares_gethostbyaddr.c",
                    "ares_gethostbyname.c", "ares_getnameinfo.c", "ares_init.c", "ares_llist.c", "ares_options.c",
                    "ares_parse_caa_reply.c", "ares_parse_mx_reply.c", "ares_parse_naptr_reply.c",
                    "ares_parse_ptr_reply.c", "ares_parse_soa_reply.c", "ares_parse_srv_reply.c",
                    "ares_parse_txt_reply.c", "ares_parse_uri_reply.c", "ares_process.c", "ares_query.c",
                    "ares_search.c", "ares_strsplit.c", "ares_timeout.c", "bitncmp.c", "inet_net_pton.c",
                    "inet_ntop.c"), heldout=True, query_set="heldout17"),
    # JavaScript: Handlebars (logic-less templates: the compiler from AST to opcodes, the JavaScript code
    # generator, whitespace control, the AST printer and visitor, the runtime, helpers and prototype-access
    # checks), its ES module sources under lib/handlebars; the Jison-generated parser.js, the CLI precompiler and
    # the built dist/ bundles left out
    Source("handlebars", "npm", "handlebars", "4.7.8", root="package/lib/handlebars",
           include=("base.js", "compiler/ast.js", "compiler/code-gen.js", "compiler/compiler.js",
                    "compiler/helpers.js", "compiler/javascript-compiler.js", "compiler/printer.js",
                    "compiler/visitor.js", "compiler/whitespace-control.js", "decorators", "decorators.js",
                    "exception.js", "helpers", "helpers.js", "internal", "logger.js", "runtime.js",
                    "safe-string.js", "utils.js"), heldout=True, query_set="heldout17"),
    # Rust: crdts (conflict-free replicated data types: vector clocks, dots, counters, sets, registers, maps,
    # sequences with dense identifiers, Merkle-DAG registers) as Debian ships it, its src/ only; its examples and
    # test/ folder left out (the #[cfg(test)] modules inside src/ stay)
    Source("crdts", "deb", "librust-crdts-dev", "7.2.0+dfsg-4", root="usr/share/cargo/registry",
           include=("crdts-7.2.0/src",), heldout=True, query_set="heldout17"),
    # TypeScript: @tanstack/query-core (server-state cache: queries and mutations with their caches and
    # observers, retries with backoff, infinite queries, structural sharing, hydration, focus/online managers),
    # its src/ without the __tests__ folder; the compiled build/ left out
    Source("query-core", "npm", "@tanstack/query-core", "5.59.0", root="package/src",
           include=("focusManager.ts", "hydration.ts", "index.ts", "infiniteQueryBehavior.ts",
                    "infiniteQueryObserver.ts", "mutation.ts", "mutationCache.ts", "mutationObserver.ts",
                    "notifyManager.ts", "onlineManager.ts", "queriesObserver.ts", "query.ts", "queryCache.ts",
                    "queryClient.ts", "queryObserver.ts", "removable.ts", "retryer.ts", "subscribable.ts",
                    "thenable.ts", "types.ts", "utils.ts"), heldout=True, query_set="heldout17"),
    # Held out, eighteenth set (queries/heldout18.jsonl, written 2026-12-07 from reading this code, committed
    # before any search or index ran over it): C++, Go, Python, Ruby
    # C++: OpenCC 1.1.9 (Chinese simplified/traditional conversion: maximum-match segmentation over phrase
    # dictionaries, text, Darts and marisa dictionaries and their binary serialisation, conversion chains, the
    # JSON configuration, UTF-8 helpers and slices, phrase extraction by frequency, cohesion and entropy) as its
    # PyPI sdist ships it, the library sources of src/; its tests, the Python binding, the command-line tools,
    # the benchmark and the vendored deps/ left out
    Source("opencc", "pypi", "OpenCC", "1.1.9", root="opencc-1.1.9/src",
           include=("BinaryDict.cpp", "BinaryDict.hpp", "Common.hpp", "Config.cpp", "Config.hpp", "Conversion.cpp",
                    "Conversion.hpp", "ConversionChain.cpp", "ConversionChain.hpp", "Converter.cpp",
                    "Converter.hpp", "DartsDict.cpp", "DartsDict.hpp", "Dict.cpp", "Dict.hpp", "DictConverter.cpp",
                    "DictConverter.hpp", "DictEntry.cpp", "DictEntry.hpp", "DictGroup.cpp", "DictGroup.hpp",
                    "Exception.hpp", "Lexicon.cpp", "Lexicon.hpp", "MarisaDict.cpp", "MarisaDict.hpp",
                    "MaxMatchSegmentation.cpp", "MaxMatchSegmentation.hpp", "Optional.hpp", "PhraseExtract.cpp",
                    "PhraseExtract.hpp", "Segmentation.cpp", "Segmentation.hpp", "Segments.hpp",
                    "SerializableDict.hpp", "SerializedValues.cpp", "SerializedValues.hpp", "SimpleConverter.cpp",
                    "SimpleConverter.hpp", "TextDict.cpp", "TextDict.hpp", "UTF8StringSlice.cpp",
                    "UTF8StringSlice.hpp", "UTF8Util.cpp", "UTF8Util.hpp"), heldout=True, query_set="heldout18"),
    # Go: gods' trees (AVL, red-black and B-trees with floor/ceiling lookups, rotations, node splits and merges,
    # a binary heap, their bidirectional iterators and JSON serialisation) as Debian ships gods; its lists, sets,
    # maps, stacks, utilities and tests left out
    Source("gods-trees", "deb", "golang-github-emirpasic-gods-dev", "1.12.0-2",
           root="usr/share/gocode/src/github.com/emirpasic/gods/trees",
           include=("trees.go", "avltree/avltree.go", "avltree/iterator.go", "avltree/serialization.go",
                    "binaryheap/binaryheap.go", "binaryheap/iterator.go", "binaryheap/serialization.go",
                    "btree/btree.go", "btree/iterator.go", "btree/serialization.go", "redblacktree/redblacktree.go",
                    "redblacktree/iterator.go", "redblacktree/serialization.go"), heldout=True,
           query_set="heldout18"),
    # Python: convertdate (conversions between Julian day numbers and the Gregorian, Julian, Hebrew, Islamic,
    # Persian, Indian civil, Armenian, Bahai, Coptic, French republican, positivist, Mayan and ISO week
    # calendars, with leap rules, month lengths and weekday arithmetic), its modules without holidays.py and the
    # data/ tables
    Source("convertdate", "pypi", "convertdate", "2.4.0", root="convertdate-2.4.0/src/convertdate",
           include=("armenian.py", "bahai.py", "coptic.py", "daycount.py", "dublin.py", "french_republican.py",
                    "gregorian.py", "hebrew.py", "indian_civil.py", "islamic.py", "iso.py", "julian.py",
                    "julianday.py", "mayan.py", "ordinal.py", "persian.py", "positivist.py", "utils.py"),
           heldout=True, query_set="heldout18"),
    # Ruby: the i18n gem (translation lookup with scopes and defaults, interpolation, pluralisation, locale
    # fallbacks and RFC 4646 tags, transliteration, chained, cached, memoized, key-value and lazily loaded
    # backends, gettext helpers) as Debian ships it, its lib/; its bundled test modules and the racc-generated
    # PO parser left out
    Source("ruby-i18n", "deb", "ruby-i18n", "1.10.0-2", root="usr/share/rubygems-integration/all/gems/i18n-1.10.0/lib",
           include=("i18n.rb", "i18n/backend.rb", "i18n/backend", "i18n/config.rb", "i18n/exceptions.rb",
                    "i18n/gettext.rb", "i18n/gettext/helpers.rb", "i18n/interpolate", "i18n/locale.rb",
                    "i18n/locale", "i18n/middleware.rb", "i18n/utils.rb"), heldout=True, query_set="heldout18"),
    # Held out, nineteenth set (queries/heldout19.jsonl, written 2026-12-07 from reading this code, committed
    # before any search or index ran over it): C, C++, JavaScript, Java
    # C: RPi.GPIO (Raspberry Pi GPIO through /dev/gpiomem or /dev/mem: pin functions, pull-up/down, levels,
    # edge detection with epoll and a callback thread, debouncing, software PWM threads, board revision from
    # /proc/cpuinfo, the Python extension's functions) as its PyPI sdist ships it, its source/ .c files; its
    # headers (declarations only), Python package, tests and setup scripts left out
    Source("rpi-gpio", "pypi", "RPi.GPIO", "0.7.1", root="RPi.GPIO-0.7.1/source",
           include=("c_gpio.c", "common.c", "constants.c", "cpuinfo.c", "event_gpio.c", "py_gpio.c", "py_pwm.c",
                    "soft_pwm.c"), heldout=True, query_set="heldout19"),
    # C++: protozero (the Protocol Buffers wire format, header-only: varints and zigzag, reading fields, tags
    # and packed repeated fields, writing them with nested submessages and reserved space, buffers, data views)
    # as Debian ships it; its config and version headers left out
    Source("protozero", "deb", "libprotozero-dev", "1.7.1-1", root="usr/include/protozero",
           include=("basic_pbf_builder.hpp", "basic_pbf_writer.hpp", "buffer_fixed.hpp", "buffer_string.hpp",
                    "buffer_tmpl.hpp", "buffer_vector.hpp", "byteswap.hpp", "data_view.hpp", "exception.hpp",
                    "iterators.hpp", "pbf_builder.hpp", "pbf_message.hpp", "pbf_reader.hpp", "pbf_writer.hpp",
                    "types.hpp", "varint.hpp"), heldout=True, query_set="heldout19"),
    # JavaScript: d3-hierarchy (layouts of hierarchical data: tidy trees, dendrograms, treemaps with squarified,
    # binary, slice and dice tilings, circle packing with the smallest enclosing circle, partitions, stratify
    # from tables or paths, traversal and aggregation of nodes), its src/ only; the built dist/ left out
    Source("d3-hierarchy", "npm", "d3-hierarchy", "3.1.2", root="package", include=("src",), heldout=True,
           query_set="heldout19"),
    # Java: react-native-nfc-manager's Android sources (NFC tag discovery by reader mode and foreground
    # dispatch, NDEF reading, writing and formatting, tag technologies and raw transceive, MIFARE Classic and
    # Ultralight, JSON conversion of tags and records); its JavaScript, NDEF library, iOS code and Expo plugin left out
    Source("rn-nfc-manager", "npm", "react-native-nfc-manager", "3.17.2", root="package",
           include=("android/src/main/java",), heldout=True, query_set="heldout19"),
    # Held out, twentieth set (queries/heldout20.jsonl, written 2026-12-07 from reading this code, committed
    # before any search or index ran over it): Go, TypeScript, Rust, PHP
    # Go: go-nmea (NMEA 0183 sentences from GPS, AIS and marine instruments: checksums, talker and type
    # prefixes, TAG blocks, latitude/longitude, time and date fields, a parser per sentence type, custom
    # parsers) as Debian ships it; its tests and go.mod left out
    Source("go-nmea", "deb", "golang-github-adrianmo-go-nmea-dev", "1.7.0-2",
           root="usr/share/gocode/src/github.com/adrianmo/go-nmea",
           include=("aam.go", "ala.go", "apb.go", "bec.go", "bod.go", "bwc.go", "bwr.go", "bww.go", "dbk.go",
                    "dbs.go", "dbt.go", "deprecated.go", "dor.go", "dpt.go", "dsc.go", "dse.go", "dtm.go", "eve.go",
                    "fir.go", "gga.go", "gll.go", "gns.go", "gsa.go", "gsv.go", "hdg.go", "hdm.go", "hdt.go",
                    "hsc.go", "mda.go", "mta.go", "mtk.go", "mtw.go", "mwd.go", "mwv.go", "osd.go", "parser.go",
                    "pgrme.go", "phtro.go", "prdid.go", "psoncms.go", "rmb.go", "rmc.go", "rot.go", "rpm.go",
                    "rsa.go", "rsd.go", "rte.go", "sentence.go", "tagblock.go", "ths.go", "tll.go", "ttm.go",
                    "txt.go", "types.go", "vbw.go", "vdmvdo.go", "vdr.go", "vhw.go", "vlw.go", "vpw.go", "vtg.go",
                    "vwr.go", "vwt.go", "wpl.go", "xdr.go", "xte.go", "zda.go"), heldout=True, query_set="heldout20"),
    # TypeScript: @use-gesture/core (pointer, touch, wheel and scroll gesture recognition: drag, pinch, move,
    # hover, scroll and wheel engines, thresholds, axis locking, bounds with rubberbanding, swipes, velocity,
    # config resolvers, event listeners and the controller), its src/ only; the compiled dist/ left out
    Source("use-gesture", "npm", "@use-gesture/core", "10.3.1", root="package", include=("src",), heldout=True,
           query_set="heldout20"),
    # Rust: lewton (an Ogg Vorbis decoder: identification, comment and setup headers, codebooks and Huffman
    # trees, floor types 0 and 1, residues, channel coupling, the inverse MDCT, windowing and overlap-add, Ogg
    # packet reading and seeking, the C API) as Debian ships it, its src/ without imdct_test.rs; examples left out
    Source("lewton", "deb", "librust-lewton-dev", "0.10.2-1", root="usr/share/cargo/registry/lewton-0.10.2/src",
           include=("audio.rs", "bitpacking.rs", "capi.rs", "header.rs", "header_cached.rs", "huffman_tree.rs",
                    "imdct.rs", "inside_ogg.rs", "lib.rs", "samples.rs"), heldout=True, query_set="heldout20"),
    # PHP: justinrainbow/json-schema (JSON Schema validation, drafts 3 and 4: type, object, array, number,
    # string, enum and format constraints, type coercion and defaults, $ref resolution through schema storage,
    # URI resolution and retrieval, JSON pointers) as Debian ships it; the exception classes and Debian's
    # generated autoload.php left out
    Source("json-schema", "deb", "php-json-schema", "5.2.12-2", root="usr/share/php/JsonSchema",
           include=("Constraints", "Entity", "Iterator", "Rfc3339.php", "SchemaStorage.php",
                    "SchemaStorageInterface.php", "Uri", "UriResolverInterface.php", "UriRetrieverInterface.php",
                    "Validator.php"), heldout=True, query_set="heldout20"),
    # Held out, twenty-first set (queries/heldout21.jsonl, written 2026-12-07 from reading this code, committed
    # before any search or index ran over it): C, Python, Lua, Ruby
    # C: wrapt's C extension (transparent object proxies: forwarding attribute access, comparison, hashing,
    # numeric and in-place operators, sequence and mapping protocols to a wrapped object; function wrappers
    # that bind to instances and classes and call a wrapper with the instance, arguments and keywords), its
    # _wrappers.c only; the pure-Python twins and tests left out
    Source("wrapt", "pypi", "wrapt", "1.16.0", root="wrapt-1.16.0/src/wrapt", include=("_wrappers.c",),
           heldout=True, query_set="heldout21"),
    # Python: pyfiglet (FIGlet ASCII-art banners: font files loaded from packages, zips and paths, font
    # headers and character rows, horizontal smushing rules, layout and justification, text wrapping,
    # colours for terminals), its __init__.py only; the font files, tests and version module left out
    Source("pyfiglet", "pypi", "pyfiglet", "1.0.2", include=("pyfiglet/__init__.py",), heldout=True,
           query_set="heldout21"),
    # Lua: lua-resty-kafka (an Apache Kafka producer for OpenResty: metadata, produce and offset requests
    # in the Kafka wire format, broker connections, response decoding, the async send and ring buffers,
    # partitioning and retries) as Debian ships it
    Source("resty-kafka", "deb", "lua-nginx-kafka", "0.07-1", root="usr/share/lua/5.1", include=("nginx/kafka",),
           heldout=True, query_set="heldout21"),
    # Ruby: pdf-core (low-level PDF writing: serializing Ruby values to PDF objects, indirect references and
    # the object store, content streams and filters, pages and page geometry, graphics state stacks, name
    # trees, outlines, annotations and destinations, rendering the cross-reference table and trailer) as
    # Debian ships it
    Source("pdf-core", "deb", "ruby-pdf-core", "0.9.0-1",
           root="usr/share/rubygems-integration/all/gems/pdf-core-0.9.0/lib", include=("pdf",), heldout=True,
           query_set="heldout21"),
    # Held out, twenty-second set (queries/heldout22.jsonl, written 2026-12-07 from reading this code, committed
    # before any search or index ran over it): C, C++, JavaScript, Rust; its non-English queries mostly Korean and
    # Russian
    # C: libmaxminddb (reading MaxMind DB files, the GeoIP2/GeoLite2 format: the memory-mapped file, the metadata
    # map at the end, the binary search tree of 24-, 28- and 32-bit records walked bit by bit for an IPv4 or IPv6
    # address, the data section's typed values and pointers, lookups by path through maps and arrays, entry data
    # lists and their dump) as the maxminddb sdist vendors it, its src/ and public header; the Python binding, the
    # mmdblookup tool, tests and build files left out
    Source("libmaxminddb", "pypi", "maxminddb", "3.3.0", root="maxminddb-3.3.0/extension/libmaxminddb",
           include=("src/maxminddb.c", "src/data-pool.c", "src/data-pool.h", "src/maxminddb-compat-util.h",
                    "include/maxminddb.h"), heldout=True, query_set="heldout22"),
    # C++: uchardet (guessing a byte stream's character encoding and language: the universal detector, escape,
    # multi-byte and single-byte prober groups, the single-byte sequence model, character distribution and
    # Japanese context analysis, Latin-1 and Hebrew probers, CJK and language detectors, the C API with its weighted
    # candidates) as the cchardet sdist vendors it, its .cpp files only (its .h headers would be read as C); the
    # generated language models, the state-machine tables, the command-line tool and the Cython binding left out
    Source("uchardet", "pypi", "cchardet", "2.4.1", root="cchardet-2.4.1/src/ext/uchardet/src",
           include=("CharDistribution.cpp", "JpCntx.cpp", "nsBig5Prober.cpp", "nsCJKDetector.cpp",
                    "nsCharSetProber.cpp", "nsEUCJPProber.cpp", "nsEUCKRProber.cpp", "nsEUCTWProber.cpp",
                    "nsEscCharsetProber.cpp", "nsGB2312Prober.cpp", "nsHebrewProber.cpp", "nsJohabProber.cpp",
                    "nsLanguageDetector.cpp", "nsLatin1Prober.cpp", "nsMBCSGroupProber.cpp", "nsSBCSGroupProber.cpp",
                    "nsSBCharSetProber.cpp", "nsSJISProber.cpp", "nsUTF8Prober.cpp", "nsUniversalDetector.cpp",
                    "uchardet.cpp"), heldout=True, query_set="heldout22"),
    # JavaScript: teoria (music theory: notes from scientific or Helmholtz names, keys, MIDI numbers and
    # frequencies, intervals with their quality, direction, inversion and compounds, chords from symbols, scales
    # and modes, solfege, durations), its index.js and lib/ (the tarball holds no tests or bundle; its README,
    # licence and lint settings left out)
    Source("teoria", "npm", "teoria", "2.5.0", root="package", include=("index.js", "lib"), heldout=True,
           query_set="heldout22"),
    # Rust: subprocess (spawning child processes: the Popen type with its waits, timeouts, signals and exit
    # statuses, redirections and pipes, communicating with a child without deadlock, the Exec and Pipeline
    # builders, the POSIX fork/exec layer and the Win32 one) as Debian ships it, its src/ without the tests/
    # module folder and the just-echo test binary
    Source("subprocess-rs", "deb", "librust-subprocess-dev", "0.2.4-2",
           root="usr/share/cargo/registry/subprocess-0.2.4/src",
           include=("builder.rs", "communicate.rs", "lib.rs", "os_common.rs", "popen.rs", "posix.rs", "win32.rs"),
           heldout=True, query_set="heldout22"),
    # Held out, twenty-third set (queries/heldout23.jsonl, written 2026-12-07 from reading this code, committed
    # before any search or index ran over it): C++, Go, Python, TypeScript; its non-English queries Chinese,
    # Japanese, French and German
    # C++: backward-cpp (printing a stack trace when a program crashes: capturing the call stack with unwind,
    # backtrace or the Win32 walker, resolving addresses to functions, files and lines through dladdr, BFD, libdw or
    # libdwarf, demangling, source snippets around a line, colours, and installing handlers for fatal signals) as
    # Debian ships it, its single header
    Source("backward-cpp", "deb", "libbackward-cpp-dev", "1.6-1", root="usr/include", include=("backward.hpp",),
           heldout=True, query_set="heldout23"),
    # Go: govaluate (evaluating arbitrary expressions with parameters: the lexer and its states, tokens and their
    # kinds, operator symbols and precedence, the stage planner that builds an evaluation tree, the stage
    # functions for arithmetic, comparison, logic, regex, ternary and accessors, parameter sanitising, SQL output)
    # as Debian ships it, its non-test files
    Source("govaluate", "deb", "golang-github-knetic-govaluate-dev", "3.0.0+git20171022.9aa4983-2",
           root="usr/share/gocode/src/github.com/Knetic/govaluate",
           include=("EvaluableExpression.go", "EvaluableExpression_sql.go", "ExpressionToken.go", "OperatorSymbol.go",
                    "TokenKind.go", "evaluationStage.go", "expressionFunctions.go", "expressionOutputStream.go",
                    "lexerState.go", "lexerStream.go", "parameters.go", "parsing.go", "sanitizedParameters.go",
                    "stagePlanner.go", "tokenStream.go"), heldout=True, query_set="heldout23"),
    # Python: geographiclib (geodesics on the ellipsoid: the direct and inverse problems of Karney's algorithms,
    # geodesic lines and their waypoints, areas and perimeters of geodesic polygons, error-free summation and the
    # small math helpers) as its sdist ships it, the package without its tests
    Source("geographiclib", "pypi", "geographiclib", "2.0", root="geographiclib-2.0/geographiclib",
           include=("__init__.py", "accumulator.py", "constants.py", "geodesic.py", "geodesiccapability.py",
                    "geodesicline.py", "geomath.py", "polygonarea.py"), heldout=True, query_set="heldout23"),
    # TypeScript: math.gl culling (bounding volumes and view-frustum culling for 3D: axis-aligned and oriented
    # boxes, bounding spheres, planes, culling volumes, perspective and off-center frustums, boxes and spheres fitted
    # to points, the symmetric eigen decomposition), @math.gl/culling's TypeScript sources (src/; dist/ is compiled)
    Source("mathgl-culling", "npm", "@math.gl/culling", "4.1.0", root="package", include=("src",), heldout=True,
           query_set="heldout23"),
    # Held out, twenty-fourth set (queries/heldout24.jsonl, written 2026-12-07 from reading this code, committed
    # before any search or index ran over it): C, JavaScript, Go, Java; its non-English queries Russian, German,
    # French, Spanish, Portuguese, Italian, Japanese, Chinese and Korean
    # C: sysv_ipc (System V inter-process communication for Python: semaphores with their undo flag, blocking,
    # timeouts and values, shared memory segments attached, read and written, message queues sent to and received
    # from by type, keys and ftok, permissions, ownership and removal) as its PyPI sdist ships it, its src/ .c files;
    # its headers (declarations only), demos, extras and build scripts left out
    Source("sysv-ipc", "pypi", "sysv_ipc", "1.2.0", root="sysv_ipc-1.2.0/src",
           include=("common.c", "memory.c", "mq.c", "semaphore.c", "sysv_ipc_module.c"), heldout=True,
           query_set="heldout24"),
    # JavaScript: yauzl (reading ZIP archives in Node: finding the end of central directory record, ZIP64
    # locators, central directory entries, extra fields, Unicode and timestamp fields, local file headers, inflating
    # or passing through file data, CRC-32 checks, random-access readers over files and buffers), its index.js,
    # fd-slicer.js and crc32.js; the README and licence left out
    Source("yauzl", "npm", "yauzl", "3.4.0", root="package", include=("index.js", "fd-slicer.js", "crc32.js"),
           heldout=True, query_set="heldout24"),
    # Go: magiconair/properties (Java-style .properties files: the lexer with its states, escapes and Unicode
    # sequences, the parser, loading from files, URLs, strings and bytes in UTF-8 or ISO-8859-1, ${key}
    # expansion with cycle detection, typed getters with defaults, comments, filtering, writing back out, decoding
    # into structs) as Debian ships it, its non-test files; the assert/ helper package used by its tests left out
    Source("go-properties", "deb", "golang-github-magiconair-properties-dev", "1.8.7-1",
           root="usr/share/gocode/src/github.com/magiconair/properties",
           include=("decode.go", "doc.go", "integrate.go", "lex.go", "load.go", "parser.go", "properties.go",
                    "rangecheck.go"), heldout=True, query_set="heldout24"),
    # Java: react-native-contacts' Android sources (the address book through the contacts provider: reading
    # contacts with their names, phones, e-mails, addresses, organisations, birthdays and photos, searching by
    # name, phone or e-mail, adding, updating and deleting contacts and groups, permission checks, the system
    # contact screens); the new- and old-architecture module shims that forward to it, its JavaScript, typings
    # and iOS code left out
    Source("rn-contacts", "npm", "react-native-contacts", "8.0.10", root="package",
           include=("android/src/main/java",), heldout=True, query_set="heldout24"),
    # Held out, twenty-fifth set (queries/heldout25.jsonl, written 2026-12-07 from reading this code, committed
    # before any search or index ran over it): C++, Rust, Python, Lua; its non-English queries Russian, German,
    # French, Spanish, Portuguese, Italian, Japanese, Chinese and Korean
    # C++: TLSH, Trend Micro's locality-sensitive hash (similarity digests of byte streams: the sliding window and
    # its Pearson-hash triplets into buckets, quartile boundaries, the checksum, length and ratio bytes, hex digests
    # with their version prefix, scoring the distance between two digests, the Python extension type, and the
    # command-line helpers' file walking and hashing) as the py-tlsh sdist ships it, its src/ .cpp files and the
    # module; its headers (declarations only), the table generator gen_arr2.cpp and setup scripts left out
    Source("tlsh", "pypi", "py-tlsh", "5.0.0", root="py-tlsh-5.0.0",
           include=("src/input_desc.cpp", "src/shared_file_functions.cpp", "src/tlsh.cpp", "src/tlsh_impl.cpp",
                    "src/tlsh_util.cpp", "tlshmodule.cpp"), heldout=True, query_set="heldout25"),
    # Rust: unicode-bidi (the Unicode Bidirectional Algorithm, UAX #9: paragraphs and their base direction,
    # explicit embeddings, overrides and isolates, isolating run sequences, weak and neutral type resolution,
    # implicit levels, line reordering into visual runs, embedding levels) as Debian ships it, its src/; the
    # generated character tables are data (char_data/tables.rs holds no function)
    Source("unicode-bidi", "deb", "librust-unicode-bidi-dev", "0.3.8-2",
           root="usr/share/cargo/registry/unicode-bidi-0.3.8", include=("src",), heldout=True, query_set="heldout25"),
    # Python: inflect (English word forms: plurals and singulars of nouns, verbs and adjectives, indefinite
    # articles, ordinals, numbers to words, joining lists, comparing word forms, user-defined inflections), its
    # inflect/ package; its tests left out
    Source("inflect", "pypi", "inflect", "7.6.0", root="inflect-7.6.0", include=("inflect",), heldout=True,
           query_set="heldout25"),
    # Lua: LuaDoc (a documentation generator for Lua sources: scanning files for comment blocks, their @tags,
    # function and table declarations, module names, the HTML doclet with its templates and links, the Lua
    # template preprocessor) as Debian's lua-doc ships it, its luadoc/ modules
    Source("luadoc", "deb", "lua-doc", "3.0.1+gitdb9e868-2", root="usr/share/lua/5.1", include=("luadoc",),
           heldout=True, query_set="heldout25"),
    # Held out, twenty-sixth set (queries/heldout26.jsonl, written 2026-12-08 from reading this code, committed
    # before any search or index ran over it): C, Go, JavaScript, TypeScript; its non-English queries Russian,
    # German, French, Spanish, Portuguese, Italian, Japanese, Chinese and Korean
    # C: python-ldap's C extension (an LDAP directory client over OpenLDAP's libldap: binds simple and SASL,
    # searches, adds, modifies, renames, compares, deletes and abandons, reading results and referrals, the
    # modification and attribute lists, server and client controls and their BER encoding, DN parsing, options,
    # errors mapped to exceptions) as its PyPI sdist ships it, its Modules/ .c files; its headers (declarations and
    # generated constants), the Python package Lib/, tests, docs and build scripts left out
    Source("python-ldap", "pypi", "python-ldap", "3.4.8", root="python_ldap-3.4.8/Modules",
           include=("LDAPObject.c", "berval.c", "common.c", "constants.c", "functions.c", "ldapcontrol.c",
                    "ldapmodule.c", "message.c", "options.c"), heldout=True, query_set="heldout26"),
    # Go: pion/rtp (RTP packets for real-time media: the fixed header, CSRCs, one- and two-byte header extensions,
    # padding, marshalling and unmarshalling, the packetizer and sequencer, absolute send time, audio level and
    # transport-wide congestion control extensions, payloaders and depacketizers for H.264, H.265, VP8, VP9, AV1,
    # Opus, G.711 and G.722, AV1 OBUs and LEB128) as Debian ships it, its non-test files; go.mod and go.sum left out
    Source("pion-rtp", "deb", "golang-github-pion-rtp-dev", "1.7.13-1",
           root="usr/share/gocode/src/github.com/pion/rtp",
           include=("abssendtimeextension.go", "audiolevelextension.go", "codecs/av1_packet.go", "codecs/codecs.go",
                    "codecs/common.go", "codecs/error.go", "codecs/g711_packet.go", "codecs/g722_packet.go",
                    "codecs/h264_packet.go", "codecs/h265_packet.go", "codecs/opus_packet.go", "codecs/vp8_packet.go",
                    "codecs/vp9_packet.go", "depacketizer.go", "error.go", "header_extension.go", "packet.go",
                    "packetizer.go", "partitionheadchecker.go", "pkg/frame/av1.go", "pkg/obu/leb128.go", "rand.go",
                    "rtp.go", "sequencer.go", "transportccextension.go"), heldout=True, query_set="heldout26"),
    # JavaScript: mqtt-packet (parsing and generating MQTT 3.1, 3.1.1 and 5.0 control packets: the fixed header and
    # remaining length, CONNECT, CONNACK, PUBLISH, SUBSCRIBE and the rest, MQTT 5 properties and user properties,
    # variable byte integers, the streaming parser and the writer with its cached number buffers), its top-level
    # .js files; the tests, random test and benchmarks left out
    Source("mqtt-packet", "npm", "mqtt-packet", "9.0.2", root="package",
           include=("constants.js", "generate.js", "mqtt.js", "numbers.js", "packet.js", "parser.js",
                    "writeToStream.js"), heldout=True, query_set="heldout26"),
    # TypeScript: @loaders.gl/shapefile (reading ESRI shapefiles: the .shp header and its bounding box, point,
    # polyline, polygon and multipatch records with Z and M values, the .shx index, .dbf attribute tables and their
    # field types and encodings, the .prj and .cpg side files, batched and streaming reading over binary chunks,
    # conversion to Arrow tables and GeoJSON), its src/ TypeScript (dist/ is compiled)
    Source("loaders-shapefile", "npm", "@loaders.gl/shapefile", "4.5.2", root="package", include=("src",),
           heldout=True, query_set="heldout26"),
    # Held out, twenty-seventh set (queries/heldout27.jsonl, written 2026-12-08 from reading this code, committed
    # before any search or index ran over it): C++, Rust, Ruby, PHP; its non-English queries Russian, German, French,
    # Spanish, Portuguese, Italian, Japanese, Chinese and Korean
    # C++: @parcel/watcher (watching a folder tree for file changes: the inotify, kqueue, FSEvents,
    # ReadDirectoryChangesW and watchman backends, the in-memory directory tree with its snapshot files and their
    # diff, the debouncer, ignore paths and globs, the event list, the N-API binding and its promise runner) as its
    # npm tarball ships it, its src/ C++; the wasm backend and the watchman BSER codec left out
    Source("parcel-watcher", "npm", "@parcel/watcher", "2.6.0", root="package/src",
           include=("Backend.cc", "Backend.hh", "Debounce.cc", "Debounce.hh", "DirTree.cc", "DirTree.hh", "Event.hh",
                    "Glob.cc", "Glob.hh", "PromiseRunner.hh", "Signal.hh", "Watcher.cc", "Watcher.hh", "binding.cc",
                    "kqueue", "linux", "macos", "shared", "unix", "watchman/IPC.hh", "watchman/WatchmanBackend.cc",
                    "watchman/WatchmanBackend.hh", "windows"), heldout=True, query_set="heldout27"),
    # Rust: av-metrics (video quality metrics: PSNR and APSNR, PSNR-HVS with its 8x8 integer DCT, SSIM and MS-SSIM
    # with Gaussian windows, CIEDE2000 colour difference from YUV through RGB and CIELAB, scalar and AVX2, chroma
    # realignment, the multi-threaded frame pipeline over a decoder trait) as Debian ships it, its src/
    Source("av-metrics", "deb", "librust-av-metrics-dev", "0.9.0-1",
           root="usr/share/cargo/registry/av-metrics-0.9.0", include=("src",), heldout=True, query_set="heldout27"),
    # Ruby: ruby-jwt (JSON Web Tokens: encoding and decoding, HMAC, RSA, RSA-PSS, ECDSA and EdDSA signing, claim
    # checks for exp, nbf, iat, iss, aud, sub and jti, JWK import and export for EC, RSA and octet keys, key sets and
    # key ids, thumbprints, x5c certificate chains) as Debian ships it, its lib/
    Source("ruby-jwt", "deb", "ruby-jwt", "2.5.0-1+deb12u1",
           root="usr/share/rubygems-integration/all/gems/jwt-2.5.0/lib", include=("jwt.rb", "jwt"), heldout=True,
           query_set="heldout27"),
    # PHP: EasyRdf (RDF: the Turtle, N-Triples, RDF/XML and RDF/JSON parsers, the Turtle, N-Triples and RDF/XML
    # serialisers, graph isomorphism over blank nodes, RFC 3986 URI parsing and resolution, the namespace registry,
    # typed literals) as Debian's php-easyrdf ships it, those files of it; the graph, resource, collection and
    # container classes, the HTTP and SPARQL clients, the format registry, and the RDFa, JSON-LD, RDF/PHP, ARC, rapper
    # and GraphViz parsers and serialisers left out
    Source("easyrdf", "deb", "php-easyrdf", "1.0.0-3", root="usr/share/php/EasyRdf",
           include=("Isomorphic.php", "Literal", "Literal.php", "ParsedUri.php", "Parser.php", "Parser/Json.php",
                    "Parser/Ntriples.php", "Parser/RdfXml.php", "Parser/Turtle.php", "RdfNamespace.php",
                    "Serialiser.php", "Serialiser/Ntriples.php", "Serialiser/RdfXml.php", "Serialiser/Turtle.php",
                    "Utils.php"), heldout=True, query_set="heldout27"),
    # Held out, twenty-eighth set (queries/heldout28.jsonl, written 2026-12-08 from reading this code, committed
    # before any search or index ran over it): C, Go, Python, Java; its non-English queries Russian, German, French,
    # Spanish, Portuguese, Italian, Japanese, Chinese and Korean
    # C: yappi's C extension (a deterministic profiler for Python: the profile hook on calls, returns and builtin
    # calls, per-function and per-caller call counts and total and own times, recursion levels, coroutine wall time,
    # per-thread and greenlet contexts, wall and CPU clocks, tags, stat enumeration with filters, and its own hash
    # table, call stack, free lists, allocation accounting and thread-local keys) as its PyPI sdist ships it, its
    # yappi/ .c files; its headers (declarations and macros), the Python layer yappi.py, tests and build files left out
    Source("yappi", "pypi", "yappi", "1.7.6", root="yappi-1.7.6/yappi",
           include=("_yappi.c", "callstack.c", "freelist.c", "hashtab.c", "mem.c", "timing.c", "tls.c"), heldout=True,
           query_set="heldout28"),
    # Go: mimetype (detecting a file's MIME type from its leading bytes: the detector tree with parents and aliases,
    # magic numbers at offsets, ZIP entry names for office and Java archives, OLE compound file class ids, Matroska
    # doc types, ftyp brands, XML root elements, shebang lines, CSV and JSON checks, a JSON scanner state machine,
    # and the charset of text, HTML and XML) as Debian ships it, its non-test files; tests and testdata left out
    Source("go-mimetype", "deb", "golang-github-gabriel-vasile-mimetype-dev", "1.4.1+dfsg1-2",
           root="usr/share/gocode/src/github.com/gabriel-vasile/mimetype",
           include=("mime.go", "mimetype.go", "tree.go", "internal/charset/charset.go", "internal/json/json.go",
                    "internal/magic/archive.go", "internal/magic/audio.go", "internal/magic/binary.go",
                    "internal/magic/database.go", "internal/magic/document.go", "internal/magic/font.go",
                    "internal/magic/ftyp.go", "internal/magic/geo.go", "internal/magic/image.go",
                    "internal/magic/magic.go", "internal/magic/ms_office.go", "internal/magic/ogg.go",
                    "internal/magic/text.go", "internal/magic/text_csv.go", "internal/magic/video.go",
                    "internal/magic/zip.go"), heldout=True, query_set="heldout28"),
    # Python: PLY (lex and yacc for Python: lexers built from token rules and states, grammars from rule docstrings,
    # FIRST and FOLLOW sets, LR(0) items, SLR and LALR(1) tables with DeRemer and Pennello's lookaheads, conflict
    # resolution by precedence, table files, the LR parsing engine, and a C preprocessor) as its sdist ships it, its
    # ply/ package; its tests, examples and docs left out
    Source("ply", "pypi", "ply", "3.11", root="ply-3.11", include=("ply",), heldout=True, query_set="heldout28"),
    # Java: react-native-code-push's Android sources (over-the-air updates of an app's JavaScript bundle: downloading
    # and unzipping update packages, diff updates, SHA-256 hashes of update contents, JWT signature checks, installing,
    # pending and failed updates, rollbacks, restarts, deployment status reports, JSON conversions); its exception
    # classes, enums and interfaces, JavaScript, iOS code and build scripts left out
    Source("rn-code-push", "npm", "react-native-code-push", "9.0.1", root="package/android/app/src/main/java",
           include=("com/microsoft/codepush/react/CodePush.java", "com/microsoft/codepush/react/CodePushBuilder.java",
                    "com/microsoft/codepush/react/CodePushConstants.java",
                    "com/microsoft/codepush/react/CodePushDialog.java",
                    "com/microsoft/codepush/react/CodePushNativeModule.java",
                    "com/microsoft/codepush/react/CodePushTelemetryManager.java",
                    "com/microsoft/codepush/react/CodePushUpdateManager.java",
                    "com/microsoft/codepush/react/CodePushUpdateUtils.java",
                    "com/microsoft/codepush/react/CodePushUtils.java",
                    "com/microsoft/codepush/react/DownloadProgress.java",
                    "com/microsoft/codepush/react/FileUtils.java",
                    "com/microsoft/codepush/react/SettingsManager.java",
                    "com/microsoft/codepush/react/TLSSocketFactory.java"), heldout=True, query_set="heldout28"),
]
# packages no CSN query is drawn from (all held-out sets)
HELDOUT: frozenset[str] = frozenset(s.name for s in SOURCES if s.heldout)
# fmt: on


def query_set_packages(query_set: str) -> frozenset[str]:
    """The packages of one held-out set after the first (``heldout2`` ... ``heldout28``): its queries target only
    these (``tests/benchmarks/test_split.py``)."""
    return frozenset(s.name for s in SOURCES if s.query_set == query_set)


CODE_EXTENSIONS: dict[str, str] = {
    ".py": "python", ".js": "javascript", ".mjs": "javascript", ".cjs": "javascript", ".ts": "typescript",
    ".tsx": "typescript", ".java": "java", ".kt": "kotlin", ".go": "go", ".rs": "rust", ".c": "c",
    ".h": "c", ".cc": "cpp", ".cpp": "cpp", ".hpp": "cpp", ".rb": "ruby", ".php": "php", ".lua": "lua",
}  # fmt: skip


def run(cmd: list[str], cwd: Path) -> None:
    """Run a registry client; raise with its stderr when it fails."""
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {done.stderr.strip()[-800:]}")


def download(src: Source) -> Path:
    """Download the package archive (cached under data/downloads/) and return its path."""
    dest = DOWNLOADS / src.registry / f"{src.package}-{src.version}"
    dest.mkdir(parents=True, exist_ok=True)
    found = [p for p in dest.iterdir() if p.is_file()]
    if found:
        return found[0]
    if src.registry == "pypi":
        base = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", "-q", "-d", "."]
        try:
            run([*base, "--no-build-isolation", f"{src.package}=={src.version}"], dest)
        except RuntimeError:
            run([*base, f"{src.package}=={src.version}"], dest)
    elif src.registry == "npm":
        run(["npm", "pack", "--silent", f"{src.package}@{src.version}"], dest)
    elif src.registry == "deb":
        run(["apt-get", "download", f"{src.package}={src.version}"], dest)
    else:
        raise ValueError(f"unknown registry {src.registry}")
    return next(p for p in dest.iterdir() if p.is_file())


def unpack(archive: Path, into: Path) -> None:
    """Unpack a .tar.gz/.tgz/.zip/.deb archive into `into`."""
    if archive.suffix == ".deb":
        run(["dpkg-deb", "-x", str(archive), str(into)], into)
    elif archive.suffix == ".zip":
        shutil.unpack_archive(archive, into)
    else:
        with tarfile.open(archive) as tar:
            tar.extractall(into, filter="data")


def source_root(src: Source, unpacked: Path) -> Path:
    """The folder inside the unpacked archive that becomes the corpus root."""
    if src.root:
        return unpacked / src.root
    tops = [p for p in unpacked.iterdir() if p.is_dir()]
    return tops[0] if len(tops) == 1 else unpacked  # sdists unpack to NAME-VERSION/


def fetch(src: Source) -> bool:
    """Fetch one package into CORPUS/<name>; return False when it was already there."""
    target = CORPUS / src.name
    if (target / MARKER).exists():
        return False
    archive = download(src)
    with tempfile.TemporaryDirectory(dir=DATA) as tmp:
        unpacked = Path(tmp)
        unpack(archive, unpacked)
        root = source_root(src, unpacked)
        if target.exists():
            shutil.rmtree(target)
        if src.include:
            target.mkdir(parents=True)
            for sub in src.include:
                if (root / sub).is_file():
                    (target / sub).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(root / sub, target / sub)
                else:
                    shutil.copytree(root / sub, target / sub, symlinks=True)
        else:
            shutil.copytree(root, target, symlinks=True)
    (target / MARKER).write_text(json.dumps(asdict(src) | {"archive": archive.name}, indent=1))
    return True


def code_counts(folder: Path) -> Counter[str]:
    """Files and lines per programming language (by extension) under a folder."""
    counts: Counter[str] = Counter()
    for path in folder.rglob("*"):
        lang = CODE_EXTENSIONS.get(path.suffix)
        if lang and path.is_file() and not path.name.endswith(".d.ts"):
            counts[f"{lang}:files"] += 1
            source = path.read_bytes()
            counts[f"{lang}:lines"] += source.count(b"\n")
            ts_lang = language_for(path)
            if ts_lang:
                counts[f"{lang}:functions"] += len(extract_functions(source, ts_lang))
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", help="comma-separated corpus names to fetch")
    args = parser.parse_args(argv)
    wanted = set(args.only.split(",")) if args.only else None
    CORPUS.mkdir(parents=True, exist_ok=True)
    total: Counter[str] = Counter()
    failed: list[str] = []
    for src in SOURCES:
        if wanted and src.name not in wanted:
            continue
        try:
            fetched = fetch(src)
        except (RuntimeError, OSError, StopIteration) as err:
            print(f"FAILED {src.name}: {err}", file=sys.stderr)
            failed.append(src.name)
            continue
        counts = code_counts(CORPUS / src.name)
        total.update(counts)
        summary = ", ".join(
            f"{k.split(':')[0]} {counts[k]} files/{counts[k.replace('files', 'lines')]} lines"
            for k in sorted(counts)
            if k.endswith(":files")
        )
        print(
            f"{'fetched' if fetched else 'present'} {src.name} ({src.registry} {src.package} {src.version}): {summary}"
        )
    print("\ntotal by language:")
    for key in sorted(k for k in total if k.endswith(":files")):
        lang = key.split(":")[0]
        print(
            f"  {lang:<11} {total[key]:>5} files {total[lang + ':lines']:>7} lines "
            f"{total[lang + ':functions']:>6} functions"
        )
    print(f"  {'all':<11} {sum(v for k, v in total.items() if k.endswith(':files')):>5} files "
          f"{sum(v for k, v in total.items() if k.endswith(':lines')):>7} lines "
          f"{sum(v for k, v in total.items() if k.endswith(':functions')):>6} functions")  # fmt: skip
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
