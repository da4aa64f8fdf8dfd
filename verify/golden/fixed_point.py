"""Hardware form: the bit-accurate fixed-point computation the RTL performs.

Every function here is pure integer numpy (int64 values); the formats, widths, rounding and
saturation rules are specified in docs/formats.md and parameterised by one frozen
:class:`FixedPointConfig`. Integer matrix products are evaluated with float64 BLAS and converted
back to int64; this is exact because every such sum is asserted to stay below 2**53.

Rounding primitive, used everywhere a right shift drops bits: :func:`rsr` =
round half up (``(v + 2**(k-1)) >> k`` with an arithmetic shift, i.e. ``floor(v / 2**k + 1/2)``).
Saturation primitive: :func:`sat` clamps to a signed two's-complement width.

Pipeline (one head):

1. Host: symmetric per-tensor INT8 quantisation of q, k, v (:func:`quantize`) and the score
   multipliers (:func:`score_multiplier`).
2. SIG probe, two passes over K in blocks of B keys (:func:`probe_fixed`): pass 1 keeps per-row
   running max and running exp-sum; pass 2 recomputes the logits and adds normalised
   probabilities into the vertical (per key) and slash (per distance) accumulators.
3. Coverage counts by a radix/histogram threshold search (:func:`cover_count`), pooled block
   scores, top-m selection without a sort (:func:`top_m_select`, ascending output).
4. Query-aware decision from a fixed-point square-root-JS test (:func:`js_decision`) and the
   pooled block selection (:func:`pooled_selection_fixed`).
5. Block-list builder (:mod:`.block_lists`), then the SAE online softmax
   (:func:`sparse_attention_fixed`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

import numpy as np

from ._checks import check_float_array, check_int, check_int_array
from .block_lists import HeadPattern
from .float_ref import FlexPrefillParams

EXACT = 1 << 53


@dataclass(frozen=True)
class FixedPointConfig:
    """All fixed-point parameters (docs/formats.md). Validated on construction."""

    block_size: int = 128  # B, power of two
    head_dim: int = 128  # D
    max_seq_len: int = 131072  # N_max: widths are sized for this
    mult_bits: int = 16  # unsigned score multiplier width
    logit_frac: int = 8  # LF: fraction bits of log2-domain logits
    logit_bits: int = 24  # signed logit width (saturating)
    exp_lut_bits: int = 8  # L: exp2 LUT index bits (top bits of the logit fraction)
    prob_frac: int = 15  # P: exp2 output UQ1.P
    recip_frac: int = 16  # R: reciprocal UQ1.R (restoring division)
    acc_frac: int = 16  # A: normalised probabilities UQ1.A
    gamma_frac: int = 16  # GF: gamma UQ1.GF
    hist_bits: int = 4  # radix digit per histogram pass
    log_lut_bits: int = 8  # LL: log2 mantissa LUT index bits (JS test)
    log_frac: int = 12  # LG: fraction bits of log2 values (JS test)
    out_frac: int = 8  # OF: output fraction bits (units of v's INT8 scale)
    out_bits: int = 16  # signed output width (saturating)

    _RANGES = {
        "block_size": (2, 256), "head_dim": (1, 256), "max_seq_len": (1, 1 << 20),
        "mult_bits": (4, 24), "logit_frac": (1, 12), "logit_bits": (12, 32),
        "exp_lut_bits": (1, 12), "prob_frac": (4, 20), "recip_frac": (4, 20),
        "acc_frac": (4, 20), "gamma_frac": (4, 20), "hist_bits": (1, 8),
        "log_lut_bits": (1, 12), "log_frac": (4, 16), "out_frac": (0, 16), "out_bits": (8, 32),
    }

    def __post_init__(self):
        for f in fields(self):
            lo, hi = self._RANGES[f.name]
            check_int(f.name, getattr(self, f.name), lo, hi)
        b = self.block_size
        if b & (b - 1):
            raise ValueError(f"block_size={b} must be a power of two in [2, 256]")
        if self.exp_lut_bits > self.logit_frac:
            raise ValueError(f"exp_lut_bits={self.exp_lut_bits} is out of range; allowed "
                             f"[1, logit_frac={self.logit_frac}]")
        if self.out_frac > self.out_bits - 8:
            raise ValueError(f"out_frac={self.out_frac} is out of range; allowed "
                             f"[0, out_bits-8={self.out_bits - 8}] (the INT8 range must fit)")

    # derived widths (documented in docs/formats.md)
    @property
    def score_bits(self) -> int:  # signed INT8 . INT8 over D
        return 15 + math.ceil(math.log2(self.head_dim)) + 1

    @property
    def expsum_bits(self) -> int:  # unsigned exp-sum of up to N_max terms <= 2**P
        return self.prob_frac + 1 + math.ceil(math.log2(self.max_seq_len))

    @property
    def probe_acc_bits(self) -> int:  # unsigned vertical/slash accumulator (B rows x UQ1.A)
        return self.acc_frac + 1 + math.ceil(math.log2(self.block_size))

    @property
    def pooled_bits(self) -> int:
        return self.probe_acc_bits + math.ceil(math.log2(self.block_size))

    @property
    def total_bits(self) -> int:  # unsigned total mass of an accumulator vector
        return self.probe_acc_bits + math.ceil(math.log2(self.max_seq_len))

    @property
    def sae_acc_bits(self) -> int:  # signed P.V accumulator: N_max x 2**P x 128
        return self.prob_frac + 1 + 7 + math.ceil(math.log2(self.max_seq_len)) + 1


# ----------------------------------------------------------------------------- primitives


def rsr(v, k: int):
    """Round-half-up arithmetic right shift by k >= 0: floor(v / 2**k + 1/2)."""
    v = np.asarray(v, np.int64)
    if k == 0:
        return v
    if k < 0:
        raise ValueError(f"shift k={k} must be >= 0")
    return (v + (np.int64(1) << np.int64(k - 1))) >> np.int64(k)


def sat(v, bits: int):
    """Saturate to a signed two's-complement ``bits``-bit range."""
    lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    return np.clip(np.asarray(v, np.int64), lo, hi)


