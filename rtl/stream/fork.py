"""Stream fork: every input beat is delivered once to each of two outputs.

Computes: ``m_a`` and ``m_b`` each carry the input stream unchanged. Each output takes the beat
when it is ready; the input beat is released (``s_ready``) in the cycle the last of the two takes
it, so the outputs may accept at different times.

Ports: ``clk``, ``rst``; ``s_valid/s_ready/s_data``; ``m_a_valid/m_a_ready/m_a_data`` and
``m_b_*`` (same width). Latency: none (valid and data pass through combinationally; one flag
register per output remembers that it already took the current beat). Throughput: one beat per
cycle when both outputs are ready.

Invariants (proved in ``verify/properties/stream_fork.sv``): both outputs obey the stream rules;
each output takes every input beat exactly once, in order.
"""

from __future__ import annotations

from myhdl import Signal, always_comb, always_seq, block


@block
def stream_fork(clk, rst, s, m_a, m_b):
    w = len(s.data)
    if len(m_a.data) != w or len(m_b.data) != w:
        raise ValueError(f"stream_fork field 'm_a_data/m_b_data' width = {len(m_a.data)}/{len(m_b.data)} "
                         f"is not allowed: must equal s_data width {w}")
    done_a = Signal(bool(0))     # output a already took the current input beat
    done_b = Signal(bool(0))
    go = Signal(bool(0))

    @always_comb
    def comb():
        m_a.valid.next = s.valid and not done_a
        m_b.valid.next = s.valid and not done_b
        m_a.data.next = s.data
        m_b.data.next = s.data
        go.next = s.valid and (done_a or m_a.ready) and (done_b or m_b.ready)
        s.ready.next = (done_a or m_a.ready) and (done_b or m_b.ready)

    @always_seq(clk.posedge, reset=rst)
    def flags():
        if go:
            done_a.next = False
            done_b.next = False
        else:
            if s.valid and m_a.ready:
                done_a.next = True
            if s.valid and m_b.ready:
                done_b.next = True

    return comb, flags
