"""Proofs of the kernel's control slave, and a planted protocol bug that both checkers reject."""

import pytest

from fast_prefill.verify import mutants
from fast_prefill.verify.formal import run_job, table
from fast_prefill.verify.proof_jobs import all_jobs

pytestmark = pytest.mark.formal


def test_axil_control_proof_and_covers(tmp_path):
    results = run_job(all_jobs()["axil_control"], workdir=tmp_path / "ok")
    assert [r.result for r in results] == ["PASS", "PASS"], table(results)


def test_axil_control_proof_rejects_dropped_bvalid(tmp_path):
    [base] = run_job(all_jobs()["axil_control"], mutant=mutants.axil_bvalid_drops(),
                     workdir=tmp_path / "bad", tasks=("bmc",))
    assert base.result == "FAIL" and base.vcd is not None
