"""sig_cover_count: radix/histogram coverage count on MyHDL and the converted Verilog, equal to the
golden ``cover_count`` exactly (targets below, at and above the total; ties; n < max_n)."""

import pytest
from hypothesis import Phase, example, given, settings, strategies as st

from fast_prefill.blocks import get_block
from fast_prefill.config import get_preset
from fast_prefill.verify.bench.sig.harness import COVER_PARAMS, run_cover_count
from fast_prefill.verify.strategies import pattern

WIDE = {"max_n": 16, "width": 7, "hist_bits": 3, "sum_width": 12}
# the u280's digit (sig_cover_hist_bits = 6: 64 bins a pass) over two passes of 12-bit values
U280_DIGIT = {"max_n": 32, "width": 12, "hist_bits": get_preset("u280").sig_cover_hist_bits, "sum_width": 17}


@st.composite
def vectors(draw, params):
    n = draw(st.integers(1, params["max_n"]))
    top = (1 << params["width"]) - 1
    pool = draw(st.lists(st.integers(0, top), min_size=1, max_size=3))
    vals = draw(st.lists(st.one_of(st.sampled_from(pool), st.integers(0, top)), min_size=n, max_size=n))
    total = sum(vals)
    target = draw(st.one_of(st.integers(0, max(total, 1)), st.sampled_from([0, total, max(total - 1, 0)]),
                            st.integers(0, (1 << params["sum_width"]) - 1)))
    return target, vals


@settings(phases=[Phase.explicit, Phase.reuse, Phase.generate])   # no shrinking: a co-simulation per try
@given(data=st.data(), idle=pattern(), stall=pattern())
@example(data=None, idle=[], stall=[])
def test_cover_count_equals_golden(data, idle, stall):
    if data is None:
        vecs = [(30, [5] * 8), (40, [5] * 8), (0, [0, 0, 1]), (9, [63, 1, 2])]
    else:
        vecs = data.draw(st.lists(vectors(COVER_PARAMS), min_size=1, max_size=3))
    run_cover_count(vecs, idle, stall)


@settings(phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(data=st.data(), stall=pattern())
def test_cover_count_wide_equals_golden(data, stall):
    run_cover_count(data.draw(st.lists(vectors(WIDE), min_size=1, max_size=2)), [], stall, params=WIDE)


@settings(phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(data=st.data(), stall=pattern())
def test_cover_count_u280_digit_equals_golden(data, stall):
    run_cover_count(data.draw(st.lists(vectors(U280_DIGIT), min_size=1, max_size=2)), [], stall, params=U280_DIGIT)


@given(data=st.data())
def test_cover_count_golden_does_not_depend_on_the_digit(data):
    """The threshold the passes find is the exact one whatever the digit, so the RTL's digit
    (``sig_cover_hist_bits``) may differ from the golden configuration's ``hist_bits``."""
    import numpy as np

    from fast_prefill.verify.golden.fixed_point import FixedPointConfig, cover_count

    target, vals = data.draw(vectors(U280_DIGIT))
    got = {cover_count(np.asarray(vals), target, FixedPointConfig(hist_bits=hb), U280_DIGIT["width"])
           for hb in range(1, 9)}
    assert len(got) == 1, got


@pytest.mark.parametrize("kw", [{"max_n": 1}, {"hist_bits": 0}, {"sum_width": 4}])
def test_cover_count_rejects_bad_params(kw):
    with pytest.raises(ValueError, match=r"sig_cover_count field '\w+' = .* is not allowed: must be an integer in"):
        get_block("sig_cover_count").instantiate({**COVER_PARAMS, **kw})


@pytest.mark.parametrize("vec", [(2, [1, 2]), (5, [3, 4, 1]), (30, [5] * 8), (0, [0]), (100, [1, 2, 3]),
                                 (7, [63, 1, 9, 9, 2])], ids=["two", "three", "ties", "one-zero", "early", "five"])
@pytest.mark.parametrize("p", [None, U280_DIGIT], ids=["digit4", "u280-digit"])
def test_cover_count_cycles_equal_the_schedule(vec, p):
    """Header beat to result beat, no stalls: ``cover_count_cycles`` (with the golden search's
    scanned digits) + 1 for the beat itself, early exits and searches; the performance model's
    formula is the same."""
    import numpy as np

    from fast_prefill.perf import units as U
    from fast_prefill.rtl.sig.cover_count import cover_count_cycles, cover_count_widths
    from fast_prefill.verify.streams import run_stream_bench

    p = p or COVER_PARAMS
    target, vals = vec
    _, pw = cover_count_widths(p["max_n"], p["width"], p["sum_width"])
    beats = [target] + list(vals)
    beats[-1] |= 1 << pw
    res = run_stream_bench(get_block("sig_cover_count"), p, "icarus", {"s": beats}, {"m": 1}, max_cycles=3000)
    span = res.out_cycles["m"][0] - res.in_cycles["s"][0] + 1
    scan, early = U.cover_scan_exact(np.asarray(vals), target, p["width"], p["hist_bits"])
    want = cover_count_cycles(len(vals), p["width"], p["hist_bits"], p["max_n"], scan, early)
    assert want == U.cover_count_cycles(len(vals), p["width"], p["hist_bits"], p["max_n"], scan, early)
    assert span == want + 1, (span, want)
