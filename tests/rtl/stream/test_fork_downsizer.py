"""stream_fork and stream_downsizer on MyHDL and converted Verilog, with idles and back-pressure."""

from hypothesis import given, strategies as st

from fast_prefill.blocks import get_block
from fast_prefill.verify.streams import BACKENDS, SWEPT_BACKENDS
from fast_prefill.verify.streams import run_stream_bench
from fast_prefill.verify.strategies import beats as beats_st, pattern

FORK, DOWN = get_block("stream_fork"), get_block("stream_downsizer")


@given(data=beats_st(8), idle=pattern(), stall_a=pattern(), stall_b=pattern())
def test_fork_delivers_every_beat_to_both(data, idle, stall_a, stall_b):
    runs = []
    for backend in BACKENDS:
        res = run_stream_bench(FORK, {"width": 8}, backend, {"s": data}, {"m_a": len(data), "m_b": len(data)},
                               idle={"s": idle}, stall={"m_a": stall_a, "m_b": stall_b},
                               max_cycles=60 + 6 * len(data) * (1 + len(idle) + len(stall_a) + len(stall_b)))
        assert res.finished and res.violations == []
        assert res.outputs["m_a"] == data and res.outputs["m_b"] == data
        runs.append((res.out_cycles, res.in_cycles))
    assert runs[0] == runs[1]


@given(ratio=st.sampled_from([1, 2, 3, 4]), data=st.data(), idle=pattern(), stall=pattern())
def test_downsizer_slices_low_first(ratio, data, idle, stall):
    wide = data.draw(beats_st(8 * ratio, max_beats=24))
    expected = [(x >> (8 * i)) & 0xFF for x in wide for i in range(ratio)]
    runs = []
    for backend in SWEPT_BACKENDS:   # ratio swept: a design per example
        res = run_stream_bench(DOWN, {"width": 8, "ratio": ratio}, backend, {"s": wide}, {"m": len(expected)},
                               idle={"s": idle}, stall={"m": stall},
                               max_cycles=60 + 4 * len(expected) * (1 + len(idle) + len(stall)))
        assert res.finished and res.violations == [] and res.outputs["m"] == expected
        runs.append(res.out_cycles)
    assert runs[0] == runs[1]


def test_downsizer_full_throughput():
    res = run_stream_bench(DOWN, {"width": 8, "ratio": 4}, "icarus", {"s": list(range(10))}, {"m": 40})
    out = res.out_cycles["m"]
    assert out == list(range(out[0], out[0] + 40))
