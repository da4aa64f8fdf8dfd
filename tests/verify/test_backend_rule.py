"""verify/backend_rule.py: which runs of a test simulate the MyHDL model beside the Verilog."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from fast_prefill.verify import backend_rule


def test_myhdl_runs_on_the_first_and_every_fourth_run_of_a_test(monkeypatch):
    monkeypatch.setattr(backend_rule, "MYHDL_EVERY", 4)
    backend_rule.start_test()
    got = [backend_rule.backends_for_run(("myhdl", "verilator")) for _ in range(9)]
    with_myhdl = [i for i, b in enumerate(got) if "myhdl" in b]
    assert with_myhdl == [0, 4, 8]
    assert all("verilator" in b for b in got)           # the Verilog runs every time
    backend_rule.start_test()                            # a new test starts with MyHDL again
    assert backend_rule.backends_for_run(("myhdl", "icarus")) == ("myhdl", "icarus")


def test_runs_with_one_backend_are_never_thinned(monkeypatch):
    monkeypatch.setattr(backend_rule, "MYHDL_EVERY", 4)
    backend_rule.start_test()
    assert [backend_rule.backends_for_run(("myhdl",)) for _ in range(5)] == [("myhdl",)] * 5
    assert [backend_rule.backends_for_run(("icarus",)) for _ in range(5)] == [("icarus",)] * 5
    # and they do not use up the test's MyHDL runs
    assert backend_rule.backends_for_run(("myhdl", "verilator")) == ("myhdl", "verilator")


def test_every_one_keeps_myhdl_on_every_run(monkeypatch):
    monkeypatch.setattr(backend_rule, "MYHDL_EVERY", 1)
    backend_rule.start_test()
    assert all("myhdl" in backend_rule.backends_for_run(("myhdl", "verilator")) for _ in range(6))


@pytest.mark.parametrize("raw", ["0", "-2", "often"])
def test_a_bad_setting_is_refused_by_name(raw):
    env = dict(os.environ, FAST_PREFILL_MYHDL_EVERY=raw)
    proc = subprocess.run([sys.executable, "-c", "import fast_prefill.verify.backend_rule"], env=env,
                          capture_output=True, text=True)
    assert proc.returncode != 0
    assert f"FAST_PREFILL_MYHDL_EVERY = '{raw}' is not allowed: must be an integer >= 1" in proc.stderr
