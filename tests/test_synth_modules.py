"""Per-module synthesis (fast_prefill/synth_modules.py): the logic-level counter on netlists whose
depth is known, and a hierarchy synthesised once per module and counted per instance."""

import math
import re

import pytest

from fast_prefill import hierarchy
from fast_prefill.blocks import BLOCKS
from fast_prefill.convert import convert_block
from fast_prefill.synth_modules import (LEVEL_LIMIT, endpoint_levels, logic_levels, over_limit, synth_hierarchy,
                                         synth_module, table, total)


# Three netlists whose depth is known, as three independent register groups of one module (one
# yosys run: each synth_xilinx costs about 7 s of fixed work here, whatever the module's size)
KNOWN = {
    "y6": ("input [5:0] a6", "output reg y6", "y6 <= ^a6;", 1),            # one LUT6
    "y7": ("input [6:0] a7", "output reg y7", "y7 <= ^a7;", 2),            # LUT6 -> LUT2
    # LUT2, then 8 CARRY4: the first one level, each further one half (two CARRY4 = one CARRY8)
    "y32": ("input [31:0] a32", "output reg [31:0] y32", "y32 <= y32 + a32;", 5.5),
}


@pytest.fixture(scope="module")
def synthesised(tmp_path_factory):
    """Two modules synthesised once for the tests below (synth_module keeps their netlists): ``m``,
    the known netlists (at most 6 levels: within the rule), and ``two``, a register behind a 128-bit
    add and compare (far over the rule) beside one behind a 6-input XOR (one LUT)."""
    import json

    d = tmp_path_factory.mktemp("synth")
    ports = ", ".join(f"{i}, {o}" for i, o, _, _ in KNOWN.values())
    body = " ".join(a for _, _, a, _ in KNOWN.values())
    (d / "m.v").write_text(f"module m(input clk, {ports});\nalways @(posedge clk) begin {body} end\nendmodule\n")
    (d / "two.v").write_text("module two(input clk, input [127:0] a, b, c, input [5:0] d, output reg deep, "
                             "output reg flat);\nalways @(posedge clk) begin deep <= (a + b) > c; flat <= ^d; end\n"
                             "endmodule\n")
    out = {}
    for name in ("m", "two"):
        _, lv = synth_module(d / f"{name}.v", [], keep_netlist=True)
        out[name] = (d / f"{name}.v", lv, endpoint_levels(json.loads((d / f"{name}.own.net.json").read_text()), name))
    return out


def test_logic_levels_of_known_netlists(synthesised):
    """Each register group's deepest path end (``endpoint_levels``) has its known depth, and the
    module's depth (``logic_levels``, what the rule is checked on) is the deepest of them, rounded up
    to whole levels (5.5 -> 6)."""
    _, lv, ends = synthesised["m"]
    for reg, (_, _, _, levels) in KNOWN.items():
        got = [v for k, v in ends.items() if k.startswith("FD") and re.search(rf"\b{reg}\b", k)]
        assert got and max(got) == levels, (reg, ends)
    assert lv == math.ceil(max(levels for *_, levels in KNOWN.values())) == 6


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


def test_a_deep_module_is_flagged_over_the_level_rule(synthesised):
    """``two`` (a 128-bit adder into a 128-bit compare) is far over the rule; ``m`` (6 levels) is not.
    synth_hierarchy finds both already synthesised (synth_module's key beside each file)."""
    rows = synth_hierarchy(synthesised["two"][0], progress=lambda s: None) + \
        synth_hierarchy(synthesised["m"][0], progress=lambda s: None)
    assert all(r.cached for r in rows)
    assert rows[0].levels > LEVEL_LIMIT and rows[1].levels == LEVEL_LIMIT == 6
    assert [r.module for r in over_limit(rows)] == ["two"] and "two" in table(rows)


def test_endpoints_list_each_deep_path_end(synthesised):
    """Two registers in one module: the one behind a 128-bit add and compare is listed over the
    rule with its depth, the one behind a 6-input XOR (one LUT) at 1 level."""
    _, _, ends = synthesised["two"]
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
