"""sig_top_m: budget clamp and radix top-m select with forced index 0, ascending emission, on MyHDL
and the converted Verilog, equal to the golden ``top_m_select`` exactly (ties, budgets, n < max_n)."""

import numpy as np
import pytest
from hypothesis import Phase, example, given, settings, strategies as st

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


@settings(phases=[Phase.explicit, Phase.reuse, Phase.generate])   # no shrinking: a co-simulation per try
@given(data=st.data(), idle=pattern(), stall=pattern())
@example(data=None, idle=[], stall=[])
def test_top_m_equals_golden(data, idle, stall):
    if data is None:  # all equal values: ties resolved lowest index first
        vecs = [(6, [5] * 8), (0, [0, 1, 2, 3, 4, 5, 6, 7])]
    else:
        vecs = data.draw(st.lists(vectors(TOP_M_PARAMS), min_size=1, max_size=3))
    run_top_m(vecs, idle, stall)


@settings(phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(data=st.data(), stall=pattern())
def test_top_m_wide_equals_golden(data, stall):
    """16 entries, 7-bit values, 3-bit digits (the last pass has one bit), no divisor."""
    run_top_m(data.draw(st.lists(vectors(WIDE), min_size=1, max_size=2)), [], stall, params=WIDE)


@pytest.mark.parametrize("kw", [{"max_n": 1}, {"hist_bits": 0}, {"min_m": 0}, {"max_m": 0}])
def test_top_m_rejects_bad_params(kw):
    with pytest.raises(ValueError, match=r"sig_top_m field '\w+' = .* is not allowed: must be an integer in"):
        get_block("sig_top_m").instantiate({**TOP_M_PARAMS, **kw})


@pytest.mark.parametrize("vec", [(3, [9, 1, 5, 7, 2]), (0, [4, 4, 4]), (7, [1, 2, 3, 4, 5, 6, 7, 8]), (2, [0]),
                                 (5, [3, 3, 3, 3, 3, 3])], ids=["five", "ties3", "eight", "one", "ties6"])
def test_top_m_cycles_equal_the_schedule(vec):
    """Header beat to the last index beat, no stalls: ``top_m_cycles`` (with the golden search's
    scanned digits and last selected index) + 1 for the beat itself; the performance model's
    formula is the same."""
    from fast_prefill.perf import units as U
    from fast_prefill.rtl.sig.top_m import top_m_cycles, top_m_widths
    from fast_prefill.verify.bench.sig.harness import top_m_golden
    from fast_prefill.verify.streams import run_stream_bench

    p = TOP_M_PARAMS
    count, vals = vec
    _, _, pw = top_m_widths(p["max_n"], p["width"], p["div_shift"])
    beats = [count] + list(vals)
    beats[-1] |= 1 << pw
    sel = top_m_golden(count, vals, p)
    res = run_stream_bench(get_block("sig_top_m"), p, "icarus", {"s": beats}, {"m": len(sel)}, max_cycles=3000)
    span = res.out_cycles["m"][-1] - res.in_cycles["s"][0] + 1
    scan, last = U.top_m_scan_exact(np.asarray(vals), len(sel), p["width"], p["hist_bits"])
    want = top_m_cycles(len(vals), p["width"], p["hist_bits"], len(sel), scan, last)
    assert want == U.top_m_cycles(len(vals), p["width"], p["hist_bits"], len(sel), scan, last)
    assert span == want + 1, (span, want)
