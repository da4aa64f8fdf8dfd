"""Static checks of Vivado/Vitis Tcl and XDC files without Vivado: ``tclsh`` with stub commands.

``vivado_stubs.tcl`` runs a script in a child Tcl interpreter in which every allowed Vivado command
is a stub that checks its flags against an allow-list, checks that the files it is given exist,
records the call and returns a dummy value. An unknown command or flag, a missing file, a Tcl
syntax error (an unbalanced brace) or, in an ``.xdc`` file, any procedural Tcl fails the run.

    result = check_script(path, cwd=path.parent)   # "tcl" mode; .xdc files it reads are checked too
    result = check_xdc(path)                         # "xdc" mode
    result.ok, result.calls, result.error
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

STUBS = Path(__file__).resolve().parent / "vivado_stubs.tcl"


class TclshMissing(RuntimeError):
    """``tclsh`` is not installed (Debian package ``tcl``)."""


def tclsh() -> str:
    found = shutil.which("tclsh")
    if not found:
        raise TclshMissing("required tool 'tclsh' was not found: install the Debian package 'tcl' "
                           "(apt-get install tcl; scripts/bootstrap.sh does it when run as root)")
    return found


@dataclass
class TclCheck:
    script: Path
    mode: str
    ok: bool
    calls: list[list[str]] = field(default_factory=list)
    error: str = ""

    def commands(self) -> list[str]:
        return [c[0] for c in self.calls]

    def find(self, name: str) -> list[list[str]]:
        """Every recorded call of ``name`` (the command word first)."""
        return [c for c in self.calls if c and c[0] == name]


def _parse_log(text: str) -> list[list[str]]:
    # Each line is a Tcl list; split it with tclsh-compatible rules (braces, quotes, spaces).
    calls = []
    for line in text.splitlines():
        if line.strip():
            calls.append(_tcl_list(line))
    return calls


def _tcl_list(s: str) -> list[str]:
    """Split a canonical Tcl list (as written by ``puts $list``) into its elements."""
    out, i, n = [], 0, len(s)
    while i < n:
        while i < n and s[i].isspace():
            i += 1
        if i >= n:
            break
        if s[i] == "{":
            depth, j = 1, i + 1
            while j < n and depth:
                if s[j] == "\\":
                    j += 2
                    continue
                depth += {"{": 1, "}": -1}.get(s[j], 0)
                j += 1
            out.append(s[i + 1:j - 1])
            i = j
        else:
            j, word = i, []
            while j < n and not s[j].isspace():
                if s[j] == "\\" and j + 1 < n:
                    word.append(s[j + 1])
                    j += 2
                    continue
                word.append(s[j])
                j += 1
            out.append("".join(word))
            i = j
    return out


def _run(mode: str, script: Path, args: tuple[str, ...], cwd: Path | None, board_parts: str | None) -> TclCheck:
    script = Path(script).resolve()
    cwd = Path(cwd) if cwd else script.parent
    env = dict(os.environ)
    if board_parts is not None:
        env["FAST_PREFILL_STUB_BOARD_PARTS"] = board_parts
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "calls.log"
        proc = subprocess.run([tclsh(), str(STUBS), mode, str(log), str(script), *args], cwd=cwd,
                              capture_output=True, text=True, env=env, timeout=120)
        calls = _parse_log(log.read_text()) if log.exists() else []
    error = (proc.stderr or "").strip()
    return TclCheck(script, mode, proc.returncode == 0, calls, error)


def check_script(script: Path, args: tuple[str, ...] = (), cwd: Path | None = None,
                 board_parts: str | None = None) -> TclCheck:
    """Run a Vivado Tcl script under the stubs (``tcl`` mode) from ``cwd`` (default: its folder)."""
    return _run("tcl", script, tuple(args), cwd, board_parts)


def check_xdc(path: Path, cwd: Path | None = None) -> TclCheck:
    """Check an ``.xdc`` file: only XDC commands (UG903), allowed flags, balanced Tcl."""
    return _run("xdc", Path(path).resolve(), (), cwd, None)
