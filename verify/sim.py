"""Run a registered block with arbitrary MyHDL test bench generators on either backend."""

from __future__ import annotations

from pathlib import Path

from myhdl import Simulation, StopSimulation, delay, instance

from ..blocks import BlockSpec
from ..convert import Mutant
from ..myhdl_speed import forget_signals
from ..profile import phase, sim_phase
from .cosim import dut

HALF_PERIOD = 5


def clock_gen(clk, half_period: int = HALF_PERIOD):
    """A MyHDL generator that toggles ``clk`` every ``half_period`` time units, for ever."""

    @instance
    def clockgen():
        while True:
            yield delay(half_period)
            clk.next = not clk

    return clockgen


def run_simulation(label: str, *gens) -> None:
    """Run a MyHDL ``Simulation`` of ``gens`` until one raises ``StopSimulation``, timed as the
    profile phase ``label`` (``fast_prefill/profile.py``). The simulation is always ended, so the
    next one in this process can start (``run()`` ends itself on ``StopSimulation``; an exception
    from a generator would leave it open)."""
    sim = Simulation(*gens)
    try:
        with phase(label):
            sim.run(quiet=1)
    finally:
        if not sim._finished:
            sim.quit()


def run_bench(spec: BlockSpec, params: dict, backend: str, bench, max_cycles: int,
              clock: str = "clk", reset: str = "rst", reset_active: bool = True, reset_cycles: int = 2,
              vcd: Path | None = None, mutant: Mutant | None = None) -> int:
    """Build fresh ports, instantiate the DUT, and run ``bench(ports, finished)`` generators.

    ``bench`` returns MyHDL instances; it appends to ``finished`` (a list) when it is done; every
    signal of the run is made here or by ``bench`` (MyHDL's list of signals is emptied first). The
    clock toggles every 5 time units; reset is held for ``reset_cycles`` cycles. Returns the number
    of cycles run; raises ``TimeoutError`` when ``max_cycles`` pass before ``finished``.
    """
    forget_signals()   # every signal of this run is made below (fast_prefill/myhdl_speed.py)
    ports = spec.ports(params)
    clk, rst = ports[clock], ports[reset]
    finished: list = []
    gens = [dut(spec, params, ports, backend, vcd=vcd, mutant=mutant), bench(ports, finished)]
    count = {"cycles": 0, "timeout": False}

    @instance
    def control():
        rst.next = reset_active
        for _ in range(reset_cycles):
            yield clk.posedge
        rst.next = not reset_active
        for c in range(max_cycles):
            yield clk.posedge
            count["cycles"] = c
            if finished:
                break
        else:
            count["timeout"] = True
        raise StopSimulation

    run_simulation(sim_phase(backend), *gens, clock_gen(clk), control)
    if count["timeout"]:
        raise TimeoutError(f"{spec.name} on {backend}: bench not finished after {max_cycles} cycles")
    return count["cycles"]


def run_clocked(clk, *gens) -> None:
    """Run ``gens`` (a DUT and the bench's generators) with a clock on ``clk`` (period
    ``2 * HALF_PERIOD``) until one raises ``StopSimulation``; the simulation is always ended, so the
    next one in this process can start."""
    run_simulation("myhdl sim", *gens, clock_gen(clk))


def run_pipeline(spec: BlockSpec, params: dict, backend: str, inputs: list[dict[str, int]], outputs: tuple[str, ...],
                 latency: int, mutant: Mutant | None = None) -> list[dict[str, int]]:
    """Drive a pipeline without handshake (port ``clk``): ``inputs[c]`` (port name -> unsigned value)
    is applied for edge ``c``, and the ``outputs`` ports are read between edges ``latency`` cycles
    after each input. Returns one ``{port: unsigned value}`` per input, in order."""
    forget_signals()   # every signal of this run is made below (fast_prefill/myhdl_speed.py)
    ports = spec.ports(params)
    clk = ports["clk"]
    got: list[dict[str, int]] = []

    @instance
    def drive():
        for c in range(len(inputs) + latency):
            if c < len(inputs):
                for name, value in inputs[c].items():
                    ports[name].next = value
            yield clk.negedge
            if c >= latency:
                got.append({name: int(ports[name]) for name in outputs})
            yield clk.posedge
        raise StopSimulation

    run_clocked(clk, dut(spec, params, ports, backend, mutant=mutant), drive)
    return got
