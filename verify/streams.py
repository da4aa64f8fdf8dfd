"""Cycle-accurate stream test bench: sources with idle cycles, sinks with back-pressure, monitors.

:func:`run_stream_bench` drives a registered block's ``s_*`` input streams from lists of beats and
watches its ``m_*`` output streams, on the MyHDL model or on the converted Verilog under Verilator
(``verify/verilator/stream_bench.cpp``, the same bench in C++, one process per run) or Icarus (MyHDL's
VPI co-simulation of :mod:`fast_prefill.verify.cosim`). The same beats and the same idle/stall
patterns give the same cycle-by-cycle behaviour on all three, so a test can compare the MyHDL model,
the converted Verilog and a numpy reference in one run. ``BACKENDS`` (MyHDL and Verilator) is what
the block tests use; Icarus writes the waveform of a failing Verilog run and stays selectable.

Patterns are lists of booleans indexed by cycle modulo their length: ``idle[c]`` keeps a source's
``valid`` low in cycle ``c``; ``stall[c]`` keeps a sink's ``ready`` low.

Every output stream is checked by a monitor for the valid/ready rules: once ``valid`` is high
without ``ready`` it stays high and ``data`` does not change until the beat moves.

:func:`check_bench` is the checking loop the block benches share (``verify/bench/sig/harness.py``,
``verify/bench/sig/query_aware.py``, ``verify/bench/mpu.py``, :func:`check_passthrough`): the same run on every
backend, the outputs judged by a ``mismatch`` function (:func:`beats_mismatch` for exact beat lists),
the stream rules, completion, cycle-for-cycle agreement, and a waveform of a failing Verilog run.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from myhdl import StopSimulation, always, instance

from ..blocks import BlockSpec
from ..convert import Mutant
from ..myhdl_speed import forget_signals
from ..profile import phase, sim_phase
from .backend_rule import backends_for_run
from .cosim import compile_icarus, dut, verilator_build
from .sim import clock_gen, run_simulation

RESET_CYCLES = 2
# The stream bench runs on these: the MyHDL model, and the converted Verilog under Verilator (a
# generated C++ bench, verify/verilator/stream_bench.cpp: no process switch per cycle) or under
# Icarus (MyHDL's VPI co-simulation, one process switch per signal change: slow when the machine is busy).
BACKENDS = ("myhdl", "verilator")
# For a test that sweeps a block's parameters (a new design per example), Icarus: it compiles a small
# block in well under a second, Verilator in about 5 s, and these simulations are short.
SWEPT_BACKENDS = ("myhdl", "icarus")
ALL_STREAM_BACKENDS = ("myhdl", "verilator", "icarus")
VERILOG_BACKENDS = ("verilator", "icarus")


@dataclass
class BenchResult:
    outputs: dict[str, list[int]] = field(default_factory=dict)       # per m_ stream: data beats
    out_cycles: dict[str, list[int]] = field(default_factory=dict)    # cycle each beat moved
    in_cycles: dict[str, list[int]] = field(default_factory=dict)     # cycle each input beat moved
    violations: list[str] = field(default_factory=list)               # stream-rule breaches
    cycles: int = 0
    finished: bool = False                                            # all expected beats seen


def _source(clk, rst, valid, ready, data, beats, idle, moved):
    state = {"i": 0, "cycle": 0}

    @always(clk.posedge)
    def drive():
        c = state["cycle"]
        state["cycle"] += 1
        if rst:
            valid.next = False
            return
        if valid and ready:
            moved.append(c)
            state["i"] += 1
        elif valid:
            return  # stalled: hold valid and data
        i = state["i"]
        if i < len(beats) and not (idle and idle[c % len(idle)]):
            valid.next = True
            data.next = beats[i]
        else:
            valid.next = False

    return drive


def _sink(clk, rst, valid, ready, data, stall, got, moved, violations, name):
    state = {"cycle": 0, "held": None}

    @always(clk.posedge)
    def watch():
        c = state["cycle"]
        state["cycle"] += 1
        if rst:
            ready.next = False
            state["held"] = None
            return
        if state["held"] is not None:
            if not valid:
                violations.append(f"{name}: valid dropped at cycle {c} while a beat was stalled")
            elif int(data) != state["held"]:
                violations.append(f"{name}: data changed at cycle {c} while stalled "
                                  f"({state['held']:#x} -> {int(data):#x})")
        if valid and ready:
            got.append(int(data))
            moved.append(c)
            state["held"] = None
        elif valid:
            state["held"] = int(data)
        else:
            state["held"] = None
        ready.next = not (stall and stall[c % len(stall)])

    return watch


def run_stream_bench(spec: BlockSpec, params: dict, backend: str, inputs: dict[str, list[int]],
                     expected_counts: dict[str, int], idle: dict[str, list[bool]] | None = None,
                     stall: dict[str, list[bool]] | None = None, max_cycles: int = 10_000,
                     vcd: Path | None = None, mutant: Mutant | None = None) -> BenchResult:
    """Run one bench; stops when every output stream has its expected number of beats (plus a few
    cycles to catch extra beats) or after ``max_cycles``."""
    if backend not in ALL_STREAM_BACKENDS:
        raise ValueError(f"stream bench field 'backend' = {backend!r} is not allowed: must be one of "
                         f"{ALL_STREAM_BACKENDS}")
    idle, stall = idle or {}, stall or {}
    forget_signals()   # every signal of this run is made below (fast_prefill/myhdl_speed.py)
    if backend == "verilator":
        return _run_verilator(spec, params, inputs, expected_counts, idle, stall, max_cycles, vcd, mutant)
    ports = spec.ports(params)
    clk, rst = ports["clk"], ports["rst"]
    res = BenchResult()
    gens = [dut(spec, params, ports, backend, vcd=vcd, mutant=mutant)]
    for s in spec.streams_in:
        res.in_cycles[s] = []
        gens.append(_source(clk, rst, ports[f"{s}_valid"], ports[f"{s}_ready"], ports[f"{s}_data"],
                            list(inputs.get(s, [])), list(idle.get(s, [])), res.in_cycles[s]))
    for m in spec.streams_out:
        res.outputs[m], res.out_cycles[m] = [], []
        gens.append(_sink(clk, rst, ports[f"{m}_valid"], ports[f"{m}_ready"], ports[f"{m}_data"],
                          list(stall.get(m, [])), res.outputs[m], res.out_cycles[m], res.violations, m))

    @instance
    def control():
        rst.next = True
        for _ in range(RESET_CYCLES):
            yield clk.posedge
        rst.next = False
        drain = None
        for cycle in range(max_cycles):
            yield clk.posedge
            edge = res.cycles = cycle + RESET_CYCLES
            # beats moved at earlier edges only: whether the sinks ran before this process at this
            # edge is up to MyHDL's scheduler, so their moves at this edge are not counted
            done = all(sum(c < edge for c in res.out_cycles[m]) >= expected_counts.get(m, 0)
                       for m in spec.streams_out)
            if done and drain is None:
                drain = 4  # a few more cycles: extra (duplicated) beats would show up here
            if drain is not None:
                drain -= 1
                if drain == 0:
                    res.finished = True
                    break
        raise StopSimulation

    run_simulation(sim_phase(backend), *gens, clock_gen(clk), control)
    # The run ends at edge res.cycles before the bench acts there (the Verilator bench's rule): moves
    # the sources and sinks recorded at that edge, when MyHDL ran them first, are dropped.
    for moved in res.in_cycles.values():
        del moved[sum(c < res.cycles for c in moved):]
    for m, moved in res.out_cycles.items():
        keep = sum(c < res.cycles for c in moved)
        del moved[keep:]
        del res.outputs[m][keep:]
    res.violations[:] = [v for v in res.violations if int(re.search(r"at cycle (\d+)", v).group(1)) < res.cycles]
    return res


def _pattern_text(p: list[bool]) -> str:
    return "".join("1" if x else "0" for x in p) or "-"


def _run_verilator(spec: BlockSpec, params: dict, inputs: dict[str, list[int]], expected_counts: dict[str, int],
                   idle: dict[str, list[bool]], stall: dict[str, list[bool]], max_cycles: int,
                   vcd: Path | None, mutant: Mutant | None) -> BenchResult:
    """:func:`run_stream_bench` on the converted Verilog under Verilator: the converted design (the
    same files Icarus simulates, cached per parameter set and mutant) with the generated C++ stream
    bench (built once per Verilog text, cached under ``build/verilator/``), one process per run."""
    vvp, module = compile_icarus(spec, params, mutant)
    b = verilator_build(vvp, module, "stream_bench.cpp", "vcd" if vcd is not None else None)
    streams = {f"{s}_{x}" for s in (*spec.streams_in, *spec.streams_out) for x in ("valid", "ready", "data")}
    ports = spec.ports(params)
    held = [(p.name, int(ports[p.name].val)) for p in b.ports
            if p.direction == "input" and p.name not in streams and p.name not in ("clk", "rst")]
    lines = [f"reset {RESET_CYCLES} max_cycles {max_cycles}", f"inputs {len(held)}"]
    lines += [f"{n} {v:x}" for n, v in held]
    lines.append(f"sources {len(spec.streams_in)}")
    for s in spec.streams_in:
        beats = list(inputs.get(s, []))
        lines.append(f"{s} {len(beats)} {_pattern_text(list(idle.get(s, [])))}")
        lines.append(" ".join(f"{int(x):x}" for x in beats))
    lines.append(f"sinks {len(spec.streams_out)}")
    lines += [f"{m} {int(expected_counts.get(m, 0))} {_pattern_text(list(stall.get(m, [])))}"
              for m in spec.streams_out]
    with tempfile.TemporaryDirectory(prefix="fp_sb_") as tmp:
        src, out = Path(tmp) / "in.txt", Path(tmp) / "out.txt"
        src.write_text("\n".join(lines) + "\n")
        cmd = [str(b.exe), str(src), str(out)]
        if vcd is not None:
            Path(vcd).parent.mkdir(parents=True, exist_ok=True)
            cmd += ["--trace", str(Path(vcd).resolve())]
        with phase("verilator sim"):
            proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0 or not out.exists():
            raise RuntimeError(f"stream bench {b.exe} failed (exit {proc.returncode}):\n{proc.stdout}{proc.stderr}")
        text = out.read_text().splitlines()
    res = BenchResult()
    i = 0
    while i < len(text):
        f = text[i].split()
        if f[0] == "in":
            res.in_cycles[f[1]] = [int(x) for x in f[3:]]
        elif f[0] == "out":
            n = int(f[2])
            beats = [t.split() for t in text[i + 1:i + 1 + n]]
            res.outputs[f[1]] = [int(v, 16) for v, _ in beats]
            res.out_cycles[f[1]] = [int(c) for _, c in beats]
            i += n
        elif f[0] == "violation":
            res.violations.append(text[i].split(" ", 1)[1])
        elif f[0] == "cycles":
            res.cycles, res.finished = int(f[1]), f[3] == "1"
        i += 1
    return res


def waves_path(name: str) -> Path:
    """``build/waves/<name>.vcd``; under a pytest-xdist worker ``<name>.<worker>.vcd``, so two workers
    failing the same check at once never write one file."""
    import os

    from ..tools import BUILD_DIR

    worker = os.environ.get("PYTEST_XDIST_WORKER")
    return BUILD_DIR / "waves" / (f"{name}.{worker}.vcd" if worker else f"{name}.vcd")


def beats_mismatch(want: list[int], what: str = "golden", show: int = 16, hexa: bool = False, stream: str = "m"):
    """A ``mismatch`` for :func:`check_bench`: ``None`` when stream ``stream`` carried exactly ``want``,
    else ``output [...] != <what> [...] (first difference at beat k; n beats, expected m)`` with the
    first ``show`` beats of each (in hex with ``hexa``)."""
    fmt = (lambda b: [hex(x) for x in b[:show]]) if hexa else (lambda b: b[:show])

    def mismatch(res: BenchResult) -> str | None:
        got = res.outputs[stream]
        if got == want:
            return None
        k = next((i for i, (a, e) in enumerate(zip(got, want)) if a != e), min(len(got), len(want)))
        return (f"output {fmt(got)} != {what} {fmt(want)} "
                f"(first difference at beat {k}; {len(got)} beats, expected {len(want)})")

    return mismatch


def check_bench(spec: BlockSpec, params: dict, mismatch, *, inputs: dict[str, list[int]],
                expected_counts: dict[str, int], idle: dict[str, list[bool]] | None = None,
                stall: dict[str, list[bool]] | None = None, max_cycles: int = 10_000, backends=BACKENDS,
                mutant: Mutant | None = None, label: str | None = None) -> dict[str, BenchResult]:
    """Run :func:`run_stream_bench` with the same beats and patterns on each backend and assert the run
    passed: ``mismatch(result)`` (a description of wrong outputs, or ``None``) found nothing, no
    stream-rule violation, every expected beat within ``max_cycles``; with several backends, all move
    every input and output beat in the same cycle. ``mutant`` applies to the converted Verilog
    (``verilator`` and ``icarus`` runs) only.

    On a failure of a Verilog run, the same run is repeated on Icarus with a VCD written to
    ``build/waves/<block>_failure.vcd`` and the path is part of the assertion message, which starts
    ``<label> on <backend>: `` (``label`` defaults to the block's name). Returns the per-backend
    :class:`BenchResult`.

    MyHDL runs beside the Verilog only on this test's MyHDL runs (:mod:`fast_prefill.verify.backend_rule`).
    """
    label = label or spec.name
    backends = backends_for_run(backends)
    runs = {}
    for backend in backends:
        kw = dict(inputs=inputs, expected_counts=expected_counts, idle=idle, stall=stall, max_cycles=max_cycles,
                  mutant=mutant if backend in VERILOG_BACKENDS else None)
        res = run_stream_bench(spec, params, backend, **kw)
        problems = []
        if res.violations:
            problems.append(f"stream rule violations: {res.violations[:3]}")
        wrong = mismatch(res)
        if wrong:
            problems.append(wrong)
        if not res.finished:
            problems.append(f"not finished after {max_cycles} cycles")
        if problems:
            vcd = None
            if backend in VERILOG_BACKENDS:
                vcd = waves_path(f"{spec.name}_failure")
                run_stream_bench(spec, params, "icarus", vcd=vcd, **kw)
            raise AssertionError(f"{label} on {backend}: " + "; ".join(problems)
                                 + (f"; waveform: {vcd}" if vcd else ""))
        runs[backend] = res
    names = list(runs)
    for other in names[1:]:
        a, b = runs[names[0]], runs[other]
        for what in ("in_cycles", "out_cycles", "outputs"):
            x, y = getattr(a, what), getattr(b, what)
            for s in x:
                assert x[s] == y[s], (f"{label}: {names[0]} and {other} differ cycle by cycle: {what}[{s!r}] "
                                      f"{x[s][:10]} vs {y[s][:10]}")
    return runs


def check_beats(spec: BlockSpec, params: dict, inputs: dict[str, list[int]], want: list[int],
                idle: dict[str, list[bool]], stall: list[bool], max_cycles: int, backends=BACKENDS,
                mutant: Mutant | None = None, label: str | None = None, **shown) -> dict[str, BenchResult]:
    """:func:`check_bench` for a block whose one output stream ``m`` (back-pressure pattern ``stall``)
    must carry exactly the beats ``want``; ``shown``: :func:`beats_mismatch`'s message options."""
    return check_bench(spec, params, beats_mismatch(want, **shown), inputs=inputs, expected_counts={"m": len(want)},
                       idle=idle, stall={"m": stall}, max_cycles=max_cycles, backends=backends, mutant=mutant,
                       label=label)


def check_passthrough(spec: BlockSpec, params: dict, beats: list[int], idle: list[bool], stall: list[bool],
                      backends=SWEPT_BACKENDS, mutant: Mutant | None = None, max_cycles: int | None = None) -> dict:
    """Assert that a one-in, one-out stream block passes ``beats`` unchanged, in order, exactly once,
    obeying the stream rules, and (with both backends) that MyHDL and Verilog agree cycle for cycle
    (see :func:`check_bench`). Returns the per-backend :class:`BenchResult`.
    """
    max_cycles = max_cycles or 40 + 4 * len(beats) * (1 + len(idle) + len(stall))
    return check_beats(spec, params, {"s": beats}, beats, {"s": idle}, stall, max_cycles, backends, mutant,
                       label=f"{spec.name} {params}", what="input", show=12)