def exp_lut(cfg: FixedPointConfig) -> np.ndarray:
    """EXP_LUT[i] = round(2**P * 2**(-i / 2**L)), i in [0, 2**L); UQ1.P, EXP_LUT[0] = 2**P."""
    i = np.arange(1 << cfg.exp_lut_bits)
    return np.floor(2.0 ** cfg.prob_frac * 2.0 ** (-i / (1 << cfg.exp_lut_bits)) + 0.5).astype(np.int64)


def exp2_neg(z, cfg: FixedPointConfig, lut=None):
    """2**(-z) for z >= 0 given with LF fraction bits; result UQ1.P.

    n = z >> LF (integer part), idx = (z mod 2**LF) >> (LF - L) (truncated fraction);
    result = EXP_LUT[idx] >> n (truncating; 0 once n > P).
    """
    z = np.asarray(z, np.int64)
    if np.any(z < 0):
        raise ValueError("exp2_neg: argument must be >= 0")
    lut = exp_lut(cfg) if lut is None else lut
    n = z >> cfg.logit_frac
    idx = (z & ((1 << cfg.logit_frac) - 1)) >> (cfg.logit_frac - cfg.exp_lut_bits)
    n = np.minimum(n, 62)
    return lut[idx] >> n


def reciprocal(x, frac: int, cfg: FixedPointConfig):
    """floor(2**(frac + R) / x) for x >= 1 (restoring division; x carries ``frac`` fraction
    bits so the result is UQ.R ~ 2**R / x_real)."""
    x = np.asarray(x, np.int64)
    if np.any(x < 1):
        raise ValueError("reciprocal: divisor must be >= 1")
    return (np.int64(1) << np.int64(frac + cfg.recip_frac)) // x


