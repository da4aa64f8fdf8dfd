"""sig_head: whole heads (B=8, D=8 as the tiny preset, N up to 32 blocks) read from two adversarial
AXI4 memory models, on the MyHDL model and the converted Verilog (Verilator), with random
back-pressure on ``m``: every access beat equals the golden ``fixed_head_pattern`` -> ``build_lists``
-> ``liveness.annotate`` stream exactly; K is read exactly twice (2 N D bytes) and Q once (the last
B rows, B D bytes) per non-dense head; ``busy``, ``done``, ``reads_done``, ``err`` as the contract."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import Phase, example, given, settings, strategies as st

from fast_prefill.config import get_preset
from fast_prefill.rtl.sig.head import HeadGeometry
from fast_prefill.verify.bench.sig.head import TEST_PARAMS, check_heads, head_cfg, head_cycle_formula, make_case, simulate
from fast_prefill.rtl.sig.specs import head_params
from fast_prefill.verify.golden.fixed_point import FixedPointConfig, score_multiplier
from fast_prefill.verify.golden.synthetic import KINDS
from fast_prefill.verify.strategies import pattern

# The converted Verilog under Verilator, driven by the same Python bench and AXI models through
# MyHDL's co-simulation protocol (verify/verilator/cosim_bridge.cpp): cycle for cycle as Icarus,
# about twice as fast on this bench; the planted-bug tests keep Icarus (a build per mutant).
VERILOG = "verilator"
G = HeadGeometry(**TEST_PARAMS)
CFG = head_cfg(TEST_PARAMS)


@st.composite
def head_cases(draw, min_nb=3, max_nb=16):
    nb = draw(st.integers(min_nb, max_nb))
    kind = draw(st.sampled_from(KINDS + ("int", "int")))
    seed = draw(st.integers(0, 2**32 - 1))
    strength = draw(st.sampled_from([0.05, 1.0, 1.0, 4.0, 40.0]))
    gamma = draw(st.sampled_from([0.9, 0.95, 1.0, 0.5, 0.05]))
    min_budget = draw(st.sampled_from([8, 16, 24]))
    max_budget = draw(st.sampled_from([None, None, 8, 16, 40]))
    tau = draw(st.sampled_from([0.0, 0.0, 0.1, 0.3]))      # 0: the query-aware path is off
    return make_case(nb, kind, seed, strength, gamma=gamma, min_budget=min_budget, max_budget=max_budget, tau=tau)


@st.composite
def axi_timing(draw):
    return {"latency": draw(st.integers(0, 12)), "r_gap": draw(st.sampled_from([0.0, 0.3, 0.7])),
            "ar_stall": draw(st.sampled_from([0.0, 0.3, 0.7]))}


# One head of up to 12 blocks costs ~2-5 s on Icarus, several times that on MyHDL: a few examples
# in the default run, the MyHDL model on one explicit query-aware head, a wider sweep (both
# backends, up to 32 blocks) marked slow.
@given(case=head_cases(max_nb=12), timing=axi_timing(), stall=pattern(), seed=st.integers(0, 2**16))
@example(case=make_case(6, "sink", 1, gamma=0.9, min_budget=8), timing={"latency": 5, "r_gap": 0.3, "ar_stall": 0.3},
         stall=[True, False], seed=1)
def test_head_matches_golden_verilog(case, timing, stall, seed):
    check_heads([case], backends=(VERILOG,), seed=seed, stall=stall, **timing)


@settings(phases=[Phase.explicit])
@given(case=head_cases(max_nb=6), timing=axi_timing(), stall=pattern(), seed=st.integers(0, 2**16))
@example(case=make_case(4, "int", 3, gamma=0.95, min_budget=8, max_budget=24, tau=0.3),
         timing={"latency": 3, "r_gap": 0.3, "ar_stall": 0.3}, stall=[False, True], seed=2)
def test_head_matches_golden_both_backends(case, timing, stall, seed):
    check_heads([case], seed=seed, stall=stall, **timing)


@pytest.mark.slow
@settings(max_examples=30)
@given(case=head_cases(max_nb=32), timing=axi_timing(), stall=pattern(), seed=st.integers(0, 2**16))
def test_head_matches_golden_sweep(case, timing, stall, seed):
    check_heads([case], seed=seed, stall=stall, **timing)


def test_structured_heads_32_blocks_back_to_back():
    """Two structured heads of 32 blocks (N = 256, the test build's maximum) back to back on the
    converted Verilog: sink + vertical lines, then diagonals; the second head reuses every sub-block."""
    cases = [make_case(32, "sink", 7, gamma=0.9, min_budget=8, index=0),
             make_case(32, "slash", 8, gamma=0.95, min_budget=16, index=1)]
    pats = [c.pattern(G, CFG) for c in cases]
    assert not any(p.dense for p in pats)
    check_heads(cases, backends=(VERILOG,), seed=4, stall=[False, False, True])


def test_query_aware_heads():
    """tau > 0: the decision runs on every sparse head; query-aware heads (golden D2 < tau_th) take
    min_blocks vertical/slash blocks plus the pooled selection, re-reading all of Q twice (the
    block sums), K still exactly twice; a head that stays vertical-slash right after one that was
    query-aware; query_aware equals the golden flag at done."""
    cases = [make_case(8, "random", 3, tau=0.3, min_budget=16, index=0),
             make_case(6, "retrieval", 3, tau=0.1, min_budget=16, index=1),
             make_case(6, "sink", 5, tau=0.3, gamma=0.5, min_budget=8, max_budget=16, index=2)]
    pats = [c.pattern(G, CFG) for c in cases]
    assert [p.query_aware for p in pats] == [True, False, True] and all(len(p.extra) for p in (pats[0], pats[2]))
    check_heads(cases, backends=(VERILOG,), seed=9, stall=[False, True, False])


def test_dense_heads_read_nothing():
    """nb <= max(2, min_blocks): all causal blocks, no AXI read, reads_done right after start."""
    cases = [make_case(2, "random", 1, min_budget=8, index=0),            # nb = 2
             make_case(5, "sink", 2, min_budget=40, index=1),             # nb = min_blocks
             make_case(4, "int", 3, min_budget=16, index=2)]              # non-dense between them
    assert [c.pattern(G, CFG).dense for c in cases] == [True, True, False]
    runs = check_heads(cases, backends=(VERILOG,), seed=5, stall=[True, False])
    run = runs[VERILOG]
    assert len(run.k_log.bursts) > 0
    assert all(run.rdone_cycles[i] - run.start_cycles[i] <= 2 for i in (0, 1)), (run.rdone_cycles, run.start_cycles)


@pytest.mark.parametrize("nb,gamma,min_budget,max_budget,clamp", [
    (12, 1.0, 8, None, None),      # gamma = 1.0: the whole mass
    (12, 0.02, 8, None, None),     # small gamma: budgets at the minimum
    (12, 0.95, 48, None, "min"),   # budgets clamped up to min_blocks = 6
    (32, 1.0, 8, 16, "max"),       # count N + 1 = 257 -> 3 blocks, clamped down to max_blocks = 2
])
def test_budgets_and_gamma(nb, gamma, min_budget, max_budget, clamp):
    case = make_case(nb, "retrieval", 11, gamma=gamma, min_budget=min_budget, max_budget=max_budget)
    p = case.pattern(G, CFG)
    assert not p.dense
    raw = p.info["cover_tokens_vertical"] // 128 + 1
    if clamp == "min":
        assert raw < 6 == p.info["n_vertical"] == p.info["n_slash"]
    if clamp == "max":
        assert raw == 3 and p.info["n_vertical"] == 2
    check_heads([case], backends=(VERILOG,), seed=6)


@pytest.mark.parametrize("port", ["q", "k"])
def test_axi_error_sets_err_and_head_completes(port):
    """An SLVERR burst raises err (sticky to done); the head still completes with the golden beats
    (the error burst carried the right words); the next head starts with err low."""
    cases = [make_case(6, "sink", 21, min_budget=8, index=0), make_case(4, "int", 22, min_budget=8, index=1)]
    a = cases[0].args(G, CFG)
    addr = {"q": a["q_base"] + (a["nb"] - 1) * G.B * G.D, "k": a["k_base"]}[port]
    check_heads(cases, backends=(VERILOG,), seed=7, expect_err=[True, False],
                **{f"{port}_errors": frozenset({addr})})


def test_query_aware_multiplier_derivation():
    """The query-aware decision's multiplier: score_multiplier(base / B^2) = (mult, shift + 2 log2 B)
    for the same mult, except where the golden saturates the shift at 62 (refused by the head's
    host side: such a head cannot use the derived pair)."""
    cfg = FixedPointConfig(block_size=8, head_dim=8, max_seq_len=256)
    lb2 = 2 * 3
    checked = 0
    for base in np.geomspace(1e-9, 2.0, 400):
        try:
            mult, shift = score_multiplier(float(base), cfg)
        except ValueError:
            continue
        m2, s2 = score_multiplier(float(base) / 64, cfg)
        if shift + lb2 > 62:
            assert s2 == 62
            continue
        assert (m2, s2) == (mult, shift + lb2), (base, mult, shift, m2, s2)
        checked += 1
    assert checked > 300


def test_u280_geometry_memory():
    """The U280 build's head buffers (documented in docs/sig.md): two accumulator copies of
    131072 x 24 bits and the pooled vectors."""
    g = HeadGeometry(**head_params(get_preset("u280")))
    assert (g.max_n, g.aw, g.max_blocks, g.pooled) == (131072, 24, 1024, 31)
    assert g.row_beats == 2 and g.q_beats == 256         # 512-bit AXI beats, two per 1024-bit row


def test_bad_parameters_are_refused():
    with pytest.raises(ValueError, match="sig_head field 'hbm_data_width' = 128"):
        HeadGeometry(**{**TEST_PARAMS, "head_dim": 8, "hbm_data_width": 128})
    with pytest.raises(ValueError, match="sig_head field 'max_seq_len' = 200"):
        HeadGeometry(**{**TEST_PARAMS, "max_seq_len": 200})
    with pytest.raises(ValueError, match="sig_head field 'head_dim' = 6"):
        HeadGeometry(**{**TEST_PARAMS, "head_dim": 6})
    # the probe read's offset (nb - 1) B D + i N D is added into q_base's low 32 bits only
    with pytest.raises(ValueError, match=r"sig_head field 'heads_per_pass' = 16 .*below 2\^32"):
        HeadGeometry(**{**TEST_PARAMS, "block_size": 256, "head_dim": 256, "max_seq_len": 1 << 20,
                        "heads_per_pass": 16, "hbm_data_width": 512})
    assert HeadGeometry(**{**TEST_PARAMS, "block_size": 256, "head_dim": 256, "max_seq_len": 1 << 20,
                           "heads_per_pass": 14, "hbm_data_width": 512}).qoff_bits == 32


def test_cycles_per_head_against_formula():
    """No stalls, AXI latency 0: cycles from start to done vs the sum of the sub-block formulas
    (docs/sig.md). The probe is exact; the selection blocks are bounded."""
    for nb in (8, 16):
        case = make_case(nb, "sink", 31, min_budget=8)
        run = simulate([case], VERILOG, latency=0, r_gap=0.0, ar_stall=0.0)
        assert run.finished and not run.violations
        cyc = run.done_cycles[0] - run.start_cycles[0]
        est = head_cycle_formula(G, nb, len(case.expected(G, CFG)))
        assert est["lower"] <= cyc <= est["upper"], (nb, cyc, est)
