"""rtl/common/nonrestoring_step.py: chained steps give the restoring division's quotient bits
(``floor(x / d)`` for every dividend whose quotient fits) for divisors at their extremes and random
ones, with and without the dividend bit shifted in; its converted Verilog runs inside
``sig_decision`` and ``sig_pooled_select`` (their tests); widths refused by name."""

import pytest
from hypothesis import given, strategies as st
from myhdl import Signal, Simulation, StopSimulation, delay, instance, intbv

from fast_prefill.rtl.common.nonrestoring_step import nonrestoring_step


def divide(x: int, d: int, qbits: int, dw: int, with_bits: bool) -> int:
    """Quotient of ``x`` by ``d`` (``x < d 2^qbits``) by ``qbits`` chained steps on MyHDL."""
    w = dw + 2
    mask = (1 << w) - 1
    rem, den, nden, nxt = (Signal(intbv(0)[w:]) for _ in range(4))
    bit = Signal(bool(0))
    q = Signal(bool(0))
    dut = nonrestoring_step(rem, den, nden, nxt, q, bit_in=bit if with_bits else None)
    out = []

    @instance
    def drive():
        den.next, nden.next = d, (-d) & mask
        rem.next = x >> qbits                        # the dividend's bits above the quotient's
        for k in range(qbits - 1, -1, -1):
            bit.next = (x >> k) & 1 if with_bits else 0
            yield delay(1)
            out.append(int(q))
            rem.next = int(nxt)
        raise StopSimulation

    Simulation(dut, drive).run(quiet=1)
    return int("".join(str(b) for b in out), 2)


@st.composite
def cases(draw):
    dw = draw(st.integers(2, 30))
    d = draw(st.one_of(st.integers(1, (1 << dw) - 1), st.sampled_from([1, 2, (1 << dw) - 1, 1 << (dw - 1)])))
    qbits = draw(st.integers(1, 20))
    with_bits = draw(st.booleans())
    hi = d << qbits                                  # quotients of qbits bits: x < d 2^qbits
    x = draw(st.one_of(st.integers(0, hi - 1), st.sampled_from([0, hi - 1, d, d - 1])))
    if not with_bits:
        x = (x >> qbits) << qbits                    # the bits shifted in are zeros
    return x, d, qbits, dw, with_bits


@given(cases())
def test_chained_steps_give_the_quotient(case):
    x, d, qbits, dw, with_bits = case
    assert divide(x, d, qbits, dw, with_bits) == x // d


def test_widths_are_refused_by_name():
    s = [Signal(intbv(0)[8:]) for _ in range(3)]
    with pytest.raises(ValueError, match="nonrestoring_step field 'rem_next' width = 7 is not allowed: "
                                         "must equal the width of 'rem', 8"):
        nonrestoring_step(s[0], s[1], s[2], Signal(intbv(0)[7:]), Signal(bool(0)))