def restoring_divide(num: int, den: int, qbits: int) -> int:
    """Bit-serial restoring division as the RTL does it (``qbits`` quotient bits); equals
    ``num // den`` when the quotient fits. Kept to pin the RTL algorithm; tests compare."""
    rem = 0
    q = 0
    nbits = max(num.bit_length(), 1)
    for i in range(nbits - 1, -1, -1):
        rem = (rem << 1) | ((num >> i) & 1)
        q <<= 1
        if rem >= den:
            rem -= den
            q |= 1
    if q >= (1 << qbits):
        raise OverflowError(f"quotient {q} does not fit {qbits} bits")
    return q


def log2_fixed(x, cfg: FixedPointConfig):
    """Fixed-point log2 of positive integers: (msb << LG) + LOG_LUT[top LL mantissa bits]
    (truncated), LOG_LUT[i] = round(log2(1 + i/2**LL) * 2**LG). Fraction bits of x are ignored
    (they cancel in the JS test)."""
    x = np.asarray(x, np.int64)
    if np.any(x < 1):
        raise ValueError("log2_fixed: argument must be >= 1")
    e = np.floor(np.log2(x.astype(np.float64))).astype(np.int64)
    # correct possible float rounding of log2 near powers of two
    e = np.where((np.int64(1) << e) > x, e - 1, e)
    e = np.where((np.int64(1) << (e + 1)) <= x, e + 1, e)
    ll = cfg.log_lut_bits
    mant = np.where(e >= ll, x >> np.maximum(e - ll, 0), x << np.maximum(ll - e, 0)) & ((1 << ll) - 1)
    lut = np.floor(np.log2(1 + np.arange(1 << ll) / (1 << ll)) * (1 << cfg.log_frac) + 0.5).astype(np.int64)
    return (e << cfg.log_frac) + lut[mant]


# ----------------------------------------------------------------------------- host side


def quantize(x: np.ndarray):
    """Symmetric per-tensor INT8: scale = max|x| / 127 (1 if x == 0); x_q = clip(rint(x/scale),
    -127, 127) (round half to even). Host side. Returns (int64 array, scale)."""
    check_float_array("x", x, x.ndim)
    m = float(np.max(np.abs(x))) if x.size else 0.0
    scale = m / 127.0 if m > 0 else 1.0
    return np.clip(np.rint(x / scale), -127, 127).astype(np.int64), scale


def score_multiplier(real_factor: float, cfg: FixedPointConfig):
    """(mult, shift) with mult < 2**mult_bits, mult ~ real_factor * 2**shift * 2**-LF ... chosen
    as the largest shift such that round(real_factor * 2**shift) fits; logits are then
    ``sat(rsr(S * mult, shift - LF))``. Host side."""
    if not real_factor > 0 or not math.isfinite(real_factor):
        raise ValueError(f"score factor {real_factor!r} must be positive and finite")
    shift = cfg.mult_bits - 1 - math.floor(math.log2(real_factor))
    while round(real_factor * 2.0 ** shift) >= (1 << cfg.mult_bits):
        shift -= 1
    if shift - cfg.logit_frac < 1:
        raise ValueError(f"score factor {real_factor} too large: shift {shift} leaves no room for "
                         f"logit_frac={cfg.logit_frac}")
    if shift > 62:
        shift = 62
    return int(round(real_factor * 2.0 ** shift)), int(shift)


def logits(s, mult: int, shift: int, cfg: FixedPointConfig):
    """Log2-domain logits with LF fraction bits: sat(rsr(s * mult, shift - LF), logit_bits)."""
    return sat(rsr(np.asarray(s, np.int64) * np.int64(mult), shift - cfg.logit_frac), cfg.logit_bits)


def _imatmul(a, b):
    """Exact integer matrix product via float64 BLAS (asserted exact)."""
    bound = float(np.abs(a).max(initial=0)) * float(np.abs(b).max(initial=0)) * a.shape[-1]
    if bound >= EXACT:
        raise OverflowError("integer matmul would exceed 2**53")
    return np.rint(a.astype(np.float64) @ b.astype(np.float64)).astype(np.int64)


