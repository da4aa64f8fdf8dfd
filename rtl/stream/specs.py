"""Registration of the stream unit's blocks and proof jobs (discovered by fast_prefill.blocks)."""

from ...blocks import BlockSpec, clock_and_reset, stream_ports
from ...verify.proof_jobs import ProofJob
from .fifo import stream_fifo
from .skid_buffer import stream_skid_buffer


def _passthrough_ports(params: dict) -> dict:
    return {**clock_and_reset(), **stream_ports("s", params["width"]), **stream_ports("m", params["width"])}


BLOCKS = [
    BlockSpec(
        name="stream_fifo",
        factory=stream_fifo,
        ports=_passthrough_ports,
        params=lambda cfg: {"width": cfg.hbm_data_width, "depth": cfg.fifo_depth},
        streams_in=("s",), streams_out=("m",), hdl_params=("depth",),
        summary="synchronous valid/ready FIFO",
    ),
    BlockSpec(
        name="stream_skid_buffer",
        factory=stream_skid_buffer,
        ports=_passthrough_ports,
        params=lambda cfg: {"width": cfg.hbm_data_width},
        streams_in=("s",), streams_out=("m",),
        summary="valid/ready register slice (skid buffer), full throughput",
    ),
]

PROOF_JOBS = [
    ProofJob("stream_fifo_d2", "stream_fifo", {"width": 4, "depth": 2}, "stream_fifo.sv", 6, 12),
    ProofJob("stream_fifo_d4", "stream_fifo", {"width": 4, "depth": 4}, "stream_fifo.sv", 8, 16),
    ProofJob("stream_skid_buffer", "stream_skid_buffer", {"width": 4}, "stream_skid_buffer.sv", 6, 12),
]
