"""Registration of the stream unit's blocks and proof jobs (discovered by fast_prefill.blocks)."""

from ...blocks import BlockSpec, clock_and_reset, stream_ports
from ...verify.proof_jobs import ProofJob
from .downsizer import stream_downsizer
from .fifo import stream_fifo
from .fork import stream_fork
from .ram_fifo import stream_ram_fifo
from .skid_buffer import stream_skid_buffer


def _passthrough_ports(params: dict) -> dict:
    return {**clock_and_reset(), **stream_ports("s", params["width"]), **stream_ports("m", params["width"])}


def _fork_ports(params: dict) -> dict:
    w = params["width"]
    return {**clock_and_reset(), **stream_ports("s", w), **stream_ports("m_a", w), **stream_ports("m_b", w)}


def _access_width(cfg) -> int:
    """Bits of the kernel's access beat (``rtl/top/attention_path.acc_width``: ``3 * iw + 4``)."""
    return 3 * (cfg.max_blocks.bit_length() - 1) + 4


def _downsizer_ports(params: dict) -> dict:
    return {**clock_and_reset(), **stream_ports("s", params["width"] * params["ratio"]),
            **stream_ports("m", params["width"])}


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
        name="stream_ram_fifo",
        factory=stream_ram_fifo,
        ports=_passthrough_ports,
        params=lambda cfg: {"width": _access_width(cfg), "depth": cfg.access_fifo_depth},
        streams_in=("s",), streams_out=("m",), hdl_params=("depth",),
        summary="deep valid/ready FIFO in block RAM / UltraRAM (the kernel's access-stream FIFO)",
    ),
    BlockSpec(
        name="stream_skid_buffer",
        factory=stream_skid_buffer,
        ports=_passthrough_ports,
        params=lambda cfg: {"width": cfg.hbm_data_width},
        streams_in=("s",), streams_out=("m",),
        summary="valid/ready register slice (skid buffer), full throughput",
    ),
    BlockSpec(
        name="stream_fork",
        factory=stream_fork,
        ports=_fork_ports,
        params=lambda cfg: {"width": 32},
        streams_in=("s",), streams_out=("m_a", "m_b"),
        summary="broadcast every beat once to each of two outputs",
    ),
    BlockSpec(
        name="stream_downsizer",
        factory=stream_downsizer,
        ports=_downsizer_ports,
        params=lambda cfg: {"width": cfg.hbm_data_width, "ratio": 16 * cfg.head_dim // cfg.hbm_data_width},
        streams_in=("s",), streams_out=("m",),
        summary="wide beats to narrow beats, low slice first (SAE output rows to HBM beats)",
    ),
]

PROOF_JOBS = [
    ProofJob("stream_fifo_d2", "stream_fifo", {"width": 4, "depth": 2}, "stream_fifo.sv", 6, 12),
    ProofJob("stream_fifo_d4", "stream_fifo", {"width": 4, "depth": 4}, "stream_fifo.sv", 8, 16),
    ProofJob("stream_ram_fifo_d4", "stream_ram_fifo", {"width": 4, "depth": 4}, "stream_ram_fifo.sv", 10, 20),
    ProofJob("stream_ram_fifo_d8", "stream_ram_fifo", {"width": 4, "depth": 8}, "stream_ram_fifo.sv", 10, 24),
    ProofJob("stream_skid_buffer", "stream_skid_buffer", {"width": 4}, "stream_skid_buffer.sv", 6, 12),
    ProofJob("stream_fork", "stream_fork", {"width": 4}, "stream_fork.sv", 6, 10),
    ProofJob("stream_downsizer_r3", "stream_downsizer", {"width": 4, "ratio": 3}, "stream_downsizer.sv", 8, 12),
]
