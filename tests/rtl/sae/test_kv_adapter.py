"""sae_kv_adapter: KV-cache beats gathered into K/V rows, little-endian, on both backends."""

import pytest
from hypothesis import given, strategies as st

from fast_prefill.blocks import get_block
from fast_prefill.verify.streams import run_stream_bench
from fast_prefill.verify.strategies import pattern

SPEC = get_block("sae_kv_adapter")


@given(ratio=st.sampled_from([1, 2, 4]), data=st.data(), idle=pattern(), stall=pattern())
def test_rows_are_gathered_in_order(ratio, data, idle, stall):
    w = 8
    params = {"in_width": w, "out_width": w * ratio}
    beats = data.draw(st.lists(st.integers(0, 255), min_size=0, max_size=4 * ratio).map(
        lambda x: x[: len(x) - len(x) % ratio]))
    rows = [sum(beats[r * ratio + j] << (w * j) for j in range(ratio)) for r in range(len(beats) // ratio)]
    runs = {}
    for backend in ("myhdl", "icarus"):
        res = run_stream_bench(SPEC, params, backend, {"s": beats}, {"m": len(rows)}, idle={"s": idle},
                               stall={"m": stall}, max_cycles=60 + 8 * len(beats) * (1 + len(idle) + len(stall)))
        assert not res.violations, res.violations
        assert res.outputs["m"] == rows and res.finished
        runs[backend] = (res.in_cycles, res.out_cycles)
    assert runs["myhdl"] == runs["icarus"]


def test_rejects_non_multiple_width():
    with pytest.raises(ValueError, match="sae_kv_adapter field 'm_data' width = 12 is not allowed"):
        SPEC.instantiate({"in_width": 8, "out_width": 12})
