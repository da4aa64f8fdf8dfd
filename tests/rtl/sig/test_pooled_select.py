"""sig_pooled_select: ``pooled_selection_fixed`` (causal block softmax, coverage count with target
``(gamma nb << A) >> GF``, top ``count - 1`` entries, ties lowest flat index first) on MyHDL and the
converted Verilog, equal to the golden model exactly, in ``sig_list_builder``'s ``s_extra`` format,
with idles and back-pressure; nb = 1 and 2, all-equal scores (ties), gamma = 1.0, saturating logits.
The test's golden reference equals ``pooled_selection_fixed`` on whole heads (N a multiple of B)."""

import math

import numpy as np
import pytest
from hypothesis import Phase, example, given, settings, strategies as st

from fast_prefill.blocks import get_block
from fast_prefill.verify.bench.sig.query_aware import (block_sums, bsum_beats, cfg_of, extra_beats, pooled_golden, pooled_hdr,
                                           run_block)
from fast_prefill.verify.golden.fixed_point import (gamma_fixed, pooled_selection_fixed, quantize_head,
                                                    score_multiplier)
from fast_prefill.verify.strategies import pattern
from fast_prefill.verify.streams import BACKENDS

PARAMS = {"block_size": 4, "head_dim": 2, "max_blocks": 4, "mult_bits": 16, "logit_frac": 8, "logit_bits": 24,
          "exp_lut_bits": 8, "prob_frac": 15, "recip_frac": 16, "acc_frac": 16, "gamma_frac": 16, "hist_bits": 4}
CFG = cfg_of(PARAMS)
KINDS = ("random", "equal", "peaked", "flat")
NO_SHRINK = [Phase.explicit, Phase.reuse, Phase.generate]  # shrinking a failing co-simulation costs minutes


def make_case(seed: int, kind: str, nb: int, gamma_fx: int, params=PARAMS):
    """(qs, ks, mult, shift, gamma_fx). ``equal``: every key block sum equal (uniform rows, ties);
    ``peaked``: a large multiplier (saturating logits, one dominant entry per row); ``flat``: a
    tiny multiplier (near-uniform rows)."""
    rng = np.random.default_rng(seed)
    b, d = params["block_size"], params["head_dim"]
    base = 2.0 ** {"peaked": rng.uniform(-4, -3), "flat": rng.uniform(-30, -26)}.get(kind, rng.uniform(-20, -6))
    mult, shift = score_multiplier(base, cfg_of(params))
    qs = rng.integers(-128, 128, (nb * b, d)).reshape(nb, b, d).sum(axis=1)
    ks = rng.integers(-128, 128, (nb * b, d)).reshape(nb, b, d).sum(axis=1)
    if kind == "equal":
        ks = np.repeat(ks[:1], nb, axis=0)
    return qs, ks, mult, shift, gamma_fx


@st.composite
def cases(draw):
    nb = draw(st.one_of(st.sampled_from([1, 2]), st.integers(1, PARAMS["max_blocks"])))
    gf = PARAMS["gamma_frac"]
    gamma_fx = draw(st.one_of(st.sampled_from([gamma_fixed(0.9, CFG), gamma_fixed(0.95, CFG), 1 << gf, 1]),
                              st.integers(1, (2 << gf) - 1)))
    return make_case(draw(st.integers(0, 2 ** 32 - 1)), draw(st.sampled_from(KINDS)), nb, gamma_fx)


def run_pooled(heads, idle, stall, params=PARAMS, backends=BACKENDS, mutant=None):
    cfg = cfg_of(params)
    b, mb = params["block_size"], params["max_blocks"]
    ins = {"s_hdr": [], "s_k": [], "s_q": []}
    want = []
    sels = []
    for qs, ks, mult, shift, gamma_fx in heads:
        nb = len(qs)
        ins["s_hdr"].append(pooled_hdr(nb, mult, shift, gamma_fx, params))
        ins["s_k"] += bsum_beats(ks, b)
        ins["s_q"] += bsum_beats(qs, b) * 2
        sel = pooled_golden(qs, ks, mult, shift, gamma_fx, cfg)
        sels.append(sel)
        want += extra_beats(sel, nb, mb)
    cycles = 100 + sum(60 * len(h[0]) ** 2 + 40 * len(h[0]) + 200 for h in heads) * (2 + len(idle) + len(stall))
    run_block("sig_pooled_select", params, ins, want, {k: idle for k in ins}, stall, backends=backends,
              mutant=mutant, max_cycles=cycles)
    return sels


