"""The head issuers of the kernel top level (proof job fast_prefill_issuers: the SIG head, the
attention path, the access FIFO and the read arbiters black-boxed): the attention never runs a head
whose SIG has not started, no SIG starts past the last head or after an error, the run ends only
when every started head has attended; planted issuer bugs rejected by the proof."""

import pytest

from fast_prefill.verify.formal import run_job, table
from fast_prefill.verify.mutants_top import path_before_its_sig, sig_starts_after_error
from fast_prefill.verify.proof_jobs import all_jobs

pytestmark = pytest.mark.formal


def test_kernel_issuers_proof_and_covers(tmp_path):
    results = run_job(all_jobs()["fast_prefill_issuers"], workdir=tmp_path / "ok")
    assert [r.result for r in results] == ["PASS", "PASS"], table(results)


@pytest.mark.parametrize("mutant", [sig_starts_after_error, path_before_its_sig])
def test_kernel_issuers_proof_rejects_planted_bugs(tmp_path, mutant):
    [base] = run_job(all_jobs()["fast_prefill_issuers"], mutant=mutant(), workdir=tmp_path / "bad",
                     tasks=("bmc",))
    assert base.result == "FAIL" and base.vcd is not None, table([base])
