"""MyHDL 0.11 costs removed: stack look-ups during elaboration, deep copies of signal values, the
global list of every signal ever made, the bit strings ``intbv`` builds to learn a width, and the
general paths of the simulation kernel's commonest steps.

**Stack look-ups.**
MyHDL 0.11 finds the caller of every ``@block``, ``@always``, ``@always_comb``, ``@always_seq`` and
``@instance`` with ``inspect.stack()`` (twice per generator), and ``instances()`` with
``inspect.getouterframes()``. Both build a ``FrameInfo`` for *every* frame of the stack, reading source
lines and resolving each frame's module with ``inspect.getmodule``, which scans all of ``sys.modules``
for a file it has not seen. MyHDL only ever uses the frame object and the function name of the first
few entries. Under pytest and Hypothesis the stack is some 60 frames deep and several hundred modules
are loaded, so elaborating a block took most of a test's time (profiled in docs/verification.md).

:func:`install` gives MyHDL's modules a stand-in for ``inspect`` whose ``stack`` and
``getouterframes`` return the same entries (frame, file name, line, function name; no source context,
which MyHDL does not read) by walking ``frame.f_back``. Everything else is the real ``inspect``. The
converted Verilog and the simulations are unchanged (the tests and ``make verilog`` are the check).

**Copying signal values.** A ``Signal`` copies its value with ``copy.deepcopy`` three times when it
is made and twice when a simulation ends; a memory of 128K entries at u280 is 128K signals.
``myhdl._Signal`` gets :func:`_copy_value`, the same copies without ``deepcopy``'s memo bookkeeping.

**Bit strings for a width.** ``intbv(v, min=..., max=...)`` takes its width from
``len(myhdl.bin(max - 1))`` and ``len(myhdl.bin(min))``, and ``bin`` builds the string one
``divmod`` per bit in Python (``myhdl._bin._int2bitstring``). Every ``intbv.signed()`` makes such an
``intbv``, so a datapath that reads signed slices each cycle spent a third of its MyHDL simulation
there (the probe at r = 16: 29 of 92 s under the profiler). :func:`fast_bin` returns the same string
from Python's own ``format(.., 'b')`` (two's complement in the fewest bits for a negative number, as
MyHDL writes it; tested equal on every value from -70,000 to 70,000 and on random values to 300 bits)
and replaces ``bin`` in the MyHDL modules that call it.

**Reading a generator's source.** Every ``@always``, ``@always_comb``, ``@always_seq`` and
``@instance`` generator MyHDL makes reads its function's source again (``myhdl._util._makeAST``:
``inspect.getsource``, which tokenizes the file to find the function's end, a dedent that tokenizes
it again, and ``inspect.getsourcelines`` for the line number, a third time) and compiles it to an
AST, which the elaboration then rewrites for that instance. A block made of many instances of one
function (an adder tree's levels, a memory's words) paid that per instance: a third of the D = 128
logit pipe test's time. :func:`make_ast` keeps the dedented source, its file and line offset per
code object and compiles a fresh AST from it for every call, so each instance still gets a tree of
its own. The source of a function does not change while a process runs.

**The simulation kernel's commonest steps.** Under the profiler, a SIG head run on MyHDL spent
a fifth of its time in four methods: ``intbv.signed()`` and ``intbv[i:j]``, which build their result
through the general ``intbv`` constructor (width from the bounds, type tests, a bounds check that a
masked value cannot fail), and ``_Signal._update`` and ``_Signal._setNextIntbv``, which compare and
bound ``intbv`` values through Python-level ``__ne__``/``__bool__``/``_handleBounds`` calls.
:func:`intbv_getitem`, :func:`intbv_signed`, :func:`signal_update` and :func:`signal_set_next_intbv`
do the same on the integers and build the result directly, and :func:`concat_genfunc` and
:func:`slice_genfunc` compute a ``ConcatSignal``'s and a slice signal's value on the integers
(MyHDL assembles a concatenation slice by slice through ``intbv.__setitem__``: a tenth of the
r = 16 probe's MyHDL run); every case they do not handle (an
unsized ``intbv``, a value out of range, a bad slice, a non-``intbv`` signal) goes to MyHDL's own
method, so the errors are MyHDL's. The two-head shared-pass SIG run: 21.1 s before, 17.9 s after.

**Every signal ever made.** ``myhdl._simulator._signals`` holds every ``Signal`` the process has
created (by elaboration, conversion, every test) and is never emptied. Each ``Simulation`` walks all
of it when it starts (``hasattr(sig, '_waiter')``, which falls through ``Signal.__getattr__``) and
again when it ends (``_clear()``, a ``deepcopy`` of each initial value). A simulation's cost therefore
grew with everything simulated before it in the same process: in a pytest-xdist worker the default
test run became quadratic, and a test took ten to a hundred times longer late in a run than alone.
:func:`forget_signals` empties the list; it is called where no signal made earlier takes part in
what follows (a new stream bench, the start of each test). A signal made before that call and then
used in a later simulation would not be reset at that simulation's end (MyHDL's ``_clear``), and a
shadow signal's waiter would be missing; nothing here reuses signals that way.
"""

