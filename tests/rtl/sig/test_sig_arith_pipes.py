"""exp2_pipe and log2_pipe: one value per cycle, a fixed number of edges later, equal to the golden
``exp2_neg`` and ``log2_fixed`` (0 for 0 and 1) on MyHDL and on the converted Verilog; every
table entry and shift reached (exhaustive over the small widths, the edges and random values over the
wide ones); widths refused with their names."""

import numpy as np
import pytest
from hypothesis import Phase, example, given, settings, strategies as st
from myhdl import Signal, intbv

from fast_prefill.blocks import BlockSpec
from fast_prefill.rtl.sig.exp2_pipe import EXP2_LATENCY, exp2_pipe
from fast_prefill.rtl.sig.log2_pipe import LOG2_LATENCY, log2_pipe
from fast_prefill.verify.cosim import BACKENDS
from fast_prefill.verify.golden.fixed_point import FixedPointConfig, exp2_neg, log2_fixed
from fast_prefill.verify.sim import run_pipeline

NO_SHRINK = [Phase.explicit, Phase.reuse, Phase.generate]


def _exp_ports(p):
    return {"clk": Signal(bool(0)), "z": Signal(intbv(0)[p["zw"]:]), "e": Signal(intbv(0)[p["prob_frac"] + 1:])}


def _exp_factory(clk, z, e, zw, logit_frac, exp_lut_bits, prob_frac):
    return exp2_pipe(clk, z, e, logit_frac, exp_lut_bits, prob_frac)


EXP = BlockSpec(name="exp2_pipe", factory=_exp_factory, ports=_exp_ports, params=lambda cfg: {},
                hdl_params=("zw", "logit_frac", "exp_lut_bits", "prob_frac"), summary="test registration")


def _log_ports(p):
    return {"clk": Signal(bool(0)), "xin": Signal(intbv(0)[p["xw"]:]), "out": Signal(intbv(0)[p["ow"]:])}


def _log_factory(clk, xin, out, xw, ow, log_lut_bits, log_frac):
    return log2_pipe(clk, xin, out, log_lut_bits, log_frac)


LOG = BlockSpec(name="log2_pipe", factory=_log_factory, ports=_log_ports, params=lambda cfg: {},
                hdl_params=("xw", "ow", "log_lut_bits", "log_frac"), summary="test registration")

EXP_SHAPES = [(24, 8, 8, 15), (12, 4, 3, 6), (10, 6, 6, 4)]        # (zw, LF, L, P)
LOG_SHAPES = [(17, 18, 8, 12), (18, 18, 8, 12), (5, 9, 3, 5), (9, 14, 8, 4)]   # (xw, ow, LL, LG)


@settings(phases=NO_SHRINK)
@given(shape=st.sampled_from(EXP_SHAPES), data=st.data())
@example(shape=(12, 4, 3, 6), data=None)
@example(shape=(24, 8, 8, 15), data=None)
def test_exp2_pipeline_equals_golden(shape, data):
    zw, lf, lb, pf = shape
    cfg = FixedPointConfig(logit_frac=lf, exp_lut_bits=lb, prob_frac=pf)
    top = (1 << zw) - 1
    if data is None:   # every table entry at shifts 0, 1, P, P + 1 and the largest z (exhaustive when small)
        zs = list(range(top + 1)) if zw <= 12 else [
            (n << lf) | f for n in (0, 1, pf, pf + 1, top >> lf) for f in range(1 << lf)]
    else:
        zs = data.draw(st.lists(st.one_of(st.integers(0, top), st.integers(0, (pf + 2) << lf)), min_size=1,
                                max_size=40))
    want = [int(v) for v in exp2_neg(np.array(zs), cfg)]
    p = {"zw": zw, "logit_frac": lf, "exp_lut_bits": lb, "prob_frac": pf}
    for backend in BACKENDS:
        got = run_pipeline(EXP, p, backend, [{"z": z} for z in zs], ("e",), EXP2_LATENCY)
        assert [g["e"] for g in got] == want, backend


@settings(phases=NO_SHRINK)
@given(shape=st.sampled_from(LOG_SHAPES), data=st.data())
@example(shape=(9, 14, 8, 4), data=None)
@example(shape=(18, 18, 8, 12), data=None)
def test_log2_pipeline_equals_golden(shape, data):
    xw, ow, ll, lg = shape
    cfg = FixedPointConfig(log_lut_bits=ll, log_frac=lg)
    top = (1 << xw) - 1
    if data is None:   # exhaustive when small; else every power of two, its neighbours, the top mantissas
        xs = list(range(top + 1)) if xw <= 9 else sorted(
            {v for k in range(xw) for v in ((1 << k) - 1, 1 << k, (1 << k) + 1, (2 << k) - 1) if 0 <= v <= top}
            | {top - i for i in range(64)})
    else:
        xs = data.draw(st.lists(st.integers(0, top), min_size=1, max_size=40))
    want = [int(v) for v in log2_fixed(np.maximum(np.array(xs), 1), cfg)]
    p = {"xw": xw, "ow": ow, "log_lut_bits": ll, "log_frac": lg}
    for backend in BACKENDS:
        got = run_pipeline(LOG, p, backend, [{"xin": x} for x in xs], ("out",), LOG2_LATENCY)
        assert [g["out"] for g in got] == want, backend


def test_bad_widths_are_refused():
    clk = Signal(bool(0))
    with pytest.raises(ValueError, match=r"exp2_pipe field 'e' width = 15 is not allowed: must be prob_frac \+ 1 = 16"):
        exp2_pipe(clk, Signal(intbv(0)[24:]), Signal(intbv(0)[15:]), 8, 8, 15)
    with pytest.raises(ValueError, match=r"exp2_pipe field 'z' width = 8 is not allowed: must exceed logit_frac = 8"):
        exp2_pipe(clk, Signal(intbv(0)[8:]), Signal(intbv(0)[16:]), 8, 8, 15)
    with pytest.raises(ValueError, match=r"log2_pipe field 'out' width = 17 is not allowed: must be at least"):
        log2_pipe(clk, Signal(intbv(0)[18:]), Signal(intbv(0)[17:]), 8, 12)
