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
from myhdl import StopSimulation, always, instance

from ...blocks import get_block
from ..axi_memory import AxiLog, AxiMemory, axi_read_slave
from ...profile import sim_phase
from ..cosim import dut
from ..golden.cache_sim import belady_reads, liveness_reads, lru_reads, stream_of
from ..golden.liveness import annotate
from ..sim import clock_gen, run_simulation

K_BASE = 0x1_0000_0000
V_BASE = 0x2_0040_0000


def small_params(tag_bits=5, axi_width=32, pinned=2, managed=4, half_beats=2, burst_beats=1,
                 prefetch_depth=2, max_outstanding=2, row_beats=1, kv_read_ports=1) -> dict:
    return {"tag_bits": tag_bits, "axi_width": axi_width, "pinned": pinned, "managed": managed,
            "half_beats": half_beats, "burst_beats": burst_beats, "prefetch_depth": prefetch_depth,
            "max_outstanding": max_outstanding, "axi_id": 0, "row_beats": row_beats, "kv_read_ports": kv_read_ports}


@dataclass
class KvcRun:
    responses: list[int] = field(default_factory=list)
    expected: list[int] = field(default_factory=list)
    block_reads: float = 0.0
    axi: AxiLog = field(default_factory=AxiLog)
    axi_v: AxiLog = field(default_factory=AxiLog)     # the V port's bursts (kv_read_ports = 2)
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
    from ...myhdl_speed import forget_signals
    from ...rtl.kvc.kv_cache import pack_request

    spec = get_block("kv_cache")
    tb = params["tag_bits"]
    axw = params["axi_width"]
    hb = params["half_beats"]
    half_bytes = hb * axw // 8
    n_blocks = (1 << tb) if n_blocks is None else n_blocks
    rng = random.Random(seed)
    forget_signals()   # every signal of this run is made below (fast_prefill/myhdl_speed.py)
    ports = spec.ports(params)
    clk, rst = ports["clk"], ports["rst"]
    mem = AxiMemory(axw, seed=seed)
    run = KvcRun()
    beats = [pack_request(b, r, nu, p, tb) for r, b, nu, p in requests]
    rb = params.get("row_beats", 1)
    for r, b, nu, p in list(requests) * heads:
        if b < n_blocks and r < n_blocks:
            for base in (K_BASE, V_BASE):
                beats_ = [mem.word(base + b * half_bytes + j * (axw // 8)) for j in range(hb)]
                run.expected += [sum(beats_[w + i] << (axw * i) for i in range(rb)) for w in range(0, hb, rb)]
    max_cycles = max_cycles or 400 + heads * len(requests) * (2 * hb + 2) * (4 + max_latency)
    gens = [dut(spec, params, ports, backend, vcd=vcd, mutant=mutant),
            axi_read_slave(clk, rst, ports, mem, rng, run.axi, max_latency=max_latency, r_gap=r_gap,
                           ar_stall=ar_stall, error_bursts=error_bursts, axi_id=params["axi_id"],
                           max_outstanding=params["max_outstanding"])]
    if params.get("kv_read_ports", 1) == 2:   # the split fill's V port: its own slave on the same memory
        vports = {"m_axi_" + k[8:]: s for k, s in ports.items() if k.startswith("m_axi_v_")}
        gens.append(axi_read_slave(clk, rst, vports, mem, random.Random(seed + 1), run.axi_v,
                                   max_latency=max_latency, r_gap=r_gap, ar_stall=ar_stall,
                                   error_bursts=error_bursts, axi_id=params["axi_id"],
                                   max_outstanding=params["max_outstanding"]))
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

    run_simulation(sim_phase(backend), *gens, source, sink, clock_gen(clk), control)
    nb = 2 * hb // params["burst_beats"]
    run.block_reads = (len(run.axi.bursts) + len(run.axi_v.bursts)) / nb
    return run


LENGTHS = (4096, 16384, 32768, 65536, 131072)
MODELS = ("llama-3-8b", "qwen2.5-7b")


def head_layout(model: str, layer: int, head: int, n: int, block: int, d: int = 128):
    """MInference vertical-and-slash block layout of one head at length ``n``: the head's published
    budgets (``data/minference``) applied to a synthetic head (the probe needs q and k)."""
    from ..golden.minference import load_budgets, token_pattern_to_lists, vertical_slash_tokens
    from ..golden.synthetic import make_head

    _, v, s, _ = load_budgets(model)[layer][head]
    q, k, _ = make_head("retrieval", n, d, seed=1000 * layer + head)
    vt, sd = vertical_slash_tokens(q.astype(np.float32), k.astype(np.float32), v, s)
    return token_pattern_to_lists(vt, sd, n, block), (v, s)


def policies(lists, pinned: int, managed: int) -> dict:
    blocks = stream_of(lists)
    cap = pinned + managed
    return {"accesses": len(blocks), "liveness": liveness_reads(lists, cap, pinned),
            "belady": belady_reads(blocks, cap), "lru": lru_reads(blocks, cap), "none": len(blocks)}


def rtl_cross_check(seed: int = 0) -> list[tuple[str, int, float]]:
    """Small-size RTL runs (Verilog under Icarus) against golden liveness_reads, MInference layouts."""
    out = []
    for i, model in enumerate(MODELS):
        lists, _ = head_layout(model, 2 + i, 1, 512, 16, d=16)
        p = small_params(tag_bits=5, pinned=2, managed=4)
        run = simulate(p, requests_of(lists), backend="icarus", seed=seed)
        if not (run.finished and run.responses == run.expected):
            raise AssertionError(f"RTL cross-check {model}: data mismatch or unfinished")
        out.append((model, liveness_reads(lists, 6, 2), run.block_reads))
    return out


def main(argv=None) -> int:
    from ...config import get_preset

    ap = argparse.ArgumentParser(prog="fast-prefill bench kvc", description=__doc__.split("\n\n")[0])
    ap.add_argument("--lengths", type=int, nargs="*", default=list(LENGTHS))
    ap.add_argument("--heads", type=int, default=2, help="heads per model (deterministic sample)")
    ap.add_argument("--preset", default="u280")
    ap.add_argument("--no-rtl", action="store_true")
    ap.add_argument("--json", default=None)
    args = ap.parse_args(argv)
    cfg = get_preset(args.preset)
    P, M, B = cfg.pinned_tier_blocks, cfg.managed_tier_blocks, cfg.block_size
    block_bytes = cfg.block_bytes
    rows, records = [], []
    t0 = time.time()
    for model in MODELS:
        from ..golden.minference import load_budgets

        layers = load_budgets(model)
        picks = [(len(layers) // (args.heads + 1) * (j + 1), (7 * j + 3) % len(layers[0])) for j in range(args.heads)]
        for n in args.lengths:
            tot = {"accesses": 0, "liveness": 0, "belady": 0, "lru": 0, "none": 0}
            for layer, head in picks:
                lists, _ = head_layout(model, layer, head, n, B)
                for k, v in policies(lists, P, M).items():
                    tot[k] += v
            rec = {"model": model, "n": n, "heads": picks, **tot,
                   **{f"{k}_bytes": tot[k] * block_bytes for k in ("liveness", "belady", "lru", "none")}}
            records.append(rec)
            rows.append((model, f"{n // 1024}K", f"{tot['none'] * block_bytes / 2**20:.1f}",
                         f"{tot['lru'] * block_bytes / 2**20:.1f}", f"{tot['belady'] * block_bytes / 2**20:.1f}",
                         f"{tot['liveness'] * block_bytes / 2**20:.1f}",
                         f"{tot['liveness'] / tot['belady']:.3f}", f"{tot['liveness'] / tot['lru']:.3f}"))
            print(f"  {model} {n}: {tot} ({time.time() - t0:.0f} s)", file=sys.stderr, flush=True)
    hdr = ("model", "N", "no cache MiB", "LRU MiB", "Belady MiB", "liveness MiB", "liveness/Belady", "liveness/LRU")
    print(f"HBM bytes read (K+V, {len(picks)} heads per model, cache {P} pinned + {M} managed blocks of "
          f"{block_bytes // 1024} KiB, block {B})")
    print("| " + " | ".join(hdr) + " |")
    print("|" + "---|" * len(hdr))
    for r in rows:
        print("| " + " | ".join(r) + " |")
    worst = max(r["liveness"] / r["belady"] for r in records)
    print(f"\nworst liveness/Belady = {worst:.3f} (target <= 1.05)")
    if not args.no_rtl:
        print("\nRTL cross-check (kv_cache Verilog under Icarus, N=512, B=16, 2 pinned + 4 managed lines):")
        for model, want, got in rtl_cross_check():
            print(f"  {model}: golden liveness {want} block reads, RTL {got:g} -> {'match' if want == got else 'MISMATCH'}")
            if want != got:
                return 1
    if args.json:
        with open(args.json, "w") as f:
            json.dump(records, f, indent=1)
    return 0 if worst <= 1.05 else 1


if __name__ == "__main__":
    sys.exit(main())
