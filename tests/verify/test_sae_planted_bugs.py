"""The SAE checkers can fail: planted bugs in the converted Verilog of sae_engine are rejected by
the Hypothesis golden comparison, while the unmodified design passes (tests/rtl/sae)."""

from pathlib import Path

import pytest
from hypothesis import Phase, given, settings, strategies as st

from fast_prefill.rtl.sae.engine import SaeGeometry
from fast_prefill.verify.bench.sae.harness import check_engine, flex_lists, make_group
from fast_prefill.verify import mutants_mpu, mutants_sae
from fast_prefill.verify.strategies import pattern
import numpy as np

PARAMS = {"block_size": 4, "head_dim": 4, "group": 1, "max_seq_len": 64}
ACC_BITS = SaeGeometry(**PARAMS).ACCW
CASES = [mutants_sae.sae_mask_off_by_one(), mutants_sae.sae_alpha_not_on_acc(ACC_BITS)]
STREAM_CASES = [mutants_sae.sae_emit_ignores_ready()]


@pytest.mark.parametrize("mutant", CASES, ids=[getattr(m, 'values', [m])[0].name for m in CASES])
def test_hypothesis_rejects_mutant(mutant):
    # No shrinking: the first failing example is enough, and each failure writes a waveform.
    @settings(max_examples=20, phases=[Phase.explicit, Phase.reuse, Phase.generate])
    @given(seed=st.integers(0, 2**32 - 1), n=st.integers(5, 24), kind=st.sampled_from(["dense", "flex"]),
           log2_factor=st.floats(-6, 0), idle=pattern(), stall=pattern())
    def prop(seed, n, kind, log2_factor, idle, stall):
        heads = make_group(n, 4, 1, seed, log2_factor)
        nb = -(-n // 4)
        lists = flex_lists(nb, np.random.default_rng(seed), kind)
        check_engine(PARAMS, heads, lists, [nb - 1], idle={"s_kv": idle}, stall=stall, backends=("icarus",),
                     mutant=mutant)

    with pytest.raises(AssertionError, match="differ from the golden model") as info:
        prop()
    vcd = str(info.value).split("waveform: ")[1].split()[0]
    assert Path(vcd).stat().st_size > 0


@pytest.mark.parametrize("mutant", STREAM_CASES, ids=[m.name for m in STREAM_CASES])
def test_hypothesis_rejects_stream_mutant(mutant):
    """Back-pressure on the output loses rows when the engine ignores m_o_ready."""
    heads = make_group(8, 4, 1, 5)
    with pytest.raises(AssertionError, match="stream rule violations|output rows"):
        check_engine(PARAMS, heads, flex_lists(2, np.random.default_rng(5), "dense"), [1],
                     stall=[True, False], backends=("icarus",), mutant=mutant)


ROW_PARAMS = {"block_size": 8, "head_dim": 4, "group": 1, "max_seq_len": 64, "rows": 2, "qk_lut_rows": 0}


@pytest.mark.parametrize("mutant", [mutants_sae.sae_row_wrong_tile(), mutants_mpu.mpu_dsp_pair_no_correction(count=4)],
                         ids=["sae_row_wrong_tile", "mpu_dsp_pair_no_correction"])
def test_row_engine_rejects_mutant(mutant):
    """sae_row_engine: a row group reading the other task's probability tile, and QK^T pair lanes
    without the packing's correction term (both query rows of the pair lane on DSPs: qk_lut_rows=0),
    are rejected by the golden comparison; the unmodified engine passes the same example."""
    heads = make_group(20, 4, 1, 9, -3.0)
    lists = flex_lists(3, np.random.default_rng(9), "flex")
    check_engine(ROW_PARAMS, heads, lists, [1, 2], backends=("icarus",))
    with pytest.raises(AssertionError, match="differ from the golden model"):
        check_engine(ROW_PARAMS, heads, lists, [1, 2], backends=("icarus",), mutant=mutant)
