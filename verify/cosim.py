"""Run a block as MyHDL or as its converted Verilog under Icarus, behind one interface.

Mechanism: MyHDL's own VPI co-simulation. The ``myhdl.c`` VPI module ships in the myhdl wheel
(``<venv>/share/myhdl/cosimulation/icarus/``); :func:`build_vpi` compiles it once with
``iverilog-vpi`` into ``build/cosim/myhdl.vpi``. For the ``icarus`` backend the block is converted
by :func:`fast_prefill.convert.convert_block` (the same function ``make verilog`` uses) together
with MyHDL's generated ``tb_<module>.v``, compiled once per parameter set, and driven by the very
same Python test bench generators as the MyHDL model, cycle for cycle.

MyHDL's VPI bridge passes no X or Z values: a Verilog output that is (partly) undefined keeps its
previous value on the Python side. Outputs are therefore reset or only sampled while valid.

A VCD of the Verilog run is written when ``vcd`` is given (a ``+vcd=`` plusarg read by a small
dump module compiled beside the test bench).

Parallel safety (pytest-xdist workers, or several test runs and ``fast-prefill bench`` at once all
share ``build/cosim/``): every file is built in a private temporary folder and published with one
atomic ``rename``; a process never writes into a folder another one may read. The VPI module is
built under an exclusive file lock. Compiled models are reused across processes and runs from an
on-disk cache keyed by the block, its parameters, the mutant and a hash of the Python sources that
produce the Verilog (every loaded ``fast_prefill`` module and the MyHDL version); when a source file
changed after this process loaded it, the on-disk cache is bypassed (converted afresh, not stored).
"""

from __future__ import annotations

import atexit
import fcntl
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from myhdl import Cosimulation

from ..blocks import BlockSpec
from .. import hierarchy
from ..convert import Mutant, convert_block, params_key
from ..profile import phase
from ..sources import prune_stale, source_hash
from ..tools import BUILD_DIR, tool

BACKENDS = ("myhdl", "icarus", "verilator")
COSIM_DIR = BUILD_DIR / "cosim"
_lock = threading.Lock()
_compiled: dict[str, tuple[Path, str]] = {}


def _myhdl_vpi_source() -> Path:
    src = Path(sys.prefix) / "share" / "myhdl" / "cosimulation" / "icarus" / "myhdl.c"
    if not src.exists():
        raise FileNotFoundError(f"MyHDL's VPI source {src} is missing: reinstall myhdl==0.11.52 into the .venv (`make clean && make`)")
    return src


def build_vpi() -> Path:
    """Compile MyHDL's Icarus VPI module once; returns the path of ``myhdl.vpi``.

    Safe when several processes call it at once: an exclusive lock on ``myhdl.vpi.lock`` serialises
    the build, which happens in a private temporary folder and ends with an atomic rename.
    """
    out = COSIM_DIR / "myhdl.vpi"
    if out.exists():
        return out
    with _lock:
        COSIM_DIR.mkdir(parents=True, exist_ok=True)
        with open(COSIM_DIR / "myhdl.vpi.lock", "w") as lockf:
            fcntl.flock(lockf, fcntl.LOCK_EX)
            try:
                if out.exists():
                    return out
                src = _myhdl_vpi_source()
                tmp = Path(tempfile.mkdtemp(prefix=".vpi_build-", dir=COSIM_DIR))
                try:
                    proc = subprocess.run([tool("iverilog-vpi"), str(src), str(src.with_name("myhdl_table.c"))],
                                          cwd=tmp, capture_output=True, text=True)
                    if proc.returncode != 0:
                        raise RuntimeError(f"building MyHDL's VPI module failed:\n{proc.stdout}\n{proc.stderr}")
                    (tmp / "myhdl.vpi").replace(out)
                finally:
                    shutil.rmtree(tmp, ignore_errors=True)
            finally:
                fcntl.flock(lockf, fcntl.LOCK_UN)
    return out


_DUMP_MODULE = """`timescale 1ns/10ps
module fast_prefill_vcd_dump;
  reg [8*512-1:0] vcd_file;
  initial begin
    if ($value$plusargs("vcd=%s", vcd_file)) begin
      $dumpfile(vcd_file);
      $dumpvars(0, {tb});
    end
  end
endmodule
"""


