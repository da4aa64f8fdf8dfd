"""kv_cache: returned K/V data and HBM read counts against the golden cache model, on MyHDL and on the
converted Verilog (Icarus), with random request idles, response back-pressure, AXI latency, RVALID
gaps and ARREADY stalls (verify/axi_memory.py)."""

import numpy as np
import pytest
from hypothesis import given, strategies as st

from fast_prefill.blocks import get_block
from fast_prefill.verify.backend_rule import backends_for_run
from fast_prefill.verify.bench.kvc import V_BASE, requests_of, simulate, small_params
from fast_prefill.verify.golden.cache_sim import liveness_reads
from fast_prefill.verify.golden.float_ref import FlexPrefillParams, flexprefill_head_pattern
from fast_prefill.verify.golden.minference import load_budgets
from fast_prefill.verify.golden.synthetic import make_head

SPEC = get_block("kv_cache")


def _addrs(log):
    return [a for a, _ in log.bursts]


@st.composite
def layouts(draw, max_nb=14):
    """Random legal block lists: per row strictly increasing, in [0, r], containing 0 and r."""
    nb = draw(st.integers(1, max_nb))
    out = []
    for r in range(nb):
        extra = draw(st.sets(st.integers(0, r), max_size=min(r + 1, 5)))
        out.append(np.array(sorted(extra | {0, r}), np.int64))
    return out


def check(params, lists, seed, backends=("myhdl", "icarus"), **kw):
    reqs = requests_of(lists)
    want = liveness_reads(lists, params["pinned"] + params["managed"], params["pinned"])
    runs = {}
    for be in backends_for_run(backends):   # MyHDL on this test's MyHDL runs (verify/backend_rule.py)
        run = simulate(params, reqs, backend=be, seed=seed, **kw)
        assert run.finished, f"{be}: not finished after {run.cycles} cycles ({len(run.responses)}/{len(run.expected)} beats)"
        assert not run.violations and not run.axi.violations, (run.violations[:3], run.axi.violations[:3])
        assert run.responses == run.expected, f"{be}: returned data differs from memory contents"
        assert run.block_reads == want, f"{be}: {run.block_reads} HBM block reads, golden liveness_reads says {want}"
        assert run.axi.max_in_flight <= params["max_outstanding"]
        if params.get("kv_read_ports", 1) == 2:   # the split fill: K bursts on m_axi, V bursts on m_axi_v
            assert not run.axi_v.violations and run.axi_v.max_in_flight <= params["max_outstanding"]
            assert len(run.axi.bursts) == len(run.axi_v.bursts)
            assert all(a < V_BASE for a in _addrs(run.axi)) and all(a >= V_BASE for a in _addrs(run.axi_v))
        assert not run.err_axi and not run.err_req
        runs[be] = run
    if len(runs) == 2:
        assert runs["myhdl"].cycles == runs["icarus"].cycles, "MyHDL and converted Verilog differ in timing"
    return runs


PARAMS = st.sampled_from([
    small_params(),
    small_params(pinned=1, managed=2, prefetch_depth=0, max_outstanding=1),
    small_params(pinned=2, managed=3, half_beats=4, burst_beats=2, prefetch_depth=3, max_outstanding=3),
    small_params(pinned=3, managed=1, axi_width=64, half_beats=1, burst_beats=1, prefetch_depth=1),
    # response words of several AXI beats (a K/V row of 8 D bits from 8 D / W beats)
    small_params(row_beats=2),
    small_params(pinned=1, managed=2, half_beats=4, burst_beats=2, row_beats=4, axi_width=16, max_outstanding=3),
    # the split fill (kv_read_ports = 2, the presets' choice): K and V of a block on two AXI ports
    small_params(kv_read_ports=2),
    small_params(pinned=2, managed=3, half_beats=4, burst_beats=2, prefetch_depth=3, max_outstanding=3,
                 kv_read_ports=2),
    small_params(pinned=1, managed=2, half_beats=4, burst_beats=2, row_beats=2, axi_width=16, kv_read_ports=2),
])


@given(params=PARAMS, lists=layouts(), seed=st.integers(0, 2**16))
def test_random_streams_data_and_read_count(params, lists, seed):
    check(params, lists, seed)


@pytest.mark.parametrize("kind, seed", [("random", 0), ("sink", 1), ("slash", 2), ("retrieval", 3)])
def test_flexprefill_layouts(kind, seed):
    """Layouts from the FlexPrefill float reference (synthetic heads, 16 blocks of 16 tokens)."""
    q, k, _ = make_head(kind, 256, 16, seed=seed)
    pat = flexprefill_head_pattern(q, k, FlexPrefillParams(block_size=16, min_budget=32))
    check(small_params(), pat.rows(), seed)


@pytest.mark.parametrize("model, layer, head", [("llama-3-8b", 3, 5), ("qwen2.5-7b", 10, 2)])
def test_minference_budgets(model, layer, head):
    """Layouts from MInference's published per-head budgets, scaled to 24 blocks of 16 tokens."""
    _, v, s, _ = load_budgets(model)[layer][head]
    q, k, _ = make_head("retrieval", 384, 16, seed=layer)
    rows = minference_lists(q, k, v, s)
    check(small_params(pinned=2, managed=4), rows, layer)


