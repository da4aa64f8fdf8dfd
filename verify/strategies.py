"""Hypothesis strategies shared by the RTL tests: beats, idle and back-pressure patterns, SIG head
patterns, MPU tiles. The one module of the package that needs Hypothesis (a test tool, installed
with the ``test`` extra): the benches in ``verify/bench/`` run without it."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from .golden.block_lists import HeadPattern


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


@st.composite
def head_patterns(draw, max_blocks=8):
    """A random SIG head pattern (vertical and slash indices, extra query-aware blocks) of up to
    ``max_blocks`` blocks (the SIG harness's ``MAXB``)."""
    nb = draw(st.integers(1, max_blocks))
    sub = lambda: st.lists(st.integers(0, nb - 1), unique=True, max_size=nb).map(sorted)
    vertical = np.array(draw(sub()), np.int64)
    slash = np.array(draw(sub()), np.int64)
    causal = [r * nb + c for r in range(nb) for c in range(r + 1)]
    extra = np.array(sorted(draw(st.lists(st.sampled_from(causal), unique=True, max_size=12))), np.int64)
    dense = draw(st.booleans().filter(lambda _: True)) and draw(st.integers(0, 5)) == 0
    return HeadPattern(nb, vertical, slash, extra, dense=dense, query_aware=bool(extra.size))


def operand(width: int):
    lo, hi = -(1 << (width - 1)), (1 << (width - 1)) - 1
    return st.one_of(st.integers(lo, hi), st.sampled_from([lo, hi, 0, -1, lo + 1]))


@st.composite
def mpu_cases(draw, shapes=None, max_tiles=3, max_rows=5):
    """``(params, tiles)``: a tile-engine parameter set (of ``shapes``, default ``verify/bench/mpu.SHAPES``)
    and 1..max_tiles ``(B, X)`` tiles of random shape and values."""
    from .bench.mpu import SHAPES

    p = draw(st.sampled_from(tuple(shapes or SHAPES)))
    k, n, w = p["k"], p["dsp_cols"] + p["lut_cols"], p["data_width"]
    tiles = []
    for _ in range(draw(st.integers(1, max_tiles))):
        m = draw(st.integers(1, max_rows))
        b = np.array(draw(st.lists(operand(w), min_size=k * n, max_size=k * n)), dtype=np.int64).reshape(k, n)
        x = np.array(draw(st.lists(operand(w), min_size=m * k, max_size=m * k)), dtype=np.int64).reshape(m, k)
        tiles.append((b, x))
    return p, tiles
