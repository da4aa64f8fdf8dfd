"""Registration of the SIG unit's blocks and proof jobs (discovered by fast_prefill.blocks)."""

from myhdl import Signal, intbv

from ...blocks import BlockSpec, clock_and_reset, stream_ports
from ...verify.proof_jobs import ProofJob
from .list_builder import index_width, sig_list_builder
from .liveness import sig_liveness


def _builder_ports(params: dict) -> dict:
    iw = index_width(params["max_blocks"])
    return {**clock_and_reset(), **stream_ports("s_sel", iw + 3), **stream_ports("s_extra", 2 * iw + 1),
            **stream_ports("m", 2 * iw + 2)}


def _liveness_ports(params: dict) -> dict:
    iw = index_width(params["max_blocks"])
    return {**clock_and_reset(), **stream_ports("s", 2 * iw + 2), **stream_ports("m", 3 * iw + 4)}


def _liveness_params(cfg) -> dict:
    # Access buffer: every access of a head with up to 32 blocks per row on average (a sparse head
    # at the largest context); documented in docs/sig.md.
    return {"max_blocks": cfg.max_blocks, "max_accesses": 32 * cfg.max_blocks}


BLOCKS = [
    BlockSpec(
        name="sig_list_builder",
        factory=sig_list_builder,
        ports=_builder_ports,
        params=lambda cfg: {"max_blocks": cfg.max_blocks},
        streams_in=("s_sel", "s_extra"), streams_out=("m",), hdl_params=("max_blocks",),
        summary="SIG block-list builder: per-row ascending key-block lists with row-end marker",
    ),
    BlockSpec(
        name="sig_liveness",
        factory=sig_liveness,
        ports=_liveness_ports,
        params=_liveness_params,
        streams_in=("s",), streams_out=("m",), hdl_params=("max_blocks", "max_accesses"),
        summary="SIG liveness annotator: next-use row (or dead) and pinnable flag per access",
    ),
]

PROOF_JOBS = [
    ProofJob("sig_list_builder_b4", "sig_list_builder", {"max_blocks": 4}, "sig_list_builder.sv", 14, 28),
    ProofJob("sig_list_builder_b8", "sig_list_builder", {"max_blocks": 8}, "sig_list_builder.sv", 4, 30),
]
