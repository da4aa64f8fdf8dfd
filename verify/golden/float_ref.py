"""Float reference: dense causal GQA attention, FlexPrefill sparse index generation, block-sparse
attention.

The sparse index generation follows the published FlexPrefill algorithm (Lai et al., ICLR 2025),
reference implementation bytedance/FlexPrefill, ``flex_prefill/ops/flex_prefill_attention.py``
(functions ``get_active_blocks``, ``score_cover_topk``, ``score_cover_idx``,
``sum_all_diagonal_matrix``, ``transform_veritcal_slash_idx``, ``flex_prefill_attention``).
This is an independent numpy implementation written from reading that source; the details it
reproduces on purpose (each is tested or documented in docs/golden_model.md):

* Short sequences run dense: ``N <= max(2B, ceil(min_budget/B) * B)``.
* Budgets in tokens become blocks with ``ceil(tokens / B)`` (min and max budget); the coverage
  count is ``#{cumsum(sorted desc) <= gamma} + 1`` tokens, turned into blocks as
  ``count // 128 + 1`` -- the reference divides by the literal 128 whatever the block size
  (``budget_divisor`` here, default 128); then clamped to ``[min, max]`` (max <= nb).
* The probe is the last ``B`` query rows (token level, not block aligned), scaled ``1/sqrt(D)``,
  causal inside the bottom-right ``B x B`` square; vertical = mean over probe rows, slash =
  sum along each diagonal / B. The reference indexes diagonals by ``a = N - 1 - d`` (``d`` is the
  query-key distance) and sum-pools ``a`` into blocks ``p = a // B`` (zero padded at the end);
  the block offset is ``s = nb - 1 - p``. When ``N`` is not a multiple of ``B`` the token
  diagonals therefore straddle block offsets exactly as in the reference.
* Sink block 0 and offset 0 are forced (``inf`` before top-k) and count towards the budget.
* Query-aware decision: ``sqrt(JS)(softmax(mean(q_probe)/sqrt(D) . mean_block(k)), pooled
  vertical) < tau``; a NaN divergence (a zero probability) compares False, as in torch.
  Query-aware heads use ``min_budget`` vertical and slash blocks plus the blocks of the
  block-causal ``nb x nb`` pooled attention (block-mean q and k) whose descending cumulative sum
  stays ``<= gamma * nb`` (``score_cover_idx``).
* Ties (torch's ``topk``/``sort`` leave them unspecified) are broken here deterministically:
  lowest vertical block index, lowest slash offset, lowest flat pooled index first.
* Deliberate difference: the query-aware pooled selection only ever takes causal blocks (the
  reference could pick a masked zero-probability block when ``gamma == 1`` and float rounding
  lets the cumulative sum stay below ``nb``; such a block contributes nothing to attention).

Memory: no ``N x N`` or ``B x N`` array is ever formed; the probe runs in two passes over key
chunks (row max and exp-sum, then normalised accumulation into length-``N`` vertical and slash
vectors), and attention runs per query block with an online softmax over key chunks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._checks import check_float_array, check_int, check_qkv, check_real, kv_head_of
from .block_lists import HeadPattern, dense_lists

#: key tokens processed per chunk in the probe and attention loops (bounded temporaries)
KEY_CHUNK = 4096


@dataclass(frozen=True)
class FlexPrefillParams:
    """Hyper-parameters, defaults as published (block 128, gamma 0.9, tau 0.1, min 1024 tokens)."""

    block_size: int = 128
    gamma: float = 0.9
    tau: float = 0.1
    min_budget: int = 1024  # tokens
    max_budget: int | None = None  # tokens; None = unlimited (the reference's 2**31 - 1)
    budget_divisor: int = 128  # the reference's literal ``// 128`` in the token->block count

    def __post_init__(self):
        check_int("block_size", self.block_size, 1, 1 << 16)
        check_real("gamma", self.gamma, 0.0, 1.0, lo_open=True, hi_open=False)
        check_real("tau", self.tau, 0.0, 1.0, lo_open=False, hi_open=False)
        check_int("min_budget", self.min_budget, 1)
        if self.max_budget is not None:
            check_int("max_budget", self.max_budget, 1)
        check_int("budget_divisor", self.budget_divisor, 1)

    def min_blocks(self) -> int:
        return math.ceil(self.min_budget / self.block_size)

    def max_blocks(self, nb: int) -> int:
        mb = 2147483647 if self.max_budget is None else self.max_budget
        return min(math.ceil(mb / self.block_size), nb)

    def runs_dense(self, n: int) -> bool:
        b = self.block_size
        return n <= max(2 * b, self.min_blocks() * b)


# ----------------------------------------------------------------------------- attention


def _attend_block_row(qr, k, v, blocks, r, bsz, n, scale):
    """Causal softmax attention of query rows of block r over the listed key blocks.

    Online softmax over chunks of key blocks; float64. Returns (rows, D).
    """
    q0 = r * bsz
    qpos = np.arange(q0, min(q0 + bsz, n))
    m = np.full(len(qpos), -np.inf)
    lsum = np.zeros(len(qpos))
    acc = np.zeros((len(qpos), v.shape[1]))
    per = max(1, KEY_CHUNK // bsz)
    for c0 in range(0, len(blocks), per):
        bl = blocks[c0 : c0 + per]
        kidx = np.concatenate([np.arange(b * bsz, min(b * bsz + bsz, n)) for b in bl])
        s = (qr @ k[kidx].T) * scale
        s = np.where(qpos[:, None] >= kidx[None, :], s, -np.inf)
        mn = np.maximum(m, s.max(axis=1))
        alpha = np.exp(m - mn)
        p = np.exp(s - mn[:, None])
        lsum = lsum * alpha + p.sum(axis=1)
        acc = acc * alpha[:, None] + p @ v[kidx]
        m = mn
    return acc / lsum[:, None]


def block_sparse_attention(q, k, v, layouts, block_size: int, gqa_interleave: bool = False,
                           row_blocks=None) -> np.ndarray:
    """Exact causal softmax attention restricted to the union of the listed ``B x B`` blocks.

    ``layouts``: one per query head, each a list over query-block rows of ascending key-block
    arrays (see :mod:`.block_lists`). Returns float64 ``(N, H, D)``; with ``row_blocks`` only
    those query-block rows are computed (others are NaN).
    """
    n, h, hkv, d = check_qkv(q, k, v)
    bsz = check_int("block_size", block_size, 1)
    nb = -(-n // bsz)
    if len(layouts) != h:
        raise ValueError(f"layouts has {len(layouts)} heads, expected H={h}")
    for hh, lay in enumerate(layouts):
        if len(lay) != nb:
            raise ValueError(f"layouts[{hh}] has {len(lay)} rows, expected nb=ceil(N/B)={nb}")
    rows = range(nb) if row_blocks is None else [check_int("row_blocks[i]", r, 0, nb - 1)
                                                   for r in row_blocks]
    scale = 1.0 / math.sqrt(d)
    out = np.full((n, h, d), np.nan)
    for hh in range(h):
        kh = kv_head_of(hh, h, hkv, gqa_interleave)
        kk = k[:, kh, :].astype(np.float64)
        vv = v[:, kh, :].astype(np.float64)
        qq = q[:, hh, :]
        for r in rows:
            blocks = np.asarray(layouts[hh][r], np.int64)
            if blocks.size == 0 or blocks.max() > r or blocks.min() < 0:
                raise ValueError(f"head {hh} row {r}: key blocks must lie in [0, {r}], "
                                 f"got {blocks.tolist()}")
            qr = qq[r * bsz : min(r * bsz + bsz, n)].astype(np.float64)
            out[r * bsz : r * bsz + len(qr), hh, :] = _attend_block_row(
                qr, kk, vv, blocks, r, bsz, n, scale)
    return out


def dense_attention(q, k, v, gqa_interleave: bool = False, block_size: int = 128,
                    row_blocks=None) -> np.ndarray:
    """Dense causal GQA attention (float64), computed per query block with bounded temporaries."""
    n, h, _, _ = check_qkv(q, k, v)
    bsz = check_int("block_size", block_size, 1)
    nb = -(-n // bsz)
    lay = dense_lists(nb)
    return block_sparse_attention(q, k, v, [lay] * h, bsz, gqa_interleave, row_blocks)


# ----------------------------------------------------------------------------- probe


def probe_scores(qh, kh, probe_rows: int):
    """Softmax of the last ``probe_rows`` queries against all keys, reduced on the fly.

    Returns ``(vertical, slash_by_distance)``, both length N, float64: ``vertical[j]`` is the
    mean over probe rows of ``A[:, j]``; ``slash[d]`` is the sum of ``A`` over entries with
    query-key distance ``d``, divided by ``probe_rows``. Causal mask inside the bottom-right
    square (token level). Two passes over key chunks, never a probe_rows x N array.
    """
    n, d = kh.shape
    bq = min(probe_rows, n)
    qp = qh[n - bq :].astype(np.float64) / math.sqrt(d)
    qpos = np.arange(n - bq, n)
    m = np.full(bq, -np.inf)
    lsum = np.zeros(bq)
    for c0 in range(0, n, KEY_CHUNK):
        kidx = np.arange(c0, min(c0 + KEY_CHUNK, n))
        s = qp @ kh[kidx].astype(np.float64).T
        s = np.where(qpos[:, None] >= kidx[None, :], s, -np.inf)
        mn = np.maximum(m, s.max(axis=1))
        lsum = lsum * np.exp(m - mn) + np.exp(s - mn[:, None]).sum(axis=1)
        m = mn
    vert = np.zeros(n)
    slash = np.zeros(n)
    for c0 in range(0, n, KEY_CHUNK):
        kidx = np.arange(c0, min(c0 + KEY_CHUNK, n))
        s = qp @ kh[kidx].astype(np.float64).T
        causal = qpos[:, None] >= kidx[None, :]
        p = np.where(causal, np.exp(s - m[:, None]) / lsum[:, None], 0.0)
        vert[kidx] += p.sum(axis=0)
        dist = (qpos[:, None] - kidx[None, :])[causal]
        slash += np.bincount(dist, weights=p[causal], minlength=n)
    return vert / bq, slash / bq


def score_cover_count(x: np.ndarray, gamma: float) -> int:
    """Reference ``score_cover_topk``: ``#{i : cumsum(sort_desc(x))[i] <= gamma} + 1``.

    Equivalently the least k whose top-k mass exceeds gamma (``len(x) + 1`` if none does).
    """
    c = np.cumsum(np.sort(x)[::-1])
    return int(np.count_nonzero(c <= gamma)) + 1


def pool_vertical(vert: np.ndarray, bsz: int) -> np.ndarray:
    n = len(vert)
    nb = -(-n // bsz)
    return np.bincount(np.arange(n) // bsz, weights=vert, minlength=nb)


def pool_slash(slash_by_dist: np.ndarray, bsz: int) -> np.ndarray:
    """Pooled slash indexed by block offset ``s`` (reference: index a = N-1-d, p = a // B,
    s = nb - 1 - p)."""
    n = len(slash_by_dist)
    nb = -(-n // bsz)
    dist = np.arange(n)
    s = nb - 1 - (n - 1 - dist) // bsz
    return np.bincount(s, weights=slash_by_dist, minlength=nb)


def sqrt_js_divergence(p: np.ndarray, q: np.ndarray) -> float:
    """Square-root Jensen-Shannon divergence, natural log, reference formula (NaN on a zero)."""
    mid = (p + q) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        v = 0.5 * np.sum(p * np.log(p / mid)) + 0.5 * np.sum(q * np.log(q / mid))
        return float(np.sqrt(v))


def top_indices(x: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k largest entries, ties to the lowest index (stable), ascending order out."""
    order = np.argsort(-x, kind="stable")[:k]
    return np.sort(order)


