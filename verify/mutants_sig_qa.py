"""Planted bugs of the query-aware SIG blocks (tests/verify/test_sig_qa_planted_bugs.py).

Each mutant edits the *converted Verilog* of one block (the artefact that is shipped, simulated and
proved); :class:`fast_prefill.convert.Mutant` refuses to apply when its text is not found exactly
once, so a mutant can never silently become a no-op.
"""

from __future__ import annotations

from ..convert import Mutant


def decision_le() -> Mutant:
    """The decision compares ``d2 <= tau_th`` instead of ``d2 < tau_th`` (wrong exactly at equality)."""
    return Mutant("decision_le", "assign qa = (diff < 0);", "assign qa = (diff <= 0);")


def pooled_non_causal() -> Mutant:
    """The output walk moves to the next row only after column nb - 1 instead of the diagonal, so it
    steps through non-causal (col > row) entries and maps selected indices to the wrong blocks."""
    return Mutant("pooled_non_causal", "    else if ((ccol == crow)) begin", "    else if ((ccol == nbl)) begin")
