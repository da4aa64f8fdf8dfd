"""Width rules shared by every unit."""

from __future__ import annotations

from .params import check_int


def index_width(count: int) -> int:
    """Bits of an index into ``count`` entries, ``0 .. count - 1``: at least one bit (a one-entry
    table still has a one-bit index port). ``count`` must be an integer >= 1."""
    check_int("index_width", "count", count, 1)
    return max(1, (count - 1).bit_length())
