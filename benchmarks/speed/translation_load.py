"""What translating a query costs a fresh process (a CLI search), per language: cold (the dictionary is
compiled into an empty cache folder first), warm (compiled already: opened and looked up), and a second query
in the same process; an English query is the baseline (nothing is loaded for it).

    python -m benchmarks.speed.translation_load [--repeat 3]

Each figure is the median over ``--repeat`` fresh processes of the time ``analyse_query`` takes (interpreter
start and imports excluded), in milliseconds. Reads the dictionaries installed on this machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

QUERIES = {
    "en": "read the configuration file",
    "de": "die Konfigurationsdatei beim Start einlesen",
    "fr": "lire le fichier de configuration au démarrage",
    "es": "leer el archivo de configuración al iniciar",
    "pt": "ler o arquivo de configuração na inicialização",
    "it": "leggere il file di configurazione all'avvio",
    "ru": "прочитать файл конфигурации при запуске",
    "zh": "读取配置文件",
    "ja": "設定ファイルを読み込む",
}

CHILD = """
import json, sys, time
from codesearch.query import analyse_query
first, second = sys.argv[1], sys.argv[2]
t = time.perf_counter(); terms = analyse_query(first).translated; a = time.perf_counter() - t
t = time.perf_counter(); analyse_query(second); b = time.perf_counter() - t
print(json.dumps({"first_ms": a * 1000, "second_ms": b * 1000, "terms": len(terms)}))
"""


def _child(query: str, cache: str) -> dict[str, float]:
    env = dict(os.environ, XDG_CACHE_HOME=cache)
    done = subprocess.run(
        [sys.executable, "-c", CHILD, query, query + " zwei"], capture_output=True, text=True, env=env, check=True
    )
    result: dict[str, float] = json.loads(done.stdout)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    print("| language | cold: compile + first query (ms) | warm: first query (ms) | next query (ms) | terms |")
    print("| --- | --- | --- | --- | --- |")
    for language, query in QUERIES.items():
        cold, warm, later = [], [], []
        terms = 0.0
        for _ in range(args.repeat):
            with tempfile.TemporaryDirectory() as cache:
                first = _child(query, cache)
                cold.append(first["first_ms"])
                again = _child(query, cache)
                warm.append(again["first_ms"])
                later.append(again["second_ms"])
                terms = again["terms"]
        print(
            f"| {language} | {statistics.median(cold):.0f} | {statistics.median(warm):.1f} | "
            f"{statistics.median(later):.2f} | {terms:.0f} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
