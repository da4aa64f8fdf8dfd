"""Cheap call-stack look-ups for MyHDL's elaboration.

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
"""

from __future__ import annotations

import inspect
import sys
import types

# MyHDL modules that call inspect.stack() / inspect.getouterframes() during elaboration
_USERS = ("myhdl._block", "myhdl._instance", "myhdl._misc")


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


def install() -> None:
    """Give MyHDL's elaboration modules the cheap look-ups (idempotent)."""
    import importlib

    for name in _USERS:
        module = importlib.import_module(name)
        if getattr(module, "inspect", None) is inspect:
            module.inspect = _SHIM
