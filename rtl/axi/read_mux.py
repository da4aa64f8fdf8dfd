"""Two AXI4 read masters sharing one AXI4 read port, switched by phase (not arbitrated).

Computes: the external read port ``m_axi_*`` is connected to side ``a`` (``sel = 0``) or side ``b``
(``sel = 1``). The non-selected side sees ARREADY and RVALID low. ``sel`` follows the request
``sel_req`` only while the port is idle: no burst outstanding (every accepted AR has had its RLAST
beat) and no ARVALID offered by the selected side, so a switch never drops an ARVALID that is
waiting for ARREADY and never hands an R beat to the wrong side.

Ports: ``clk``, ``rst`` (synchronous, active high; ``sel`` resets to 0), ``sel_req`` (the wanted
side), ``sel`` (the side connected now), ``a_*`` and ``b_*`` (the two masters' read channels,
``arvalid/arready/araddr/arlen/arsize/arburst/arid``, ``rvalid/rready/rdata/rresp/rlast/rid``),
``m_*`` (the shared port). AR and R are combinational pass-through (no added latency); the switch
takes one cycle once the port is idle. The outstanding-burst count has ``count_bits`` bits
(enough for the masters' ``max_outstanding``).
"""

from __future__ import annotations

from myhdl import Signal, always_comb, always_seq, block, intbv


@block
def axi_read_mux(clk, rst, sel_req, sel,
                 a_arvalid, a_arready, a_araddr, a_arlen, a_arsize, a_arburst, a_arid,
                 a_rvalid, a_rready, a_rdata, a_rresp, a_rlast, a_rid,
                 b_arvalid, b_arready, b_araddr, b_arlen, b_arsize, b_arburst, b_arid,
                 b_rvalid, b_rready, b_rdata, b_rresp, b_rlast, b_rid,
                 m_arvalid, m_arready, m_araddr, m_arlen, m_arsize, m_arburst, m_arid,
                 m_rvalid, m_rready, m_rdata, m_rresp, m_rlast, m_rid, count_bits=5):
    if isinstance(count_bits, bool) or not isinstance(count_bits, int) or not 1 <= count_bits <= 16:
        raise ValueError(f"axi_read_mux field 'count_bits' = {count_bits!r} is not allowed: must be an integer in [1, 16]")
    for name, sa, sb, sm in (("araddr", a_araddr, b_araddr, m_araddr), ("rdata", a_rdata, b_rdata, m_rdata),
                             ("arid", a_arid, b_arid, m_arid), ("rid", a_rid, b_rid, m_rid)):
        if not len(sa) == len(sb) == len(sm):
            raise ValueError(f"axi_read_mux field '{name}' widths = {len(sa)}, {len(sb)}, {len(sm)} are not allowed: must be equal")

    sel_r = Signal(bool(0))
    count = Signal(intbv(0)[count_bits:])
    ar_take = Signal(bool(0))
    r_end = Signal(bool(0))
    sel_arvalid = Signal(bool(0))

    @always_comb
    def ar_path():
        if sel_r:
            m_arvalid.next = b_arvalid
            m_araddr.next = b_araddr
            m_arlen.next = b_arlen
            m_arsize.next = b_arsize
            m_arburst.next = b_arburst
            m_arid.next = b_arid
            m_rready.next = b_rready
        else:
            m_arvalid.next = a_arvalid
            m_araddr.next = a_araddr
            m_arlen.next = a_arlen
            m_arsize.next = a_arsize
            m_arburst.next = a_arburst
            m_arid.next = a_arid
            m_rready.next = a_rready
        a_arready.next = m_arready and not sel_r
        b_arready.next = m_arready and sel_r
        a_rvalid.next = m_rvalid and not sel_r
        b_rvalid.next = m_rvalid and sel_r
        sel.next = sel_r

    @always_comb
    def r_data():
        a_rdata.next = m_rdata
        a_rresp.next = m_rresp
        a_rlast.next = m_rlast
        a_rid.next = m_rid
        b_rdata.next = m_rdata
        b_rresp.next = m_rresp
        b_rlast.next = m_rlast
        b_rid.next = m_rid

    @always_comb
    def events():
        ar_take.next = m_arvalid and m_arready
        r_end.next = m_rvalid and m_rready and m_rlast
        sel_arvalid.next = m_arvalid

    @always_seq(clk.posedge, reset=rst)
    def state():
        if ar_take and not r_end:
            count.next = count + 1
        elif r_end and not ar_take and count != 0:
            count.next = count - 1
        if sel_req != sel_r and count == 0 and not sel_arvalid and not r_end:
            sel_r.next = sel_req

    return ar_path, r_data, events, state
