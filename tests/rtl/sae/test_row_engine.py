"""sae_row_engine: Hypothesis row jobs vs golden sparse_attention_fixed, bit for bit, on MyHDL and on
the converted Verilog, with idles on every input stream and back-pressure on the output; the exact
cycle formula of an isolated row job and the steady state of row jobs back to back (``G B^2 / P``
cycles a key block: 2 P D MACs a cycle); parameters refused with their names."""

import numpy as np
import pytest
from hypothesis import example, given, strategies as st

from fast_prefill.rtl.sae import formats as F
from fast_prefill.rtl.sae.row_engine import RowGeometry
from fast_prefill.verify.bench.sae.harness import check_engine, flex_lists, make_group, run_engine
from fast_prefill.verify.strategies import pattern


@st.composite
def jobs(draw, max_n=40):
    b = draw(st.sampled_from([4, 8]))
    d = draw(st.sampled_from([4, 8]))
    g = draw(st.sampled_from([1, 2, 3]))
    rows = draw(st.sampled_from([r for r in (2, 4) if r <= b // 2]))
    lut = draw(st.integers(0, rows))
    n = draw(st.integers(1, max_n))
    nb = -(-n // b)
    seed = draw(st.integers(0, 2**32 - 1))
    kind = draw(st.sampled_from(["dense", "flex", "random"]))
    data = draw(st.sampled_from(["random", "random", "equal", "extreme"]))
    log2_factor = draw(st.floats(-14, 5))
    jobs_ = sorted(draw(st.sets(st.integers(0, nb - 1), min_size=1, max_size=2)) | {nb - 1})
    return b, d, g, rows, lut, n, seed, kind, data, log2_factor, jobs_


def _run(job, idle_q, idle_kv, idle_blk, stall, backends=("myhdl", "icarus"), mutant=None):
    b, d, g, rows, lut, n, seed, kind, data, log2_factor, jobs_ = job
    params = {"block_size": b, "head_dim": d, "group": g, "max_seq_len": 64, "rows": rows, "qk_lut_rows": lut}
    heads = make_group(n, d, g, seed, log2_factor, data)
    lists = flex_lists(-(-n // b), np.random.default_rng(seed), kind)
    idle = {"s_q": idle_q, "s_kv": idle_kv, "s_blk": idle_blk, "s_cmd": idle_blk}
    return check_engine(params, heads, lists, jobs_, idle=idle, stall=stall, backends=backends, mutant=mutant)


@given(job=jobs(), idle_q=pattern(), idle_kv=pattern(), idle_blk=pattern(), stall=pattern())
@example(job=(4, 4, 2, 2, 1, 16, 1, "dense", "equal", -4.0, [3]), idle_q=[], idle_kv=[], idle_blk=[], stall=[])
@example(job=(8, 4, 1, 4, 0, 13, 2, "dense", "extreme", 5.0, [0, 1]), idle_q=[True, False], idle_kv=[],
         idle_blk=[], stall=[True, True, False])
@example(job=(8, 8, 3, 2, 2, 20, 3, "flex", "extreme", -14.0, [1, 2]), idle_q=[], idle_kv=[False, True],
         idle_blk=[True, False], stall=[False, True])
def test_row_engine_matches_golden(job, idle_q, idle_kv, idle_blk, stall):
    _run(job, idle_q, idle_kv, idle_blk, stall)


@pytest.mark.slow
@given(job=jobs(max_n=64), idle_q=pattern(), idle_kv=pattern(), idle_blk=pattern(), stall=pattern())
def test_row_engine_matches_golden_sweep(job, idle_q, idle_kv, idle_blk, stall):
    _run(job, idle_q, idle_kv, idle_blk, stall)


@pytest.mark.parametrize("backend", ["myhdl", "icarus"])
def test_cycle_formula_and_steady_state(backend):
    """An isolated row job takes exactly RowGeometry.cycles(n) from its command to its last output
    row; row jobs sent back to back follow each other every n * G * B**2 / P cycles (the peak)."""
    params = {"block_size": 8, "head_dim": 4, "group": 3, "max_seq_len": 64, "rows": 2, "qk_lut_rows": 1}
    geom = RowGeometry(**params)
    heads = make_group(40, 4, 3, 7)
    lists = flex_lists(5, np.random.default_rng(7), "dense")
    gb = geom.GB
    alone = run_engine(params, heads, lists, [1], backend)
    assert alone.out_cycles["m_o"][-1] - alone.in_cycles["s_cmd"][0] + 1 == geom.cycles(2)
    res = run_engine(params, heads, lists, [2, 4], backend)
    assert res.outputs["m_o"] == F.expected_o_beats(geom, heads, lists, [2, 4])
    ends = [res.out_cycles["m_o"][(k + 1) * gb - 1] for k in range(2)]
    assert ends[1] - ends[0] == 5 * geom.block_cycles()
    assert geom.block_cycles() * geom.peak_macs_per_cycle == 2 * 3 * 8 * 8 * 4   # all of a block's MACs


@pytest.mark.parametrize("kw, match", [
    ({"rows": 3}, r"sae_row_engine field 'rows' = 3 is not allowed: must be a power of two in \[2, block_size/2=4\]"),
    ({"rows": 8}, r"sae_row_engine field 'rows' = 8 is not allowed: must be a power of two in \[2, block_size/2=4\]"),
    ({"qk_lut_rows": 3}, r"sae_row_engine field 'qk_lut_rows' = 3 is not allowed: must be an integer in \[0, rows=2\]"),
    ({"head_dim": 6}, r"sae_row_engine field 'head_dim' = 6 is not allowed: must be a power of two"),
    ({"block_size": 2, "rows": 2}, r"sae_row_engine field 'block_size' = 2 is not allowed"),
])
def test_bad_parameters(kw, match):
    p = {"block_size": 8, "head_dim": 4, "group": 1, "max_seq_len": 64, "rows": 2, "qk_lut_rows": 0, **kw}
    with pytest.raises(ValueError, match=match):
        RowGeometry(**p)
