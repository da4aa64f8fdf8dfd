"""A RAM whose registered read sees the write of the same edge: ``ram_deep`` plus a write bypass.

``ram_bypass``: one write port and one registered read port, like ``ram_deep`` (``2**len(waddr)``
words, no reset), with a one-word bypass register beside the read. In the cycle after a rising
edge, ``rdata`` is

* the word written at that edge (``wdata``) when ``hit`` was high at that edge,
* else the word at ``raddr`` before that edge's write (the read-first RAM's output).

So with ``hit = we and waddr == raddr`` the read returns the memory's content *after* the edge,
which is what an asynchronous read of the address of the previous cycle would give: the form the
SIG's look-ahead reads use (``raddr`` is the address the reader will hold in the next cycle).
``hit`` is an input because the readers know the coincidence more cheaply than a full address
compare: from a comparison made beside the choice of the next address (``sig_head``), or from a
case analysis (``sig_decision``, ``sig_pooled_select``: only ``nb = 1`` or row 0 can meet a write).

Latency 1; the memory maps to block RAM or UltraRAM (the read data register is the RAM's output
register); the bypass costs ``len(wdata) + 1`` flip-flops and a 2:1 multiplexer on ``rdata``.
Proof: ``verify/properties/ram_bypass.sv`` (``rdata`` equals the tracked word of any address).
"""

from __future__ import annotations

from myhdl import Signal, always, always_comb, block

from .ram import ram_deep


@block
def ram_bypass(clk, we, waddr, wdata, raddr, hit, rdata, tag="mem"):
    if len(raddr) != len(waddr):
        raise ValueError(f"ram_bypass field 'raddr' width = {len(raddr)} is not allowed: must equal waddr's ({len(waddr)})")
    if len(rdata) != len(wdata):
        raise ValueError(f"ram_bypass field 'rdata' width = {len(rdata)} is not allowed: must equal wdata's ({len(wdata)})")
    if len(hit) != 1 or len(we) != 1:
        raise ValueError(f"ram_bypass field 'hit' width = {len(hit)} is not allowed: 'hit' and 'we' must be 1 bit")
    q = Signal(rdata.val)                      # the RAM's registered output (same type as rdata)
    byp = Signal(rdata.val)                    # the word written at the last edge
    hit_r = Signal(bool(0))
    mem = ram_deep(clk, we, waddr, wdata, raddr, q, depth=1 << len(waddr), tag=tag)

    @always(clk.posedge)
    def bypass():
        hit_r.next = hit
        byp.next = wdata

    @always_comb
    def read():
        rdata.next = byp if hit_r else q

    return mem, bypass, read