from __future__ import annotations

import __future__
import ast
import copy
import inspect
import sys
import types

from myhdl import intbv, modbv
from myhdl._Signal import _Signal

# MyHDL modules that call inspect.stack() / inspect.getouterframes() during elaboration
_USERS = ("myhdl._block", "myhdl._instance", "myhdl._misc")
# MyHDL modules that import myhdl._bin.bin by name
_BIN_USERS = ("myhdl._bin", "myhdl", "myhdl._intbv", "myhdl._Signal", "myhdl._ShadowSignal", "myhdl._enum")


def fast_bin(num, width: int = 0) -> str:
    """``myhdl.bin``: the binary string of ``num`` (a negative number in two's complement, in the
    fewest bits that hold it), left-padded with its sign bit to ``width``; the same strings."""
    num = int(num)
    if num >= 0:
        s = format(num, "b")
    else:
        n = (-num - 1).bit_length() + 1
        s = format(num & ((1 << n) - 1), "b")
    if width:
        return (width - len(s)) * ("1" if num < 0 else "0") + s
    return s


def _frames(frame) -> list[tuple]:
    out = []
    while frame is not None:
        code = frame.f_code
        out.append((frame, code.co_filename, frame.f_lineno, code.co_name, None, None))
        frame = frame.f_back
    return out


def stack(context: int = 1) -> list[tuple]:
    """``inspect.stack()`` without source context: entry 0 is the caller's frame."""
    return _frames(sys._getframe(1))


def getouterframes(frame, context: int = 1) -> list[tuple]:
    """``inspect.getouterframes(frame)`` without source context."""
    return _frames(frame)


class _Inspect(types.ModuleType):
    """``inspect`` with the two look-ups above."""

    stack = staticmethod(stack)
    getouterframes = staticmethod(getouterframes)

    def __getattr__(self, name):
        return getattr(inspect, name)


_SHIM = _Inspect("inspect")


def _copy_value(x, memo=None):
    """``copy.deepcopy`` for what a Signal holds: an ``intbv``/``modbv`` through its own
    ``__deepcopy__`` (the same object ``deepcopy`` builds, without the memo bookkeeping), ``bool`` and
    ``int`` as they are (immutable, as ``deepcopy`` returns them); anything else by ``deepcopy``."""
    t = type(x)
    if t is bool or t is int:
        return x
    if t is intbv or t is modbv:
        return x.__deepcopy__(memo)
    return copy.deepcopy(x, memo)


GC_THRESHOLDS = (100_000, 50, 1000)


def fewer_gc_passes() -> None:
    """Run Python's cyclic garbage collector less often: the youngest generation every 100,000 net
    allocations instead of 700 (and the older ones correspondingly rarer).

    A MyHDL elaboration and simulation allocates millions of objects that live for the whole run
    (signals, intbv values, generators, waiter lists); with the default thresholds the collector
    keeps re-walking them, which took 40 % of a MyHDL/co-simulation test's time (the SAE engine test
    and the probe tests: 40.2 s -> 22.5 s, peak memory 177 -> 88 MB, docs/verification.md). Garbage
    is still collected, only in bigger batches. Set by the test suite (tests/conftest.py) and the
    ``fast-prefill`` command.
    """
    import gc

    gc.set_threshold(*GC_THRESHOLDS)


def forget_signals() -> None:
    """Empty MyHDL's list of every signal made so far (see above)."""
    from myhdl import _simulator

    del _simulator._signals[:]


