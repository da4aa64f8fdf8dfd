"""MPU resource estimate and lane sizing; synthesis maps DSP lanes to DSP48E2 and LUT lanes to none."""

import pytest

from fast_prefill.blocks import get_block  # noqa: F401  (registry before the unit's modules)
from fast_prefill.config import PRESETS, U280_DSP, U280_LUT
from fast_prefill.rtl.mpu import sizing
from fast_prefill.rtl.mpu.sizing import LaneCost


def test_resource_estimate_is_lanes_times_measured_costs():
    cfg = PRESETS["u280"]
    c = sizing.MEASURED[(32, 8, 32)]
    est = sizing.resource_estimate(cfg, c)
    assert est["dsp_lanes"]["DSP48E2"] == 144 * c["dsp"].dsp == 144 * 32 // 2 == cfg.dsp_estimate  # pair lanes
    assert est["lut_lanes"]["DSP48E2"] == 0
    assert est["total"]["LUT"] == 144 * c["dsp"].lut + 64 * c["lut"].lut
    assert est["macs_per_cycle"] == 32 * (144 + 64)
    assert 0 < est["u280_share"]["DSP48E2"] < 0.56


def test_size_lanes_respects_the_budget_and_fills_it():
    costs = {"dsp": LaneCost(lut=854, ff=533, dsp=32), "lut": LaneCost(lut=4842, ff=125, dsp=0)}
    s = sizing.size_lanes(costs, 32, dsp_fraction=0.56, lut_fraction=0.35)
    assert s["DSP48E2"] <= 0.56 * U280_DSP and s["LUT"] <= 0.35 * U280_LUT
    # Maximal: one more lane of either kind would break a budget.
    assert (s["mpu_dsp_cols"] + 1) * 32 > 0.56 * U280_DSP
    assert s["LUT"] + 4842 > 0.35 * U280_LUT
    assert s["macs_per_cycle"] == 32 * (s["mpu_dsp_cols"] + s["mpu_lut_cols"])
    m = sizing.size_lanes(costs, 32, col_multiple=16)
    assert m["mpu_dsp_cols"] % 16 == 0 and m["mpu_lut_cols"] % 16 == 0


@pytest.mark.parametrize("kw, match", [({"dsp_fraction": 1.5}, "dsp_fraction"), ({"col_multiple": 0}, "col_multiple")])
def test_size_lanes_rejects_bad_budgets(kw, match):
    with pytest.raises(ValueError, match=rf"size_lanes field '{match}'"):
        sizing.size_lanes(sizing.MEASURED[(4, 8, 24)], 4, **kw)


def test_lane_costs_unknown_configuration_is_refused(tmp_path):
    with pytest.raises(ValueError, match=r"no synthesis figures for \(k, data_width, acc_width\) = \(2, 8, 17\)"):
        sizing.lane_costs((2, 8, 17), report=tmp_path / "none.json")


def test_report_round_trip(tmp_path):
    entries = {(4, 8, 24): sizing.MEASURED[(4, 8, 24)]}
    path = sizing.write_report(entries, tmp_path / "r.json")
    assert sizing.read_report(path) == entries


def test_dsp_lane_maps_to_dsp48e2_and_bitplane_lane_to_none(tmp_path):
    """yosys synth_xilinx -family xcup at k=2: one DSP48E2 per two products (a DSP column is half a
    pair lane: k/2 DSPs), none in the bit-plane lane (the u280 figures, k=32, come from `fast-prefill
    bench mpu` and are recorded in sizing.MEASURED)."""
    costs = sizing.measure_lane_costs(2, 8, 17, out_dir=tmp_path)
    assert costs["dsp"].dsp == 1
    assert costs["lut"].dsp == 0 and costs["lut"].lut > 0
