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
def axi_read_arbiter(clk, rst, a, b, m, b_id=1):
    for name, sa, sb, sm in (("araddr", a.araddr, b.araddr, m.araddr), ("rdata", a.rdata, b.rdata, m.rdata),
                             ("arid", a.arid, b.arid, m.arid), ("rid", a.rid, b.rid, m.rid)):
        if not len(sa) == len(sb) == len(sm):
            raise ValueError(f"axi_read_arbiter field '{name}' widths = {len(sa)}, {len(sb)}, {len(sm)} "
                             "are not allowed: must be equal")
    idw = len(m.rid)
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
        elif a.arvalid and b.arvalid:
            grant_b.next = not last_b
        else:
            grant_b.next = b.arvalid

    @always_comb
    def route():
        to_b.next = m.rid == b_id

    @always_comb
    def ar_path():
        if grant_b:
            m.arvalid.next = b.arvalid
            m.araddr.next = b.araddr
            m.arlen.next = b.arlen
            m.arsize.next = b.arsize
            m.arburst.next = b.arburst
            m.arid.next = b.arid
        else:
            m.arvalid.next = a.arvalid
            m.araddr.next = a.araddr
            m.arlen.next = a.arlen
            m.arsize.next = a.arsize
            m.arburst.next = a.arburst
            m.arid.next = a.arid
        a.arready.next = m.arready and not grant_b
        b.arready.next = m.arready and grant_b

    @always_comb
    def r_path():
        a.rvalid.next = m.rvalid and not to_b
        b.rvalid.next = m.rvalid and to_b
        if to_b:
            m.rready.next = b.rready
        else:
            m.rready.next = a.rready
        a.rdata.next = m.rdata
        a.rresp.next = m.rresp
        a.rlast.next = m.rlast
        a.rid.next = m.rid
        b.rdata.next = m.rdata
        b.rresp.next = m.rresp
        b.rlast.next = m.rlast
        b.rid.next = m.rid

    @always_seq(clk.posedge, reset=rst)
    def state():
        hold.next = m.arvalid and not m.arready
        held.next = grant_b
        if m.arvalid and m.arready:
            last_b.next = grant_b

    return grant, route, ar_path, r_path, state
