"""sig_probe: the two-pass score pipeline on MyHDL and the converted Verilog, its vertical and slash
accumulators equal to the golden ``probe_fixed`` exactly, for random and structured heads (small
B, D, N; N not a multiple of B; saturating logits), with source idles and output back-pressure."""

import math

import numpy as np
import pytest
from hypothesis import given, strategies as st

from fast_prefill.blocks import get_block
from fast_prefill.verify.bench.sig.harness import PROBE_PARAMS, probe_cfg, run_probe
from fast_prefill.verify.bench.sig.head_shared import run_probe_shared
from fast_prefill.verify.golden.fixed_point import quantize_head, score_multiplier
from fast_prefill.verify.golden.synthetic import make_head
from fast_prefill.verify.strategies import pattern


@st.composite
def heads(draw, params=PROBE_PARAMS):
    b, d = params["block_size"], params["head_dim"]
    n = draw(st.integers(b, params["max_n"]))
    vals = st.one_of(st.integers(-127, 127), st.sampled_from([-127, 0, 127]))
    qp = np.array(draw(st.lists(vals, min_size=b * d, max_size=b * d)), np.int64).reshape(b, d)
    k = np.array(draw(st.lists(vals, min_size=n * d, max_size=n * d)), np.int64).reshape(n, d)
    factor = draw(st.sampled_from([1e-6, 3e-4, 2e-3, 0.05, 0.9]))  # flat .. saturating logits
    mult, shift = score_multiplier(factor, probe_cfg(params))
    return qp, k, mult, shift


@given(hs=st.lists(heads(), min_size=1, max_size=2), idle=pattern(), stall=pattern())
def test_probe_equals_golden(hs, idle, stall):
    run_probe(hs, idle, stall)


def test_probe_structured_heads():
    """Synthetic sink / slash / retrieval / random heads (B=4, D=2 after quantisation), N=13..16."""
    cfg = probe_cfg(PROBE_PARAMS)
    hs = []
    for i, (kind, n) in enumerate((("sink", 16), ("slash", 13), ("retrieval", 15), ("random", 16))):
        q, k, _ = make_head(kind, n, 2, seed=i)
        h = quantize_head(q, k)
        mult, shift = score_multiplier(h.scale_q * h.scale_k * math.log2(math.e) / math.sqrt(2), cfg)
        hs.append((h.q[n - 4:], h.k, mult, shift))
    run_probe(hs, [], [False, True])


