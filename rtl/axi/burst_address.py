"""Burst address counter: an AXI master's next burst address, stepped by one burst.

Computes ``addr`` (a register): ``load_addr`` after an edge with ``load``, else ``addr +
step_bytes`` (mod ``2**aw``) after an edge with ``step``, else held. The address is kept as two
halves; the high half's successor ``hi + 1`` is registered beforehand, so a step is a
``aw/2``-bit add and a choice, with no adder wider than ``aw/2`` bits (the 300 MHz rule,
docs/vivado.md: a 64-bit add is 10 logic levels by the proxy, this counter 6).

Rule for the user: two steps are at least two cycles apart (the successor is refreshed the cycle
after a step moved the high half). AXI masters that issue one burst at a time keep it: AxVALID
stays high until its handshake, so the next burst is issued two cycles later at the earliest.

Ports: ``clk``, ``rst`` (synchronous, ``addr`` to 0), ``load``, ``load_addr`` (``aw`` bits),
``step``, ``addr`` (``aw`` bits, even). ``step_bytes``: a power of two below ``2**(aw/2)``.
Latency: ``addr`` changes one edge after ``load`` or ``step``. Proved against a plain adder
(``verify/properties/axi_burst_address.sv``).
"""

from __future__ import annotations

from myhdl import Signal, always_comb, always_seq, block, concat, intbv, modbv
from ..common.params import check_pow2


@block
def axi_burst_address(clk, rst, load, load_addr, step, addr, step_bytes=64):
    aw = len(addr)
    if aw < 2 or aw % 2:
        raise ValueError(f"axi_burst_address field 'addr' width = {aw} is not allowed: must be even and >= 2")
    if len(load_addr) != aw:
        raise ValueError(f"axi_burst_address field 'load_addr' width = {len(load_addr)} is not allowed: must be {aw}")
    lo_w = aw // 2
    check_pow2("axi_burst_address", "step_bytes", step_bytes, 1, 1 << (lo_w - 1))
    hi_w = aw - lo_w

    lo = Signal(modbv(0)[lo_w:])
    hi = Signal(modbv(0)[hi_w:])
    hi_src = Signal(intbv(0)[hi_w:])
    hi_inc = Signal(modbv(0)[hi_w:])
    lo_next = Signal(intbv(0)[lo_w + 1:])

    @always_comb
    def step_low():
        lo_next.next = concat(False, lo) + step_bytes

    @always_comb
    def successor_source():
        if load:
            hi_src.next = load_addr[aw:lo_w]
        else:
            hi_src.next = hi

    @always_comb
    def output():
        addr.next = concat(hi, lo)

    @always_seq(clk.posedge, reset=rst)
    def count():
        hi_inc.next = hi_src + 1
        if load:
            lo.next = load_addr[lo_w:]
            hi.next = load_addr[aw:lo_w]
        elif step:
            lo.next = lo_next[lo_w:]
            if lo_next[lo_w]:
                hi.next = hi_inc

    return step_low, successor_source, output, count
