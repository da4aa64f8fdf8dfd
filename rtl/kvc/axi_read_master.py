"""KVC AXI4 read master: one fetch command (line, block) becomes the K and V bursts of that block.

Computes: for each command accepted on ``cmd_valid``/``cmd_ready`` it issues ``2 * half_beats /
burst_beats`` INCR bursts of ``burst_beats`` beats (K bursts first, then V), at
``k_base + block * half_bytes + i * burst_bytes`` and ``v_base + block * half_bytes + ...``
(``half_bytes = half_beats * axi_width / 8``: one block of K, ``B x D`` elements). Every R beat is
written into the cache line through the write port (``wr_en``, ``wr_line``, ``wr_off`` = beat index
inside the line, K beats ``0 .. half_beats-1`` then V beats, ``wr_data``); the last beat of a
block's last burst pulses ``fill_valid`` with the line.

AXI4 rules kept: ARVALID stays high and ARADDR/ARLEN/ARSIZE/ARBURST/ARID stay stable until
ARREADY; at most ``max_outstanding`` bursts are in flight (AR accepted, RLAST not yet seen); every
burst uses the one ARID ``axi_id``, so R beats return in order; RREADY is high exactly while a burst
is in flight. Bursts never cross a 4 KiB boundary when the bases are ``half_bytes`` aligned (the
configuration keeps ``burst_beats * axi_width / 8 <= 4096``).

Errors are sticky (``err`` until reset), never silent: RRESP other than OKAY, an RID other than
``axi_id``, or RLAST on the wrong beat. The data of such a beat is still written (the stream never
hangs), but ``err`` tells the host the head's output is invalid.

``part``: ``"kv"`` (above), ``"k"`` (the K bursts only, ``fill_valid`` after the K half) or ``"v"``
(the V bursts only, written at line offsets ``half_beats ..``): the KV cache's split fill, K and V of
a block on two AXI ports (docs/kvc.md).

Latency: the burst address is added in two registered halves (the low half with its carry, then
the high half: no adder wider than ``aw / 2`` bits in one cycle, for 300 MHz), so an AR is issued
three cycles after a command is taken and three cycles after each AR handshake (``ADDR_CYCLES``);
R beats are accepted at full rate.
"""

from __future__ import annotations

from myhdl import Signal, always, always_comb, block, concat, intbv, modbv

from ..common.params import check_int, check_pow2
from .burst_address import kvc_burst_address

PARTS = ("kv", "k", "v")
ADDR_CYCLES = 3   # command taken (or AR handshake) -> the next AR issued: two adder stages + issue


def _log2(name: str, v: int, lo: int, hi: int) -> int:
    return check_pow2("kvc_axi_read_master", name, v, lo, hi)


