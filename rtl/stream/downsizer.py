"""Stream width downsizer: each wide input beat leaves as ``ratio`` narrow beats, low slice first.

Computes: input beat ``x`` (``ratio * w`` bits) becomes output beats ``x[w-1:0]``, ``x[2w-1:w]``,
..., ``x[ratio*w-1:(ratio-1)*w]`` (the AXI little-endian order of a row written to memory).

Ports: ``clk``, ``rst``; ``s_valid/s_ready/s_data`` (``ratio * w`` bits); ``m_valid/m_ready/m_data``
(``w`` bits). Latency: the first slice is valid the cycle after the input beat is taken.
Throughput: one output beat per cycle; a new input beat is taken in the cycle its predecessor's
last slice leaves, so a continuous input keeps the output busy every cycle.

Invariants (proved in ``verify/properties/stream_downsizer.sv``): output stream rules; the slice
index counts the slices sent; every input beat leaves as exactly ``ratio`` slices, in order.
"""

from __future__ import annotations

from myhdl import Signal, always_comb, always_seq, block, intbv


@block
def stream_downsizer(clk, rst, s, m):
    win, wout = len(s.data), len(m.data)
    if win % wout or win < wout:
        raise ValueError(f"stream_downsizer field 's_data' width = {win} is not allowed: must be a multiple "
                         f"of m_data width {wout}")
    ratio = win // wout
    held = Signal(intbv(0)[win:])    # the input beat, shifted down one slice per output beat
    full = Signal(bool(0))
    idx = Signal(intbv(0, min=0, max=max(ratio, 2)))
    last_slice = Signal(bool(0))
    take = Signal(bool(0))

    @always_comb
    def handshake():
        last_slice.next = idx == ratio - 1
        take.next = s.valid and (not full or (m.ready and last_slice))
        s.ready.next = not full or (m.ready and last_slice)
        m.valid.next = full

    @always_comb
    def select():
        m.data.next = held[wout:0]

    @always_seq(clk.posedge, reset=rst)
    def control():
        if take:
            full.next = True
            idx.next = 0
        elif full and m.ready:
            if last_slice:
                full.next = False
                idx.next = 0
            else:
                idx.next = idx + 1

    @always_seq(clk.posedge, reset=None)
    def capture():
        # The slice on the output is always the low one: shift the next slice down after each beat.
        if take:
            held.next = s.data
        elif full and m.ready:
            held.next = held >> wout

    return handshake, select, control, capture
