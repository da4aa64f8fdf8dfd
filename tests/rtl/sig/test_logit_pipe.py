"""logit_pipe: one block-mean logit per cycle, ``logit_latency(D)`` edges later, equal to the golden
``logits(a . b, mult, shift)`` on MyHDL and on the converted Verilog, for head dims with and without
an odd leftover in the adder tree, operands at their extremes (both saturations) and random ones;
widths refused with their names."""

import numpy as np
import pytest
from hypothesis import Phase, example, given, settings, strategies as st
from myhdl import Signal, intbv

from fast_prefill.blocks import BlockSpec
from fast_prefill.rtl.common.signed import ssig
from fast_prefill.rtl.sig.logit_pipe import PAIR_EXTRA, logit_latency, logit_pipe, logit_pipe_pair
from fast_prefill.verify.cosim import BACKENDS
from fast_prefill.verify.golden.fixed_point import FixedPointConfig, logits
from fast_prefill.verify.sim import run_pipeline

LF, LW = 8, 24
CFG = FixedPointConfig(logit_frac=LF, logit_bits=LW)


def _ports(p):
    d, eb = p["head_dim"], p["elem_bits"]
    return {"clk": Signal(bool(0)), "a_bus": Signal(intbv(0)[d * eb:]), "b_bus": Signal(intbv(0)[d * eb:]),
            "mult": Signal(intbv(0)[p["mult_bits"]:]), "shift7": Signal(intbv(0)[7:]), "x": ssig(LW)}


def _factory(clk, a_bus, b_bus, mult, shift7, x, head_dim, elem_bits, mult_bits):
    return logit_pipe(clk, a_bus, b_bus, mult, shift7, x, head_dim, elem_bits, mult_bits, LF, LW)


PIPE = BlockSpec(name="logit_pipe", factory=_factory, ports=_ports, params=lambda cfg: {},
                 hdl_params=("head_dim", "elem_bits", "mult_bits"), summary="test registration")


def pack(vals, eb):
    return sum((int(v) & ((1 << eb) - 1)) << (eb * i) for i, v in enumerate(vals))


def run(p, rows, mult, shift, backend):
    eb = p["elem_bits"]
    ins = [{"a_bus": pack(a, eb), "b_bus": pack(b, eb), "mult": mult, "shift7": shift} for a, b in rows]
    got = run_pipeline(PIPE, p, backend, ins, ("x",), logit_latency(p["head_dim"]))
    return [g["x"] - (1 << LW) if g["x"] >= 1 << (LW - 1) else g["x"] for g in got]   # x is signed on MyHDL


SHAPES = [(1, 4, 16), (3, 11, 16), (8, 11, 16), (5, 15, 20), (128, 15, 16)]   # (D, elem_bits, mult_bits)


