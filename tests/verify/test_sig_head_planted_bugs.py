"""The sig_head checker can fail: planted bugs in the converted sig_head Verilog (a vertical budget
off by one; slash offsets mapped to ``row - s - 1``; the cover count's header skipped) are rejected by the whole-head co-simulation
against the golden model (tests/rtl/sig/test_head.py's bench)."""

import pytest
from hypothesis import Phase, example, given, settings, strategies as st

from fast_prefill.verify.bench.sig.head import check_heads, make_case
from fast_prefill.verify import mutants_sig

BUDGET = mutants_sig.head_budget_off_by_one()
SLASH = mutants_sig.head_slash_row_minus_s_minus_1()


def test_budget_mutant_rejected():
    # No shrinking (a failing head run is seconds); one explicit triggering case first.
    @settings(max_examples=2, phases=[Phase.explicit, Phase.reuse, Phase.generate])
    @given(nb=st.integers(3, 8), seed=st.integers(0, 2**16), kind=st.sampled_from(["sink", "int", "random"]))
    @example(nb=6, seed=1, kind="sink")
    def prop(nb, seed, kind):
        check_heads([make_case(nb, kind, seed, min_budget=8)], backends=("icarus",), mutant=BUDGET)

    with pytest.raises(AssertionError, match="first difference"):
        prop()


def test_header_skip_mutant_rejected():
    """A head that lets the feed move while its first cover count's header waits for the target:
    caught by a head whose budgets follow the counts (min_budget 1, N = 256: count // 128 + 1 is
    above the clamp), on which the correct design is exact. With the default min_budget of 8 the
    budgets are clamped and such a bug is invisible to the small heads (the kernel calibration's
    N = 256 head found it first). The correct design runs on Verilator (the head tests' build), the
    mutant, a build of its own, on Icarus."""
    cases = [make_case(32, "random", 1, min_budget=1)]
    check_heads(cases, backends=("verilator",))
    with pytest.raises(AssertionError, match="first difference"):
        check_heads(cases, backends=("icarus",), mutant=mutants_sig.head_header_skipped())


def test_slash_mutant_rejected():
    with pytest.raises(AssertionError, match="first difference"):
        check_heads([make_case(6, "slash", 2, min_budget=16)], backends=("icarus",), mutant=SLASH)


def test_query_aware_budget_mutant_rejected():
    """The query-aware path is checked too: a query-aware head (golden D2 < tau_th) whose vertical
    budget is not reset to min_blocks is caught: the query-aware head follows a vertical-slash head
    whose coverage count (gamma = 1.0: N + 1 = 137 tokens -> 2 blocks) is left in the register."""
    cases = [make_case(17, "sink", 1, gamma=1.0, min_budget=8, index=0),
             make_case(8, "random", 3, tau=0.3, min_budget=8, index=1)]
    with pytest.raises(AssertionError, match="head 1: .*first difference"):
        check_heads(cases, backends=("icarus",), mutant=mutants_sig.head_qa_keeps_coverage_budget())


# ---- shared K pass (heads_per_pass > 1)
def test_probe_recip_from_head0_mutant_rejected():
    """sig_probe with S = 2 whose pass 2 takes head 0's reciprocal for every head's rows: the
    per-head co-simulation against probe_fixed rejects it (explicit case: two different heads)."""
    import numpy as np

    from fast_prefill.verify.bench.sig.harness import PROBE_PARAMS, probe_cfg
    from fast_prefill.verify.bench.sig.head_shared import run_probe_shared
    from fast_prefill.verify.golden.fixed_point import score_multiplier

    params = {**PROBE_PARAMS, "heads_per_pass": 2}
    mutant = mutants_sig.probe_recip_from_head0(lq=2)   # B = 4, one lane: 4 rows per lane

    @settings(max_examples=1, phases=[Phase.explicit, Phase.reuse, Phase.generate])
    @given(seed=st.integers(0, 2**16))
    @example(seed=3)
    def prop(seed):
        rng = np.random.default_rng(seed)
        mult, shift = score_multiplier(2e-3, probe_cfg(params))
        qps = [rng.integers(-127, 128, (4, 2)), rng.integers(-127, 128, (4, 2))]
        run_probe_shared([(qps, rng.integers(-127, 128, (16, 2)), mult, shift)], [], [], params=params,
                         backends=("icarus",), mutant=mutant)

    with pytest.raises(AssertionError, match="output differs from the golden"):
        prop()


def _shared_runs():
    from fast_prefill.verify.bench.sig.head_shared import make_run

    return [make_run(2, 6, "int", 1, min_budget=24)]


def test_shared_follower_bank0_mutant_rejected():
    """sig_head with S = 2 whose probe emits bank 0 for the run's second head: rejected (the
    second head's beats differ from its golden stream)."""
    from fast_prefill.verify.bench.sig.head_shared import check_shared

    mutant = mutants_sig.probe_follower_reads_bank0()
    with pytest.raises(AssertionError, match="head 1 .*first difference"):
        check_shared(_shared_runs(), backends=("icarus",), mutant=mutant)


def test_shared_follower_rereads_k_mutant_rejected():
    """sig_head with S = 2 whose following head issues the K passes again: the K byte count
    (two passes per run) rejects it."""
    from fast_prefill.verify.bench.sig.head_shared import check_shared

    with pytest.raises(AssertionError, match="K reads"):
        check_shared(_shared_runs(), backends=("icarus",), mutant=mutants_sig.head_follower_rereads_k())
