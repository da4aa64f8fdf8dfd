"""AXI4 read master that turns a (address, beats) command into a data stream.

Computes: for each command on ``s_cmd`` (``s_cmd_addr``: 64-bit byte address, aligned to one
burst; ``s_cmd_beats``: number of ``data_width``-bit beats, >= 1) it reads the ``beats`` words at
consecutive addresses and delivers them, in order, on ``m_valid``/``m_ready``/``m_data`` with
``m_last`` on the command's final beat.

AXI4 (one ID, ``axi_id``, so R returns in order): INCR bursts of ``burst_beats`` beats (the last
one shorter), never crossing 4 KiB because addresses are burst aligned and a burst is at most
4 KiB; ARVALID held and AR fields stable until ARREADY; at most ``max_outstanding`` bursts in
flight. RREADY is high whenever a burst is in flight: an AR is only issued when the output FIFO
(``fifo_depth`` beats) has room reserved for the whole burst, so the R channel never stalls the
interconnect (the usual rule for HBM masters) and back-pressure on ``m_ready`` only delays ARs.

Errors are sticky (``err`` until reset) and never silent: RRESP not OKAY, RID not ``axi_id``,
RLAST on the wrong beat, or a beat the FIFO cannot take (impossible by the credit rule; proved); the beat is still delivered so the stream never hangs.

Latency: the first AR one cycle after the command; data leaves through the FIFO one cycle after
its R beat. Throughput: one beat per cycle once bursts are in flight.
"""

from __future__ import annotations

from myhdl import Signal, always_comb, always_seq, block, intbv, modbv

from ..common.params import check_int, check_pow2
from ..stream.fifo import stream_fifo
from ..stream.interface import Stream
from .burst_address import axi_burst_address


def _pow2(name: str, v, lo: int, hi: int) -> int:
    return check_pow2("axi_stream_reader", name, v, lo, hi)


