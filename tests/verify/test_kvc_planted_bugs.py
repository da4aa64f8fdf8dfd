"""The KV-cache checkers can fail: an LRU-like victim choice (evicts a live block while a dead one is
resident) is rejected by the k-induction proof and by the Hypothesis read-count test; a fill that
packs a row word's beats in the wrong order is rejected by the data check; the split fill's pairing
naming the wrong line is rejected by the data check and by the bounded job."""

import dataclasses

import numpy as np
import pytest

from fast_prefill.verify.bench.kvc import requests_of, simulate, small_params
from fast_prefill.verify.formal import run_job
from fast_prefill.verify.golden.cache_sim import liveness_reads
from fast_prefill.verify.mutants_kvc import lru_like_eviction, row_lanes_swapped, split_pair_wrong_line, stale_scan
from fast_prefill.verify.proof_jobs import all_jobs

# Row r uses {0, r-2, r-1, r}: block r-2 is dead after row r, while the older blocks... a stream in
# which the smallest resident managed block is still live and a dead one is resident.
LISTS = [np.array(sorted({0, r, max(0, r - 1), max(0, r - 3)} | ({1} if r % 2 else set())), np.int64)
         for r in range(14)]


def test_mutant_changes_read_count_and_is_caught():
    p = small_params(pinned=1, managed=3)
    want = liveness_reads(LISTS, 4, 1)
    good = simulate(p, requests_of(LISTS), backend="icarus", seed=4)
    assert good.block_reads == want and good.responses == good.expected
    bad = simulate(p, requests_of(LISTS), backend="icarus", seed=4,
                   mutant=lru_like_eviction(p["tag_bits"]))
    assert bad.responses == bad.expected       # still returns correct data ...
    assert bad.block_reads != want, (bad.block_reads, want)  # ... but not with the golden read count


def test_row_lane_order_mutant_is_caught():
    """Words of two AXI beats: packing the beats in the wrong order is caught by the data check."""
    p = small_params(row_beats=2, half_beats=4, burst_beats=2)
    good = simulate(p, requests_of(LISTS[:6]), backend="icarus", seed=5)
    assert good.finished and good.responses == good.expected
    bad = simulate(p, requests_of(LISTS[:6]), backend="icarus", seed=5, mutant=row_lanes_swapped())
    assert bad.finished and bad.responses != bad.expected


def test_split_fill_pairing_mutant_is_caught():
    """The split fill's pairing of K and V completions: naming the K master's line when V completes
    is caught by the data check (or the stream hangs) in the runs where the AXI slaves' random
    latencies let K run a line ahead of V (2 of these 12 seeds), and the correct design passes
    every one."""
    p = small_params(half_beats=4, burst_beats=2, row_beats=2, axi_width=16, kv_read_ports=2)
    caught = []
    for seed in range(12):
        good = simulate(p, requests_of(LISTS), backend="icarus", seed=seed)
        assert good.finished and good.responses == good.expected, seed
        bad = simulate(p, requests_of(LISTS), backend="icarus", seed=seed, mutant=split_pair_wrong_line())
        if not bad.finished or bad.responses != bad.expected:
            caught.append(seed)
    assert caught


@pytest.mark.formal
def test_split_cache_bmc_rejects_pairing_mutant(tmp_path):
    """The bounded job finds a run from reset (about 8 s) in which a line is marked loaded before
    its V half is in."""
    job = all_jobs()["kvc_cache_split_bmc"]
    [base] = run_job(job, mutant=split_pair_wrong_line(), workdir=tmp_path / job.name, tasks=("bmc",))
    assert base.result == "FAIL", base
    assert base.vcd is not None and base.vcd.exists()


@pytest.mark.formal
def test_split_cache_bmc_passes(tmp_path):
    job = all_jobs()["kvc_cache_split_bmc"]
    assert job.mode == "bmc" and job.params["kv_read_ports"] == 2
    results = run_job(job, workdir=tmp_path / job.name)
    assert all(r.passed for r in results), results


@pytest.mark.formal
def test_proof_rejects_lru_like_mutant(tmp_path):
    # deep enough for the base case to reach a live eviction from reset (three decisions, each
    # after the scan trees settle: docs/kvc.md), so the rejection is a counterexample from reset
    job = dataclasses.replace(all_jobs()["kvc_tag_store"], prove_depth=16)
    [base] = run_job(job, mutant=lru_like_eviction(job.params["tag_bits"]), workdir=tmp_path / job.name,
                     tasks=("bmc",))
    assert base.result == "FAIL", base
    assert base.vcd is not None and base.vcd.exists()


@pytest.mark.formal
def test_proof_rejects_a_decision_before_the_scans_settle(tmp_path):
    """The scan trees (lookup, free lines, victim) are pipelined; deciding a cycle before they
    settle reads a stale root. The tag-store proof with odd line counts (padded trees, an inner
    victim level) rejects it."""
    job = all_jobs()["kvc_tag_store_l5"]
    p = job.params
    [base] = run_job(job, mutant=stale_scan(p["pinned"], p["managed"]), workdir=tmp_path / job.name,
                     tasks=("bmc",))
    assert base.result == "FAIL", base
    assert base.vcd is not None and base.vcd.exists()


@pytest.mark.formal
def test_proof_rejects_row_lane_mutant(tmp_path):
    """The whole-cache proof with two-beat response words rejects the swapped packing: the written
    word breaks the tier-RAM content invariant. At the proof's depth 4 the base case cannot yet
    reach a filled word, so the rejection is the failed induction step (UNKNOWN with its trace),
    never a PASS (as in tests/verify/test_sae_formal.py)."""
    job = all_jobs()["kvc_cache_rows"]
    [prove] = run_job(job, mutant=row_lanes_swapped(), workdir=tmp_path / job.name, tasks=("prove",))
    assert prove.result in ("FAIL", "UNKNOWN"), prove
    assert prove.vcd is not None and prove.vcd.exists()
