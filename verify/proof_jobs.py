"""The proof jobs ``make formal`` runs: one job per (block, parameter set), each with a prove task
(k-induction to ``prove_depth``) and a cover task (to ``cover_depth``).

Parameters are swept as separate jobs (wb2axip style), so each proof stays small and a failure
names the exact configuration. Every parameter reaches the property file as ```FP_<NAME>``.
Jobs are registered beside the RTL they constrain, in ``rtl/<unit>/specs.py`` (``PROOF_JOBS``).
"""

from __future__ import annotations

import functools
import importlib
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ProofJob:
    name: str
    block: str                 # name in fast_prefill.blocks.BLOCKS
    params: dict = field(hash=False)
    properties: str = ""       # file in verify/properties/
    prove_depth: int = 8
    cover_depth: int = 16
    # sub-modules (by MyHDL function name) read as black boxes whose outputs are free (cutpoint)
    blackbox: tuple[str, ...] = ()
    # the prove task's mode: "prove" (k-induction: holds in every reachable state) or "bmc" (bounded:
    # holds in every run of prove_depth cycles from reset; for a job whose inductive invariants are
    # not written yet, named *_bmc so the table says so)
    mode: str = "prove"
    # the depth of the ``bmc`` task (the base case alone, which planted bugs are shown with) when it
    # must reach further from reset than the induction needs; None: prove_depth
    bmc_depth: int | None = None

    def __post_init__(self):
        if self.mode not in ("prove", "bmc"):
            raise ValueError(f"ProofJob field 'mode' = {self.mode!r} is not allowed: must be 'prove' or 'bmc'")
        if self.mode == "bmc" and not self.name.endswith("_bmc"):
            raise ValueError(f"ProofJob field 'name' = {self.name!r} is not allowed for mode 'bmc': must end in '_bmc'")


@functools.cache
def all_jobs() -> dict[str, ProofJob]:
    """Every registered job by name, from ``PROOF_JOBS`` in each unit's ``rtl/<unit>/specs.py``."""
    from ..blocks import BLOCKS

    jobs: dict[str, ProofJob] = {}
    for module in sorted({spec.factory.__module__.rsplit(".", 1)[0] for spec in BLOCKS.values()}):
        for job in getattr(importlib.import_module(f"{module}.specs"), "PROOF_JOBS", []):
            if job.name in jobs:
                raise ValueError(f"proof job '{job.name}' is registered twice")
            if job.block not in BLOCKS:
                raise ValueError(f"proof job '{job.name}' names unknown block '{job.block}'")
            jobs[job.name] = job
    return jobs
