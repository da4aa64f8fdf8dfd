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
"""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

from myhdl import Cosimulation

from ..blocks import BlockSpec
from ..convert import Mutant, convert_block, params_key
from ..tools import BUILD_DIR, tool

BACKENDS = ("myhdl", "icarus")
COSIM_DIR = BUILD_DIR / "cosim"
_lock = threading.Lock()
_compiled: dict[str, tuple[Path, str]] = {}


def _myhdl_vpi_source() -> Path:
    src = Path(sys.prefix) / "share" / "myhdl" / "cosimulation" / "icarus" / "myhdl.c"
    if not src.exists():
        raise FileNotFoundError(f"MyHDL's VPI source {src} is missing: reinstall myhdl==0.11.52 into the .venv (`make clean && make`)")
    return src


def build_vpi() -> Path:
    """Compile MyHDL's Icarus VPI module once; returns the path of ``myhdl.vpi``."""
    out = COSIM_DIR / "myhdl.vpi"
    with _lock:
        if out.exists():
            return out
        COSIM_DIR.mkdir(parents=True, exist_ok=True)
        src = _myhdl_vpi_source()
        tmp = COSIM_DIR / "vpi_build"
        tmp.mkdir(exist_ok=True)
        proc = subprocess.run([tool("iverilog-vpi"), str(src), str(src.with_name("myhdl_table.c"))],
                              cwd=tmp, capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"building MyHDL's VPI module failed:\n{proc.stdout}\n{proc.stderr}")
        (tmp / "myhdl.vpi").replace(out)
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
    """Convert and compile ``spec`` for co-simulation; cached per parameter set. ``(vvp, module)``."""
    key = f"{spec.name}_{params_key(params, mutant)}"
    with _lock:
        if key in _compiled:
            return _compiled[key]
    module = f"{spec.name}_{params_key(params, mutant)}"
    work = COSIM_DIR / module
    verilog = convert_block(spec, params, work, module, testbench=True, mutant=mutant)
    tb = f"tb_{module}"
    dump = work / "vcd_dump.v"
    dump.write_text(_DUMP_MODULE.format(tb=tb))
    vvp = work / f"{module}.vvp"
    proc = subprocess.run([tool("iverilog"), "-o", str(vvp), "-s", tb, "-s", "fast_prefill_vcd_dump",
                           str(verilog), str(work / f"{tb}.v"), str(dump)], capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"iverilog failed on {verilog}:\n{proc.stdout}\n{proc.stderr}")
    with _lock:
        _compiled[key] = (vvp, module)
    return vvp, module


def dut(spec: BlockSpec, params: dict, ports: dict, backend: str, vcd: Path | None = None,
        mutant: Mutant | None = None):
    """The device under test on ``ports``: the MyHDL block itself, or its Verilog under Icarus."""
    if backend not in BACKENDS:
        raise ValueError(f"cosim field 'backend' = {backend!r} is not allowed: must be one of {BACKENDS}")
    if backend == "myhdl":
        if mutant is not None:
            raise ValueError("cosim field 'mutant' is only allowed with backend 'icarus' (mutants edit the Verilog)")
        inst, _ = spec.instantiate(params, ports)
        return inst
    vpi = build_vpi()
    vvp, _ = compile_icarus(spec, params, mutant)
    cmd = f"{tool('vvp')} -M {vpi.parent} -m myhdl {vvp}"
    if vcd is not None:
        Path(vcd).parent.mkdir(parents=True, exist_ok=True)
        cmd += f" +vcd={Path(vcd).resolve()}"
    return Cosimulation(cmd, **ports)
