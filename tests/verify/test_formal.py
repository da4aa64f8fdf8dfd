"""The SymbiYosys wrapper: every registered proof job passes its prove and cover tasks."""

import pytest

from fast_prefill.verify.formal import run_jobs, select_jobs, table
from fast_prefill.verify.proof_jobs import all_jobs

pytestmark = pytest.mark.formal


def test_stream_proofs_and_covers_pass():
    jobs = select_jobs(["stream_*"])
    assert {j.block for j in jobs} == {"stream_fifo", "stream_skid_buffer", "stream_fork", "stream_downsizer"}
    results = run_jobs(jobs, parallel=2, progress=lambda s: None)
    assert len(results) == 2 * len(jobs)
    assert all(r.passed for r in results), table(results)
    covers = [r for r in results if r.task == "cover"]
    assert all(r.vcd is not None and r.vcd.exists() for r in covers)


def test_job_selection():
    assert [j.name for j in select_jobs(["stream_fifo_d4"])] == ["stream_fifo_d4"]
    assert len(select_jobs([])) == len(all_jobs())
    with pytest.raises(SystemExit, match="no proof job matches"):
        select_jobs(["nonexistent*"])