def test_probe_cycles_close_to_ideal():
    """No stalls: two passes of N x B scores on D lanes plus one block of exp drain, the reciprocal
    and the output; (2 nb + 1) B^2 + B (R + 3) + 2 N + B + the two pipeline waits (each the lane
    pipeline's depth, ``probe_waits``) + small."""
    from fast_prefill.rtl.sig.probe import probe_waits

    rng = np.random.default_rng(5)
    n = 16
    qp, k = rng.integers(-127, 128, (4, 2)), rng.integers(-127, 128, (n, 2))
    mult, shift = score_multiplier(1e-3, probe_cfg(PROBE_PARAMS))
    res = run_probe([(qp, k, mult, shift)], [], [], backends=("verilator",))["verilator"]
    span = res.out_cycles["m"][-1] - res.in_cycles["s_hdr"][0] + 1
    b, r = 4, PROBE_PARAMS["recip_frac"]
    assert span <= (2 * (n // b) + 1) * b * b + b * (r + 3) + 2 * n + b + sum(probe_waits(2, 1)) + 8, span


# ---------------------------------------------------------------- r probe rows per key (lanes)
ROWS2 = {**PROBE_PARAMS, "rows_per_key": 2}
ROWS4 = {**PROBE_PARAMS, "block_size": 8, "head_dim": 3, "max_n": 32, "rows_per_key": 4}
ROWS16 = {**PROBE_PARAMS, "block_size": 32, "head_dim": 2, "max_n": 64, "rows_per_key": 16}


@given(hs=st.lists(heads(ROWS2), min_size=1, max_size=2), idle=pattern(), stall=pattern())
def test_probe_two_rows_per_key_equals_golden(hs, idle, stall):
    """r = 2 lanes (B = 4: rows 0, 2 in lane 0, rows 1, 3 in lane 1): the accumulators equal
    probe_fixed exactly, the slash sums split over two banks by offset."""
    run_probe(hs, idle, stall, params=ROWS2)


@given(hs=st.lists(heads(ROWS4), min_size=1, max_size=1), idle=pattern(), stall=pattern())
def test_probe_four_rows_per_key_equals_golden(hs, idle, stall):
    """r = 4 lanes of Q = 2 rows at B = 8 (a rotation of four lanes onto four slash banks)."""
    run_probe(hs, idle, stall, params=ROWS4)


def test_probe_sixteen_rows_per_key_equals_golden():
    """r = 16 lanes (eight logit pairs on shared multipliers; the slash banks' and the output's
    16-way choices by four halving steps) at B = 32, two heads back to back with idle inputs and a
    stalled output: exact against probe_fixed on MyHDL and Icarus."""
    rng = np.random.default_rng(16)
    b, d = ROWS16["block_size"], ROWS16["head_dim"]
    mult, shift = score_multiplier(1e-2, probe_cfg(ROWS16))
    hs = [(rng.integers(-128, 128, (b, d)), rng.integers(-128, 128, (n, d)), mult, shift) for n in (64, 40)]
    run_probe(hs, [False, True], [True, False, False], params=ROWS16)


@pytest.mark.parametrize("params", [PROBE_PARAMS, ROWS2, ROWS4, ROWS16], ids=["r1", "r2", "r4", "r16"])
def test_probe_cycles_equal_the_schedule(params):
    """No stalls, from the header to the last beat: ``B + (2 nb + 1) B Q + Q (R + 1) + 2 N`` (the
    formula the performance model uses, ``perf.units.probe_cycles``) plus a fixed 4 cycles of
    hand-over, for r = 1, 2, 4 lanes; r lanes take 1/r of the score steps."""
    from fast_prefill.perf.units import probe_cycles, probe_pipe_waits

    rng = np.random.default_rng(5)
    b, d, n, r = params["block_size"], params["head_dim"], params["max_n"], params["rows_per_key"]
    qp, k = rng.integers(-127, 128, (b, d)), rng.integers(-127, 128, (n, d))
    mult, shift = score_multiplier(1e-3, probe_cfg(params))
    res = run_probe([(qp, k, mult, shift)], [], [], params=params, backends=("icarus",))["icarus"]
    span = res.out_cycles["m"][-1] - res.in_cycles["s_hdr"][0] + 1
    want = probe_cycles(n, b, params["recip_frac"], r, d) + 4
    assert span == want, (span, want)


@pytest.mark.parametrize("r", [0, 3, 4, True])
def test_probe_rows_per_key_rejected(r):
    """r must be a power of two up to B / 2 (B = 4 here): 0, 3 and 4 = B are refused, by name."""
    with pytest.raises(ValueError, match=r"sig_probe field 'rows_per_key' = .* is not allowed: must be"):
        get_block("sig_probe").instantiate({**PROBE_PARAMS, "rows_per_key": r})


def test_probe_shared_pass_two_rows_per_key():
    """S = 3 heads a pass and r = 2 lanes: passes of 3 and 2 heads, N = 16 and 13, stalls."""
    rng = np.random.default_rng(12)
    params = {**SHARED3, "rows_per_key": 2}
    mult, shift = score_multiplier(2e-3, probe_cfg(params))
    k16, k13 = rng.integers(-127, 128, (16, 2)), rng.integers(-127, 128, (13, 2))
    q = [rng.integers(-127, 128, (4, 2)) for _ in range(3)]
    run_probe_shared([(q, k16, mult, shift), (q[1:], k13, mult, shift)], [False, True], [True, False, False],
                     params=params)


@pytest.mark.parametrize("kw", [{"block_size": 3}, {"max_n": 6}, {"max_n": 18}, {"acc_frac": 31}])
def test_probe_rejects_bad_params(kw):
    with pytest.raises(ValueError, match=r"sig_probe field '\w+' = .* is not allowed: must be"):
        get_block("sig_probe").instantiate({**PROBE_PARAMS, **kw})


# ---------------------------------------------------------------- one K pass for several heads (GQA)
SHARED = {**PROBE_PARAMS, "heads_per_pass": 2}
SHARED3 = {**PROBE_PARAMS, "heads_per_pass": 3}


@st.composite
def shared_passes(draw, params=SHARED):
    qp0, k, mult, shift = draw(heads(params))
    b, d = params["block_size"], params["head_dim"]
    h = draw(st.integers(1, params["heads_per_pass"]))
    vals = st.one_of(st.integers(-127, 127), st.sampled_from([-127, 0, 127]))
    qps = [qp0] + [np.array(draw(st.lists(vals, min_size=b * d, max_size=b * d)), np.int64).reshape(b, d)
                   for _ in range(h - 1)]
    return qps, k, mult, shift


@given(ps=st.lists(shared_passes(), min_size=1, max_size=2), idle=pattern(), stall=pattern())
def test_probe_shared_pass_equals_golden(ps, idle, stall):
    """S = 2: each head's accumulators equal its own probe_fixed, from one pass pair over K."""
    run_probe_shared(ps, idle, stall, params=SHARED)


def test_probe_shared_fixed_cases():
    """S = 3 with passes of 3, 1 and 2 heads (the run-time count), N = 16 and 13 (a partial last
    block), the same keys for all heads of a pass; then S = 2 with two identical heads (banks must
    not mix) and stalls."""
    rng = np.random.default_rng(11)
    mult, shift = score_multiplier(2e-3, probe_cfg(PROBE_PARAMS))
    k16, k13 = rng.integers(-127, 128, (16, 2)), rng.integers(-127, 128, (13, 2))
    q = [rng.integers(-127, 128, (4, 2)) for _ in range(3)]
    run_probe_shared([(q, k16, mult, shift), (q[2:], k13, mult, shift), (q[:2], k16, mult, shift)],
                     [False, True], [True, False, False], params=SHARED3)
    run_probe_shared([([q[0], q[0]], k16, mult, shift), ([q[1], q[0]], k13, mult, shift)], [], [False, True],
                     params=SHARED)


def test_probe_shared_cycles():
    """No stalls: one pass pair for h heads, h B rows per key: h B + (2 nb + 1) h B^2 + h B (R + 3)
    + 2 h N + the two pipeline waits (once a pass, ``perf.units.probe_cycles``) + 4 of hand-over."""
    from fast_prefill.perf.units import probe_cycles, probe_pipe_waits

    rng = np.random.default_rng(5)
    n, b, r = 16, 4, PROBE_PARAMS["recip_frac"]
    qps, k = [rng.integers(-127, 128, (4, 2)) for _ in range(2)], rng.integers(-127, 128, (n, 2))
    mult, shift = score_multiplier(1e-3, probe_cfg(PROBE_PARAMS))
    res = run_probe_shared([(qps, k, mult, shift)], [], [], params=SHARED, backends=("verilator",))["verilator"]
    span = res.out_cycles["m"][-1] - res.in_cycles["s_hdr"][0] + 1
    h = 2
    formula = h * b + (2 * (n // b) + 1) * h * b * b + h * b * (r + 3) + 2 * h * n
    assert probe_cycles(n, b, r, 1, 2, heads=h) == formula + sum(probe_pipe_waits(2, 1))
    assert span == probe_cycles(n, b, r, 1, 2, heads=h) + 4, (span, formula)


def test_probe_heads_per_pass_rejected():
    for bad in (0, 17, True):
        with pytest.raises(ValueError, match=r"sig_probe field 'heads_per_pass' = .* is not allowed: must be"):
            get_block("sig_probe").instantiate({**PROBE_PARAMS, "heads_per_pass": bad})


@pytest.mark.parametrize("d", [1, 2, 3, 8, 64, 128])
@pytest.mark.parametrize("r", [1, 2, 8])
def test_probe_model_waits_equal_rtl(d, r):
    """The performance model's pipeline waits (``perf.units.probe_pipe_waits``) are the RTL's
    (``probe_waits``: from ``logit_pipe``'s latency and the lane's stages) at every shape."""
    from fast_prefill.perf.units import probe_pipe_waits
    from fast_prefill.rtl.sig.probe import probe_waits

    assert probe_pipe_waits(d, r) == probe_waits(d, r)
