"""One RAM primitive for the RTL: one write port, one registered read port, no reset.

``ram_1r1w``: ``mem[waddr] <= wdata`` at a rising edge with ``we``; ``rdata <= mem[raddr]`` at every
rising edge (read latency 1; a read of the address being written returns the old word). The
memory has ``2**len(waddr)`` words of ``len(wdata)`` bits. Vivado infers block RAM, UltraRAM or
LUT RAM from this form (docs/design.md section 5: registered reads only).
"""

from __future__ import annotations

from myhdl import Signal, always, block, intbv


@block
def ram_1r1w(clk, we, waddr, wdata, raddr, rdata):
    if len(raddr) != len(waddr):
        raise ValueError(f"ram_1r1w field 'raddr' width = {len(raddr)} is not allowed: must equal waddr's ({len(waddr)})")
    if len(rdata) != len(wdata):
        raise ValueError(f"ram_1r1w field 'rdata' width = {len(rdata)} is not allowed: must equal wdata's ({len(wdata)})")
    mem = [Signal(intbv(0)[len(wdata):]) for _ in range(1 << len(waddr))]

    @always(clk.posedge)
    def write():
        if we:
            mem[waddr].next = wdata

    @always(clk.posedge)
    def read():
        rdata.next = mem[raddr]

    return write, read
