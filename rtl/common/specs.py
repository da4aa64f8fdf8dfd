"""Registry entries of the shared primitives that have state worth a proof of their own."""

from __future__ import annotations

from myhdl import Signal, intbv

from ...blocks import BlockSpec
from ...verify.proof_jobs import ProofJob
from .ram_bypass import ram_bypass


def _ram_bypass_ports(params: dict) -> dict:
    aw, w = params["addr_width"], params["width"]
    return {"clk": Signal(bool(0)), "we": Signal(bool(0)), "waddr": Signal(intbv(0)[aw:]),
            "wdata": Signal(intbv(0)[w:]), "raddr": Signal(intbv(0)[aw:]), "hit": Signal(bool(0)),
            "rdata": Signal(intbv(0)[w:])}


BLOCKS = [
    BlockSpec(
        name="ram_bypass",
        factory=ram_bypass,
        ports=_ram_bypass_ports,
        # a sample of the SIG's use (the pooled-value buffers: max_blocks words of pooled bits)
        params=lambda cfg: {"addr_width": (cfg.max_blocks - 1).bit_length(), "width": 24},
        summary="RAM with a registered read and a write bypass (the SIG's look-ahead reads)",
    ),
]

PROOF_JOBS = [
    ProofJob("ram_bypass", "ram_bypass", {"addr_width": 3, "width": 4}, "ram_bypass.sv", 4, 8),
]
