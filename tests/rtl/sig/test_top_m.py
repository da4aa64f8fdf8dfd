"""sig_top_m: budget clamp and radix top-m select with forced index 0, ascending emission, on MyHDL
and the converted Verilog, equal to the golden ``top_m_select`` exactly (ties, budgets, n < max_n)."""

import numpy as np
import pytest
from hypothesis import example, given, settings, strategies as st

from fast_prefill.blocks import get_block
from fast_prefill.verify.bench.sig.harness import TOP_M_PARAMS, run_top_m
from fast_prefill.verify.strategies import pattern

WIDE = {"max_n": 16, "width": 7, "hist_bits": 3, "div_shift": 0, "min_m": 1, "max_m": 16}


@st.composite
def vectors(draw, params):
    n = draw(st.integers(1, params["max_n"]))
    top = (1 << params["width"]) - 1
    pool = draw(st.lists(st.integers(0, top), min_size=1, max_size=3))  # few distinct values: ties
    vals = draw(st.lists(st.one_of(st.sampled_from(pool), st.integers(0, top)), min_size=n, max_size=n))
    cmax = (1 << (params["max_n"] - 1).bit_length() + 1 + params["div_shift"]) - 1
    count = draw(st.integers(0, cmax))
    return count, vals


@pytest.mark.slow   # CI budget (clean-clone run 21m58s at stop 12); make test-all runs it
@given(data=st.data(), idle=pattern(), stall=pattern())
@example(data=None, idle=[], stall=[])
def test_top_m_equals_golden(data, idle, stall):
    if data is None:  # all equal values: ties resolved lowest index first
        vecs = [(6, [5] * 8), (0, [0, 1, 2, 3, 4, 5, 6, 7])]
    else:
        vecs = data.draw(st.lists(vectors(TOP_M_PARAMS), min_size=1, max_size=3))
    run_top_m(vecs, idle, stall)


@pytest.mark.slow  # CI budget: the default run keeps the narrow property and the structured cases
@settings(max_examples=10)  # made smaller: each example converts nothing but simulates ~150 cycles x 2
@given(data=st.data(), stall=pattern())
def test_top_m_wide_equals_golden(data, stall):
    """16 entries, 7-bit values, 3-bit digits (the last pass has one bit), no divisor."""
    run_top_m(data.draw(st.lists(vectors(WIDE), min_size=1, max_size=2)), [], stall, params=WIDE)


@pytest.mark.parametrize("kw", [{"max_n": 1}, {"hist_bits": 0}, {"min_m": 0}, {"max_m": 0}])
def test_top_m_rejects_bad_params(kw):
    with pytest.raises(ValueError, match=r"sig_top_m field '\w+' = .* is not allowed: must be an integer in"):
        get_block("sig_top_m").instantiate({**TOP_M_PARAMS, **kw})
