"""SIG liveness annotator: next use and pinnable flag of every access of a head's block lists.

Computes the golden model's ``liveness.annotate`` on the list builder's stream: every access
``(row, block)`` gets ``next_use`` (the next row whose list holds ``block``, or dead) and
``pinnable`` (``block`` is used by every row from its first use to the last row:
``count[block] == nb - first[block]``).

Ports (``IW = bits(max_blocks - 1)``, ``AW = bits(max_accesses - 1)``):

* ``s`` (``2 IW + 2`` bits): the list builder's beats ``{head_end, row, block, last}``.
* ``m`` (``3 IW + 4`` bits): ``{dead, next_row[IW-1:0], pinnable, head_end, row, block, last}``;
  ``dead = 1`` (``next_row = 0``) when the block is never used again (``liveness.DEAD``).

Operation, per head (the whole pattern is known before attention starts, so a backward pass is
exact): collect (one beat per cycle into the access buffer; per-block use count and first row),
backward (one access per cycle from the last to the first: ``next = nxt[block]`` or dead, then
``nxt[block] = row``), emit (one annotated beat per cycle in stream order), clear (the per-block
tables, ``max_blocks`` cycles; also right after reset). Cycles per head: ``3 L + max_blocks``
plus stalls for ``L`` accesses. A head must have at most ``max_accesses`` accesses (any integer:
the kernel uses ``max_blocks (max_blocks + 1) / 2``, a dense head at the largest context).

Memories (no reset): the access buffer, ``max_accesses`` words of ``{next_use, access}`` (``IW + 1``
+ ``2 IW + 2`` bits; collect writes the access, the backward pass rewrites the word with its next
use; ``rtl/common/ram.ram_deep``: one memory, so UltraRAM at u280, 524,800 x 33 bits), a
registered read (the address is the index the FSM moves to at that edge, ``idx_nx``, and a word
written at the same edge to that address is forwarded, so the cycles equal an asynchronous read);
per-block tables ``max_blocks x (IW + 1)`` (count), ``max_blocks x IW`` (first
row), ``max_blocks x (IW + 1)`` (next row and valid), asynchronous reads (LUT RAM): they are read
and written in the same cycle at the address of the incoming beat (collect) or of the access just
read (backward), so a registered read would cost a cycle per access.
"""

from __future__ import annotations

from myhdl import Signal, always, always_comb, always_seq, block, concat, intbv, modbv

from ..common.ram import ram_deep
from .list_builder import index_width

A_CLEAR, A_COLLECT, A_BACK, A_EMIT = range(4)


def _validate(max_blocks, max_accesses) -> None:
    if isinstance(max_blocks, bool) or not isinstance(max_blocks, int) or not 2 <= max_blocks <= 4096:
        raise ValueError(f"sig_liveness field 'max_blocks' = {max_blocks!r} is not allowed: must be an integer in [2, 4096]")
    if isinstance(max_accesses, bool) or not isinstance(max_accesses, int) or not 2 <= max_accesses <= 1 << 20:
        raise ValueError(f"sig_liveness field 'max_accesses' = {max_accesses!r} is not allowed: must be an integer in [2, {1 << 20}]")


