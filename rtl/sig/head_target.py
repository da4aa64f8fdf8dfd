"""The SIG head's coverage target ``(T * gamma) >> 16`` (a sub-block of ``sig_head``).

``T`` is the pool's total-mass beat (``total``, ``len(target)`` bits, taken when ``t_valid``),
``gamma`` the coverage fraction (UQ1.16, ``len(gamma) = 17``). Two registered steps, so no wide
multiply-add lies in one cycle: the two partial products (``T``'s low ``TL = min(26, TW - 1)`` bits
and the rest, one DSP each) are registered as the beat arrives, their sum is registered into
``target`` at the next edge. ``target`` holds the head's value from the second edge after the
``T`` beat (``sig_head`` waits that edge: ``tg_wait``).
"""

from __future__ import annotations

from myhdl import Signal, always, always_comb, block, concat, intbv, modbv

from ..common.signed import umul, usig


@block
def sig_head_target(clk, t_valid, total, gamma, target):
    TW, GW = len(target), len(gamma)
    GF = GW - 1                                # gamma's fraction bits
    if GW != 17:
        raise ValueError(f"sig_head_target field 'gamma' width = {GW} is not allowed: must be 17 (UQ1.16)")
    if len(total) != TW or TW < 2:
        raise ValueError(f"sig_head_target field 'total' width = {len(total)} is not allowed: "
                         f"must equal target's ({TW}), at least 2 bits")
    TL = min(26, TW - 1)
    t_lo, t_hi = usig(TL), usig(TW - TL)
    pp_lo_c, pp_hi_c = usig(TL + GW), usig(TW - TL + GW)
    pp_lo, pp_hi = usig(TL + GW), usig(TW - TL + GW)
    prod_lo = umul(t_lo, gamma, pp_lo_c)
    prod_hi = umul(t_hi, gamma, pp_hi_c)
    sum_hi = Signal(modbv(0)[TW - TL + GW:])
    lo_top = usig(TW - TL + GW)                # pp_lo's bits above TL, zero-extended
    tprod = usig(TW + GW)                      # T * gamma

    @always_comb
    def tslice():
        t_lo.next = total[TL:0]
        t_hi.next = total[TW:TL]
        lo_top.next = concat(intbv(0)[TW - TL:], pp_lo[TL + GW:TL])
        sum_hi.next = pp_hi + lo_top
        tprod.next = concat(sum_hi, pp_lo[TL:0])

    @always(clk.posedge)
    def target_regs():
        if t_valid:
            pp_lo.next = pp_lo_c
            pp_hi.next = pp_hi_c
        target.next = tprod[TW + GF:GF]

    return prod_lo, prod_hi, tslice, target_regs
