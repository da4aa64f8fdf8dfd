"""rtl/common/pick.py: ``out = items[sel]`` for every index (MyHDL), and its refusals by name."""

import pytest
from myhdl import Signal, Simulation, delay, instance, intbv

from fast_prefill.rtl.common.pick import pick


def test_pick_returns_the_indexed_item():
    values = (3, 9, 12, 5, 0, 15, 7, 1)
    items = tuple(Signal(intbv(v)[4:]) for v in values)
    sel, out = Signal(intbv(0)[3:]), Signal(intbv(0)[4:])
    seen = []

    @instance
    def drive():
        for k in range(len(values)):
            sel.next = k
            yield delay(1)
            seen.append(int(out))

    Simulation(pick(sel, items, out), drive).run(quiet=1)
    assert seen == list(values)


@pytest.mark.parametrize("n,sel_bits,match", [(3, 2, r"pick field 'items' = 3 signals is not allowed"),
                                              (1, 1, r"pick field 'items' = 1 signals is not allowed"),
                                              (8, 2, r"pick field 'sel' width = 2 is not allowed: must be >= 3")])
def test_pick_rejects_bad_shapes(n, sel_bits, match):
    items = tuple(Signal(intbv(0)[4:]) for _ in range(n))
    with pytest.raises(ValueError, match=match):
        pick(Signal(intbv(0)[sel_bits:]), items, Signal(intbv(0)[4:]))
