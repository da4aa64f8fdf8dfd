"""rtl/common/long_division.py: a load and ``k`` steps leave ``floor(x / d)`` in the quotient register
(with the dividend's low bits shifted in from ``bits0``), or give it as ``{quo, qbit}`` during the
last step (a reciprocal, zeros shifted in); a load in the middle of a division starts it again; a
quotient register under 2 bits is refused by name. Its converted Verilog runs inside
``sig_cover_count``, ``sig_decision``, ``sig_pooled_select`` and ``probe_lane`` (their tests and the
``sig_head`` port trace)."""

import sys
from pathlib import Path

import pytest
from hypothesis import given, strategies as st
from myhdl import Signal, Simulation, StopSimulation, always, delay, instance, intbv

from fast_prefill.rtl.common.long_division import long_division

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_nonrestoring_step import cases as step_cases  # noqa: E402


def run(x: int, d: int, qbits: int, dw: int, with_bits: bool, restart: bool = False) -> tuple[int, int]:
    """Load ``x``'s bits above the quotient's (and, with ``with_bits``, its low ``qbits`` bits), then
    ``qbits`` steps on MyHDL; ``restart``: a wrong load and two steps first, then the load again.
    Returns (``quo`` after the last step, ``{quo, qbit}`` sampled during it)."""
    w = dw + 2
    mask = (1 << w) - 1
    clk, load, step = Signal(bool(0)), Signal(bool(0)), Signal(bool(0))
    rem0, den, nden = (Signal(intbv(0)[w:]) for _ in range(3))
    quo = Signal(intbv(0)[max(qbits, 2):])
    qbit = Signal(bool(0))
    bits0 = Signal(intbv(0)[qbits:]) if with_bits else None
    dut = long_division(clk, load, step, rem0, den, nden, quo, qbit, bits0=bits0)
    seen = []

    @always(delay(5))
    def tick():
        clk.next = not clk

    @instance
    def drive():
        den.next, nden.next = d, (-d) & mask
        rounds = [(x + 1, 2), (x, qbits)] if restart else [(x, qbits)]
        for value, steps in rounds:
            yield clk.negedge
            rem0.next = value >> qbits
            if with_bits:
                bits0.next = value & ((1 << qbits) - 1)
            load.next, step.next = True, True            # load wins over step
            yield clk.negedge
            load.next = False
            for _ in range(steps):
                yield delay(1)
                last = (int(quo) << 1 | int(qbit)) & ((1 << qbits) - 1)
                yield clk.negedge
            step.next = False
        seen.extend([int(quo) & ((1 << qbits) - 1), last])
        raise StopSimulation

    Simulation(dut, tick, drive).run(quiet=1)
    return seen[0], seen[1]


@st.composite
def cases(draw):
    """The single step's cases (dividends whose quotient fits, divisors at their extremes) with a
    quotient register of at least 2 bits, and a restart or not."""
    x, d, qbits, dw, with_bits = draw(step_cases().filter(lambda c: c[2] >= 2))
    return x, d, qbits, dw, with_bits, draw(st.booleans())


@given(cases())
def test_load_and_steps_give_the_quotient(case):
    x, d, qbits, dw, with_bits, restart = case
    if restart and (x + 1) >= d << qbits:
        restart = False                              # the wrong first dividend must fit too
    after, during = run(x, d, qbits, dw, with_bits, restart)
    assert after == x // d
    assert during == x // d


def test_a_one_bit_quotient_register_is_refused_by_name():
    s = [Signal(intbv(0)[8:]) for _ in range(3)]
    with pytest.raises(ValueError, match="long_division field 'quo' width = 1 is not allowed: must be at least 2"):
        long_division(Signal(bool(0)), Signal(bool(0)), Signal(bool(0)), s[0], s[1], s[2], Signal(intbv(0)[1:]))
