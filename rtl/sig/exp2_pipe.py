"""Pipelined ``E(z) = 2^(-z)``: the golden ``exp2_neg``, with the table read and the shift in
separate stages.

``z`` is unsigned with ``LF`` fraction bits; ``e = EXP_LUT[idx] >> (z >> LF)``, 0 once
``z >> LF > P``, where ``idx`` is the top ``exp_lut_bits`` fraction bits. Stage 1 registers the
table value, the shift (its low bits) and whether it passes ``P``; stage 2 registers the shifted
value. Latency :data:`EXP2_LATENCY` = 2 edges; no handshake, no reset (the caller carries a valid
bit beside it).
"""

from __future__ import annotations

from myhdl import Signal, always, always_comb, block, intbv

from ..common.params import int_checker
from ..common.signed import usig
from ..sae.exp2 import exp_lut_values

EXP2_LATENCY = 2

_check = int_checker("exp2_pipe")


@block
def exp2_pipe(clk, z, e, logit_frac, exp_lut_bits, prob_frac):
    _check("logit_frac", logit_frac, 1, 12)
    _check("exp_lut_bits", exp_lut_bits, 1, logit_frac)
    _check("prob_frac", prob_frac, 4, 20)
    zw = len(z)
    if zw <= logit_frac:
        raise ValueError(f"exp2_pipe field 'z' width = {zw} is not allowed: must exceed logit_frac = {logit_frac}")
    if len(e) != prob_frac + 1:
        raise ValueError(f"exp2_pipe field 'e' width = {len(e)} is not allowed: must be prob_frac + 1 = {prob_frac + 1}")
    LF, L, P = logit_frac, exp_lut_bits, prob_frac
    lut = exp_lut_values(P, L)
    nw = min(P.bit_length(), zw - LF)            # the bits of a shift 0 .. P
    idx = usig(L)
    lv = usig(P + 1)
    n = Signal(intbv(0, min=0, max=P + 1))
    zero = Signal(bool(0))

    @always_comb
    def index():
        idx.next = z[LF:LF - L]

    @always(clk.posedge)
    def lut_read():
        lv.next = lut[idx]
        if z[zw:LF] > P:
            zero.next = True
            n.next = 0
        else:
            zero.next = False
            n.next = z[LF + nw:LF]

    @always(clk.posedge)
    def shift():
        if zero:
            e.next = 0
        else:
            e.next = lv >> n

    return index, lut_read, shift
