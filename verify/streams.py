"""Cycle-accurate stream test bench: sources with idle cycles, sinks with back-pressure, monitors.

:func:`run_stream_bench` drives a registered block's ``s_*`` input streams from lists of beats and
watches its ``m_*`` output streams, on either backend of :mod:`fast_prefill.verify.cosim`. The same
beats and the same idle/stall patterns give the same cycle-by-cycle behaviour on both, so a test
can compare the MyHDL model, the converted Verilog and a numpy reference in one run.

Patterns are lists of booleans indexed by cycle modulo their length: ``idle[c]`` keeps a source's
``valid`` low in cycle ``c``; ``stall[c]`` keeps a sink's ``ready`` low.

Every output stream is checked by a monitor for the valid/ready rules: once ``valid`` is high
without ``ready`` it stays high and ``data`` does not change until the beat moves.

:func:`check_bench` is the checking loop the block benches share (``rtl/sig/harness.py``,
``rtl/sig/qa_bench.py``, ``verify/bench/mpu.py``, :func:`check_passthrough`): the same run on every
backend, the outputs judged by a ``mismatch`` function (:func:`beats_mismatch` for exact beat lists),
the stream rules, completion, cycle-for-cycle agreement, and a waveform of a failing Verilog run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from myhdl import Simulation, StopSimulation, always, delay, instance

from ..blocks import BlockSpec
from ..convert import Mutant
from .cosim import BACKENDS, dut

HALF_PERIOD = 5
RESET_CYCLES = 2


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
    idle, stall = idle or {}, stall or {}
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
    def clock():
        while True:
            yield delay(HALF_PERIOD)
            clk.next = not clk

    @instance
    def control():
        rst.next = True
        for _ in range(RESET_CYCLES):
            yield clk.posedge
        rst.next = False
        drain = None
        for cycle in range(max_cycles):
            yield clk.posedge
            res.cycles = cycle + RESET_CYCLES
            done = all(len(res.outputs[m]) >= expected_counts.get(m, 0) for m in spec.streams_out)
            if done and drain is None:
                drain = 4  # a few more cycles: extra (duplicated) beats would show up here
            if drain is not None:
                drain -= 1
                if drain == 0:
                    res.finished = True
                    break
        raise StopSimulation

    sim = Simulation(*gens, clock, control)
    try:
        sim.run(quiet=1)
    finally:
        if not sim._finished:  # run() finalises itself on StopSimulation; otherwise end it here
            sim.quit()
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
    stream-rule violation, every expected beat within ``max_cycles``; with both backends, MyHDL and the
    converted Verilog move every input and output beat in the same cycle. ``mutant`` applies to the
    Verilog (Icarus) run only.

    On a failure the Verilog run is repeated with a VCD written to ``build/waves/<block>_failure.vcd``
    and the path is part of the assertion message, which starts ``<label> on <backend>: `` (``label``
    defaults to the block's name). Returns the per-backend :class:`BenchResult`.
    """
    label = label or spec.name
    runs = {}
    for backend in backends:
        kw = dict(inputs=inputs, expected_counts=expected_counts, idle=idle, stall=stall, max_cycles=max_cycles,
                  mutant=mutant if backend == "icarus" else None)
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
            if backend == "icarus":
                vcd = waves_path(f"{spec.name}_failure")
                run_stream_bench(spec, params, backend, vcd=vcd, **kw)
            raise AssertionError(f"{label} on {backend}: " + "; ".join(problems)
                                 + (f"; waveform: {vcd}" if vcd else ""))
        runs[backend] = res
    if len(runs) == 2:
        a, b = runs["myhdl"], runs["icarus"]
        for what in ("in_cycles", "out_cycles", "outputs"):
            x, y = getattr(a, what), getattr(b, what)
            for s in x:
                assert x[s] == y[s], (f"{label}: MyHDL and converted Verilog differ cycle by cycle: {what}[{s!r}] "
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
                      backends=BACKENDS, mutant: Mutant | None = None, max_cycles: int | None = None) -> dict:
    """Assert that a one-in, one-out stream block passes ``beats`` unchanged, in order, exactly once,
    obeying the stream rules, and (with both backends) that MyHDL and Verilog agree cycle for cycle
    (see :func:`check_bench`). Returns the per-backend :class:`BenchResult`.
    """
    max_cycles = max_cycles or 40 + 4 * len(beats) * (1 + len(idle) + len(stall))
    return check_beats(spec, params, {"s": beats}, beats, {"s": idle}, stall, max_cycles, backends, mutant,
                       label=f"{spec.name} {params}", what="input", show=12)
