"""sae_engine: Hypothesis row jobs vs golden sparse_attention_fixed, bit for bit, on MyHDL and on the
converted Verilog (Icarus), with idles on every input stream and back-pressure on the output."""

import numpy as np
import pytest
from hypothesis import example, given, strategies as st

from fast_prefill.rtl.sae import formats as F
from fast_prefill.rtl.sae.engine import SaeGeometry
from fast_prefill.verify.bench.sae.harness import check_engine, flex_lists, make_group, run_engine
from fast_prefill.verify.strategies import pattern


@st.composite
def jobs(draw, max_n=64):
    b = draw(st.sampled_from([4, 8]))
    d = draw(st.sampled_from([4, 8]))
    g = draw(st.sampled_from([1, 2]))
    n = draw(st.integers(1, max_n))
    nb = -(-n // b)
    seed = draw(st.integers(0, 2**32 - 1))
    kind = draw(st.sampled_from(["dense", "flex", "random"]))
    data = draw(st.sampled_from(["random", "random", "equal", "extreme"]))
    log2_factor = draw(st.floats(-14, 5))
    rows = sorted(draw(st.sets(st.integers(0, nb - 1), min_size=1, max_size=2)) | {nb - 1})
    return b, d, g, n, seed, kind, data, log2_factor, rows


def _run(job, idle_q, idle_kv, idle_blk, stall, backends=("myhdl", "icarus"), mutant=None):
    b, d, g, n, seed, kind, data, log2_factor, rows = job
    params = {"block_size": b, "head_dim": d, "group": g, "max_seq_len": 64}
    heads = make_group(n, d, g, seed, log2_factor, data)
    lists = flex_lists(-(-n // b), np.random.default_rng(seed), kind)
    idle = {"s_q": idle_q, "s_kv": idle_kv, "s_blk": idle_blk, "s_cmd": idle_blk}
    return check_engine(params, heads, lists, rows, idle=idle, stall=stall, backends=backends, mutant=mutant)


@given(job=jobs(max_n=40), idle_q=pattern(), idle_kv=pattern(), idle_blk=pattern(), stall=pattern())
@example(job=(4, 4, 2, 16, 1, "dense", "equal", -4.0, [3]), idle_q=[], idle_kv=[], idle_blk=[], stall=[])
@example(job=(4, 4, 1, 13, 2, "dense", "extreme", 5.0, [0, 3]), idle_q=[True, False], idle_kv=[], idle_blk=[],
         stall=[True, True, False])
@example(job=(8, 8, 2, 20, 3, "flex", "extreme", -14.0, [2]), idle_q=[], idle_kv=[False, True], idle_blk=[True, False],
         stall=[False, True])
def test_engine_matches_golden(job, idle_q, idle_kv, idle_blk, stall):
    _run(job, idle_q, idle_kv, idle_blk, stall)


@pytest.mark.slow
@given(job=jobs(), idle_q=pattern(), idle_kv=pattern(), idle_blk=pattern(), stall=pattern())
def test_engine_matches_golden_sweep(job, idle_q, idle_kv, idle_blk, stall):
    _run(job, idle_q, idle_kv, idle_blk, stall)


def test_extremes_saturate_and_equal_logits():
    """The explicit extremes really reach the saturating and all-equal cases of the golden model."""
    from fast_prefill.verify.golden.fixed_point import FixedPointConfig, logits

    cfg = FixedPointConfig(block_size=4, head_dim=4, max_seq_len=64)
    sat_heads = make_group(13, 4, 1, 2, 5.0, "extreme")
    mult, shift = F.head_mult_shift(sat_heads[0], cfg)
    x = logits(sat_heads[0].q @ sat_heads[0].k.T, mult, shift, cfg)
    assert x.max() == (1 << 23) - 1 and x.min() == -(1 << 23)
    eq = make_group(16, 4, 2, 1, -4.0, "equal")
    assert not eq[0].q.any()


@pytest.mark.parametrize("backend", ["myhdl", "icarus"])
def test_cycle_formula(backend):
    """Without idles or back-pressure a row job takes exactly SaeGeometry.cycles(n) cycles."""
    params = {"block_size": 4, "head_dim": 4, "group": 2, "max_seq_len": 64}
    geom = SaeGeometry(**params)
    heads = make_group(16, 4, 2, 7)
    lists = flex_lists(4, np.random.default_rng(7), "dense")
    res = run_engine(params, heads, lists, [1, 3], backend)
    start = res.in_cycles["s_cmd"]
    out = res.out_cycles["m_o"]
    first_job = out[geom.GB - 1] - start[0] + 1
    second_job = out[-1] - start[1] + 1
    assert (first_job, second_job) == (geom.cycles(2), geom.cycles(4))


def test_bad_parameters():
    with pytest.raises(ValueError, match=r"sae_engine field 'block_size' = 6 is not allowed: must be a power of two"):
        SaeGeometry(block_size=6)
    with pytest.raises(ValueError, match=r"sae_engine field 'group' = 0 is not allowed"):
        SaeGeometry(group=0)
    with pytest.raises(ValueError, match=r"sae_engine fixed-point parameters are not allowed"):
        SaeGeometry(prob_frac=2)
    geom = SaeGeometry(block_size=4, head_dim=4, group=2, max_seq_len=64)
    with pytest.raises(ValueError, match="outside the command fields"):
        F.cmd_beat(geom, 0, [(1, 3), (1, 20)])


def test_gqa_group_of_three_shares_kv():
    """G = 3 (not a power of two: Qwen2.5's 7-head groups need this): three heads with their own
    multipliers against one K/V stream, on both backends, with idles and back-pressure."""
    params = {"block_size": 4, "head_dim": 4, "group": 3, "max_seq_len": 64}
    heads = make_group(14, 4, 3, 21, -3.0)
    lists = flex_lists(4, np.random.default_rng(21), "flex")
    runs = check_engine(params, heads, lists, [2, 3], idle={"s_kv": [False, True, False]}, stall=[True, False])
    # one K/V pass per key block serves the whole group
    assert len(runs["verilator"].in_cycles["s_kv"]) == 2 * 4 * (len(lists[2]) + len(lists[3]))
