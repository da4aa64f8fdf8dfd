"""One step of the liveness annotator's backward pass on a block's table entry (combinational; a
sub-block of ``sig_liveness``).

The table holds per key block ``{valid, row, unbroken}``: the row of the block's next access after
the position reached so far, and whether its accesses from there on come in consecutive rows. For
the access at stage 2 (row ``row``, ``last``: its row is the head's last; ``row_p1 = row + 1``) the
block's entry ``old`` is the table's read ``tb_q``, or the entry the access before wrote when it
used the same block (``same``: forwarded from ``lw``, the table's write a cycle earlier). Out: the
access's next use ``nu`` (the entry's row, or ``2^IW`` for none) and the block's new entry
``{1, row, unbroken}``, unbroken when the next access is in the next row of an unbroken run, or
when there is none and this row is the last.
"""

from __future__ import annotations

from myhdl import Signal, always_comb, block, concat, intbv


@block
def liveness_entry(tb_q, lw, same, row, row_p1, last, nu, entry):
    tw = len(tb_q)
    iw = tw - 2
    old = Signal(intbv(0)[tw:])
    eq_next = Signal(bool(0))
    unb = Signal(bool(0))

    @always_comb
    def forward():
        if same:
            old.next = lw
        else:
            old.next = tb_q

    @always_comb
    def next_row_match():
        eq_next.next = concat(False, old[tw - 1:1]) == row_p1

    @always_comb
    def entry_logic():
        if old[tw - 1]:
            nu.next = concat(False, old[tw - 1:1])
            unb.next = old[0] and eq_next
        else:
            nu.next = 1 << iw
            unb.next = last
        entry.next = concat(True, row, unb)

    return forward, next_row_match, entry_logic
