"""The registers of a non-restoring long division: the partial remainder and the quotient so far.

``load`` sets the remainder to ``rem0``, clears the quotient and, with ``bits0``, takes the
dividend's bits still to be shifted in (top first). ``step`` runs one :func:`nonrestoring_step`:
the remainder becomes ``2 rem + bit -+ d`` (``bit``: the top of the dividend bits, 0 without
``bits0``: a reciprocal), the quotient register ``quo`` takes the step's bit ``qbit`` at its
bottom, and the dividend bits move up by one; ``load`` wins over ``step``. ``qbit`` is
combinational: during the ``k``-th step the first ``k`` quotient bits are ``{quo, qbit}``, after
its edge they are in ``quo`` (the reciprocals keep ``R`` bits in ``quo`` and take the last one from
``qbit``). The caller keeps ``den`` and ``nden`` (``d`` and ``-d`` mod ``2^W``)
and counts the steps; ``W = len(den)``.

Used by ``sig_cover_count`` (``rem // t``), ``sig_decision`` (the reciprocal and the normalising
division), ``sig_pooled_select`` and ``probe_lane`` (the reciprocals). No latency of its own: the
remainder and the quotient change at the edge that ends a ``load`` or ``step`` cycle.
"""

from __future__ import annotations

from myhdl import Signal, always, always_comb, block, concat, intbv, modbv

from .nonrestoring_step import nonrestoring_step


@block
def long_division(clk, load, step, rem0, den, nden, quo, qbit=None, bits0=None):
    """``rem0``: a signal or a constant (an int); ``qbit`` None: the caller reads only ``quo``."""
    w, qw = len(den), len(quo)
    qbit = Signal(bool(0)) if qbit is None else qbit
    if qw < 2:
        raise ValueError(f"long_division field 'quo' width = {qw} is not allowed: must be at least 2")
    part = Signal(intbv(0)[w:])
    part_n = Signal(intbv(0)[w:])
    if bits0 is None:
        @always(clk.posedge)
        def regs():
            if load:
                part.next = rem0
                quo.next = 0
            elif step:
                part.next = part_n
                quo.next = concat(quo[qw - 1:], qbit)

        return nonrestoring_step(part, den, nden, part_n, qbit), regs

    nb = len(bits0)
    bits = Signal(modbv(0)[nb:])
    top = Signal(bool(0))

    @always_comb
    def top_bit():
        top.next = bits[nb - 1]

    @always(clk.posedge)
    def regs_bits():
        if load:
            part.next = rem0
            quo.next = 0
            bits.next = bits0
        elif step:
            part.next = part_n
            quo.next = concat(quo[qw - 1:], qbit)
            bits.next = bits << 1

    return nonrestoring_step(part, den, nden, part_n, qbit, bit_in=top), top_bit, regs_bits
