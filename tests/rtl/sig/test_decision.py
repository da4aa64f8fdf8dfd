"""sig_decision: the query-aware test of ``fixed_head_pattern`` (block-mean logits, softmax,
normalised pooled vertical, square-root JS statistic, ``d2 < tau_th``) on MyHDL and the converted
Verilog, equal to the golden model exactly, with idles and back-pressure; heads that are and are
not query-aware, thresholds at ``d2`` and ``d2 + 1``, nb = 1 and 2, all-equal scores, zero pooled
mass, saturating logits. The golden reference of the test equals ``fixed_head_pattern`` on whole
heads (N a multiple of B), including its block-mean multiplier ``score_multiplier(base / B^2)``."""

import math

import numpy as np
import pytest
from hypothesis import Phase, example, given, settings, strategies as st

from fast_prefill.blocks import get_block
from fast_prefill.perf import kernel as K
from fast_prefill.rtl.sig.decision import decision_cycles
from fast_prefill.verify.bench.sig.query_aware import (block_sums, bsum_beats, cfg_of, decision_golden, decision_hdr,
                                           decision_out, run_block)
from fast_prefill.verify.golden.float_ref import FlexPrefillParams
from fast_prefill.verify.golden.fixed_point import (FixedPointConfig, fixed_head_pattern, js_threshold, logits,
                                                    probe_fixed, quantize_head, score_multiplier, softmax_fixed)
from fast_prefill.verify.strategies import pattern
from fast_prefill.verify.streams import BACKENDS

PARAMS = {"block_size": 4, "head_dim": 2, "max_blocks": 6, "mult_bits": 16, "logit_frac": 8, "logit_bits": 24,
          "exp_lut_bits": 8, "prob_frac": 15, "recip_frac": 16, "acc_frac": 16, "log_lut_bits": 8, "log_frac": 12}
CFG = cfg_of(PARAMS)
LB = 2
PVW = 16 + 1 + 2 * LB
TH_DEFAULT = js_threshold(0.1, CFG)
KINDS = ("random", "aligned", "equal", "zero_pv", "near")


def make_case(seed: int, kind: str, nb: int, params=PARAMS):
    """(qsum, ksum, pv, mult, shift): block sums of INT8 rows, pooled vertical scores, multiplier.
    ``aligned``: pv proportional to the block-mean softmax (a query-aware head); ``near``: the same
    with noise; ``equal``: all key block sums and pooled scores equal; ``zero_pv``: no pooled mass."""
    rng = np.random.default_rng(seed)
    b, d = params["block_size"], params["head_dim"]
    cfg = cfg_of(params)
    base = 2.0 ** rng.uniform(-24, -3)
    mult, shift = score_multiplier(base, cfg)
    qsum = rng.integers(-128, 128, (b, d)).sum(axis=0)
    ksum = rng.integers(-128, 128, (nb * b, d)).reshape(nb, b, d).sum(axis=1)
    pvw = params["acc_frac"] + 1 + 2 * (b.bit_length() - 1)
    pv = rng.integers(0, 1 << pvw, nb)
    if kind == "equal":
        ksum = np.repeat(ksum[:1], nb, axis=0)
        pv = np.full(nb, int(pv[0]))
    elif kind == "zero_pv":
        pv = np.zeros(nb, np.int64)
    elif kind in ("aligned", "near"):
        x = logits(ksum @ qsum, mult, shift + 2 * (b.bit_length() - 1), cfg)
        avg = softmax_fixed(x, np.ones(nb, bool), cfg)
        pv = avg * (1 << (pvw - params["acc_frac"] - 1))
        if kind == "near":
            pv = pv + rng.integers(0, 1 << (pvw - 3), nb)
    return qsum, ksum, np.minimum(pv, (1 << pvw) - 1).astype(np.int64), mult, shift


