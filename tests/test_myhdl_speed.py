"""fast_prefill/myhdl_speed.py: MyHDL's own results, cheaper. fast_bin gives MyHDL's bit strings
(the widths of every intbv and the constants of the converted Verilog come from them); make_ast gives
MyHDL's generator ASTs, a new one per call."""

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
