"""MInference vertical-and-slash pattern with per-head budgets, as a second pattern source.

Follows microsoft/MInference (MIT licence), ``minference/modules/minference_forward.py``,
``vertical_and_slash_kernel``: budgets are clamped to ``vertical = min(N, max(v, 30))`` and
``slash = min(N, max(s, 50))``; the probe is the last ``min(64, N)`` queries (scaled 1/sqrt(D),
causal inside the bottom-right square, softmax); vertical score = column sum, the first 30 key
tokens forced; slash score = sum along each diagonal, the 100 nearest diagonals (distance
0..99) forced; top-k of each. The token-level pattern (query i sees key j when j is a chosen
vertical token or i - j a chosen distance, j <= i) is turned into the block layout the
accelerator runs: the smallest set of B x B blocks covering it (a vertical token j adds block
j // B to rows r >= j // B; a distance d adds the one or two blocks its diagonal crosses in row r).

The published per-(layer, head) budgets found by MInference's offline search for
Llama-3-8B-Instruct-262k and Qwen2.5-7B-Instruct ship in ``data/minference/`` with their licence.
"""

from __future__ import annotations

import json
from importlib import resources

import numpy as np

from ._checks import check_float_array, check_int
from .block_lists import HeadPattern
from .float_ref import probe_scores

MODELS = {
    "llama-3-8b": "Llama_3_8B_Instruct_262k_kv_out_v32_fit_o_best_pattern.json",
    "qwen2.5-7b": "Qwen2.5_7B_Instruct_128k_instruct_kv_out_v32_fit_o_best_pattern.json",
}
LAST_Q = 64
FORCED_VERTICAL = 30
FORCED_SLASH = 100


def load_budgets(model: str) -> list[dict[int, tuple[str, int, int, float]]]:
    """Per layer: ``{head: (pattern, vertical_tokens, slash_diagonals, search_score)}``."""
    if model not in MODELS:
        raise ValueError(f"model={model!r} is not known; allowed {sorted(MODELS)}")
    path = resources.files("fast_prefill.verify.golden").joinpath("data", "minference", MODELS[model])
    raw = json.loads(path.read_text())
    return [{int(h): (v[0], int(v[1]), int(v[2]), float(v[3])) for h, v in layer.items()}
            for layer in raw]


def vertical_slash_tokens(qh, kh, vertical_size: int, slash_size: int):
    """Token-level MInference selection: (vertical key indices, slash distances), ascending."""
    check_float_array("q_head", qh, 2)
    check_float_array("k_head", kh, 2)
    if qh.shape != kh.shape:
        raise ValueError(f"q_head {qh.shape} and k_head {kh.shape} must have the same shape")
    n = qh.shape[0]
    if n < 1:
        raise ValueError(f"N={n} must be positive; allowed [1, +inf]")
    check_int("vertical_size", vertical_size, 0)
    check_int("slash_size", slash_size, 0)
    nv = min(n, max(vertical_size, FORCED_VERTICAL))
    ns = min(n, max(slash_size, 50))
    vert, slash = probe_scores(qh, kh, min(LAST_Q, n))
    vert = vert.copy()
    slash = slash.copy()
    vert[:FORCED_VERTICAL] = np.inf
    slash[:FORCED_SLASH] = np.inf
    vsel = np.sort(np.argsort(-vert, kind="stable")[:nv])
    ssel = np.sort(np.argsort(-slash, kind="stable")[:ns])
    return vsel.astype(np.int64), ssel.astype(np.int64)


def token_pattern_to_lists(vert_tokens, slash_dists, n: int, block_size: int) -> list[np.ndarray]:
    """Smallest block layout covering the token-level vertical/slash pattern (plus 0 and r)."""
    n = check_int("n", n, 1)
    bsz = check_int("block_size", block_size, 1)
    nb = -(-n // bsz)
    vb = np.unique(np.asarray(vert_tokens, np.int64) // bsz)
    d = np.asarray(slash_dists, np.int64)
    out = []
    for r in range(nb):
        q0, q1 = r * bsz, min(r * bsz + bsz, n) - 1
        lo = np.maximum(q0 - d, 0)  # first key of the diagonal inside this row block
        hi = q1 - d  # last key
        ok = hi >= 0
        blocks = [vb[vb <= r], np.array([0, r], np.int64)]
        if ok.any():
            b_lo, b_hi = lo[ok] // bsz, hi[ok] // bsz
            blocks += [b_lo, b_hi]
        out.append(np.unique(np.concatenate(blocks)).astype(np.int64))
    return out


def minference_head_pattern(qh, kh, vertical_size: int, slash_size: int, block_size: int = 128):
    """Block layout (as a :class:`HeadPattern` with the rows in ``info['lists']``)."""
    vt, sd = vertical_slash_tokens(qh, kh, vertical_size, slash_size)
    n = qh.shape[0]
    lists = token_pattern_to_lists(vt, sd, n, block_size)
    nb = len(lists)
    extra = np.concatenate([r * nb + lst for r, lst in enumerate(lists)]).astype(np.int64)
    return HeadPattern(nb, np.zeros(0, np.int64), np.zeros(0, np.int64), extra,
                       info={"vertical_tokens": vt, "slash_distances": sd})