@st.composite
def cases(draw):
    nb = draw(st.one_of(st.sampled_from([1, 2]), st.integers(1, PARAMS["max_blocks"])))
    kind = draw(st.sampled_from(KINDS))
    qsum, ksum, pv, mult, shift = make_case(draw(st.integers(0, 2 ** 32 - 1)), kind, nb)
    _, d2 = decision_golden(qsum, ksum, pv, mult, shift, 0, CFG)
    th = draw(st.sampled_from(["d2", "d2+1", "zero", "huge", "default"]))
    th = {"d2": d2, "d2+1": d2 + 1, "zero": 0, "huge": 2 ** 32 - 1, "default": TH_DEFAULT}[th]
    return qsum, ksum, pv, mult, shift, min(max(th, 0), 2 ** 32 - 1)


def run_decision(heads, idle, stall, params=PARAMS, backends=BACKENDS, mutant=None):
    cfg = cfg_of(params)
    b = params["block_size"]
    ins = {"s_hdr": [], "s_q": [], "s_k": [], "s_pv": []}
    want = []
    for qsum, ksum, pv, mult, shift, th in heads:
        ins["s_hdr"].append(decision_hdr(len(ksum), mult, shift, th, params))
        ins["s_q"] += bsum_beats([qsum], b)
        ins["s_k"] += bsum_beats(ksum, b)
        ins["s_pv"] += [int(v) for v in pv]
        want.append(decision_out(*decision_golden(qsum, ksum, pv, mult, shift, th, cfg), params))
    cycles = 60 + sum(len(h[1]) * (params["acc_frac"] + 6) + 60 for h in heads) * (2 + len(idle) + len(stall))
    runs = run_block("sig_decision", params, ins, want, {k: idle for k in ins}, stall, backends=backends,
                     mutant=mutant, max_cycles=cycles)
    return want, runs


def run_decision_runs(heads):
    return run_decision(heads, [], [])[1]


NO_SHRINK = [Phase.explicit, Phase.reuse, Phase.generate]  # shrinking a failing co-simulation costs minutes


@settings(phases=NO_SHRINK)
@given(heads=st.lists(cases(), min_size=1, max_size=2), idle=pattern(), stall=pattern())
@example(heads=[make_case(1, "aligned", 1) + (TH_DEFAULT,), make_case(2, "equal", 2) + (0,)], idle=[], stall=[])
def test_decision_equals_golden(heads, idle, stall):
    run_decision(heads, idle, stall)


@pytest.mark.slow
@settings(max_examples=60, phases=NO_SHRINK)
@given(heads=st.lists(cases(), min_size=1, max_size=3), idle=pattern(), stall=pattern())
def test_decision_equals_golden_sweep(heads, idle, stall):
    run_decision(heads, idle, stall)


def test_decision_threshold_boundary():
    """``d2 < tau_th`` exactly: at ``tau_th = d2`` the head is not query-aware, at ``d2 + 1`` it is."""
    qsum, ksum, pv, mult, shift = make_case(5, "near", 5)
    _, d2 = decision_golden(qsum, ksum, pv, mult, shift, 0, CFG)
    assert d2 > 0
    heads = [(qsum, ksum, pv, mult, shift, d2), (qsum, ksum, pv, mult, shift, d2 + 1)]
    want, _ = run_decision(heads, [], [True, False])
    assert [w >> 40 for w in want] == [0, 1]


def test_case_strategy_gives_both_outcomes():
    """At the default tau = 0.1 the constructed heads are query-aware and not, both (so the
    co-simulation sees both decisions even without the d2-relative thresholds)."""
    seen = {False: 0, True: 0}
    for seed in range(60):
        kind = KINDS[seed % len(KINDS)]
        qsum, ksum, pv, mult, shift = make_case(seed, kind, 1 + seed % PARAMS["max_blocks"])
        seen[decision_golden(qsum, ksum, pv, mult, shift, TH_DEFAULT, CFG)[0]] += 1
    assert seen[True] >= 10 and seen[False] >= 10, seen


