"""Planted bugs of the SAE (tests/verify/test_sae_planted_bugs.py): exact edits of the converted
Verilog of ``sae_engine`` that the Hypothesis golden comparison must reject."""

from __future__ import annotations

from ..convert import Mutant


def sae_mask_off_by_one() -> Mutant:
    """Diagonal block: the key on the diagonal (j == i) is masked too in the P x V / exp-sum pass."""
    return Mutant("sae_mask_off_by_one", "masked = (diag_r && (jaddr > i_loc));",
                  "masked = (diag_r && (jaddr >= i_loc));")


def sae_alpha_not_on_acc(acc_bits: int) -> Mutant:
    """The rescale by ``alpha = E(m' - m)`` is skipped for the accumulator (kept for the exp-sum):
    the lane's ``acc_run <= rsr(acc * alpha, P)`` becomes ``acc_run <= acc_run`` (in the ``sae_lane``
    module, which every lane of the engine instantiates)."""
    return Mutant("sae_alpha_not_on_acc", f"acc_run <= $signed(a_rnd[{acc_bits}-1:0]);", "acc_run <= acc_run;")


def sae_emit_ignores_ready() -> Mutant:
    """The output phase moves on whether or not the sink took the beat (a stalled row is lost)."""
    return Mutant("sae_emit_ignores_ready", "if (m_o_ready) begin", "if (1'b1) begin")


def sae_row_wrong_tile() -> Mutant:
    """Row-parallel engine: the P x V side reads the other logit tile bank (the neighbouring task's
    logits) instead of its own task's (``sae_row_engine``'s ``x_raddr``)."""
    return Mutant("sae_row_wrong_tile", "x_raddr = {pv_tb, pv_j};", "x_raddr = {(!pv_tb), pv_j};")


def sae_row_no_credit_check(rows: int = 2) -> Mutant:
    """Row-parallel engine: a last-block task starts without output FIFO room reserved for its
    rows (``sae_row_engine``'s ``pv_start`` ignores ``cred``): under back-pressure the FIFO overflows."""
    return Mutant("sae_row_no_credit_check", f"((!nx_last) || (cred >= {rows}))", "1'b1")
