"""Proofs of the AXI4 stream reader and writer and of the read arbiter, and planted bugs that the
proofs reject (the co-simulation tests reject them too: tests/rtl/axi/)."""

import pytest

from fast_prefill.verify import mutants
from fast_prefill.verify.formal import run_job, table
from fast_prefill.verify.proof_jobs import all_jobs

pytestmark = pytest.mark.formal


@pytest.mark.parametrize("job", ["axi_stream_reader", "axi_stream_writer", "axi_read_arbiter"])
def test_axi_master_proofs_and_covers(job, tmp_path):
    results = run_job(all_jobs()[job], workdir=tmp_path / job)
    assert [r.result for r in results] == ["PASS", "PASS"], table(results)


@pytest.mark.parametrize("job, mutant", [
    ("axi_stream_reader", mutants.reader_no_credit_check(2, 4)),
    ("axi_stream_writer", mutants.writer_early_wlast()),
    ("axi_read_arbiter", mutants.arbiter_no_hold()),
    ("axi_read_arbiter", mutants.arbiter_route_inverted(1)),
    ("axi_stream_reader", mutants.reader_wrap_burst()),
    ("axi_stream_reader", mutants.reader_crosses_4k()),
], ids=["reader_no_credit_check", "writer_early_wlast", "arbiter_no_hold", "arbiter_route_inverted",
        "reader_wrap_burst", "reader_crosses_4k"])
def test_axi_master_proofs_reject_mutants(job, mutant, tmp_path):
    [base] = run_job(all_jobs()[job], mutant=mutant, workdir=tmp_path / job, tasks=("bmc",))
    assert base.result == "FAIL" and base.vcd is not None
