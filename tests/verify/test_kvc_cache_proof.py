"""The whole-cache proof (``kvc_cache``, ``kvc_cache_pf1``; verify/properties/kvc_cache.sv): a hit returns
that block's data and every request is answered exactly once, in order, by k-induction on the converted
Verilog; and two planted bugs are rejected: a block served from another line's words (counterexample
from reset, and wrong data in co-simulation) and a block's last beat dropped."""

import dataclasses

import numpy as np
import pytest

from fast_prefill.verify.bench.kvc import requests_of, simulate, small_params
from fast_prefill.verify.formal import run_job, table
from fast_prefill.verify.mutants_kvc import last_beat_skipped, managed_read_wrong_line
from fast_prefill.verify.proof_jobs import all_jobs

# Rows of a sliding pattern over 6 blocks: managed lines are filled, hit and evicted.
LISTS = [np.array(sorted({0, r, max(0, r - 1), max(0, r - 3)}), np.int64) for r in range(6)]


def test_mutants_apply_to_the_proof_configuration():
    job = all_jobs()["kvc_cache"]
    assert job.block == "kv_cache" and job.properties == "kvc_cache.sv"
    assert all_jobs()["kvc_cache_pf1"].params == {**job.params, "prefetch_depth": 1}
    assert "m_raddr = {head_line[1-1:0], dbeat};" in managed_read_wrong_line(2).replace
    assert "(dbeat == 2)" in last_beat_skipped(2).replace


def test_wrong_line_mutant_breaks_cosimulation():
    p = small_params(pinned=1, managed=3)
    good = simulate(p, requests_of(LISTS), backend="icarus", seed=3)
    assert good.finished and good.responses == good.expected
    bad = simulate(p, requests_of(LISTS), backend="icarus", seed=3, mutant=managed_read_wrong_line(3))
    assert bad.responses != bad.expected


@pytest.mark.formal
def test_cache_proof_and_covers(tmp_path):
    job = all_jobs()["kvc_cache"]
    results = run_job(job, workdir=tmp_path / job.name)
    assert [r.task for r in results] == ["prove", "cover"]
    assert all(r.passed for r in results), table(results)
    cover = results[1]
    assert cover.vcd is not None and cover.vcd.exists()


@pytest.mark.formal
def test_cache_proof_with_prefetch(tmp_path):
    job = all_jobs()["kvc_cache_pf1"]
    [prove] = run_job(job, workdir=tmp_path / job.name, tasks=("prove",))
    assert prove.passed, table([prove])


@pytest.mark.formal
def test_proof_rejects_wrong_line_mutant(tmp_path):
    job = all_jobs()["kvc_cache"]
    mutant = managed_read_wrong_line(job.params["managed"])
    # At the job's depth (4) the induction step fails; at BUG_DEPTH the base case finds a run from
    # reset in which a response beat carries another line's word.
    deep = dataclasses.replace(job, prove_depth=BUG_DEPTH)
    [base] = run_job(deep, mutant=mutant, workdir=tmp_path / job.name, tasks=("bmc",))
    assert base.result == "FAIL", base
    assert base.vcd is not None and base.vcd.exists()


@pytest.mark.formal
def test_proof_rejects_skipped_beat_mutant(tmp_path):
    job = all_jobs()["kvc_cache"]
    [prove] = run_job(job, mutant=last_beat_skipped(job.params["half_beats"]), workdir=tmp_path / job.name,
                      tasks=("prove",))
    assert not prove.passed, prove


BUG_DEPTH = 18  # the base case finds the wrong word at step 17 (decisions wait for the scan trees; 16 steps passed)
