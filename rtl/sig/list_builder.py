"""SIG block-list builder: per query-block row, the ascending key-block list of one head.

Computes, for one head with ``nb`` blocks, rows ``r = 0 .. nb-1`` in order, the golden model's
``block_lists.build_row``: the union of ``{0, r}``, the vertical blocks ``v <= r``, the blocks
``r - s`` of the slash offsets ``s <= r`` and the query-aware blocks of row ``r`` (every causal
block when the head is dense), strictly ascending, with a row-end marker on the final beat.

Ports (``IW = bits(max_blocks - 1)``):

* ``s_sel`` (``IW + 3`` bits): ``{last, kind[1:0], value[IW-1:0]}``. One head is a header beat
  (kind 0: normal, kind 1: dense; ``value = nb - 1``) followed, in the same or later beats, by
  vertical blocks (kind 2) and slash offsets (kind 3) in any order; ``last`` on the final beat of
  the head (a header with ``last`` set is a head with no vertical/slash entries). Header kinds
  after the header and values above ``nb - 1`` are ignored.
* ``s_extra`` (``2 IW + 1`` bits): ``{end, row[IW-1:0], col[IW-1:0]}``, the query-aware blocks
  of the head in ascending flat order ``row * nb + col``, closed by one beat with ``end = 1``
  (a head without query-aware blocks sends only that beat). Entries the scan has already passed
  (out of order, duplicates, ``col > row``) are dropped.
* ``m`` (``2 IW + 2`` bits): ``{head_end, row[IW-1:0], block[IW-1:0], last}``: the stream form of
  ``block_lists.to_stream`` with the row added; ``last`` closes each row, ``head_end`` marks the
  final beat of the head (``last`` of row ``nb - 1``).

Operation: after reset a clear phase zeroes the two bitmaps (``max_blocks`` cycles). Per head:
header, load (one cycle per ``s_sel`` beat, writes the vertical and slash bitmaps), scan (one
candidate ``(r, c)``, ``c = 0 .. r``, per cycle: ``nb (nb + 1) / 2`` cycles plus stalls; a
selected candidate is emitted in the same step), flush (drains ``s_extra`` up to its end beat),
drain (waits for the last beat to leave). The last row's scan clears every bitmap bit it reads,
so the next head starts from zero bitmaps without a clear phase.

Latency: the first beat of a head is valid one cycle after its last ``s_sel`` beat.
Throughput: one scan candidate per cycle while ``m_ready`` (or the output register is empty) and
``s_extra_valid`` are high.

Memories: two ``max_blocks x 1`` bitmaps (no reset), registered reads with enable of the position
the scan steps to along a row, at addresses kept in registers (``c + 1``, ``r - c - 1``): the read
address never waits for the step decision, and the bits equal an asynchronous read wherever the
scan uses them (a row's first position is always taken). The last row's clearing writes are made
one edge after each step.

Invariants (proved by k-induction, ``verify/properties/sig_list_builder.sv``): within a row the
blocks strictly increase, every block is ``<= row``, block 0 opens and block ``row`` closes each
row, ``last`` marks exactly the block equal to the row, rows arrive in order ``0 .. nb-1`` and a
head is complete before the next header is accepted; the output obeys the valid/ready rules.
"""

from __future__ import annotations

from myhdl import Signal, always, always_comb, always_seq, block, concat, enum, intbv, modbv

from ..common.widths import index_width  # noqa: F401  (re-exported: the SIG's block-index width)
from ..common.params import check_int
from ..common.ram import ram_1r1w
from .list_scan import list_scan

# states (binary, in this order: the proof names them by number)
BuilderState = enum("CLEAR", "HEADER", "LOAD", "SCAN", "FLUSH", "DRAIN")
CLEAR, HEADER, LOAD, SCAN, FLUSH, DRAIN = (getattr(BuilderState, name) for name in BuilderState._names)
# s_sel kinds
K_HEADER, K_DENSE, K_VERT, K_SLASH = range(4)




def _validate(name: str, max_blocks) -> None:
    check_int(name, "max_blocks", max_blocks, 2, 4096)


