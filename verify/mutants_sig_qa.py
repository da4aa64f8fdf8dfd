"""Planted bugs of the query-aware SIG blocks (tests/verify/test_sig_qa_planted_bugs.py).

Each mutant edits the *converted Verilog* of one block (the artefact that is shipped, simulated and
proved); :class:`fast_prefill.convert.Mutant` refuses to apply when its text is not found exactly
once, so a mutant can never silently become a no-op.
"""

from __future__ import annotations

from ..convert import Mutant


def decision_le(params: dict) -> Mutant:
    """The decision compares ``d2 <= tau_th`` instead of ``d2 < tau_th`` (wrong exactly at equality):
    the sign of ``d2 - tau_th`` (``CW`` bits for ``sig_decision`` at ``params``) or-ed with its being 0."""
    from ..rtl.sig.decision import decision_widths

    w = decision_widths(params["block_size"], params["head_dim"], params["max_blocks"], params["mult_bits"],
                        params["acc_frac"], params["log_frac"])
    cw = max(w["dw"], 33) + 1
    return Mutant("decision_le", f"assign qa = diff_sgn[({cw} - 1)];",
                  f"assign qa = (diff_sgn[({cw} - 1)] || (diff_sgn == 0));")


def pooled_non_causal() -> Mutant:
    """The output walk moves to the next row only after column nb - 1 instead of the diagonal, so it
    steps through non-causal (col > row) entries and maps selected indices to the wrong blocks."""
    return Mutant("pooled_non_causal", "    else if ((ccol == crow)) begin", "    else if ((ccol == nbl)) begin")


def pooled_end_missed() -> Mutant:
    """The output cursor's registered "at the last row's diagonal" flag is never set, so the walk
    would step past the head's last entry (rows beyond nb - 1)."""
    return Mutant("pooled_end_missed", "at_end <= end_nx;", "at_end <= 1'b0;")
