"""Valid/ready register slice (skid buffer): breaks the combinational ready and valid/data paths.

Computes: the output stream equals the input stream, beat for beat and in order.

Ports: ``clk``; ``rst`` (synchronous, active high); ``s_valid``/``s_ready``/``s_data`` in;
``m_valid``/``m_ready``/``m_data`` out.

Latency: one cycle from an accepted input beat to ``m_valid``. Throughput: one beat per cycle with
``m_ready`` high. All outputs (``s_ready``, ``m_valid``, ``m_data``) come straight from registers.

State: the output register (``m_valid``, ``m_data``) and one skid register (``skid_valid``,
``skid_data``) that catches the beat accepted in the cycle the sink stalls.
Invariants (proved in ``verify/properties/stream_skid_buffer.sv``): ``s_ready == !skid_valid``;
``skid_valid`` implies ``m_valid``; the skid beat is younger than the output beat; the output
stream obeys the valid/ready rules; every accepted beat leaves exactly once and in order.
"""

from __future__ import annotations

from myhdl import Signal, always_comb, always_seq, block, intbv


@block
def stream_skid_buffer(clk, rst, s, m):
    width = len(s.data)
    if len(m.data) != width:
        raise ValueError(f"stream_skid_buffer field 'm_data' width = {len(m.data)} is not allowed: "
                         f"must equal s_data width {width}")

    out_valid = Signal(bool(0))
    out_data = Signal(intbv(0)[width:])
    skid_valid = Signal(bool(0))
    skid_data = Signal(intbv(0)[width:])

    @always_comb
    def outputs():
        s.ready.next = not skid_valid
        m.valid.next = out_valid
        m.data.next = out_data

    @always_seq(clk.posedge, reset=rst)
    def control():
        if m.ready or not out_valid:
            # The output register is free this cycle: refill it from the skid or the input.
            if skid_valid:
                out_valid.next = True
                skid_valid.next = False
            elif s.valid:
                out_valid.next = True
            else:
                out_valid.next = False
        elif s.valid and not skid_valid:
            # Output stalled while a beat is accepted: park it in the skid register.
            skid_valid.next = True

    @always_seq(clk.posedge, reset=None)
    def datapath():
        if m.ready or not out_valid:
            if skid_valid:
                out_data.next = skid_data
            elif s.valid:
                out_data.next = s.data
        elif s.valid and not skid_valid:
            skid_data.next = s.data

    return outputs, control, datapath
