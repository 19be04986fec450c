"""The Neovim plugin (editors/nvim) run headless against a real ``codesearch serve`` on 127.0.0.1.

The test needs ``nvim`` (0.7+) and ``curl`` on PATH; CI images without them skip it with that reason.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PLUGIN = ROOT / "editors" / "nvim"
TOKEN = "nvim-test-token-0123456789"


@pytest.mark.skipif(shutil.which("nvim") is None, reason="nvim not installed")
@pytest.mark.skipif(shutil.which("curl") is None, reason="curl not installed")
def test_quickfix_picker_and_jump_against_a_real_server(api_index, cli_server, cli_environ, tmp_path) -> None:
    out = tmp_path / "nvim.json"
    with cli_server(api_index.index_dir, "--token", TOKEN) as url:
        env = {**os.environ, "CS_URL": url, "CS_TOKEN": TOKEN, "CS_OUT": str(out)}
        env.pop("CODESEARCH_TOKEN", None)
        cmd = [
            "nvim", "--headless", "-u", "NONE", "-i", "NONE", "-n",
            "--cmd", f"set rtp^={PLUGIN}", "--cmd", "runtime! plugin/codesearch.lua",
            "-c", f"luafile {Path(__file__).parent / 'nvim_check.lua'}",
        ]  # fmt: skip
        done = subprocess.run(cmd, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    result = json.loads(out.read_text())
    assert "lua_error" not in result, result["lua_error"]

    tokens = str(api_index.root / "src/auth/tokens.py")
    assert result["title"] == "codesearch: hash a password with a salt"
    assert 1 <= len(result["items"]) <= 5
    first = result["items"][0]
    assert first["file"].endswith("src/auth/tokens.py") and first["lnum"] == 5
    assert "hash_password" in first["text"] and "python" in first["text"]
    assert result["after_jump"] == {"file": tokens, "line": 5}  # :CodeSearch! jumped to file:line

    assert result["picker_prompt"].startswith("codesearch: merge environment")
    assert result["picker_first"].startswith("config/load.go:")
    assert result["after_pick"]["file"] != "" and result["after_pick"]["line"] >= 1
    assert {hit["language"] for hit in result["filtered"]} == {"go"}
    assert isinstance(result["job"], str) and len(result["job"]) == 12

    assert result["bad_token"]["err"].startswith("401") and "bearer token" in result["bad_token"]["err"]
    assert "cannot reach" in result["unreachable"]["err"]
