"""The proof jobs ``make formal`` runs: one job per (block, parameter set), each with a prove task
(k-induction to ``prove_depth``) and a cover task (to ``cover_depth``).

Parameters are swept as separate jobs (wb2axip style), so each proof stays small and a failure
names the exact configuration. Every parameter reaches the property file as ```FP_<NAME>``.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ProofJob:
    name: str
    block: str                 # name in fast_prefill.blocks.BLOCKS
    params: dict = field(hash=False)
    properties: str            # file in verify/properties/
    prove_depth: int = 8
    cover_depth: int = 16


JOBS: dict[str, ProofJob] = {
    job.name: job
    for job in (
        ProofJob("stream_fifo_d2", "stream_fifo", {"width": 4, "depth": 2}, "stream_fifo.sv", 6, 12),
        ProofJob("stream_fifo_d4", "stream_fifo", {"width": 4, "depth": 4}, "stream_fifo.sv", 8, 16),
        ProofJob("stream_skid_buffer", "stream_skid_buffer", {"width": 4}, "stream_skid_buffer.sv", 6, 12),
    )
}
