"""Two AXI4 read masters sharing one AXI4 read port at the same time: AR arbitrated, R routed by ID.

Computes: the AR requests of side ``a`` and side ``b`` reach the shared port ``m_*`` one at a
time, round robin when both are waiting; each R beat goes to side ``b`` when its RID equals
``b_id`` and to side ``a`` otherwise. The masters must use distinct IDs (side ``b`` exactly
``b_id``, side ``a`` any other); the slave may return the two sides' bursts in any order and
interleave them beat by beat (AXI4 A5.3), as R beats are routed one by one.

Ports: ``clk``, ``rst`` (synchronous, active high), ``a_*`` and ``b_*`` (the masters' read
channels: ``arvalid/arready/araddr/arlen/arsize/arburst/arid``, ``rvalid/rready/rdata/rresp/rlast/rid``),
``m_*`` (the shared port).

AR: combinational pass-through of the granted side (no added latency). A grant holds while its
ARVALID waits for ARREADY (``hold``), so the port's ARVALID never drops and its payload never
changes before the handshake (AXI4 A3.2.1); after a handshake the other side, if it is waiting,
is granted first. R: combinational routing of the one R channel; RREADY is the addressed side's.

Deadlock: the shared R channel stalls while the addressed side holds RREADY low. The project's
read masters (``axi_stream_reader``, ``kvc_axi_read_master``) issue an AR only with room reserved
for the whole burst and keep RREADY high while a burst is outstanding, so neither side can block
the other's beats.

Invariants (proved in ``verify/properties/axi_read_arbiter.sv``): at most one side sees ARREADY or
RVALID in a cycle; the port's AR channel obeys the handshake rules when both masters do; a beat
reaches side ``b`` iff its RID is ``b_id``; a waiting request is granted within two handshakes.
"""

from __future__ import annotations

from myhdl import Signal, always_comb, always_seq, block
from ..common.params import check_int


@block
def axi_read_arbiter(clk, rst,
                     a_arvalid, a_arready, a_araddr, a_arlen, a_arsize, a_arburst, a_arid,
                     a_rvalid, a_rready, a_rdata, a_rresp, a_rlast, a_rid,
                     b_arvalid, b_arready, b_araddr, b_arlen, b_arsize, b_arburst, b_arid,
                     b_rvalid, b_rready, b_rdata, b_rresp, b_rlast, b_rid,
                     m_arvalid, m_arready, m_araddr, m_arlen, m_arsize, m_arburst, m_arid,
                     m_rvalid, m_rready, m_rdata, m_rresp, m_rlast, m_rid, b_id=1):
    for name, sa, sb, sm in (("araddr", a_araddr, b_araddr, m_araddr), ("rdata", a_rdata, b_rdata, m_rdata),
                             ("arid", a_arid, b_arid, m_arid), ("rid", a_rid, b_rid, m_rid)):
        if not len(sa) == len(sb) == len(sm):
            raise ValueError(f"axi_read_arbiter field '{name}' widths = {len(sa)}, {len(sb)}, {len(sm)} "
                             "are not allowed: must be equal")
    idw = len(m_rid)
    check_int("axi_read_arbiter", "b_id", b_id, 0, (1 << idw) - 1)

    hold = Signal(bool(0))       # the granted side's ARVALID is waiting for ARREADY: keep the grant
    held = Signal(bool(0))       # the side granted in the previous cycle (1: b)
    last_b = Signal(bool(0))     # the last AR handshake was side b's
    grant_b = Signal(bool(0))    # side b's AR is on the port in this cycle
    to_b = Signal(bool(0))       # the R beat on the port is side b's

    @always_comb
    def grant():
        if hold:
            grant_b.next = held
        elif a_arvalid and b_arvalid:
            grant_b.next = not last_b
        else:
            grant_b.next = b_arvalid

    @always_comb
    def route():
        to_b.next = m_rid == b_id

    @always_comb
    def ar_path():
        if grant_b:
            m_arvalid.next = b_arvalid
            m_araddr.next = b_araddr
            m_arlen.next = b_arlen
            m_arsize.next = b_arsize
            m_arburst.next = b_arburst
            m_arid.next = b_arid
        else:
            m_arvalid.next = a_arvalid
            m_araddr.next = a_araddr
            m_arlen.next = a_arlen
            m_arsize.next = a_arsize
            m_arburst.next = a_arburst
            m_arid.next = a_arid
        a_arready.next = m_arready and not grant_b
        b_arready.next = m_arready and grant_b

    @always_comb
    def r_path():
        a_rvalid.next = m_rvalid and not to_b
        b_rvalid.next = m_rvalid and to_b
        if to_b:
            m_rready.next = b_rready
        else:
            m_rready.next = a_rready
        a_rdata.next = m_rdata
        a_rresp.next = m_rresp
        a_rlast.next = m_rlast
        a_rid.next = m_rid
        b_rdata.next = m_rdata
        b_rresp.next = m_rresp
        b_rlast.next = m_rlast
        b_rid.next = m_rid

    @always_seq(clk.posedge, reset=rst)
    def state():
        hold.next = m_arvalid and not m_arready
        held.next = grant_b
        if m_arvalid and m_arready:
            last_b.next = grant_b

    return grant, route, ar_path, r_path, state
