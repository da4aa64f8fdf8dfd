"""Registration of the top-level unit's blocks and proof jobs (discovered by fast_prefill.blocks)."""

from myhdl import Signal, intbv

from ...blocks import BlockSpec, clock_and_reset
from ...verify.proof_jobs import ProofJob
from .axil_control import axil_control
from .regmap import RegisterMap


def axil_ports(prefix: str, addr_width: int) -> dict:
    """Signals of one AXI4-Lite slave port named ``<prefix>_awvalid`` ... ``<prefix>_rresp``."""
    b, v = (lambda: Signal(bool(0))), (lambda w: Signal(intbv(0)[w:]))
    return {
        f"{prefix}_awvalid": b(), f"{prefix}_awready": b(), f"{prefix}_awaddr": v(addr_width),
        f"{prefix}_wvalid": b(), f"{prefix}_wready": b(), f"{prefix}_wdata": v(32), f"{prefix}_wstrb": v(4),
        f"{prefix}_bvalid": b(), f"{prefix}_bready": b(), f"{prefix}_bresp": v(2),
        f"{prefix}_arvalid": b(), f"{prefix}_arready": b(), f"{prefix}_araddr": v(addr_width),
        f"{prefix}_rvalid": b(), f"{prefix}_rready": b(), f"{prefix}_rdata": v(32), f"{prefix}_rresp": v(2),
    }


def _control_ports(params: dict) -> dict:
    rm = RegisterMap()
    return {
        **clock_and_reset(), **axil_ports("s_axi_control", rm.addr_width),
        "interrupt": Signal(bool(0)), "ap_start": Signal(bool(0)), "ap_done": Signal(bool(0)),
        "ap_ready": Signal(bool(0)), "ap_idle": Signal(bool(0)),
        "args": Signal(intbv(0)[rm.args_width:]), "status": Signal(intbv(0)[32:]),
    }


BLOCKS = [
    BlockSpec(
        name="axil_control",
        factory=axil_control,
        ports=_control_ports,
        params=lambda cfg: {},
        summary="s_axi_control: ap_ctrl_hs, GIE/IER/ISR, kernel arguments from rtl/top/regmap.toml",
    ),
]

PROOF_JOBS = [
    ProofJob("axil_control", "axil_control", {"n_args": len(RegisterMap().arg_words)}, "axil_control.sv", 6, 16),
]
