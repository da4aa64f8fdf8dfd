"""Pipelined fixed-point log2: the value of ``log2_unit`` (rtl/sig/decision.py) and the golden
``log2_fixed``: ``out = (msb << LG) + LOG_LUT[the LL bits below the leading one]``, 0 for ``xin``
0 or 1.

Stage 1 registers the leading one's position (a priority encoder) and the input; stage 2 the LL
mantissa bits (a barrel shift); stage 3 the table value (a registered read: with only the mantissa
registered, synthesis moves that register behind the table and the shift and the table form one
path); stage 4 the sum. ``LOG_LUT`` values are at most ``2^LG``, so the sum is the table's low ``LG``
bits beside ``msb`` plus the table's bit ``LG``: a short add. Latency :data:`LOG2_LATENCY` = 4
edges; no handshake, no reset.
"""

from __future__ import annotations

import math

from myhdl import always, always_comb, block, concat, intbv

from ..common.params import int_checker
from ..common.signed import usig

LOG2_LATENCY = 4

_check = int_checker("log2_pipe")


@block
def log2_pipe(clk, xin, out, log_lut_bits, log_frac):
    _check("log_lut_bits", log_lut_bits, 1, 12)
    _check("log_frac", log_frac, 4, 16)
    LL, LG = log_lut_bits, log_frac
    xw = len(xin)
    _check("xin width", xw, 2, 48)
    ew = (xw - 1).bit_length()
    ow = len(out)
    if ow < LG + 1 + ew:
        raise ValueError(f"log2_pipe field 'out' width = {ow} is not allowed: must be at least "
                         f"log_frac + 1 + bits(width(xin) - 1) = {LG + 1 + ew}")
    lut = tuple(int(math.floor(math.log2(1 + i / (1 << LL)) * (1 << LG) + 0.5)) for i in range(1 << LL))
    hw = ow - LG                                  # the sum's bits above the table's fraction
    e1 = usig(hw)
    x1 = usig(xw)
    e2 = usig(hw)
    e3 = usig(hw)
    xs = usig(xw + LL)
    x_nrm = usig(xw + LL)
    mant = usig(LL)
    lv = usig(LG + 1)
    hs = usig(hw)

    @always(clk.posedge)
    def lead():
        x1.next = xin
        e1.next = 0
        for i in range(1, xw):
            if xin[i]:
                e1.next = i

    @always_comb
    def widen():
        xs.next = concat(x1, intbv(0)[LL:])

    @always_comb
    def norm():
        x_nrm.next = xs >> e1

    @always(clk.posedge)
    def mantissa():
        mant.next = x_nrm[LL:]
        e2.next = e1

    @always(clk.posedge)
    def rom():
        lv.next = lut[mant]
        e3.next = e2

    @always_comb
    def high():
        if lv[LG]:
            hs.next = e3 + 1
        else:
            hs.next = e3

    @always(clk.posedge)
    def add():
        out.next = concat(hs, lv[LG:])

    return lead, widen, norm, mantissa, rom, high, add
