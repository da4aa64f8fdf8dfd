"""rtl/common/ram.py: ``ram_deep`` (any depth, read-first, latency 1) against a Python model on
random write/read sequences in MyHDL and its parameter errors. Its
Verilog is simulated inside ``sig_liveness`` (tests/rtl/sig/test_liveness.py, a 36-word buffer on
Icarus) and the kernel (Verilator)."""

import random

import pytest
from myhdl import Signal, Simulation, StopSimulation, delay, instance, intbv

from fast_prefill.rtl.common.ram import ram_deep


def _sigs(aw=6, w=9):
    return (Signal(bool(0)), Signal(bool(0)), Signal(intbv(0)[aw:]), Signal(intbv(0)[w:]),
            Signal(intbv(0)[aw:]), Signal(intbv(0)[w:]))


def _simulate(clk, dut, drive):
    """Run ``dut`` with a clock on ``clk`` until the ``drive`` generator raises StopSimulation."""
    @instance
    def clock():
        while True:
            yield delay(5)
            clk.next = not clk

    Simulation(dut, clock, drive).run(quiet=1)


@pytest.mark.parametrize("depth", [37, 64])
def test_ram_deep_is_read_first_with_latency_one(depth):
    clk, we, waddr, wdata, raddr, rdata = _sigs()
    dut = ram_deep(clk, we, waddr, wdata, raddr, rdata, depth=depth)
    rng = random.Random(depth)
    model = [0] * depth
    seen = []

    @instance
    def drive():
        for _ in range(400):
            a_w, a_r = rng.randrange(depth), rng.choice([rng.randrange(depth), None])
            a_r = a_w if a_r is None else a_r            # often the address being written
            w_en, val = rng.random() < 0.6, rng.randrange(512)
            we.next, waddr.next, wdata.next, raddr.next = w_en, a_w, val, a_r
            yield clk.posedge
            # after this edge: rdata = the word at a_r before the edge's write (read-first)
            yield delay(1)
            seen.append((int(rdata), model[a_r]))
            if w_en:
                model[a_w] = val
        raise StopSimulation

    _simulate(clk, dut, drive)
    assert len(seen) == 400 and all(got == want for got, want in seen), [s for s in seen if s[0] != s[1]][:3]
    assert any(w for _, w in seen)                     # not vacuous: words were written and read back


def test_ram_deep_ignores_an_out_of_range_write():
    clk, we, waddr, wdata, raddr, rdata = _sigs()
    mem_dut = ram_deep(clk, we, waddr, wdata, raddr, rdata, depth=40)
    out = []

    @instance
    def drive():
        we.next, waddr.next, wdata.next = True, 50, 7        # past the 40 words: dropped
        yield clk.posedge
        we.next, waddr.next, wdata.next = True, 39, 5
        yield clk.posedge
        we.next, raddr.next = False, 39
        yield clk.posedge
        yield delay(1)
        out.append(int(rdata))
        raise StopSimulation

    _simulate(clk, mem_dut, drive)
    assert out == [5]


@pytest.mark.parametrize("kw, field", [({"depth": 1}, "depth"), ({"depth": 65}, "depth"), ({"depth": True}, "depth"),
                                       ({"tag": "a-b"}, "tag")])
def test_ram_deep_rejects_bad_parameters(kw, field):
    clk, we, waddr, wdata, raddr, rdata = _sigs()
    with pytest.raises(ValueError, match=rf"ram_deep field '{field}' = .* is not allowed"):
        ram_deep(clk, we, waddr, wdata, raddr, rdata, **{"depth": 40, **kw})


def test_ram_deep_rejects_mismatched_ports():
    clk, we, waddr, wdata, _, rdata = _sigs()
    with pytest.raises(ValueError, match="ram_deep field 'raddr' width = 5"):
        ram_deep(clk, we, waddr, wdata, Signal(intbv(0)[5:]), rdata, depth=40)


def test_ram_1r1w_read_enable_holds_the_word():
    """``ram_1r1w`` with ``re`` (the list builder's bitmaps): a read only at an edge with ``re``,
    read-first; ``rdata`` holds between them."""
    from fast_prefill.rtl.common.ram import ram_1r1w

    clk, we, waddr, wdata, raddr, rdata = _sigs(aw=4, w=5)
    re = Signal(bool(0))
    dut = ram_1r1w(clk, we, waddr, wdata, raddr, rdata, re=re)
    rng = random.Random(3)
    model, held, seen = [0] * 16, 0, []

    @instance
    def drive():
        nonlocal held
        for _ in range(300):
            a_w, a_r, en = rng.randrange(16), rng.randrange(16), rng.random() < 0.5
            w_en, val = rng.random() < 0.6, rng.randrange(32)
            we.next, waddr.next, wdata.next, raddr.next, re.next = w_en, a_w, val, a_r, en
            yield clk.posedge
            yield delay(1)
            held = model[a_r] if en else held
            seen.append((int(rdata), held, en))
            if w_en:
                model[a_w] = val
        raise StopSimulation

    _simulate(clk, dut, drive)
    assert all(got == want for got, want, _ in seen), [s for s in seen if s[0] != s[1]][:3]
    assert any(w and not en for _, w, en in seen)    # not vacuous: a word was held with re low