def block_means(x: np.ndarray, bsz: int) -> np.ndarray:
    """Per-block mean of rows of ``x`` (N, D); the last partial block averages its real rows."""
    n = x.shape[0]
    nb = -(-n // bsz)
    sums = np.zeros((nb, x.shape[1]))
    np.add.at(sums, np.arange(n) // bsz, x.astype(np.float64))
    counts = np.minimum(bsz, n - np.arange(nb) * bsz)
    return sums / counts[:, None]


def pooled_block_selection(qh, kh, bsz: int, gamma: float) -> np.ndarray:
    """Query-aware blocks: flat indices ``r*nb + c`` kept by the reference's score_cover_idx
    over the block-causal softmax of block-mean q and k (``cumsum <= gamma * nb``)."""
    n, d = qh.shape
    nb = -(-n // bsz)
    aq = block_means(qh, bsz) / math.sqrt(d)
    ak = block_means(kh, bsz)
    s = aq @ ak.T
    tril = np.tril(np.ones((nb, nb), bool))
    s = np.where(tril, s, -np.inf)
    s = s - s.max(axis=1, keepdims=True)
    e = np.exp(s)
    a = (e / e.sum(axis=1, keepdims=True)).ravel()
    order = np.argsort(-a, kind="stable")
    c = np.cumsum(a[order])
    keep = order[c <= gamma * nb]
    keep = keep[tril.ravel()[keep]]
    return np.sort(keep).astype(np.int64)


def flexprefill_head_pattern(qh, kh, params: FlexPrefillParams = FlexPrefillParams()) -> HeadPattern:
    """FlexPrefill pattern of one head; ``qh`` (N, D) query, ``kh`` (N, D) its KV head's keys."""
    check_float_array("q_head", qh, 2)
    check_float_array("k_head", kh, 2)
    if qh.shape != kh.shape:
        raise ValueError(f"q_head {qh.shape} and k_head {kh.shape} must have the same shape")
    n, d = qh.shape
    if n < 1:
        raise ValueError(f"N={n} must be positive; allowed [1, +inf]")
    bsz = params.block_size
    nb = -(-n // bsz)
    if params.runs_dense(n):
        e = np.zeros(0, np.int64)
        return HeadPattern(nb, e, e, dense=True, info={"reason": "short sequence"})
    minb, maxb = params.min_blocks(), params.max_blocks(nb)
    vert, slash = probe_scores(qh, kh, bsz)
    cnt_v = score_cover_count(vert, params.gamma)
    cnt_s = score_cover_count(slash, params.gamma)

    def clamp(x):
        x = minb if x < minb else x
        return maxb if x > maxb else x

    nv = clamp(cnt_v // params.budget_divisor + 1)
    ns = clamp(cnt_s // params.budget_divisor + 1)
    pv = pool_vertical(vert, bsz)
    ps = pool_slash(slash, bsz)
    # query-aware decision
    qm = qh[n - bsz :].astype(np.float64).mean(axis=0) / math.sqrt(d)
    logits = block_means(kh, bsz) @ qm
    ex = np.exp(logits - logits.max())
    avg_qk = ex / ex.sum()
    js = sqrt_js_divergence(avg_qk, pv)
    query_aware = bool(js < params.tau)
    if query_aware:
        nv = ns = minb
    pv_f = pv.copy()
    pv_f[0] = np.inf
    ps_f = ps.copy()
    ps_f[0] = np.inf
    vsel = top_indices(pv_f, min(nv, nb))
    ssel = top_indices(ps_f, min(ns, nb))
    extra = pooled_block_selection(qh, kh, bsz, params.gamma) if query_aware else np.zeros(0, np.int64)
    info = {"cover_tokens_vertical": cnt_v, "cover_tokens_slash": cnt_s, "n_vertical": int(nv),
            "n_slash": int(ns), "sqrt_js": js, "vertical_tokens": vert, "slash_tokens": slash}
    return HeadPattern(nb, vsel.astype(np.int64), ssel.astype(np.int64), extra, False, query_aware,
                       info)


def flexprefill_patterns(q, k, params: FlexPrefillParams = FlexPrefillParams(),
                         gqa_interleave: bool = False) -> list[HeadPattern]:
    """Per query head pattern for q (N, H, D), k (N, Hkv, D)."""
    n, h, hkv, _ = check_qkv(q, k, k)
    return [flexprefill_head_pattern(q[:, hh, :], k[:, kv_head_of(hh, h, hkv, gqa_interleave), :],
                                     params) for hh in range(h)]


def flex_prefill_attention(q, k, v, params: FlexPrefillParams = FlexPrefillParams(),
                           gqa_interleave: bool = False):
    """FlexPrefill attention: returns ``(output (N, H, D) float64, patterns)``."""
    check_qkv(q, k, v)
    pats = flexprefill_patterns(q, k, params, gqa_interleave)
    lays = [p.rows() for p in pats]
    return block_sparse_attention(q, k, v, lays, params.block_size, gqa_interleave), pats