@block
def kvc_axi_read_master(clk, rst, cmd_valid, cmd_ready, cmd_line, cmd_block, k_base, v_base,
                        m_axi, wr_en, wr_line, wr_off, wr_data,
                        fill_valid, fill_line, err, half_beats=8, burst_beats=8, max_outstanding=2, axi_id=0,
                        part="kv"):
    if part not in PARTS:
        raise ValueError(f"kvc_axi_read_master field 'part' = {part!r} is not allowed: must be one of {PARTS}")
    axw = len(m_axi.rdata)
    lb_axw = _log2("axi_width", axw, 8, 1024)
    lb_half = _log2("half_beats", half_beats, 1, 1 << 16)
    lb_burst = _log2("burst_beats", burst_beats, 1, min(256, half_beats))
    if burst_beats * axw // 8 > 4096:
        raise ValueError(f"kvc_axi_read_master field 'burst_beats' = {burst_beats} is not allowed: "
                         f"a burst of {burst_beats * axw // 8} bytes would cross 4 KiB; must be <= {4096 * 8 // axw}")
    check_int("kvc_axi_read_master", "max_outstanding", max_outstanding, 1, 64)
    idw = len(m_axi.arid)
    if not 0 <= axi_id < (1 << idw):
        raise ValueError(f"kvc_axi_read_master field 'axi_id' = {axi_id!r} is not allowed: must be in [0, {(1 << idw) - 1}]")
    lw = len(cmd_line)
    tag_bits = len(cmd_block)
    aw = len(m_axi.araddr)
    lb_half_bytes = lb_half + lb_axw - 3
    lb_burst_bytes = lb_burst + lb_axw - 3
    nbursts = 2 * half_beats // burst_beats          # bursts per block (K and V)
    bw = nbursts.bit_length() - 1                    # burst index width (nbursts >= 2)
    lb_hb = bw - 1                                   # bits of the burst index inside a half
    kbw = lb_half + 1                                # beat index inside a line (K then V)
    if len(wr_off) != kbw:
        raise ValueError(f"kvc_axi_read_master field 'wr_off' width = {len(wr_off)} is not allowed: must be {kbw}")
    qd = 1
    while qd < max_outstanding:
        qd *= 2
    qw = max(1, qd.bit_length() - 1)
    qd = 1 << qw
    beat_w = max(1, lb_burst)
    half_bursts = nbursts // 2
    first_burst = half_bursts if part == "v" else 0            # part "v": the V bursts only
    last_burst = half_bursts - 1 if part == "k" else nbursts - 1   # part "k": the K bursts only
    size_code = lb_axw - 3

    busy = Signal(bool(0))
    c_line = Signal(intbv(0)[lw:])
    c_block = Signal(intbv(0)[tag_bits:])
    c_burst = Signal(intbv(0)[bw:])
    arvalid = Signal(bool(0))
    araddr = Signal(intbv(0)[aw:])
    outs = Signal(intbv(0, min=0, max=max_outstanding + 1))
    q_line = [Signal(intbv(0)[lw:]) for _ in range(qd)]
    q_burst = [Signal(intbv(0)[bw:]) for _ in range(qd)]
    q_wr = Signal(modbv(0)[qw:])
    q_rd = Signal(modbv(0)[qw:])
    beat = Signal(intbv(0)[beat_w:])
    r_line = Signal(intbv(0)[lw:])
    r_burst = Signal(intbv(0)[bw:])
    ar_fire = Signal(bool(0))
    r_fire = Signal(bool(0))
    r_end = Signal(bool(0))
    next_addr = Signal(modbv(0)[aw:])
    addr_age = Signal(intbv(0, min=0, max=ADDR_CYCLES))
    err_r = Signal(bool(0))

    @always_comb
    def ports():
        cmd_ready.next = not busy and not rst
        m_axi.arvalid.next = arvalid
        m_axi.araddr.next = araddr
        m_axi.arlen.next = burst_beats - 1
        m_axi.arsize.next = size_code
        m_axi.arburst.next = 1
        m_axi.arid.next = axi_id
        m_axi.rready.next = outs != 0
        err.next = err_r

    @always_comb
    def handshakes():
        ar_fire.next = arvalid and m_axi.arready
        r_fire.next = m_axi.rvalid and outs != 0
        r_line.next = q_line[q_rd]
        r_burst.next = q_burst[q_rd]

    @always_comb
    def end_of_burst():
        r_end.next = beat == burst_beats - 1

    if lb_hb > 0 and lb_burst_bytes < 1:
        raise ValueError(f"kvc_axi_read_master field 'axi_width' = {axw} is not allowed with 1-beat bursts "
                         f"and several bursts per block half: must be >= 16")
    # the burst's address (burst_address.py): base + block and burst offsets, in two registered halves
    addr = kvc_burst_address(clk, c_block, c_burst, k_base, v_base, next_addr, lb_half_bytes=lb_half_bytes,
                             lb_burst_bytes=lb_burst_bytes)

    @always_comb
    def write_port():
        wr_en.next = m_axi.rvalid and outs != 0
        wr_line.next = r_line
        wr_data.next = m_axi.rdata
        fill_valid.next = m_axi.rvalid and outs != 0 and beat == burst_beats - 1 and r_burst == last_burst
        fill_line.next = r_line

    if lb_burst == 0:
        @always_comb
        def offset():
            wr_off.next = r_burst
    else:
        @always_comb
        def offset():
            wr_off.next = concat(r_burst, beat[lb_burst:])

    @always(clk.posedge)
    def issue():
        if rst:
            busy.next = False
            arvalid.next = False
            c_burst.next = first_burst
            addr_age.next = 0
        else:
            if addr_age < ADDR_CYCLES - 1:
                addr_age.next = addr_age + 1
            if not busy:
                if cmd_valid:
                    busy.next = True
                    c_line.next = cmd_line
                    c_block.next = cmd_block
                    c_burst.next = first_burst
                    addr_age.next = 0
            elif arvalid:
                if m_axi.arready:
                    arvalid.next = False
                    addr_age.next = 0
                    if c_burst == last_burst:
                        busy.next = False
                        c_burst.next = first_burst
                    else:
                        c_burst.next = c_burst + 1
            elif outs < max_outstanding and addr_age == ADDR_CYCLES - 1:
                arvalid.next = True
                araddr.next = next_addr

    @always(clk.posedge)
    def inflight_queue():
        if ar_fire:
            q_line[q_wr].next = c_line
            q_burst[q_wr].next = c_burst

    @always(clk.posedge)
    def tracking():
        if rst:
            outs.next = 0
            q_wr.next = 0
            q_rd.next = 0
            beat.next = 0
            err_r.next = False
        else:
            if ar_fire:
                q_wr.next = q_wr + 1
            if r_fire and r_end:
                q_rd.next = q_rd + 1
                beat.next = 0
            elif r_fire:
                beat.next = beat + 1
            if ar_fire and not (r_fire and r_end):
                outs.next = outs + 1
            elif r_fire and r_end and not ar_fire:
                outs.next = outs - 1
            if r_fire and (m_axi.rresp != 0 or m_axi.rid != axi_id or m_axi.rlast != r_end):
                err_r.next = True

    return ports, handshakes, end_of_burst, addr, write_port, offset, issue, inflight_queue, tracking
