"""The SIG checkers can fail: planted bugs in the converted Verilog are rejected by the Hypothesis
co-simulation against the golden model and by the k-induction proof."""

import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import Phase, given, settings, strategies as st

from fast_prefill.verify import mutants_sig
from fast_prefill.verify.formal import run_job
from fast_prefill.verify.golden.block_lists import HeadPattern
from fast_prefill.verify.proof_jobs import all_jobs

from fast_prefill.verify.bench.sig.harness import run_heads
from fast_prefill.verify.strategies import head_patterns

DUP = mutants_sig.builder_duplicate_on_coincidence()


def test_builder_mutant_passes_when_nothing_coincides():
    """The mutant only misbehaves on a coincidence (so the tests below reject it for that reason)."""
    p = HeadPattern(6, np.array([1]), np.array([0]))
    run_heads([p], [], [], [], backends=("icarus",), mutant=DUP)


def test_hypothesis_rejects_builder_duplicate():
    # No shrinking: finding the failure is the point; shrinking long failing runs costs minutes.
    @settings(phases=[Phase.explicit, Phase.reuse, Phase.generate])
    @given(heads=st.lists(head_patterns(), min_size=1, max_size=2), stall=st.sampled_from([[], [True, False]]))
    def prop(heads, stall):
        run_heads(heads, [], [], stall, backends=("icarus",), mutant=DUP)

    with pytest.raises(AssertionError, match="output .* != golden"):
        prop()


def test_builder_duplicate_failure_writes_a_waveform():
    """A long failing run (Icarus flushes small VCDs only at exit, so use many cycles)."""
    heads = [HeadPattern(8, np.array([1, 2, 3]), np.array([1, 2, 3]))] * 3
    with pytest.raises(AssertionError, match="output .* != golden") as info:
        run_heads(heads, [], [], [True, False, False], backends=("icarus",), mutant=DUP)
    vcd = Path(str(info.value).split("waveform: ")[1].split()[0])
    for _ in range(100):  # the Icarus process may still be writing its VCD as it exits
        if vcd.exists() and vcd.stat().st_size > 0:
            break
        time.sleep(0.1)
    assert vcd.stat().st_size > 0


@pytest.mark.formal
@pytest.mark.parametrize("job", ["sig_list_builder_b4"])
def test_proof_rejects_builder_duplicate(job, tmp_path):
    [base] = run_job(all_jobs()[job], mutant=DUP, workdir=tmp_path / job, tasks=("bmc",))
    assert base.result == "FAIL", base
    assert base.vcd is not None and base.vcd.exists()


# ---- the probe's lanes and slash banks (rows_per_key = 2)
@pytest.mark.parametrize("mutant", [mutants_sig.probe_bank_takes_own_lane(),
                                    mutants_sig.probe_bank_address_no_carry(4)], ids=lambda m: m.name)
def test_probe_lane_bank_mutants_rejected(mutant):
    """sig_probe at r = 2 (B = 4, N = 16) with the slash bank's lane rotation, or its word-address
    carry, broken: the co-simulation against probe_fixed rejects both (random INT8 head, every
    offset parity met)."""
    from fast_prefill.verify.bench.sig.harness import PROBE_PARAMS, probe_cfg, run_probe
    from fast_prefill.verify.golden.fixed_point import score_multiplier

    params = {**PROBE_PARAMS, "rows_per_key": 2}
    rng = np.random.default_rng(21)
    mult, shift = score_multiplier(2e-3, probe_cfg(params))
    head = (rng.integers(-127, 128, (4, 2)), rng.integers(-127, 128, (16, 2)), mult, shift)
    run_probe([head], [], [], params=params, backends=("icarus",))                 # the design passes
    with pytest.raises(AssertionError, match="!= golden"):
        run_probe([head], [], [], params=params, backends=("icarus",), mutant=mutant)


# ---- the histogram searches
@pytest.mark.formal
def test_proof_rejects_top_m_last_early(tmp_path):
    """sig_top_m with ``last`` one selection early: the k-induction proof does not pass (the bug is
    deeper than the 6-step base case from reset, so induction fails on an asserted invariant:
    UNKNOWN, with the failed assertion in the log)."""
    [prove] = run_job(all_jobs()["sig_top_m_n4"], mutant=mutants_sig.top_m_last_early(),
                      workdir=tmp_path / "top_m", tasks=("prove",))
    assert prove.result in ("FAIL", "UNKNOWN"), prove
    assert "Assert failed" in prove.log.read_text()


def test_cover_count_rem_stale_rejected():
    """sig_cover_count whose digit scan does not take a passed bin's sum off the target left: the
    co-simulation against the golden cover_count rejects it (target 2 over [1, 2]: bin 2 is passed)."""
    from fast_prefill.verify.bench.sig.harness import run_cover_count

    vecs = [(2, [1, 2]), (5, [3, 4, 1])]
    run_cover_count(vecs, [], [], backends=("icarus",))                    # the design passes
    with pytest.raises(AssertionError, match="!= golden"):
        run_cover_count(vecs, [], [], backends=("icarus",), mutant=mutants_sig.cover_count_rem_stale())


def test_cover_count_load_pass_memory_rejected():
    """sig_cover_count whose first pass (run with the load) histograms the value memory's read
    instead of the loading value: the co-simulation against the golden cover_count rejects it (the
    second vector's first pass would see the first vector's large values)."""
    from fast_prefill.verify.bench.sig.harness import run_cover_count

    vecs = [(0, [63, 63, 63]), (5, [3, 4, 1])]
    run_cover_count(vecs, [], [], backends=("icarus",))                    # the design passes
    with pytest.raises(AssertionError, match="!= golden"):
        run_cover_count(vecs, [], [], backends=("icarus",), mutant=mutants_sig.cover_count_load_pass_memory())


def _liveness_heads():
    e = np.zeros(0, np.int64)
    return [HeadPattern(6, np.array([1]), np.array([0, 3])), HeadPattern(5, e, e, dense=True)]


def test_liveness_no_forward_rejected():
    """sig_liveness without the backward pass's forwarding: rows 0 and 1 both start with block 0, so
    access (0, 0) follows (1, 0) at once in the backward pass and reads a stale entry."""
    from fast_prefill.verify.bench.sig.harness import run_liveness

    run_liveness(_liveness_heads(), [], [], backends=("icarus",))                   # the design passes
    with pytest.raises(AssertionError, match="!= golden"):
        run_liveness(_liveness_heads(), [], [], backends=("icarus",), mutant=mutants_sig.liveness_no_forward())


def test_liveness_table_not_held_rejected():
    """sig_liveness whose per-block table read moves on while the output stalls: only back-pressure
    shows it, so the same heads pass without stalls and are rejected with them."""
    from fast_prefill.verify.bench.sig.harness import run_liveness

    stall = [True, True, False]
    run_liveness(_liveness_heads(), [], stall, backends=("icarus",))                # the design passes
    run_liveness(_liveness_heads(), [], [], backends=("icarus",), mutant=mutants_sig.liveness_table_not_held())
    with pytest.raises(AssertionError, match="!= golden"):
        run_liveness(_liveness_heads(), [], stall, backends=("icarus",), mutant=mutants_sig.liveness_table_not_held())
