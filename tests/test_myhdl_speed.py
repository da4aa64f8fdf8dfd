"""fast_prefill/myhdl_speed.py: MyHDL's own results, cheaper. fast_bin gives MyHDL's bit strings
(the widths of every intbv and the constants of the converted Verilog come from them); make_ast gives
MyHDL's generator ASTs, a new one per call."""

import random

import pytest

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


def _generator_functions():
    """Functions MyHDL parses: nested generator bodies of real blocks (their source is indented) and
    a module-level one, with a ``from __future__`` flag in play."""
    from myhdl import Signal, always, always_comb

    from fast_prefill.rtl.common import carry_select

    clk, a, y = Signal(bool(0)), Signal(intbv(0)[4:]), Signal(intbv(0)[4:])

    @always(clk.posedge)
    def seq():
        y.next = a + 1

    @always_comb
    def comb():
        y.next = a

    # the generators of a real block (carry_select_add's always_comb bodies)
    inst = carry_select.carry_select_add(Signal(intbv(0)[16:]), Signal(intbv(0)[16:]), Signal(intbv(0)[16:]), 8)
    real = [g.func for g in inst.subs if hasattr(g, "func")]
    assert real
    return [seq.func, comb.func, _generator_functions, *real]


def test_make_ast_is_myhdls_ast_and_new_on_every_call():
    import ast

    from fast_prefill import myhdl_speed

    original = myhdl_speed._ORIGINAL_MAKE_AST[0]
    for f in _generator_functions():
        want = original(f)
        for _ in range(2):        # the first call reads the source, the second compiles the kept one
            got = myhdl_speed.make_ast(f)
            assert ast.dump(got) == ast.dump(want), f
            assert (got.sourcefile, got.lineoffset) == (want.sourcefile, want.lineoffset), f
        # elaboration rewrites the tree it is given: a later call must not see that rewrite
        got.body.clear()
        assert ast.dump(myhdl_speed.make_ast(f)) == ast.dump(want), f


def test_make_ast_installed_where_myhdl_parses_generators():
    from myhdl import _instance, _util
    from myhdl.conversion import _analyze

    from fast_prefill.myhdl_speed import make_ast

    assert _util._makeAST is make_ast and _instance._makeAST is make_ast and _analyze._makeAST is make_ast


def _fields(x):
    return (type(x), x._val, x._min, x._max, x._nrbits) if isinstance(x, intbv) else (type(x), x)


def test_kernel_methods_equal_myhdls_own():
    """intbv slices, bits and ``signed()`` built directly give MyHDL's objects (value, bounds, width)
    on random sized, signed and odd-bounded values; MyHDL's errors stay (a bad slice)."""
    from fast_prefill import myhdl_speed as S

    own = S._ORIGINAL
    assert intbv.__getitem__ is S.intbv_getitem and intbv.signed is S.intbv_signed
    r = random.Random(7)
    for _ in range(20_000):
        w = r.randint(1, 70)
        kind = r.random()
        if kind < 0.5:
            x = intbv(r.randrange(0, 1 << w))[w:]
        elif kind < 0.8:
            m = 1 << (w - 1)
            x = intbv(r.randrange(-m, m), min=-m, max=m)
        else:
            lo = r.randint(-1000, 1000)
            hi = lo + r.randint(1, 3000)
            x = intbv(r.randrange(lo, hi), min=lo, max=hi)
        assert _fields(S.intbv_signed(x)) == _fields(own["intbv.signed"](x)), (x, x.min, x.max)
        i = r.randint(1, x._nrbits + 3)
        j = r.randint(0, i - 1)
        for key in (slice(i, j), slice(None, j), r.randint(0, x._nrbits + 2)):
            assert _fields(S.intbv_getitem(x, key)) == _fields(own["intbv.__getitem__"](x, key)), (x, key)
    for v in (0, 5, -7, 1 << 80):                                       # unsized
        assert _fields(S.intbv_signed(intbv(v))) == _fields(own["intbv.signed"](intbv(v)))
    for bad in (slice(3, 5), slice(2, -1)):
        with pytest.raises(ValueError, match=r"intbv\[i:j\] requires"):
            intbv(5)[8:][bad]