_SOURCES: dict = {}   # code object -> (dedented source, compile flags, source file, line offset)
_FUTURE_FLAGS = 0     # the __future__ flags a function's own compile flags may pass on (as MyHDL)
for _feature in __future__.all_feature_names:
    _FUTURE_FLAGS |= getattr(__future__, _feature).compiler_flag
_ORIGINAL_MAKE_AST: list = []   # MyHDL's own _makeAST, kept by install() (tests compare with it)
# MyHDL modules that import myhdl._util._makeAST by name
_AST_USERS = ("myhdl._util", "myhdl._instance", "myhdl.conversion._analyze")


def make_ast(f):
    """``myhdl._util._makeAST``: the AST of function ``f``'s source (with its ``sourcefile`` and
    ``lineoffset``), a new tree on every call; the source is read once per code object."""
    code = f.__code__
    entry = _SOURCES.get(code)
    if entry is None:
        from myhdl import _util

        lines, first = inspect.getsourcelines(f)        # what MyHDL's getsource joins
        entry = (_util._dedent("".join(lines)), ast.PyCF_ONLY_AST | (code.co_flags & _FUTURE_FLAGS),
                 inspect.getsourcefile(f), first - 1)
        _SOURCES[code] = entry
    source, flags, sourcefile, lineoffset = entry
    tree = compile(source, filename="<unknown>", mode="exec", flags=flags, dont_inherit=True)
    tree.sourcefile = sourcefile
    tree.lineoffset = lineoffset
    return tree


# -------------------------------------------------------------------------------- simulation kernel
_ORIGINAL: dict = {}   # MyHDL's own methods replaced below, by name (tests compare with them)
_new = object.__new__


def intbv_getitem(self, key):
    """``intbv.__getitem__``: a slice ``[i:j]`` is built directly (its value is masked, so always in
    range: MyHDL's constructor and bounds check are skipped); an index gives the bit as ``bool``."""
    if type(key) is slice:
        i, j = key.start, key.stop
        if j is None:
            j = 0
        j = int(j)
        if j < 0 or i is None:
            return _ORIGINAL["intbv.__getitem__"](self, key)
        i = int(i)
        if i <= j:
            return _ORIGINAL["intbv.__getitem__"](self, key)
        n = i - j
        res = _new(intbv)
        res._val = (self._val & ((1 << i) - 1)) >> j
        res._min, res._max, res._nrbits = 0, 1 << n, n
        return res
    return bool((self._val >> int(key)) & 1)


def intbv_signed(self):
    """``intbv.signed()``: the same value and bounds (``-2^(n-1)`` to ``2^(n-1)``, n = the width),
    built directly; MyHDL's own method where the result would be out of range (it raises)."""
    nb = self._nrbits
    if not nb:
        return _ORIGINAL["intbv.signed"](self)
    v, mn = self._val, self._min
    msb = nb - 1
    if mn is not None and mn >= 0:
        v = (v & ((1 << msb) - 1)) - (((v >> msb) & 1) << msb)
    m = 1 << msb
    if not -m <= v < m:
        return _ORIGINAL["intbv.signed"](self)
    res = _new(intbv)
    res._val, res._min, res._max, res._nrbits = v, -m, m, nb
    return res


def signal_update(self):
    """``_Signal._update`` with the ``intbv`` case first, compared on the integers (MyHDL compares
    the ``intbv`` objects through their Python-level ``__ne__``/``__bool__``)."""
    val, nxt = self._val, self._next
    t = type(val)
    if (t is intbv or t is modbv) and type(nxt) is t:
        v, n = val._val, nxt._val
        if v == n:
            return []
        waiters = self._eventWaiters[:]
        del self._eventWaiters[:]
        if not v and n:
            waiters.extend(self._posedgeWaiters[:])
            del self._posedgeWaiters[:]
        elif not n and v:
            waiters.extend(self._negedgeWaiters[:])
            del self._negedgeWaiters[:]
        val._val = n
        if self._tracing:
            self._printVcd()
        return waiters
    return _ORIGINAL["_Signal._update"](self)


