"""The model's per-unit cycle counts stay within 5 % of the converted-Verilog simulation (Icarus),
at the tiny preset's geometry and at larger simulated configurations; the KV cache's HBM bytes are
exact. ``-m slow`` adds bigger configurations."""

import pytest

from fast_prefill.perf.calibration import TOLERANCE, calibrate


def _check(points):
    assert points, "no calibration point ran"
    units = {p.unit for p in points}
    for u in ("SIG probe", "SIG pool", "SIG cover_count", "SIG top_m", "SIG list_builder", "SIG liveness",
              "SAE engine (whole head)", "KVC cycles", "KVC HBM bytes", "MPU tile engine"):
        assert u in units, f"calibration lacks unit {u}"
    assert any(p.config.startswith("tiny") for p in points)
    assert any(p.config.startswith("larger") for p in points)
    bad = [f"{p.unit} {p.config}: sim {p.sim}, model {p.model} ({100 * p.error:+.2f}%)"
           for p in points if abs(p.error) > TOLERANCE]
    assert not bad, "model outside 5% of simulation:\n" + "\n".join(bad)
    for p in points:
        if p.unit == "KVC HBM bytes":
            assert p.sim == p.model


def test_calibration_default():
    _check(calibrate())


@pytest.mark.slow
def test_calibration_slow():
    _check(calibrate(slow=True))
