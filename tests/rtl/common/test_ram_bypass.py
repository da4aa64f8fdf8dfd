"""rtl/common/ram_bypass.py: the registered read with a write bypass against a Python model (MyHDL),
its proof on the converted Verilog, planted bugs the proof rejects, and its parameter errors. Its
Verilog is simulated inside the SIG blocks that use it (sig_head, sig_decision, sig_pooled_select)."""

import random

import pytest
from myhdl import Signal, Simulation, StopSimulation, delay, instance, intbv

from fast_prefill.rtl.common.ram_bypass import ram_bypass
from fast_prefill.verify import mutants
from fast_prefill.verify.formal import run_job, table
from fast_prefill.verify.proof_jobs import all_jobs


def _sigs(aw=4, w=9):
    return (Signal(bool(0)), Signal(bool(0)), Signal(intbv(0)[aw:]), Signal(intbv(0)[w:]),
            Signal(intbv(0)[aw:]), Signal(bool(0)), Signal(intbv(0)[w:]))


def test_ram_bypass_reads_the_word_after_the_edge():
    """With ``hit = we and waddr == raddr``, the word read is the memory's content after the edge
    (the word written at that edge included); with ``hit`` low on a coincidence, the old word."""
    clk, we, waddr, wdata, raddr, hit, rdata = _sigs()
    dut = ram_bypass(clk, we, waddr, wdata, raddr, hit, rdata)
    rng = random.Random(5)
    model = [0] * 16
    seen = []
    kinds = set()

    @instance
    def clock():
        while True:
            yield delay(5)
            clk.next = not clk

    @instance
    def drive():
        for i in range(600):
            a_w = rng.randrange(16)
            a_r = a_w if rng.random() < 0.4 else rng.randrange(16)
            w_en, val = rng.random() < 0.6, rng.randrange(512)
            honest = i < 500                           # the last 100 edges: hit held low
            h = honest and w_en and a_w == a_r
            we.next, waddr.next, wdata.next, raddr.next, hit.next = w_en, a_w, val, a_r, h
            yield clk.posedge
            old = model[a_r]
            if w_en:
                model[a_w] = val
            yield delay(1)
            want = model[a_r] if h else old
            kinds.add((h, w_en and a_w == a_r))
            seen.append((int(rdata), want))
        raise StopSimulation

    Simulation(dut, clock, drive).run(quiet=1)
    assert len(seen) == 600 and all(got == want for got, want in seen), [s for s in seen if s[0] != s[1]][:3]
    # not vacuous: bypassed reads, reads of a coincidence without hit, and plain reads all occurred
    assert kinds == {(True, True), (False, True), (False, False)}


@pytest.mark.parametrize("port, bad, field", [("raddr", Signal(intbv(0)[3:]), "raddr"),
                                              ("rdata", Signal(intbv(0)[8:]), "rdata"),
                                              ("hit", Signal(intbv(0)[2:]), "hit")])
def test_ram_bypass_rejects_mismatched_ports(port, bad, field):
    names = ("clk", "we", "waddr", "wdata", "raddr", "hit", "rdata")
    ports = dict(zip(names, _sigs()))
    ports[port] = bad
    with pytest.raises(ValueError, match=rf"ram_bypass field '{field}' width = {len(bad)} is not allowed"):
        ram_bypass(**ports)


@pytest.mark.formal
def test_ram_bypass_proof(tmp_path):
    results = run_job(all_jobs()["ram_bypass"], workdir=tmp_path / "ram_bypass")
    assert [r.result for r in results] == ["PASS", "PASS"], table(results)


@pytest.mark.formal
@pytest.mark.parametrize("mutant", [mutants.ram_bypass_dropped(), mutants.ram_bypass_late_word()],
                         ids=["dropped", "late_word"])
def test_ram_bypass_proof_rejects_mutants(mutant, tmp_path):
    [base] = run_job(all_jobs()["ram_bypass"], mutant=mutant, workdir=tmp_path / "rb", tasks=("bmc",))
    assert base.result == "FAIL" and base.vcd is not None
