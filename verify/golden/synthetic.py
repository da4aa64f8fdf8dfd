"""Structured synthetic attention inputs (deterministic from a seed).

Head kinds, chosen to exercise every part of the pattern generator:

* ``sink``: a few first keys carry a strong shared direction (attention sinks) plus local RoPE.
* ``slash``: RoPE-rotated queries and keys, so scores depend on the query-key distance
  (local band and periodic diagonals).
* ``retrieval``: a handful of "needle" keys anywhere in the sequence align with the queries.
* ``random``: i.i.d. Gaussian q and k (diffuse attention, typically query-aware / dense-ish).
"""

from __future__ import annotations

import numpy as np

from ._checks import check_int

KINDS = ("sink", "slash", "retrieval", "random")


def _rope(x: np.ndarray, pos: np.ndarray, base: float = 10000.0) -> np.ndarray:
    d = x.shape[1]
    half = d // 2
    freqs = base ** (-np.arange(half) / half)
    ang = pos[:, None] * freqs[None, :]
    c, s = np.cos(ang), np.sin(ang)
    x1, x2 = x[:, :half], x[:, half : 2 * half]
    out = x.copy()
    out[:, :half] = x1 * c - x2 * s
    out[:, half : 2 * half] = x1 * s + x2 * c
    return out


def make_head(kind: str, n: int, d: int, seed: int = 0, strength: float = 1.0):
    """Return ``(q, k, v)`` float32 arrays of shape (N, D) for one head of the given kind."""
    if kind not in KINDS:
        raise ValueError(f"kind={kind!r} is not a known head kind; allowed {KINDS}")
    n = check_int("n", n, 1)
    d = check_int("d", d, 2)
    rng = np.random.default_rng(seed)
    pos = np.arange(n, dtype=np.float64)
    v = rng.standard_normal((n, d))
    if kind == "random":
        q = rng.standard_normal((n, d))
        k = rng.standard_normal((n, d))
    else:
        u = rng.standard_normal(d)
        u /= np.linalg.norm(u)
        amp = 4.0 * strength * np.sqrt(d)
        q = _rope(np.tile(u * amp, (n, 1)), pos) + 0.5 * rng.standard_normal((n, d))
        k = _rope(np.tile(u, (n, 1)), pos) + 0.1 * rng.standard_normal((n, d))
        if kind == "sink":
            sink_dir = rng.standard_normal(d)
            sink_dir /= np.linalg.norm(sink_dir)
            q = q * 0.6 + np.outer(np.ones(n), sink_dir) * amp
            k[: min(4, n)] += sink_dir * 6.0
        elif kind == "retrieval":
            needle = rng.standard_normal(d)
            needle /= np.linalg.norm(needle)
            q = q * 0.5 + np.outer(np.ones(n), needle) * amp
            pos_n = rng.choice(n, size=min(n, 6), replace=False)
            k[pos_n] += needle * 6.0
    return q.astype(np.float32), k.astype(np.float32), v.astype(np.float32)


def make_qkv(n: int, num_heads: int, num_kv_heads: int, d: int, seed: int = 0, kinds=None):
    """(q, k, v) of shapes (N, H, D), (N, Hkv, D), (N, Hkv, D); KV head i has kind
    ``kinds[i % len(kinds)]``; the G query heads of a group share its structure."""
    kinds = KINDS if kinds is None else tuple(kinds)
    g = num_heads // num_kv_heads
    q = np.zeros((n, num_heads, d), np.float32)
    k = np.zeros((n, num_kv_heads, d), np.float32)
    v = np.zeros((n, num_kv_heads, d), np.float32)
    rng = np.random.default_rng(seed + 7919)
    for i in range(num_kv_heads):
        qq, kk, vv = make_head(kinds[i % len(kinds)], n, d, seed + 31 * i)
        k[:, i], v[:, i] = kk, vv
        for j in range(g):
            q[:, i * g + j] = qq + 0.2 * rng.standard_normal(qq.shape).astype(np.float32)
    return q, k, v
