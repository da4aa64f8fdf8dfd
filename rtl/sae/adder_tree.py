"""Registered signed adder tree: ``total = sum(inputs)`` one cycle after the inputs.

Computes: the exact sum of ``len(inputs)`` signed signals (pairwise combinational levels, each
level's sums one bit wider than the operands, so nothing can overflow), registered once at the
root. Ports: ``clk``, ``inputs`` (a Python list of equal-width signed signals, referenced by
constant indices only), ``total`` (signed, wide enough for the sum).
Latency: 1 cycle. Throughput: one sum per cycle.
"""

from __future__ import annotations

from myhdl import Signal, always, always_comb, block, intbv


@block
def _pair_sum(a, b, s):
    @always_comb
    def add():
        s.next = a + b

    return add


@block
def _copy(a, s):
    @always_comb
    def cp():
        s.next = a

    return cp


@block
def sae_adder_tree(clk, inputs, total):
    if not inputs:
        raise ValueError("sae_adder_tree field 'inputs' = [] is not allowed: must hold at least one signal")
    insts = []
    level = list(inputs)
    width = len(level[0])
    while len(level) > 1:
        width += 1
        nxt = []
        for i in range(0, len(level), 2):
            s = Signal(intbv(0, min=-(1 << (width - 1)), max=1 << (width - 1)))
            if i + 1 < len(level):
                insts.append(_pair_sum(level[i], level[i + 1], s))
            else:
                insts.append(_copy(level[i], s))
            nxt.append(s)
        level = nxt
    root = level[0]
    if len(total) < len(root) and len(inputs) > 1:
        raise ValueError(f"sae_adder_tree field 'total' width = {len(total)} is not allowed: must be >= {len(root)}")

    @always(clk.posedge)
    def reg():
        total.next = root

    insts.append(reg)
    return insts
