"""The SAE's logit from a scaled score: round to nearest and saturate (shared by ``sae_engine`` and
``sae_row_softmax``).

``x_r <= sat(((lp >> shm1) + 1) >> 1)``: the score-times-multiplier product ``lp`` shifted right by
``shm1 + 1`` with rounding half up (the golden model's ``rsr``), then clamped to the signed
``len(x_r)``-bit range. Combinational shift and round, one register: latency 1 from ``lp`` and
``shm1``. Inlined into the calling block (a name with a leading underscore: docs/hierarchy.md)."""

from __future__ import annotations

from myhdl import Signal, always, always_comb, block, intbv


@block
def _logit_round(clk, lp, shm1, x_r):
    LB = len(x_r)
    xmin, xmaxv = -(1 << (LB - 1)), (1 << (LB - 1)) - 1
    t1 = Signal(intbv(0, min=lp.min, max=lp.max))   # lp >> shm1
    t2 = Signal(intbv(0, min=lp.min, max=lp.max))   # rounded: (t1 + 1) >> 1

    @always_comb
    def logit_shift():
        t1.next = lp >> shm1

    @always_comb
    def logit_round():
        t2.next = (t1 + 1) >> 1

    @always(clk.posedge)
    def logit_reg():
        if t2 > xmaxv:
            x_r.next = xmaxv
        elif t2 < xmin:
            x_r.next = xmin
        else:
            x_r.next = t2[LB:].signed()

    return logit_shift, logit_round, logit_reg
