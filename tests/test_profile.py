"""fast_prefill/profile.py: the phase timers the harness feeds, and the tables of `make test-profile`."""

import json
import time

import pytest

from fast_prefill import profile


def test_phases_add_up_and_nesting_counts_once():
    profile.take()
    with profile.phase("convert"):
        time.sleep(0.02)
        with profile.phase("convert"):          # nested in itself: not counted twice
            time.sleep(0.02)
        with profile.phase("iverilog"):         # another phase inside: counted for both
            time.sleep(0.01)
    got = profile.take()
    assert 0.05 <= got["convert"] < 0.09, got
    assert 0.01 <= got["iverilog"] < 0.03, got
    assert profile.take() == {}                   # take() resets


def test_unknown_phase_is_refused():
    with pytest.raises(ValueError, match="profile phase 'compile' is not known: must be one of"):
        with profile.phase("compile"):
            pass


def test_harness_records_simulation_and_conversion_phases():
    """A stream bench on MyHDL and on Icarus: the harness's timers see both simulations, and the
    Icarus run's conversion (unless this parameter set is already compiled in build/cosim)."""
    from fast_prefill.blocks import get_block
    from fast_prefill.verify.streams import run_stream_bench

    profile.take()
    spec = get_block("stream_fifo")
    for backend in ("myhdl", "icarus"):
        res = run_stream_bench(spec, {"width": 8, "depth": 4}, backend, {"s": list(range(20))}, {"m": 20})
        assert res.outputs["m"] == list(range(20))
    got = profile.take()
    assert got.get("myhdl sim", 0) > 0 and got.get("icarus sim", 0) > 0, got
    assert set(got) <= set(profile.PHASES)


def test_tables_from_records(tmp_path):
    recs = [{"test": "tests/rtl/a.py::t1", "seconds": 10.0, "phases": {"convert": 2.0, "icarus sim": 5.0}},
            {"test": "tests/rtl/a.py::t2", "seconds": 4.0, "phases": {"myhdl sim": 3.0}},
            {"test": "tests/b.py::t3", "seconds": 1.0, "phases": {}}]
    (tmp_path / "gw0.jsonl").write_text("\n".join(json.dumps(r) for r in recs[:2]) + "\n")
    (tmp_path / "gw1.jsonl").write_text(json.dumps(recs[2]) + "\n")
    text = profile.tables(profile.load(tmp_path))
    assert text.startswith("3 tests, 15 s of test time")
    assert "| all tests | 15.0 | 2.0 | 0.0 | 0.0 | 3.0 | 5.0 | 0.0 | 0.0 | 0.0 | 5.0 |" in text
    assert "| `tests/rtl/a.py` (2) | 14.0 | 2.0 |" in text
    lines = text.splitlines()
    assert lines.index("| `a.py::t1` | 10.0 | 2.0 | 0.0 | 0.0 | 0.0 | 5.0 | 0.0 | 0.0 | 0.0 | 3.0 |") < \
        lines.index("| `a.py::t2` | 4.0 | 0.0 | 0.0 | 0.0 | 3.0 | 0.0 | 0.0 | 0.0 | 0.0 | 1.0 |")
    with pytest.raises(SystemExit, match="has no records"):
        profile.load(tmp_path / "empty")
