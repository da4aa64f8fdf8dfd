"""Golden end-to-end reference of the ``fast_prefill`` kernel: expected O of every head and the
register arguments, from Q, K, V tensors.

The kernel has one score multiplier and one V scale for all heads, so the INT8 scales are shared
per tensor: ``quantize`` over the whole ``[H][N][D]`` Q (``[Hkv][N][D]`` K, V) tensor, or INT8
tensors given with their scales. Head ``h`` is ``HeadInts(q[h], k[kvh], v[kvh], s_q, s_k, s_v)``
with ``kvh = kv_head_of(h, H, Hkv)`` (grouped, not interleaved); its pattern is
``fixed_head_pattern`` with ``FlexPrefillParams(B, gamma, tau, min_budget, max_budget,
budget_divisor=128)``, its lists ``build_lists``, its O ``sparse_attention_fixed``. The register
values: ``score_mult/score_shift = score_multiplier(s_q s_k log2(e) / sqrt(D))``, ``gamma =
gamma_fixed(gamma)``, ``tau_threshold = js_threshold(tau)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._checks import kv_head_of
from .block_lists import build_lists
from .fixed_point import (FixedPointConfig, HeadInts, fixed_head_pattern, gamma_fixed, js_threshold, quantize,
                          score_multiplier, sparse_attention_fixed)
from .float_ref import FlexPrefillParams

BUDGET_DIVISOR = 128


@dataclass
class KernelRef:
    heads: list            # HeadInts per query head
    kv_of: list            # KV head of each query head
    patterns: list         # HeadPattern per query head
    lists: list            # block lists per query head
    o: np.ndarray          # int64 [H][N][D]: expected O (S16 values)
    q_int: np.ndarray      # int64 [H][N][D]
    k_int: np.ndarray      # int64 [Hkv][N][D]
    v_int: np.ndarray
    scales: tuple          # (s_q, s_k, s_v)
    regs: dict             # register argument values except the four pointers


def _int8_tensor(x, scale):
    x = np.asarray(x)
    if scale is None:
        xi, s = quantize(np.asarray(x, np.float64).reshape(-1, x.shape[-1]))
        return xi.reshape(x.shape), s
    xi = np.asarray(x, np.int64)
    if xi.min(initial=0) < -127 or xi.max(initial=0) > 127:
        raise ValueError("INT8 tensor values must be in [-127, 127]")
    return xi, float(scale)


def kernel_reference(q, k, v, fx: FixedPointConfig, gamma: float = 0.9, tau: float = 0.1,
                     min_budget: int = 1024, max_budget: int | None = None, scales=None) -> KernelRef:
    """Expected kernel output for float tensors (``scales=None``: per-tensor INT8 quantisation) or
    INT8 tensors with ``scales = (s_q, s_k, s_v)``. Shapes: q ``[H][N][D]``, k and v ``[Hkv][N][D]``."""
    sc = (None, None, None) if scales is None else scales
    qi, sq = _int8_tensor(q, sc[0])
    ki, sk = _int8_tensor(k, sc[1])
    vi, sv = _int8_tensor(v, sc[2])
    if qi.ndim != 3 or ki.shape != vi.shape or ki.ndim != 3 or qi.shape[1:] != ki.shape[1:]:
        raise ValueError(f"shapes q {qi.shape}, k {ki.shape}, v {vi.shape} are not allowed: "
                         "must be [H][N][D], [Hkv][N][D], [Hkv][N][D]")
    H, N, D = qi.shape
    hkv = ki.shape[0]
    if H % hkv:
        raise ValueError(f"num_heads {H} is not allowed: must be a multiple of num_kv_heads {hkv}")
    B = fx.block_size
    mb = None if max_budget is None else max_budget
    params = FlexPrefillParams(block_size=B, gamma=gamma, tau=tau, min_budget=min_budget, max_budget=mb,
                               budget_divisor=BUDGET_DIVISOR)
    heads, kv_of, pats, lists = [], [], [], []
    o = np.zeros((H, N, D), np.int64)
    for h in range(H):
        kvh = kv_head_of(h, H, hkv)
        hi = HeadInts(qi[h], ki[kvh], vi[kvh], sq, sk, sv)
        p = fixed_head_pattern(hi, params, fx)
        lst = build_lists(p)
        o[h] = sparse_attention_fixed(hi, lst, fx)
        heads.append(hi)
        kv_of.append(kvh)
        pats.append(p)
        lists.append(lst)
    mult, shift = score_multiplier(sq * sk * math.log2(math.e) / math.sqrt(D), fx)
    regs = {"seq_len": N, "num_heads": H, "num_kv_heads": hkv, "gamma": gamma_fixed(gamma, fx),
            "tau_threshold": js_threshold(tau, fx), "min_budget": min_budget,
            "max_budget": (1 << 32) - 1 if max_budget is None else max_budget,
            "score_mult": mult, "score_shift": shift}
    return KernelRef(heads, kv_of, pats, lists, o, qi, ki, vi, (sq, sk, sv), regs)
