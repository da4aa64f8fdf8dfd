"""sae_recip_pipe: one reciprocal ``floor(2**(P+R) / l)`` per cycle, R + 1 cycles later, equal to the
golden ``reciprocal`` for every divisor a row's exp-sum can take (``l >= 2**P``), on MyHDL and on the
converted Verilog; widths refused with their names."""

import numpy as np
import pytest
from hypothesis import example, given, strategies as st
from myhdl import Signal, intbv

from fast_prefill.blocks import BlockSpec
from fast_prefill.rtl.sae.recip_pipe import sae_recip_pipe
from fast_prefill.verify.cosim import BACKENDS
from fast_prefill.verify.golden.fixed_point import FixedPointConfig, reciprocal
from fast_prefill.verify.sim import run_pipeline


def _ports(p):
    return {"clk": Signal(bool(0)), "l": Signal(intbv(0)[p["lw"]:]), "inv": Signal(intbv(0)[p["recip_frac"] + 1:])}


def _factory(clk, l, inv, lw, prob_frac, recip_frac):
    return sae_recip_pipe(clk, l, inv, prob_frac=prob_frac, recip_frac=recip_frac)


PIPE = BlockSpec(name="sae_recip_pipe", factory=_factory, ports=_ports, params=lambda cfg: {},
                 hdl_params=("lw", "prob_frac", "recip_frac"), summary="test registration")


def run(p, ls, backend):
    got = run_pipeline(PIPE, p, backend, [{"l": v} for v in ls], ("inv",), p["recip_frac"] + 1)
    return [g["inv"] for g in got]


@given(fracs=st.sampled_from([(15, 16, 24), (4, 4, 9), (8, 6, 14)]), data=st.data())
@example(fracs=(15, 16, 24), data=None)
def test_reciprocal_pipeline_equals_golden(fracs, data):
    pf, rf, lw = fracs
    cfg = FixedPointConfig(prob_frac=pf, recip_frac=rf)
    lo, hi = 1 << pf, (1 << lw) - 1
    if data is None:   # the extremes: the smallest and largest divisors and the first few above 2**P
        ls = [lo, lo + 1, lo + 2, 2 * lo - 1, 2 * lo, 3 * lo, hi - 1, hi]
    else:
        ls = data.draw(st.lists(st.one_of(st.integers(lo, hi), st.integers(lo, 4 * lo)), min_size=1, max_size=30))
    want = [int(v) for v in reciprocal(np.array(ls), pf, cfg)]
    p = {"lw": lw, "prob_frac": pf, "recip_frac": rf}
    for backend in BACKENDS:
        assert run(p, ls, backend) == want, backend


def test_bad_widths_are_refused():
    p = {"lw": 24, "prob_frac": 15, "recip_frac": 16}
    with pytest.raises(ValueError, match=r"sae_recip_pipe field 'inv' width = 16 is not allowed: must be recip_frac \+ 1 = 17"):
        sae_recip_pipe(Signal(bool(0)), Signal(intbv(0)[24:]), Signal(intbv(0)[16:]), prob_frac=15, recip_frac=16)
    with pytest.raises(ValueError, match=r"sae_recip_pipe field 'l' width = 15 is not allowed: must exceed prob_frac = 15"):
        sae_recip_pipe(Signal(bool(0)), Signal(intbv(0)[15:]), Signal(intbv(0)[17:]), prob_frac=15, recip_frac=16)
    assert _ports(p)["inv"]._nrbits == 17