@block
def sig_list_builder(clk, rst, s_sel, s_extra, m, max_blocks=8):
    _validate("sig_list_builder", max_blocks)
    iw = index_width(max_blocks)
    for name, sig, w in (("s_sel_data", s_sel.data, iw + 3), ("s_extra_data", s_extra.data, 2 * iw + 1),
                         ("m_data", m.data, 2 * iw + 2)):
        if len(sig) != w:
            raise ValueError(f"sig_list_builder field '{name}' width = {len(sig)} is not allowed: "
                             f"must be {w} for max_blocks={max_blocks}")
    top = max_blocks - 1

    state = Signal(CLEAR)
    last_row = Signal(intbv(0)[iw:])
    dense = Signal(bool(0))
    r_cnt = Signal(modbv(0)[iw:])
    c_cnt = Signal(modbv(0)[iw:])
    clr_addr = Signal(modbv(0)[iw:])
    diff = Signal(modbv(0)[iw:])
    out_valid = Signal(bool(0))
    out_row = Signal(intbv(0)[iw:])
    out_blk = Signal(intbv(0)[iw:])
    out_last = Signal(bool(0))
    out_end = Signal(bool(0))

    sel_last = Signal(bool(0))
    sel_kind = Signal(intbv(0)[2:])
    sel_val = Signal(intbv(0)[iw:])
    x_end = Signal(bool(0))
    x_row = Signal(intbv(0)[iw:])
    x_col = Signal(intbv(0)[iw:])

    vert_rd = Signal(bool(0))
    c_inc = Signal(modbv(0)[iw:])      # c_cnt + 1 and diff - 1, kept as registers
    d_dec = Signal(modbv(0)[iw:])
    along = Signal(bool(0))
    slash_rd = Signal(bool(0))
    x_hit = Signal(bool(0))
    x_stale = Signal(bool(0))
    take = Signal(bool(0))
    out_free = Signal(bool(0))
    step = Signal(bool(0))
    row_done = Signal(bool(0))
    head_done = Signal(bool(0))

    v_we = Signal(bool(0))
    v_addr = Signal(intbv(0)[iw:])
    v_din = Signal(bool(0))
    s_we = Signal(bool(0))
    s_addr = Signal(intbv(0)[iw:])
    s_din = Signal(bool(0))
    # the last row's clearing writes, one edge after the step that reads the position
    clr_we = Signal(bool(0))
    clr_v = Signal(intbv(0)[iw:])
    clr_s = Signal(intbv(0)[iw:])

    @always_comb
    def unpack():
        sel_last.next = s_sel.data[iw + 2]
        sel_kind.next = s_sel.data[iw + 2:iw]
        sel_val.next = s_sel.data[iw:0]
        x_end.next = s_extra.data[2 * iw]
        x_row.next = s_extra.data[2 * iw:iw]
        x_col.next = s_extra.data[iw:0]

    # the scan position (list_scan.py): row, column, diagonal, and the next column and diagonal
    header, start = Signal(bool(0)), Signal(bool(0))

    @always_comb
    def scan_ctl():
        header.next = state == HEADER
        start.next = state == HEADER and s_sel.valid

    scan = list_scan(clk, rst, header, start, step, row_done, head_done, along, r_cnt, c_cnt, diff, c_inc, d_dec)

    # the two bitmaps: registered reads (enabled by ``along``) of the position the scan steps to
    # along a row, (r, c + 1), at addresses held in registers (c_inc, d_dec); a row's first position
    # (c = 0) is always taken, so its bits are never needed. The bits equal the bitmaps at (r, c)
    # whenever the scan uses them: the load's writes are done before the first step, and the last
    # row's clearing writes (one edge after each step) are at positions the scan has left.
    bitmaps = [ram_1r1w(clk, v_we, v_addr, v_din, c_inc, vert_rd, re=along),
               ram_1r1w(clk, s_we, s_addr, s_din, d_dec, slash_rd, re=along)]

    @always_comb
    def decide():
        x_hit.next = s_extra.valid and not x_end and x_row == r_cnt and x_col == c_cnt
        x_stale.next = s_extra.valid and not x_end and (x_row < r_cnt or (x_row == r_cnt and x_col < c_cnt))
        take.next = dense or c_cnt == 0 or c_cnt == r_cnt or vert_rd or slash_rd or (
            s_extra.valid and not x_end and x_row == r_cnt and x_col == c_cnt)
        out_free.next = m.ready or not out_valid
        row_done.next = c_cnt == r_cnt
        head_done.next = c_cnt == r_cnt and r_cnt == last_row

    @always_comb
    def stepper():
        step.next = (state == SCAN and s_extra.valid and out_free
                     and not (not x_end and (x_row < r_cnt or (x_row == r_cnt and x_col < c_cnt))))

    @always_comb
    def handshakes():
        s_sel.ready.next = state == HEADER or state == LOAD
        if state == SCAN:
            s_extra.ready.next = x_stale or (x_hit and step)
        elif state == FLUSH:
            s_extra.ready.next = s_extra.valid
        else:
            s_extra.ready.next = False
        m.valid.next = out_valid
        m.data.next = concat(out_end, out_row, out_blk, out_last)

    @always_comb
    def write_ctrl():
        v_we.next = False
        v_addr.next = c_cnt
        v_din.next = False
        s_we.next = False
        s_addr.next = diff
        s_din.next = False
        if state == CLEAR:
            v_we.next = True
            v_addr.next = clr_addr
            s_we.next = True
            s_addr.next = clr_addr
        elif state == LOAD:
            if s_sel.valid and sel_val <= last_row:
                v_addr.next = sel_val
                s_addr.next = sel_val
                v_din.next = True
                s_din.next = True
                v_we.next = sel_kind == K_VERT
                s_we.next = sel_kind == K_SLASH
        elif clr_we:
            v_addr.next = clr_v
            s_addr.next = clr_s
            v_we.next = True
            s_we.next = True

    @always_seq(clk.posedge, reset=rst)
    def control():
        clr_we.next = step and r_cnt == last_row
        clr_v.next = c_cnt
        clr_s.next = diff
        if m.ready:
            out_valid.next = False
        if state == CLEAR:
            clr_addr.next = clr_addr + 1
            if clr_addr == top:
                state.next = HEADER
        elif state == HEADER:
            if s_sel.valid:
                last_row.next = sel_val
                dense.next = sel_kind == K_DENSE
                state.next = SCAN if sel_last else LOAD
        elif state == LOAD:
            if s_sel.valid and sel_last:
                state.next = SCAN
        elif state == SCAN:
            if step:
                if take:
                    out_valid.next = True
                    out_row.next = r_cnt
                    out_blk.next = c_cnt
                    out_last.next = row_done
                    out_end.next = head_done
                if row_done:
                    if head_done:
                        state.next = FLUSH
        elif state == FLUSH:
            if s_extra.valid and x_end:
                state.next = DRAIN
        else:   # DRAIN (the chain converts to a case: the last state is its default)
            if not out_valid:
                state.next = HEADER

    return unpack, scan_ctl, scan, bitmaps, decide, stepper, handshakes, write_ctrl, control
