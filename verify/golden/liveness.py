"""Liveness annotator: next use of every (row, block) access of a head's full pattern.

The whole pattern of a head is known before its attention starts (docs/design.md section 3), so a
backward pass over the rows gives every access ``(row, block)`` the row of the next access to the
same block, or :data:`DEAD` if there is none. A block is *pinnable* when, from its first use on,
every later row uses it (sink and vertical blocks): a cache can hold it for the whole head.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: next-use value of an access whose block is never used again
DEAD = -1


@dataclass(frozen=True)
class Access:
    row: int
    block: int
    next_use: int  # row of the next access of ``block``, or DEAD
    pinnable: bool  # block is used by every row from its first use to the last row


def pinnable_blocks(lists) -> np.ndarray:
    """Boolean per key block: used by every row from its first use to the last row."""
    nb = len(lists)
    count = np.zeros(nb, np.int64)
    first = np.full(nb, nb, np.int64)
    for r, lst in enumerate(lists):
        a = np.asarray(lst, np.int64)
        count[a] += 1
        first[a] = np.minimum(first[a], r)
    return (first < nb) & (count == nb - first)


def annotate(lists) -> list[Access]:
    """Accesses in stream order (rows ascending, blocks ascending within a row) with next use."""
    nb = len(lists)
    pin = pinnable_blocks(lists)
    nxt: dict[int, int] = {}
    out_rev: list[Access] = []
    for r in range(nb - 1, -1, -1):
        lst = [int(b) for b in lists[r]]
        row_acc = [Access(r, b, nxt.get(b, DEAD), bool(pin[b])) for b in lst]
        for b in lst:
            nxt[b] = r
        out_rev.extend(reversed(row_acc))
    out_rev.reverse()
    return out_rev


def annotate_bruteforce(lists) -> list[Access]:
    """Forward scan (quadratic), used by the tests as the reference for :func:`annotate`."""
    nb = len(lists)
    sets = [set(int(b) for b in lst) for lst in lists]
    out = []
    for r in range(nb):
        for b in lists[r]:
            b = int(b)
            nu = next((r2 for r2 in range(r + 1, nb) if b in sets[r2]), DEAD)
            first = min(r2 for r2 in range(nb) if b in sets[r2])
            pin = all(b in sets[r2] for r2 in range(first, nb))
            out.append(Access(r, b, nu, pin))
    return out
