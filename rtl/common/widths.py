"""Width rules shared by every unit."""

from __future__ import annotations


def index_width(count: int) -> int:
    """Bits of an index into ``count`` entries, ``0 .. count - 1``: at least one bit (a one-entry
    table still has a one-bit index port). ``count`` must be an integer >= 1."""
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ValueError(f"index_width field 'count' = {count!r} is not allowed: must be an integer >= 1")
    return max(1, (count - 1).bit_length())
