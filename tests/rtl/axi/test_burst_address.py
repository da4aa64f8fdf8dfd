"""axi_burst_address: the AXI masters' next burst address (two half-width adds, the high half's
successor registered beforehand) equals a plain 64-bit adder on MyHDL and on the converted Verilog,
for random loads and step patterns (steps two cycles apart, the block's rule), carries from the low
half into the high half included; a counter that drops that carry is caught by the same check and
by the proof; parameters refused with their field names."""

import dataclasses

import pytest
from hypothesis import given, strategies as st
from myhdl import Signal, intbv

from fast_prefill.blocks import clock_and_reset, get_block
from fast_prefill.convert import Mutant
from fast_prefill.rtl.axi.burst_address import axi_burst_address
from fast_prefill.verify.cosim import BACKENDS
from fast_prefill.verify.formal import run_job
from fast_prefill.verify.proof_jobs import all_jobs
from fast_prefill.verify.sim import run_pipeline

COUNTER = get_block("axi_burst_address")
STEP = 4096
MASK = (1 << 64) - 1
# the low half's carry dropped: the high half never moves on a step
NO_CARRY = Mutant("axi_burst_address_no_carry", "if (lo_next[32]) begin", "if (1'b0) begin")


def reference(ops):
    addr, out = 0, []
    for load, value, step in ops:
        if load:
            addr = value
        elif step:
            addr = (addr + STEP) & MASK
        out.append(addr)
    return out


def run(ops, backend, mutant=None):
    """``addr`` after each op's edge, from reset. ``run_pipeline`` holds its first input for the edge
    before the first cycle too: the reset goes first."""
    inputs = [{"rst": 1, "load": 0, "load_addr": 0, "step": 0}]
    inputs += [{"rst": 0, "load": int(load), "load_addr": value, "step": int(step)} for load, value, step in ops]
    got = run_pipeline(COUNTER, {"step_bytes": STEP}, backend, inputs, ("addr",), 1, mutant=mutant)
    return [g["addr"] for g in got[1:]]


def near_carry():
    """Burst-aligned addresses a few bursts below a low-half (and a full) wrap."""
    return st.builds(lambda hi, k: ((hi << 32) | ((1 << 32) - k * STEP)) & MASK,
                     st.sampled_from([0, 1, 0x7FFF_FFFF, 0xFFFF_FFFF]), st.integers(1, 3))


@st.composite
def patterns(draw):
    ops, last_step = [], False
    for _ in range(draw(st.integers(4, 24))):
        load = draw(st.booleans()) if not ops else draw(st.integers(0, 5)) == 0
        value = draw(st.one_of(near_carry(), st.integers(0, MASK >> 12).map(lambda v: v * STEP)))
        step = not load and not last_step and draw(st.integers(0, 2)) != 0
        ops.append((load, value, step))
        last_step = step
    return ops


@given(patterns())
def test_counter_equals_a_plain_adder(ops):
    want = reference(ops)
    for backend in BACKENDS:
        assert run(ops, backend) == want, backend


def test_carry_into_the_high_half_and_dropping_it_is_caught():
    start = (5 << 32) | ((1 << 32) - 2 * STEP)
    ops = [(True, start, False), (False, 0, True), (False, 0, False), (False, 0, True), (False, 0, False),
           (False, 0, True)]
    want = reference(ops)
    assert want[-1] >> 32 == 6   # the second step carried into the high half
    assert run(ops, "icarus") == want
    assert run(ops, "icarus", mutant=NO_CARRY) != want


@pytest.mark.formal
def test_proof_passes_and_rejects_the_dropped_carry(tmp_path):
    job = all_jobs()["axi_burst_address"]
    assert all(r.passed for r in run_job(job, workdir=tmp_path / "good"))
    [base] = run_job(dataclasses.replace(job, prove_depth=6), mutant=NO_CARRY, workdir=tmp_path / "bad",
                     tasks=("bmc",))
    assert base.result == "FAIL", base


@pytest.mark.parametrize("field, kwargs, width", [
    ("step_bytes", {"step_bytes": 3}, 64), ("step_bytes", {"step_bytes": 1 << 32}, 64),
    ("step_bytes", {"step_bytes": True}, 64), ("addr", {"step_bytes": 64}, 63)])
def test_bad_parameters_are_refused(field, kwargs, width):
    ports = {**clock_and_reset(), "load": Signal(bool(0)), "load_addr": Signal(intbv(0)[width:]),
             "step": Signal(bool(0)), "addr": Signal(intbv(0)[width:])}
    with pytest.raises(ValueError, match=f"axi_burst_address field '{field}'"):
        axi_burst_address(**ports, **kwargs)
