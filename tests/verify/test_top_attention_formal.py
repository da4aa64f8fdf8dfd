"""Proof of the attention path's row controller (k-induction: command streams, counts and addresses vs
done; covers of heads completing), and the planted O-address bug that the proof rejects."""

import pytest

from fast_prefill.verify import mutants_top
from fast_prefill.verify.formal import run_job, table
from fast_prefill.verify.proof_jobs import all_jobs

pytestmark = pytest.mark.formal


def test_row_control_proof_and_covers(tmp_path):
    results = run_job(all_jobs()["top_row_control"], workdir=tmp_path / "ok")
    assert [r.result for r in results] == ["PASS", "PASS"], table(results)


def test_row_control_proof_rejects_o_addr_off_by_one_row(tmp_path):
    job = all_jobs()["top_row_control"]
    [base] = run_job(job, mutant=mutants_top.o_addr_off_by_one_row(job.params["o_row_bytes"]),
                     workdir=tmp_path / "bad", tasks=("bmc",))
    assert base.result == "FAIL" and base.vcd is not None
