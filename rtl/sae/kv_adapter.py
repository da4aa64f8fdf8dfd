"""K/V row gatherer: the KV cache's response beats (``hbm_data_width`` bits) to the SAE's ``s_kv``
rows (``8 * D`` bits, one K or V row per beat).

Computes: every ``ratio = out_width / in_width`` input beats become one output row, the first beat
in the low bits (``row = {beat[ratio-1], ..., beat[0]}``), which is the AXI little-endian byte order
of a row-major ``B x D`` INT8 block (byte ``a`` of a beat at bits ``[8a, 8a+8)``).

Ports: ``clk``, ``rst``; ``s_valid/s_ready/s_data`` (``in_width``); ``m_valid/m_ready/m_data``
(``out_width``). Latency: the row is valid the cycle after its last beat. Throughput: one input
beat per cycle (``s_ready = !m_valid || m_ready``), so one row every ``ratio`` cycles; at
``ratio = 1`` a register slice with full throughput.
"""

from __future__ import annotations

from myhdl import Signal, always_comb, always_seq, block, concat, intbv


@block
def sae_kv_adapter(clk, rst, s, m):
    win, wout = len(s.data), len(m.data)
    if wout % win:
        raise ValueError(f"sae_kv_adapter field 'm_data' width = {wout} is not allowed: must be a multiple of "
                         f"s_data width {win}")
    ratio = wout // win
    row = Signal(intbv(0)[wout:])
    full = Signal(bool(0))
    cnt = Signal(intbv(0, min=0, max=max(ratio, 2)))

    @always_comb
    def outputs():
        s.ready.next = not full or m.ready
        m.valid.next = full
        m.data.next = row

    if ratio == 1:
        @always_seq(clk.posedge, reset=rst)
        def gather():
            if s.valid and (not full or m.ready):
                row.next = s.data
                full.next = True
            elif m.ready:
                full.next = False
    else:
        @always_seq(clk.posedge, reset=rst)
        def gather():
            if s.valid and (not full or m.ready):
                row.next = concat(s.data, row[wout:win])
                if cnt == ratio - 1:
                    cnt.next = 0
                    full.next = True
                else:
                    cnt.next = cnt + 1
                    full.next = False
            elif m.ready:
                full.next = False

    return outputs, gather
