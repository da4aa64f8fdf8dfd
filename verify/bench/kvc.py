"""KV-cache benchmark (not a test): HBM bytes read for real sparse patterns, and the RTL driver.

``fast-prefill bench kvc`` runs the golden cache simulators (liveness dual-tier, Belady MIN, LRU,
no cache) at full size on Llama-3-8B and Qwen2.5-7B heads whose layouts come from the published
MInference per-head budgets, at 4K..128K tokens, for the U280 cache sizes, and cross-checks the RTL
(:func:`simulate`) against the golden liveness count at small sizes. Options: ``--lengths``,
``--heads`` (heads sampled per model), ``--no-rtl``, ``--json PATH``.

:func:`simulate` is also what the tests use: it runs ``kv_cache`` (MyHDL or converted Verilog under
Icarus) with a request source that idles at random, a response sink that stalls at random, and the
adversarial AXI slave of :mod:`fast_prefill.verify.axi_memory`.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from dataclasses import dataclass, field

import numpy as np
from myhdl import Simulation, StopSimulation, always, delay, instance

from ...blocks import get_block
from ..axi_memory import AxiLog, AxiMemory, axi_read_slave
from ..cosim import dut
from ..golden.cache_sim import belady_reads, liveness_reads, lru_reads, stream_of
from ..golden.liveness import annotate

K_BASE = 0x1_0000_0000
V_BASE = 0x2_0040_0000


def small_params(tag_bits=5, axi_width=32, pinned=2, managed=4, half_beats=2, burst_beats=1,
                 prefetch_depth=2, max_outstanding=2) -> dict:
    return {"tag_bits": tag_bits, "axi_width": axi_width, "pinned": pinned, "managed": managed,
            "half_beats": half_beats, "burst_beats": burst_beats, "prefetch_depth": prefetch_depth,
            "max_outstanding": max_outstanding, "axi_id": 0}


@dataclass
class KvcRun:
    responses: list[int] = field(default_factory=list)
    expected: list[int] = field(default_factory=list)
    block_reads: float = 0.0
    axi: AxiLog = field(default_factory=AxiLog)
    violations: list[str] = field(default_factory=list)
    err_axi: bool = False
    err_req: bool = False
    cycles: int = 0
    finished: bool = False


def requests_of(lists):
    """``(row, block, next_use, pinnable)`` per access, in stream order (the golden annotation)."""
    return [(a.row, a.block, a.next_use, a.pinnable) for a in annotate(lists)]


def simulate(params: dict, requests, backend: str = "myhdl", seed: int = 0, n_blocks: int | None = None,
             idle: float = 0.2, stall: float = 0.3, max_latency: int = 8, r_gap: float = 0.3,
             ar_stall: float = 0.3, error_bursts=frozenset(), legal=None, max_cycles: int | None = None,
             mutant=None, vcd=None, heads: int = 1) -> KvcRun:
    """Run ``kv_cache`` on ``requests`` (``(row, block, next_use, pinnable)``); see module doc.

    ``heads > 1`` sends the same requests again after a reset, once per further head."""
    from ...rtl.kvc.kv_cache import pack_request

    spec = get_block("kv_cache")
    tb = params["tag_bits"]
    axw = params["axi_width"]
    hb = params["half_beats"]
    half_bytes = hb * axw // 8
    n_blocks = (1 << tb) if n_blocks is None else n_blocks
    rng = random.Random(seed)
    ports = spec.ports(params)
    clk, rst = ports["clk"], ports["rst"]
    mem = AxiMemory(axw, seed=seed)
    run = KvcRun()
    beats = [pack_request(b, r, nu, p, tb) for r, b, nu, p in requests]
    for r, b, nu, p in list(requests) * heads:
        if b < n_blocks and r < n_blocks:
            for base in (K_BASE, V_BASE):
                run.expected += [mem.word(base + b * half_bytes + j * (axw // 8)) for j in range(hb)]
    max_cycles = max_cycles or 400 + heads * len(requests) * (2 * hb + 2) * (4 + max_latency)
    gens = [dut(spec, params, ports, backend, vcd=vcd, mutant=mutant),
            axi_read_slave(clk, rst, ports, mem, rng, run.axi, max_latency=max_latency, r_gap=r_gap,
                           ar_stall=ar_stall, error_bursts=error_bursts, axi_id=params["axi_id"],
                           max_outstanding=params["max_outstanding"])]
    st = {"i": 0, "held": None}

    @always(clk.posedge)
    def source():
        if rst:
            ports["s_valid"].next = False
            return
        if ports["s_valid"] and ports["s_ready"]:
            st["i"] += 1
        elif ports["s_valid"]:
            return
        if st["i"] < len(beats) and rng.random() >= idle:
            ports["s_valid"].next = True
            ports["s_data"].next = beats[st["i"]]
        else:
            ports["s_valid"].next = False

    @always(clk.posedge)
    def sink():
        v, d = ports["m_valid"], ports["m_data"]
        if rst:
            ports["m_ready"].next = False
            return
        if st["held"] is not None and (not v or int(d) != st["held"]):
            run.violations.append(f"cycle {run.cycles}: response valid dropped or data changed while stalled")
        if v and ports["m_ready"]:
            run.responses.append(int(d))
            st["held"] = None
        else:
            st["held"] = int(d) if v else None
        ports["m_ready"].next = rng.random() >= stall

    @instance
    def clock():
        while True:
            yield delay(5)
            clk.next = not clk

    @instance
    def control():
        ports["n_blocks"].next = n_blocks
        ports["k_base"].next = K_BASE
        ports["v_base"].next = V_BASE
        rst.next = True
        for _ in range(2):
            yield clk.posedge
        rst.next = False
        drain = None
        head = 1
        for cycle in range(max_cycles):
            yield clk.posedge
            run.cycles = cycle
            if drain is None and len(run.responses) >= len(run.expected) * head // heads and st["i"] >= len(beats):
                drain = 6
            if drain is not None:
                drain -= 1
                if drain == 0:
                    if head == heads:
                        run.finished = True
                        break
                    head += 1
                    drain = None
                    st["i"] = 0
                    rst.next = True
                    yield clk.posedge
                    rst.next = False
        run.err_axi = bool(ports["err_axi"])
        run.err_req = bool(ports["err_req"])
        raise StopSimulation

    sim = Simulation(*gens, source, sink, clock, control)
    try:
        sim.run(quiet=1)
    finally:
        if not sim._finished:
            sim.quit()
    nb = 2 * hb // params["burst_beats"]
    run.block_reads = len(run.axi.bursts) / nb
    return run
