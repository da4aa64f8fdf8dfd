"""rtl/common/carry_select.py: ``carry_select_add`` equals ``(a + b) mod 2^W`` for any width and split
on MyHDL (operands near the split's carry boundary drawn often); its converted Verilog is simulated
inside ``sig_pool`` (tests/rtl/sig/test_pool.py), where an adder that ignores the low half's carry is
caught; parameters refused with their field names."""

import pytest
from hypothesis import given, strategies as st
from myhdl import Signal, Simulation, StopSimulation, delay, instance, intbv

from fast_prefill.convert import Mutant
from fast_prefill.rtl.common.carry_select import carry_select_add, default_split
from fast_prefill.verify.bench.sig.harness import POOL_PARAMS, run_pool


def add(width, split, pairs):
    a, b, s = (Signal(intbv(0)[width:]) for _ in range(3))
    dut = carry_select_add(a, b, s, split=split)
    got = []

    @instance
    def drive():
        for x, y in pairs:
            a.next, b.next = x, y
            yield delay(1)
            got.append(int(s))
        raise StopSimulation

    Simulation(dut, drive).run(quiet=1)
    return got


@st.composite
def cases(draw):
    width = draw(st.integers(2, 48))
    split = draw(st.one_of(st.none(), st.integers(1, width - 1)))
    lo = split or default_split(width)
    top = (1 << width) - 1
    edge = st.sampled_from([0, top, (1 << lo) - 1, 1 << lo, top >> 1])   # carries out of the low half
    val = st.one_of(st.integers(0, top), edge)
    return width, split, draw(st.lists(st.tuples(val, val), min_size=1, max_size=16))


@given(cases())
def test_carry_select_equals_modular_sum(case):
    width, split, pairs = case
    assert add(width, split, pairs) == [(x + y) % (1 << width) for x, y in pairs]


def test_the_low_carry_selects_the_high_sum():
    # 0xFF + 0x01 at W = 12, split 8: the low half carries, the high half must take it
    assert add(12, 8, [(0x0FF, 0x001), (0xFFF, 0x001), (0x700, 0x0FF)]) == [0x100, 0x000, 0x7FF]


def test_pool_rejects_an_adder_that_drops_the_low_carry():
    """The converted Verilog's carry select, exercised in sig_pool: a block sum whose low half carries
    (four values at the accumulator's top) comes out wrong when the select ignores the carry."""
    top = (1 << POOL_PARAMS["acc_width"]) - 1
    heads = [([top] * 8, [top] * 8)]
    run_pool(heads, [], [], backends=("icarus",))
    broken = Mutant("carry_select_no_carry", "if (lo[", "if (1'b0 && lo[")
    with pytest.raises(AssertionError):
        run_pool(heads, [], [], backends=("icarus",), mutant=broken)


@pytest.mark.parametrize("width, split, field", [(1, None, "width"), (8, 0, "split"), (8, 8, "split"),
                                                 (8, True, "split")])
def test_bad_parameters_are_refused(width, split, field):
    a, b, s = (Signal(intbv(0)[max(width, 1):]) for _ in range(3))
    with pytest.raises(ValueError, match=f"carry_select_add field '{field}'"):
        carry_select_add(a, b, s, split=split)


def test_operand_width_must_match():
    with pytest.raises(ValueError, match="carry_select_add field 'b' width = 7"):
        carry_select_add(Signal(intbv(0)[8:]), Signal(intbv(0)[7:]), Signal(intbv(0)[8:]))


def sub(width, split, pairs):
    """``a - x`` as ``a + ~x + 1`` with the carry out (``a >= x``)."""
    a, nx, s = (Signal(intbv(0)[width:]) for _ in range(3))
    ge = Signal(bool(0))
    dut = carry_select_add(a, nx, s, split=split, cin=1, cout=ge)
    got = []

    @instance
    def drive():
        for x, y in pairs:
            a.next, nx.next = x, (~y) & ((1 << width) - 1)
            yield delay(1)
            got.append((int(s), bool(ge)))
        raise StopSimulation

    Simulation(dut, drive).run(quiet=1)
    return got


@given(cases())
def test_carry_select_subtracts_with_the_compare_as_carry_out(case):
    width, split, pairs = case
    assert sub(width, split, pairs) == [((x - y) % (1 << width), x >= y) for x, y in pairs]
