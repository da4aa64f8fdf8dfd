"""Synchronous valid/ready stream FIFO.

Computes: the output stream is the input stream, beat for beat, in order, delayed by at least one
cycle; up to ``depth`` beats are buffered.

Ports: ``clk``; ``rst`` (synchronous, active high); input stream ``s_valid``/``s_ready``/``s_data``;
output stream ``m_valid``/``m_ready``/``m_data`` (same width as ``s_data``).

Latency: a beat written at edge t can leave at edge t+1 (first-word fall-through after one cycle).
Throughput: one beat per cycle in and out at the same time, also when full (``s_ready`` is
``count < depth``, so a full FIFO accepts again the cycle after a beat leaves).

Invariants (proved in ``verify/properties/stream_fifo.sv``): ``count == wr_ptr - rd_ptr`` modulo
``depth`` with ``count <= depth``; ``s_ready == (count < depth)``; ``m_valid == (count > 0)``; the
output stream obeys the valid/ready rules; every beat written comes out exactly once and in order.

Memory: ``depth`` registers of ``width`` bits with no reset (maps to LUTRAM/registers).
"""

from __future__ import annotations

from myhdl import Signal, always, always_comb, always_seq, block, intbv, modbv

from ..common.params import check_pow2


def _validate(depth: int, width: int) -> None:
    check_pow2("stream_fifo", "depth", depth, 2, 1024)
    if width < 1:
        raise ValueError(f"stream_fifo field 'width' = {width!r} is not allowed: must be >= 1")


@block
def stream_fifo(clk, rst, s, m, depth=4):
    width = len(s.data)
    _validate(depth, width)
    if len(m.data) != width:
        raise ValueError(f"stream_fifo field 'm_data' width = {len(m.data)} is not allowed: must equal s_data width {width}")
    aw = depth.bit_length() - 1

    mem = [Signal(intbv(0)[width:]) for _ in range(depth)]
    wr_ptr = Signal(modbv(0)[aw:])
    rd_ptr = Signal(modbv(0)[aw:])
    count = Signal(intbv(0, min=0, max=depth + 1))
    push = Signal(bool(0))
    pop = Signal(bool(0))

    @always_comb
    def handshake():
        s.ready.next = count < depth
        m.valid.next = count != 0
        push.next = s.valid and count < depth
        pop.next = m.ready and count != 0

    @always_comb
    def read_port():
        m.data.next = mem[rd_ptr]

    @always(clk.posedge)
    def write_port():
        if push:
            mem[wr_ptr].next = s.data

    @always_seq(clk.posedge, reset=rst)
    def pointers():
        if push:
            wr_ptr.next = wr_ptr + 1
        if pop:
            rd_ptr.next = rd_ptr + 1
        if push and not pop:
            count.next = count + 1
        elif pop and not push:
            count.next = count - 1

    return handshake, read_port, write_port, pointers
