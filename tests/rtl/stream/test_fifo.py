"""stream_fifo: random beats, source idles and sink back-pressure, on MyHDL and converted Verilog."""

import pytest
from hypothesis import example, given, strategies as st

from fast_prefill.blocks import get_block
from fast_prefill.verify.streams import check_passthrough, run_stream_bench
from fast_prefill.verify.strategies import beats as beats_st, pattern

SPEC = get_block("stream_fifo")


@given(depth=st.sampled_from([2, 4, 8]), width=st.sampled_from([1, 8, 13]), data=st.data(),
       idle=pattern(), stall=pattern())
@example(depth=4, width=8, data=None, idle=[], stall=[True] * 12 + [False])  # fills, then drains
def test_fifo_passes_every_beat_in_order(depth, width, data, idle, stall):
    beats = data.draw(beats_st(width)) if data is not None else list(range(40))
    check_passthrough(SPEC, {"width": width, "depth": depth}, beats, idle, stall)


@pytest.mark.parametrize("backend", ["myhdl", "icarus"])
def test_fifo_full_throughput(backend):
    """Without idles or stalls one beat leaves every cycle after a one-cycle latency."""
    beats = list(range(50))
    res = run_stream_bench(SPEC, {"width": 8, "depth": 4}, backend, {"s": beats}, {"m": 50})
    out = res.out_cycles["m"]
    assert res.outputs["m"] == beats
    assert out == list(range(out[0], out[0] + 50))
    assert out[0] == res.in_cycles["s"][0] + 1


def test_fifo_holds_depth_beats_under_stall():
    """With the sink stalled the FIFO accepts exactly `depth` beats, then back-pressures."""
    res = run_stream_bench(SPEC, {"width": 8, "depth": 8}, "icarus", {"s": list(range(20))}, {"m": 1},
                           stall={"m": [True]}, max_cycles=30)
    assert len(res.in_cycles["s"]) == 8
    assert res.outputs["m"] == []


@pytest.mark.parametrize("depth", [0, 3, 2048, True])
def test_fifo_rejects_bad_depth(depth):
    with pytest.raises(ValueError, match=rf"stream_fifo field 'depth' = {depth!r} is not allowed: must be a power of two in \[2, 1024\]"):
        SPEC.instantiate({"width": 8, "depth": depth})
