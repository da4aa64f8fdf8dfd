"""The sig_head checker can fail: planted bugs in the converted sig_head Verilog (a vertical budget
off by one; slash offsets mapped to ``row - s - 1``) are rejected by the whole-head co-simulation
against the golden model (tests/rtl/sig/test_head.py's bench)."""

import pytest
from hypothesis import Phase, example, given, settings, strategies as st

from fast_prefill.rtl.sig.head_bench import check_heads, make_case
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


@pytest.mark.slow  # CI budget: the budget mutant stays in the default run
def test_slash_mutant_rejected():
    with pytest.raises(AssertionError, match="first difference"):
        check_heads([make_case(6, "slash", 2, min_budget=16)], backends=("icarus",), mutant=SLASH)


@pytest.mark.slow  # CI budget: the budget mutant stays in the default run
def test_query_aware_budget_mutant_rejected():
    """The query-aware path is checked too: a query-aware head (golden D2 < tau_th) whose vertical
    budget is not reset to min_blocks is caught: the query-aware head follows a vertical-slash head
    whose coverage count (gamma = 1.0: N + 1 = 137 tokens -> 2 blocks) is left in the register."""
    cases = [make_case(17, "sink", 1, gamma=1.0, min_budget=8, index=0),
             make_case(8, "random", 3, tau=0.3, min_budget=8, index=1)]
    with pytest.raises(AssertionError, match="head 1: .*first difference"):
        check_heads(cases, backends=("icarus",), mutant=mutants_sig.head_qa_keeps_coverage_budget())
