"""SIG liveness annotator: next use and pinnable flag of every access of a head's block lists.

Computes the golden model's ``liveness.annotate`` on the list builder's stream: every access
``(row, block)`` gets ``next_use`` (the next row whose list holds ``block``, or dead) and
``pinnable`` (``block`` is used by every row from its first use to the last row).

Ports (``IW = bits(max_blocks - 1)``):

* ``s`` (``2 IW + 2`` bits): the list builder's beats ``{head_end, row, block, last}``.
* ``m`` (``3 IW + 4`` bits): ``{dead, next_row[IW-1:0], pinnable, head_end, row, block, last}``;
  ``dead = 1`` (``next_row = 0``) when the block is never used again (``liveness.DEAD``).

Per head (the whole pattern is known before attention starts, so a backward pass is exact):

* collect: one beat a cycle into the access buffer (``L`` cycles);
* backward: one access a cycle from the last to the first (``L + 1`` cycles), through two stages:
  the buffer word, then the per-block entry ``{valid, row, unbroken}`` read at its block. The
  access's next use is the entry's row (or dead); its entry becomes ``{1, row, unbroken}`` with
  ``unbroken = entry.unbroken and entry.row == row + 1`` (or ``row == last row`` on a first
  entry), so after the pass a block's ``unbroken`` says it is used by every row from its first use
  to the last (the golden ``count == nb - first``). The entry written by the access just before is
  forwarded (the table's read is registered, read-first);
* drain (2 cycles: the last words written before they are read back);
* emit: one annotated beat a cycle in stream order (``L + 1`` cycles), a three-stage pipeline
  (buffer word, per-block entry, output register) that holds as a whole while ``m`` is not free;
* clear (the per-block table, ``max_blocks`` cycles; also right after reset).

Cycles per head: ``3 L + 4 + max_blocks`` plus output stalls (:func:`liveness_cycles`).
A head must have at most ``max_accesses`` accesses (the kernel: ``max_blocks (max_blocks + 1) / 2``,
a dense head at the largest context).

Memories (registered reads, no reset): the access buffer ``max_accesses x (IW + 1 + 2 IW + 2)``
(``{next_use, access}``; UltraRAM at u280) and the per-block table ``max_blocks x (IW + 2)``
(block RAM at u280), both ``rtl/common/ram.ram_deep``. Every address comes from registers through
a small select: the buffer's next index is chosen among ``idx``, ``idx + 1`` and ``idx - 1`` kept
in registers of their own.
"""

from __future__ import annotations

from myhdl import Signal, always, always_comb, always_seq, block, concat, enum, intbv, modbv

from ..common.params import int_checker
from ..common.ram import ram_deep
from ..common.updown_index import updown_index
from ..common.widths import index_width
from .liveness_entry import liveness_entry

DRAIN_CYCLES = 2


def liveness_cycles(accesses: int, max_blocks: int, span_only: bool = False) -> int:
    """Cycles of one head without output stalls: collect ``L``, backward ``L + 1``, drain 2, emit
    ``L + 1``, clear ``max_blocks``. ``span_only``: from the first input beat taken to the last output
    beat (what a stand-alone simulation of one head measures)."""
    return 3 * accesses + 5 if span_only else 3 * accesses + 2 + DRAIN_CYCLES + max_blocks


def _validate(max_blocks, max_accesses) -> None:
    check = int_checker("sig_liveness")
    check("max_blocks", max_blocks, 2, 4096)
    check("max_accesses", max_accesses, 2, 1 << 20)


