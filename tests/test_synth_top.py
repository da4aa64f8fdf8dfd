"""`make synth`: the kernel top level alone once it is registered, per-SLR budgets, the fit check."""

from types import SimpleNamespace

import pytest

from fast_prefill import synth
from fast_prefill.config import get_preset
from fast_prefill.synth import Resources, report, slr_report
from fast_prefill.vivado import load_floorplan

from test_vivado_standin import TOP, registry_with_standin, registry_with_top


def fake(unit: str):
    """A registry entry whose factory lives in rtl/<unit>/ (only the module path matters)."""
    return SimpleNamespace(factory=SimpleNamespace(__module__=f"fast_prefill.rtl.{unit}.block"))


REGISTRY = {"kv": fake("kvc"), "mm": fake("mpu"), "ctl": fake("top")}


def test_per_slr_budgets_follow_the_floorplan():
    fp = load_floorplan("u280")
    # 3000 DSP in a unit at home in SLR0 (2880) does not fit, although the U280 has 9024.
    text, fits = slr_report({"kv": Resources(dsp=3000)}, fp, REGISTRY)
    assert not fits and "SLR0" in text
    # The MPU spans SLR1 + SLR2 (3072 each): 6000 fits, 6200 does not.
    assert slr_report({"mm": Resources(dsp=6000)}, fp, REGISTRY)[1]
    assert not slr_report({"mm": Resources(dsp=6200)}, fp, REGISTRY)[1]
    # BRAM and URAM are checked too
    assert not slr_report({"kv": Resources(uram=321)}, fp, REGISTRY)[1]
    assert not slr_report({"kv": Resources(bram36=400), "ctl": Resources(bram36=300)}, fp, REGISTRY)[1]
    # the tiny floorplan keeps every unit in SLR0
    assert not slr_report({"mm": Resources(dsp=3000)}, load_floorplan("tiny"), REGISTRY)[1]


def test_the_flat_top_level_is_checked_against_its_slrs_together():
    fp = load_floorplan("u280")
    text, fits = slr_report({TOP: Resources(dsp=5000, lut=900_000)}, fp, {TOP: fake("top")})
    assert fits and "one flat module" in text
    assert not slr_report({TOP: Resources(lut=1_400_000)}, fp, {TOP: fake("top")})[1]
    assert not slr_report({TOP: Resources(dsp=9025)}, fp, {TOP: fake("top")})[1]


def test_report_prints_u280_totals_and_slr_budgets():
    text, fits = report({"x": Resources(lut=10)})
    assert fits and "U280" in text and "SLR2 budget" in text
    _, fits = report({"x": Resources(ff=2_607_361)})
    assert not fits


def test_default_blocks_is_the_top_level_alone_once_registered():
    assert synth.default_blocks({"a": 1, "b": 2}) == ["a", "b"]
    assert synth.default_blocks({"a": 1, TOP: 2}) == [TOP]


def test_synth_all_synthesises_the_top_level(monkeypatch, tmp_path):
    """With a top level registered, synth_all() runs yosys synth_xilinx on it alone (tiny preset).

    On the stand-in (same ports, control slave and reset synchroniser as the real kernel; a few
    seconds): the real kernel takes 13+ minutes of yosys even at tiny, see the slow test below.
    """
    monkeypatch.setattr(synth, "BLOCKS", registry_with_standin())
    res = synth.synth_all(get_preset("tiny"), out_dir=tmp_path, progress=lambda *_: None)
    assert list(res) == [TOP]
    r = res[TOP]
    assert r.lut > 0 and r.ff > 32 * 10  # the argument registers at least
    text, fits = report(res)
    assert fits and TOP in text and "one flat module" in text
    # and the same top level with an impossible resource count fails the check
    assert not report({TOP: Resources(dsp=9025)})[1]


@pytest.mark.slow
def test_synth_all_synthesises_the_real_top_level(monkeypatch, tmp_path):
    """The real kernel top level, flat, at tiny (13+ minutes of yosys on 2 shared cores)."""
    monkeypatch.setattr(synth, "BLOCKS", registry_with_top())
    res = synth.synth_all(get_preset("tiny"), out_dir=tmp_path, progress=lambda *_: None)
    assert list(res) == [TOP]
    assert res[TOP].ff > 32 * 10 and res[TOP].dsp > 0   # the SAE/SIG multipliers are there
    text, fits = report(res)
    assert fits and "one flat module" in text


def test_a_block_yosys_cannot_synthesise_fails_make_synth(monkeypatch, tmp_path):
    """The fallback (-nolutram) is tried and noted; a block that fails both ways is reported and
    makes the fit check fail instead of aborting the whole run."""
    calls = []

    def fake_synth(path, top, options=""):
        calls.append((top, options))
        if "fifo" in top and options == "":
            raise RuntimeError("yosys synth_xilinx failed on x:\nlutrams_xc5v_map.v:181: ERROR: invalid OPTION_ABITS/WIDTH combination.")
        if "skid" in top:
            raise RuntimeError("yosys synth_xilinx failed on y:\nERROR: something else")
        return Resources(lut=5)

    from fast_prefill.blocks import BLOCKS

    monkeypatch.setattr(synth, "FAILURES", {})  # module state: restored after the test
    monkeypatch.setattr(synth, "NOTES", {})
    monkeypatch.setattr(synth, "synth_cached", fake_synth)
    monkeypatch.setattr(synth, "BLOCKS", {n: BLOCKS[n] for n in ("stream_fifo", "stream_skid_buffer")})
    res = synth.synth_all(get_preset("tiny"), out_dir=tmp_path, progress=lambda *_: None)
    assert list(res) == ["stream_fifo"]
    assert ("stream_fifo_tiny", synth.FALLBACK) in calls
    text, fits = report(res)
    assert not fits
    assert "NOT SYNTHESISED" in text and "stream_skid_buffer" in text and "something else" in text
    assert "-nolutram" in text and "OPTION_ABITS" in text


def test_synth_results_are_reused_while_the_verilog_is_unchanged(monkeypatch, tmp_path):
    import json

    runs = []

    def fake_yosys(path, top, options=""):  # what synth_file leaves behind: <module>.stat.json
        runs.append(options)
        path.with_suffix(".stat.json").write_text(json.dumps({"design": {"num_cells_by_type": {"LUT6": 7}}}))
        return Resources(lut=7)

    monkeypatch.setattr(synth, "synth_file", fake_yosys)
    path = tmp_path / "m.v"
    path.write_text("module m; endmodule\n")
    assert synth.synth_cached(path, "m").lut == 7 and len(runs) == 1
    assert synth.synth_cached(path, "m").lut == 7 and len(runs) == 1   # reused
    synth.synth_cached(path, "m", synth.FALLBACK)                      # other options: runs
    path.write_text("module m; wire w; endmodule\n")
    synth.synth_cached(path, "m")                                      # changed Verilog: runs
    assert runs == ["", synth.FALLBACK, ""]
