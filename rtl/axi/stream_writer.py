"""AXI4 write master that writes a data stream to a (address, beats) region.

Computes: for each command on ``s_cmd`` (``s_cmd_addr``: 64-bit byte address aligned to one burst;
``s_cmd_beats`` >= 1) it takes ``beats`` beats from ``s_valid``/``s_ready``/``s_data`` and writes
them to consecutive words (all byte strobes set); when every write response of the command has
returned it pulses ``done`` for one cycle and accepts the next command.

AXI4 (one ID, ``axi_id``): INCR bursts of ``burst_beats`` beats (the last one shorter), never
crossing 4 KiB (burst-aligned addresses, bursts of at most 4 KiB). A burst's W beats are sent
after its AW handshake; the next AW may be issued while earlier bursts wait for B, up to
``max_outstanding`` bursts without a response. AWVALID held and AW fields stable until AWREADY;
WVALID held and WDATA/WLAST stable until WREADY; WLAST exactly on each burst's last beat; BREADY
always high.

Errors are sticky (``err`` until reset): BRESP not OKAY or BID not ``axi_id``.

Latency: AW one cycle after the command; W beats follow the AW handshake at one per cycle while
the input stream has data.
"""

from __future__ import annotations

from myhdl import Signal, always_comb, always_seq, block, enum, intbv, modbv

from ..common.params import check_int
from .burst_address import axi_burst_address
from .stream_reader import _pow2

# binary codes 0 .. 3 in this order (the proof names ST_W as 2)
WriterState = enum("ST_IDLE", "ST_AW", "ST_W", "ST_WAIT_B")
ST_IDLE, ST_AW, ST_W, ST_WAIT_B = (getattr(WriterState, name) for name in WriterState._names)


@block
def axi_stream_writer(clk, rst, s_cmd, s, m_axi, done, err,
                      burst_beats=16, max_outstanding=2, axi_id=0):
    dw = len(m_axi.wdata)
    lb_bytes = _pow2("data_width", dw, 32, 1024) - 3
    _pow2("burst_beats", burst_beats, 1, 256)
    if burst_beats << lb_bytes > 4096:
        raise ValueError(f"axi_stream_writer field 'burst_beats' = {burst_beats} is not allowed: "
                         f"must be a power of two in [1, {4096 >> lb_bytes}] (a burst of at most 4 KiB)")
    check_int("axi_stream_writer", "max_outstanding", max_outstanding, 1, 16)
    if len(s.data) != dw:
        raise ValueError(f"axi_stream_writer field 's_data' width = {len(s.data)} is not allowed: must equal wdata width {dw}")
    aw = len(m_axi.awaddr)
    cw = len(s_cmd.beats)
    if cw < 9:
        raise ValueError(f"axi_stream_writer field 's_cmd_beats' width = {cw} is not allowed: must be >= 9 "
                         "(burst lengths up to 256 are cut from it as 8-bit AXI lengths)")
    nstrb = dw // 8

    state = Signal(ST_IDLE)
    next_addr = Signal(intbv(0)[aw:])                # the next burst's address (axi_burst_address)
    addr_load = Signal(bool(0))
    addr_step = Signal(bool(0))
    left = Signal(intbv(0)[cw:])                     # beats not yet covered by an AW
    burst_left = Signal(intbv(0)[cw:])               # W beats left in the current burst
    this_len = Signal(intbv(0)[cw:])
    len_m1 = Signal(modbv(0)[8:])
    aw_valid = Signal(bool(0))
    aw_addr = Signal(intbv(0)[aw:])
    aw_len = Signal(intbv(0)[8:])
    pending_b = Signal(intbv(0, min=0, max=max_outstanding + 1))
    w_fire = Signal(bool(0))
    b_fire = Signal(bool(0))
    aw_fire = Signal(bool(0))
    done_r = Signal(bool(0))
    err_r = Signal(bool(0))

    # every burst but a command's last is burst_beats long: the address steps by one burst
    counter = axi_burst_address(clk, rst, addr_load, s_cmd.addr, addr_step, next_addr,
                                step_bytes=burst_beats << lb_bytes)

    @always_comb
    def comb():
        s_cmd.ready.next = state == ST_IDLE
        addr_load.next = state == ST_IDLE and s_cmd.valid
        addr_step.next = state == ST_AW and not aw_valid and pending_b < max_outstanding
        m_axi.awvalid.next = aw_valid
        m_axi.awaddr.next = aw_addr
        m_axi.awlen.next = aw_len
        m_axi.awsize.next = lb_bytes
        m_axi.awburst.next = 1
        m_axi.awid.next = axi_id
        m_axi.wvalid.next = state == ST_W and s.valid
        s.ready.next = state == ST_W and m_axi.wready
        m_axi.wdata.next = s.data
        # All byte lanes written; set bit by bit so the constant has the port's exact width.
        st = intbv(0)[nstrb:]
        for i in range(nstrb):
            st[i] = 1
        m_axi.wstrb.next = st
        m_axi.wlast.next = burst_left == 1
        m_axi.bready.next = True
        w_fire.next = state == ST_W and s.valid and m_axi.wready
        b_fire.next = m_axi.bvalid
        aw_fire.next = aw_valid and m_axi.awready
        if left >= burst_beats:
            this_len.next = burst_beats
        else:
            this_len.next = left
        len_m1.next = this_len[8:] - 1
        done.next = done_r
        err.next = err_r

    @always_seq(clk.posedge, reset=rst)
    def control():
        done_r.next = False
        if state == ST_IDLE:
            if s_cmd.valid:
                left.next = s_cmd.beats
                state.next = ST_AW
        elif state == ST_AW:
            # Issue the next burst's address once a response slot is free.
            if not aw_valid and pending_b < max_outstanding:
                aw_valid.next = True
                aw_addr.next = next_addr
                aw_len.next = len_m1
                burst_left.next = this_len
                # left - min(left, burst_beats), as a constant subtraction beside the compare
                if left >= burst_beats:
                    left.next = left - burst_beats
                else:
                    left.next = 0
            elif aw_fire:
                aw_valid.next = False
                state.next = ST_W
        elif state == ST_W:
            if w_fire:
                burst_left.next = burst_left - 1
                if burst_left == 1:
                    if left == 0:
                        state.next = ST_WAIT_B
                    else:
                        state.next = ST_AW
        else:  # ST_WAIT_B: all W beats sent; finish when every response is back
            if pending_b == 0 or (pending_b == 1 and b_fire):
                state.next = ST_IDLE
                done_r.next = True
        if aw_fire and not b_fire:
            pending_b.next = pending_b + 1
        elif b_fire and not aw_fire and pending_b != 0:
            pending_b.next = pending_b - 1
        if b_fire and (m_axi.bresp != 0 or m_axi.bid != axi_id):
            err_r.next = True

    return counter, comb, control
