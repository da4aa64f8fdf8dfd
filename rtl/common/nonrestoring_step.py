"""One step of a non-restoring long division, combinational.

``rem`` is a two's complement partial remainder of ``W`` bits in ``(-d, d)``; ``den`` and ``nden``
hold ``d`` and ``-d`` (mod ``2^W``, both kept by the caller). The step doubles the remainder,
shifts in ``bit_in`` (the dividend's next bit) and subtracts ``d`` when the remainder is not
negative, else adds it: ``rem_next = 2 rem + bit_in -+ d``, again in ``(-d, d)``. ``qbit`` is 1 when
``rem_next`` is not negative: the quotient bit a restoring division gives at the same step (a
negative remainder stands for the restored one minus ``d``). There is no restoring multiplexer
behind the adder, and the adder is ``carry_select_add``: its sum is the next remainder. ``W`` must
hold ``2 d``: two bits more than ``d``'s own width.
"""

from __future__ import annotations

from myhdl import ConcatSignal, Signal, always_comb, block, intbv

from .carry_select import carry_select_add


@block
def nonrestoring_step(rem, den, nden, rem_next, qbit, bit_in=None):
    """``bit_in`` None: the dividend's bits below are zeros (a reciprocal)."""
    w = len(rem)
    for name, sig in (("den", den), ("nden", nden), ("rem_next", rem_next)):
        if len(sig) != w:
            raise ValueError(f"nonrestoring_step field '{name}' width = {len(sig)} is not allowed: "
                             f"must equal the width of 'rem', {w}")
    r2 = Signal(intbv(0)[w:])
    opd = Signal(intbv(0)[w:])
    r2c = ConcatSignal(rem(w - 1, 0), intbv(0)[1:] if bit_in is None else bit_in)   # 2 rem + bit

    @always_comb
    def operands():
        r2.next = r2c
        if rem[w - 1]:
            opd.next = den
        else:
            opd.next = nden

    add = carry_select_add(r2, opd, rem_next)

    @always_comb
    def quotient_bit():
        qbit.next = not rem_next[w - 1]

    return operands, add, quotient_bit
