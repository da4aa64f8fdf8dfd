"""The list builder's scan position over a head's causal triangle (a sub-block of
``sig_list_builder``): row ``r_cnt``, column ``c_cnt`` and diagonal ``diff = r - c``.

``start`` (the header is taken) sets the position to (0, 0); each ``step`` moves one column along
the row (``along``: the row is not done), or to the next row's column 0 at a row's end
(``row_done``; at the head's end, ``head_done``, the row stays). The diagonal is a register of its
own, stepped beside r and c (down by one along a row, ``r + 1`` at a row's start), so no
subtraction follows the step decision; the next column ``c_inc`` and the next diagonal ``d_dec``
(the addresses of the bitmap reads a step ahead) are registers too, set to (1, 0) while ``header``.
Reset (synchronous): everything 0 except as above.
"""

from __future__ import annotations

from myhdl import Signal, always_comb, always_seq, block, modbv


@block
def list_scan(clk, rst, header, start, step, row_done, head_done, along, r_cnt, c_cnt, diff, c_inc, d_dec):
    iw = len(r_cnt)
    c_nx = Signal(modbv(0)[iw:])
    r_nx = Signal(modbv(0)[iw:])
    diff_nx = Signal(modbv(0)[iw:])
    r_inc = Signal(modbv(0)[iw:])
    diff_dec = Signal(modbv(0)[iw:])

    @always_comb
    def steps():
        r_inc.next = r_cnt + 1
        diff_dec.next = diff - 1
        along.next = step and not row_done

    @always_comb
    def scan_next():
        c_nx.next = c_cnt
        r_nx.next = r_cnt
        diff_nx.next = diff
        if rst or start:
            c_nx.next = 0
            r_nx.next = 0
            diff_nx.next = 0
        elif step:
            if row_done:
                c_nx.next = 0
                if not head_done:
                    r_nx.next = r_inc
                    diff_nx.next = r_inc
                else:
                    diff_nx.next = r_cnt
            else:
                c_nx.next = c_cnt + 1
                diff_nx.next = diff_dec

    @always_seq(clk.posedge, reset=rst)
    def position():
        r_cnt.next = r_nx
        c_cnt.next = c_nx
        diff.next = diff_nx
        if header:
            c_inc.next = 1
            d_dec.next = 0
        elif along:
            c_inc.next = c_inc + 1
            d_dec.next = d_dec - 1
        elif step:                  # a row's end: the next row starts at c = 0, diff = r + 1
            c_inc.next = 1
            d_dec.next = r_cnt

    return steps, scan_next, position