# ----------------------------------------------------------------------------- SIG probe


def probe_fixed(qp, k, mult: int, shift: int, cfg: FixedPointConfig):
    """Two-pass probe. ``qp``: (Bq, D) INT8 probe rows (the last Bq queries), ``k``: (N, D) INT8.

    Pass 1 (key blocks c = 0 .. nb-1 in order, B keys each): per row,
    ``m' = max(m, max x)``, ``l = rsr(l * E(m' - m), P) + sum E(m' - x)``; start m = -2**(LB-1), l = 0.
    Reciprocal ``inv = floor(2**(P+R) / l)``. Pass 2: ``p = rsr(E(m - x) * inv, P + R - A)``
    added to ``vert[j]`` and ``slash[i_abs - j]``. Causally masked entries (inside the
    bottom-right square) take part in nothing. Returns (vert, slash, m, l) int64.
    """
    n, d = k.shape
    bq = qp.shape[0]
    bsz = cfg.block_size
    lut = exp_lut(cfg)
    qpos = np.arange(n - bq, n)
    m = np.full(bq, -(1 << (cfg.logit_bits - 1)), np.int64)
    lsum = np.zeros(bq, np.int64)
    for c0 in range(0, n, bsz):
        kidx = np.arange(c0, min(c0 + bsz, n))
        x = logits(_imatmul(qp, k[kidx].T), mult, shift, cfg)
        valid = qpos[:, None] >= kidx[None, :]
        xm = np.where(valid, x, np.iinfo(np.int64).min)
        mn = np.maximum(m, xm.max(axis=1))
        e = np.where(valid, exp2_neg(np.where(valid, mn[:, None] - x, 0), cfg, lut), 0)
        lsum = rsr(lsum * exp2_neg(mn - m, cfg, lut), cfg.prob_frac) + e.sum(axis=1)
        m = mn
    inv = reciprocal(lsum, cfg.prob_frac, cfg)
    vert = np.zeros(n, np.int64)
    slash = np.zeros(n, np.int64)
    sh = cfg.prob_frac + cfg.recip_frac - cfg.acc_frac
    for c0 in range(0, n, bsz):
        kidx = np.arange(c0, min(c0 + bsz, n))
        x = logits(_imatmul(qp, k[kidx].T), mult, shift, cfg)
        valid = qpos[:, None] >= kidx[None, :]
        e = np.where(valid, exp2_neg(np.where(valid, m[:, None] - x, 0), cfg, lut), 0)
        p = np.where(valid, rsr(e * inv[:, None], sh), 0)
        vert[kidx] += p.sum(axis=0)
        dist = (qpos[:, None] - kidx[None, :])[valid]
        slash += np.bincount(dist, weights=p[valid], minlength=n).astype(np.int64)
    return vert, slash, m, lsum


# ----------------------------------------------------------------------------- selection


