"""schemathesis (property-based, from the OpenAPI spec) against a real ``codesearch serve``: no 5xx, ever.

Every check runs on every route, except ``positive_data_acceptance`` on two:
- ``/v1/embeddings``: its request model (``codesearch.api.embeddings``, OpenAI's shape) admits an empty string
  that the route then refuses with a documented 400;
- ``/search``: its filters (``lang``, ``kind``, ``repo``) are strings checked against what the index holds, as
  the CLI's flags are (aliases accepted: ``golang``, ``func``); any other value is a 400 that lists the valid
  ones (``tests/api/test_server.py``). The schema cannot list the repositories of an index it does not know.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

TOKEN = "schemathesis-token-0123456789"


def _schemathesis() -> list[str]:
    found = shutil.which("schemathesis") or str(Path(sys.executable).with_name("schemathesis"))
    return [found]


@pytest.mark.slow
def test_schemathesis_finds_no_server_error_and_no_spec_violation(api_index, cli_server, tmp_path) -> None:
    with cli_server(api_index.index_dir, "--token", TOKEN) as url:
        common = [
            *_schemathesis(), "run", f"{url}/openapi.json", "-H", f"Authorization: Bearer {TOKEN}",
            "--max-examples", "40", "--seed", "1", "--no-color", "--checks", "all",
        ]  # fmt: skip
        open_values = ["/v1/embeddings", "/search"]  # a schema-valid value may get a documented 400
        runs = {
            "api": [*common, *(arg for path in open_values for arg in ("--exclude-path", path))],
            **{
                path: [*common, "--include-path", path, "--exclude-checks", "positive_data_acceptance"]
                for path in open_values
            },
        }
        for name, cmd in runs.items():
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=540, cwd=tmp_path)
            assert done.returncode == 0, f"{name}:\n{done.stdout[-6000:]}\n{done.stderr[-2000:]}"
            assert "[5" not in done.stdout  # no 5xx response shown anywhere in the run
