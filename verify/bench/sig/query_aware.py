"""Beat encodings, golden references and the co-simulation runner of the query-aware SIG blocks
(``sig_block_sum``, ``sig_decision``, ``sig_pooled_select``); used by their tests, the planted-bug
tests and the ``sig_head`` integration.

The golden references call the golden model's own functions (``logits``, ``softmax_fixed``,
``normalise``, ``js_statistic``, ``cover_count``, ``top_m_select``) on the block's inputs; the tests
check separately that they equal ``fixed_head_pattern`` / ``pooled_selection_fixed`` on whole heads
with N a multiple of B.
"""

from __future__ import annotations

import numpy as np

from ....blocks import get_block
from ....rtl.common.widths import index_width
from ...golden.fixed_point import (FixedPointConfig, cover_count, js_statistic, logits, normalise,
                                          softmax_fixed, top_m_select)
from ...streams import BACKENDS, check_beats


def lb_of(block_size: int) -> int:
    return block_size.bit_length() - 1


def cfg_of(params: dict) -> FixedPointConfig:
    keys = ("mult_bits", "logit_frac", "logit_bits", "exp_lut_bits", "prob_frac", "recip_frac", "acc_frac",
            "log_lut_bits", "log_frac", "gamma_frac", "hist_bits")
    return FixedPointConfig(block_size=params["block_size"], head_dim=params["head_dim"],
                            **{k: params[k] for k in keys if k in params})


# ----------------------------------------------------------------------------- encodings


def pack(values, bits: int) -> int:
    """Pack signed integers, element d at ``[bits (d+1) - 1 : bits d]``."""
    out = 0
    for d, v in enumerate(values):
        out |= (int(v) & ((1 << bits) - 1)) << (bits * d)
    return out


def row_beats(rows) -> list[int]:
    """``sig_block_sum`` / ``sig_probe`` ``s_k`` beats: INT8 elements."""
    return [pack(r, 8) for r in np.asarray(rows, np.int64)]


def bsum_beats(sums, block_size: int) -> list[int]:
    """Block-sum beats (``sig_block_sum``'s ``m``; ``s_q``/``s_k`` of the decision and selection)."""
    return [pack(s, 8 + lb_of(block_size)) for s in np.asarray(sums, np.int64)]


def block_sums(x, block_size: int) -> np.ndarray:
    x = np.asarray(x, np.int64)
    return x.reshape(-1, block_size, x.shape[1]).sum(axis=1)


def decision_hdr(nb: int, mult: int, shift: int, th: int, params: dict) -> int:
    iw = index_width(params["max_blocks"])
    return (nb - 1) | (shift << iw) | (mult << (iw + 6)) | (th << (iw + 6 + params["mult_bits"]))


def decision_out(qa: bool, d2: int, params: dict) -> int:
    from ....rtl.sig.decision import decision_widths

    dw = decision_widths(params["block_size"], params["head_dim"], params["max_blocks"], params["mult_bits"],
                         params["acc_frac"], params["log_frac"])["dw"]
    return (int(qa) << dw) | (int(d2) & ((1 << dw) - 1))


def pooled_hdr(nb: int, mult: int, shift: int, gamma_fx: int, params: dict) -> int:
    iw = index_width(params["max_blocks"])
    return (nb - 1) | (shift << iw) | (mult << (iw + 6)) | (gamma_fx << (iw + 6 + params["mult_bits"]))


def extra_beats(flat, nb: int, max_blocks: int) -> list[int]:
    """``s_extra`` beats (``sig_list_builder``): ``{end=0, row, col}`` ascending, then the end beat."""
    iw = index_width(max_blocks)
    return [((int(f) // nb) << iw) | (int(f) % nb) for f in sorted(flat)] + [1 << (2 * iw)]


# ----------------------------------------------------------------------------- golden references


def decision_golden(qsum, ksum, pv, mult: int, shift: int, th: int, cfg: FixedPointConfig):
    """``(query_aware, d2)`` of ``fixed_head_pattern`` for one count class (N a multiple of B)."""
    s = np.asarray(ksum, np.int64) @ np.asarray(qsum, np.int64)
    x = logits(s, mult, shift + 2 * lb_of(cfg.block_size), cfg)
    avg = softmax_fixed(x, np.ones(len(x), bool), cfg)
    d2 = js_statistic(avg, normalise(np.asarray(pv, np.int64), cfg), cfg)
    return bool(d2 < th), int(d2)


def pooled_golden(qs, ks, mult: int, shift: int, gamma_fx: int, cfg: FixedPointConfig) -> np.ndarray:
    """Flat indices of ``pooled_selection_fixed`` for one count class, from the block sums and the
    probe's multiplier (the tail of ``pooled_selection_fixed``, line for line)."""
    qs, ks = np.asarray(qs, np.int64), np.asarray(ks, np.int64)
    nb = len(qs)
    x = logits(qs @ ks.T, mult, shift + 2 * lb_of(cfg.block_size), cfg)
    tril = np.tril(np.ones((nb, nb), bool))
    p = softmax_fixed(x, tril, cfg).ravel()
    target = (gamma_fx * nb << cfg.acc_frac) >> cfg.gamma_frac
    width = cfg.acc_frac + 2
    keep = min(max(cover_count(p, target, cfg, width) - 1, 0), int(tril.sum()))
    if keep == 0:
        return np.zeros(0, np.int64)
    vals = np.where(tril.ravel(), p, -1)
    sel = top_m_select(np.maximum(vals, 0) + (vals >= 0), keep, cfg, width + 1, force_first=False)
    return sel[tril.ravel()[sel]]


# ----------------------------------------------------------------------------- runner


def run_block(name: str, params: dict, inputs: dict, want: list[int], idle: dict, stall, backends=BACKENDS,
              mutant=None, max_cycles: int = 20_000):
    """Run ``name`` on every backend with the same beats; assert the ``m`` beats equal ``want``,
    no stream-rule violation, and (both backends) equal cycles. Writes a VCD on a Verilog failure."""
    return check_beats(get_block(name), params, inputs, want, idle, stall, max_cycles, backends, mutant,
                       show=12, hexa=True)