def radix_threshold(values, target: int, hist_bits: int, width: int):
    """Histogram threshold search. Finds t with S(>t) <= target < S(>=t) (S = sum of values
    above / at-or-above t) using ceil(width / hist_bits) passes; each pass histograms counts
    and sums of the candidates by the next digit, scanning digits from high to low.
    Returns (t, count(>t), S(>t)), or None when sum(values) <= target."""
    v = np.asarray(values, np.int64)
    if int(v.sum()) <= target:
        return None
    prefix = 0
    above_s = 0
    above_c = 0
    passes = -(-width // hist_bits)
    for p in range(passes):
        lo_bit = max(width - (p + 1) * hist_bits, 0)
        nbits = width - p * hist_bits - lo_bit
        hi_mask_shift = lo_bit + nbits
        cand = (v >> hi_mask_shift) == (prefix >> hi_mask_shift)
        digit = (v[cand] >> lo_bit) & ((1 << nbits) - 1)
        hs = np.bincount(digit, weights=v[cand].astype(np.float64), minlength=1 << nbits)
        hc = np.bincount(digit, minlength=1 << nbits)
        chosen = None
        for dgt in range((1 << nbits) - 1, -1, -1):
            bs = int(round(hs[dgt]))
            if above_s + bs > target:
                chosen = dgt
                break
            above_s += bs
            above_c += int(hc[dgt])
        prefix |= chosen << lo_bit
    return prefix, above_c, above_s


def cover_count(values, target: int, cfg: FixedPointConfig, width: int) -> int:
    """Least k such that the k largest values sum to more than ``target``; len + 1 if none
    (the reference's ``score_cover_topk``), found with :func:`radix_threshold`."""
    res = radix_threshold(values, target, cfg.hist_bits, width)
    if res is None:
        return len(values) + 1
    t, c_gt, s_gt = res
    return c_gt + (target - s_gt) // t + 1


def top_m_select(values, m: int, cfg: FixedPointConfig, width: int, force_first: bool = True):
    """Indices of the m largest values (ties: lowest index first), ascending. With
    ``force_first`` index 0 is always taken (the reference's ``inf``) and counts towards m.
    Threshold by histogram passes on the value digits, then one ascending emission pass."""
    v = np.asarray(values, np.int64)
    n = len(v)
    m = min(m, n)
    if m <= 0:
        return np.zeros(0, np.int64)
    take0 = force_first
    rest = v.copy()
    if take0:
        rest[0] = -1  # excluded from the search
        m_rest = m - 1
    else:
        m_rest = m
    sel = np.zeros(n, bool)
    if take0:
        sel[0] = True
    if m_rest > 0:
        # radix search for the m_rest-th largest value among rest >= 0 (count-based)
        prefix = 0
        above = 0
        passes = -(-width // cfg.hist_bits)
        ok = rest >= 0
        for p in range(passes):
            lo_bit = max(width - (p + 1) * cfg.hist_bits, 0)
            nbits = width - p * cfg.hist_bits - lo_bit
            top = lo_bit + nbits
            cand = ok & ((rest >> top) == (prefix >> top))
            digit = (rest[cand] >> lo_bit) & ((1 << nbits) - 1)
            hc = np.bincount(digit, minlength=1 << nbits)
            for dgt in range((1 << nbits) - 1, -1, -1):
                if above + int(hc[dgt]) >= m_rest:
                    prefix |= dgt << lo_bit
                    break
                above += int(hc[dgt])
        t = prefix
        need_eq = m_rest - above
        for i in range(n):  # ascending emission
            if not ok[i]:
                continue
            if rest[i] > t:
                sel[i] = True
            elif rest[i] == t and need_eq > 0:
                sel[i] = True
                need_eq -= 1
    return np.flatnonzero(sel).astype(np.int64)


def top_m_reference(values, m: int, force_first: bool = True):
    """Sort-based reference for :func:`top_m_select` (tests)."""
    v = np.asarray(values, np.int64).astype(object)
    idx = list(range(len(v)))
    if force_first:
        idx.sort(key=lambda i: (i != 0, -v[i], i))
    else:
        idx.sort(key=lambda i: (-v[i], i))
    return np.array(sorted(idx[: min(m, len(v))]), np.int64)


# ----------------------------------------------------------------------------- softmax/JS


def softmax_fixed(x, valid, cfg: FixedPointConfig):
    """Row softmax of logits x (LF frac bits) over ``valid`` entries -> UQ1.A:
    m = max, e = E(m - x), l = sum e, p = rsr(e * floor(2**(P+R)/l), P + R - A)."""
    x = np.asarray(x, np.int64)
    xm = np.where(valid, x, np.iinfo(np.int64).min)
    m = xm.max(axis=-1, keepdims=True)
    e = np.where(valid, exp2_neg(np.where(valid, m - x, 0), cfg), 0)
    inv = reciprocal(e.sum(axis=-1, keepdims=True), cfg.prob_frac, cfg)
    return np.where(valid, rsr(e * inv, cfg.prob_frac + cfg.recip_frac - cfg.acc_frac), 0)


def js_statistic(p, q, cfg: FixedPointConfig) -> int:
    """D2 = sum_b p_b (L(p_b) - L(p_b + q_b) + 2**LG) + q_b (L(q_b) - L(p_b + q_b) + 2**LG),
    terms with a zero probability are 0. Real value: 2 JS / ln 2 (A + LG fraction bits)."""
    p = np.asarray(p, np.int64)
    q = np.asarray(q, np.int64)
    s = p + q
    one = 1 << cfg.log_frac
    ls = log2_fixed(np.maximum(s, 1), cfg)
    tp = np.where(p > 0, p * (log2_fixed(np.maximum(p, 1), cfg) - ls + one), 0)
    tq = np.where(q > 0, q * (log2_fixed(np.maximum(q, 1), cfg) - ls + one), 0)
    return int(tp.sum() + tq.sum())


def js_threshold(tau: float, cfg: FixedPointConfig) -> int:
    """Host constant: sqrt(JS) < tau  <=>  D2 < round(2 tau**2 / ln 2 * 2**(A + LG))."""
    return int(round(2 * tau * tau / math.log(2) * 2.0 ** (cfg.acc_frac + cfg.log_frac)))


def normalise(v, cfg: FixedPointConfig):
    """Distribution UQ1.A from non-negative integers: floor(v * 2**A / sum(v)) (divider)."""
    v = np.asarray(v, np.int64)
    tot = int(v.sum())
    return (v << np.int64(cfg.acc_frac)) // max(tot, 1)


# ----------------------------------------------------------------------------- head pattern


@dataclass(frozen=True)
class HeadInts:
    """One head's quantised operands and host constants."""

    q: np.ndarray  # (N, D) int64 in [-127, 127]
    k: np.ndarray
    v: np.ndarray | None
    scale_q: float
    scale_k: float
    scale_v: float


def quantize_head(qh, kh, vh=None) -> HeadInts:
    qi, sq = quantize(qh)
    ki, sk = quantize(kh)
    if vh is None:
        return HeadInts(qi, ki, None, sq, sk, 1.0)
    vi, sv = quantize(vh)
    return HeadInts(qi, ki, vi, sq, sk, sv)


def _check_head(h: HeadInts, cfg: FixedPointConfig):
    check_int_array("q_int", h.q, 2, -127, 127)
    check_int_array("k_int", h.k, 2, -127, 127)
    if h.q.shape != h.k.shape:
        raise ValueError(f"q_int {h.q.shape} and k_int {h.k.shape} must have the same shape")
    n, d = h.q.shape
    check_int("N", n, 1, cfg.max_seq_len)
    if d != cfg.head_dim:
        raise ValueError(f"head dim D={d} does not match cfg.head_dim={cfg.head_dim}")
    if h.v is not None:
        check_int_array("v_int", h.v, 2, -127, 127)
        if h.v.shape != h.q.shape:
            raise ValueError(f"v_int {h.v.shape} must have shape {h.q.shape}")


def gamma_fixed(gamma: float, cfg: FixedPointConfig) -> int:
    return int(round(gamma * (1 << cfg.gamma_frac)))


def pooled_selection_fixed(h: HeadInts, gamma: float, cfg: FixedPointConfig) -> np.ndarray:
    """Query-aware pooled blocks: block sums of q and k, logits with per-(row, col) count class
    multipliers, causal row softmax (UQ1.A), keep the top entries while their sum stays
    <= floor(gamma_fx * nb * 2**A / 2**GF) (ties lowest flat index first)."""
    n, d = h.q.shape
    bsz = cfg.block_size
    nb = -(-n // bsz)
    blk = np.arange(n) // bsz
    qs = np.zeros((nb, d), np.int64)
    ks = np.zeros((nb, d), np.int64)
    np.add.at(qs, blk, h.q)
    np.add.at(ks, blk, h.k)
    cnt = np.minimum(bsz, n - np.arange(nb) * bsz)
    s = _imatmul(qs, ks.T)
    x = np.zeros((nb, nb), np.int64)
    base = h.scale_q * h.scale_k * math.log2(math.e) / math.sqrt(d)
    for cr in sorted(set(cnt.tolist())):
        for cc in sorted(set(cnt.tolist())):
            mult, shift = score_multiplier(base / (cr * cc), cfg)
            sel = (cnt[:, None] == cr) & (cnt[None, :] == cc)
            x[sel] = logits(s[sel], mult, shift, cfg)
    tril = np.tril(np.ones((nb, nb), bool))
    p = softmax_fixed(x, tril, cfg).ravel()
    target = (gamma_fixed(gamma, cfg) * nb << cfg.acc_frac) >> cfg.gamma_frac
    width = cfg.acc_frac + 2
    k_over = cover_count(p, target, cfg, width)
    keep = max(k_over - 1, 0)
    keep = min(keep, int(tril.sum()))
    vals = np.where(tril.ravel(), p, -1)
    if keep == 0:
        return np.zeros(0, np.int64)
    # top `keep` causal entries (masked entries are -1 and never chosen)
    sel = top_m_select(np.maximum(vals, 0) + (vals >= 0), keep, cfg, width + 1, force_first=False)
    return sel[tril.ravel()[sel]]


def fixed_head_pattern(h: HeadInts, params: FlexPrefillParams, cfg: FixedPointConfig) -> HeadPattern:
    """The hardware form of :func:`.float_ref.flexprefill_head_pattern`."""
    _check_head(h, cfg)
    if params.block_size != cfg.block_size:
        raise ValueError(f"params.block_size={params.block_size} must equal "
                         f"cfg.block_size={cfg.block_size}")
    n, d = h.q.shape
    bsz = cfg.block_size
    nb = -(-n // bsz)
    if params.runs_dense(n):
        e = np.zeros(0, np.int64)
        return HeadPattern(nb, e, e, dense=True, info={"reason": "short sequence"})
    minb, maxb = params.min_blocks(), params.max_blocks(nb)
    bq = min(bsz, n)
    mult, shift = score_multiplier(h.scale_q * h.scale_k * math.log2(math.e) / math.sqrt(d), cfg)
    vert, slash, _, _ = probe_fixed(h.q[n - bq:], h.k, mult, shift, cfg)
    total = int(vert.sum())
    target = (total * gamma_fixed(params.gamma, cfg)) >> cfg.gamma_frac
    cnt_v = cover_count(vert, target, cfg, cfg.probe_acc_bits)
    cnt_s = cover_count(slash, target, cfg, cfg.probe_acc_bits)

    def clamp(x):
        x = minb if x < minb else x
        return maxb if x > maxb else x

    nv = clamp(cnt_v // params.budget_divisor + 1)
    ns = clamp(cnt_s // params.budget_divisor + 1)
    idx = np.arange(n)
    pv = np.bincount(idx // bsz, weights=vert, minlength=nb).astype(np.int64)
    soff = nb - 1 - (n - 1 - idx) // bsz
    ps = np.bincount(soff, weights=slash, minlength=nb).astype(np.int64)
    # query-aware decision: probe-mean q . block-mean k, softmax, vs normalised pooled vertical
    qsum = h.q[n - bq:].sum(axis=0)
    ks = np.zeros((nb, d), np.int64)
    np.add.at(ks, idx // bsz, h.k)
    cntb = np.minimum(bsz, n - np.arange(nb) * bsz)
    s = _imatmul(ks, qsum[:, None])[:, 0]
    base = h.scale_q * h.scale_k * math.log2(math.e) / math.sqrt(d) / bq
    x = np.zeros(nb, np.int64)
    for c in sorted(set(cntb.tolist())):
        mult_c, shift_c = score_multiplier(base / c, cfg)
        x[cntb == c] = logits(s[cntb == c], mult_c, shift_c, cfg)
    avg = softmax_fixed(x, np.ones(nb, bool), cfg)
    pvn = normalise(pv, cfg)
    d2 = js_statistic(avg, pvn, cfg)
    query_aware = d2 < js_threshold(params.tau, cfg)
    if query_aware:
        nv = ns = minb
    vsel = top_m_select(pv, nv, cfg, cfg.pooled_bits)
    ssel = top_m_select(ps, ns, cfg, cfg.pooled_bits)
    extra = pooled_selection_fixed(h, params.gamma, cfg) if query_aware else np.zeros(0, np.int64)
    info = {"cover_tokens_vertical": cnt_v, "cover_tokens_slash": cnt_s, "n_vertical": nv,
            "n_slash": ns, "js_d2": d2, "vertical_acc": vert, "slash_acc": slash, "cover_target": target,
            "pooled_vertical": pv, "pooled_slash": ps}
    return HeadPattern(nb, vsel, ssel, np.sort(extra), False, bool(query_aware), info)


# ----------------------------------------------------------------------------- SAE


def sparse_attention_fixed(h: HeadInts, lists, cfg: FixedPointConfig, row_blocks=None):
    """SAE online softmax, bit-accurate. Per query row, for each key block of the row's list in
    ascending order: x = logits(q . k), causal mask on the diagonal block,
    ``m' = max(m, max x)``, ``alpha = E(m' - m)``, ``l = rsr(l * alpha, P) + sum E(m' - x)``,
    ``acc = rsr(acc * alpha, P) + sum E(m' - x) * v``; finally
    ``o = sat(rsr(acc * floor(2**(P+R) / l), P + R - OF), out_bits)``.
    Returns int64 (N, D) (rows outside ``row_blocks`` are 0); real value o * scale_v / 2**OF."""
    _check_head(h, cfg)
    if h.v is None:
        raise ValueError("v_int is required for attention")
    n, d = h.q.shape
    bsz = cfg.block_size
    nb = -(-n // bsz)
    if len(lists) != nb:
        raise ValueError(f"lists has {len(lists)} rows, expected nb={nb}")
    lut = exp_lut(cfg)
    mult, shift = score_multiplier(h.scale_q * h.scale_k * math.log2(math.e) / math.sqrt(d), cfg)
    out = np.zeros((n, d), np.int64)
    rows = range(nb) if row_blocks is None else row_blocks
    for r in rows:
        qidx = np.arange(r * bsz, min(r * bsz + bsz, n))
        qr = h.q[qidx]
        m = np.full(len(qidx), -(1 << (cfg.logit_bits - 1)), np.int64)
        lsum = np.zeros(len(qidx), np.int64)
        acc = np.zeros((len(qidx), d), np.int64)
        for c in lists[r]:
            c = int(c)
            if c > r or c < 0:
                raise ValueError(f"row {r}: key block {c} outside [0, {r}]")
            kidx = np.arange(c * bsz, min(c * bsz + bsz, n))
            x = logits(_imatmul(qr, h.k[kidx].T), mult, shift, cfg)
            valid = qidx[:, None] >= kidx[None, :]
            xm = np.where(valid, x, np.iinfo(np.int64).min)
            mn = np.maximum(m, xm.max(axis=1))
            alpha = exp2_neg(mn - m, cfg, lut)
            e = np.where(valid, exp2_neg(np.where(valid, mn[:, None] - x, 0), cfg, lut), 0)
            lsum = rsr(lsum * alpha, cfg.prob_frac) + e.sum(axis=1)
            acc = rsr(acc * alpha[:, None], cfg.prob_frac) + _imatmul(e, h.v[kidx])
            m = mn
        inv = reciprocal(lsum, cfg.prob_frac, cfg)
        o = rsr(acc * inv[:, None], cfg.prob_frac + cfg.recip_frac - cfg.out_frac)
        out[qidx] = sat(o, cfg.out_bits)
    return out


def dequantize_output(o, h: HeadInts, cfg: FixedPointConfig) -> np.ndarray:
    return np.asarray(o, np.float64) * h.scale_v / (1 << cfg.out_frac)
