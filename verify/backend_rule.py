"""Which runs of a test simulate the MyHDL model beside the converted Verilog (docs/verification.md,
"Which backend a test uses").

The converted Verilog is the product: every run of a block bench simulates it and compares it with
the golden model. The MyHDL model runs beside it, cycle for cycle, on the first run of each test
and then on every ``MYHDL_EVERY``-th run (runs 0, 4, 8, ... of the test: explicit ``@example`` cases
first, then Hypothesis's examples in order). That keeps the check the MyHDL run exists for (the
model and its conversion agree, beat for beat and cycle for cycle, which is what exposes the
width-semantics trap) on a spread of every property's examples, while the examples beyond them
cost only a Verilog run.

``FAST_PREFILL_MYHDL_EVERY=1`` runs MyHDL on every run (the ``nightly`` Hypothesis profile sets it:
``make test-all PROFILE=nightly``).
A run with a single backend (MyHDL only, or Verilog only) is never thinned and does not count.
"""

from __future__ import annotations

import os


def _every() -> int:
    raw = os.environ.get("FAST_PREFILL_MYHDL_EVERY", "4")
    try:
        every = int(raw)
    except ValueError:
        every = 0
    if every < 1:
        raise ValueError(f"FAST_PREFILL_MYHDL_EVERY = {raw!r} is not allowed: must be an integer >= 1 "
                         f"(1: MyHDL beside every Verilog run)")
    return every


MYHDL_EVERY = _every()
_state = {"runs": 0}


def start_test() -> None:
    """Count this test's runs from zero (tests/conftest.py calls it before every test)."""
    _state["runs"] = 0


def backends_for_run(backends) -> tuple[str, ...]:
    """``backends`` for the next run of this test: without ``myhdl`` when the run is not one of the
    MyHDL runs above and a Verilog backend remains."""
    backends = tuple(backends)
    if "myhdl" not in backends or len(backends) == 1:
        return backends
    n = _state["runs"]
    _state["runs"] += 1
    if n % MYHDL_EVERY == 0:
        return backends
    return tuple(b for b in backends if b != "myhdl")