@block
def sig_liveness(clk, rst, s, m, max_blocks=8, max_accesses=64):
    _validate(max_blocks, max_accesses)
    iw = index_width(max_blocks)
    aw = max(1, (max_accesses - 1).bit_length())
    for name, sig, w in (("s_data", s.data, 2 * iw + 2), ("m_data", m.data, 3 * iw + 4)):
        if len(sig) != w:
            raise ValueError(f"sig_liveness field '{name}' width = {len(sig)} is not allowed: must be {w} "
                             f"for max_blocks={max_blocks}")
    bw = 2 * iw + 2                      # access: {head_end, row, block, last}
    ww = bw + iw + 1                     # buffer word: {next_use, access}
    tw = iw + 2                          # table entry: {valid, row, unbroken}
    st = enum("CLEAR", "COLLECT", "BACK", "DRAIN", "EMIT")

    state = Signal(st.CLEAR)
    clr = Signal(modbv(0)[iw:])
    drain = Signal(bool(0))
    # the buffer index (updown_index.py: the next index is a select of registers)
    idx = Signal(modbv(0)[aw:])
    idx_nx = Signal(modbv(0)[aw:])
    go_up = Signal(bool(0))
    go_dn = Signal(bool(0))
    go_zero = Signal(bool(0))
    idx_zero = Signal(bool(0))
    rem = Signal(modbv(0)[aw:])          # emit: accesses left after idx
    n_acc = Signal(modbv(0)[aw:])        # index of the head's final access
    nb_last = Signal(intbv(0)[iw:])
    in_end = Signal(bool(0))
    in_row = Signal(intbv(0)[iw:])

    buf_we = Signal(bool(0))
    buf_wa = Signal(modbv(0)[aw:])
    buf_wd = Signal(intbv(0)[ww:])
    buf_q = Signal(intbv(0)[ww:])
    q_row = Signal(intbv(0)[iw:])
    q_blk = Signal(intbv(0)[iw:])

    # stage 1 valid (buf_q holds word[idx]); stage 2: the word, its address and its block's entry
    v1 = Signal(bool(0))
    v2 = Signal(bool(0))                 # backward access in stage 2
    e2 = Signal(bool(0))                 # emit beat in stage 2
    w2 = Signal(intbv(0)[ww:])
    a2 = Signal(modbv(0)[aw:])
    acc2 = Signal(intbv(0)[bw:])
    nu2 = Signal(intbv(0)[iw + 1:])
    row2 = Signal(intbv(0)[iw:])
    blk2 = Signal(intbv(0)[iw:])
    row2p1 = Signal(intbv(0)[iw + 1:])
    q_rowp1 = Signal(intbv(0)[iw + 1:])
    last2 = Signal(bool(0))
    same2 = Signal(bool(0))
    lw = Signal(intbv(0)[tw:])           # the entry written by the access before (forwarded)

    tb_we = Signal(bool(0))
    tb_wa = Signal(intbv(0)[iw:])
    tb_wd = Signal(intbv(0)[tw:])
    tb_ra = Signal(intbv(0)[iw:])
    tb_q = Signal(intbv(0)[tw:])
    nu_new = Signal(intbv(0)[iw + 1:])
    new_entry = Signal(intbv(0)[tw:])

    out_valid = Signal(bool(0))
    out_data = Signal(intbv(0)[3 * iw + 4:])
    out_free = Signal(bool(0))
    hold = Signal(bool(0))
    e_adv = Signal(bool(0))              # emit: stage 1 moves to stage 2

    buf = ram_deep(clk, buf_we, buf_wa, buf_wd, idx_nx, buf_q, depth=max_accesses, tag="acc")
    tbl = ram_deep(clk, tb_we, tb_wa, tb_wd, tb_ra, tb_q, depth=max_blocks, tag="blk")

    @always_comb
    def unpack():
        in_end.next = s.data[2 * iw + 1]
        in_row.next = s.data[2 * iw + 1:iw + 1]
        q_row.next = buf_q[2 * iw + 1:iw + 1]
        q_blk.next = buf_q[iw + 1:1]
        acc2.next = w2[bw:]
        nu2.next = w2[ww:bw]
        row2.next = w2[2 * iw + 1:iw + 1]
        blk2.next = w2[iw + 1:1]

    @always_comb
    def row_plus_one():
        q_rowp1.next = q_row + 1

    @always_comb
    def handshakes():
        out_free.next = m.ready or not out_valid
        hold.next = state == st.EMIT and out_valid and not m.ready
        s.ready.next = state == st.COLLECT
        m.valid.next = out_valid
        m.data.next = out_data

    @always_comb
    def index_moves():
        idx_zero.next = idx == 0
        e_adv.next = state == st.EMIT and out_free and v1
        go_zero.next = state == st.CLEAR
        go_up.next = ((state == st.COLLECT and s.valid and not in_end)
                      or (state == st.EMIT and out_free and v1 and rem != 0))
        go_dn.next = state == st.BACK and v1 and idx != 0

    walk = updown_index(clk, rst, go_up, go_dn, go_zero, idx, idx_nx)

    # backward stage 2: the block's entry (forwarded from the access before when it is the same
    # block), the access's next use and the block's new entry (liveness_entry.py)
    entry = liveness_entry(tb_q, lw, same2, row2, row2p1, last2, nu_new, new_entry)

    @always_comb
    def buffer_write():
        # collect writes the access (next use still unknown); backward stage 2 rewrites the word with
        # its next use
        buf_we.next = v2 or (state == st.COLLECT and s.valid)
        if v2:
            buf_wa.next = a2
            buf_wd.next = concat(nu_new, acc2)
        else:
            buf_wa.next = idx
            buf_wd.next = concat(intbv(0)[iw + 1:], s.data)

    @always_comb
    def table_ports():
        tb_we.next = v2 or state == st.CLEAR
        if v2:
            tb_wa.next = blk2
            tb_wd.next = new_entry
        else:
            tb_wa.next = clr
            tb_wd.next = 0
        # held at stage 2's block while the emit pipeline holds, so the entry stays with its word
        if hold:
            tb_ra.next = blk2
        else:
            tb_ra.next = q_blk

    @always(clk.posedge)
    def stage2():
        if state == st.BACK and v1:
            w2.next = buf_q
            a2.next = idx
            row2p1.next = q_rowp1
            last2.next = q_row == nb_last
            same2.next = v2 and q_blk == blk2
        elif e_adv:
            w2.next = buf_q
        if v2:
            lw.next = new_entry

    @always_seq(clk.posedge, reset=rst)
    def control():
        v2.next = state == st.BACK and v1
        if m.ready:
            out_valid.next = False
        if state == st.CLEAR:
            clr.next = clr + 1
            if clr == max_blocks - 1:
                clr.next = 0
                state.next = st.COLLECT
        elif state == st.COLLECT:
            if s.valid and in_end:
                n_acc.next = idx
                nb_last.next = in_row
                v1.next = False          # the final word is read back at the next edge
                state.next = st.BACK
        elif state == st.BACK:
            v1.next = True
            if v1 and idx_zero:
                v1.next = False
                drain.next = False
                state.next = st.DRAIN
        elif state == st.DRAIN:
            drain.next = True
            if drain:
                v1.next = True
                e2.next = False
                rem.next = n_acc
                state.next = st.EMIT
        else:                            # EMIT
            if out_free:
                if e2:
                    out_valid.next = True
                    out_data.next = concat(nu2, tb_q[0], acc2)
                e2.next = v1
                if v1:
                    rem.next = rem - 1
                    if rem == 0:
                        v1.next = False
                elif e2:
                    state.next = st.CLEAR

    return (buf, tbl, unpack, row_plus_one, handshakes, index_moves, walk, entry, buffer_write, table_ports, stage2, control)
