"""A stand-in for the kernel top level ``fast_prefill`` (rtl/top/), for the fast packaging tests.

Converting and synthesising the real top level takes minutes (13+ minutes of yosys at the tiny
preset), so the default test run checks the packaging and ``make synth`` logic on this minimal
block with the same port shape as the real kernel (docs/kernel.md): ``ap_clk``, ``ap_rst_n``
through a two-flop reset synchroniser ``rst_sync_s0``/``rst_sync_s1``, ``s_axi_control_*`` (the
real ``axil_control`` from the register map), the AXI4 read masters ``m_axi_q``, ``m_axi_kv`` and ``m_axi_v``
(``ar*`` and ``r*`` channels, 4-bit IDs), the AXI4 write master ``m_axi_o`` (``aw*``, ``w*``,
``b*``), and ``interrupt``. It answers ``ap_start`` with ``ap_done`` one cycle later and never
issues a transfer. ``registry_with_top()`` gives the real top level (slow tests use it);
``registry_with_standin()`` this one. A test keeps the two port lists equal.
"""

from myhdl import ResetSignal, Signal, always, always_comb, always_seq, block, intbv

from fast_prefill.blocks import BLOCKS, BlockSpec
from fast_prefill.rtl.axi.interface import AxiLite
from fast_prefill.rtl.top.axil_control import axil_control
from fast_prefill.rtl.top.regmap import RegisterMap
from fast_prefill.rtl.top.specs import axil_ports

TOP = RegisterMap().name
READ_PORTS = ("m_axi_q", "m_axi_kv", "m_axi_v")
WRITE_PORTS = ("m_axi_o",)


def m_axi_read_ports(prefix: str, data_width: int) -> dict:
    b, v = (lambda: Signal(bool(0))), (lambda w: Signal(intbv(0)[w:]))
    return {f"{prefix}_arvalid": b(), f"{prefix}_arready": b(), f"{prefix}_araddr": v(64),
            f"{prefix}_arlen": v(8), f"{prefix}_arsize": v(3), f"{prefix}_arburst": v(2), f"{prefix}_arid": v(4),
            f"{prefix}_rvalid": b(), f"{prefix}_rready": b(), f"{prefix}_rdata": v(data_width),
            f"{prefix}_rresp": v(2), f"{prefix}_rlast": b(), f"{prefix}_rid": v(4)}


