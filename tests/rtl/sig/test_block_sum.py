"""sig_block_sum: D signed column sums per block of B INT8 rows, on MyHDL and the converted Verilog,
equal to numpy exactly (extreme values included), with idles and back-pressure."""

import numpy as np
import pytest
from hypothesis import example, given, strategies as st

from fast_prefill.blocks import get_block
from fast_prefill.verify.bench.sig.query_aware import block_sums, bsum_beats, row_beats, run_block
from fast_prefill.verify.strategies import pattern

PARAMS = {"block_size": 4, "head_dim": 3}


@st.composite
def rows(draw, params=PARAMS):
    nblk = draw(st.integers(1, 4))
    el = st.one_of(st.integers(-128, 127), st.sampled_from([-128, 127]))
    n = nblk * params["block_size"] * params["head_dim"]
    return np.array(draw(st.lists(el, min_size=n, max_size=n)), np.int64).reshape(-1, params["head_dim"])


def check(x, idle, stall, params=PARAMS):
    want = bsum_beats(block_sums(x, params["block_size"]), params["block_size"])
    run_block("sig_block_sum", params, {"s": row_beats(x)}, want, {"s": idle}, stall,
              max_cycles=40 + 4 * len(x) * (2 + len(idle) + len(stall)))


@given(x=rows(), idle=pattern(), stall=pattern())
@example(x=np.full((8, 3), -128), idle=[], stall=[True, False])   # the most negative sums
@example(x=np.full((8, 3), 127), idle=[True, False], stall=[])
def test_block_sum_equals_numpy(x, idle, stall):
    check(x, idle, stall)


def test_block_sum_one_column_b2():
    p = {"block_size": 2, "head_dim": 1}
    check(np.array([[-128], [-128], [127], [1], [5], [-7]]), [], [True, False], params=p)


@pytest.mark.parametrize("kw", [{"block_size": 3}, {"head_dim": 300}])
def test_block_sum_rejects_bad_params(kw):
    with pytest.raises(ValueError, match=r"sig_block_sum field '\w+' = .* is not allowed"):
        get_block("sig_block_sum").instantiate({**PARAMS, **kw})
