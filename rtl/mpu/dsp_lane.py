"""DSP lane: one signed k-element dot product per cycle, products on DSP48E2 multipliers.

Computes: ``y = sum_i x[i] * w[i]`` for signed two's complement ``data_width``-bit operands,
exact, as a signed ``acc_width``-bit result (sign-extended; ``acc_width >= 2*data_width +
log2(k)`` is enforced, so it never overflows: -128 x -128 included).

Ports: ``clk``; ``x`` and ``w``: packed vectors of ``k`` elements, element ``i`` at bits
``[(i+1)*W-1 : i*W]`` (two's complement); ``y``: ``acc_width`` bits, two's complement.
No reset and no handshake: a pure pipeline (the tile engine shifts a valid bit alongside).

Latency: 2 cycles (inputs sampled at edge t, ``y`` valid after edge t+1). Throughput: one dot
product per cycle. Stage 1: ``k`` products ``x[i] * w[i]`` written as a signed ``*`` into a
register (yosys ``synth_xilinx`` maps each to one DSP48E2 with its M/P register). Stage 2: a
pairwise adder tree whose nodes have the exact width of their value range, registered into ``y``.

Same interface and latency as :mod:`bitplane_lane`; the two are proved equal for all operand
values (``verify/properties/mpu_lane_pair.sv``).
"""

from __future__ import annotations

from myhdl import Signal, block, intbv

from ..common.signed import adder_tree, sadd, sfield
from .parts import check_lane_params, mul_reg, reg, srange, to_bus

LATENCY = 2


@block
def mpu_dsp_lane(clk, x, w, y, k=4, data_width=8):
    acc_width = len(y)
    check_lane_params("mpu_dsp_lane", k, data_width, acc_width)
    for name, bus in (("x", x), ("w", w)):
        if len(bus) != k * data_width:
            raise ValueError(f"mpu_dsp_lane field '{name}' width = {len(bus)} is not allowed: must be k*data_width = {k * data_width}")
    lo, hi = srange(data_width)
    plo, phi = lo * hi, lo * lo

    xs = [Signal(intbv(0, min=lo, max=hi + 1)) for _ in range(k)]
    ws = [Signal(intbv(0, min=lo, max=hi + 1)) for _ in range(k)]
    prods = [Signal(intbv(0, min=plo, max=phi + 1)) for _ in range(k)]
    y_reg = Signal(intbv(0, min=-(1 << (acc_width - 1)), max=1 << (acc_width - 1)))

    insts = []
    nodes = []  # (a, b, a + b) adder-tree nodes, instantiated below
    for i in range(k):
        insts.append(sfield(x, xs[i], i * data_width))
        insts.append(sfield(w, ws[i], i * data_width))
        insts.append(mul_reg(clk, xs[i], ws[i], prods[i]))
    root, _, _ = adder_tree([(p, plo, phi) for p in prods], nodes)
    for a, b, s in nodes:
        insts.append(sadd(a, b, s))
    insts.append(reg(clk, root, y_reg))
    insts.append(to_bus(y_reg, y))
    return insts
