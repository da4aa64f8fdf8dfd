"""Float reference: dense/sparse attention, FlexPrefill layouts, coverage, bad inputs."""

import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from fast_prefill.verify.golden import float_ref as F
from fast_prefill.verify.golden import synthetic as S
from fast_prefill.verify.golden.block_lists import (HeadPattern, check_lists, dense_lists,
                                                    from_stream, to_stream)


def naive_dense(q, k, v, interleave=False):
    """Direct full-matrix causal softmax attention (independent of the library code)."""
    n, h, d = q.shape
    hkv = k.shape[1]
    out = np.zeros((n, h, d))
    for hh in range(h):
        kh = hh % hkv if interleave else hh // (h // hkv)
        s = q[:, hh].astype(np.float64) @ k[:, kh].astype(np.float64).T / math.sqrt(d)
        s[np.triu_indices(n, 1)] = -np.inf
        p = np.exp(s - s.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        out[:, hh] = p @ v[:, kh]
    return out


def naive_flexprefill(qh, kh, bsz, gamma, tau, min_budget, divisor=128):
    """A literal re-reading of the reference get_active_blocks (materialises B x N; tiny N only)."""
    n, d = qh.shape
    nb = math.ceil(n / bsz)
    minb = math.ceil(min_budget / bsz)
    if n <= max(2 * bsz, minb * bsz):
        return [list(range(r + 1)) for r in range(nb)]
    lq = qh[-bsz:].astype(np.float64) / math.sqrt(d)
    qk = lq @ kh.astype(np.float64).T
    for i in range(bsz):
        for j in range(bsz):
            if j > i:
                qk[i, n - bsz + j] = -np.inf
    a = np.exp(qk - qk.max(1, keepdims=True))
    a /= a.sum(1, keepdims=True)
    # reference diagonal indexing: sums[a_idx] over rows c of mat[c, a_idx + c - (B-1)]
    slash = np.zeros(n)
    for ai in range(n):
        for c in range(bsz):
            j = ai + c - (bsz - 1)
            if 0 <= j < n:
                slash[ai] += a[c, j]
    slash /= bsz
    vert = a.mean(0)

    def cover(x):
        return int(np.sum(np.cumsum(np.sort(x)[::-1]) <= gamma)) + 1

    nv = min(max(cover(vert) // divisor + 1, minb), nb)
    ns = min(max(cover(slash) // divisor + 1, minb), nb)
    pad = nb * bsz - n
    pv = np.pad(vert, (0, pad)).reshape(nb, bsz).sum(1)
    ps = np.pad(slash, (0, pad)).reshape(nb, bsz).sum(1)
    ksum = np.pad(kh.astype(np.float64), ((0, pad), (0, 0))).reshape(nb, bsz, d).sum(1)
    cnt = np.array([min(bsz, n - i * bsz) for i in range(nb)])
    avg_k = ksum / cnt[:, None]
    lg = avg_k @ lq.mean(0)
    e = np.exp(lg - lg.max())
    e /= e.sum()
    m = (e + pv) / 2
    with np.errstate(all="ignore"):
        js = np.sqrt(0.5 * np.sum(e * np.log(e / m)) + 0.5 * np.sum(pv * np.log(pv / m)))
    qa = js < tau
    if qa:
        nv = ns = minb
    pv[0] = np.inf
    ps[-1] = np.inf
    vtop = list(np.argsort(-pv, kind="stable")[:nv])
    # ties broken by lowest offset s = nb-1-p, i.e. highest p first
    order_p = sorted(range(nb), key=lambda p: (-ps[p], nb - 1 - p))
    stop = [nb - 1 - p for p in order_p[:ns]]
    blocks = set()
    for r in range(nb):
        for vb in vtop:
            if vb <= r:
                blocks.add((r, vb))
        for s in stop:
            if r - s >= 0:
                blocks.add((r, r - s))
    if qa:
        aq = np.pad(qh.astype(np.float64), ((0, pad), (0, 0))).reshape(nb, bsz, d).sum(1) / cnt[:, None]
        att = (aq / math.sqrt(d)) @ avg_k.T
        att[np.triu_indices(nb, 1)] = -np.inf
        att = np.exp(att - att.max(1, keepdims=True))
        att = (att / att.sum(1, keepdims=True)).ravel()
        order = np.argsort(-att, kind="stable")
        csum = np.cumsum(att[order])
        for f in order[csum <= gamma * nb]:
            if f % nb <= f // nb:
                blocks.add((f // nb, f % nb))
    return [sorted({c for (rr, c) in blocks if rr == r} | {0, r}) for r in range(nb)]


# ------------------------------------------------------------------ attention


@given(n=st.integers(1, 40), g=st.sampled_from([1, 2, 3]), hkv=st.integers(1, 2),
       d=st.sampled_from([4, 8]), bsz=st.sampled_from([4, 8, 16]), seed=st.integers(0, 2**16),
       inter=st.booleans())
@settings(deadline=None)
def test_all_blocks_sparse_equals_dense(n, g, hkv, d, bsz, seed, inter):
    rng = np.random.default_rng(seed)
    q = rng.standard_normal((n, g * hkv, d)).astype(np.float32)
    k = rng.standard_normal((n, hkv, d)).astype(np.float32)
    v = rng.standard_normal((n, hkv, d)).astype(np.float32)
    nb = -(-n // bsz)
    lay = [dense_lists(nb)] * (g * hkv)
    got = F.block_sparse_attention(q, k, v, lay, bsz, gqa_interleave=inter)
    np.testing.assert_allclose(got, naive_dense(q, k, v, inter), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(F.dense_attention(q, k, v, inter, bsz), got, rtol=0, atol=0)


def test_sparse_attention_matches_masked_dense():
    rng = np.random.default_rng(3)
    n, d, bsz = 37, 8, 4
    q = rng.standard_normal((n, 1, d))
    k = rng.standard_normal((n, 1, d))
    v = rng.standard_normal((n, 1, d))
    nb = -(-n // bsz)
    lay = [np.unique(np.r_[0, r, rng.integers(0, r + 1, 2)]) for r in range(nb)]
    got = F.block_sparse_attention(q, k, v, [lay], bsz)
    s = q[:, 0] @ k[:, 0].T / math.sqrt(d)
    allowed = np.zeros((n, n), bool)
    for r, lst in enumerate(lay):
        for c in lst:
            allowed[r * bsz:(r + 1) * bsz, c * bsz:(c + 1) * bsz] = True
    allowed &= np.tril(np.ones((n, n), bool))
    s[~allowed] = -np.inf
    p = np.exp(s - s.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    np.testing.assert_allclose(got[:, 0], p @ v[:, 0], rtol=1e-10, atol=1e-12)


# ------------------------------------------------------------------ layouts


def _params(bsz, gamma=0.9, tau=0.1, minb=None, div=None):
    return F.FlexPrefillParams(block_size=bsz, gamma=gamma, tau=tau,
                               min_budget=bsz if minb is None else minb,
                               budget_divisor=bsz if div is None else div)


@given(kind=st.sampled_from(S.KINDS), nblk=st.integers(3, 14), extra=st.integers(0, 7),
       bsz=st.sampled_from([4, 8, 16]), d=st.sampled_from([4, 8, 16]),
       gamma=st.sampled_from([0.5, 0.9, 0.95, 1.0]), tau=st.sampled_from([0.0, 0.1, 0.5, 1.0]),
       minb=st.integers(1, 3), seed=st.integers(0, 1000))
@settings(deadline=None)
def test_layout_matches_literal_reference(kind, nblk, extra, bsz, d, gamma, tau, minb, seed):
    n = nblk * bsz - min(extra, bsz - 1)
    q, k, _ = S.make_head(kind, n, d, seed)
    prm = _params(bsz, gamma, tau, minb * bsz, 128)
    got = [r.tolist() for r in F.flexprefill_head_pattern(q, k, prm).rows()]
    want = naive_flexprefill(q, k, bsz, gamma, tau, minb * bsz, 128)
    assert got == want


@given(kind=st.sampled_from(S.KINDS), n=st.integers(1, 200), bsz=st.sampled_from([4, 8, 16]),
       gamma=st.floats(0.05, 1.0), seed=st.integers(0, 1000))
@settings(deadline=None)
def test_lists_ordering_contract(kind, n, bsz, gamma, seed):
    q, k, _ = S.make_head(kind, n, 8, seed)
    pat = F.flexprefill_head_pattern(q, k, _params(bsz, gamma))
    lists = pat.rows()
    check_lists(lists)  # raises on a violation
    for r, lst in enumerate(lists):
        assert np.all(np.diff(lst) > 0) and lst[0] == 0 and lst[-1] == r and lst.max() <= r
    assert [x.tolist() for x in from_stream(to_stream(lists))] == [x.tolist() for x in lists]


@given(kind=st.sampled_from(S.KINDS), nblk=st.integers(3, 20), bsz=st.sampled_from([4, 8, 16]),
       gamma=st.floats(0.05, 0.999), seed=st.integers(0, 1000))
@settings(deadline=None)
def test_coverage_at_least_gamma(kind, nblk, bsz, gamma, seed):
    """Float mode, non-query-aware heads (tau=0): the token-level budget covers > gamma of both
    the vertical and the slash mass, and is the least such count; with a token->block count that
    does not shrink (budget_divisor=1) the selected blocks cover >= gamma of both masses."""
    n = nblk * bsz
    q, k, _ = S.make_head(kind, n, 8, seed)
    pat = F.flexprefill_head_pattern(q, k, _params(bsz, gamma, tau=0.0, div=1))
    assert not pat.query_aware and not pat.dense
    vert, slash = pat.info["vertical_tokens"], pat.info["slash_tokens"]
    assert math.isclose(vert.sum(), 1.0, rel_tol=1e-9) and math.isclose(slash.sum(), 1.0, rel_tol=1e-9)
    for x, cnt in ((vert, pat.info["cover_tokens_vertical"]), (slash, pat.info["cover_tokens_slash"])):
        srt = np.sort(x)[::-1]
        assert srt[:cnt].sum() > gamma - 1e-12
        assert srt[: cnt - 1].sum() <= gamma + 1e-12
    pv = F.pool_vertical(vert, bsz)
    ps = F.pool_slash(slash, bsz)
    assert pv[pat.vertical].sum() >= gamma - 1e-9
    assert ps[pat.slash].sum() >= gamma - 1e-9


def test_block_coverage_not_guaranteed_with_reference_divisor():
    """Documented property of the published rule ``count // 128 + 1``: when the top tokens are
    spread over many blocks, the block budget can cover less than gamma. Planted example."""
    vert = np.zeros(64)
    vert[[3, 13, 23, 33, 43, 53]] = 0.16  # six blocks of 8 hold 96% of the mass
    vert[vert == 0] = 0.04 / 58
    cnt = F.score_cover_count(vert, 0.9)
    assert cnt == 6
    nblocks = cnt // 128 + 1
    pv = F.pool_vertical(vert, 8)
    chosen = F.top_indices(np.r_[np.inf, pv[1:]], nblocks)
    assert pv[chosen].sum() < 0.9


def test_short_sequence_runs_dense():
    q, k, _ = S.make_head("slash", 2048, 8, 0)
    pat = F.flexprefill_head_pattern(q[:1024], k[:1024])  # 1024 <= max(256, 1024)
    assert pat.dense and [r.tolist() for r in pat.rows()] == [list(range(r + 1)) for r in range(8)]
    pat2 = F.flexprefill_head_pattern(q[:1025], k[:1025])
    assert not pat2.dense


def test_defaults_as_published():
    p = F.FlexPrefillParams()
    assert (p.block_size, p.gamma, p.tau, p.min_budget, p.budget_divisor) == (128, 0.9, 0.1, 1024, 128)
    assert p.min_blocks() == 8


def test_gqa_heads_use_their_kv_head():
    q, k, v = S.make_qkv(96, 4, 2, 8, seed=5)
    prm = _params(8)
    pats = F.flexprefill_patterns(q, k, prm)
    for h in range(4):
        ref = F.flexprefill_head_pattern(q[:, h], k[:, h // 2], prm)
        assert [r.tolist() for r in pats[h].rows()] == [r.tolist() for r in ref.rows()]
    out, pats2 = F.flex_prefill_attention(q, k, v, prm)
    lay = [p.rows() for p in pats2]
    np.testing.assert_array_equal(out, F.block_sparse_attention(q, k, v, lay, 8))


# ------------------------------------------------------------------ bad inputs


def test_bad_inputs():
    q = np.zeros((16, 4, 8), np.float32)
    k = np.zeros((16, 2, 8), np.float32)
    with pytest.raises(ValueError, match="gamma"):
        F.FlexPrefillParams(gamma=0.0)
    with pytest.raises(ValueError, match="gamma"):
        F.FlexPrefillParams(gamma=1.5)
    with pytest.raises(ValueError, match="block_size"):
        F.FlexPrefillParams(block_size=0)
    with pytest.raises(TypeError, match="block_size"):
        F.FlexPrefillParams(block_size=4.0)
    with pytest.raises(ValueError, match="multiple"):
        F.dense_attention(q, np.zeros((16, 3, 8), np.float32), np.zeros((16, 3, 8), np.float32))
    with pytest.raises(TypeError, match="floating dtype"):
        F.dense_attention(q.astype(np.int32), k, k)
    with pytest.raises(ValueError, match="3 dimensions"):
        F.dense_attention(q[0], k, k)
    with pytest.raises(ValueError, match="N"):
        F.dense_attention(q[:0], k[:0], k[:0])
    with pytest.raises(ValueError, match="tokens"):
        F.dense_attention(q, k[:8], k[:8])
    with pytest.raises(ValueError, match="N"):
        F.flexprefill_head_pattern(q[:0, 0], k[:0, 0])
    with pytest.raises(ValueError, match="NaN"):
        F.dense_attention(q * np.nan, k, k)
    with pytest.raises(TypeError, match="ndarray"):
        F.dense_attention(q.tolist(), k, k)


def test_list_checker_catches_planted_bugs():
    good = dense_lists(4)
    check_lists(good)
    for bad in ([np.array([0]), np.array([0, 1]), np.array([0, 1, 1, 2]), np.array([0, 3])],
                [np.array([0]), np.array([1]), np.array([0, 2]), np.array([0, 3])],
                [np.array([0]), np.array([0, 1]), np.array([0, 1]), np.array([0, 3])],
                [np.array([0]), np.array([0, 1]), np.array([0, 2, 1]), np.array([0, 3])]):
        with pytest.raises(ValueError, match="row"):
            check_lists(bad)
    with pytest.raises(ValueError, match="row-end"):
        from_stream([(0, 1), (0, 0)])
    pat = HeadPattern(4, np.array([0]), np.array([0]))
    assert [r.tolist() for r in pat.rows()] == [[0], [0, 1], [0, 2], [0, 3]]
