"""Per-module synthesis (fast_prefill/synth_modules.py): the logic-level counter on netlists whose
depth is known, and a hierarchy synthesised once per module and counted per instance."""

import pytest

from fast_prefill import hierarchy
from fast_prefill.blocks import BLOCKS
from fast_prefill.config import get_preset
from fast_prefill.convert import convert_block
from fast_prefill.synth_modules import synth_hierarchy, synth_module, table, total


@pytest.mark.parametrize("body, levels", [
    ("input [5:0] a, output reg y); always @(posedge clk) y <= ^a;", 1),       # one LUT6
    ("input [6:0] a, output reg y); always @(posedge clk) y <= ^a;", 2),       # LUT6 -> LUT2
    ("input [31:0] a, output reg [31:0] y); always @(posedge clk) y <= y + a;", 9),  # LUT2 + 8 CARRY4
])
def test_logic_levels_of_known_netlists(tmp_path, body, levels):
    f = tmp_path / "m.v"
    f.write_text(f"module m(input clk, {body}\nendmodule\n")
    _, lv = synth_module(f, [])
    assert lv == levels


def test_a_hierarchy_is_synthesised_per_module_and_counted_per_instance(tmp_path):
    spec = BLOCKS["kv_cache"]
    top = convert_block(spec, spec.params(get_preset("tiny")), tmp_path, "kvc")
    rows = synth_hierarchy(top, progress=lambda s: None)
    assert [r.module for r in rows] == [f.stem for f in hierarchy.source_files(top)]
    by = {r.module: r for r in rows}
    assert by["kvc"].instances == 1 and all(r.instances >= 1 for r in rows)
    t = total(rows)
    assert t.ff == sum(r.own.ff * r.instances for r in rows) and t.ff > 0
    # the top's own figures exclude its black-boxed sub-modules' logic
    assert by["kvc"].own.ff < t.ff
    assert "total (x instances)" in table(rows)


def test_a_module_yosys_cannot_synthesise_is_reported_not_counted(tmp_path):
    f = tmp_path / "bad.v"
    f.write_text("module bad(input clk, output reg y);\nalways @(posedge clk) y <= ;\nendmodule\n")
    (row,) = synth_hierarchy(f, progress=lambda s: None)
    assert row.error and row.own.lut == 0 and "FAIL" in table([row])
