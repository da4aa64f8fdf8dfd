"""mpu_dsp_pair_lane: two dot products sharing one operand vector from k packed multiplications, on
MyHDL and on the converted Verilog, equal to numpy's x . w0 and x . w1 exactly, 2 cycles later, for
random and extreme operands; the packing without its correction term caught by co-simulation;
parameters refused with their field names. Synthesis (k DSP48E2 for the 2k products) is checked by
tests/rtl/mpu/test_mpu_sizing.py and tests/test_synth_modules.py."""

import numpy as np
import pytest
from hypothesis import example, given, strategies as st

from fast_prefill.blocks import get_block
from fast_prefill.rtl.mpu.dsp_pair_lane import LATENCY
from fast_prefill.rtl.mpu.packing import pack, unpack
from fast_prefill.rtl.mpu.parts import sum_width
from fast_prefill.verify.cosim import BACKENDS
from fast_prefill.verify.sim import run_pipeline

LANE = get_block("mpu_dsp_pair_lane")


def run_lane(p: dict, ops: list[tuple[list[int], list[int], list[int]]], backend: str, mutant=None):
    """One (x, w0, w1) per cycle; (y0, y1) sampled LATENCY cycles after each."""
    W, A = p["data_width"], p["acc_width"]
    inputs = [{"x": pack(x, W), "w0": pack(w0, W), "w1": pack(w1, W)} for x, w0, w1 in ops]
    got = run_pipeline(LANE, p, backend, inputs, ("y0", "y1"), LATENCY, mutant=mutant)
    return [(unpack(g["y0"], 1, A)[0], unpack(g["y1"], 1, A)[0]) for g in got]


def want(ops):
    dot = lambda a, b: int(np.dot(np.array(a, dtype=np.int64), np.array(b, dtype=np.int64)))  # noqa: E731
    return [(dot(x, w0), dot(x, w1)) for x, w0, w1 in ops]


def extremes(k: int, w: int):
    lo, hi = -(1 << (w - 1)), (1 << (w - 1)) - 1
    vals = (lo, -1, 0, 1, hi)
    return [([x] * k, [a] * k, [b] * k) for x in (lo, -1, hi) for a in vals for b in (lo, -1, hi)]


def operations(k: int, w: int):
    lo, hi = -(1 << (w - 1)), (1 << (w - 1)) - 1
    elem = st.one_of(st.integers(lo, hi), st.sampled_from([lo, hi, 0, -1, 1]))
    vec = st.lists(elem, min_size=k, max_size=k)
    return st.lists(st.tuples(vec, vec, vec), min_size=1, max_size=24)


SHAPES = [(4, 8), (1, 8), (2, 8), (4, 5), (8, 3)]


@given(shape=st.sampled_from(SHAPES), data=st.data())
@example(shape=(4, 8), data=None)
def test_pair_lane_equals_two_dot_products(shape, data):
    k, w = shape
    p = {"k": k, "data_width": w, "acc_width": sum_width(k, w)}
    ops = extremes(k, w) if data is None else data.draw(operations(k, w))
    for backend in BACKENDS:
        assert run_lane(p, ops, backend) == want(ops), backend


def test_without_the_correction_term_the_second_dot_product_is_wrong():
    from fast_prefill.verify.mutants_mpu import mpu_dsp_pair_no_correction

    p = {"k": 2, "data_width": 8, "acc_width": 17}
    ops = [([7, 7], [-3, 2], [5, 5])]        # x * w0 = (-21, 14): one negative low product borrows
    assert want(ops) == [(-7, 70)]
    got = run_lane(p, ops, "icarus", mutant=mpu_dsp_pair_no_correction(count=2))
    assert got == [(-7, 69)]


@pytest.mark.parametrize("kw, match", [
    ({"data_width": 9}, r"mpu_dsp_pair_lane field 'data_width' = 9 is not allowed: must be an integer in \[2, 8\]"),
    ({"k": 3}, r"mpu_dsp_pair_lane field 'k' = 3 is not allowed: must be a power of two in \[1, 256\]"),
    ({"acc_width": 17}, r"mpu_dsp_pair_lane field 'acc_width' = 17 is not allowed: must be an integer in \[18, 64\]"),
])
def test_bad_parameters_are_refused(kw, match):
    p = {"k": 4, "data_width": 8, "acc_width": 18, **kw}
    ports = LANE.ports({**p, "k": 4} if "k" in kw else p)
    with pytest.raises(ValueError, match=match):
        LANE.factory(**ports, k=p["k"], data_width=p["data_width"])


def test_mismatched_output_widths_are_refused():
    p = {"k": 4, "data_width": 8, "acc_width": 18}
    ports = {**LANE.ports(p), "y1": LANE.ports({**p, "acc_width": 20})["y1"]}
    with pytest.raises(ValueError, match=r"field 'y1' width = 20 is not allowed: must equal y0's \(18\)"):
        LANE.factory(**ports, k=4, data_width=8)
