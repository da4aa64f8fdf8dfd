"""DSP pair lane: two signed k-element dot products that share one operand vector, ``y0 = x . w0``
and ``y1 = x . w1``, on ``k`` DSP48E2 multipliers (half the DSPs of two :mod:`dsp_lane`).

Element ``i`` of ``w0`` and of ``w1`` are packed into one operand ``w1[i] * 2^S + w0[i]`` (``S =
2W``) and multiplied by ``x[i]``, exactly as in :mod:`dsp_pair`; the packed product is split into
the low products, the high fields and the correction terms (``rtl/mpu/parts.split_fields``); one
adder tree sums the ``k`` low products into ``y0``, another the ``k`` high fields plus the count of
the ``k`` correction bits into ``y1`` (one count instead of a correction adder per product). In the attention engine ``x`` is the streamed key row and
``w0``, ``w1`` are two stationary query rows: one key element feeds two query rows' products.

Ports: ``clk``; ``x``, ``w0``, ``w1``: packed vectors of ``k`` elements, element ``i`` at bits
``[(i+1)*W-1 : i*W]`` (two's complement, ``W = data_width <= 8``); ``y0``, ``y1``: ``acc_width``
bits, two's complement (``acc_width >= 2W + log2(k)``, so no overflow). No reset, no handshake.

Latency: 2 cycles, as :mod:`dsp_lane` (the tile engine mixes both): operands sampled at edge t, the
packed products registered at t (the DSP's M/P register), split and summed combinationally and
registered into ``y0``/``y1`` at t+1. One pair of dot products per cycle.

Proved equal to the two plain signed dot products for all operand values
(``verify/properties/mpu_dsp_pair_lane.sv``).
"""

from __future__ import annotations

from myhdl import Signal, block, intbv

from .dsp_pair import MAX_DATA_WIDTH, pair_shift
from ..common.signed import adder_tree, sadd, sfield
from .parts import (check_lane_params, correction_bit, high_field, mul_reg, pack_pair, pair_pack_range,
                    pair_product_range, reg, sig, split_fields, srange, to_bus)

LATENCY = 2


@block
def mpu_dsp_pair_lane(clk, x, w0, w1, y0, y1, k=4, data_width=8):
    W = data_width
    acc_width = len(y0)
    if isinstance(W, int) and W > MAX_DATA_WIDTH:
        raise ValueError(f"mpu_dsp_pair_lane field 'data_width' = {W!r} is not allowed: must be an integer in "
                         f"[2, {MAX_DATA_WIDTH}] (two operands packed into the DSP48E2's 27-bit port)")
    check_lane_params("mpu_dsp_pair_lane", k, W, acc_width)
    for name, bus in (("x", x), ("w0", w0), ("w1", w1)):
        if len(bus) != k * W:
            raise ValueError(f"mpu_dsp_pair_lane field '{name}' width = {len(bus)} is not allowed: "
                             f"must be k*data_width = {k * W}")
    if len(y1) != acc_width:
        raise ValueError(f"mpu_dsp_pair_lane field 'y1' width = {len(y1)} is not allowed: must equal y0's ({acc_width})")
    S = pair_shift(W)
    lo, hi = srange(W)
    plo, phi = lo * hi, lo * lo

    def operand():
        return Signal(intbv(0, min=lo, max=hi + 1))

    xs, w0s, w1s = [operand() for _ in range(k)], [operand() for _ in range(k)], [operand() for _ in range(k)]
    packs = [sig(*pair_pack_range(W, S)) for _ in range(k)]
    prods = [sig(*pair_product_range(W, S)) for _ in range(k)]
    p0s = [Signal(intbv(0, min=-(1 << (S - 1)), max=1 << (S - 1))) for _ in range(k)]
    highs = [high_field(prods[i], S) for i in range(k)]
    corrs = [correction_bit() for _ in range(k)]
    y0_reg, y1_reg = (Signal(intbv(0, min=-(1 << (acc_width - 1)), max=1 << (acc_width - 1))) for _ in range(2))

    insts = []
    for i in range(k):
        insts += [sfield(x, xs[i], i * W), sfield(w0, w0s[i], i * W), sfield(w1, w1s[i], i * W),
                  pack_pair(w0s[i], w1s[i], packs[i], S), mul_reg(clk, packs[i], xs[i], prods[i]),
                  split_fields(prods[i], p0s[i], highs[i], corrs[i], S)]
    # y1 = sum(high_i + corr_i): the k high fields and the k correction bits in one tree whose first
    # half sums the highs and second half counts the corrections, so the correction costs a k-bit
    # count and one adder instead of an adder per product.
    nodes = []
    root0, _, _ = adder_tree([(p, plo, phi) for p in p0s], nodes)
    highs_sum = adder_tree([(h, plo - 1, phi) for h in highs], nodes)
    corr_sum = adder_tree([(c, 0, 1) for c in corrs], nodes)
    root1, _, _ = adder_tree([highs_sum, corr_sum], nodes)
    for a, b, s in nodes:
        insts.append(sadd(a, b, s))
    insts += [reg(clk, root0, y0_reg), reg(clk, root1, y1_reg), to_bus(y0_reg, y0), to_bus(y1_reg, y1)]
    return insts
