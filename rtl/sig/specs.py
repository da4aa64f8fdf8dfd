"""Registration of the SIG unit's blocks and proof jobs (discovered by fast_prefill.blocks)."""

from myhdl import Signal, intbv

from ...blocks import BlockSpec, clock_and_reset, stream_ports
from ...verify.proof_jobs import ProofJob
from .list_builder import index_width, sig_list_builder


def _builder_ports(params: dict) -> dict:
    iw = index_width(params["max_blocks"])
    return {**clock_and_reset(), **stream_ports("s_sel", iw + 3), **stream_ports("s_extra", 2 * iw + 1),
            **stream_ports("m", 2 * iw + 1)}


BLOCKS = [
    BlockSpec(
        name="sig_list_builder",
        factory=sig_list_builder,
        ports=_builder_ports,
        params=lambda cfg: {"max_blocks": cfg.max_blocks},
        streams_in=("s_sel", "s_extra"), streams_out=("m",), hdl_params=("max_blocks",),
        summary="SIG block-list builder: per-row ascending key-block lists with row-end marker",
    ),
]

PROOF_JOBS = [
    ProofJob("sig_list_builder_b4", "sig_list_builder", {"max_blocks": 4}, "sig_list_builder.sv", 14, 28),
    ProofJob("sig_list_builder_b8", "sig_list_builder", {"max_blocks": 8}, "sig_list_builder.sv", 4, 30),
]
