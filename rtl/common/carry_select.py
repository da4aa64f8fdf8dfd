"""Carry-select adder: a wide unsigned sum in one cycle with half the carry chain.

``s = (a + b + cin) mod 2^W`` with ``W = len(s) = len(a) = len(b)`` and the carry out ``cout``
(combinational, no state; ``cin`` a constant 0 or 1; ``cout`` may be left out). With
``b = ~x`` and ``cin = 1`` it subtracts: ``s = a - x`` and ``cout = (a >= x)``. The low
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
def carry_select_add(a, b, s, split=None, cin=0, cout=None):
    """``s = (a + b + cin) mod 2^len(a)``, ``cout`` its carry; ``split`` (default
    :func:`default_split`) low bits, the rest high."""
    w = len(a)
    _check("width", w, 2, 256)
    split = default_split(w) if split is None else split
    _check("split", split, 1, w - 1)
    _check("cin", cin, 0, 1)
    for name, sig in (("b", b), ("s", s)):
        if len(sig) != w:
            raise ValueError(f"carry_select_add field '{name}' width = {len(sig)} is not allowed: "
                             f"must equal the width of 'a', {w}")
    hw = w - split
    a_lo = Signal(intbv(0)[split + 1:])
    b_lo = Signal(intbv(0)[split + 1:])
    lo = Signal(intbv(0)[split + 1:])      # the low sum and its carry out (bit split)
    hc = hw + 1 if cout is not None else hw   # the high sums keep their carry out when it is asked for
    a_hi = Signal(intbv(0)[hc:])
    b_hi = Signal(intbv(0)[hc:])
    hi0 = Signal(modbv(0)[hc:])            # the high sum without a carry in
    hi1 = Signal(modbv(0)[hc:])            # and with one

    if cout is None:
        @always_comb
        def halves():
            a_lo.next = concat(False, a[split:0])
            b_lo.next = concat(False, b[split:0])
            a_hi.next = a[w:split]
            b_hi.next = b[w:split]
    else:
        @always_comb
        def halves():
            a_lo.next = concat(False, a[split:0])
            b_lo.next = concat(False, b[split:0])
            a_hi.next = concat(False, a[w:split])
            b_hi.next = concat(False, b[w:split])

    if cin:
        @always_comb
        def low():
            lo.next = a_lo + b_lo + 1
    else:
        @always_comb
        def low():
            lo.next = a_lo + b_lo

    @always_comb
    def high():
        hi0.next = a_hi + b_hi
        hi1.next = a_hi + b_hi + 1

    if cout is None:
        @always_comb
        def pick():
            if lo[split]:
                s.next = concat(hi1, lo[split:0])
            else:
                s.next = concat(hi0, lo[split:0])
    else:
        @always_comb
        def pick():
            if lo[split]:
                s.next = concat(hi1[hw:0], lo[split:0])
                cout.next = hi1[hw]
            else:
                s.next = concat(hi0[hw:0], lo[split:0])
                cout.next = hi0[hw]

    return halves, low, high, pick
