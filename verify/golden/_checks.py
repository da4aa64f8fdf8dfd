"""Input validation shared by the golden-model modules.

Every public entry point validates its inputs *before* doing any work and raises
``TypeError`` (wrong kind of object / dtype) or ``ValueError`` (wrong value / shape),
naming the field, the value received and the allowed range.
"""

from __future__ import annotations

import numbers

import numpy as np


def check_int(name: str, value, lo: int | None = None, hi: int | None = None) -> int:
    """Return ``value`` as int after checking it is an integer in ``[lo, hi]``."""
    if isinstance(value, bool) or not isinstance(value, (numbers.Integral, np.integer)):
        raise TypeError(f"{name} must be an integer, got {value!r} ({type(value).__name__})")
    v = int(value)
    if (lo is not None and v < lo) or (hi is not None and v > hi):
        lo_s = "-inf" if lo is None else str(lo)
        hi_s = "+inf" if hi is None else str(hi)
        raise ValueError(f"{name}={v} is out of range; allowed [{lo_s}, {hi_s}]")
    return v


def check_pow2(name: str, value) -> int:
    v = check_int(name, value, 1)
    if v & (v - 1):
        raise ValueError(f"{name}={v} must be a power of two")
    return v


def check_real(name: str, value, lo: float, hi: float, lo_open: bool, hi_open: bool) -> float:
    """Return ``value`` as float after checking it lies in the interval given."""
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, np.floating, np.integer)):
        raise TypeError(f"{name} must be a real number, got {value!r} ({type(value).__name__})")
    v = float(value)
    ok = np.isfinite(v)
    ok = ok and (v > lo if lo_open else v >= lo) and (v < hi if hi_open else v <= hi)
    if not ok:
        rng = f"{'(' if lo_open else '['}{lo}, {hi}{')' if hi_open else ']'}"
        raise ValueError(f"{name}={value!r} is out of range; allowed {rng}")
    return v


def check_float_array(name: str, arr, ndim: int) -> np.ndarray:
    """A real floating-point numpy array with ``ndim`` dimensions, all finite."""
    if not isinstance(arr, np.ndarray):
        raise TypeError(f"{name} must be a numpy.ndarray, got {type(arr).__name__}")
    if arr.dtype.kind != "f":
        raise TypeError(f"{name} must have a floating dtype (float16/32/64), got dtype {arr.dtype}")
    if arr.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimensions, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return arr


def check_int_array(name: str, arr, ndim: int, lo: int, hi: int) -> np.ndarray:
    """An integer numpy array with ``ndim`` dimensions, values in ``[lo, hi]``."""
    if not isinstance(arr, np.ndarray):
        raise TypeError(f"{name} must be a numpy.ndarray, got {type(arr).__name__}")
    if arr.dtype.kind not in "iu":
        raise TypeError(f"{name} must have an integer dtype, got dtype {arr.dtype}")
    if arr.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimensions, got shape {arr.shape}")
    if arr.size and (int(arr.min()) < lo or int(arr.max()) > hi):
        raise ValueError(
            f"{name} has values in [{int(arr.min())}, {int(arr.max())}]; allowed [{lo}, {hi}]"
        )
    return arr


def check_qkv(q, k, v) -> tuple[int, int, int, int]:
    """Check q (N, H, D), k and v (N, Hkv, D); return (N, H, Hkv, D)."""
    check_float_array("q", q, 3)
    check_float_array("k", k, 3)
    check_float_array("v", v, 3)
    n, h, d = q.shape
    if n < 1:
        raise ValueError(f"N (q.shape[0])={n} must be positive; allowed [1, +inf]")
    if h < 1 or d < 1:
        raise ValueError(f"q shape {q.shape}: H and D must be positive")
    if k.shape != v.shape:
        raise ValueError(f"k and v must have the same shape, got k {k.shape} and v {v.shape}")
    if k.shape[0] != n:
        raise ValueError(f"k has N={k.shape[0]} tokens but q has N={n}; they must match")
    if k.shape[2] != d:
        raise ValueError(f"k has head dim {k.shape[2]} but q has D={d}; they must match")
    hkv = k.shape[1]
    if hkv < 1 or h % hkv:
        raise ValueError(
            f"the number of query heads H={h} must be a positive multiple of the number of "
            f"KV heads Hkv={hkv}"
        )
    return n, h, hkv, d


def kv_head_of(h: int, num_heads: int, num_kv_heads: int, interleave: bool = False) -> int:
    """KV head used by query head ``h`` (grouped: h // G; interleaved: h % Hkv)."""
    if interleave:
        return h % num_kv_heads
    return h // (num_heads // num_kv_heads)
