"""The coverage count's result ``k = above + rem // t + 1`` (a sub-block of ``sig_cover_count``).

``load`` (one cycle) takes ``-t`` and the remainder's bits above the quotient's, where ``t`` is the
threshold (``prefix``) and ``rem = target - sum(> t)``; then ``qw`` cycles of ``step`` divide, one
quotient bit each (``long_division``, the dividend's low ``qw`` bits shifted in), ``last`` high in
the last of them. From the edge after it, ``res`` is ``above + quotient + 1`` (combinational, a
carry-select adder), held until the next ``load``. ``qw`` quotient bits suffice because
``rem < t count(= t)`` (the threshold's definition), so ``rem // t < max_n``; the remainder
register holds ``2 t``: ``len(prefix) + 2`` bits.
"""

from __future__ import annotations

from myhdl import ConcatSignal, Signal, always, always_comb, block, concat, intbv

from ..common.carry_select import carry_select_add
from ..common.long_division import long_division
from .pipe_parts import _increment


@block
def cover_quotient(clk, load, step, rem, prefix, above, last, res, qw=4):
    tw, width, cw = len(rem), len(prefix), len(res)
    W = width + 2
    den = Signal(intbv(0)[W:])
    nden = Signal(intbv(0)[W:])
    nd_n = Signal(intbv(0)[W:])
    pnot = Signal(intbv(0)[W:])
    quo = Signal(intbv(0)[qw:])
    qcnt = Signal(intbv(0, min=0, max=qw))
    rhi = Signal(intbv(0)[W:])
    hi_w = min(tw, qw + W) - qw
    quo_w = Signal(intbv(0)[cw:])

    @always_comb
    def div_ops():
        pnot.next = ~concat(intbv(0)[2:], prefix)
        den.next = concat(intbv(0)[2:], prefix)
        quo_w.next = quo
        last.next = step and qcnt == 0

    if tw > qw:
        rhi_c = ConcatSignal(intbv(0)[W - hi_w:], rem(qw + hi_w, qw)) if W > hi_w else rem(qw + hi_w, qw)

        @always_comb
        def div_init():
            rhi.next = rhi_c
    else:
        @always_comb
        def div_init():
            rhi.next = 0

    @always(clk.posedge)
    def count():
        if load:
            nden.next = nd_n
            qcnt.next = qw - 1
        elif step and qcnt != 0:
            qcnt.next = qcnt - 1

    return (div_ops, div_init, count, _increment(pnot, nd_n),
            long_division(clk, load, step, rhi, den, nden, quo, bits0=rem(qw, 0)),
            carry_select_add(above, quo_w, res, cin=1))
