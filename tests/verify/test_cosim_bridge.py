"""verify/verilator/cosim_bridge.cpp: the converted Verilog under Verilator as the far end of MyHDL's
Cosimulation, so a Python bench with Python memory models runs it cycle for cycle as under Icarus."""

from __future__ import annotations

from pathlib import Path

import pytest

from fast_prefill.blocks import get_block
from fast_prefill.verify.bench.sig.head import TEST_PARAMS, make_case, simulate
from fast_prefill.verify.cosim import dut
from fast_prefill.verify.verilator import build as vb


def test_bridge_runs_the_sig_head_cycle_for_cycle_as_icarus():
    """Two heads (a sink head and a random INT8 head) under AXI latency, RVALID gaps and a stalled
    output: every output beat, every start and done cycle, every Q and K burst the same on both."""
    cases = [make_case(6, "sink", 1, min_budget=16), make_case(4, "int", 3, min_budget=8)]
    runs = {be: simulate(cases, be, stall=[True, False], latency=4, seed=3) for be in ("icarus", "verilator")}
    ic, vl = runs["icarus"], runs["verilator"]
    assert ic.finished and vl.finished and not ic.violations and not vl.violations
    assert vl.beats == ic.beats and all(vl.beats)
    assert (vl.start_cycles, vl.done_cycles, vl.rdone_cycles) == (ic.start_cycles, ic.done_cycles, ic.rdone_cycles)
    assert vl.q_log.bursts == ic.q_log.bursts and vl.k_log.bursts == ic.k_log.bursts
    assert (vl.errs, vl.qa) == (ic.errs, ic.qa)


def test_bridge_refuses_a_waveform_and_other_builds(tmp_path):
    spec = get_block("sig_head")
    ports = spec.ports(TEST_PARAMS)
    with pytest.raises(ValueError, match="cosim field 'vcd' is only allowed with backend 'icarus'"):
        dut(spec, TEST_PARAMS, ports, "verilator", vcd=tmp_path / "w.vcd")
    other = vb.Build(Path("/x/Vharness"), "t", [], 0.0, True, None, None, "stream_bench.cpp")
    with pytest.raises(ValueError, match="cosim_command field 'b' is a stream_bench.cpp build: must be a "
                                         "cosim_bridge.cpp build"):
        vb.cosim_command(other)
