"""Bit-plane (LUT) lane: one signed k-element dot product per cycle with no multiplier.

Computes the same ``y = sum_i x[i] * w[i]`` as :mod:`dsp_lane`, exactly, by decomposing each
weight ``w[i]`` into its ``W = data_width`` two's complement bit planes:

    x . w = sum_{b < W-1} 2**b * (x . w_b)  -  2**(W-1) * (x . w_(W-1))

where ``w_b`` is the vector of bit ``b`` of every weight. Each plane ``x . w_b`` is an AND of
every ``x[i]`` with its weight bit followed by an adder tree; the planes are combined with
constant shifts, the sign plane (``b = W-1``) subtracted. No ``*`` anywhere: synthesis uses LUTs
and carry chains only, no DSP48E2.

Ports, packing, widths and latency are those of :mod:`dsp_lane`: ``x``, ``w`` packed (element
``i`` at bits ``[(i+1)*W-1 : i*W]``), ``y`` two's complement ``acc_width`` bits, 2 cycles.
Stage 1: the ``W`` plane sums (AND + adder tree), registered. Stage 2: shifted planes summed (the
non-sign planes first, then the negated sign plane), registered into ``y``.
"""

from __future__ import annotations

from myhdl import Signal, block, intbv

from ..common.signed import adder_tree, sadd
from .parts import and_plane, check_lane_params, dot_range, neg_shl, reg, shl, sig, srange, to_bus

LATENCY = 2


@block
def mpu_bitplane_lane(clk, x, w, y, k=4, data_width=8):
    acc_width = len(y)
    check_lane_params("mpu_bitplane_lane", k, data_width, acc_width)
    for name, bus in (("x", x), ("w", w)):
        if len(bus) != k * data_width:
            raise ValueError(f"mpu_bitplane_lane field '{name}' width = {len(bus)} is not allowed: must be k*data_width = {k * data_width}")
    W = data_width
    lo, hi = srange(W)
    plo, phi = k * lo, k * hi                    # range of one plane sum x . w_b
    dlo, dhi = dot_range(k, W)

    gated = [[Signal(intbv(0, min=lo, max=hi + 1)) for _ in range(k)] for _ in range(W)]
    planes = [sig(plo, phi) for _ in range(W)]
    terms = [sig(plo << b, phi << b) for b in range(W - 1)] + [sig(-(phi << (W - 1)), -(plo << (W - 1)))]
    y_reg = Signal(intbv(0, min=-(1 << (acc_width - 1)), max=1 << (acc_width - 1)))

    insts = []
    nodes = []  # (a, b, a + b) adder-tree nodes, instantiated below
    for b in range(W):
        for i in range(k):
            insts.append(and_plane(x, i * W, w, i * W + b, gated[b][i]))
        root, _, _ = adder_tree([(g, lo, hi) for g in gated[b]], nodes)
        insts.append(reg(clk, root, planes[b]))       # stage 1 register: the plane sums
    for b in range(W - 1):
        insts.append(shl(planes[b], terms[b], b))
    insts.append(neg_shl(planes[W - 1], terms[W - 1], W - 1))
    if W > 1:
        low, llo, lhi = adder_tree([(terms[b], plo << b, phi << b) for b in range(W - 1)], nodes)
        # Interval sum, one bit wider than the exact dot-product range [dlo, dhi]; the value
        # always lies in [dlo, dhi] (proved equal to the DSP lane), so y_reg may be narrower.
        slo, shi = llo - (phi << (W - 1)), lhi - (plo << (W - 1))
        total = sig(slo, shi)
        insts.append(sadd(low, terms[W - 1], total))
    else:
        total = terms[0]
    for a, b, s in nodes:
        insts.append(sadd(a, b, s))
    insts.append(reg(clk, total, y_reg))              # stage 2 register: the dot product
    insts.append(to_bus(y_reg, y))
    return insts