@pytest.mark.parametrize("bsz", [2, 4, 8, 16, 32, 64, 128, 256])
def test_block_mean_multiplier_is_probe_multiplier_shifted(bsz):
    """``score_multiplier(base / B^2) == (mult, shift + 2 log2 B)`` for the probe's ``(mult, shift)``,
    over many random bases (where the shift stays below the golden cap of 62)."""
    cfg = FixedPointConfig(block_size=bsz)
    rng = np.random.default_rng(bsz)
    lb = bsz.bit_length() - 1
    checked = 0
    for base in 2.0 ** rng.uniform(-30, 6, 2000):
        try:
            mult, shift = score_multiplier(base, cfg)
        except ValueError:
            continue
        if shift + 2 * lb > 62:
            continue
        assert score_multiplier(base / bsz / bsz, cfg) == (mult, shift + 2 * lb), base
        checked += 1
    assert checked > 1000


def whole_heads(n_heads=12):
    """Float heads (N = nb B, nb >= 3 so not dense) -> (qsum, ksum, pv, mult, shift) and the golden
    ``fixed_head_pattern`` decision."""
    b, d = PARAMS["block_size"], PARAMS["head_dim"]
    fp = FlexPrefillParams(block_size=b, min_budget=b, tau=0.1)
    out = []
    for seed in range(n_heads):
        rng = np.random.default_rng(100 + seed)
        nb = 3 + seed % 4
        scale = [0.05, 0.5, 3.0][seed % 3]
        q = rng.normal(0, scale, (nb * b, d))
        k = rng.normal(0, scale, (nb * b, d)) + (q.mean(axis=0) if seed % 2 else 0)
        h = quantize_head(q, k)
        pat = fixed_head_pattern(h, fp, CFG)
        mult, shift = score_multiplier(h.scale_q * h.scale_k * math.log2(math.e) / math.sqrt(d), CFG)
        vert, _, _, _ = probe_fixed(h.q[-b:], h.k, mult, shift, CFG)
        pv = vert.reshape(nb, b).sum(axis=1)
        qsum = block_sums(h.q[-b:], b)[0]
        ksum = block_sums(h.k, b)
        out.append(((qsum, ksum, pv, mult, shift, js_threshold(0.1, CFG)), pat))
    return out


def test_decision_golden_equals_fixed_head_pattern():
    heads = whole_heads()
    for (qsum, ksum, pv, mult, shift, th), pat in heads:
        assert decision_golden(qsum, ksum, pv, mult, shift, th, CFG) == (pat.query_aware, pat.info["js_d2"])
    assert {pat.query_aware for _, pat in heads} == {True, False}


def test_decision_rtl_on_whole_heads():
    heads = whole_heads(6)
    run_decision([h for h, _ in heads], [True, False], [False, True, True])


@pytest.mark.parametrize("kw", [{"max_blocks": 1}, {"acc_frac": 2}, {"log_frac": 40}])
def test_decision_rejects_bad_params(kw):
    with pytest.raises(ValueError, match=r"sig_decision field '\w+' = .* is not allowed: must be an integer in"):
        get_block("sig_decision").instantiate({**PARAMS, **kw})


@pytest.mark.parametrize("nb", [1, 2, 6])
def test_decision_cycles_equal_the_formula(nb):
    """With every stream ready and the output taken at once, a head's output leaves
    ``decision_cycles`` edges after its header (the kernel model's figure)."""
    head = make_case(7, "random", nb) + (TH_DEFAULT,)
    runs = run_decision_runs([head, head])
    for res in runs.values():
        hdr, out = res.in_cycles["s_hdr"], res.out_cycles["m"]
        want = decision_cycles(nb, PARAMS["head_dim"], PARAMS["recip_frac"], PARAMS["acc_frac"])
        assert [out[0] - hdr[0], out[1] - hdr[1]] == [want, want]
        assert hdr[1] == out[0] + 1          # the next header is taken the edge after the output
        assert K.decision_cycles(nb, PARAMS["head_dim"], PARAMS["recip_frac"]) == want
