"""Carry-select adder: a wide unsigned sum in one cycle with half the carry chain.

``s = (a + b) mod 2^W`` with ``W = len(s) = len(a) = len(b)`` (combinational, no state). The low
``split`` bits are added with their carry out; the high ``W - split`` bits are added twice at the
same time, once without and once with a carry in, and the low carry picks one. The longest path is
the longer of the two half-width carry chains plus one 2:1 multiplexer, where a plain adder runs one
chain over all ``W`` bits: a 31-bit accumulator that feeds a multiplexer is over the timing proxy's
6 logic levels (docs/vivado.md), a 16 + 15 carry-select one is within it. The price is the second
high-half adder (``W - split`` LUTs and its carry chain).
"""

from __future__ import annotations

from myhdl import Signal, always_comb, block, concat, intbv, modbv

from .params import int_checker

_check = int_checker("carry_select_add")


def default_split(width: int) -> int:
    """The low half's width: the longer half is ``ceil(width / 2)`` bits."""
    return (width + 1) // 2


@block
def carry_select_add(a, b, s, split=None):
    """``s = (a + b) mod 2^len(s)``; ``split`` (default :func:`default_split`) low bits, the rest high."""
    w = len(s)
    _check("width", w, 2, 256)
    split = default_split(w) if split is None else split
    _check("split", split, 1, w - 1)
    for name, sig in (("a", a), ("b", b)):
        if len(sig) != w:
            raise ValueError(f"carry_select_add field '{name}' width = {len(sig)} is not allowed: "
                             f"must equal the sum's width {w}")
    hw = w - split
    a_lo = Signal(intbv(0)[split + 1:])
    b_lo = Signal(intbv(0)[split + 1:])
    lo = Signal(intbv(0)[split + 1:])      # the low sum and its carry out (bit split)
    a_hi = Signal(intbv(0)[hw:])
    b_hi = Signal(intbv(0)[hw:])
    hi0 = Signal(modbv(0)[hw:])            # the high sum without a carry in
    hi1 = Signal(modbv(0)[hw:])            # and with one

    @always_comb
    def halves():
        a_lo.next = concat(False, a[split:0])
        b_lo.next = concat(False, b[split:0])
        a_hi.next = a[w:split]
        b_hi.next = b[w:split]

    @always_comb
    def low():
        lo.next = a_lo + b_lo

    @always_comb
    def high():
        hi0.next = a_hi + b_hi
        hi1.next = a_hi + b_hi + 1

    @always_comb
    def pick():
        if lo[split]:
            s.next = concat(hi1, lo[split:0])
        else:
            s.next = concat(hi0, lo[split:0])

    return halves, low, high, pick
