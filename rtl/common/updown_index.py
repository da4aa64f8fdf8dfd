"""An index that steps up, steps down or returns to 0, its next value a select of registers.

``idx_nx`` is the value ``idx`` takes at the next edge (the address of a registered memory read):
``idx + 1`` on ``go_up``, ``idx - 1`` on ``go_dn``, 0 on ``go_zero`` (in that priority), else
``idx``. The neighbours ``idx + 1`` and ``idx - 1`` are kept in registers beside ``idx``, so no
adder lies between the control flags and the memory's address. Reset (synchronous, ``rst``): 0.
Wraps modulo ``2^len(idx)``.
"""

from __future__ import annotations

from myhdl import Signal, always_comb, always_seq, block, modbv


@block
def updown_index(clk, rst, go_up, go_dn, go_zero, idx, idx_nx):
    aw = len(idx)
    idx_up = Signal(modbv(1)[aw:])
    idx_dn = Signal(modbv((1 << aw) - 1)[aw:])

    @always_comb
    def index_next():
        if go_up:
            idx_nx.next = idx_up
        elif go_dn:
            idx_nx.next = idx_dn
        elif go_zero:
            idx_nx.next = 0
        else:
            idx_nx.next = idx

    @always_seq(clk.posedge, reset=rst)
    def indices():
        idx.next = idx_nx
        if go_up:
            idx_up.next = idx_up + 1
            idx_dn.next = idx
        elif go_dn:
            idx_dn.next = idx_dn - 1
            idx_up.next = idx
        elif go_zero:
            idx_up.next = 1
            idx_dn.next = (1 << aw) - 1

    return index_next, indices
