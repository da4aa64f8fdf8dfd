"""Fixed-point ``2**(-z)`` for ``z >= 0`` (combinational): exactly ``golden.fixed_point.exp2_neg``.

Computes: ``n = z >> LF`` (integer part), ``idx = (z mod 2**LF) >> (LF - L)`` (top ``L`` fraction
bits, truncated), ``e = EXP_LUT[idx] >> n`` (truncated; 0 once ``n > P``), with
``EXP_LUT[i] = round(2**P * 2**(-i / 2**L))`` held as a ROM (a tuple: a Verilog ``case``).

Ports: ``z`` (unsigned, at least ``LF + 1`` bits), ``e`` (unsigned ``P + 1`` bits, UQ1.P).
Latency: combinational (ROM lookup, compare, barrel shift). Throughput: one per cycle.
"""

from __future__ import annotations

from myhdl import Signal, always_comb, block, intbv


def exp_lut_values(prob_frac: int, exp_lut_bits: int) -> tuple[int, ...]:
    """The ROM contents, computed like ``golden.fixed_point.exp_lut`` (float64, round half up)."""
    import numpy as np

    i = np.arange(1 << exp_lut_bits)
    return tuple(int(v) for v in np.floor(2.0 ** prob_frac * 2.0 ** (-i / (1 << exp_lut_bits)) + 0.5))


@block
def sae_exp2(z, e, logit_frac=8, exp_lut_bits=8, prob_frac=15):
    lf, lb, p = logit_frac, exp_lut_bits, prob_frac
    if not 1 <= lb <= lf:
        raise ValueError(f"sae_exp2 field 'exp_lut_bits' = {lb!r} is not allowed: must be in [1, logit_frac={lf}]")
    if len(z) <= lf:
        raise ValueError(f"sae_exp2 field 'z' width = {len(z)} is not allowed: must exceed logit_frac={lf}")
    if len(e) != p + 1:
        raise ValueError(f"sae_exp2 field 'e' width = {len(e)} is not allowed: must be prob_frac + 1 = {p + 1}")
    rom = exp_lut_values(p, lb)
    zw = len(z)
    idx = Signal(intbv(0)[lb:])
    n = Signal(intbv(0)[zw - lf:])
    lut = Signal(intbv(0)[p + 1:])

    @always_comb
    def split():
        idx.next = z[lf:lf - lb]
        n.next = z[zw:lf]

    @always_comb
    def lookup():
        lut.next = rom[int(idx)]

    @always_comb
    def shift():
        if n > p:
            e.next = 0
        else:
            e.next = lut >> n

    return split, lookup, shift
