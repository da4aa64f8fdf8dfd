"""The query-aware SIG checkers can fail: planted bugs in the converted Verilog of sig_decision and
sig_pooled_select are rejected by the Hypothesis co-simulation against the golden model and (the
non-causal walk) by the k-induction proof."""

import sys
from pathlib import Path

import pytest
from hypothesis import Phase, example, given, settings, strategies as st

from fast_prefill.verify import mutants_sig_qa
from fast_prefill.verify.formal import run_job
from fast_prefill.verify.proof_jobs import all_jobs

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "rtl" / "sig"))
import test_decision as td  # noqa: E402
import test_pooled_select as tp  # noqa: E402

NO_SHRINK = [Phase.explicit, Phase.reuse, Phase.generate]
PROPS = Path(__file__).resolve().parents[2] / "verify" / "properties" / "sig_pooled_select.sv"


def _where(assertion: str) -> str:
    """``sig_pooled_select.sv:<line>.``: where the solver reports the property file's line holding
    ``assertion`` (found, so that edits above it do not break the test)."""
    [line] = [i for i, ln in enumerate(PROPS.read_text().splitlines(), 1) if assertion in ln]
    return f"sig_pooled_select.sv:{line}."
LE = mutants_sig_qa.decision_le(td.PARAMS)
NONCAUSAL = mutants_sig_qa.pooled_non_causal()
END_MISSED = mutants_sig_qa.pooled_end_missed()


def test_hypothesis_rejects_decision_le():
    qsum, ksum, pv, mult, shift = td.make_case(5, "near", 5)
    _, d2 = td.decision_golden(qsum, ksum, pv, mult, shift, 0, td.CFG)

    @settings(max_examples=20, phases=NO_SHRINK)
    @given(heads=st.lists(td.cases(), min_size=1, max_size=2))
    @example(heads=[(qsum, ksum, pv, mult, shift, d2)])       # tau_th == d2: the bug's only trigger
    def prop(heads):
        td.run_decision(heads, [], [], backends=("icarus",), mutant=LE)

    with pytest.raises(AssertionError, match="output .* != golden"):
        prop()


def test_hypothesis_rejects_pooled_non_causal():
    @settings(max_examples=10, phases=NO_SHRINK)
    @given(heads=st.lists(tp.cases(), min_size=1, max_size=2))
    @example(heads=[tp.make_case(8, "random", 3, 1 << 16)])   # every causal entry of 3 rows
    def prop(heads):
        tp.run_pooled(heads, [], [], backends=("icarus",), mutant=NONCAUSAL)

    with pytest.raises(AssertionError, match="output .* != golden"):
        prop()


@pytest.mark.formal
def test_proof_rejects_pooled_non_causal(tmp_path):
    """The proof does not pass: the induction step breaks the cursor invariant ``col <= row``. (It is
    UNKNOWN rather than FAIL: the first reachable non-causal beat lies ~80 cycles after reset, a
    whole head, beyond the job's base-case depth of 6.)"""
    [prove] = run_job(all_jobs()["sig_pooled_select_b3"], mutant=NONCAUSAL, workdir=tmp_path / "ps",
                      tasks=("prove",))
    assert prove.result in ("FAIL", "UNKNOWN"), prove
    assert prove.vcd is not None and prove.vcd.exists()
    induction = (prove.log.parent / "engine_0" / "logfile_induction.txt").read_text()
    assert "Temporal induction failed" in induction
    assert _where("if (!pre) assert(ccol <= crow && crow <= nbl);") in induction


@pytest.mark.formal
def test_proof_rejects_pooled_end_missed(tmp_path):
    """The cursor's look-ahead flag ``at_end`` (a register beside crow/ccol, rtl/sig/pooled_select.py)
    is tied to the cursor by an invariant; a flag that is never set breaks it in the induction step."""
    [prove] = run_job(all_jobs()["sig_pooled_select_b3"], mutant=END_MISSED, workdir=tmp_path / "ps",
                      tasks=("prove",))
    assert prove.result in ("FAIL", "UNKNOWN"), prove
    log = prove.log.read_text()
    induction = prove.log.parent / "engine_0" / "logfile_induction.txt"
    text = log + (induction.read_text() if induction.exists() else "")
    assert _where("assert(at_end == (!pre && crow == nbl && ccol == crow));") in text
