"""The SIG proof jobs (k-induction on the converted Verilog) pass, and every cover is reached."""

import pytest

from fast_prefill.verify.formal import run_jobs, select_jobs, table

pytestmark = pytest.mark.formal


def test_sig_proofs_and_covers_pass():
    jobs = select_jobs(["sig_*"])
    assert {"sig_list_builder", "sig_top_m"} <= {j.block for j in jobs}
    results = run_jobs(jobs, parallel=2, progress=lambda s: None)
    assert len(results) == 2 * len(jobs)
    assert all(r.passed for r in results), table(results)
    assert all(r.vcd is not None and r.vcd.exists() for r in results if r.task == "cover")
