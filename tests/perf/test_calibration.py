"""The model's per-unit cycle counts stay within 5 % of the converted-Verilog simulation (Verilator),
at the tiny preset's geometry and at larger simulated configurations; the KV cache's HBM bytes are
exact. ``-m slow`` adds bigger configurations."""

import pytest

from fast_prefill.perf.calibration import RUNNERS, TOLERANCE, calibrate, calibrate_unit


UNITS = {"probe": ["SIG probe"], "pool": ["SIG pool"], "cover": ["SIG cover_count"], "top_m": ["SIG top_m"],
         "builder": ["SIG list_builder"], "liveness": ["SIG liveness"], "sae": ["SAE engine (whole head)"],
         "sae_rows": ["SAE row engine (whole head)"],
         "kvc": ["KVC cycles", "KVC HBM bytes"], "mpu": ["MPU tile engine"]}


def _check(points, units):
    assert points, "no calibration point ran"
    seen = {p.unit for p in points}
    for u in units:
        assert u in seen, f"calibration lacks unit {u}"
    assert any(p.config.startswith("tiny") for p in points)
    assert any(p.config.startswith("larger") for p in points)
    bad = [f"{p.unit} {p.config}: sim {p.sim}, model {p.model} ({100 * p.error:+.2f}%)"
           for p in points if abs(p.error) > TOLERANCE]
    assert not bad, "model outside 5% of simulation:\n" + "\n".join(bad)
    for p in points:
        if p.unit == "KVC HBM bytes":
            assert p.sim == p.model


def test_every_unit_is_calibrated():
    # "kernel" (the whole fast_prefill kernel) has its own test: tests/perf/test_kernel_calibration.py
    assert set(RUNNERS) == set(UNITS) | {"kernel"}


@pytest.mark.parametrize("key", list(UNITS))
def test_calibration_default(key):
    """One test per unit (the points of ``calibrate()``), so parallel workers share them."""
    _check(calibrate_unit(key), UNITS[key])


@pytest.mark.slow
def test_calibration_slow():
    _check([p for p in calibrate(slow=True) if p.unit != "kernel (whole run)"],
           [u for us in UNITS.values() for u in us])
