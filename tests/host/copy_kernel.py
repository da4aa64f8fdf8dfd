"""A tiny Vitis RTL kernel for testing the host driver and the Verilator harness without the real top.

``copy_kernel`` has the port shape of ``fast_prefill`` (``ap_clk``, ``ap_rst_n``, ``s_axi_control_*``
from :func:`~fast_prefill.rtl.top.axil_control.axil_control` and the project's register map,
``interrupt``, an AXI4 read master ``m_axi_q_*`` and an AXI4 write master ``m_axi_o_*``, 64-bit
addresses). On ap_start it reads ``seq_len`` words of ``hbm_data_width`` bits at pointer ``q`` and
writes each word inverted to pointer ``o`` (``o[i] = ~q[i]``), then raises ap_done and
ap_ready. Status (read back at the register map's ``status`` offset): 0 OK, 1 ``seq_len`` is zero
or above ``max_words``, 5 ``q`` or ``o`` is not 4 KiB aligned (nothing is read or written), 6 an
AXI read error response was seen, 7 an AXI write error response was seen.

The AXI movers are reset at every start (their error flags are sticky), so an error run leaves the
kernel ready for the next correct run.
"""

from __future__ import annotations

from myhdl import ResetSignal, Signal, always_comb, always_seq, block, intbv

from fast_prefill.blocks import BlockSpec
from fast_prefill.rtl.axi.specs import axi_read_ports, axi_write_ports
from fast_prefill.rtl.axi.stream_reader import axi_stream_reader
from fast_prefill.rtl.axi.stream_writer import axi_stream_writer
from fast_prefill.rtl.axi.interface import AxiLite, AxiRead, AxiWrite, Command
from fast_prefill.rtl.top.axil_control import axil_control
from fast_prefill.rtl.top.regmap import RegisterMap
from fast_prefill.rtl.stream.interface import Stream
from fast_prefill.rtl.top.specs import axil_ports

S_IDLE, S_CLEAR, S_CMD, S_RUN, S_DONE = range(5)
BEATS_BITS = 24


def transform(data: bytes) -> bytes:
    """What the kernel writes for ``data``: every bit inverted."""
    return bytes(b ^ 0xFF for b in data)


