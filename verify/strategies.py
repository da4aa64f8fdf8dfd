"""Hypothesis strategies shared by the RTL tests: beats, idle and back-pressure patterns."""

from __future__ import annotations

from hypothesis import strategies as st


def pattern(max_len: int = 16):
    """A cyclic on/off pattern: often all-off (full speed), sometimes dense, sometimes sparse."""
    return st.one_of(
        st.just([]),
        # A pattern that is on in every cycle would never let a beat through: keep one cycle off.
        st.lists(st.booleans(), min_size=1, max_size=max_len).map(lambda p: p if not all(p) else p + [False]),
        st.integers(1, 8).map(lambda n: [True] * n + [False]),   # long bursts of stall
    )


def beats(width: int, max_beats: int = 64):
    """Stream payloads including the extreme values of a ``width``-bit word."""
    top = (1 << width) - 1
    return st.lists(st.one_of(st.integers(0, top), st.sampled_from([0, top])), min_size=0, max_size=max_beats)