def signal_set_next_intbv(self, val):
    """``_Signal._setNextIntbv`` with the bounds of a plain ``intbv`` compared inline (MyHDL's
    ``_handleBounds`` is still what raises, with its message; a ``modbv`` wraps there)."""
    if isinstance(val, intbv):
        val = val._val
    elif not isinstance(val, int):
        raise TypeError("Expected int or intbv, got %s" % type(val))
    nxt = self._next
    nxt._val = val
    if type(nxt) is intbv:
        mx, mn = nxt._max, nxt._min
        if (mx is not None and val >= mx) or (mn is not None and val < mn):
            nxt._handleBounds()
    else:
        nxt._handleBounds()


def concat_genfunc(self):
    """``ConcatSignal.genfunc``: the concatenation computed on the integers (each signal argument's
    low bits shifted into place over the constant arguments' bits), not slice by slice through
    ``intbv.__setitem__``; MyHDL's own generator when an argument's value is neither ``intbv`` nor
    ``bool`` (its errors for an ``int`` out of range stay MyHDL's)."""
    if not all(isinstance(a._val, (intbv, bool)) for a in self._sigargs):
        yield from _ORIGINAL["ConcatSignal.genfunc"](self)
        return
    set_next = _Signal.next.fset
    nrbits = self._nrbits
    parts, hi = [], nrbits
    for a in self._args:
        w = 1 if isinstance(a, bool) else len(a)
        lo = hi - w
        if isinstance(a, _Signal):
            parts.append((a, lo, (1 << w) - 1))
        hi = lo
    keep = self._initval & ((1 << nrbits) - 1)
    for _, lo, mask in parts:
        keep &= ~(mask << lo)
    sigargs = self._sigargs
    while 1:
        v = keep
        for a, lo, mask in parts:
            x = a._val                     # a bool signal's value may be the int 0 or 1
            t = type(x)
            v |= ((x if t is bool or t is int else x._val) & mask) << lo
        set_next(self, v)
        yield sigargs


def slice_genfunc(self):
    """``_SliceSignal``'s slice generator: ``sig[left:right]`` as ``(value >> right) & mask`` on the
    integer (MyHDL builds an ``intbv`` slice and copies it)."""
    set_next = _Signal.next.fset
    sig, left, right = self._sig, self._left, self._right
    if not isinstance(sig._val, intbv) or left is None or right is None:
        yield from _ORIGINAL["_SliceSignal._genfuncSlice"](self)
        return
    mask = (1 << (left - right)) - 1
    while 1:
        set_next(self, (sig._val._val >> right) & mask)
        yield sig


def _install_kernel() -> None:
    """Replace the six methods above (before any Signal is made: a Signal binds ``_setNextVal`` when
    it is created, a shadow signal its generator)."""
    from myhdl import _ShadowSignal as shadow
    for name, owner, attr, fn in (("ConcatSignal.genfunc", shadow.ConcatSignal, "genfunc", concat_genfunc),
                                  ("_SliceSignal._genfuncSlice", shadow._SliceSignal, "_genfuncSlice", slice_genfunc),
                                  ("intbv.__getitem__", intbv, "__getitem__", intbv_getitem),
                                  ("intbv.signed", intbv, "signed", intbv_signed),
                                  ("_Signal._update", _Signal, "_update", signal_update),
                                  ("_Signal._setNextIntbv", _Signal, "_setNextIntbv", signal_set_next_intbv)):
        current = owner.__dict__[attr]
        if current is not fn:
            _ORIGINAL.setdefault(name, current)
            setattr(owner, attr, fn)


def install() -> None:
    """Give MyHDL's modules the cheap look-ups, copies and bit strings above (idempotent)."""
    import importlib
    _install_kernel()

    for name in _USERS:
        module = importlib.import_module(name)
        if getattr(module, "inspect", None) is inspect:
            module.inspect = _SHIM
    signal = importlib.import_module("myhdl._Signal")
    if signal.deepcopy is copy.deepcopy:
        signal.deepcopy = _copy_value
    for name in _BIN_USERS:
        module = importlib.import_module(name)
        if getattr(module, "bin", None) is not fast_bin:
            module.bin = fast_bin
    util = importlib.import_module("myhdl._util")
    if not _ORIGINAL_MAKE_AST:
        _ORIGINAL_MAKE_AST.append(util._makeAST)
    for name in _AST_USERS:
        module = importlib.import_module(name)
        if getattr(module, "_makeAST", None) is not make_ast:
            module._makeAST = make_ast