@block
def copy_kernel(ap_clk, ap_rst_n,
                s_axi_control_awvalid, s_axi_control_awready, s_axi_control_awaddr,
                s_axi_control_wvalid, s_axi_control_wready, s_axi_control_wdata, s_axi_control_wstrb,
                s_axi_control_bvalid, s_axi_control_bready, s_axi_control_bresp,
                s_axi_control_arvalid, s_axi_control_arready, s_axi_control_araddr,
                s_axi_control_rvalid, s_axi_control_rready, s_axi_control_rdata, s_axi_control_rresp,
                interrupt,
                m_axi_q_arvalid, m_axi_q_arready, m_axi_q_araddr, m_axi_q_arlen, m_axi_q_arsize,
                m_axi_q_arburst, m_axi_q_arid, m_axi_q_rvalid, m_axi_q_rready, m_axi_q_rdata,
                m_axi_q_rresp, m_axi_q_rlast, m_axi_q_rid,
                m_axi_o_awvalid, m_axi_o_awready, m_axi_o_awaddr, m_axi_o_awlen, m_axi_o_awsize,
                m_axi_o_awburst, m_axi_o_awid, m_axi_o_wvalid, m_axi_o_wready, m_axi_o_wdata,
                m_axi_o_wstrb, m_axi_o_wlast, m_axi_o_bvalid, m_axi_o_bready, m_axi_o_bresp, m_axi_o_bid,
                burst_beats=8, max_words=4096):
    rm = RegisterMap()
    dw = len(m_axi_q_rdata)
    if not isinstance(max_words, int) or not 1 <= max_words < (1 << BEATS_BITS):
        raise ValueError(f"copy_kernel field 'max_words' = {max_words!r} is not allowed: must be in [1, {(1 << BEATS_BITS) - 1}]")

    rst = ResetSignal(0, active=1, isasync=False)
    mover_rst = ResetSignal(0, active=1, isasync=False)
    ap_start, ap_done, ap_ready, ap_idle = (Signal(bool(0)) for _ in range(4))
    args = Signal(intbv(0)[rm.args_width:])
    status = Signal(intbv(0)[32:])
    q_lsb, _ = rm.arg_field("q")
    o_lsb, _ = rm.arg_field("o")
    n_lsb, _ = rm.arg_field("seq_len")
    q_ptr, o_ptr = Signal(intbv(0)[64:]), Signal(intbv(0)[64:])
    n_words = Signal(intbv(0)[32:])

    state = Signal(intbv(0, min=0, max=5))
    clear = Signal(bool(0))
    err_code = Signal(intbv(0)[32:])
    rd_cmd_valid, rd_cmd_ready, wr_cmd_valid, wr_cmd_ready = (Signal(bool(0)) for _ in range(4))
    rd_sent, wr_sent, seen_last = Signal(bool(0)), Signal(bool(0)), Signal(bool(0))
    cmd_beats = Signal(intbv(0)[BEATS_BITS:])
    d_valid, d_ready, d_last, rd_err = (Signal(bool(0)) for _ in range(4))
    d_data = Signal(intbv(0)[dw:])
    x_data = Signal(intbv(0)[dw:])
    wr_done, wr_err = Signal(bool(0)), Signal(bool(0))

    ctrl = axil_control(ap_clk, rst,
                        AxiLite.of(s_axi_control_awvalid, s_axi_control_awready, s_axi_control_awaddr,
                                   s_axi_control_wvalid, s_axi_control_wready, s_axi_control_wdata,
                                   s_axi_control_wstrb, s_axi_control_bvalid, s_axi_control_bready,
                                   s_axi_control_bresp, s_axi_control_arvalid, s_axi_control_arready,
                                   s_axi_control_araddr, s_axi_control_rvalid, s_axi_control_rready,
                                   s_axi_control_rdata, s_axi_control_rresp),
                        interrupt, ap_start, ap_done, ap_ready, ap_idle, args, status)
    reader = axi_stream_reader(ap_clk, mover_rst, Command.of(rd_cmd_valid, rd_cmd_ready, q_ptr, cmd_beats),
                               AxiRead.of(m_axi_q_arvalid, m_axi_q_arready, m_axi_q_araddr, m_axi_q_arlen,
                                          m_axi_q_arsize, m_axi_q_arburst, m_axi_q_arid, m_axi_q_rvalid,
                                          m_axi_q_rready, m_axi_q_rdata, m_axi_q_rresp, m_axi_q_rlast,
                                          m_axi_q_rid), Stream.of(d_valid, d_ready, d_data), d_last, rd_err,
                               burst_beats=burst_beats, fifo_depth=2 * burst_beats, max_outstanding=2)
    writer = axi_stream_writer(ap_clk, mover_rst, Command.of(wr_cmd_valid, wr_cmd_ready, o_ptr, cmd_beats),
                               Stream.of(d_valid, d_ready, x_data), AxiWrite.of(m_axi_o_awvalid, m_axi_o_awready,
                                         m_axi_o_awaddr, m_axi_o_awlen, m_axi_o_awsize, m_axi_o_awburst,
                                         m_axi_o_awid, m_axi_o_wvalid, m_axi_o_wready, m_axi_o_wdata,
                                         m_axi_o_wstrb, m_axi_o_wlast, m_axi_o_bvalid, m_axi_o_bready,
                                         m_axi_o_bresp, m_axi_o_bid), wr_done, wr_err, burst_beats=burst_beats,
                                         max_outstanding=2)

    @always_comb
    def resets():
        rst.next = not ap_rst_n
        mover_rst.next = (not ap_rst_n) or clear

    @always_comb
    def unpack():
        q_ptr.next = args[q_lsb + 64:q_lsb]
        o_ptr.next = args[o_lsb + 64:o_lsb]
        n_words.next = args[n_lsb + 32:n_lsb]

    @always_comb
    def datapath():
        x_data.next = ~d_data
        cmd_beats.next = n_words[BEATS_BITS:]
        rd_cmd_valid.next = state == S_CMD and not rd_sent
        wr_cmd_valid.next = state == S_CMD and not wr_sent
        ap_idle.next = state == S_IDLE
        ap_done.next = state == S_DONE
        ap_ready.next = state == S_DONE
        clear.next = state == S_CLEAR
        status.next = err_code

    @always_seq(ap_clk.posedge, reset=rst)
    def control():
        if state == S_IDLE:
            if ap_start:
                rd_sent.next = False
                wr_sent.next = False
                seen_last.next = False
                if n_words == 0 or n_words > max_words:
                    err_code.next = 1
                    state.next = S_DONE
                elif q_ptr[12:] != 0 or o_ptr[12:] != 0:
                    err_code.next = 5
                    state.next = S_DONE
                else:
                    err_code.next = 0
                    state.next = S_CLEAR
        elif state == S_CLEAR:
            state.next = S_CMD
        elif state == S_CMD:
            if rd_cmd_valid and rd_cmd_ready:
                rd_sent.next = True
            if wr_cmd_valid and wr_cmd_ready:
                wr_sent.next = True
            if (rd_sent or (rd_cmd_valid and rd_cmd_ready)) and (wr_sent or (wr_cmd_valid and wr_cmd_ready)):
                state.next = S_RUN
        elif state == S_RUN:
            if d_valid and d_ready and d_last:
                seen_last.next = True
            if wr_done:
                if rd_err or not seen_last:
                    err_code.next = 6
                elif wr_err:
                    err_code.next = 7
                state.next = S_DONE
        else:
            state.next = S_IDLE

    return ctrl, reader, writer, resets, unpack, datapath, control


def copy_kernel_ports(params: dict) -> dict:
    rm = RegisterMap()
    w = params["data_width"]
    return {"ap_clk": Signal(bool(0)), "ap_rst_n": Signal(bool(0)), **axil_ports("s_axi_control", rm.addr_width),
            "interrupt": Signal(bool(0)), **axi_read_ports("m_axi_q", w), **axi_write_ports("m_axi_o", w)}


SPEC = BlockSpec(name="copy_kernel", factory=copy_kernel, ports=copy_kernel_ports,
                 params=lambda cfg: {"data_width": cfg.hbm_data_width, "burst_beats": 8, "max_words": 4096},
                 hdl_params=("burst_beats", "max_words"),
                 summary="test kernel: o[i] = ~q[i] for seq_len words")
