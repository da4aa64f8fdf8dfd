"""DSP pair: two signed products that share one operand, ``p0 = a0 * b`` and ``p1 = a1 * b``, from
one multiplier (one DSP48E2).

The two ``W``-bit operands are packed into one ``3W``-bit signed operand ``a1 * 2^S + a0`` with
``S = 2W`` and multiplied by ``b``: ``P = p1 * 2^S + p0``. Each product fits in ``2W`` signed bits
(``|a * b| <= 2^(2W-2)``), so the low ``S`` bits of ``P``, read as a signed number, are exactly
``p0``. The high part ``P >>> S`` (an arithmetic shift: ``floor(P / 2^S)``) is ``p1`` when ``p0 >= 0``
and ``p1 - 1`` when ``p0 < 0``, because the negative ``p0`` borrowed from it: the correction term is
the sign bit of the low field, ``p1 = (P >>> S) + P[S-1]``. The same packing idea (with ``S = 18``,
to use the DSP48E2's 27 x 18 multiplier for two INT8 products) is AMD's white paper WP486 ("Deep
Learning with INT8 Optimization on Xilinx Devices"); here ``S = 2W`` (a 25-bit packed operand at
``W = 8``, within the 27-bit A/D port).

Ports: ``clk``; ``a0``, ``a1``, ``b``: ``W``-bit two's complement; ``p0``, ``p1``: ``2W``-bit two's
complement. No reset and no handshake: a pure pipeline like the lanes.

Latency: 2 cycles (operands sampled at edge t, products valid after edge t+1): stage 1 the packed
product into a register (the DSP's M/P register), stage 2 the split and the correction. Proved equal
to the two separate products for all operand values (``verify/properties/mpu_dsp_pair.sv``).
"""

from __future__ import annotations

from myhdl import Signal, block, intbv

from ..common.signed import sfield
from .parts import mul_reg, pack_pair, pair_pack_range, pair_product_range, reg, sig, split_pair, srange, to_bus

LATENCY = 2
MAX_DATA_WIDTH = 8    # the packed operand (3W + 1 bits) within the DSP48E2's 27-bit A/D port


def pair_shift(data_width: int) -> int:
    """The packing shift ``S = 2W``."""
    return 2 * data_width


@block
def mpu_dsp_pair(clk, a0, a1, b, p0, p1, data_width=8):
    W = data_width
    if not isinstance(W, int) or isinstance(W, bool) or not 2 <= W <= MAX_DATA_WIDTH:
        raise ValueError(f"mpu_dsp_pair field 'data_width' = {W!r} is not allowed: must be an integer in "
                         f"[2, {MAX_DATA_WIDTH}] (the packed operand of 3*data_width + 1 bits must fit the DSP48E2's "
                         "27-bit port)")
    for name, bus, width in (("a0", a0, W), ("a1", a1, W), ("b", b, W), ("p0", p0, 2 * W), ("p1", p1, 2 * W)):
        if len(bus) != width:
            raise ValueError(f"mpu_dsp_pair field '{name}' width = {len(bus)} is not allowed: must be {width}")
    S = pair_shift(W)
    lo, hi = srange(W)
    plo, phi = lo * hi, lo * lo                          # the range of one product

    a0s, a1s, bs = (Signal(intbv(0, min=lo, max=hi + 1)) for _ in range(3))   # exactly W bits each
    a_pack = sig(*pair_pack_range(W, S))
    prod = sig(*pair_product_range(W, S))
    low = Signal(intbv(0, min=-(1 << (S - 1)), max=1 << (S - 1)))   # P[S-1:0] as a signed number: p0
    p1_sum = sig(plo, phi)                               # (P >>> S) + P[S-1]: exactly p1
    q0, q1 = sig(plo, phi), sig(plo, phi)

    return (sfield(a0, a0s, 0), sfield(a1, a1s, 0), sfield(b, bs, 0),
            pack_pair(a0s, a1s, a_pack, S), mul_reg(clk, a_pack, bs, prod), split_pair(prod, low, p1_sum, S),
            reg(clk, low, q0), reg(clk, p1_sum, q1), to_bus(q0, p0), to_bus(q1, p1))
