"""Beat encodings of the SIG stream ports (pure Python; used by tests, benchmarks and the host).

Each function maps between the golden model's objects (``verify/golden/block_lists.HeadPattern``,
``verify/golden/liveness.Access``) and the integer beats of one block's ports, so every test
compares the RTL with the golden model through one documented encoding.
"""

from __future__ import annotations

import numpy as np

from .list_builder import K_DENSE, K_HEADER, K_SLASH, K_VERT, index_width


def pattern_sel_beats(p, max_blocks: int) -> list[int]:
    """``s_sel`` beats of one head: header (``nb - 1``, dense flag), vertical blocks, slash
    offsets; ``last`` on the final beat."""
    iw = index_width(max_blocks)
    if not 1 <= p.nb <= max_blocks:
        raise ValueError(f"pattern nb={p.nb} is not allowed: must be in [1, max_blocks={max_blocks}]")
    items = [(K_DENSE if p.dense else K_HEADER, p.nb - 1)]
    if not p.dense:
        items += [(K_VERT, int(v)) for v in p.vertical] + [(K_SLASH, int(s)) for s in p.slash]
    out = []
    for i, (kind, val) in enumerate(items):
        last = int(i == len(items) - 1)
        out.append((last << (iw + 2)) | (kind << iw) | val)
    return out


def pattern_extra_beats(p, max_blocks: int) -> list[int]:
    """``s_extra`` beats of one head: query-aware blocks ``(row, col)`` in ascending flat order,
    then the end beat."""
    iw = index_width(max_blocks)
    out = []
    if not p.dense:
        for f in sorted(int(x) for x in p.extra):
            out.append(((f // p.nb) << iw) | (f % p.nb))
    return out + [1 << (2 * iw)]


def list_beat(row: int, block: int, last: bool, max_blocks: int, head_end: bool = False) -> int:
    iw = index_width(max_blocks)
    return (int(head_end) << (2 * iw + 1)) | (row << (iw + 1)) | (block << 1) | int(last)


def decode_list_beat(beat: int, max_blocks: int) -> tuple[int, int, int]:
    """``(row, block, last)`` of an ``m`` beat of the list builder (``head_end`` dropped)."""
    iw = index_width(max_blocks)
    return (beat >> (iw + 1)) & ((1 << iw) - 1), (beat >> 1) & ((1 << iw) - 1), beat & 1


def expected_list_beats(p, max_blocks: int) -> list[int]:
    """The golden stream (``build_lists`` then ``to_stream``) with each beat's row added."""
    from ...verify.golden.block_lists import build_lists, to_stream

    out = []
    row = 0
    for block, last in to_stream(build_lists(p)):
        out.append(list_beat(row, block, last, max_blocks, head_end=bool(last) and row == p.nb - 1))
        row += last
    return out


def lists_from_beats(beats, max_blocks: int) -> list[np.ndarray]:
    from ...verify.golden.block_lists import from_stream

    return from_stream([decode_list_beat(b, max_blocks)[1:] for b in beats])


def liveness_beat(row: int, block: int, last: bool, head_end: bool, next_use: int, pinnable: bool,
                  max_blocks: int) -> int:
    """``m`` beat of the liveness annotator: ``{dead, next_row, pinnable, <list beat>}``;
    ``next_use`` is a row or ``liveness.DEAD`` (-1)."""
    iw = index_width(max_blocks)
    nu = (1 << iw) if next_use < 0 else next_use
    return (nu << (2 * iw + 3)) | (int(pinnable) << (2 * iw + 2)) | list_beat(row, block, last, max_blocks, head_end)


def decode_liveness_beat(beat: int, max_blocks: int) -> tuple[int, int, int, bool]:
    """``(row, block, next_use, pinnable)``; ``next_use`` is -1 (``liveness.DEAD``) when dead."""
    iw = index_width(max_blocks)
    row, block, _ = decode_list_beat(beat, max_blocks)
    nu = beat >> (2 * iw + 3)
    return row, block, (-1 if nu >> iw else nu), bool((beat >> (2 * iw + 2)) & 1)
