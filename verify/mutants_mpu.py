"""Planted bugs in the MPU that the checkers must reject (tests/verify/test_mpu_planted_bugs.py).

Each mutant edits the *converted Verilog* (see :class:`fast_prefill.convert.Mutant`); it refuses to
apply if its text is not found exactly ``count`` times, so it can never silently test nothing.
"""

from __future__ import annotations

from ..convert import Mutant


def bitplane_sign_plane_added() -> Mutant:
    """Wrong sign-plane weight: the bit-plane lane adds ``+2**(W-1) * (x . w_(W-1))`` instead of
    subtracting it (the weights read as unsigned). The bit-plane lane is one module, shared by
    every bit-plane lane instance of the tile engine (fast_prefill/hierarchy.py), so the bug is
    planted once and is in all of them.

    The sign term is the only negation in the MPU's Verilog: ``s = (-($signed(a) << W-1))``.
    """
    return Mutant("bitplane_sign_plane_added", "(-($signed(", "(($signed(")


def mpu_dsp_pair_no_correction(count: int = 1) -> Mutant:
    """The packed pair without its correction term: p1 is the high field alone, one too small
    whenever a0 * b < 0 (the negative low product borrowed from it). The term is the low field's
    sign bit, ``corr = {1'b0, prod[S-1]}`` of ``rtl/mpu/parts.split_pair``; the mutant ANDs it
    with zero. ``count``: the pairs in the module (one in ``mpu_dsp_pair``, ``k`` in a pair lane)."""
    return Mutant("mpu_dsp_pair_no_correction", "_corr = $signed({1'b0, ", "_corr = $signed({1'b0, 1'b0 & ",
                  count)


def mpu_mac_lane_no_clear(count: int = 2) -> Mutant:
    """The MAC lane ignores its clear: a task's sum starts from the previous task's instead of 0
    (``acc <= prod`` becomes ``acc <= acc + prod``). ``count``: the lane's fields ``n``."""
    return Mutant("mpu_mac_lane_no_clear", "if (clr1) begin", "if (1'b0) begin", count)
