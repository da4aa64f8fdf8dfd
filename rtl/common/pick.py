"""One of ``n`` signals by index: ``out = items[sel]``, a tree of 2:1 choices.

``items`` is a tuple of signals of ``len(out)`` bits (``n`` a power of two, at least 2); level ``k``
of the tree chooses by bit ``k`` of ``sel`` between neighbours, low bit first, and the last choice
drives ``out``. Each level is one 2:1 multiplexer a bit (two levels fold into one LUT6 as a 4:1), so
a 16-way choice is two LUT levels, where a shift by ``sel * width`` or a wide index makes yosys build
a full barrel shifter. Combinational; no clock.
"""

from __future__ import annotations

from myhdl import Signal, always_comb, block, intbv


@block
def pick(sel, items, out):
    n = len(items)
    if n < 2 or n & (n - 1):
        raise ValueError(f"pick field 'items' = {n} signals is not allowed: must be a power of two >= 2")
    if len(sel) < n.bit_length() - 1:
        raise ValueError(f"pick field 'sel' width = {len(sel)} is not allowed: must be >= {n.bit_length() - 1} "
                         f"for {n} items")
    level = list(items)
    insts = []
    k = 0
    while len(level) > 1:
        nxt = []
        for a in range(0, len(level), 2):
            o = out if len(level) == 2 else Signal(intbv(0)[len(out):])
            insts.append(_mux2(sel(k), level[a], level[a + 1], o))
            nxt.append(o)
        level = nxt
        k += 1
    return insts


@block
def _mux2(s, a, b, o):
    @always_comb
    def mux():
        o.next = b if s else a

    return mux
