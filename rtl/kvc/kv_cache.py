"""KV cache (KVC) top: request stream -> tag decisions -> AXI4 HBM reads -> two tiers -> K/V stream.

Request stream ``s_valid``/``s_ready``/``s_data`` (one beat per access, in the block-list builder's
order): ``s_data = {pinnable, next_use, row, block}`` with ``block`` and ``row`` of ``tag_bits`` bits
and ``next_use`` of ``tag_bits + 1`` bits (the row of the block's next use, DEAD = all ones).
Response stream ``m_valid``/``m_ready``/``m_data`` (``R * axi_width`` bits, ``R = len(m_data) /
len(m_axi_rdata)`` a power of two dividing ``half_beats``): for every legal request, in request
order, ``2 * half_beats / R`` words: the block's K (``half_beats`` AXI beats, ``B x D`` elements,
row-major as in HBM) then its V, ``R`` consecutive beats to a word, the first in the low bits. With
``R = 8 D / axi_width`` a word is one K or V row: the attention engine gets a whole row a cycle.

HBM layout: block ``b`` of K is the ``half_bytes = half_beats * axi_width / 8`` bytes at
``k_base + b * half_bytes``, of V at ``v_base + b * half_bytes`` (bases ``half_bytes`` aligned).

Pipeline (docs/kvc.md): the request register feeds the tag store (:mod:`.tag_store`), which decides
hit / miss / line in request order, up to ``prefetch_depth`` requests ahead of the one being
delivered (tickets in flight <= ``prefetch_depth + 1``). Each miss becomes a fetch command for the
AXI read master (:mod:`.axi_read_master`), so HBM reads of known future misses overlap delivery.
The tier RAMs hold ``R``-beat words: a fill packs every ``R`` consecutive AXI beats of a line into one
word write (the beats of a line arrive consecutively: one ARID, the line's bursts issued back to
back), and delivery reads one word a cycle.
A ticket is delivered when its line has finished loading; a line is never overwritten while a
ticket still refers to it, so the decisions (and the HBM read count) are exactly the golden
``liveness_reads`` ones whatever the prefetch depth and latencies.

Split fill (the optional ``m_axi_v`` port given, an ``AxiRead``; ``kv_read_ports = 2``, docs/kvc.md): the
K half of a missed block is read on ``m_axi_*`` and its V half on ``m_axi_v_*`` at the same time,
by two read masters (``part = "k"`` / ``"v"``) that take each fetch command in the same cycle, into
separate K and V tier RAMs; each side's fills complete in command order and a counter (K fills less
V fills) pairs them, so a line is loaded once both halves are in. Responses, decisions and HBM
read counts are the one-port cache's; a fill takes ``half_beats`` beats on each port instead of
``2 half_beats`` on one.

Errors (sticky until ``rst``): ``err_axi`` (RRESP error, wrong RID or RLAST on either port), ``err_req`` (a request
with ``block >= n_blocks`` or ``row >= n_blocks``: it is dropped, gets no response and changes no
state). ``rst`` between heads clears all state.
"""

from __future__ import annotations

from myhdl import Signal, always, always_comb, block, concat, intbv, modbv

from ..common.params import check_int
from ..stream.fifo import stream_fifo
from ..stream.interface import Stream
from .axi_read_master import kvc_axi_read_master
from .row_packer import kvc_row_packer
from .tag_store import kvc_tag_store, line_bits
from .tier_ram import kvc_tier_ram

OUT_DEPTH = 4  # output buffer beats (covers the RAM's read latency at full rate)


def request_width(tag_bits: int) -> int:
    return 3 * tag_bits + 2


def pack_request(block: int, row: int, next_use: int, pinnable: bool, tag_bits: int) -> int:
    """``s_data`` of one access; ``next_use`` < 0 (DEAD) becomes all ones."""
    nu = (1 << (tag_bits + 1)) - 1 if next_use < 0 else next_use
    return (int(pinnable) << (3 * tag_bits + 1)) | (nu << (2 * tag_bits)) | (row << tag_bits) | block


