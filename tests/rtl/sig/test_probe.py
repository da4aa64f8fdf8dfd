"""sig_probe: the two-pass score pipeline on MyHDL and the converted Verilog, its vertical and slash
accumulators equal to the golden ``probe_fixed`` exactly, for random and structured heads (small
B, D, N; N not a multiple of B; saturating logits), with source idles and output back-pressure."""

import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from fast_prefill.blocks import get_block
from fast_prefill.rtl.sig.harness import PROBE_PARAMS, probe_cfg, run_probe
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


@settings(max_examples=6)  # made smaller (CI budget): each example simulates ~N x B x 3 cycles on two backends
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
    and the output; (2 nb + 1) B^2 + B (R + 1) + 2 N + B + small."""
    rng = np.random.default_rng(5)
    n = 16
    qp, k = rng.integers(-127, 128, (4, 2)), rng.integers(-127, 128, (n, 2))
    mult, shift = score_multiplier(1e-3, probe_cfg(PROBE_PARAMS))
    res = run_probe([(qp, k, mult, shift)], [], [], backends=("icarus",))["icarus"]
    span = res.out_cycles["m"][-1] - res.in_cycles["s_hdr"][0] + 1
    b, r = 4, PROBE_PARAMS["recip_frac"]
    assert span <= (2 * (n // b) + 1) * b * b + b * (r + 1) + 2 * n + b + 8, span


@pytest.mark.parametrize("kw", [{"block_size": 3}, {"max_n": 6}, {"max_n": 18}, {"acc_frac": 31}])
def test_probe_rejects_bad_params(kw):
    with pytest.raises(ValueError, match=r"sig_probe field '\w+' = .* is not allowed: must be"):
        get_block("sig_probe").instantiate({**PROBE_PARAMS, **kw})
