"""A stand-in for the kernel top level ``fast_prefill`` (rtl/top/), for the packaging tests only.

The real top level is being written in parallel; until it is registered, the Vivado flow is tested
against this minimal block with the same Vitis RTL-kernel interface: ``ap_clk``, ``ap_rst_n``,
``s_axi_control_*`` (the real ``axil_control`` from the register map), one AXI4 master per ``port``
of the register map's pointer arguments (``m_axi_gmem_*``), ``interrupt``. It answers ``ap_start``
with ``ap_done`` one cycle later and never issues a transfer. When the real top level lands, the
tests use it instead (``registry_with_top``).
"""

from myhdl import ResetSignal, Signal, always_comb, always_seq, block, intbv

from fast_prefill.blocks import BLOCKS, BlockSpec
from fast_prefill.rtl.top.axil_control import axil_control
from fast_prefill.rtl.top.regmap import RegisterMap
from fast_prefill.rtl.top.specs import axil_ports

TOP = RegisterMap().name


def m_axi_ports(prefix: str, data_width: int) -> dict:
    b, v = (lambda: Signal(bool(0))), (lambda w: Signal(intbv(0)[w:]))
    ports = {}
    for ch in ("aw", "ar"):
        ports.update({f"{prefix}_{ch}valid": b(), f"{prefix}_{ch}ready": b(), f"{prefix}_{ch}addr": v(64),
                      f"{prefix}_{ch}len": v(8), f"{prefix}_{ch}size": v(3), f"{prefix}_{ch}burst": v(2)})
    ports.update({f"{prefix}_wvalid": b(), f"{prefix}_wready": b(), f"{prefix}_wdata": v(data_width),
                  f"{prefix}_wstrb": v(data_width // 8), f"{prefix}_wlast": b(),
                  f"{prefix}_bvalid": b(), f"{prefix}_bready": b(), f"{prefix}_bresp": v(2),
                  f"{prefix}_rvalid": b(), f"{prefix}_rready": b(), f"{prefix}_rdata": v(data_width),
                  f"{prefix}_rresp": v(2), f"{prefix}_rlast": b()})
    return ports


def standin_ports(params: dict) -> dict:
    rm = RegisterMap()
    return {"ap_clk": Signal(bool(0)), "ap_rst_n": Signal(bool(1)),
            **axil_ports("s_axi_control", rm.addr_width),
            **m_axi_ports("m_axi_gmem", params["data_width"]),
            "interrupt": Signal(bool(0))}


@block
def standin_top(ap_clk, ap_rst_n,
                s_axi_control_awvalid, s_axi_control_awready, s_axi_control_awaddr,
                s_axi_control_wvalid, s_axi_control_wready, s_axi_control_wdata, s_axi_control_wstrb,
                s_axi_control_bvalid, s_axi_control_bready, s_axi_control_bresp,
                s_axi_control_arvalid, s_axi_control_arready, s_axi_control_araddr,
                s_axi_control_rvalid, s_axi_control_rready, s_axi_control_rdata, s_axi_control_rresp,
                m_axi_gmem_awvalid, m_axi_gmem_awready, m_axi_gmem_awaddr, m_axi_gmem_awlen,
                m_axi_gmem_awsize, m_axi_gmem_awburst,
                m_axi_gmem_arvalid, m_axi_gmem_arready, m_axi_gmem_araddr, m_axi_gmem_arlen,
                m_axi_gmem_arsize, m_axi_gmem_arburst,
                m_axi_gmem_wvalid, m_axi_gmem_wready, m_axi_gmem_wdata, m_axi_gmem_wstrb, m_axi_gmem_wlast,
                m_axi_gmem_bvalid, m_axi_gmem_bready, m_axi_gmem_bresp,
                m_axi_gmem_rvalid, m_axi_gmem_rready, m_axi_gmem_rdata, m_axi_gmem_rresp, m_axi_gmem_rlast,
                interrupt):
    rm = RegisterMap()
    rst = ResetSignal(0, active=1, isasync=False)
    ap_start, ap_done, ap_ready, ap_idle = (Signal(bool(0)) for _ in range(4))
    args = Signal(intbv(0)[rm.args_width:])
    status = Signal(intbv(0)[32:])
    busy = Signal(bool(0))
    ctrl = axil_control(ap_clk, rst,
                        s_axi_control_awvalid, s_axi_control_awready, s_axi_control_awaddr,
                        s_axi_control_wvalid, s_axi_control_wready, s_axi_control_wdata, s_axi_control_wstrb,
                        s_axi_control_bvalid, s_axi_control_bready, s_axi_control_bresp,
                        s_axi_control_arvalid, s_axi_control_arready, s_axi_control_araddr,
                        s_axi_control_rvalid, s_axi_control_rready, s_axi_control_rdata, s_axi_control_rresp,
                        interrupt, ap_start, ap_done, ap_ready, ap_idle, args, status)

    @always_comb
    def reset():
        rst.next = not ap_rst_n

    @always_seq(ap_clk.posedge, reset=rst)
    def core():
        busy.next = ap_start and not busy
        status.next = 0
        if (m_axi_gmem_rvalid and m_axi_gmem_rresp != 0) or (m_axi_gmem_bvalid and m_axi_gmem_bresp != 0):
            status.next = 6
        if m_axi_gmem_rlast and m_axi_gmem_rdata[0] and m_axi_gmem_awready and m_axi_gmem_wready and m_axi_gmem_arready:
            status.next = 7

    @always_comb
    def outputs():
        ap_done.next = busy
        ap_ready.next = busy
        ap_idle.next = not busy
        m_axi_gmem_awvalid.next = 0
        m_axi_gmem_arvalid.next = 0
        m_axi_gmem_wvalid.next = 0
        m_axi_gmem_wlast.next = 0
        m_axi_gmem_awaddr.next = args[64:0]
        m_axi_gmem_araddr.next = args[rm.args_width:rm.args_width - 64]
        m_axi_gmem_awlen.next = 0
        m_axi_gmem_arlen.next = 0
        m_axi_gmem_awsize.next = 5
        m_axi_gmem_arsize.next = 5
        m_axi_gmem_awburst.next = 1
        m_axi_gmem_arburst.next = 1
        m_axi_gmem_wdata.next = 0
        m_axi_gmem_wstrb.next = 0
        m_axi_gmem_bready.next = 1
        m_axi_gmem_rready.next = 1

    return ctrl, reset, core, outputs


STANDIN = BlockSpec(name=TOP, factory=standin_top, ports=standin_ports,
                    params=lambda cfg: {"data_width": cfg.hbm_data_width},
                    summary="test stand-in for the kernel top level (Vitis RTL-kernel interface only)")


def registry_with_top() -> dict:
    """The block registry with a kernel top level: the real one once registered, else the stand-in."""
    if TOP in BLOCKS:
        return {TOP: BLOCKS[TOP]}
    return {TOP: STANDIN}


def test_standin_converts_with_the_vitis_interface(tmp_path):
    from fast_prefill.config import get_preset
    from fast_prefill.convert import convert_block

    cfg = get_preset("tiny")
    path = convert_block(STANDIN, STANDIN.params(cfg), tmp_path, TOP)
    text = path.read_text()
    for port in ("ap_clk", "ap_rst_n", "interrupt", "s_axi_control_awaddr", "m_axi_gmem_araddr", "m_axi_gmem_rdata"):
        assert f" {port};" in text, port
    assert f"module {TOP} (" in text
