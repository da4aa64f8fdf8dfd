"""Registration of the AXI unit's blocks and proof jobs (discovered by fast_prefill.blocks)."""

from myhdl import Signal, intbv

from ...blocks import BlockSpec, clock_and_reset
from ...verify.proof_jobs import ProofJob
from .burst_address import axi_burst_address
from .read_arbiter import axi_read_arbiter
from .stream_reader import axi_stream_reader
from .stream_writer import axi_stream_writer

ADDR_WIDTH = 64
ID_WIDTH = 4


def axi_read_ports(prefix: str, data_width: int) -> dict:
    b, v = (lambda: Signal(bool(0))), (lambda w: Signal(intbv(0)[w:]))
    return {f"{prefix}_arvalid": b(), f"{prefix}_arready": b(), f"{prefix}_araddr": v(ADDR_WIDTH),
            f"{prefix}_arlen": v(8), f"{prefix}_arsize": v(3), f"{prefix}_arburst": v(2),
            f"{prefix}_arid": v(ID_WIDTH), f"{prefix}_rvalid": b(), f"{prefix}_rready": b(),
            f"{prefix}_rdata": v(data_width), f"{prefix}_rresp": v(2), f"{prefix}_rlast": b(),
            f"{prefix}_rid": v(ID_WIDTH)}


def axi_write_ports(prefix: str, data_width: int) -> dict:
    b, v = (lambda: Signal(bool(0))), (lambda w: Signal(intbv(0)[w:]))
    return {f"{prefix}_awvalid": b(), f"{prefix}_awready": b(), f"{prefix}_awaddr": v(ADDR_WIDTH),
            f"{prefix}_awlen": v(8), f"{prefix}_awsize": v(3), f"{prefix}_awburst": v(2),
            f"{prefix}_awid": v(ID_WIDTH), f"{prefix}_wvalid": b(), f"{prefix}_wready": b(),
            f"{prefix}_wdata": v(data_width), f"{prefix}_wstrb": v(data_width // 8), f"{prefix}_wlast": b(),
            f"{prefix}_bvalid": b(), f"{prefix}_bready": b(), f"{prefix}_bresp": v(2), f"{prefix}_bid": v(ID_WIDTH)}


def _cmd_ports(params: dict) -> dict:
    return {"s_cmd_valid": Signal(bool(0)), "s_cmd_ready": Signal(bool(0)),
            "s_cmd_addr": Signal(intbv(0)[ADDR_WIDTH:]), "s_cmd_beats": Signal(intbv(0)[params["beats_bits"]:])}


def _reader_ports(params: dict) -> dict:
    w = params["data_width"]
    return {**clock_and_reset(), **_cmd_ports(params), **axi_read_ports("m_axi", w),
            "m_valid": Signal(bool(0)), "m_ready": Signal(bool(0)), "m_data": Signal(intbv(0)[w:]),
            "m_last": Signal(bool(0)), "err": Signal(bool(0))}


def _writer_ports(params: dict) -> dict:
    w = params["data_width"]
    return {**clock_and_reset(), **_cmd_ports(params),
            "s_valid": Signal(bool(0)), "s_ready": Signal(bool(0)), "s_data": Signal(intbv(0)[w:]),
            **axi_write_ports("m_axi", w), "done": Signal(bool(0)), "err": Signal(bool(0))}


def _params(cfg) -> dict:
    burst = min(64, 4096 * 8 // cfg.hbm_data_width)
    return {"data_width": cfg.hbm_data_width, "beats_bits": 24, "burst_beats": burst,
            "fifo_depth": 2 * burst, "max_outstanding": min(cfg.max_outstanding_bursts, 16)}


def _counter_ports(params: dict) -> dict:
    w = params.get("addr_width", ADDR_WIDTH)
    return {**clock_and_reset(), "load": Signal(bool(0)), "load_addr": Signal(intbv(0)[w:]),
            "step": Signal(bool(0)), "addr": Signal(intbv(0)[w:])}


def _arbiter_ports(params: dict) -> dict:
    w = params["data_width"]
    return {**clock_and_reset(), **axi_read_ports("a", w), **axi_read_ports("b", w), **axi_read_ports("m", w)}


BLOCKS = [
    BlockSpec(name="axi_burst_address", factory=axi_burst_address, ports=_counter_ports,
              params=lambda cfg: {"step_bytes": _params(cfg)["burst_beats"] * cfg.hbm_data_width // 8},
              hdl_params=("step_bytes",),
              summary="AXI burst address counter: load, step by one burst, no adder wider than half the address"),
    BlockSpec(name="axi_stream_reader", factory=axi_stream_reader, ports=_reader_ports, params=_params,
              hdl_params=("burst_beats", "fifo_depth", "max_outstanding"),
              summary="AXI4 read master: (address, beats) command -> data stream"),
    BlockSpec(name="axi_stream_writer", factory=axi_stream_writer, ports=_writer_ports,
              params=lambda cfg: {k: v for k, v in _params(cfg).items() if k != "fifo_depth"},
              hdl_params=("burst_beats", "max_outstanding"),
              summary="AXI4 write master: (address, beats) command + data stream -> write bursts"),
    # b_id: the kernel's SIG head reads with ARID 1, its attention path with 0 (rtl/top/fast_prefill.py)
    BlockSpec(name="axi_read_arbiter", factory=axi_read_arbiter, ports=_arbiter_ports,
              params=lambda cfg: {"data_width": cfg.hbm_data_width, "b_id": 1}, hdl_params=("b_id",),
              summary="two AXI4 read masters on one read port: AR round robin, R routed by RID"),
]

_PROOF = {"data_width": 32, "beats_bits": 9, "burst_beats": 2, "max_outstanding": 2}

PROOF_JOBS = [
    # equal to a plain 64-bit adder for every load address and step pattern (steps two cycles apart),
    # the carry from the low half included
    ProofJob("axi_burst_address", "axi_burst_address", {"step_bytes": 64}, "axi_burst_address.sv", 4, 8),
    ProofJob("axi_stream_reader", "axi_stream_reader", {**_PROOF, "fifo_depth": 4}, "axi_stream_reader.sv", 10, 14),
    ProofJob("axi_stream_writer", "axi_stream_writer", _PROOF, "axi_stream_writer.sv", 10, 14),
    ProofJob("axi_read_arbiter", "axi_read_arbiter", {"data_width": 8, "b_id": 1}, "axi_read_arbiter.sv", 8, 16),
]
