"""sig_liveness: the list builder's stream of random and structured heads, annotated on MyHDL and
the converted Verilog, equals the golden ``liveness.annotate`` exactly (next use, dead, pinnable)."""

import numpy as np
import pytest
from hypothesis import given, strategies as st

from fast_prefill.verify.bench.sig.harness import run_liveness
from fast_prefill.verify.strategies import head_patterns, pattern
from fast_prefill.verify.golden.block_lists import HeadPattern


@given(heads=st.lists(head_patterns(), min_size=1, max_size=3), idle=pattern(), stall=pattern())
def test_liveness_equals_golden(heads, idle, stall):
    run_liveness(heads, idle, stall)


def test_liveness_structured_heads():
    """Dense (every block pinnable), vertical-only (pinned columns), slash-only (dead ends)."""
    e = np.zeros(0, np.int64)
    heads = [HeadPattern(8, e, e, dense=True), HeadPattern(8, np.array([0, 3]), e),
             HeadPattern(8, e, np.array([0, 2, 5])), HeadPattern(1, e, e)]
    run_liveness(heads, [], [True, False])


def test_liveness_buffer_of_exactly_a_dense_head():
    """The kernel's sizing: ``max_accesses = max_blocks (max_blocks + 1) / 2`` (not a power of two),
    filled to the last word by a dense head at ``max_blocks``, then a sparse and a dense head again."""
    e = np.zeros(0, np.int64)
    params = {"max_blocks": 8, "max_accesses": 36}
    heads = [HeadPattern(8, e, e, dense=True), HeadPattern(8, np.array([2]), np.array([1, 3])),
             HeadPattern(8, e, e, dense=True)]
    run_liveness(heads, [False, True], [True, False, False], params=params)


@pytest.mark.parametrize("kw", [{"max_blocks": 1}, {"max_accesses": 1}, {"max_accesses": (1 << 20) + 1},
                                {"max_accesses": True}])
def test_liveness_rejects_bad_params(kw):
    from fast_prefill.blocks import get_block
    params = {"max_blocks": 8, "max_accesses": 64, **kw}
    with pytest.raises(ValueError, match=r"sig_liveness field '\w+' = .* is not allowed: must be (an integer|a power of two) in"):
        get_block("sig_liveness").instantiate(params)


@pytest.mark.parametrize("nb,dense", [(1, True), (5, False), (8, True)])
def test_liveness_cycles_equal_the_schedule(nb, dense):
    """One head without stalls: first input beat to last output beat is ``liveness_cycles(L, span_only)``
    exactly, on the converted Verilog."""
    from fast_prefill.rtl.sig.liveness import liveness_cycles

    e = np.zeros(0, np.int64)
    p = HeadPattern(nb, e, e, dense=True) if dense else HeadPattern(nb, np.array([1]), np.array([0, 2]))
    res = run_liveness([p], [], [], backends=("icarus",))["icarus"]
    span = res.out_cycles["m"][-1] - res.in_cycles["s"][0] + 1
    assert span == liveness_cycles(p.num_blocks(), 8, span_only=True), span