@settings(phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(shape=st.sampled_from(SHAPES), data=st.data())
@example(shape=(128, 15, 16), data=None)
@example(shape=(3, 11, 16), data=None)
def test_logit_pipeline_equals_golden(shape, data):
    d, eb, mb = shape
    lo, hi = -(1 << (eb - 1)), (1 << (eb - 1)) - 1
    if data is None:   # extremes: both saturations, zero, the largest multiplier and the smallest shift
        rows = [([hi] * d, [hi] * d), ([lo] * d, [hi] * d), ([lo] * d, [lo] * d), ([0] * d, [hi] * d),
                ([1] * d, [-1] * d)]
        mult, shift = (1 << mb) - 1, LF + 1
    else:
        el = st.one_of(st.integers(lo, hi), st.sampled_from([lo, hi, 0, -1, 1]))
        rows = data.draw(st.lists(st.tuples(st.lists(el, min_size=d, max_size=d),
                                            st.lists(el, min_size=d, max_size=d)), min_size=1, max_size=12))
        mult = data.draw(st.integers(1, (1 << mb) - 1))
        # the golden rsr shifts int64 values: shifts up to 62 below LF are defined there
        shift = data.draw(st.one_of(st.integers(LF + 1, LF + 62), st.integers(LF + 1, LF + 2 * eb + mb)))
    dots = [int(np.dot(np.array(a, np.int64), np.array(b, np.int64))) for a, b in rows]
    want = [int(v) for v in logits(np.array(dots, np.int64), mult, shift, CFG)]
    p = {"head_dim": d, "elem_bits": eb, "mult_bits": mb}
    for backend in BACKENDS:
        assert run(p, rows, mult, shift, backend) == want, backend


def test_latency_and_bad_widths():
    assert [logit_latency(d) for d in (1, 2, 3, 8, 128)] == [6, 7, 8, 9, 13]
    clk = Signal(bool(0))
    with pytest.raises(ValueError, match=r"logit_pipe field 'b_bus' width = 15 is not allowed: must be 16"):
        logit_pipe(clk, Signal(intbv(0)[16:]), Signal(intbv(0)[15:]), Signal(intbv(0)[16:]), Signal(intbv(0)[7:]),
                   ssig(LW), 2, 8, 16, LF, LW)
    with pytest.raises(ValueError, match=r"logit_pipe field 'head_dim' = 0 is not allowed"):
        logit_pipe(clk, Signal(intbv(0)[16:]), Signal(intbv(0)[16:]), Signal(intbv(0)[16:]), Signal(intbv(0)[7:]),
                   ssig(LW), 0, 8, 16, LF, LW)


def _pair_ports(p):
    d, eb = p["head_dim"], p["elem_bits"]
    return {"clk": Signal(bool(0)), "a0_bus": Signal(intbv(0)[d * eb:]), "a1_bus": Signal(intbv(0)[d * eb:]),
            "b_bus": Signal(intbv(0)[d * eb:]), "mult": Signal(intbv(0)[p["mult_bits"]:]),
            "shift7": Signal(intbv(0)[7:]), "x0": ssig(LW), "x1": ssig(LW)}


def _pair_factory(clk, a0_bus, a1_bus, b_bus, mult, shift7, x0, x1, head_dim, elem_bits, mult_bits):
    return logit_pipe_pair(clk, a0_bus, a1_bus, b_bus, mult, shift7, x0, x1, head_dim, elem_bits, mult_bits, LF, LW)


PAIR = BlockSpec(name="logit_pipe_pair", factory=_pair_factory, ports=_pair_ports, params=lambda cfg: {},
                 hdl_params=("head_dim", "elem_bits", "mult_bits"), summary="test registration")


def _signed(v):
    return v - (1 << LW) if v >= 1 << (LW - 1) else v


@settings(phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(d=st.sampled_from([1, 3, 8]), data=st.data())
@example(d=8, data=None)
def test_logit_pipe_pair_equals_golden(d, data):
    """Two probe rows against one key from D shared multipliers (``mpu_dsp_pair``): both logits
    equal the golden, ``PAIR_EXTRA`` edges after a plain pipeline's, at INT8 extremes and random."""
    eb, mb = 8, 16
    lo, hi = -(1 << (eb - 1)), (1 << (eb - 1)) - 1
    if data is None:   # every sign combination of the extremes, so the pair's correction is exercised
        rows = [([hi] * d, [lo] * d, [hi] * d), ([lo] * d, [lo] * d, [lo] * d), ([lo] * d, [hi] * d, [hi] * d),
                ([0] * d, [-1] * d, [1] * d), ([-1] * d, [1] * d, [lo] * d)]
        mult, shift = (1 << mb) - 1, LF + 1
    else:
        el = st.one_of(st.integers(lo, hi), st.sampled_from([lo, hi, 0, -1, 1]))
        vec = st.lists(el, min_size=d, max_size=d)
        rows = data.draw(st.lists(st.tuples(vec, vec, vec), min_size=1, max_size=12))
        mult = data.draw(st.integers(1, (1 << mb) - 1))
        shift = data.draw(st.integers(LF + 1, LF + 2 * eb + mb))
    want = {}
    for k, col in (("x0", 0), ("x1", 1)):
        dots = [int(np.dot(np.array(r[col], np.int64), np.array(r[2], np.int64))) for r in rows]
        want[k] = [int(v) for v in logits(np.array(dots, np.int64), mult, shift, CFG)]
    p = {"head_dim": d, "elem_bits": eb, "mult_bits": mb}
    ins = [{"a0_bus": pack(a0, eb), "a1_bus": pack(a1, eb), "b_bus": pack(b, eb), "mult": mult, "shift7": shift}
           for a0, a1, b in rows]
    for backend in BACKENDS:
        got = run_pipeline(PAIR, p, backend, ins, ("x0", "x1"), logit_latency(d) + PAIR_EXTRA)
        for k in ("x0", "x1"):
            assert [_signed(g[k]) for g in got] == want[k], (backend, k)