def m_axi_write_ports(prefix: str, data_width: int) -> dict:
    b, v = (lambda: Signal(bool(0))), (lambda w: Signal(intbv(0)[w:]))
    return {f"{prefix}_awvalid": b(), f"{prefix}_awready": b(), f"{prefix}_awaddr": v(64),
            f"{prefix}_awlen": v(8), f"{prefix}_awsize": v(3), f"{prefix}_awburst": v(2), f"{prefix}_awid": v(4),
            f"{prefix}_wvalid": b(), f"{prefix}_wready": b(), f"{prefix}_wdata": v(data_width),
            f"{prefix}_wstrb": v(data_width // 8), f"{prefix}_wlast": b(),
            f"{prefix}_bvalid": b(), f"{prefix}_bready": b(), f"{prefix}_bresp": v(2), f"{prefix}_bid": v(4)}


def standin_ports(params: dict) -> dict:
    rm = RegisterMap()
    w = params["data_width"]
    ports = {"ap_clk": Signal(bool(0)), "ap_rst_n": Signal(bool(1)), **axil_ports("s_axi_control", rm.addr_width)}
    for p in READ_PORTS:
        ports.update(m_axi_read_ports(p, w))
    for p in WRITE_PORTS:
        ports.update(m_axi_write_ports(p, w))
    ports["interrupt"] = Signal(bool(0))
    return ports


@block
def standin_top(ap_clk, ap_rst_n,
                s_axi_control_awvalid, s_axi_control_awready, s_axi_control_awaddr,
                s_axi_control_wvalid, s_axi_control_wready, s_axi_control_wdata, s_axi_control_wstrb,
                s_axi_control_bvalid, s_axi_control_bready, s_axi_control_bresp,
                s_axi_control_arvalid, s_axi_control_arready, s_axi_control_araddr,
                s_axi_control_rvalid, s_axi_control_rready, s_axi_control_rdata, s_axi_control_rresp,
                m_axi_q_arvalid, m_axi_q_arready, m_axi_q_araddr, m_axi_q_arlen, m_axi_q_arsize,
                m_axi_q_arburst, m_axi_q_arid,
                m_axi_q_rvalid, m_axi_q_rready, m_axi_q_rdata, m_axi_q_rresp, m_axi_q_rlast, m_axi_q_rid,
                m_axi_kv_arvalid, m_axi_kv_arready, m_axi_kv_araddr, m_axi_kv_arlen, m_axi_kv_arsize,
                m_axi_kv_arburst, m_axi_kv_arid,
                m_axi_kv_rvalid, m_axi_kv_rready, m_axi_kv_rdata, m_axi_kv_rresp, m_axi_kv_rlast, m_axi_kv_rid,
                m_axi_v_arvalid, m_axi_v_arready, m_axi_v_araddr, m_axi_v_arlen, m_axi_v_arsize,
                m_axi_v_arburst, m_axi_v_arid,
                m_axi_v_rvalid, m_axi_v_rready, m_axi_v_rdata, m_axi_v_rresp, m_axi_v_rlast, m_axi_v_rid,
                m_axi_o_awvalid, m_axi_o_awready, m_axi_o_awaddr, m_axi_o_awlen, m_axi_o_awsize,
                m_axi_o_awburst, m_axi_o_awid,
                m_axi_o_wvalid, m_axi_o_wready, m_axi_o_wdata, m_axi_o_wstrb, m_axi_o_wlast,
                m_axi_o_bvalid, m_axi_o_bready, m_axi_o_bresp, m_axi_o_bid,
                interrupt):
    rm = RegisterMap()
    rst = ResetSignal(0, active=1, isasync=False)
    rst_sync_s0, rst_sync_s1 = Signal(bool(1)), Signal(bool(1))
    ap_start, ap_done, ap_ready, ap_idle = (Signal(bool(0)) for _ in range(4))
    args = Signal(intbv(0)[rm.args_width:])
    status = Signal(intbv(0)[32:])
    busy = Signal(bool(0))
    ctrl = axil_control(ap_clk, rst,
                        AxiLite.of(s_axi_control_awvalid, s_axi_control_awready, s_axi_control_awaddr,
                                   s_axi_control_wvalid, s_axi_control_wready, s_axi_control_wdata,
                                   s_axi_control_wstrb, s_axi_control_bvalid, s_axi_control_bready,
                                   s_axi_control_bresp, s_axi_control_arvalid, s_axi_control_arready,
                                   s_axi_control_araddr, s_axi_control_rvalid, s_axi_control_rready,
                                   s_axi_control_rdata, s_axi_control_rresp),
                        interrupt, ap_start, ap_done, ap_ready, ap_idle, args, status)

    @always(ap_clk.posedge)
    def rst_sync():
        rst_sync_s0.next = not ap_rst_n
        rst_sync_s1.next = rst_sync_s0

    @always_comb
    def reset():
        rst.next = rst_sync_s1

    @always_seq(ap_clk.posedge, reset=rst)
    def core():
        busy.next = ap_start and not busy
        status.next = 0
        if ((m_axi_q_rvalid and m_axi_q_rresp != 0) or (m_axi_kv_rvalid and m_axi_kv_rresp != 0)
                or (m_axi_v_rvalid and m_axi_v_rresp != 0) or (m_axi_o_bvalid and m_axi_o_bresp != 0)):
            status.next = 6
        if (m_axi_q_rlast and m_axi_q_rdata[0] and m_axi_kv_rlast and m_axi_kv_rdata[0] and m_axi_q_rid == 0
                and m_axi_kv_rid == 0 and m_axi_o_bid == 0 and m_axi_o_awready and m_axi_o_wready
                and m_axi_q_arready and m_axi_kv_arready and m_axi_v_arready and m_axi_v_rlast
                and m_axi_v_rdata[0] and m_axi_v_rid == 0):
            status.next = 7

    @always_comb
    def outputs():
        ap_done.next = busy
        ap_ready.next = busy
        ap_idle.next = not busy
        m_axi_q_arvalid.next = 0
        m_axi_kv_arvalid.next = 0
        m_axi_v_arvalid.next = 0
        m_axi_o_awvalid.next = 0
        m_axi_o_wvalid.next = 0
        m_axi_o_wlast.next = 0
        m_axi_q_araddr.next = args[64:0]
        m_axi_kv_araddr.next = args[128:64]
        m_axi_v_araddr.next = args[192:128]
        m_axi_o_awaddr.next = args[rm.args_width:rm.args_width - 64]
        m_axi_q_arlen.next = 0
        m_axi_kv_arlen.next = 0
        m_axi_v_arlen.next = 0
        m_axi_o_awlen.next = 0
        m_axi_q_arsize.next = 5
        m_axi_kv_arsize.next = 5
        m_axi_v_arsize.next = 5
        m_axi_o_awsize.next = 5
        m_axi_q_arburst.next = 1
        m_axi_kv_arburst.next = 1
        m_axi_v_arburst.next = 1
        m_axi_o_awburst.next = 1
        m_axi_q_arid.next = 0
        m_axi_kv_arid.next = 0
        m_axi_v_arid.next = 0
        m_axi_o_awid.next = 0
        m_axi_o_wdata.next = 0
        m_axi_o_wstrb.next = 0
        m_axi_o_bready.next = 1
        m_axi_q_rready.next = 1
        m_axi_kv_rready.next = 1
        m_axi_v_rready.next = 1

    return ctrl, rst_sync, reset, core, outputs


STANDIN = BlockSpec(name=TOP, factory=standin_top, ports=standin_ports,
                    params=lambda cfg: {"data_width": cfg.hbm_data_width},
                    summary="test stand-in for the kernel top level (Vitis RTL-kernel interface only)")


def registry_with_top() -> dict:
    """The block registry with the real kernel top level (the stand-in only if it is not registered)."""
    if TOP in BLOCKS:
        return {TOP: BLOCKS[TOP]}
    return {TOP: STANDIN}


def registry_with_standin() -> dict:
    """A registry whose kernel top level is the stand-in: what the fast default tests use."""
    return {TOP: STANDIN}


def test_standin_converts_with_the_vitis_interface(tmp_path):
    from fast_prefill.config import get_preset
    from fast_prefill.convert import convert_block

    cfg = get_preset("tiny")
    path = convert_block(STANDIN, STANDIN.params(cfg), tmp_path, TOP)
    text = path.read_text()
    for port in ("ap_clk", "ap_rst_n", "interrupt", "s_axi_control_awaddr", "m_axi_q_araddr", "m_axi_kv_rdata",
                 "m_axi_o_wdata", "m_axi_o_bid"):
        assert f" {port};" in text, port
    assert "m_axi_gmem" not in text
    assert f"module {TOP} (" in text
    assert "reg rst_sync_s0;" in text and "reg rst_sync_s1;" in text


def test_standin_has_the_port_shape_of_the_real_top_level():
    """Same port names and widths as the registered kernel top level (no conversion needed)."""
    if TOP not in BLOCKS:
        return
    from fast_prefill.config import get_preset

    cfg = get_preset("tiny")
    real = BLOCKS[TOP].ports(BLOCKS[TOP].params(cfg))
    ours = standin_ports(STANDIN.params(cfg))
    width = lambda s: len(s) if not isinstance(s.val, bool) else 1  # noqa: E731
    assert {n: width(s) for n, s in ours.items()} == {n: width(s) for n, s in real.items()}
