"""sig_list_builder: random and structured head patterns on MyHDL and the converted Verilog, equal
to the golden model's ``build_lists`` / ``to_stream`` exactly, with source idles and sink stalls."""

import numpy as np
import pytest
from hypothesis import example, given, strategies as st

from fast_prefill.rtl.sig.formats import lists_from_beats
from fast_prefill.verify.bench.sig.harness import MAXB, run_heads
from fast_prefill.verify.strategies import head_patterns, pattern
from fast_prefill.verify.golden.block_lists import HeadPattern, build_lists, check_lists
from fast_prefill.verify.golden.fixed_point import FixedPointConfig, fixed_head_pattern, quantize_head
from fast_prefill.verify.golden.float_ref import FlexPrefillParams
from fast_prefill.verify.golden.synthetic import make_head
from fast_prefill.verify.streams import BACKENDS



@given(heads=st.lists(head_patterns(), min_size=1, max_size=3), idle_sel=pattern(), idle_x=pattern(),
       stall=pattern())
@example(heads=[HeadPattern(6, np.array([2, 3]), np.array([1, 2])), HeadPattern(3, np.array([], np.int64),
                np.array([], np.int64))], idle_sel=[], idle_x=[], stall=[])  # vertical and slash coincide
def test_builder_equals_golden(heads, idle_sel, idle_x, stall):
    run_heads(heads, idle_sel, idle_x, stall)


def test_builder_structured_heads_from_golden_pattern():
    """Head patterns computed by the golden fixed-point form from synthetic heads (B=4, D=8)."""
    cfg = FixedPointConfig(block_size=4, head_dim=8, max_seq_len=64)
    params = FlexPrefillParams(block_size=4, min_budget=4, gamma=0.9, tau=0.3)
    pats = []
    for i, kind in enumerate(("sink", "slash", "retrieval", "random")):
        q, k, v = make_head(kind, 30, 8, seed=i)
        p = fixed_head_pattern(quantize_head(q, k), params, cfg)
        pats.append(p)
    pats.append(fixed_head_pattern(quantize_head(*make_head("sink", 8, 8, seed=9)[:2]), params, cfg))  # dense
    assert any(p.dense for p in pats) and any(not p.dense for p in pats)
    run_heads(pats, [], [False, True], [True, False, False])


@pytest.mark.parametrize("backend", BACKENDS)
def test_builder_full_throughput_and_lists(backend):
    """Dense head of 8 blocks: one candidate per cycle, so all 36 beats leave back to back."""
    p = HeadPattern(8, np.zeros(0, np.int64), np.zeros(0, np.int64), dense=True)
    res = run_heads([p], [], [], [], backends=(backend,))[backend]
    out = res.out_cycles["m"]
    assert out == list(range(out[0], out[0] + 36))
    lists = lists_from_beats(res.outputs["m"], MAXB)
    check_lists(lists, 8)
    assert [x.tolist() for x in lists] == [x.tolist() for x in build_lists(p)]


def test_builder_larger_index_width():
    """max_blocks=32 (5-bit indices), a head smaller than the maximum, then a full-size one."""
    rng = np.random.default_rng(3)
    pats = []
    for nb in (13, 32):
        causal = [r * nb + c for r in range(nb) for c in range(r + 1)]
        pats.append(HeadPattern(nb, np.sort(rng.choice(nb, 3, replace=False)), np.sort(rng.choice(nb, 3, replace=False)),
                                np.sort(rng.choice(causal, 20, replace=False))))
    run_heads(pats, [], [], [False, False, True], params={"max_blocks": 32})


@pytest.mark.parametrize("mb", [1, 0, 5000, True])
def test_builder_rejects_bad_max_blocks(mb):
    with pytest.raises(ValueError, match=r"sig_list_builder field 'max_blocks' = .* is not allowed: must be an integer in \[2, 4096\]"):
        from fast_prefill.rtl.sig.list_builder import sig_list_builder
        from fast_prefill.blocks import bundle_ports, clock_and_reset, stream_ports
        ports = {**clock_and_reset(), **stream_ports("s_sel", 5), **stream_ports("s_extra", 3), **stream_ports("m", 3)}
        sig_list_builder(**bundle_ports(sig_list_builder, ports), max_blocks=mb)
