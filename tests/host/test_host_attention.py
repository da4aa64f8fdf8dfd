"""Host-side preparation of run_attention (no simulation): shared per-tensor INT8 scales, register
values from the golden helpers and within their registers, INT8 inputs taken as they are, clear
errors for bad shapes; and the Verilator harness on a 512-bit-data kernel (wide ports, slow)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from fast_prefill.host.attention import fixed_config, prepare
from fast_prefill.rtl.top.regmap import RegisterMap
from fast_prefill.verify.golden import fixed_point as fp


def test_shared_scales_and_registers():
    rng = np.random.default_rng(0)
    q, k, v = rng.standard_normal((4, 40, 8)), 3 * rng.standard_normal((2, 40, 8)), rng.standard_normal((2, 40, 8))
    inp = prepare(q, k, v, gamma=0.95, tau=0.1)
    fx = fixed_config("tiny")
    assert inp.scale_q == pytest.approx(np.abs(q).max() / 127) and inp.scale_k == pytest.approx(np.abs(k).max() / 127)
    assert np.array_equal(inp.q, fp.quantize(q)[0]) and np.abs(inp.k).max() == 127
    mult, shift = fp.score_multiplier(inp.scale_q * inp.scale_k * math.log2(math.e) / math.sqrt(8), fx)
    assert (inp.args["score_mult"], inp.args["score_shift"]) == (mult, shift)
    assert inp.args["gamma"] == round(0.95 * 2**16) and inp.args["tau_threshold"] == fp.js_threshold(0.1, fx)
    assert inp.args | {} == {**inp.args, "seq_len": 40, "num_heads": 4, "num_kv_heads": 2}
    names = {a.name for a in RegisterMap().args}
    assert set(inp.args) <= names
    assert all(0 <= x < 2**32 for x in inp.args.values())


def test_int8_inputs_pass_through():
    q = np.arange(-64, 64, dtype=np.int8).reshape(1, 16, 8)
    inp = prepare(q, q, q)
    assert inp.scale_q == inp.scale_k == inp.scale_v == 1.0 and np.array_equal(inp.q, q)


@pytest.mark.parametrize("shapes,match", [
    (((2, 16, 8), (3, 16, 8), (3, 16, 8)), "multiple of Hkv"),
    (((1, 16, 8), (1, 8, 8), (1, 8, 8)), "must be \\[Hkv\\]\\[N\\]\\[D\\]"),
    (((1, 16, 4), (1, 16, 4), (1, 16, 4)), "head dim D=4"),
    (((16, 8), (16, 8), (16, 8)), "must be \\[heads\\]\\[N\\]\\[D\\]"),
])
def test_bad_shapes_are_refused(shapes, match):
    with pytest.raises(ValueError, match=match):
        prepare(*(np.zeros(s, np.float32) for s in shapes))


def test_int8_out_of_range_refused():
    q = np.full((1, 8, 8), -128, np.int16)
    with pytest.raises(ValueError, match=r"outside \[-127, 127\]"):
        prepare(q, q, q)


@pytest.mark.slow
def test_wide_data_kernel_moves_data_exactly():
    """512-bit AXI data (the u280 width): Verilator stores such ports as VlWide words."""
    from copy_kernel import SPEC, transform

    from fast_prefill.host import Device
    from fast_prefill.verify.verilator import build as vb

    dev = Device(preset="tiny", faults=vb.Faults.adversarial(4))
    data = np.random.default_rng(1).integers(0, 256, 100 * 64, dtype=np.uint8)
    q_bo, o_bo = dev.alloc(data.size), dev.alloc(data.size)
    q_bo.write(data)
    q_bo.sync_to_device()
    krn = dev.kernel("copy_kernel", spec=SPEC, params={"data_width": 512, "burst_beats": 16, "max_words": 4096})
    krn(q_bo, 0, 0, o_bo, seq_len=100).wait()
    o_bo.sync_from_device()
    assert o_bo.read(np.uint8).tobytes() == transform(data.tobytes())
