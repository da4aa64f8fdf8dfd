"""stream_skid_buffer: random beats, idles and back-pressure, on MyHDL and converted Verilog."""

import pytest
from hypothesis import example, given, strategies as st

from fast_prefill.blocks import get_block
from fast_prefill.verify.streams import check_passthrough, run_stream_bench
from fast_prefill.verify.strategies import beats as beats_st, pattern

SPEC = get_block("stream_skid_buffer")


@given(width=st.sampled_from([1, 8, 16]), data=st.data(), idle=pattern(), stall=pattern())
@example(width=8, data=None, idle=[], stall=[False, True])
@example(width=8, data=None, idle=[True, False], stall=[True, True, False])
def test_skid_buffer_passes_every_beat_in_order(width, data, idle, stall):
    beats = data.draw(beats_st(width)) if data is not None else list(range(30))
    check_passthrough(SPEC, {"width": width}, beats, idle, stall)


@pytest.mark.parametrize("backend", ["myhdl", "icarus"])
def test_skid_buffer_full_throughput(backend):
    beats = list(range(40))
    res = run_stream_bench(SPEC, {"width": 8}, backend, {"s": beats}, {"m": 40})
    out = res.out_cycles["m"]
    assert res.outputs["m"] == beats
    assert out == list(range(out[0], out[0] + 40))
    assert out[0] == res.in_cycles["s"][0] + 1