def minference_lists(q, k, v, s):
    from fast_prefill.verify.golden.minference import token_pattern_to_lists, vertical_slash_tokens

    vt, sd = vertical_slash_tokens(q, k, max(1, v // 64), max(1, s // 64))
    return token_pattern_to_lists(vt, sd, q.shape[0], 16)


def test_tiny_preset_geometry():
    """The tiny preset's own geometry: 8 beats of 64 bits per K block, one 8-beat burst each."""
    from fast_prefill.config import get_preset

    params = SPEC.params(get_preset("tiny"))
    assert (params["half_beats"], params["burst_beats"], params["pinned"], params["managed"]) == (8, 8, 2, 4)
    lists = [np.array(sorted({0, r, r // 2}), np.int64) for r in range(10)]
    check({**params, "tag_bits": 5}, lists, 7)


def test_prefetch_keeps_count_and_hides_latency():
    """Prefetch depth changes timing only: same reads, and fewer cycles under long HBM latency."""
    lists = [np.array(sorted({0, r, max(0, r - 1), (r * 7) % (r + 1)}), np.int64) for r in range(14)]
    cycles = {}
    for depth in (0, 4):
        p = small_params(prefetch_depth=depth, max_outstanding=4)
        run = check(p, lists, 11, backends=("myhdl",), max_latency=24, stall=0.0, idle=0.0, r_gap=0.0, ar_stall=0.0)["myhdl"]
        cycles[depth] = run.cycles
    assert cycles[4] < 0.8 * cycles[0], cycles


@pytest.mark.parametrize("backend", ["myhdl", "icarus"])
def test_rresp_error_is_sticky_and_stream_completes(backend):
    from fast_prefill.verify.bench.kvc import K_BASE

    lists = [np.arange(r + 1) for r in range(4)]
    p = small_params()
    half_bytes = p["half_beats"] * p["axi_width"] // 8
    run = simulate(p, requests_of(lists), backend=backend, seed=1, error_bursts=frozenset({K_BASE + 2 * half_bytes}))
    assert run.finished and run.err_axi and not run.err_req
    assert len(run.responses) == len(run.expected)
    clean = simulate(p, requests_of(lists), backend=backend, seed=1)
    assert not clean.err_axi


@pytest.mark.parametrize("backend", ["myhdl", "icarus"])
def test_request_beyond_head_sets_error_and_is_dropped(backend):
    lists = [np.arange(r + 1) for r in range(5)]
    reqs = requests_of(lists)
    bad = reqs[:4] + [(2, 9, -1, False)] + reqs[4:]
    run = simulate(small_params(), bad, backend=backend, seed=2, n_blocks=5)
    assert run.finished and run.err_req and not run.err_axi
    assert run.responses == run.expected  # expected skips the dropped request
    assert run.block_reads == liveness_reads(lists, 6, 2)


def test_reset_between_heads_clears_state():
    """Two heads in one run with a reset between them: each head's reads equal its golden count
    (a second head with the same blocks misses again: nothing survives the reset)."""
    lists = [np.array(sorted({0, r}), np.int64) for r in range(6)]
    p = small_params()
    run = simulate(p, requests_of(lists), backend="icarus", seed=5, heads=2)
    assert run.finished and run.responses == run.expected
    assert run.block_reads == 2 * liveness_reads(lists, 6, 2)


@pytest.mark.parametrize("field, value", [("prefetch_depth", -1), ("prefetch_depth", 65)])
def test_bad_parameters_are_refused(field, value):
    with pytest.raises(ValueError, match=rf"kv_cache field '{field}' = {value} is not allowed"):
        SPEC.instantiate({**small_params(), field: value})


def test_split_fill_refuses_bad_v_ports():
    """The split fill needs every V-port signal, V words as wide as K words, and at least two
    response words a block half; each refusal names the field."""
    from myhdl import Signal

    from fast_prefill.blocks import bundle_ports
    from fast_prefill.rtl.kvc.kv_cache import kv_cache
    from fast_prefill.rtl.kvc.specs import cache_ports

    with pytest.raises(ValueError, match=r"kv_cache field 'm_axi_v_\*' is not allowed: give all 13 signals of the AxiRead port or none"):
        ports = {**cache_ports(small_params()), "m_axi_v_arvalid": Signal(bool(0))}
        kv_cache(**bundle_ports(kv_cache, ports))
    with pytest.raises(ValueError, match=r"kv_cache field 'm_axi_v_rdata' width = 16 with 1 word\(s\) a block half"):
        SPEC.instantiate(small_params(half_beats=2, burst_beats=2, row_beats=2, axi_width=16, kv_read_ports=2))


def test_scan_tree_depths():
    from fast_prefill.rtl.kvc.tag_store import settle_cycles, stages

    assert [stages(n) for n in (1, 2, 3, 4, 5, 64, 65, 128)] == [1, 1, 2, 2, 3, 6, 7, 7]
    # the lookup over all lines, or the victim tree plus its reader-count read, whichever is deeper
    assert settle_cycles(64, 64) == 7 and settle_cycles(2, 4) == 3 and settle_cycles(1, 8) == 4


@pytest.mark.parametrize("preset", ["tiny", "u280"])
def test_decisions_never_set_the_pace(preset):
    """The tag store's pipelined scans make a decision every ``settle + 2`` cycles at best; a block
    takes ``2 * half_beats / row_beats`` cycles to deliver, so decisions keep ahead of delivery."""
    from fast_prefill.config import get_preset
    from fast_prefill.perf.units import kvc_decision_gap
    from fast_prefill.rtl.kvc.specs import geometry

    cfg = get_preset(preset)
    g = geometry(cfg)
    first, gap = kvc_decision_gap(cfg.pinned_tier_blocks, cfg.managed_tier_blocks)
    assert first + 2 == gap
    assert gap < 2 * g["half_beats"] // g["row_beats"], (gap, g)