@block
def kv_cache(clk, rst, n_blocks, k_base, v_base, s, m, m_axi, err_axi, err_req, pinned=2, managed=4, half_beats=8, burst_beats=8, prefetch_depth=2,
             max_outstanding=2, axi_id=0, m_axi_v=None):
    tag_bits = len(n_blocks) - 1
    split = m_axi_v is not None                  # the V fill port (an AxiRead) given
    if len(s.data) != request_width(tag_bits):
        raise ValueError(f"kv_cache field 's_data' width = {len(s.data)} is not allowed: must be {request_width(tag_bits)}")
    check_int("kv_cache", "prefetch_depth", prefetch_depth, 0, 64)
    axw = len(m_axi.rdata)
    ow = len(m.data)
    R = ow // axw
    if ow % axw or R & (R - 1) or half_beats % R:
        raise ValueError(f"kv_cache field 'm_data' width = {ow} is not allowed: must be R * {axw} (m_axi_rdata "
                         f"width) with R a power of two dividing half_beats={half_beats}")
    lbr = R.bit_length() - 1                     # beat index bits inside a word
    nw = tag_bits + 1
    L = pinned + managed
    lw = line_bits(L)
    T = prefetch_depth + 1                       # tickets (decided, undelivered requests) in flight
    tq = 1
    while tq < T:
        tq *= 2
    tqw = max(1, tq.bit_length() - 1)
    tq = 1 << tqw
    kbw = half_beats.bit_length()                # beat index inside a line: K then V
    wbw = kbw - lbr                              # word index inside a line
    last_beat = 2 * half_beats // R - 1          # last word of a line
    plw = line_bits(pinned)
    mlw = line_bits(managed)
    if split and (len(m_axi_v.rdata) != axw or half_beats // R < 2):
        raise ValueError(f"kv_cache field 'm_axi_v_rdata' width = {len(m_axi_v.rdata)} with {half_beats // R} "
                         f"word(s) a block half is not allowed: must be {axw} bits (m_axi_rdata) and >= 2 words")
    hww = wbw - 1 if split else wbw              # RAM word index bits: a half's words (split) or a line's

    # Request register.
    req_full = Signal(bool(0))
    req_block = Signal(intbv(0)[tag_bits:])
    req_nu = Signal(intbv(0)[nw:])
    req_pin = Signal(bool(0))
    in_block = Signal(intbv(0)[tag_bits:])
    in_row = Signal(intbv(0)[tag_bits:])
    in_nu = Signal(intbv(0)[nw:])
    in_pin = Signal(bool(0))
    in_bad = Signal(bool(0))
    err_req_r = Signal(bool(0))

    # Tag store.
    ts_ready = Signal(bool(0))
    room = Signal(bool(0))
    dec_line = Signal(intbv(0)[lw:])
    dec_miss = Signal(bool(0))
    dec_fire = Signal(bool(0))
    rel_valid = Signal(bool(0))
    rel_line = Signal(intbv(0)[lw:])
    fill_valid = Signal(bool(0))
    fill_line = Signal(intbv(0)[lw:])
    head_line = Signal(intbv(0)[lw:])
    head_loading = Signal(bool(0))

    # Ticket queue (lines of decided requests, in order) and fetch queue (misses).
    tix = Signal(intbv(0, min=0, max=T + 1))
    tq_line = [Signal(intbv(0)[lw:]) for _ in range(tq)]
    tq_wr = Signal(modbv(0)[tqw:])
    tq_rd = Signal(modbv(0)[tqw:])
    fq_line = [Signal(intbv(0)[lw:]) for _ in range(tq)]
    fq_block = [Signal(intbv(0)[tag_bits:]) for _ in range(tq)]
    fq_wr = Signal(modbv(0)[tqw:])
    fq_rd = Signal(modbv(0)[tqw:])
    fq_cnt = Signal(intbv(0, min=0, max=tq + 1))
    cmd_valid = Signal(bool(0))
    cmd_ready = Signal(bool(0))
    cmd_line = Signal(intbv(0)[lw:])
    cmd_block = Signal(intbv(0)[tag_bits:])

    # Fill path (AXI master -> tier RAMs).
    wr_en = Signal(bool(0))
    wr_line = Signal(intbv(0)[lw:])
    wr_off = Signal(intbv(0)[kbw:])
    wr_data = Signal(intbv(0)[axw:])
    wr_local = Signal(modbv(0)[lw:])
    wr_word = Signal(intbv(0)[ow:])              # the word written: R packed beats
    wr_word_en = Signal(bool(0))                 # the beat completes a word
    wr_woff = Signal(intbv(0)[wbw:])             # its word index inside the line
    p_we = Signal(bool(0))
    m_we = Signal(bool(0))
    p_waddr = Signal(intbv(0)[plw + hww:])
    m_waddr = Signal(intbv(0)[mlw + hww:])

    # Delivery path (tier RAMs -> output buffer -> m_*).
    dbeat = Signal(intbv(0)[wbw:])               # word of the head line being read
    rd_go = Signal(bool(0))
    rd_local = Signal(modbv(0)[lw:])
    rd_pinned = Signal(bool(0))
    p_re = Signal(bool(0))
    m_re = Signal(bool(0))
    p_raddr = Signal(intbv(0)[plw + hww:])
    m_raddr = Signal(intbv(0)[mlw + hww:])
    p_rdata = Signal(intbv(0)[ow:])
    m_rdata = Signal(intbv(0)[ow:])
    rd_vld = Signal(bool(0))
    rd_tier = Signal(bool(0))
    ob_data = Signal(intbv(0)[ow:])
    ob_ready = Signal(bool(0))
    ob_cnt = Signal(intbv(0, min=0, max=OUT_DEPTH + 1))
    out_fire = Signal(bool(0))

    tags = kvc_tag_store(clk, rst, req_full, ts_ready, req_block, req_nu, req_pin, room, dec_line, dec_miss,
                         rel_valid, rel_line, fill_valid, fill_line, head_line, head_loading,
                         pinned=pinned, managed=managed, max_readers=T)
    if not split:   # one fill port: one master writes a line's K then V into one RAM per tier
        master = kvc_axi_read_master(clk, rst, cmd_valid, cmd_ready, cmd_line, cmd_block, k_base, v_base,
                                     m_axi, wr_en, wr_line, wr_off, wr_data,
                                     fill_valid, fill_line, err_axi, half_beats=half_beats,
                                     burst_beats=burst_beats, max_outstanding=max_outstanding, axi_id=axi_id)
        pinned_ram = kvc_tier_ram(clk, p_we, p_waddr, wr_word, p_re, p_raddr, p_rdata, style="ultra", tag="pinned")
        managed_ram = kvc_tier_ram(clk, m_we, m_waddr, wr_word, m_re, m_raddr, m_rdata, style="block", tag="managed")
    out_buf = stream_fifo(clk, rst, Stream.of(rd_vld, ob_ready, ob_data), m,
                          depth=OUT_DEPTH)

    @always_comb
    def unpack():
        in_block.next = s.data[tag_bits:]
        in_row.next = s.data[2 * tag_bits:tag_bits]
        in_nu.next = s.data[3 * tag_bits + 1:2 * tag_bits]
        in_pin.next = s.data[3 * tag_bits + 1]

    @always_comb
    def legality():
        in_bad.next = concat(False, in_block) >= n_blocks or concat(False, in_row) >= n_blocks

    @always_comb
    def control():
        s.ready.next = not req_full and not rst
        room.next = tix < T
        dec_fire.next = req_full and ts_ready
        err_req.next = err_req_r
        head_line.next = tq_line[tq_rd]
        cmd_valid.next = fq_cnt != 0
        cmd_line.next = fq_line[fq_rd]
        cmd_block.next = fq_block[fq_rd]
        out_fire.next = m.valid and m.ready

    @always_comb
    def delivery():
        go = tix != 0 and not head_loading and ob_cnt < OUT_DEPTH and ob_ready
        rd_go.next = go
        rel_valid.next = go and dbeat == last_beat
        rel_line.next = head_line
        rd_pinned.next = head_line < pinned
        rd_local.next = head_line - pinned

    if R == 1:   # one beat a word: nothing to pack
        @always_comb
        def packing():
            wr_word.next = wr_data
            wr_word_en.next = wr_en
            wr_woff.next = wr_off
    else:
        packing = kvc_row_packer(clk, wr_en, wr_off, wr_data, wr_word, wr_word_en, wr_woff)

    if not split:   # the one-port tiers: read and write ports
        @always_comb
        def read_ports():
            p_re.next = rd_go and rd_pinned
            m_re.next = rd_go and rd_local < managed  # wraps to >= managed for pinned lines
            p_raddr.next = concat(head_line[plw:], dbeat)
            m_raddr.next = concat(rd_local[mlw:], dbeat)
            if rd_tier:
                ob_data.next = p_rdata
            else:
                ob_data.next = m_rdata

        @always_comb
        def write_ports():
            wr_local.next = wr_line - pinned
            p_we.next = wr_word_en and wr_line < pinned
            m_we.next = wr_word_en and wr_local < managed  # wraps to >= managed for pinned lines

        @always_comb
        def write_addr():
            p_waddr.next = concat(wr_line[plw:], wr_woff)
            m_waddr.next = concat(wr_local[mlw:], wr_woff)

    @always(clk.posedge)
    def queues():
        if dec_fire:
            tq_line[tq_wr].next = dec_line
            if dec_miss:
                fq_line[fq_wr].next = dec_line
                fq_block[fq_wr].next = req_block

    @always(clk.posedge)
    def sequencing():
        if rst:
            req_full.next = False
            err_req_r.next = False
            tix.next = 0
            tq_wr.next = 0
            tq_rd.next = 0
            fq_wr.next = 0
            fq_rd.next = 0
            fq_cnt.next = 0
            dbeat.next = 0
            rd_vld.next = False
            ob_cnt.next = 0
        else:
            # request register
            if s.valid and not req_full:
                if in_bad:
                    err_req_r.next = True
                else:
                    req_full.next = True
                    req_block.next = in_block
                    req_nu.next = in_nu
                    req_pin.next = in_pin
            elif dec_fire:
                req_full.next = False
            # tickets
            if dec_fire:
                tq_wr.next = tq_wr + 1
            if rel_valid:
                tq_rd.next = tq_rd + 1
            if dec_fire and not rel_valid:
                tix.next = tix + 1
            elif rel_valid and not dec_fire:
                tix.next = tix - 1
            # fetch commands
            cmd_fire = cmd_valid and cmd_ready
            push = dec_fire and dec_miss
            if push:
                fq_wr.next = fq_wr + 1
            if cmd_fire:
                fq_rd.next = fq_rd + 1
            if push and not cmd_fire:
                fq_cnt.next = fq_cnt + 1
            elif cmd_fire and not push:
                fq_cnt.next = fq_cnt - 1
            # delivery
            if rd_go:
                if dbeat == last_beat:
                    dbeat.next = 0
                else:
                    dbeat.next = dbeat + 1
            rd_vld.next = rd_go
            rd_tier.next = rd_pinned
            if rd_go and not out_fire:
                ob_cnt.next = ob_cnt + 1
            elif out_fire and not rd_go:
                ob_cnt.next = ob_cnt - 1

    if split:
        # Split fill (docs/kvc.md): K bursts on m_axi_*, V bursts on m_axi_v_*, both masters taking
        # each fetch command in the same cycle; K and V in separate tier RAMs (one write port each);
        # a line is loaded once both halves are (the fills of each side complete in command order).
        ck_valid, ck_ready, cv_valid, cv_ready = (Signal(bool(0)) for _ in range(4))
        fk_valid, fv_valid, err_k, err_v = (Signal(bool(0)) for _ in range(4))
        fk_line, fv_line = Signal(intbv(0)[lw:]), Signal(intbv(0)[lw:])
        fdiff = Signal(intbv(0, min=-(tq + 2), max=tq + 3))   # K fills done - V fills done
        v_wr_en = Signal(bool(0))
        v_wr_line = Signal(intbv(0)[lw:])
        v_wr_off = Signal(intbv(0)[kbw:])
        v_wr_data = Signal(intbv(0)[axw:])
        v_wr_local = Signal(modbv(0)[lw:])
        v_word = Signal(intbv(0)[ow:])
        v_word_en = Signal(bool(0))
        v_woff = Signal(intbv(0)[wbw:])
        pv_we, mv_we, pv_re, mv_re, rd_half = (Signal(bool(0)) for _ in range(5))
        pv_waddr = Signal(intbv(0)[plw + hww:])
        mv_waddr = Signal(intbv(0)[mlw + hww:])
        pv_rdata = Signal(intbv(0)[ow:])
        mv_rdata = Signal(intbv(0)[ow:])
        master_k = kvc_axi_read_master(clk, rst, ck_valid, ck_ready, cmd_line, cmd_block, k_base, v_base,
                                       m_axi, wr_en, wr_line, wr_off, wr_data,
                                       fk_valid, fk_line, err_k, half_beats=half_beats, burst_beats=burst_beats,
                                       max_outstanding=max_outstanding, axi_id=axi_id, part="k")
        master_v = kvc_axi_read_master(clk, rst, cv_valid, cv_ready, cmd_line, cmd_block, k_base, v_base,
                                       m_axi_v,
                                       v_wr_en, v_wr_line, v_wr_off, v_wr_data, fv_valid, fv_line, err_v,
                                       half_beats=half_beats, burst_beats=burst_beats,
                                       max_outstanding=max_outstanding, axi_id=axi_id, part="v")
        pinned_k = kvc_tier_ram(clk, p_we, p_waddr, wr_word, p_re, p_raddr, p_rdata, style="ultra", tag="pinned_k")
        pinned_v = kvc_tier_ram(clk, pv_we, pv_waddr, v_word, pv_re, p_raddr, pv_rdata, style="ultra", tag="pinned_v")
        managed_k = kvc_tier_ram(clk, m_we, m_waddr, wr_word, m_re, m_raddr, m_rdata, style="block", tag="managed_k")
        managed_v = kvc_tier_ram(clk, mv_we, mv_waddr, v_word, mv_re, m_raddr, mv_rdata, style="block",
                                 tag="managed_v")

        @always_comb
        def split_cmd():
            cmd_ready.next = ck_ready and cv_ready
            ck_valid.next = cmd_valid and cv_ready
            cv_valid.next = cmd_valid and ck_ready
            err_axi.next = err_k or err_v

        @always_comb
        def split_fill():
            if fk_valid and (fdiff < 0 or (fv_valid and fdiff == 0)):
                fill_valid.next = True          # K completes the oldest line whose V is in
                fill_line.next = fk_line
            elif fv_valid and fdiff > 0:
                fill_valid.next = True          # V completes the oldest line whose K is in
                fill_line.next = fv_line
            else:
                fill_valid.next = False
                fill_line.next = fk_line

        @always(clk.posedge)
        def split_count():
            if rst:
                fdiff.next = 0
            elif fk_valid and not fv_valid:
                fdiff.next = fdiff + 1
            elif fv_valid and not fk_valid:
                fdiff.next = fdiff - 1

        if R == 1:
            @always_comb
            def v_packing():
                v_word.next = v_wr_data
                v_word_en.next = v_wr_en
                v_woff.next = v_wr_off
        else:
            v_packing = kvc_row_packer(clk, v_wr_en, v_wr_off, v_wr_data, v_word, v_word_en, v_woff)

        @always_comb
        def split_writes():
            wr_local.next = wr_line - pinned
            v_wr_local.next = v_wr_line - pinned
            # a word's top index bit says K (0) or V (1) half: the K RAMs take only K words, the
            # V RAMs only V words (each master writes only its own half)
            p_we.next = wr_word_en and wr_line < pinned and not wr_woff[hww]
            m_we.next = wr_word_en and wr_local < managed and not wr_woff[hww]   # wraps for pinned lines
            pv_we.next = v_word_en and v_wr_line < pinned and v_woff[hww]
            mv_we.next = v_word_en and v_wr_local < managed and v_woff[hww]
            p_waddr.next = concat(wr_line[plw:], wr_woff[hww:])
            m_waddr.next = concat(wr_local[mlw:], wr_woff[hww:])
            pv_waddr.next = concat(v_wr_line[plw:], v_woff[hww:])
            mv_waddr.next = concat(v_wr_local[mlw:], v_woff[hww:])

        @always_comb
        def split_reads():
            p_re.next = rd_go and rd_pinned and not dbeat[hww]
            pv_re.next = rd_go and rd_pinned and dbeat[hww]
            m_re.next = rd_go and rd_local < managed and not dbeat[hww]
            mv_re.next = rd_go and rd_local < managed and dbeat[hww]
            p_raddr.next = concat(head_line[plw:], dbeat[hww:])
            m_raddr.next = concat(rd_local[mlw:], dbeat[hww:])
            if rd_tier:
                if rd_half:
                    ob_data.next = pv_rdata
                else:
                    ob_data.next = p_rdata
            elif rd_half:
                ob_data.next = mv_rdata
            else:
                ob_data.next = m_rdata

        @always(clk.posedge)
        def split_half():
            rd_half.next = dbeat[hww]

    insts = [tags, out_buf, unpack, legality, control, delivery, packing, queues, sequencing]
    if split:
        insts += [master_k, master_v, pinned_k, pinned_v, managed_k, managed_v, split_cmd, split_fill,
                  split_count, v_packing, split_writes, split_reads, split_half]
    else:
        insts += [master, pinned_ram, managed_ram, read_ports, write_ports, write_addr]
    return insts
