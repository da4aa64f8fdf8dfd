"""The MPU checkers can fail: a bit-plane lane with a wrong sign-plane weight (the sign plane added
instead of subtracted) is rejected by the Hypothesis tile test and by the equivalence proof, while
the unmodified design passes both (tests/rtl/mpu, tests/verify/test_mpu_formal.py)."""

from pathlib import Path

import pytest
from hypothesis import Phase, given, settings

from fast_prefill.blocks import get_block  # noqa: F401  (registry before the unit's modules)
from fast_prefill.verify.bench.mpu import TINY, run_engine
from fast_prefill.verify.strategies import mpu_cases, pattern
from fast_prefill.verify.formal import run_job
from fast_prefill.verify.mutants_mpu import bitplane_sign_plane_added
from fast_prefill.verify.proof_jobs import all_jobs


def test_hypothesis_rejects_wrong_sign_plane_weight():
    mutant = bitplane_sign_plane_added()

    # No shrinking: the first failing example is enough, and each run is a Verilog simulation.
    @settings(phases=(Phase.explicit, Phase.reuse, Phase.generate))
    @given(case=mpu_cases(shapes=(TINY,)), idle_x=pattern(6), stall=pattern(6))
    def prop(case, idle_x, stall):
        run_engine(*case, idle_x=idle_x, stall=stall, backends=("icarus",), mutant=mutant)

    with pytest.raises(AssertionError, match=r"result != numpy X @ B") as info:
        prop()
    vcd = str(info.value).split("waveform: ")[1].split()[0]
    assert Path(vcd).stat().st_size > 0


@pytest.mark.formal
@pytest.mark.parametrize("job", ["mpu_lane_eq_w4_k2", "mpu_lane_eq_w8_k1"])
def test_equivalence_proof_rejects_wrong_sign_plane_weight(job, tmp_path):
    [base] = run_job(all_jobs()[job], mutant=bitplane_sign_plane_added(), workdir=tmp_path / job, tasks=("bmc",))
    assert base.result == "FAIL", base
    assert base.vcd is not None and base.vcd.exists()


@pytest.mark.formal
def test_dsp_pair_proof_rejects_the_missing_correction(tmp_path):
    from fast_prefill.verify.mutants_mpu import mpu_dsp_pair_no_correction

    [base] = run_job(all_jobs()["mpu_dsp_pair_w4"], mutant=mpu_dsp_pair_no_correction(), workdir=tmp_path / "p",
                     tasks=("bmc",))
    assert base.result == "FAIL" and base.vcd is not None


@pytest.mark.formal
def test_dsp_pair_lane_proof_rejects_the_missing_correction(tmp_path):
    from fast_prefill.verify.mutants_mpu import mpu_dsp_pair_no_correction

    job = all_jobs()["mpu_dsp_pair_lane_w3_k2"]          # k = 2 pairs in the module
    [base] = run_job(job, mutant=mpu_dsp_pair_no_correction(count=2), workdir=tmp_path / "p", tasks=("bmc",))
    assert base.result == "FAIL" and base.vcd is not None


@pytest.mark.formal
def test_mac_lane_proof_rejects_a_lost_clear(tmp_path):
    """The P x V lane kind's proof: a lane that ignores its clear (a task's sums start from the
    previous task's) fails the equivalence with the reference accumulators."""
    from fast_prefill.verify.mutants_mpu import mpu_mac_lane_no_clear

    job = all_jobs()["mpu_mac_lane_n2"]
    [base] = run_job(job, mutant=mpu_mac_lane_no_clear(count=2), workdir=tmp_path / "p", tasks=("bmc",))
    assert base.result == "FAIL" and base.vcd is not None