def test_signal_updates_and_bounds_as_myhdl():
    """A Signal's next value and update through the replaced methods: edges wake their waiters,
    an intbv out of its bounds raises MyHDL's message, a modbv wraps; a planted update that skips
    the value copy is caught."""
    from myhdl import Signal, modbv
    from fast_prefill import myhdl_speed as S

    s = Signal(intbv(0)[4:])
    s.next = 9
    assert s._update() == [] and s.val == 9          # no waiters yet; the value moved
    s.posedge.append("p")
    s.negedge.append("n")
    s.next = 0
    assert s._update() == ["n"] and s.val == 0
    s.next = 3
    assert s._update() == ["p"] and s.val == 3 and s._update() == []
    with pytest.raises(ValueError, match="intbv value 16 >= maximum 16"):
        s.next = 16
    with pytest.raises(ValueError, match="intbv value -1 < minimum 0"):
        s.next = -1
    with pytest.raises(TypeError, match="Expected int or intbv"):
        s.next = "x"
    m = Signal(modbv(0)[4:])
    m.next = 17
    assert m._update() == [] and m.val == 1 and type(m.val) is modbv
    b = Signal(bool(0))
    b.next = 1
    assert b._update() == [] and b.val == 1            # not an intbv: MyHDL's own update

    def planted(self):                                  # forgets to copy the new value
        return [] if self._val._val == self._next._val else self._eventWaiters[:]

    t = Signal(intbv(0)[4:])
    t.next = 5
    planted(t)
    assert t.val != 5                                   # what the checks above would catch
    S.signal_update(t)
    assert t.val == 5


def test_shadow_signal_generators_equal_myhdls_own():
    """ConcatSignal and slice-signal values computed on the integers equal MyHDL's generators on
    random unsigned, signed and bool signals mixed with bool, intbv and bit-string constants."""
    from myhdl import ConcatSignal, Signal
    from fast_prefill import myhdl_speed as S

    own = S._ORIGINAL
    r = random.Random(3)

    def draw(kind, w):
        m = 1 << (w - 1)
        return r.randrange(1 << w) if kind == "u" else r.randrange(-m, m)

    for _ in range(500):
        args, sigs = [], []
        for _ in range(r.randint(2, 6)):
            c, w = r.random(), r.randint(1, 40)
            if c < 0.35:
                sigs.append((Signal(intbv(draw("u", w))[w:]), "u", w))
            elif c < 0.55:
                sigs.append((Signal(intbv(draw("s", w), min=-(1 << (w - 1)), max=1 << (w - 1))), "s", w))
            elif c < 0.7:
                sigs.append((Signal(bool(r.randint(0, 1))), "b", 1))
            if c < 0.7:
                args.append(sigs[-1][0])
            elif c < 0.8:
                args.append(bool(r.randint(0, 1)))
            elif c < 0.9:
                args.append(intbv(draw("u", w % 12 + 1))[w % 12 + 1:])
            else:
                args.append("".join(r.choice("01") for _ in range(w % 9 + 1)))
        cat = ConcatSignal(*args)
        mine, theirs = S.concat_genfunc(cat), own["ConcatSignal.genfunc"](cat)
        base = Signal(intbv(draw("s", 40), min=-(1 << 39), max=1 << 39))
        hi = r.randint(1, 40)
        lo = r.randint(0, hi - 1)
        part = base(hi, lo)
        mine_s, theirs_s = S.slice_genfunc(part), own["_SliceSignal._genfuncSlice"](part)
        for _ in range(4):
            for s, kind, w in sigs:
                if kind == "b":               # a bool signal set from an int holds the int
                    s._val = r.choice([False, True, 0, 1])
                else:
                    s._val._val = draw(kind, w)
            base._val._val = draw("s", 40)
            got = (next(mine), cat._next._val, next(mine_s), part._next._val)[1::2]
            want = (next(theirs), cat._next._val, next(theirs_s), part._next._val)[1::2]
            assert got == want, (args, hi, lo)
