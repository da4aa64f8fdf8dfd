"""mpu_dsp_lane and mpu_bitplane_lane (through mpu_lane_pair): random operand vectors every cycle,
on MyHDL and on the converted Verilog, equal to the numpy dot product exactly, 2 cycles later."""

import numpy as np
import pytest
from hypothesis import example, given, strategies as st

from fast_prefill.blocks import get_block
from fast_prefill.rtl.mpu.dsp_lane import LATENCY
from fast_prefill.rtl.mpu.packing import pack, unpack
from fast_prefill.verify.cosim import BACKENDS
from fast_prefill.verify.sim import run_pipeline

PAIR = get_block("mpu_lane_pair")


def run_pair(p: dict, xs: list[list[int]], ws: list[list[int]], backend: str) -> list[tuple[int, int]]:
    """Apply one (x, w) pair per cycle; return (y_dsp, y_lut) sampled LATENCY cycles after each."""
    W, A = p["data_width"], p["acc_width"]
    got = run_pipeline(PAIR, p, backend, [{"x": pack(x, W), "w": pack(w, W)} for x, w in zip(xs, ws)],
                       ("y_dsp", "y_lut"), LATENCY)
    return [(unpack(g["y_dsp"], 1, A)[0], unpack(g["y_lut"], 1, A)[0]) for g in got]


def vectors(k, w, n):
    lo, hi = -(1 << (w - 1)), (1 << (w - 1)) - 1
    elem = st.one_of(st.integers(lo, hi), st.sampled_from([lo, hi, 0, -1]))
    return st.lists(st.lists(elem, min_size=k, max_size=k), min_size=n, max_size=n)


# Each example elaborates the MyHDL pair (about a second) and runs up to 24 vectors through it; a
# sixth of the profile's examples keeps this under 15 s. The proofs cover all operand values.
@given(p=st.sampled_from([{"k": 2, "data_width": 8, "acc_width": 17}, {"k": 4, "data_width": 8, "acc_width": 24},
                          {"k": 1, "data_width": 8, "acc_width": 16}, {"k": 4, "data_width": 5, "acc_width": 12}]),
       data=st.data())
@example(p={"k": 2, "data_width": 8, "acc_width": 17}, data=None)
def test_lanes_equal_numpy_dot(p, data):
    k, w = p["k"], p["data_width"]
    lo, hi = -(1 << (w - 1)), (1 << (w - 1)) - 1
    if data is None:   # the extremes: -128 x -128, -128 x 127, 127 x 127, 0
        xs = [[lo] * k, [lo] * k, [hi] * k, [0] * k, [lo, hi][:k] + [lo] * (k - 2)]
        ws = [[lo] * k, [hi] * k, [hi] * k, [lo] * k, [lo] * k]
    else:
        n = data.draw(st.integers(1, 24))
        xs, ws = data.draw(vectors(k, w, n)), data.draw(vectors(k, w, n))
    want = [int(np.dot(np.array(x, dtype=np.int64), np.array(v, dtype=np.int64))) for x, v in zip(xs, ws)]
    for backend in BACKENDS:
        got = run_pair(p, xs, ws, backend)
        assert [g[0] for g in got] == want, f"DSP lane on {backend}: {got} != {want}"
        assert [g[1] for g in got] == want, f"bit-plane lane on {backend}: {got} != {want}"


def test_dsp_lane_has_a_multiplier_and_bitplane_lane_none(tmp_path):
    """The bit-plane lane's Verilog contains no '*'; the DSP lane's does (one per product)."""
    from fast_prefill.convert import convert_block

    p = {"k": 4, "data_width": 8, "acc_width": 24}
    lut = convert_block(get_block("mpu_bitplane_lane"), p, tmp_path, "lut_lane").read_text()
    dsp = convert_block(get_block("mpu_dsp_lane"), p, tmp_path, "dsp_lane").read_text()
    body = lambda t: "\n".join(line for line in t.splitlines() if not line.lstrip().startswith("//"))
    assert " * " not in body(lut)
    assert body(dsp).count(" * ") == 4


@pytest.mark.parametrize("block", ["mpu_dsp_lane", "mpu_bitplane_lane"])
@pytest.mark.parametrize("kw, match", [
    ({"k": 6}, r"field 'k' = 6 is not allowed: must be a power of two in \[1, 256\]"),
    ({"acc_width": 16}, r"field 'acc_width' = 16 is not allowed: must be an integer in \[18, 64\]"),
])
def test_lane_rejects_bad_parameters(block, kw, match):
    spec = get_block(block)
    p = {"k": 4, "data_width": 8, "acc_width": 24, **kw}
    ports = spec.ports({**p, "k": 4})
    with pytest.raises(ValueError, match=match):
        spec.factory(**ports, k=p["k"], data_width=p["data_width"]) if "acc_width" not in kw else \
            spec.factory(**{**ports, "y": spec.ports(p)["y"]}, k=4, data_width=8)
