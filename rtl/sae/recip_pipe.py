"""Pipelined reciprocal of the row-parallel engine: ``inv = floor(2**(P+R) / l)``, one per cycle.

The restoring division of ``golden.fixed_point.reciprocal`` unrolled into ``R + 1`` registered
steps: from the partial remainder ``2**(P-1)``, each step doubles the remainder, subtracts ``l``
when it fits and shifts the quotient bit in. Exact for ``l >= 2**P`` (a row's exp-sum always
holds its maximum's ``E(0) = 2**P``), so the quotient has ``R + 1`` bits.

Ports: ``clk``; ``l`` (``expsum_bits`` bits, unsigned), sampled every cycle; ``inv`` (``R + 1``
bits). Latency ``R + 1`` cycles (``l`` sampled at edge t, ``inv`` valid after edge t + R); one
division per cycle, no handshake (the engine aligns a valid bit alongside), no reset. On cycles
without a valid ``l`` (``l < 2**P``, e.g. 0) the result is meaningless and unused.
"""

from __future__ import annotations

from myhdl import Signal, always, always_comb, block, concat, intbv, modbv

from ..common.carry_select import carry_select_add
from ..common.signed import usig



def _m(w):
    """A remainder register: it wraps (as Verilog does) on the idle cycles' meaningless divisors."""
    return Signal(modbv(0)[w:])


@block
def _first_step(clk, l, rem_o, l_o, q_o, prob_frac):
    """Step 0: the doubled start remainder is the constant ``2**P``."""
    start = 1 << prob_frac
    l2 = usig(len(rem_o))

    @always_comb
    def extend():
        l2.next = concat(intbv(0)[2:], l)

    @always(clk.posedge)
    def step():
        l_o.next = l
        if l2 <= start:
            rem_o.next = start - l2
            q_o.next = True
        else:
            rem_o.next = start
            q_o.next = False

    return extend, step


@block
def _step(clk, rem, l, q, rem_o, l_o, q_o):
    """One restoring step: ``rem2 - l`` by a carry-select subtractor (``rem2 + ~l + 1``, its carry
    out is ``rem2 >= l``), so the compare and the subtraction are one half-width chain deep."""
    rem2 = _m(len(rem))
    nl2 = usig(len(rem))                  # ~l, zero-extended first
    diff = usig(len(rem))
    fits = Signal(bool(0))              # rem2 >= l
    sub = carry_select_add(rem2, nl2, diff, cin=1, cout=fits)

    @always_comb
    def double():
        rem2.next = rem << 1
        nl2.next = ~concat(intbv(0)[2:], l)

    @always(clk.posedge)
    def step():
        l_o.next = l
        if fits:
            rem_o.next = diff
            q_o.next = concat(q, True)
        else:
            rem_o.next = rem2
            q_o.next = concat(q, False)

    return double, sub, step


@block
def _last_step(clk, rem, l, q, q_o):
    """Step R: only the quotient bit is kept."""
    rem2 = _m(len(rem))
    l2 = usig(len(rem))

    @always_comb
    def double():
        rem2.next = rem << 1
        l2.next = concat(intbv(0)[2:], l)

    @always(clk.posedge)
    def step():
        q_o.next = concat(q, rem2 >= l2)

    return double, step


@block
def sae_recip_pipe(clk, l, inv, prob_frac=15, recip_frac=16):
    PF, R, LW = prob_frac, recip_frac, len(l)
    if len(inv) != R + 1:
        raise ValueError(f"sae_recip_pipe field 'inv' width = {len(inv)} is not allowed: must be recip_frac + 1 = {R + 1}")
    if LW <= PF:
        raise ValueError(f"sae_recip_pipe field 'l' width = {LW} is not allowed: must exceed prob_frac = {PF}")
    rems = [_m(LW + 2) for _ in range(R)]
    ls = [usig(LW) for _ in range(R)]
    qs = [Signal(bool(0))] + [usig(i + 1) for i in range(1, R + 1)]     # after step i: i + 1 quotient bits
    insts = [_first_step(clk, l, rems[0], ls[0], qs[0], PF)]
    for i in range(1, R):
        insts.append(_step(clk, rems[i - 1], ls[i - 1], qs[i - 1], rems[i], ls[i], qs[i]))
    insts.append(_last_step(clk, rems[R - 1], ls[R - 1], qs[R - 1], qs[R]))
    out = qs[R]

    @always_comb
    def result():
        inv.next = out

    insts.append(result)
    return insts
