"""The kernel's AXI ports around reset, on the converted Verilog (Icarus): ap_rst_n pulled low at
random points of a run while the host reads and writes registers, with the host and the memory
models reset by ap_rst_n itself (AXI's ARESETn): no register access is lost or answered wrongly, the
kernel is idle afterwards, then two runs are exact. Today's behaviour (no gate on the ports while
the synchronised reset reaches the logic) is rejected by the same test and by the proof
(tests/verify/test_top_reset_formal.py)."""

from __future__ import annotations

from fast_prefill.verify.kernel_bench import Faults, ResetStorm, run_kernel
from fast_prefill.verify.mutants import kernel_axi_reset_gate_removed

from test_fast_prefill import CFG, check_run, make_case

STORM = ResetStorm(pulses=5, max_len=3, span=350, ops=80, seed=11)


def test_resets_during_register_accesses_and_a_run_lose_nothing():
    _, ref, mem, args = make_case(2, 1, 4, ("retrieval",), seed=5)
    res = run_kernel(CFG, mem, args, backend="icarus", runs=2, reset_storm=STORM,
                     faults=Faults(latency=2, axil_delays=(0, 1, 0, 2), seed=3), max_cycles=400_000)
    # not vacuous: resets did abandon register accesses, and reads were checked across them
    assert res.storm_resets >= 2 and res.storm_checked >= 20, (res.storm_resets, res.storm_checked)
    check_run(res, ref, runs=2)          # no violation (no lost access, no wrong read), two exact runs
    assert len(res.cycles) == 2, res.cycles


def test_without_the_reset_gate_a_register_access_is_lost():
    _, ref, mem, args = make_case(2, 1, 4, ("retrieval",), seed=5)
    res = run_kernel(CFG, mem, args, backend="icarus", runs=2, reset_storm=STORM,
                     faults=Faults(latency=2, axil_delays=(0, 1, 0, 2), seed=3), max_cycles=3_000,
                     mutant=kernel_axi_reset_gate_removed())
    lost = [v for v in res.all_violations() if "was lost" in v]
    assert lost, res.all_violations()[:5]
