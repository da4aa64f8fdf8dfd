"""The MPU's proof jobs pass: bit-plane lane == DSP lane for all operand values (k-induction), the
tile engine's stream rules and FIFO invariants (k-induction), and the covers (extremes reach the
lane outputs; a whole tile passes through the engine and the next one starts loading)."""

import pytest

from fast_prefill.verify.formal import run_jobs, select_jobs, table

pytestmark = pytest.mark.formal


def _run(patterns):
    jobs = select_jobs(patterns)
    results = run_jobs(jobs, parallel=2, progress=lambda s: None)
    assert len(results) == 2 * len(jobs)
    assert all(r.passed for r in results), table(results)
    assert all(r.vcd is not None and r.vcd.exists() for r in results if r.task == "cover")
    return results


def test_tile_engine_stream_proof_and_whole_tile_cover():
    _run(["mpu_tile_engine"])


def test_lane_equivalence_small_widths():
    _run(["mpu_lane_eq_w4_*"])


def test_dsp_pair_equals_two_products():
    _run(["mpu_dsp_pair_w*"])


def test_dsp_pair_lane_equals_two_dot_products():
    _run(["mpu_dsp_pair_lane_w3_*"])


def test_dsp_pair_lane_equals_two_dot_products_w4():
    """About 15 s of yices (about 45 s before the proofs ran without sby's start-up)."""
    _run(["mpu_dsp_pair_lane_w4_*"])


def test_lane_equivalence_int8():
    """All 2**16 INT8 x INT8 products: about 11 s of yices."""
    _run(["mpu_lane_eq_w8_*"])


@pytest.mark.formal
def test_mac_lane_proof():
    """The P x V lane kind equals n reference accumulators for all operands, enables and clears."""
    _run(["mpu_mac_lane_*"])


def test_jobs_registered():
    names = {j.name for j in select_jobs(["mpu_*"])}
    assert names == {"mpu_lane_eq_w4_k1", "mpu_lane_eq_w4_k2", "mpu_lane_eq_w8_k1", "mpu_tile_engine",
                     "mpu_dsp_pair_w4", "mpu_dsp_pair_w5", "mpu_dsp_pair_lane_w3_k2", "mpu_dsp_pair_lane_w4_k2",
                     "mpu_mac_lane_n2"}


def test_property_names_exist_in_the_generated_verilog(tmp_path):
    """Yosys would make an unknown name a free wire: every internal name the property reads exists."""
    import re

    from fast_prefill.blocks import get_block
    from fast_prefill.convert import convert_block
    from fast_prefill.verify.formal import PROPERTIES_DIR

    job = select_jobs(["mpu_tile_engine"])[0]
    text = convert_block(get_block(job.block), job.params, tmp_path, "te").read_text()
    declared = set(re.findall(r"^\s*(?:reg|wire|input|output)\s+(?:signed\s+)?(?:\[[^\]]+\]\s*)?(\w+)", text, re.M))
    for name in ("loaded", "wcol", "occ", "v0", "v1", "v2", "fifo_wr", "fifo_rd", "fifo_count", "m_valid", "m_data"):
        assert name in declared, name
        assert re.search(rf"\b{name}\b", (PROPERTIES_DIR / job.properties).read_text()), name
