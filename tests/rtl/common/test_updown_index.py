"""rtl/common/updown_index.py: over random up / down / zero requests (and resets) the index and its
next value equal a Python model, including the wrap at both ends; its converted Verilog runs inside
``sig_liveness`` (its tests and the ``sig_head`` port trace)."""

from hypothesis import given, strategies as st
from myhdl import ResetSignal, Signal, Simulation, StopSimulation, delay, instance, intbv, modbv

from fast_prefill.rtl.common.updown_index import updown_index


@given(st.integers(1, 5), st.lists(st.tuples(st.booleans(), st.booleans(), st.booleans(), st.booleans()),
                                   min_size=1, max_size=80))
def test_index_follows_the_requests(aw, moves):
    clk = Signal(bool(0))
    rst = ResetSignal(0, active=1, isasync=False)
    up, dn, zero = Signal(bool(0)), Signal(bool(0)), Signal(bool(0))
    idx, idx_nx = Signal(modbv(0)[aw:]), Signal(modbv(0)[aw:])
    dut = updown_index(clk, rst, up, dn, zero, idx, idx_nx)
    bad = []

    @instance
    def drive():
        model = 0
        for r, u, d, z in moves:
            rst.next, up.next, dn.next, zero.next = r, u, d, z
            yield delay(1)
            want = 0 if r else (model + 1 if u else model - 1 if d else 0 if z else model) % (1 << aw)
            if not r and int(idx_nx) != want:
                bad.append(("next", model, (r, u, d, z), int(idx_nx), want))
            clk.next = 1
            yield delay(1)
            clk.next = 0
            model = want
            if int(idx) != model:
                bad.append(("idx", (r, u, d, z), int(idx), model))
        raise StopSimulation

    Simulation(dut, drive).run(quiet=1)
    assert not bad, bad[:3]