@settings(phases=NO_SHRINK)
@given(heads=st.lists(cases(), min_size=1, max_size=2), idle=pattern(), stall=pattern())
@example(heads=[make_case(3, "equal", 3, 1 << 16), make_case(4, "random", 1, 1)], idle=[], stall=[True, False])
def test_pooled_select_equals_golden(heads, idle, stall):
    run_pooled(heads, idle, stall)


@pytest.mark.slow
@settings(max_examples=60, phases=NO_SHRINK)
@given(heads=st.lists(cases(), min_size=1, max_size=3), idle=pattern(), stall=pattern())
def test_pooled_select_equals_golden_sweep(heads, idle, stall):
    run_pooled(heads, idle, stall)


def test_pooled_select_edges():
    """nb = 2 with gamma = 1.0 (every causal entry), ties (equal keys), a head selecting several
    blocks, and gamma tiny (nothing selected: only the end beat)."""
    heads = [make_case(7, "equal", 2, 1 << 16), make_case(8, "random", 4, gamma_fixed(0.9, CFG)),
             make_case(9, "peaked", 3, 1)]
    sels = run_pooled(heads, [False, True], [True, False, False])
    assert len(sels[0]) == 3 and len(sels[1]) >= 2 and len(sels[2]) == 0, sels


def test_case_strategy_covers_selection_sizes():
    """The constructed heads select nothing, some and all causal entries."""
    sizes = set()
    for seed in range(80):
        nb = 1 + seed % PARAMS["max_blocks"]
        g = [1, gamma_fixed(0.5, CFG), gamma_fixed(0.9, CFG), 1 << 16][seed % 4]
        sel = pooled_golden(*make_case(seed, KINDS[seed % len(KINDS)], nb, g), CFG)
        t = nb * (nb + 1) // 2
        sizes.add("none" if len(sel) == 0 else "all" if len(sel) == t else "some")
    assert sizes == {"none", "some", "all"}


def whole_heads(n_heads=10):
    b, d = PARAMS["block_size"], PARAMS["head_dim"]
    out = []
    for seed in range(n_heads):
        rng = np.random.default_rng(200 + seed)
        nb = 1 + seed % PARAMS["max_blocks"]
        scale = [0.05, 0.7, 3.0][seed % 3]
        h = quantize_head(rng.normal(0, scale, (nb * b, d)), rng.normal(0, scale, (nb * b, d)))
        gamma = [0.9, 1.0, 0.5][seed % 3]
        mult, shift = score_multiplier(h.scale_q * h.scale_k * math.log2(math.e) / math.sqrt(d), CFG)
        out.append(((block_sums(h.q, b), block_sums(h.k, b), mult, shift, gamma_fixed(gamma, CFG)),
                    pooled_selection_fixed(h, gamma, CFG)))
    return out


def test_pooled_golden_equals_pooled_selection_fixed():
    for args, want in whole_heads():
        assert np.array_equal(pooled_golden(*args, CFG), want), (args, want)


def test_pooled_select_rtl_on_whole_heads():
    run_pooled([a for a, _ in whole_heads(4)], [], [False, True])


@pytest.mark.parametrize("kw", [{"max_blocks": 1}, {"gamma_frac": 30}, {"hist_bits": 0}])
def test_pooled_select_rejects_bad_params(kw):
    with pytest.raises(ValueError, match=r"sig_pooled_select field '\w+' = .* is not allowed: must be an integer in"):
        get_block("sig_pooled_select").instantiate({**PARAMS, **kw})
