"""Co-simulation bench of ``sig_head`` with a shared K pass (``heads_per_pass`` = S > 1): runs of
up to S query heads of one GQA group, the run's first head (``run_first``) reading the probe rows
of all its heads and K twice, the others reading neither. Every head's access stream must equal
the golden model of that head alone (sharing is a schedule, not a new function), and the HBM
reads are counted: one pair of K passes (``2 N D`` bytes) per run, one probe read (``B D`` bytes)
per head, and the query-aware Q re-reads per query-aware head.

Used by ``tests/rtl/sig/test_head_shared.py`` and the planted-bug tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ....blocks import BlockSpec, get_block
from ...backend_rule import backends_for_run
from ...axi_memory import AxiLog, AxiMemory
from ...golden.fixed_point import HeadInts
from ...golden.synthetic import make_head
from ...streams import BACKENDS, VERILOG_BACKENDS, run_stream_bench
from .harness import expected_probe_beats, probe_inputs
from ....rtl.sig.head import HeadGeometry
from .head import (HeadCase, HeadStart, assert_clean, assert_reads, assert_same_timing, bench_cycles,
                         beats_difference, head_cfg, merge_spans, run_heads, store_int8)

#: TEST_PARAMS of head_bench (B = D = 8, HBM 64 bits, 32 blocks) with two heads per K pass
SHARED_PARAMS = {"block_size": 8, "head_dim": 8, "max_seq_len": 256, "hbm_data_width": 64, "max_accesses": 1024,
                 "hist_bits": 4, "div_shift": 7, "burst_beats": 64, "max_outstanding": 2, "heads_per_pass": 2,
                 "probe_rows": 2, "cover_hist_bits": 4}
Q_BASE, K_BASE = 0x1_0000_0000, 0x2_0000_0000
RUN_STRIDE = 0x10_0000


def shared_spec(params: dict) -> BlockSpec:
    """The registered ``sig_head`` (its ports builder adds ``run_first``/``run_heads_m1`` for S > 1)."""
    return get_block("sig_head")


def make_run(h: int, nb: int, kind: str, seed: int, params: dict = SHARED_PARAMS, tau: float = 0.0,
             gamma: float = 0.9, min_budget: int = 16, max_budget=None, noise: float = 0.3) -> list[HeadCase]:
    """``h`` query heads sharing one K (and one score scale, as the kernel's per-tensor INT8 scales):
    ``kind == "int"``: uniform random INT8; otherwise a synthetic head (golden ``make_head``) whose
    query heads are its q plus noise, quantised with one scale for all of them."""
    g = HeadGeometry(**params)
    n = nb * g.B
    rng = np.random.default_rng(seed)
    if kind == "int":
        k = rng.integers(-127, 128, (n, g.D))
        qs = [rng.integers(-127, 128, (n, g.D)) for _ in range(h)]
        sq = sk = 1.0 / 127
    else:
        q0, kf, _ = make_head(kind, n, g.D, seed=seed)
        qf = [q0 + (noise * rng.standard_normal(q0.shape) if i else 0) for i in range(h)]
        sq = max(float(np.abs(np.stack(qf)).max()), 1e-12) / 127
        sk = max(float(np.abs(kf).max()), 1e-12) / 127
        qs = [np.clip(np.rint(x / sq), -127, 127).astype(np.int64) for x in qf]
        k = np.clip(np.rint(kf / sk), -127, 127).astype(np.int64)
    return [HeadCase(HeadInts(q, k, None, sq, sk, 1.0), gamma=gamma, min_budget=min_budget, max_budget=max_budget,
                     tau=tau) for q in qs]


@dataclass
class SharedRun:
    beats: list = field(default_factory=list)
    errs: list = field(default_factory=list)
    qa: list = field(default_factory=list)
    start_cycles: list = field(default_factory=list)
    done_cycles: list = field(default_factory=list)
    q_log: AxiLog = field(default_factory=AxiLog)
    k_log: AxiLog = field(default_factory=AxiLog)
    violations: list = field(default_factory=list)
    finished: bool = False
    cycles: int = 0


def _layout(runs, g, cfg):
    """Per head: (args, run_first, heads in the run - 1, dense, query-aware)."""
    heads = []
    for r, run in enumerate(runs):
        nb = run[0].h.q.shape[0] // g.B
        nd = nb * g.B * g.D
        for i, hc in enumerate(run):
            a = hc.args(g, cfg)
            a["q_base"] = Q_BASE + r * RUN_STRIDE + i * nd
            a["k_base"] = K_BASE + r * RUN_STRIDE
            dense = a["nb"] <= max(2, a["min_blocks"])
            heads.append((a, i == 0, len(run) - 1, dense, bool(hc.pattern(g, cfg).query_aware), r))
    return heads


def simulate_shared(runs: list[list[HeadCase]], backend: str, params: dict = SHARED_PARAMS, seed: int = 0,
                    stall=(), latency: int = 6, r_gap: float = 0.3, ar_stall: float = 0.3, q_errors=frozenset(),
                    k_errors=frozenset(), mutant=None, vcd=None, spec: BlockSpec | None = None,
                    abandon: dict | None = None) -> SharedRun:
    """Drive the heads of ``runs`` in order (each run: up to S heads sharing K); ``abandon`` maps a
    run index to the number of its heads actually started (the rest is skipped, as a kernel run
    that ends early after an error would: the next run's first head must start clean)."""
    spec = spec or shared_spec(params)
    g = HeadGeometry(**params)
    cfg = head_cfg(params)
    mem = AxiMemory(g.hw, seed=seed)
    heads = _layout(runs, g, cfg)
    flat = [hc for run in runs for hc in run]
    for (a, *_), hc in zip(heads, flat):
        store_int8(mem, a["q_base"], hc.h.q)
        store_int8(mem, a["k_base"], hc.h.k)
    abandon = abandon or {}
    order = []
    seen = {}
    for i, hd in enumerate(heads):
        r = hd[5]
        seen[r] = seen.get(r, 0) + 1
        if seen[r] <= abandon.get(r, len(runs[r])):
            order.append(i)
    stall = list(stall)
    max_cycles = bench_cycles(g, [heads[i][0]["nb"] for i in order], stall, latency, r_gap, extra=g.max_n * g.S)
    starts = [HeadStart({**heads[i][0], "run_first": heads[i][1], "run_heads_m1": heads[i][2]}, heads[i][3])
              for i in order]
    res = run_heads(spec, params, backend, mem, starts, SharedRun(), False, max_cycles, seed=seed, stall=stall,
                    latency=latency, r_gap=r_gap, ar_stall=ar_stall, q_errors=q_errors, k_errors=k_errors,
                    mutant=mutant, vcd=vcd)
    res.order = order
    res.heads = heads
    return res


def check_shared(runs: list[list[HeadCase]], backends=("myhdl", "icarus"), params: dict = SHARED_PARAMS,
                 expect_err=None, **kw) -> dict:
    """Simulate on each backend and assert: every head's beats equal its own golden stream; the
    HBM reads (K: exactly two passes of ``N D`` bytes per run, none for the other heads of a run;
    Q: each head's ``B D`` probe rows, read by the run's first head, plus two full re-reads per
    query-aware head); ``query_aware``, ``err``; MyHDL and Verilog agree cycle for cycle."""
    g = HeadGeometry(**params)
    cfg = head_cfg(params)
    flat = [hc for run in runs for hc in run]
    out = {}
    for be in backends_for_run(backends):   # MyHDL on this test's MyHDL runs (verify/backend_rule.py)
        res = simulate_shared(runs, be, params=params, **kw)
        assert_clean(be, res)
        q_want, k_want = [], []
        for k, hi in enumerate(res.order):
            a, first, hm1, dense, qa, r = res.heads[hi]
            diff = beats_difference(res.beats[k], flat[hi].expected(g, cfg))
            if diff:
                raise AssertionError(f"{be}: head {k} (run {r}, {'first' if first else 'follower'}): {diff}")
            assert res.qa[k] == qa, f"{be}: head {k}: query_aware {res.qa[k]}, golden {qa}"
            if dense:
                continue
            nd = a["nb"] * g.B * g.D
            if first:
                for i in range(hm1 + 1):
                    q_want.append((a["q_base"] + i * nd + (a["nb"] - 1) * g.B * g.D, g.B * g.D))
                k_want += [(a["k_base"], nd)] * 2
            if qa:
                q_want += [(a["q_base"], nd)] * 2
        # contiguous reads merge as the bursts do
        assert_reads(be, res, merge_spans(q_want), merge_spans(k_want))
        errs = [False] * len(res.order) if expect_err is None else expect_err
        assert res.errs == errs, f"{be}: err {res.errs}, expected {errs}"
        out[be] = res
    assert_same_timing(out)
    return out


def k_bytes(res: SharedRun) -> int:
    """K bytes the head read (all R beats of m_axi_k)."""
    return res.k_log.beats * res.k_log.beat_bytes


# ---------------------------------------------------------------- sig_probe alone, S heads per pass
def run_probe_shared(passes, idle, stall, params: dict, backends=BACKENDS, mutant=None):
    """Run passes ``(qps, k, mult, shift)`` (``qps``: the probe rows of 1..S heads sharing ``k``)
    through ``sig_probe``: one header ``{h-1, mult, shift, N-1}``, the h B probe rows, the N keys
    twice; the output must be ``probe_fixed`` of every head in turn (bank g: vert then slash).
    Returns the runs and the number of key beats each backend took."""
    from ....rtl.sig.probe import probe_widths

    spec = get_block("sig_probe")
    w = probe_widths(params["block_size"], params["head_dim"], params["max_n"], params["mult_bits"],
                     params["acc_frac"], params["heads_per_pass"])
    hdr, qs, ks, want = [], [], [], []
    for qps, k, mult, shift in passes:
        assert 1 <= len(qps) <= params["heads_per_pass"]
        for i, qp in enumerate(qps):
            h, q, kk = probe_inputs(qp, k, mult, shift, params)
            qs += q
            want += expected_probe_beats(qp, k, mult, shift, params)
        hdr.append(((len(qps) - 1) << (w["hdr"] - w["gw"])) | h[0])
        ks += kk
    b = params["block_size"]
    cycles = sum(len(qps) * (4 * len(k) * b + 3 * b * b + 40 * b + 4 * len(k)) for qps, k, _, _ in passes)
    cycles = 40 + (cycles + 2 * params["heads_per_pass"] * params["max_n"]) * (2 + len(idle) + len(stall))
    runs = {}
    for backend in backends_for_run(backends):
        res = run_stream_bench(spec, params, backend, inputs={"s_hdr": hdr, "s_q": qs, "s_k": ks},
                               expected_counts={"m": len(want)}, idle={"s_k": idle, "s_q": idle},
                               stall={"m": stall}, max_cycles=cycles,
                               mutant=mutant if backend in VERILOG_BACKENDS else None)
        assert not res.violations, res.violations[:3]
        got = res.outputs["m"]
        bad = next((i for i, (a, e) in enumerate(zip(got, want)) if a != e), None)
        assert got == want, (f"sig_probe (S={params['heads_per_pass']}) on {backend}: output differs from the "
                             f"golden at beat {bad} ({len(got)} beats, expected {len(want)})")
        assert res.finished
        # every key beat offered was taken exactly once: N keys twice per pass, whatever h is
        assert len(res.in_cycles["s_k"]) == len(ks) == sum(2 * len(k) for _, k, _, _ in passes)
        runs[backend] = res
    names = list(runs)
    for other in names[1:]:
        a, bb = runs[names[0]], runs[other]
        assert (a.in_cycles, a.out_cycles) == (bb.in_cycles, bb.out_cycles), f"{names[0]} and {other} differ cycle by cycle"
    return runs
