"""The reset rules on every AXI port of the kernel top level (proof job fast_prefill_reset: the SIG
head, the attention path and the read muxes black-boxed, ap_rst_n free), and today's behaviour, the
ports not gated around reset, rejected by the proof."""

import pytest

from fast_prefill.verify.formal import proof_files, run_job, table
from fast_prefill.verify.mutants import kernel_axi_reset_gate_removed
from fast_prefill.verify.proof_jobs import all_jobs

pytestmark = pytest.mark.formal


def test_kernel_reset_proof_and_covers(tmp_path):
    job = all_jobs()["fast_prefill_reset"]
    results = run_job(job, workdir=tmp_path / "ok")
    assert [r.result for r in results] == ["PASS", "PASS"], table(results)
    # the datapath really was left out: only the top, its control slave and its argument checks are
    # read as logic
    top = next((tmp_path / "ok" / "hdl").glob("fast_prefill_*.f")).with_suffix(".v")
    keep, boxes = proof_files(top, job.blackbox)
    assert sorted(p.stem.rsplit("_", 1)[0] for p in keep) == ["axil_control", "fast_prefill", "kernel_arg_check"]
    assert sorted(p.stem.rsplit("_", 1)[0] for p in boxes) == ["attention_path", "axi_read_arbiter", "sig_head", "stream_ram_fifo"]


def test_kernel_reset_proof_rejects_ungated_ports(tmp_path):
    [base] = run_job(all_jobs()["fast_prefill_reset"], mutant=kernel_axi_reset_gate_removed(),
                     workdir=tmp_path / "bad", tasks=("bmc",))
    assert base.result == "FAIL" and base.vcd is not None
