"""fast_prefill/myhdl_speed.py: MyHDL's own results, cheaper. fast_bin gives MyHDL's bit strings
(the widths of every intbv and the constants of the converted Verilog come from them)."""

import random

import myhdl
from myhdl import _bin, _intbv, intbv

from fast_prefill.myhdl_speed import fast_bin


def test_fast_bin_is_myhdls_bin():
    original = _bin.__dict__["_int2bitstring"]       # MyHDL's own digits, which bin pads

    def myhdl_bin(num, width=0):
        s = original(int(num))
        return (width - len(s)) * ("1" if num < 0 else "0") + s if width else s

    values = list(range(-70_000, 70_001))
    rng = random.Random(3)
    values += [rng.randrange(-(1 << 300), 1 << 300) for _ in range(20_000)]
    values += [(1 << k) + d for k in range(1, 300) for d in (-1, 0, 1)]
    values += [-(1 << k) + d for k in range(1, 300) for d in (-1, 0, 1)]
    for v in values:
        assert fast_bin(v) == myhdl_bin(v), v
    for v in range(-300, 300):
        for width in (0, 1, 5, 12):
            assert fast_bin(v, width) == myhdl_bin(v, width), (v, width)


def test_installed_where_myhdl_calls_bin():
    assert myhdl.bin is fast_bin and _intbv.bin is fast_bin
    assert len(intbv(0, min=-129, max=128)) == 9 and len(intbv(5, min=0, max=256)) == 8
    assert int(intbv(200, min=0, max=256).signed()) == -56