@block
def axi_stream_reader(clk, rst, s_cmd, m_axi, m, m_last, err, burst_beats=16, fifo_depth=32, max_outstanding=2, axi_id=0):
    dw = len(m_axi.rdata)
    lb_bytes = _pow2("data_width", dw, 32, 1024) - 3
    lb_burst = _pow2("burst_beats", burst_beats, 1, 256)
    if burst_beats << lb_bytes > 4096:
        raise ValueError(f"axi_stream_reader field 'burst_beats' = {burst_beats} is not allowed: "
                         f"must be a power of two in [1, {4096 >> lb_bytes}] (a burst of at most 4 KiB)")
    _pow2("fifo_depth", fifo_depth, burst_beats, 4096)
    check_int("axi_stream_reader", "max_outstanding", max_outstanding, 1, 16)
    if len(m.data) != dw:
        raise ValueError(f"axi_stream_reader field 'm_data' width = {len(m.data)} is not allowed: must equal rdata width {dw}")
    aw = len(m_axi.araddr)
    cw = len(s_cmd.beats)
    if cw < 9:
        raise ValueError(f"axi_stream_reader field 's_cmd_beats' width = {cw} is not allowed: must be >= 9 "
                         "(burst lengths up to 256 are cut from it as 8-bit AXI lengths)")

    busy = Signal(bool(0))                           # a command is being requested or delivered
    next_addr = Signal(intbv(0)[aw:])                # the next burst's address (axi_burst_address)
    addr_load = Signal(bool(0))
    req_left = Signal(intbv(0)[cw:])                 # beats not yet requested
    out_left = Signal(intbv(0)[cw:])                 # beats not yet delivered
    rx_left = Signal(intbv(0)[cw:])                  # beats not yet received on R
    reserved = Signal(intbv(0, min=0, max=fifo_depth + 1))   # FIFO slots promised to issued bursts
    in_flight = Signal(intbv(0, min=0, max=max_outstanding + 1))
    ar_valid = Signal(bool(0))
    ar_addr = Signal(intbv(0)[aw:])
    ar_len = Signal(intbv(0)[8:])
    # Every length has the command's width; the AXI fields are cut from it with constant slices, so
    # no expression changes width in the Verilog. next_len = min(req_left, burst_beats), a register
    # kept with req_left (no compare and adder chained before the burst's issue).
    next_len = Signal(intbv(0)[cw:])
    len_m1 = Signal(modbv(0)[8:])
    rw = len(reserved)
    res_pend = Signal(intbv(0)[rw:])                 # slots of the burst issued at the last edge, not yet in reserved
    expect_last = Signal(bool(0))
    can_issue = Signal(bool(0))
    r_take = Signal(bool(0))
    r_done = Signal(bool(0))
    beat_in_burst = Signal(intbv(0)[8:])
    err_r = Signal(bool(0))

    f_in_valid, f_in_ready = Signal(bool(0)), Signal(bool(0))
    f_out_valid, f_out_ready = Signal(bool(0)), Signal(bool(0))
    fifo = stream_fifo(clk, rst, Stream.of(f_in_valid, f_in_ready, m_axi.rdata),
                       Stream.of(f_out_valid, f_out_ready, m.data), depth=fifo_depth)
    pop = Signal(bool(0))
    # every burst but a command's last is burst_beats long: the address steps by one burst
    counter = axi_burst_address(clk, rst, addr_load, s_cmd.addr, can_issue, next_addr,
                                step_bytes=burst_beats << lb_bytes)

    @always_comb
    def comb():
        addr_load.next = s_cmd.valid and not busy
        s_cmd.ready.next = not busy
        m_axi.arvalid.next = ar_valid
        m_axi.araddr.next = ar_addr
        m_axi.arlen.next = ar_len
        m_axi.arsize.next = lb_bytes
        m_axi.arburst.next = 1
        m_axi.arid.next = axi_id
        m_axi.rready.next = in_flight != 0
        r_take.next = m_axi.rvalid and in_flight != 0
        r_done.next = m_axi.rvalid and in_flight != 0 and m_axi.rlast
        f_in_valid.next = m_axi.rvalid and in_flight != 0
        m.valid.next = f_out_valid
        f_out_ready.next = m.ready
        pop.next = f_out_valid and m.ready
        m_last.next = out_left == 1
        err.next = err_r

    @always_comb
    def burst_len():
        issue = (busy and req_left != 0 and not ar_valid and in_flight < max_outstanding
                 and reserved <= fifo_depth - burst_beats)
        can_issue.next = issue
        len_m1.next = next_len[8:] - 1
        expect_last.next = beat_in_burst == burst_beats - 1 or rx_left == 1

    @always_seq(clk.posedge, reset=rst)
    def control():
        if s_cmd.valid and not busy:
            busy.next = True
            req_left.next = s_cmd.beats
            if s_cmd.beats >= burst_beats:
                next_len.next = burst_beats
            else:
                next_len.next = s_cmd.beats
            out_left.next = s_cmd.beats
            rx_left.next = s_cmd.beats
        # AR channel: one burst at a time on the bus, up to max_outstanding in flight.
        if can_issue:
            ar_valid.next = True
            ar_addr.next = next_addr
            ar_len.next = len_m1
            # req_left - min(req_left, burst_beats), as a constant subtraction beside the compare
            if req_left >= burst_beats:
                req_left.next = req_left - burst_beats
            else:
                req_left.next = 0
            if req_left >= 2 * burst_beats:
                next_len.next = burst_beats
            elif req_left >= burst_beats:
                next_len.next = req_left - burst_beats
            else:
                next_len.next = 0
        elif ar_valid and m_axi.arready:
            ar_valid.next = False
        # Burst accounting: issued when AR is accepted, finished at RLAST.
        ar_fire = ar_valid and m_axi.arready
        if ar_fire and not r_done:
            in_flight.next = in_flight + 1
        elif r_done and not ar_fire:
            in_flight.next = in_flight - 1
        # FIFO slots: reserved when a burst is issued (its length), released when popped. The
        # issued length reaches ``reserved`` one edge later (``res_pend``), which no decision sees:
        # the next issue waits for the AR handshake, at least two cycles.
        if can_issue:
            res_pend.next = next_len[rw:]
        else:
            res_pend.next = 0
        if pop:
            reserved.next = reserved + res_pend - 1
        else:
            reserved.next = reserved + res_pend
        # R beats: check RRESP, RID and RLAST placement.
        if r_take:
            if m_axi.rresp != 0 or m_axi.rid != axi_id or m_axi.rlast != expect_last or not f_in_ready:
                err_r.next = True
            rx_left.next = rx_left - 1
            if expect_last:
                beat_in_burst.next = 0
            else:
                beat_in_burst.next = beat_in_burst + 1
        # Delivery: the command ends with its last beat.
        if pop:
            out_left.next = out_left - 1
            if out_left == 1:
                busy.next = False

    return fifo, counter, comb, burst_len, control
