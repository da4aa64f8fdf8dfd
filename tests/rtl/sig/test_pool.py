"""sig_pool: block pooling of the vertical and slash accumulators and their total, on MyHDL and the
converted Verilog, equal to the golden ``fixed_head_pattern`` pooling exactly (N not a multiple of
B: the partial first slash group and last vertical group), with idles and back-pressure; and the
probe's own output pooled end to end."""

import numpy as np
from hypothesis import given, strategies as st

from fast_prefill.verify.bench.sig.harness import POOL_PARAMS, PROBE_PARAMS, probe_cfg, run_pool
from fast_prefill.verify.golden.fixed_point import probe_fixed, score_multiplier
from fast_prefill.verify.strategies import pattern

TOP = (1 << POOL_PARAMS["acc_width"]) - 1


@st.composite
def accumulators(draw):
    n = draw(st.integers(1, POOL_PARAMS["max_n"]))
    vals = st.one_of(st.integers(0, TOP), st.sampled_from([0, TOP]))
    return draw(st.lists(vals, min_size=n, max_size=n)), draw(st.lists(vals, min_size=n, max_size=n))


@given(heads=st.lists(accumulators(), min_size=1, max_size=3), idle=pattern(), stall=pattern())
def test_pool_equals_golden(heads, idle, stall):
    run_pool(heads, idle, stall)


def test_pool_of_probe_output():
    rng = np.random.default_rng(7)
    heads = []
    for n in (16, 13, 6):
        qp, k = rng.integers(-127, 128, (4, 2)), rng.integers(-127, 128, (n, 2))
        mult, shift = score_multiplier(2e-3, probe_cfg(PROBE_PARAMS))
        vert, slash, _, _ = probe_fixed(qp, k, mult, shift, probe_cfg(PROBE_PARAMS))
        heads.append((vert, slash))
    run_pool(heads, [], [True, False])
