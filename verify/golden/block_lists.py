"""Per-row key-block lists: construction, checking and the stream form.

A *layout* of one head is a list over query-block rows ``r = 0 .. nb-1`` of 1-D int64
arrays, the key blocks row ``r`` attends to. The contract (docs/design.md section 4, "index
ordering"): every list is strictly increasing, lies in ``[0, r]`` and contains ``0`` and ``r``.

The stream form is what the SIG's block-list builder emits: rows in order, one beat per
key block ``(block, last)``; ``last`` is the row-end marker on the final beat of a row.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._checks import check_int


@dataclass(frozen=True)
class HeadPattern:
    """The sparse pattern of one head, in the vertical / slash / extra-block form.

    ``vertical``: key blocks used by every row at or below them (sorted, unique).
    ``slash``: block diagonal offsets ``s`` (row ``r`` uses block ``r - s`` when ``s <= r``).
    ``extra``: flat indices ``r * nb + c`` of further blocks (query-aware pooled selection).
    ``dense``: all causal blocks (short sequences, as the FlexPrefill reference does).
    """

    nb: int
    vertical: np.ndarray
    slash: np.ndarray
    extra: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    dense: bool = False
    query_aware: bool = False
    info: dict = field(default_factory=dict)

    def row(self, r: int) -> np.ndarray:
        return build_row(self, r)

    def rows(self) -> list[np.ndarray]:
        return build_lists(self)

    def num_blocks(self) -> int:
        return int(sum(len(x) for x in self.rows()))


def build_row(p: HeadPattern, r: int) -> np.ndarray:
    """Ascending, duplicate-free key-block list of row ``r`` (always contains 0 and r)."""
    r = check_int("row", r, 0, p.nb - 1)
    if p.dense:
        return np.arange(r + 1, dtype=np.int64)
    v = p.vertical[p.vertical <= r]
    s = r - p.slash[p.slash <= r]
    e = p.extra[(p.extra // p.nb) == r] % p.nb if p.extra.size else p.extra
    e = e[e <= r]
    allb = np.concatenate([v, s, e, np.array([0, r], np.int64)]).astype(np.int64)
    return np.unique(allb)


def build_lists(p: HeadPattern) -> list[np.ndarray]:
    return [build_row(p, r) for r in range(p.nb)]


def dense_lists(nb: int) -> list[np.ndarray]:
    nb = check_int("nb", nb, 1)
    return [np.arange(r + 1, dtype=np.int64) for r in range(nb)]


def check_lists(lists, nb: int | None = None) -> None:
    """Raise ``ValueError`` unless ``lists`` satisfies the index-ordering contract."""
    if nb is None:
        nb = len(lists)
    if len(lists) != nb:
        raise ValueError(f"layout has {len(lists)} rows, expected nb={nb}")
    for r, lst in enumerate(lists):
        a = np.asarray(lst)
        if a.ndim != 1 or a.size == 0:
            raise ValueError(f"row {r}: list must be a non-empty 1-D sequence, got {a!r}")
        if a.dtype.kind not in "iu":
            raise ValueError(f"row {r}: block indices must be integers, got dtype {a.dtype}")
        if np.any(np.diff(a) <= 0):
            raise ValueError(f"row {r}: list is not strictly increasing: {a.tolist()}")
        if a[0] != 0:
            raise ValueError(f"row {r}: list must contain block 0 (sink), got {a.tolist()}")
        if a[-1] != r:
            raise ValueError(f"row {r}: list must end with the diagonal block {r}, got {a.tolist()}")


def to_stream(lists) -> list[tuple[int, int]]:
    """Stream form: ``(block, last)`` beats, rows in order; ``last=1`` closes a row."""
    out: list[tuple[int, int]] = []
    for lst in lists:
        n = len(lst)
        for i, b in enumerate(lst):
            out.append((int(b), int(i == n - 1)))
    return out


def from_stream(beats) -> list[np.ndarray]:
    """Inverse of :func:`to_stream`; raises ``ValueError`` on a stream not closed by a marker."""
    rows: list[np.ndarray] = []
    cur: list[int] = []
    for b, last in beats:
        cur.append(int(b))
        if last:
            rows.append(np.array(cur, np.int64))
            cur = []
    if cur:
        raise ValueError(f"stream ends inside a row (no row-end marker after {cur})")
    return rows


def lists_to_mask(lists, nb: int) -> np.ndarray:
    """nb x nb boolean block mask (for tests and reports; nb x nb, never N x N)."""
    m = np.zeros((nb, nb), bool)
    for r, lst in enumerate(lists):
        m[r, np.asarray(lst, np.int64)] = True
    return m


def density(lists, nb: int) -> float:
    """Selected blocks / causal blocks."""
    return float(sum(len(x) for x in lists)) / (nb * (nb + 1) / 2)
