"""The checkers can fail: planted bugs in the converted Verilog are rejected by the Hypothesis
stream test and by the proof, while the unmodified design passes both."""

from pathlib import Path

import pytest
from hypothesis import Phase, example, given, settings

from fast_prefill.blocks import get_block
from fast_prefill.verify import mutants
from fast_prefill.verify.formal import run_job
from fast_prefill.verify.proof_jobs import all_jobs
from fast_prefill.verify.streams import check_passthrough
from fast_prefill.verify.strategies import beats, pattern

CASES = [
    ("stream_fifo", {"width": 4, "depth": 4}, mutants.fifo_drop_when_full(4), "stream_fifo_d4"),
    ("stream_skid_buffer", {"width": 4}, mutants.skid_overwrite(4), "stream_skid_buffer"),
    ("stream_ram_fifo", {"width": 4, "depth": 4}, mutants.ram_fifo_read_without_room(), "stream_ram_fifo_d4"),
]


@pytest.mark.parametrize("block, params, mutant, job", CASES, ids=[c[2].name for c in CASES])
def test_hypothesis_rejects_mutant(block, params, mutant, job):
    spec = get_block(block)

    # No shrinking: the point is that the search finds a failure; shrinking a lost-beat run (each
    # one long, because the bench waits for beats that never come) would only cost minutes.
    @settings(phases=[Phase.explicit, Phase.reuse, Phase.generate])
    @given(data=beats(params["width"]), idle=pattern(), stall=pattern())
    @example(data=list(range(16)), idle=[], stall=[True] * 8 + [False])  # a sink stall long enough to fill
    def prop(data, idle, stall):
        check_passthrough(spec, params, data, idle, stall, backends=("icarus",), mutant=mutant)

    with pytest.raises(AssertionError, match="output .* != input") as info:
        prop()
    # The failing example's waveform was written and its path is in the message.
    vcd = str(info.value).split("waveform: ")[1].split()[0]
    assert Path(vcd).stat().st_size > 0


@pytest.mark.formal
@pytest.mark.parametrize("block, params, mutant, job", CASES, ids=[c[2].name for c in CASES])
def test_proof_rejects_mutant(block, params, mutant, job, tmp_path):
    [base] = run_job(all_jobs()[job], mutant=mutant, workdir=tmp_path / job, tasks=("bmc",))
    assert base.result == "FAIL", base
    assert base.vcd is not None and base.vcd.exists()
