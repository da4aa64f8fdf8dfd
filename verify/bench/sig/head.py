"""Co-simulation bench of ``sig_head`` (shared by its tests, its planted-bug test and the SIG
benchmark): whole heads through two adversarial AXI4 memory models (``verify/axi_memory.py``) on
the MyHDL model or the converted Verilog (Verilator through ``verify/verilator/cosim_bridge.cpp``,
or Icarus), with random back-pressure on ``m``; the output
beats, the HBM reads and the control outputs are checked against the golden model.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

import numpy as np
from myhdl import always, instance

from ....blocks import get_block
from ...backend_rule import backends_for_run
from ...axi_memory import AxiLog, AxiMemory, axi_read_slave
from ...golden.block_lists import build_lists
from ...golden.fixed_point import (FixedPointConfig, HeadInts, fixed_head_pattern, gamma_fixed, js_threshold,
                                         quantize_head,
                                         score_multiplier)
from ...golden.synthetic import make_head
from ...golden.float_ref import FlexPrefillParams
from ...golden.liveness import annotate
from ...sim import run_bench
from ....rtl.sig.formats import liveness_beat
from ....perf.units import cover_count_cycles, probe_cycles
from ....rtl.sig.head import HeadGeometry

#: the tiny preset's B, D, HBM width and probe rows per key with a 256-token maximum (32 blocks) so
#: a head simulates fast
TEST_PARAMS = {"block_size": 8, "head_dim": 8, "max_seq_len": 256, "hbm_data_width": 64, "max_accesses": 1024,
               "hist_bits": 4, "div_shift": 7, "burst_beats": 64, "max_outstanding": 2, "heads_per_pass": 1,
               "probe_rows": 2, "cover_hist_bits": 4}
Q_BASE, K_BASE = 0x1_0000_0000, 0x2_0000_0000
HEAD_STRIDE = 0x10_0000


def make_case(nb: int, kind: str, seed: int, strength: float = 1.0, params: dict = TEST_PARAMS, **kw) -> HeadCase:
    """A structured synthetic head (sink, slash, retrieval, random; golden ``synthetic.make_head``)
    or, for ``kind == "int"``, uniform random INT8 operands with a random score factor."""
    g = HeadGeometry(**params)
    n = nb * g.B
    if kind == "int":
        rng = np.random.default_rng(seed)
        q = rng.integers(-127, 128, (n, g.D))
        k = rng.integers(-127, 128, (n, g.D))
        sc = math.sqrt(strength) / 127
        h = HeadInts(q, k, None, sc, sc, 1.0)
    else:
        q, k, _ = make_head(kind, n, g.D, seed=seed, strength=strength)
        h = quantize_head(q, k)
    return HeadCase(h, **kw)


def head_cfg(params: dict) -> FixedPointConfig:
    return FixedPointConfig(block_size=params["block_size"], head_dim=params["head_dim"],
                            max_seq_len=params["max_seq_len"])


@dataclass
class HeadCase:
    """One head: INT8 operands, host hyper-parameters, and the expected access beats."""

    h: HeadInts
    gamma: float = 0.9
    min_budget: int = 16          # tokens
    max_budget: int | None = None
    index: int = 0
    tau: float = 0.0              # the query-aware threshold; 0 disables the query-aware path

    def flex(self, b: int) -> FlexPrefillParams:
        return FlexPrefillParams(block_size=b, gamma=self.gamma, tau=self.tau, min_budget=self.min_budget,
                                 max_budget=self.max_budget, budget_divisor=128)

    def args(self, g: HeadGeometry, cfg: FixedPointConfig) -> dict:
        n, d = self.h.q.shape
        mult, shift = score_multiplier(self.h.scale_q * self.h.scale_k * math.log2(math.e) / math.sqrt(d), cfg)
        top = (1 << (g.iw + 1)) - 1
        maxb = top if self.max_budget is None else min(-(-self.max_budget // g.B), top)
        return {"nb": n // g.B, "q_base": Q_BASE + self.index * HEAD_STRIDE, "k_base": K_BASE + self.index * HEAD_STRIDE,
                "mult": mult, "shift": shift, "gamma": gamma_fixed(self.gamma, cfg),
                "min_blocks": -(-self.min_budget // g.B), "max_blocks": maxb, "tau_th": js_threshold(self.tau, cfg)}

    def pattern(self, g: HeadGeometry, cfg: FixedPointConfig):
        return fixed_head_pattern(self.h, self.flex(g.B), cfg)

    def expected(self, g: HeadGeometry, cfg: FixedPointConfig) -> list[int]:
        lists = build_lists(self.pattern(g, cfg))
        acc = annotate(lists)
        nb = len(lists)
        out = []
        for i, a in enumerate(acc):
            last = i == len(acc) - 1 or acc[i + 1].row != a.row
            out.append(liveness_beat(a.row, a.block, last, last and a.row == nb - 1, a.next_use, a.pinnable,
                                     g.max_blocks))
        return out


@dataclass
class HeadRun:
    beats: list = field(default_factory=list)        # m beats per head
    errs: list = field(default_factory=list)
    qa: list = field(default_factory=list)
    start_cycles: list = field(default_factory=list)
    done_cycles: list = field(default_factory=list)
    rdone_cycles: list = field(default_factory=list)  # first cycle reads_done was seen high
    q_log: AxiLog = field(default_factory=AxiLog)
    k_log: AxiLog = field(default_factory=AxiLog)
    violations: list = field(default_factory=list)
    finished: bool = False
    cycles: int = 0


def _axi(ports: dict, prefix: str) -> dict:
    return {"m_axi_" + k[len(prefix) + 1:]: v for k, v in ports.items() if k.startswith(prefix + "_")}


def store_int8(mem: AxiMemory, base: int, x: np.ndarray) -> None:
    wb = mem.bytes
    raw = (np.asarray(x, np.int64) & 0xFF).astype(np.uint8).tobytes()
    for i in range(0, len(raw), wb):
        mem.words[base + i] = int.from_bytes(raw[i:i + wb], "little")


def estimate_cycles(g: HeadGeometry, nb: int) -> int:
    """Generous per-head bound for the bench timeout (the schedule formula times a margin)."""
    n, b = nb * g.B, g.B
    cover = 1 + n + 8 * (n + 4 + 2 * 16) + 24
    t = nb * (nb + 1) // 2                       # causal block entries of the query-aware selection
    qa = 2 * n + 25 * t + 40 * nb + 400           # Q re-reads, decision, pooled selection (bound)
    return (2 * nb + 1) * b * b + b * 18 + 2 * n + 2 * (n + cover) + 2 * (nb + 1 + 8 * (nb + 20)) \
        + nb * (nb + 1) + 6 * nb * nb + 2 * g.max_blocks + 200 + qa


@dataclass(frozen=True)
class HeadStart:
    """One ``start`` pulse of a bench: the port values set with it (the head's arguments plus any
    extra ports, e.g. ``run_first``/``run_heads_m1`` of a shared K pass), whether the head is dense
    (reads nothing) and, for the strict checks, the Q and K R beats it reads before ``reads_done``."""

    ports: dict
    dense: bool
    reads: tuple[int, int] | None = None


def bench_cycles(g: HeadGeometry, nbs, stall, latency: int, r_gap: float, extra: int = 0) -> int:
    """Bench timeout for heads of ``nbs`` blocks: twice ``estimate_cycles`` (+ ``extra`` per head)
    scaled by how slow the memory and the back-pressure make it."""
    slow = 1 + (len(stall) > 0) + latency // 4 + int(r_gap > 0.5)
    return 500 + sum(slow * 2 * (estimate_cycles(g, nb) + extra) for nb in nbs)


def run_heads(spec, params: dict, backend: str, mem: AxiMemory, starts: list[HeadStart], res, strict: bool,
              max_cycles: int, seed: int = 0, stall=(), latency: int = 6, r_gap: float = 0.3, ar_stall: float = 0.3,
              q_errors=frozenset(), k_errors=frozenset(), mutant=None, vcd=None):
    """The driver/checker loop of the ``sig_head`` benches: two AXI read slaves on ``mem``, the
    heads of ``starts`` started one after another, ``m`` collected under the back-pressure pattern
    ``stall``; fills ``res`` (a ``HeadRun`` or a ``SharedRun``: beats, errs, qa, start/done cycles,
    AXI logs, violations, finished, cycles) and returns it.

    Always checked: the m valid/ready rule, a beat outside a head, ``busy`` one cycle after
    ``start``, ``reads_done`` high at ``done``, ``done`` one cycle long. ``strict`` (the one-head
    bench) adds: ``reads_done`` right after start equals ``dense``, no ``done`` right after start,
    ``busy`` low with ``done``, and at the first ``reads_done`` the R beats received equal
    ``HeadStart.reads`` (first such cycles in ``res.rdone_cycles``)."""
    g = HeadGeometry(**params)
    stall = list(stall)

    def bench(ports, finished):
        clk, rst = ports["clk"], ports["rst"]
        rng = random.Random(seed)
        q_slave = axi_read_slave(clk, rst, _axi(ports, "m_axi_q"), mem, random.Random(rng.random()), res.q_log,
                                 max_latency=latency, r_gap=r_gap, ar_stall=ar_stall, error_bursts=q_errors,
                                 axi_id=0, max_outstanding=g.max_outstanding)
        k_slave = axi_read_slave(clk, rst, _axi(ports, "m_axi_k"), mem, random.Random(rng.random()), res.k_log,
                                 max_latency=latency, r_gap=r_gap, ar_stall=ar_stall, error_bursts=k_errors,
                                 axi_id=0, max_outstanding=g.max_outstanding)
        st_ = {"c": 0, "head": -1, "held": None, "want_rd": None}
        rdone = res.rdone_cycles if strict else []   # (a SharedRun has none; MyHDL resolves attributes)

        @always(clk.posedge)
        def sink():
            """Collect m beats (back-pressure from ``stall``), check the valid/ready rule and the
            control outputs every cycle."""
            c = st_["c"]
            st_["c"] += 1
            if rst:
                ports["m_ready"].next = False
                return
            valid, ready, data = bool(ports["m_valid"]), bool(ports["m_ready"]), int(ports["m_data"])
            hi = st_["head"]
            if valid and ready:
                if hi < 0 or hi >= len(res.beats):
                    res.violations.append(f"cycle {c}: beat outside a head")
                else:
                    res.beats[hi].append(data)
                st_["held"] = None
            elif valid:
                if st_["held"] is not None and st_["held"] != data:
                    res.violations.append(f"cycle {c}: m_data changed while m_valid waited")
                st_["held"] = data
            elif st_["held"] is not None:
                res.violations.append(f"cycle {c}: m_valid dropped before m_ready")
                st_["held"] = None
            if strict and ports["reads_done"] and ports["busy"] and 0 <= hi < len(rdone) \
                    and rdone[hi] is None:
                rdone[hi] = c
                want_q, want_k = st_["want_rd"]
                if res.q_log.beats != want_q or res.k_log.beats != want_k:
                    res.violations.append(f"cycle {c}: reads_done with {res.q_log.beats} Q / {res.k_log.beats} K "
                                          f"R beats received, expected {want_q} / {want_k}")
            ports["m_ready"].next = not (stall and stall[c % len(stall)])

        @instance
        def driver():
            yield clk.posedge
            while rst:
                yield clk.posedge
            for hi, s in enumerate(starts):
                for name, val in s.ports.items():
                    ports[name].next = val
                if strict:
                    st_["want_rd"] = (res.q_log.beats + s.reads[0], res.k_log.beats + s.reads[1])
                    rdone.append(None)
                res.beats.append([])
                st_["head"] = hi
                ports["start"].next = True
                res.start_cycles.append(st_["c"])
                yield clk.posedge
                ports["start"].next = False
                yield clk.posedge
                if not ports["busy"]:
                    res.violations.append(f"head {hi}: busy not raised after start")
                if strict and bool(ports["reads_done"]) != s.dense:
                    res.violations.append(f"head {hi}: reads_done {bool(ports['reads_done'])} after start "
                                          f"(dense={s.dense})")
                if strict and ports["done"]:
                    res.violations.append(f"head {hi}: done right after start")
                while not ports["done"]:
                    yield clk.posedge
                    if strict and ports["done"] and ports["busy"]:
                        res.violations.append(f"head {hi}: busy still high with done")
                res.done_cycles.append(st_["c"])
                res.errs.append(bool(ports["err"]))
                res.qa.append(bool(ports["query_aware"]))
                if not ports["reads_done"]:
                    res.violations.append(f"head {hi}: reads_done low at done")
                yield clk.posedge
                if ports["done"]:
                    res.violations.append(f"head {hi}: done longer than one cycle")
            res.finished = True
            finished.append(True)

        return q_slave, k_slave, sink, driver

    try:
        res.cycles = run_bench(spec, params, backend, bench, max_cycles=max_cycles, mutant=mutant, vcd=vcd)
    except TimeoutError:
        res.finished = False
    return res


def simulate(cases: list[HeadCase], backend: str, params: dict = TEST_PARAMS, seed: int = 0, stall=(),
             latency: int = 6, r_gap: float = 0.3, ar_stall: float = 0.3, q_errors=frozenset(), k_errors=frozenset(),
             mutant=None, vcd=None, max_cycles=None) -> HeadRun:
    g = HeadGeometry(**params)
    cfg = head_cfg(params)
    mem = AxiMemory(g.hw, seed=seed)
    stall = list(stall)
    starts = []
    for hc in cases:
        a = hc.args(g, cfg)
        qa = bool(hc.pattern(g, cfg).query_aware)
        store_int8(mem, a["q_base"], hc.h.q)
        store_int8(mem, a["k_base"], hc.h.k)
        n_b = a["nb"] * g.B
        dense = a["nb"] <= max(2, a["min_blocks"])
        q_rows = 0 if dense else g.B + (2 * n_b if qa else 0)
        starts.append(HeadStart(a, dense, (q_rows * g.row_beats, 0 if dense else 2 * n_b * g.row_beats)))
    if max_cycles is None:
        max_cycles = bench_cycles(g, [s.ports["nb"] for s in starts], stall, latency, r_gap)
    return run_heads(get_block("sig_head"), params, backend, mem, starts, HeadRun(), True, max_cycles, seed=seed,
                     stall=stall, latency=latency, r_gap=r_gap, ar_stall=ar_stall, q_errors=q_errors,
                     k_errors=k_errors, mutant=mutant, vcd=vcd)


def assert_clean(be: str, run) -> None:
    """The run finished with no bench violation and no AXI protocol violation."""
    assert run.finished, f"{be}: heads not done after {run.cycles} cycles"
    assert not run.violations, f"{be}: {run.violations[:3]}"
    for log in (run.q_log, run.k_log):
        assert not log.violations, f"{be}: {log.violations[:3]}"


def beats_difference(got: list, want: list) -> str | None:
    """None when equal, else the beat counts and the first differing beats."""
    if got == want:
        return None
    bad = next((j for j, (x, y) in enumerate(zip(got, want)) if x != y), min(len(got), len(want)))
    return (f"{len(got)} beats, golden {len(want)}; first difference at beat {bad}: "
            f"{got[bad:bad + 3]} != {want[bad:bad + 3]}")


def assert_reads(be: str, run, q_want: list, k_want: list) -> None:
    """The merged Q and K read spans equal the expected ones."""
    got_q = _spans(run.q_log.bursts, run.q_log.beat_bytes)
    got_k = _spans(run.k_log.bursts, run.k_log.beat_bytes)
    assert got_q == q_want, f"{be}: Q reads {got_q}, expected {q_want}"
    assert got_k == k_want, f"{be}: K reads {got_k}, expected {k_want}"


def assert_same_timing(runs: dict) -> None:
    """Two backends (the MyHDL model and a Verilog simulator) finished every head in the same cycle."""
    if len(runs) == 2:
        a, b = runs.values()
        assert a.done_cycles == b.done_cycles, f"{' and '.join(runs)} differ in timing"


def check_heads(cases: list[HeadCase], backends=("myhdl", "verilator"), params: dict = TEST_PARAMS, expect_err=None,
                **kw) -> dict:
    """Simulate on each backend and assert every contract item; returns the runs."""
    g = HeadGeometry(**params)
    cfg = head_cfg(params)
    want = [hc.expected(g, cfg) for hc in cases]
    runs = {}
    for be in backends_for_run(backends):   # MyHDL on this test's MyHDL runs (verify/backend_rule.py)
        run = simulate(cases, be, params=params, **kw)
        assert_clean(be, run)
        for i, (got, exp) in enumerate(zip(run.beats, want)):
            diff = beats_difference(got, exp)
            if diff:
                raise AssertionError(f"{be}: head {i}: {diff}")
        errs = [False] * len(cases) if expect_err is None else expect_err
        assert run.errs == errs, f"{be}: err {run.errs}, expected {errs}"
        want_qa = [bool(hc.pattern(g, cfg).query_aware) for hc in cases]
        assert run.qa == want_qa, f"{be}: query_aware {run.qa}, golden {want_qa}"
        # HBM traffic: Q = the last B rows, K = exactly two passes, per non-dense head
        q_want, k_want = [], []
        for hc in cases:
            a = hc.args(g, cfg)
            if a["nb"] <= max(2, a["min_blocks"]):
                continue
            q_want.append((a["q_base"] + (a["nb"] - 1) * g.B * g.D, g.B * g.D))
            if hc.pattern(g, cfg).query_aware:   # the Q block sums of the pooled selection, twice
                q_want += [(a["q_base"], a["nb"] * g.B * g.D)] * 2
            k_want.append((a["k_base"], a["nb"] * g.B * g.D))
            k_want.append((a["k_base"], a["nb"] * g.B * g.D))
        assert_reads(be, run, q_want, k_want)
        runs[be] = run
    assert_same_timing(runs)
    return runs


def merge_spans(spans) -> list[tuple[int, int]]:
    """Merge consecutive (start address, bytes) spans, in order."""
    out = []
    for addr, n in spans:
        if out and out[-1][0] + out[-1][1] == addr:
            out[-1] = (out[-1][0], out[-1][1] + n)
        else:
            out.append((addr, n))
    return out


def _spans(bursts, beat_bytes) -> list[tuple[int, int]]:
    """Merge consecutive bursts into (start address, bytes) spans, in issue order."""
    return merge_spans((addr, n * beat_bytes) for addr, n in bursts)


def head_cycle_formula(g: HeadGeometry, nb: int, accesses: int, R: int = 16) -> dict:
    """Sum of the sub-block cycle formulas of docs/sig.md for one non-dense head, no stalls and
    no AXI latency: ``lower`` counts only the exact parts (probe, two buffer replays into the cover
    count, builder scan, two passes of the liveness), ``upper`` adds the bounds of the selection
    blocks (two cover counts, two top-m) and the hand-over cycles."""
    B, n = g.B, nb * g.B
    Pp = -(-g.pooled // g.hist_bits)
    probe = probe_cycles(n, B, R, g.probe_rows, g.D)
    cover = cover_count_cycles(n, g.aw, g.cover_hist_bits, g.max_n)   # the worst-case digit scans
    top = 1 + nb + Pp * (nb - 1 + (1 << g.hist_bits) + 1) + nb
    builder = 1 + nb * (nb + 1) // 2
    live = 3 * accesses
    lower = probe + 2 * (n + 1) + nb * (nb + 1) // 2 + 2 * accesses
    return {"probe": probe, "cover": cover, "top_m": top, "builder": builder, "liveness": live, "lower": lower,
            "upper": probe + 2 * cover + 2 * (n + 1) + 2 * top + 2 * (nb + 1) + builder + live + 64}


def bench_head(nbs=(8, 16, 32), params: dict = TEST_PARAMS, qa_nbs=(8, 32)) -> list[dict]:
    """Cycles from ``start`` to ``done`` on the converted Verilog (AXI latency 0, no gaps, no
    back-pressure) against the formula bounds (vertical-slash heads, ``tau_th = 0``) and, for
    query-aware heads (``tau = 0.3``), against the same probe schedule; every head's beats checked
    against the golden."""
    g = HeadGeometry(**params)
    cfg = head_cfg(params)
    out = []
    for nb, tau in [(nb, 0.0) for nb in nbs] + [(nb, 0.3) for nb in qa_nbs]:
        case = make_case(nb, "sink" if tau == 0 else "int", 31, min_budget=8, params=params, tau=tau)
        run = simulate([case], "icarus", params=params, latency=0, r_gap=0.0, ar_stall=0.0)
        want = case.expected(g, cfg)
        assert run.finished and not run.violations and run.beats[0] == want, "sig_head differs from the golden"
        f = head_cycle_formula(g, nb, len(want))
        cyc = run.done_cycles[0] - run.start_cycles[0]
        if tau:
            assert case.pattern(g, cfg).query_aware, "bench head meant to be query-aware"
        name = "head (query-aware)" if tau else "head"
        out.append({"block": name, "case": f"B={g.B} D={g.D} N={nb * g.B} L={len(want)}", "beats": len(want),
                    "cycles": cyc, "ideal": f["probe"], "efficiency": f["probe"] / cyc,
                    "lower": "-" if tau else f["lower"], "upper": "-" if tau else f["upper"]})
    return out
