"""Co-simulation harness of the SIG blocks (shared by the unit tests, the planted-bug tests and the
benchmark): drive a block on MyHDL and on its converted Verilog with the same beats and compare its
outputs with the golden model exactly. Its Hypothesis strategy (random head patterns) is
``verify/strategies.head_patterns``.
"""

from __future__ import annotations

import numpy as np

from ....blocks import get_block
from ...golden.block_lists import HeadPattern
from ...streams import BACKENDS, check_beats
from ....rtl.sig.formats import expected_list_beats, pattern_extra_beats, pattern_sel_beats

MAXB = 8


def _check(name: str, params: dict, inputs: dict, idle: dict, stall, want: list[int], cycles: int, backends,
           mutant=None, label: str | None = None, show: int = 16):
    """Run block ``name`` on every backend; its ``m`` beats must equal ``want`` exactly
    (:func:`fast_prefill.verify.streams.check_beats`)."""
    return check_beats(get_block(name), params, inputs, want, idle, stall, cycles, backends, mutant, label, show=show)


def run_heads(patterns, idle_sel, idle_x, stall, backends=BACKENDS, mutant=None, params=None):
    params = params or {"max_blocks": MAXB}
    mb = params["max_blocks"]
    sel = [b for p in patterns for b in pattern_sel_beats(p, mb)]
    extra = [b for p in patterns for b in pattern_extra_beats(p, mb)]
    want = [b for p in patterns for b in expected_list_beats(p, mb)]
    cycles = 4 * mb + sum(p.nb * (p.nb + 1) // 2 + len(p.extra) + 2 * p.nb + 8 for p in patterns)
    cycles = 40 + cycles * (2 + len(idle_sel) + len(idle_x) + len(stall))
    return _check("sig_list_builder", params, {"s_sel": sel, "s_extra": extra}, {"s_sel": idle_sel, "s_extra": idle_x},
                  stall, want, cycles, backends, mutant)


def expected_liveness_beats(p, max_blocks: int) -> list[int]:
    """The golden ``liveness.annotate(build_lists(p))`` in the annotator's ``m`` encoding."""
    from ...golden.block_lists import build_lists
    from ...golden.liveness import DEAD, annotate
    from ....rtl.sig.formats import liveness_beat

    acc = annotate(build_lists(p))
    out = []
    for i, a in enumerate(acc):
        last = i + 1 == len(acc) or acc[i + 1].row != a.row
        out.append(liveness_beat(a.row, a.block, last, a.row == p.nb - 1 and last, a.next_use, a.pinnable,
                                 max_blocks))
    assert all(a.next_use == DEAD or a.next_use > a.row for a in acc)
    return out


def run_liveness(patterns, idle, stall, backends=BACKENDS, params=None, mutant=None):
    """Feed the golden list stream of ``patterns`` into ``sig_liveness``; compare with the golden
    annotations exactly, on every backend, and cycle for cycle between backends."""
    params = params or {"max_blocks": MAXB, "max_accesses": 64}
    mb = params["max_blocks"]
    beats = [b for p in patterns for b in expected_list_beats(p, mb)]
    want = [b for p in patterns for b in expected_liveness_beats(p, mb)]
    cycles = 40 + (4 * len(beats) + 2 * mb * len(patterns)) * (2 + len(idle) + len(stall))
    return _check("sig_liveness", params, {"s": beats}, {"s": idle}, stall, want, cycles, backends, mutant)


TOP_M_PARAMS = {"max_n": 8, "width": 6, "hist_bits": 2, "div_shift": 1, "min_m": 2, "max_m": 5}


def top_m_golden(count: int, values, params: dict) -> np.ndarray:
    """Budget clamp then the golden ``top_m_select(..., force_first=True)`` (ascending indices)."""
    from ...golden.fixed_point import FixedPointConfig, top_m_select

    m = (count >> params["div_shift"]) + 1
    m = max(params["min_m"], min(m, params["max_m"]))
    cfg = FixedPointConfig(hist_bits=params["hist_bits"])
    return top_m_select(np.asarray(values, np.int64), m, cfg, params["width"], force_first=True)


def run_top_m(vectors, idle, stall, params=None, backends=BACKENDS, mutant=None):
    """Feed ``(count, values)`` vectors into ``sig_top_m``; compare with :func:`top_m_golden`."""
    from ....rtl.sig.top_m import top_m_widths

    params = params or TOP_M_PARAMS
    iw, _, pw = top_m_widths(params["max_n"], params["width"], params["div_shift"])
    beats, want = [], []
    for count, values in vectors:
        beats.append(int(count))
        beats += [int(v) for v in values]
        beats[-1] |= 1 << pw
        sel = top_m_golden(count, values, params)
        want += [int(i) | (int(k == len(sel) - 1) << iw) for k, i in enumerate(sel)]
    npass = -(-params["width"] // params["hist_bits"])
    cycles = sum(3 * len(v) + npass * (len(v) + 2 * (1 << params["hist_bits"]) + 5) + 12 for _, v in vectors)
    cycles = 40 + cycles * (2 + len(idle) + len(stall))
    return _check("sig_top_m", params, {"s": beats}, {"s": idle}, stall, want, cycles, backends, mutant,
                  label=f"sig_top_m {params}")


COVER_PARAMS = {"max_n": 8, "width": 6, "hist_bits": 2, "sum_width": 9}


def run_cover_count(vectors, idle, stall, params=None, backends=BACKENDS, mutant=None):
    """Feed ``(target, values)`` vectors into ``sig_cover_count``; compare with the golden
    ``cover_count(values, target, FixedPointConfig(hist_bits=...), width)`` exactly."""
    from ...golden.fixed_point import FixedPointConfig, cover_count
    from ....rtl.sig.cover_count import cover_count_widths

    params = params or COVER_PARAMS
    _, pw = cover_count_widths(params["max_n"], params["width"], params["sum_width"])
    cfg = FixedPointConfig(hist_bits=params["hist_bits"])
    beats, want = [], []
    for target, values in vectors:
        beats.append(int(target))
        beats += [int(v) for v in values]
        beats[-1] |= 1 << pw
        want.append(int(cover_count(np.asarray(values, np.int64), int(target), cfg, params["width"])))
    npass = -(-params["width"] // params["hist_bits"])
    cycles = sum(2 * len(v) + npass * (len(v) + 2 * (1 << params["hist_bits"]) + 4) + 2 * params["max_n"].bit_length() + 14
                 for _, v in vectors)
    cycles = 40 + cycles * (2 + len(idle) + len(stall))
    return _check("sig_cover_count", params, {"s": beats}, {"s": idle}, stall, want, cycles, backends, mutant,
                  label=f"sig_cover_count {params}")


PROBE_PARAMS = {"block_size": 4, "head_dim": 2, "max_n": 16, "heads_per_pass": 1, "rows_per_key": 1, "mult_bits": 16, "logit_frac": 8,
                "logit_bits": 24, "exp_lut_bits": 8, "prob_frac": 15, "recip_frac": 16, "acc_frac": 16}


def probe_cfg(params: dict):
    from ...golden.fixed_point import FixedPointConfig

    return FixedPointConfig(block_size=params["block_size"], head_dim=params["head_dim"],
                            max_seq_len=params["max_n"], **{k: params[k] for k in (
                                "mult_bits", "logit_frac", "logit_bits", "exp_lut_bits", "prob_frac",
                                "recip_frac", "acc_frac")})


def probe_inputs(qp, k, mult: int, shift: int, params: dict):
    """``(s_hdr, s_q, s_k)`` beats of one head: header, B probe rows, the N keys twice."""
    from ....rtl.sig.probe import probe_widths

    iwn = probe_widths(params["block_size"], params["head_dim"], params["max_n"], params["mult_bits"],
                       params["acc_frac"])["iwn"]
    pack = lambda row: sum((int(v) & 0xFF) << (8 * d) for d, v in enumerate(row))
    hdr = [(int(mult) << (iwn + 6)) | (int(shift) << iwn) | (len(k) - 1)]
    return hdr, [pack(r) for r in qp], [pack(r) for r in k] * 2


def expected_probe_beats(qp, k, mult: int, shift: int, params: dict) -> list[int]:
    """The golden ``probe_fixed`` accumulators as ``m`` beats: vertical then slash."""
    from ...golden.fixed_point import probe_fixed

    vert, slash, _, _ = probe_fixed(np.asarray(qp, np.int64), np.asarray(k, np.int64), mult, shift, probe_cfg(params))
    aw = params["acc_frac"] + 1 + params["block_size"].bit_length() - 1
    return [int(v) for v in vert] + [(1 << aw) | int(s) for s in slash]


def probe_ideal_cycles(n: int, params: dict) -> int:
    """Two passes of N x B x D multiply-accumulates over D lanes."""
    return 2 * n * params["block_size"]


def run_probe(heads, idle, stall, params=None, backends=BACKENDS, mutant=None):
    """Run ``(qp, k, mult, shift)`` heads through ``sig_probe``; compare with ``probe_fixed`` exactly."""
    params = params or PROBE_PARAMS
    hdr, qs, ks, want = [], [], [], []
    for qp, k, mult, shift in heads:
        h, q, kk = probe_inputs(qp, k, mult, shift, params)
        hdr += h
        qs += q
        ks += kk
        want += expected_probe_beats(qp, k, mult, shift, params)
    b = params["block_size"]
    cycles = sum(4 * len(k) * b + 3 * b * b + 40 * b + 4 * len(k) for _, k, _, _ in heads) + 2 * params["max_n"]
    cycles = 40 + cycles * (2 + len(idle) + len(stall))
    return _check("sig_probe", params, {"s_hdr": hdr, "s_q": qs, "s_k": ks}, {"s_k": idle}, stall, want, cycles,
                  backends, mutant, show=12)


POOL_PARAMS = {"block_size": 4, "max_n": 16, "acc_width": 19}


def pool_golden(vert, slash, block_size: int):
    """The pooling lines of the golden ``fixed_head_pattern``: ``(pv, ps, total)``."""
    vert, slash = np.asarray(vert, np.int64), np.asarray(slash, np.int64)
    n = len(vert)
    nb = -(-n // block_size)
    idx = np.arange(n)
    pv = np.bincount(idx // block_size, weights=vert, minlength=nb).astype(np.int64)
    soff = nb - 1 - (n - 1 - idx) // block_size
    ps = np.bincount(soff, weights=slash, minlength=nb).astype(np.int64)
    return pv, ps, int(vert.sum())


def run_pool(heads, idle, stall, params=None, backends=BACKENDS, mutant=None):
    """``(vert, slash)`` accumulator vectors through ``sig_pool``; compare with :func:`pool_golden`."""
    from ....rtl.sig.pool import pool_widths

    params = params or POOL_PARAMS
    w = pool_widths(params["block_size"], params["max_n"], params["acc_width"])
    aw, tw = params["acc_width"], w["tw"]
    hdr, beats, want = [], [], []
    for vert, slash in heads:
        hdr.append(len(vert) - 1)
        beats += [int(v) for v in vert] + [(1 << aw) | int(s) for s in slash]
        pv, ps, tot = pool_golden(vert, slash, params["block_size"])
        want += [int(v) for v in pv] + [(1 << tw) | int(v) for v in ps] + [(2 << tw) | tot]
    cycles = 40 + sum(2 * len(v) + 8 for v, _ in heads) * (2 + len(idle) + len(stall))
    return _check("sig_pool", params, {"s_hdr": hdr, "s": beats}, {"s": idle}, stall, want, cycles, backends,
                  mutant)