def compile_icarus(spec: BlockSpec, params: dict, mutant: Mutant | None = None) -> tuple[Path, str]:
    """Convert and compile ``spec`` for co-simulation; cached per parameter set. ``(vvp, module)``.

    The compiled model lives in ``build/cosim/<module>-<source hash>/``: built in a private
    temporary folder, then published by an atomic rename (the first process to finish wins; the
    others use its folder), so concurrent processes never see a half-written model.
    """
    module = f"{spec.name}_{params_key(params, mutant)}"
    with _lock:
        if module in _compiled and _compiled[module][0].exists():
            return _compiled[module]
    COSIM_DIR.mkdir(parents=True, exist_ok=True)
    src = source_hash(spec)
    final = COSIM_DIR / f"{module}-{src}" if src else None
    vvp_name = f"{module}.vvp"
    if final is not None and (final / vvp_name).exists():
        try:
            os.utime(final)   # in use: not pruned
        except OSError:
            pass
        result = (final / vvp_name, module)
    else:
        work = Path(tempfile.mkdtemp(prefix=f".{module}-", dir=COSIM_DIR))
        try:
            verilog = convert_block(spec, params, work, module, testbench=True, mutant=mutant)
            tb = f"tb_{module}"
            dump = work / "vcd_dump.v"
            dump.write_text(_DUMP_MODULE.format(tb=tb))
            sources = [str(p.relative_to(work)) for p in hierarchy.source_files(verilog)]
            with phase("iverilog"):
                proc = subprocess.run([tool("iverilog"), "-o", str(work / vvp_name), "-s", tb,
                                       "-s", "fast_prefill_vcd_dump", *sources, f"{tb}.v", dump.name],
                                      capture_output=True, text=True, cwd=work)
            if proc.returncode != 0:
                raise RuntimeError(f"iverilog failed on {verilog}:\n{proc.stdout}\n{proc.stderr}")
            if final is None:
                # sources changed under this process: a private folder, never reused, removed at exit
                final = COSIM_DIR / f"{module}-private-{os.getpid()}"
                shutil.rmtree(final, ignore_errors=True)
                atexit.register(shutil.rmtree, final, True)
            try:
                os.rename(work, final)
            except OSError:
                if not (final / vvp_name).exists():   # neither published nor usable: report it
                    raise
                shutil.rmtree(work, ignore_errors=True)   # another process published it first
            else:
                prune_stale(COSIM_DIR, f"{module}-*", keep=final)
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise
        result = (final / vvp_name, module)
    with _lock:
        _compiled[module] = result
    return result


_verilator_builds: dict = {}   # (converted design, harness, trace) -> Build, for this process


def verilator_build(vvp: Path, module: str, harness: str, trace: str | None = None):
    """The Verilator build of ``harness`` (``stream_bench.cpp`` or ``cosim_bridge.cpp``) for the
    design :func:`compile_icarus` compiled at ``vvp`` (its folder names the converted sources, so the
    build is the same): cached on disk by the build itself and, without re-hashing, in this process."""
    from .verilator import build as vb

    key = (str(vvp), harness, trace)
    b = _verilator_builds.get(key)
    if b is None or not b.exe.exists():
        b = _verilator_builds[key] = vb.build(vvp.parent / f"{module}.v", module, trace=trace, harness=harness)
    return b


def dut(spec: BlockSpec, params: dict, ports: dict, backend: str, vcd: Path | None = None,
        mutant: Mutant | None = None):
    """The device under test on ``ports``: the MyHDL block itself, or its converted Verilog under
    Icarus (MyHDL's VPI module) or Verilator (``verify/verilator/cosim_bridge.cpp``, which speaks
    the same protocol; no waveform: ``vcd`` is refused)."""
    if backend not in BACKENDS:
        raise ValueError(f"cosim field 'backend' = {backend!r} is not allowed: must be one of {BACKENDS}")
    if backend == "myhdl":
        if mutant is not None:
            raise ValueError("cosim field 'mutant' is only allowed with backend 'icarus' (mutants edit the Verilog)")
        inst, _ = spec.instantiate(params, ports)
        return inst
    if backend == "verilator":
        if vcd is not None:
            raise ValueError("cosim field 'vcd' is only allowed with backend 'icarus' (rerun a failure there)")
        from .verilator import build as vb

        vvp, module = compile_icarus(spec, params, mutant)   # the converted files, cached per parameter set
        return Cosimulation(vb.cosim_command(verilator_build(vvp, module, "cosim_bridge.cpp")), **ports)
    vpi = build_vpi()
    vvp, _ = compile_icarus(spec, params, mutant)
    cmd = f"{tool('vvp')} -M {vpi.parent} -m myhdl {vvp}"
    if vcd is not None:
        Path(vcd).parent.mkdir(parents=True, exist_ok=True)
        cmd += f" +vcd={Path(vcd).resolve()}"
    return Cosimulation(cmd, **ports)
