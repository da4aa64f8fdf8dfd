"""Stream word packing of the MPU (pure Python; used by tests, benchmarks and callers).

Vectors are packed little-end first: element ``i`` of a vector of ``W``-bit two's complement
numbers occupies bits ``[(i+1)*W-1 : i*W]`` of the word. The tile engine's streams:

* ``s_w``: one word per output column ``j`` of the stationary ``k x N`` tile ``B``: ``B[:, j]``.
* ``s_x``: one word per row ``x`` (``k`` elements), plus bit ``k*W`` = ``last`` (last row of the tile).
* ``m``:   one word per row: ``y = x @ B``, ``N`` elements of ``acc_width`` bits.
"""

from __future__ import annotations

import numpy as np


def pack(values, width: int) -> int:
    """Pack signed integers into one word, element ``i`` at bits ``[(i+1)*width-1 : i*width]``."""
    word = 0
    lo, hi = -(1 << (width - 1)), (1 << (width - 1)) - 1
    for i, v in enumerate(int(v) for v in values):
        if not lo <= v <= hi:
            raise ValueError(f"pack field 'value' = {v} is not allowed: must be in [{lo}, {hi}] for width {width}")
        word |= (v & ((1 << width) - 1)) << (i * width)
    return word


def unpack(word: int, n: int, width: int) -> list[int]:
    """The ``n`` signed ``width``-bit elements of ``word`` (inverse of :func:`pack`)."""
    out = []
    for i in range(n):
        v = (word >> (i * width)) & ((1 << width) - 1)
        out.append(v - (1 << width) if v >> (width - 1) else v)
    return out


def tile_beats(b: np.ndarray, data_width: int) -> list[int]:
    """The ``s_w`` beats of a ``k x N`` tile: column ``j`` is beat ``j``."""
    return [pack(b[:, j], data_width) for j in range(b.shape[1])]


def row_beats(x: np.ndarray, data_width: int) -> list[int]:
    """The ``s_x`` beats of an ``M x k`` block of rows; the last row carries the ``last`` bit."""
    k = x.shape[1]
    return [pack(row, data_width) | ((1 << (k * data_width)) if r == x.shape[0] - 1 else 0)
            for r, row in enumerate(x)]


def stream_inputs(tiles: list[tuple[np.ndarray, np.ndarray]], data_width: int) -> dict[str, list[int]]:
    """``{"s_w": ..., "s_x": ...}`` beats for a sequence of ``(B, X)`` tiles (``X @ B`` each)."""
    w, x = [], []
    for b, rows in tiles:
        w += tile_beats(b, data_width)
        x += row_beats(rows, data_width)
    return {"s_w": w, "s_x": x}


def reference(tiles: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """Exact integer ``X @ B`` of every tile, rows concatenated (np.int64)."""
    return np.concatenate([rows.astype(np.int64) @ b.astype(np.int64) for b, rows in tiles], axis=0)


def decode_outputs(words: list[int], n: int, acc_width: int) -> np.ndarray:
    """The ``m`` beats as an ``rows x n`` int64 array."""
    return np.array([unpack(w, n, acc_width) for w in words], dtype=np.int64).reshape(len(words), n)
