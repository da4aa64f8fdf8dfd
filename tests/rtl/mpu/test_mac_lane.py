"""mpu_mac_lane (the MPU's P x V lane kind): n multiply-accumulates sharing one operand, on MyHDL and
on the converted Verilog, equal to a Python model of ``y[i] = (clr ? 0 : y[i]) + a[i] * b`` every
cycle, for random and extreme operands with random enables and clears; parameters refused with
their field names."""

import pytest
from hypothesis import example, given, strategies as st

from fast_prefill.blocks import get_block
from fast_prefill.rtl.mpu.mac_lane import LATENCY, mpu_mac_lane
from fast_prefill.rtl.mpu.packing import unpack
from fast_prefill.verify.cosim import BACKENDS
from fast_prefill.verify.sim import run_pipeline


LANE = get_block("mpu_mac_lane")
_ports = LANE.ports


def model(p, ops):
    """``y`` after each operation, ``LATENCY`` cycles later (the lane's registered sums)."""
    y = [0] * p["n"]
    out = []
    for a, b, en, clr in ops:
        if en:
            y = [(0 if clr else y[i]) + a[i] * b for i in range(p["n"])]
        out.append(list(y))
    return out


def run(p, ops, backend):
    # The sums have no reset (a DSP's P register): lead with a clearing operation (a = 0) so they
    # start at 0, as the model does. run_pipeline applies its first input for two edges (it is
    # built for pure pipelines), harmless for a clear; its sample is dropped.
    ops = [([0] * p["n"], 0, True, True)] + list(ops)
    ins = [{"a": sum(v << (i * p["a_width"]) for i, v in enumerate(a)),
            "b": b & ((1 << p["b_width"]) - 1), "en": int(en), "clr": int(clr)} for a, b, en, clr in ops]
    got = run_pipeline(LANE, p, backend, ins, ("y",), LATENCY)
    return [unpack(g["y"], p["n"], p["acc_width"]) for g in got[1:]]


@st.composite
def cases(draw):
    n = draw(st.sampled_from([1, 2, 4]))
    aw = draw(st.sampled_from([4, 16]))
    bw = draw(st.sampled_from([3, 8]))
    steps = draw(st.integers(1, 20))
    acc = aw + bw + 1 + (steps - 1).bit_length() + 1
    amax, blo, bhi = (1 << aw) - 1, -(1 << (bw - 1)), (1 << (bw - 1)) - 1
    op = st.tuples(st.lists(st.one_of(st.integers(0, amax), st.sampled_from([0, amax])), min_size=n, max_size=n),
                   st.one_of(st.integers(blo, bhi), st.sampled_from([blo, bhi])), st.booleans(), st.booleans())
    ops = draw(st.lists(op, min_size=steps, max_size=steps))
    return {"n": n, "a_width": aw, "b_width": bw, "acc_width": acc}, ops


@given(case=cases())
@example(case=({"n": 2, "a_width": 16, "b_width": 8, "acc_width": 30},
               [([65535, 32768], -128, True, True)] + [([65535, 0], -128, True, False)] * 7
               + [([1, 1], 127, False, False), ([65535, 65535], 127, True, True)]))
def test_mac_lane_accumulates_outer_products(case):
    p, ops = case
    want = model(p, ops)
    for backend in BACKENDS:
        assert run(p, ops, backend) == want, backend


@pytest.mark.parametrize("kw, match", [
    ({"n": 0}, r"mpu_mac_lane field 'n' = 0 is not allowed: must be an integer in \[1, 256\]"),
    ({"a_width": 27}, r"mpu_mac_lane field 'a_width' = 27 is not allowed: must be an integer in \[1, 26\]"),
    ({"acc_width": 24}, r"mpu_mac_lane field 'acc_width' = 24 is not allowed: must be an integer in \[25, 48\]"),
])
def test_bad_parameters_are_refused(kw, match):
    p = {"n": 2, "a_width": 16, "b_width": 8, "acc_width": 30, **kw}
    ports = _ports({**p, "n": max(1, p["n"])})
    with pytest.raises(ValueError, match=match):
        mpu_mac_lane(**ports, **p)
