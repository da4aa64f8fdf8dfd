"""Deep synchronous valid/ready stream FIFO in one block RAM / UltraRAM.

Computes: the output stream is the input stream, beat for beat, in order; up to ``depth + 2``
beats are buffered (``depth`` in the RAM, two in the output registers).

Ports: ``clk``; ``rst`` (synchronous, active high; empties the FIFO, the RAM keeps its words);
input stream ``s_valid``/``s_ready``/``s_data``; output stream ``m_valid``/``m_ready``/``m_data``
(same width).

Structure: a ``ram_deep`` of ``depth`` words (one write port, one registered read port: it maps to
BRAM or URAM, ``convert.URAM_MIN_DEPTH``), written at ``wr_ptr``; a read is issued at ``rd_ptr``
when the RAM holds a word (``ram_count > 0``) and the two output registers will have room for it
(``out_count + in_flight - pop < 2``); the word lands in the output registers one cycle later.

Latency: a beat written at edge t is read from the RAM at edge t+1, lands in the output registers at
edge t+2 and can leave at edge t+3. Throughput: one beat per cycle in and out
at the same time. ``s_ready`` is ``ram_count < depth``.

Invariants (proved in ``verify/properties/stream_ram_fifo.sv`` at small depth): ``ram_count ==
wr_ptr - rd_ptr`` (mod ``depth``) with ``ram_count <= depth``; the registered flags ``ram_full ==
(ram_count == depth)`` and ``ram_has == (ram_count != 0)`` (they keep the counter's compare off
the handshake paths); ``out_count + in_flight <= 2``;
``m_valid == (out_count > 0)``; the output stream obeys the valid/ready rules; every beat written
comes out exactly once and in order.
"""

from __future__ import annotations

from myhdl import Signal, always_comb, always_seq, block, intbv, modbv

from ..common.params import check_pow2
from ..common.ram import ram_deep

DEPTH_MAX = 1 << 20


@block
def stream_ram_fifo(clk, rst, s, m, depth=1024):
    check_pow2("stream_ram_fifo", "depth", depth, 4, DEPTH_MAX)
    width = len(s.data)
    if len(m.data) != width:
        raise ValueError(f"stream_ram_fifo field 'm_data' width = {len(m.data)} is not allowed: "
                         f"must equal s_data width {width}")
    aw = depth.bit_length() - 1

    wr_ptr = Signal(modbv(0)[aw:])
    rd_ptr = Signal(modbv(0)[aw:])
    ram_count = Signal(intbv(0, min=0, max=depth + 1))
    ram_full = Signal(bool(0))           # ram_count == depth, as a register (short paths to push/issue)
    ram_has = Signal(bool(0))            # ram_count != 0, as a register
    in_flight = Signal(bool(0))          # a RAM read issued at the last edge: rdata is valid now
    out_count = Signal(intbv(0, min=0, max=3))
    out0 = Signal(intbv(0)[width:])      # the output beat
    out1 = Signal(intbv(0)[width:])      # the one behind it
    push, pop, issue = (Signal(bool(0)) for _ in range(3))
    rdata = Signal(intbv(0)[width:])

    ram = ram_deep(clk, push, wr_ptr, s.data, rd_ptr, rdata, depth=depth, tag="fifo")

    @always_comb
    def handshakes():
        s.ready.next = not ram_full
        push.next = s.valid and not ram_full
        m.valid.next = out_count != 0
        m.data.next = out0
        pop.next = m.ready and out_count != 0

    @always_comb
    def read_issue():
        # room in the output registers for the word in flight and this one, counting this cycle's pop
        if not ram_has:
            issue.next = False
        elif in_flight:
            issue.next = out_count == 0 or (out_count == 1 and pop)
        else:
            issue.next = out_count != 2 or pop

    @always_seq(clk.posedge, reset=rst)
    def pointers():
        if push:
            wr_ptr.next = wr_ptr + 1
        if issue:
            rd_ptr.next = rd_ptr + 1
        if push and not issue:
            ram_count.next = ram_count + 1
            ram_has.next = True
            ram_full.next = ram_count == depth - 1
        elif issue and not push:
            ram_count.next = ram_count - 1
            ram_has.next = ram_count != 1
            ram_full.next = False
        in_flight.next = issue

    @always_seq(clk.posedge, reset=rst)
    def outputs():
        if in_flight:                    # out_count <= 1 here (the read was issued with room)
            if out_count == 1 and not pop:
                out1.next = rdata
            else:
                out0.next = rdata
            if not pop:
                out_count.next = out_count + 1
        elif pop:
            out0.next = out1
            out_count.next = out_count - 1

    return ram, handshakes, read_issue, pointers, outputs