@block
def sig_liveness(clk, rst, s_valid, s_ready, s_data, m_valid, m_ready, m_data, max_blocks=8, max_accesses=64):
    _validate(max_blocks, max_accesses)
    iw = index_width(max_blocks)
    aw = max(1, (max_accesses - 1).bit_length())
    for name, sig, w in (("s_data", s_data, 2 * iw + 2), ("m_data", m_data, 3 * iw + 4)):
        if len(sig) != w:
            raise ValueError(f"sig_liveness field '{name}' width = {len(sig)} is not allowed: must be {w} "
                             f"for max_blocks={max_blocks}")
    bw = 2 * iw + 2

    ww = bw + iw + 1                     # buffer word: {next_use, access}
    cnt_mem = [Signal(intbv(0)[iw + 1:]) for _ in range(max_blocks)]
    first_mem = [Signal(intbv(0)[iw:]) for _ in range(max_blocks)]
    nxt_mem = [Signal(intbv(0)[iw + 1:]) for _ in range(max_blocks)]  # {valid, row}

    state = Signal(intbv(A_CLEAR, min=0, max=4))
    clr = Signal(modbv(0)[iw:])
    idx = Signal(modbv(0)[aw:])
    n_acc = Signal(modbv(0)[aw:])       # index of the head's final access
    nb_last = Signal(intbv(0)[iw:])
    out_valid = Signal(bool(0))
    out_data = Signal(intbv(0)[3 * iw + 4:])

    in_row = Signal(intbv(0)[iw:])
    in_blk = Signal(intbv(0)[iw:])
    in_end = Signal(bool(0))
    rd_acc = Signal(intbv(0)[bw:])
    rd_row = Signal(intbv(0)[iw:])
    rd_blk = Signal(intbv(0)[iw:])
    blk_addr = Signal(intbv(0)[iw:])
    cnt_rd = Signal(intbv(0)[iw + 1:])
    first_rd = Signal(intbv(0)[iw:])
    nxt_rd = Signal(intbv(0)[iw + 1:])
    nu_rd = Signal(intbv(0)[iw + 1:])
    pin = Signal(bool(0))
    nb_cnt = Signal(intbv(0)[iw + 1:])
    span = Signal(modbv(0)[iw + 1:])
    out_free = Signal(bool(0))
    idx_nx = Signal(modbv(0)[aw:])
    nu_wd = Signal(intbv(0)[iw + 1:])
    buf_we = Signal(bool(0))
    buf_wd = Signal(intbv(0)[ww:])
    buf_q = Signal(intbv(0)[ww:])
    buf_byp = Signal(intbv(0)[ww:])
    buf_hit = Signal(bool(0))
    rd_word = Signal(intbv(0)[ww:])
    buf = ram_deep(clk, buf_we, idx, buf_wd, idx_nx, buf_q, depth=max_accesses, tag="acc")

    @always_comb
    def unpack():
        in_end.next = s_data[2 * iw + 1]
        in_row.next = s_data[2 * iw + 1:iw + 1]
        in_blk.next = s_data[iw + 1:1]

    @always_comb
    def idx_next():
        # the value ``idx`` takes at the next edge: the address of the registered buffer reads
        idx_nx.next = idx
        if rst:
            idx_nx.next = 0
        elif state == A_CLEAR:
            if clr == max_blocks - 1:
                idx_nx.next = 0
        elif state == A_COLLECT:
            if s_valid and not in_end:
                idx_nx.next = idx + 1
        elif state == A_BACK:
            if idx != 0:
                idx_nx.next = idx - 1
        elif state == A_EMIT:
            if out_free:
                if idx == n_acc:
                    idx_nx.next = 0
                else:
                    idx_nx.next = idx + 1

    @always_comb
    def nu_value():
        if nxt_rd[iw]:
            nu_wd.next = concat(False, nxt_rd[iw:])
        else:
            nu_wd.next = 1 << iw

    @always_comb
    def buf_write():
        # collect writes the access (next use still unknown); the backward pass rewrites the word
        # it has just read with the access's next use
        buf_we.next = (state == A_COLLECT and s_valid) or state == A_BACK
        if state == A_COLLECT:
            buf_wd.next = concat(intbv(0)[iw + 1:], s_data)
        else:
            buf_wd.next = concat(nu_wd, rd_acc)

    @always(clk.posedge)
    def buf_read_bypass():
        # a word written at the same edge to the address being read (registered, read-first) is forwarded
        buf_hit.next = buf_we and idx == idx_nx
        buf_byp.next = buf_wd

    @always_comb
    def buf_read():
        if buf_hit:
            rd_word.next = buf_byp
        else:
            rd_word.next = buf_q

    @always_comb
    def acc_read():
        rd_acc.next = rd_word[bw:]
        nu_rd.next = rd_word[ww:bw]

    @always_comb
    def acc_fields():
        rd_row.next = rd_acc[2 * iw + 1:iw + 1]
        rd_blk.next = rd_acc[iw + 1:1]

    @always_comb
    def table_addr():
        if state == A_COLLECT:
            blk_addr.next = in_blk
        elif state == A_CLEAR:
            blk_addr.next = clr
        else:
            blk_addr.next = rd_blk

    @always_comb
    def table_read():
        cnt_rd.next = cnt_mem[blk_addr]
        first_rd.next = first_mem[blk_addr]
        nxt_rd.next = nxt_mem[blk_addr]

    @always_comb
    def pinnable():
        nb_cnt.next = nb_last + 1

    @always_comb
    def span_calc():
        span.next = nb_cnt - first_rd

    @always_comb
    def pin_calc():
        pin.next = cnt_rd == span

    @always_comb
    def handshakes():
        out_free.next = m_ready or not out_valid
        s_ready.next = state == A_COLLECT
        m_valid.next = out_valid
        m_data.next = out_data

    @always(clk.posedge)
    def cnt_write():
        if state == A_CLEAR:
            cnt_mem[blk_addr].next = 0
        elif state == A_COLLECT and s_valid:
            cnt_mem[blk_addr].next = cnt_rd + 1

    @always(clk.posedge)
    def first_write():
        if state == A_COLLECT and s_valid and cnt_rd == 0:
            first_mem[blk_addr].next = in_row

    @always(clk.posedge)
    def nxt_write():
        if state == A_CLEAR:
            nxt_mem[blk_addr].next = 0
        elif state == A_BACK:
            nxt_mem[blk_addr].next = concat(True, rd_row)

    @always_seq(clk.posedge, reset=rst)
    def control():
        idx.next = idx_nx
        if m_ready:
            out_valid.next = False
        if state == A_CLEAR:
            clr.next = clr + 1
            if clr == max_blocks - 1:
                clr.next = 0
                state.next = A_COLLECT
        elif state == A_COLLECT:
            if s_valid:
                if in_end:
                    n_acc.next = idx
                    nb_last.next = in_row
                    state.next = A_BACK
        elif state == A_BACK:
            if idx == 0:
                state.next = A_EMIT
        elif state == A_EMIT:
            if out_free:
                out_valid.next = True
                out_data.next = concat(nu_rd, pin, rd_acc)
                if idx == n_acc:
                    state.next = A_CLEAR

    return (buf, unpack, idx_next, nu_value, buf_write, buf_read_bypass, buf_read, acc_read, acc_fields, table_addr,
            table_read, pinnable, span_calc, pin_calc, handshakes, cnt_write, first_write, nxt_write, control)
