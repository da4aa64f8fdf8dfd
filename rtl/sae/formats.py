"""Beat encodings of the SAE stream ports and the golden reference of one row job (pure Python).

Used by tests, the benchmark and the host/top level, so that every check goes through one
documented encoding (docs/sae.md). ``geom`` is an :class:`rtl.sae.engine.SaeGeometry`.
"""

from __future__ import annotations

import math

import numpy as np

from .engine import SHIFT_BITS, SaeGeometry


def geometry(params: dict) -> SaeGeometry:
    """The geometry of ``sae_engine`` or, when ``params`` has ``rows``, of ``sae_row_engine``."""
    if "rows" in params:
        from .row_engine import RowGeometry

        return RowGeometry(**params)
    return SaeGeometry(**params)


def pack_row(values, bits: int) -> int:
    """Elements ``values[d]`` (signed) in bits ``[d*bits, (d+1)*bits)``, two's complement."""
    mask = (1 << bits) - 1
    out = 0
    for d, v in enumerate(values):
        out |= (int(v) & mask) << (d * bits)
    return out


def unpack_row(word: int, n: int, bits: int) -> list[int]:
    out = []
    for d in range(n):
        v = (word >> (d * bits)) & ((1 << bits) - 1)
        out.append(v - (1 << bits) if v >> (bits - 1) else v)
    return out


def cmd_beat(geom: SaeGeometry, row: int, mults_shifts) -> int:
    """``{row, (shift_g, mult_g) for g = G-1 .. 0}``."""
    if len(mults_shifts) != geom.G:
        raise ValueError(f"cmd needs {geom.G} (mult, shift) pairs, got {len(mults_shifts)}")
    word = 0
    for g, (mult, shift) in enumerate(mults_shifts):
        if not 0 <= mult < (1 << geom.MB) or not geom.LF + 1 <= shift < (1 << SHIFT_BITS):
            raise ValueError(f"head {g}: mult={mult} / shift={shift} outside the command fields")
        word |= ((shift << geom.MB) | mult) << (g * geom.PW)
    if not 0 <= row < geom.max_blocks:
        raise ValueError(f"row {row} outside [0, {geom.max_blocks})")
    return word | (row << (geom.G * geom.PW))


def blk_beat(geom: SaeGeometry, block: int, last: bool) -> int:
    return (block << 1) | int(last)


def head_mult_shift(h, cfg) -> tuple[int, int]:
    """The golden model's score multiplier for a head (``sparse_attention_fixed``'s choice)."""
    from ...verify.golden.fixed_point import score_multiplier

    d = h.q.shape[1]
    return score_multiplier(h.scale_q * h.scale_k * math.log2(math.e) / math.sqrt(d), cfg)


def padded_block(x: np.ndarray, blk: int, bsz: int) -> np.ndarray:
    """Rows ``blk*B .. blk*B+B-1`` of ``x``, zero rows past the end (a partial last block)."""
    rows = x[blk * bsz: blk * bsz + bsz]
    if len(rows) < bsz:
        rows = np.vstack([rows, np.zeros((bsz - len(rows), x.shape[1]), np.int64)])
    return rows


def row_job_beats(geom: SaeGeometry, heads, row: int, blocks, mults_shifts) -> dict[str, list[int]]:
    """Input beats of one row job: query heads ``heads`` (GQA group, shared ``k``/``v``; the group
    shares the key-block list ``blocks``)."""
    b = geom.B
    q = [pack_row(rw, 8) for h in heads for rw in padded_block(h.q, row, b)]
    kv = []
    for c in blocks:
        kv += [pack_row(rw, 8) for rw in padded_block(heads[0].k, int(c), b)]
        kv += [pack_row(rw, 8) for rw in padded_block(heads[0].v, int(c), b)]
    blk = [blk_beat(geom, int(c), i == len(blocks) - 1) for i, c in enumerate(blocks)]
    return {"s_cmd": [cmd_beat(geom, row, mults_shifts)], "s_q": q, "s_blk": blk, "s_kv": kv}


def head_beats(geom: SaeGeometry, heads, lists, rows=None) -> dict[str, list[int]]:
    """All row jobs of a group, rows in order (or ``rows``), concatenated per stream."""
    out = {"s_cmd": [], "s_q": [], "s_blk": [], "s_kv": []}
    ms = [head_mult_shift(h, geom.fx) for h in heads]
    for r in (range(len(lists)) if rows is None else rows):
        for k, v in row_job_beats(geom, heads, r, lists[r], ms).items():
            out[k] += v
    return out


def expected_o_beats(geom: SaeGeometry, heads, lists, rows=None) -> list[int]:
    """Golden ``sparse_attention_fixed`` of every head, as ``m_o`` beats (rows past N: padding,
    compared separately with :func:`o_beats_valid_mask`)."""
    from ...verify.golden.fixed_point import sparse_attention_fixed

    outs = [sparse_attention_fixed(h, lists, geom.fx) for h in heads]
    n = heads[0].q.shape[0]
    beats = []
    for r in (range(len(lists)) if rows is None else rows):
        for o in outs:
            for i in range(geom.B):
                t = r * geom.B + i
                beats.append(pack_row(o[t], geom.OB) if t < n else None)
    return beats
