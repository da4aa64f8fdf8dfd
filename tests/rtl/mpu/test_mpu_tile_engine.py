"""mpu_tile_engine: random tiles and shapes, random idles and back-pressure, on MyHDL and on the
converted Verilog (Icarus), equal to numpy integer matmul exactly."""

import numpy as np
import pytest
from hypothesis import example, given, settings

from fast_prefill.blocks import bundle_ports
from fast_prefill.config import PRESETS
from fast_prefill.rtl.mpu.specs import engine_params
from fast_prefill.rtl.mpu.tile_engine import LATENCY
from fast_prefill.verify.bench.mpu import SPEC, TINY, params, run_engine
from fast_prefill.verify.strategies import mpu_cases, pattern

LO, HI = -128, 127


def _full(shape, v):
    return np.full(shape, v, dtype=np.int64)


# The extremes of the range, on the tiny preset's engine (k=4, 2 DSP + 2 LUT columns).
EXTREMES = [
    (TINY, [(_full((4, 4), LO), _full((3, 4), LO))]),          # -128 x -128: the largest sum, 4 * 2**14
    (TINY, [(_full((4, 4), LO), _full((2, 4), HI))]),          # the most negative sum
    (TINY, [(_full((4, 4), HI), _full((1, 4), HI)), (_full((4, 4), LO), _full((1, 4), LO))]),
    (params(1, 8, 16, 1, 1), [(_full((1, 2), LO), _full((2, 1), LO))]),   # 16-bit accumulator holds 2**14
]


def _with_extremes(test):
    test = example(case=EXTREMES[0], idle_w=[], idle_x=[], stall=[])(test)
    test = example(case=EXTREMES[1], idle_w=[], idle_x=[], stall=[True, False])(test)
    test = example(case=EXTREMES[2], idle_w=[True, False], idle_x=[], stall=[True] * 5 + [False])(test)
    return example(case=EXTREMES[3], idle_w=[], idle_x=[True, False], stall=[])(test)


# Both backends, cycle for cycle (small shapes), the profile's examples and one explicit extreme;
# the Verilog-only test below runs every extreme, and the slow sweep four times the profile on both
# backends with larger shapes.
@given(case=mpu_cases(max_tiles=2, max_rows=4), idle_w=pattern(6), idle_x=pattern(6), stall=pattern(6))
@example(case=EXTREMES[2], idle_w=[True, False], idle_x=[], stall=[True] * 5 + [False])
def test_tile_engine_equals_numpy_on_myhdl_and_verilog(case, idle_w, idle_x, stall):
    p, tiles = case
    run_engine(p, tiles, idle_w, idle_x, stall)


@given(case=mpu_cases(), idle_w=pattern(), idle_x=pattern(), stall=pattern())
@_with_extremes
def test_tile_engine_equals_numpy_on_verilog(case, idle_w, idle_x, stall):
    p, tiles = case
    run_engine(p, tiles, idle_w, idle_x, stall, backends=("icarus",))


@settings(max_examples=4 * settings.default.max_examples)
@given(case=mpu_cases(max_tiles=4, max_rows=12), idle_w=pattern(), idle_x=pattern(), stall=pattern())
def test_tile_engine_sweep_on_myhdl_and_verilog(case, idle_w, idle_x, stall):
    p, tiles = case
    run_engine(p, tiles, idle_w, idle_x, stall)


@pytest.mark.parametrize("case", EXTREMES, ids=["min_x_min", "min_x_max", "max_then_min", "k1_acc16"])
def test_extremes_on_verilog(case):
    run_engine(*case, backends=("icarus",))


def test_full_throughput_and_latency():
    """No idles, no back-pressure: one result per cycle in steady state, LATENCY cycles after its row."""
    rng = np.random.default_rng(1)
    b = rng.integers(LO, HI + 1, size=(4, 4))
    x = rng.integers(LO, HI + 1, size=(40, 4))
    res = run_engine(TINY, [(b, x)], backends=("verilator",))["verilator"]
    ins, outs = res.in_cycles["s_x"], res.out_cycles["m"]
    assert ins == list(range(ins[0], ins[0] + 40)), "a row was refused without back-pressure"
    assert outs == list(range(outs[0], outs[0] + 40)), "a gap in the output without back-pressure"
    assert [o - i for i, o in zip(ins, outs)] == [LATENCY] * 40


def test_back_pressure_stops_input_without_loss():
    """With the sink stalled the engine takes at most fifo_depth rows, then holds them all."""
    rng = np.random.default_rng(2)
    b = rng.integers(LO, HI + 1, size=(4, 4))
    x = rng.integers(LO, HI + 1, size=(20, 4))
    from fast_prefill.rtl.mpu.packing import stream_inputs
    from fast_prefill.verify.streams import run_stream_bench

    res = run_stream_bench(SPEC, TINY, "icarus", stream_inputs([(b, x)], 8), {"m": 1}, stall={"m": [True]},
                           max_cycles=40)
    assert len(res.in_cycles["s_x"]) == TINY["fifo_depth"]
    assert res.outputs["m"] == [] and res.violations == []


def test_u280_slice_params():
    p = engine_params(PRESETS["u280"])
    assert (p["k"], p["dsp_cols"], p["lut_cols"]) == (32, 2, 1)
    assert engine_params(PRESETS["tiny"])["dsp_cols"] == 2


@pytest.mark.parametrize("field, kw, match", [
    ("k", {"k": 3}, r"field 'k' = 3 is not allowed: must be a power of two"),
    ("acc_width", {"acc_width": 17}, r"field 'acc_width' = 17 is not allowed: must be an integer in \[18, 64\]"),
    ("lut_cols", {"dsp_cols": 0, "lut_cols": 0}, r"field 'lut_cols' = 0 is not allowed"),
    ("fifo_depth", {"fifo_depth": 6}, r"field 'fifo_depth' = 6 is not allowed"),
])
def test_bad_parameters_are_refused(field, kw, match):
    p = {**TINY, **kw}
    with pytest.raises(ValueError, match=match):
        SPEC.factory(**bundle_ports(SPEC.factory, SPEC.ports(TINY)), **{key: p[key] for key in SPEC.hdl_params})
