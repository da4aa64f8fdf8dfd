"""SAE proofs: the sae_engine and sae_row_engine stream/bookkeeping proofs (k-induction) and their
covers pass; a planted output-handshake bug and a task started without output room fail them."""

import pytest

from fast_prefill.verify import mutants_sae
from fast_prefill.verify.formal import run_job, run_jobs, select_jobs, table
from fast_prefill.verify.proof_jobs import all_jobs

pytestmark = pytest.mark.formal


def test_sae_proofs_and_covers_pass():
    jobs = select_jobs(["sae_*"])
    assert {j.block for j in jobs} == {"sae_engine", "sae_kv_adapter", "sae_row_engine"}
    results = run_jobs(jobs, parallel=2, progress=lambda s: None)
    assert len(results) == 2 * len(jobs)
    assert all(r.passed for r in results), table(results)
    assert all(r.vcd is not None and r.vcd.exists() for r in results if r.task == "cover")


def test_proof_rejects_emit_ignoring_ready(tmp_path):
    job = all_jobs()["sae_engine_streams"]
    [prove] = run_job(job, mutant=mutants_sae.sae_emit_ignores_ready(), workdir=tmp_path / job.name,
                      tasks=("prove",))
    # The first output row is ~50 cycles after reset, deeper than the base case (8), so the bug
    # shows up as a failed induction step (UNKNOWN, with its counterexample trace), never a PASS.
    assert prove.result in ("FAIL", "UNKNOWN"), prove
    assert prove.vcd is not None and prove.vcd.exists()


def test_row_engine_proof_rejects_a_task_without_fifo_room(tmp_path):
    """sae_row_engine_streams (passing in the test above: stream rules, credits + FIFO count + rows
    in flight = FIFO depth, no write into a full FIFO) rejects a last-block task started without
    reserved FIFO room."""
    job = all_jobs()["sae_row_engine_streams"]
    [prove] = run_job(job, mutant=mutants_sae.sae_row_no_credit_check(), workdir=tmp_path / job.name,
                      tasks=("prove",))
    assert prove.result in ("FAIL", "UNKNOWN"), prove
    assert prove.vcd is not None and prove.vcd.exists()
