"""stream_ram_fifo: random beats, source idles and sink back-pressure, on MyHDL and converted Verilog
(Icarus), cycle for cycle; full throughput, capacity, the u280 parameters, parameter checks."""

import pytest
from hypothesis import example, given, strategies as st
from myhdl import Signal, intbv

from fast_prefill.blocks import bundle_ports, clock_and_reset, get_block, stream_ports
from fast_prefill.config import get_preset
from fast_prefill.rtl.stream.ram_fifo import stream_ram_fifo
from fast_prefill.verify.streams import check_passthrough, run_stream_bench
from fast_prefill.verify.strategies import beats as beats_st, pattern

SPEC = get_block("stream_ram_fifo")
# A beat accepted at edge t is written to the RAM at t, read at t + 1 (registered read port), lands
# in the output register at t + 2 and moves at t + 3 at the earliest.
LATENCY = 3


@given(depth=st.sampled_from([4, 8, 16]), width=st.sampled_from([1, 8, 13]), data=st.data(),
       idle=pattern(), stall=pattern())
@example(depth=4, width=8, data=None, idle=[], stall=[True] * 12 + [False])      # fills, then drains
@example(depth=4, width=8, data=None, idle=[False, True], stall=[True, False, False])
def test_ram_fifo_passes_every_beat_in_order(depth, width, data, idle, stall):
    """Every beat comes out exactly once, in order, unchanged, obeying the stream rules; MyHDL and
    the converted Verilog move every beat in the same cycle."""
    beats = data.draw(beats_st(width)) if data is not None else list(range(40))
    check_passthrough(SPEC, {"width": width, "depth": depth}, beats, idle, stall)


@pytest.mark.parametrize("backend", ["myhdl", "icarus"])
def test_ram_fifo_full_throughput(backend):
    """Without idles or stalls one beat enters and one leaves every cycle, after LATENCY cycles."""
    beats = list(range(50))
    res = run_stream_bench(SPEC, {"width": 8, "depth": 4}, backend, {"s": beats}, {"m": 50})
    ins, out = res.in_cycles["s"], res.out_cycles["m"]
    assert res.outputs["m"] == beats and not res.violations
    assert ins == list(range(ins[0], ins[0] + 50))
    assert out == list(range(out[0], out[0] + 50))
    assert out[0] == ins[0] + LATENCY


@pytest.mark.parametrize("depth", [4, 16])
def test_ram_fifo_holds_depth_plus_two_beats_under_stall(depth):
    """With the sink stalled the FIFO accepts ``depth`` beats into the RAM and two into the output
    registers, then back-pressures; released, it returns them all in order."""
    res = run_stream_bench(SPEC, {"width": 8, "depth": depth}, "icarus", {"s": list(range(40))}, {"m": 1},
                           stall={"m": [True]}, max_cycles=60)
    assert len(res.in_cycles["s"]) == depth + 2
    assert res.outputs["m"] == []
    check_passthrough(SPEC, {"width": 8, "depth": depth}, list(range(40)), [], [True] * 50 + [False] * 100)


def test_ram_fifo_at_the_u280_parameters():
    """The registered parameters of the u280 preset (a 64K-word RAM, the access beat's width):
    beats through a stalling sink, both backends."""
    params = SPEC.params(get_preset("u280"))
    assert params["depth"] == 65536
    top = (1 << params["width"]) - 1
    beats = [top, 0, *range(1, 60), top - 1]
    check_passthrough(SPEC, params, beats, [False, False, True], [True] * 20 + [False, True, False])


@pytest.mark.parametrize("depth", [0, 2, 3, 6, 1 << 21, 2 ** 20 + 1, True, 4.0])
def test_ram_fifo_rejects_bad_depth(depth):
    with pytest.raises(ValueError, match=rf"stream_ram_fifo field 'depth' = {depth!r} is not allowed: "
                                         rf"must be a power of two in \[4, 1048576\]"):
        SPEC.instantiate({"width": 8, "depth": depth})


def test_ram_fifo_accepts_the_depth_limits():
    for depth in (4, 1 << 20):
        SPEC.instantiate({"width": 8, "depth": depth})


def test_ram_fifo_rejects_mismatched_widths():
    ports = {**clock_and_reset(), **stream_ports("s", 8), **stream_ports("m", 8)}
    ports["m_data"] = Signal(intbv(0)[9:])
    with pytest.raises(ValueError, match=r"stream_ram_fifo field 'm_data' width = 9 is not allowed: "
                                         r"must equal s_data width 8"):
        stream_ram_fifo(**bundle_ports(stream_ram_fifo, ports), depth=4)
