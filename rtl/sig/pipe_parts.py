"""Registered arithmetic steps of the SIG pipelines (private blocks, inlined into their users).

Every operand is extended to the result's width explicitly (``common.signed.extend``), as in ``common.signed``. Sums of
at least :data:`CS_MIN` bits go through ``carry_select_add``: a plain 24-bit carry chain is 4.5 of
the timing proxy's 6 logic levels (docs/vivado.md), a 40-bit one 7.
"""

from __future__ import annotations

from myhdl import Signal, always, always_comb, block, concat, intbv, modbv

from ..common.carry_select import carry_select_add
from ..common.signed import extend, is_signed, ssub, usig

CS_MIN = 25


@block
def _add(a, b, s):
    """``s = a + b`` (combinational; signed when ``s`` is), through a carry-select adder when wide.
    ``s`` wraps: callers size it to hold the sum."""
    w = len(s)
    ae, be = extend(a, w, is_signed(a)), extend(b, w, is_signed(b))
    signed = is_signed(s)
    au, bu, u = usig(w), usig(w), usig(w)      # plain signals for the adder's ports

    @always_comb
    def operands():
        au.next = ae
        bu.next = be

    if w >= CS_MIN:
        cs = carry_select_add(au, bu, u)
    else:
        cs = _plain(au, bu, u)
    if signed:
        @always_comb
        def out():
            s.next = u.signed()
    else:
        @always_comb
        def out():
            s.next = u

    return operands, cs, out


@block
def _plain(a, b, s):
    t = Signal(modbv(0)[len(s):])

    @always_comb
    def add():
        t.next = a + b

    @always_comb
    def out():
        s.next = t

    return add, out


@block
def _reg_sum(clk, a, b, s):
    """``s <= a + b`` (``s`` wide enough)."""
    c = Signal(s.val)
    return _add(a, b, c), _reg_copy(clk, c, s)


@block
def _reg_sub(clk, a, b, s):
    """``s <= a - b`` (``s`` signed and wide enough)."""
    c = Signal(s.val)
    return ssub(a, b, c), _reg_copy(clk, c, s)


@block
def _reg_copy(clk, a, s):
    @always(clk.posedge)
    def reg():
        s.next = a

    return reg


@block
def _reg_mul(clk, a, b, p):
    """``p <= a * b`` (an unsigned operand is zero-extended)."""
    ae, be = extend(a, len(p), is_signed(a)), extend(b, len(p), is_signed(b))

    @always(clk.posedge)
    def mul():
        p.next = ae.signed() * be.signed()

    return mul


@block
def _increment(a, s):
    """``s = (a + 1) mod 2^W`` in two halves: the high half takes its ``+ 1`` when the low half is all ones."""
    w = len(a)
    sp = (w + 1) // 2
    ones = (1 << sp) - 1
    lo = Signal(modbv(0)[sp:])
    hi1 = Signal(modbv(0)[w - sp:])

    @always_comb
    def halves():
        lo.next = a[sp:] + 1
        hi1.next = a[w:sp] + 1

    @always_comb
    def pick():
        if a[sp:] == ones:
            s.next = concat(hi1, lo)
        else:
            s.next = concat(a[w:sp], lo)

    return halves, pick



def delay_taps(sig, stages: int) -> list:
    """``sig`` and ``stages`` new signals of its type: index k is to hold ``sig`` k edges ago (wire them
    with :func:`_delay_chain`). Only what is read is built: ask for the deepest stage used. A tuple,
    not a list: MyHDL converts a list of signals held by a block as a memory."""
    taps = [sig]
    for _ in range(stages):
        taps.append(Signal(bool(0)) if isinstance(sig.val, bool) else Signal(intbv(0, min=sig.min, max=sig.max)))
    return tuple(taps)


@block
def _delay_chain(clk, taps):
    """A register from each tap to the next (``delay_taps``)."""
    regs = []
    for k in range(len(taps) - 1):
        regs.append(_reg_copy(clk, taps[k], taps[k + 1]))
    return regs
