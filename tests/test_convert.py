"""Conversion: every block converts for every preset, lints clean, reads back in yosys,
reproducibly; MyHDL warnings are errors; a failed conversion leaves nothing behind."""

import os
import re

import pytest
from myhdl import Signal, always_comb, block, intbv

from fast_prefill.blocks import BLOCKS, BlockSpec
from fast_prefill.config import PRESETS
from fast_prefill.convert import ConversionError, Mutant, convert_all, convert_block, lint, summary_table


# Both presets are slow here: CI's first step (`make verilog PRESET=tiny`) converts, lints and reads
# back every tiny block (80 s of the 20-minute budget if repeated), and the u280 build takes 10-15 min.
@pytest.mark.slow
@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_every_block_converts_lints_and_reads_back(preset, tmp_path):
    results = convert_all(PRESETS[preset], out_dir=tmp_path, progress=lambda s: None)
    assert [r.block for r in results] == list(BLOCKS)
    for r in results:
        assert r.path.name == f"{r.block}_{preset}.v"
        assert r.lint_ok, r.messages
        assert r.yosys_ok, r.messages
    table = summary_table(results)
    assert "clean" in table and "FAIL" not in table


def test_conversion_is_reproducible(tmp_path):
    spec = BLOCKS["stream_fifo"]
    a = convert_block(spec, {"width": 8, "depth": 4}, tmp_path / "a", "fifo_x", cache=False).read_text()
    b = convert_block(spec, {"width": 8, "depth": 4}, tmp_path / "b", "fifo_x", cache=False).read_text()
    assert a == b and "// Date:" not in a


_CONVERT_IN_A_PROCESS = """
import sys
from fast_prefill.blocks import BLOCKS
from fast_prefill.config import PRESETS
from fast_prefill.convert import convert_block
spec = BLOCKS[sys.argv[1]]
convert_block(spec, spec.params(PRESETS["tiny"]), sys.argv[2], "dut", cache=False)
"""


@pytest.mark.parametrize("block", ["axi_stream_writer", "sig_top_m"])   # the second resets a memory
def test_conversion_is_byte_identical_across_processes(block, tmp_path):
    # MyHDL writes sensitivity lists and reset assignments in Python set order, which depends on
    # the process's string-hash seed: two seeds gave different files before canonical_order.
    import subprocess
    import sys

    texts = []
    for seed in ("1", "2"):
        out = tmp_path / seed
        subprocess.run([sys.executable, "-c", _CONVERT_IN_A_PROCESS, block, str(out)], check=True,
                       env={**os.environ, "PYTHONHASHSEED": seed})
        texts.append({f.name: f.read_text() for f in sorted(out.glob("*.v"))})
    assert texts[0] == texts[1]
    top = texts[0]["dut.v"]
    for found in re.findall(r"always @\((.*)\) begin: \w+", top):
        names = found.split(", ")
        assert names == sorted(names)


def test_canonical_order_keeps_writes_into_one_memory_in_order():
    from fast_prefill.convert import canonical_order

    text = "always @(posedge clk) begin\n    z <= 1;\n    a <= 2;\nend\n"
    assert canonical_order(text) == "always @(posedge clk) begin\n    a <= 2;\n    z <= 1;\nend\n"
    same_memory = "    mem[j] <= 1;\n    mem[i] <= 2;\n"
    assert canonical_order(same_memory) == same_memory
    assert canonical_order("always @(b, a) begin: comb\n") == "always @(a, b) begin: comb\n"


@block
def _undriven(clk, q):
    floating = Signal(intbv(0)[4:])

    @always_comb
    def logic():
        q.next = floating

    return logic


def test_myhdl_warning_is_an_error_and_leaves_nothing(tmp_path):
    spec = BlockSpec("undriven", _undriven, lambda p: {"clk": Signal(bool(0)), "q": Signal(intbv(0)[4:])},
                     lambda cfg: {})
    with pytest.raises(ConversionError, match="MyHDL warning"):
        convert_block(spec, {}, tmp_path, "undriven")
    assert list(tmp_path.iterdir()) == []


def test_lint_catches_a_width_problem(tmp_path):
    bad = tmp_path / "bad.v"
    bad.write_text("module bad(input [3:0] a, output [1:0] y);\nassign y = a;\nendmodule\n")
    ok, messages = lint(bad, "bad")
    assert not ok and "WIDTH" in messages


def test_mutant_must_apply_exactly():
    with pytest.raises(ConversionError, match="expected 1 occurrence"):
        Mutant("m", "no such text", "x").apply("module m; endmodule")


def test_internal_names_do_not_depend_on_earlier_conversions(tmp_path):
    """Instance names (stream_fifo0, which the property files use as stream_fifo0_count once yosys
    flattens the design) and module names must not shift with what the process converted before."""
    from fast_prefill.hierarchy import hierarchy_text
    from fast_prefill.config import get_preset

    spec = BLOCKS["axi_stream_reader"]
    params = spec.params(get_preset("tiny"))
    first = hierarchy_text(convert_block(spec, params, tmp_path / "a", "rd", cache=False))
    for name in ("stream_fifo", "stream_skid_buffer", "stream_fork"):
        other = BLOCKS[name]
        convert_block(other, other.params(get_preset("tiny")), tmp_path / "o", name, cache=False)
    again = hierarchy_text(convert_block(spec, params, tmp_path / "b", "rd", cache=False))
    assert re.search(r"^stream_fifo_[0-9a-f]{8} stream_fifo0 \($", first, re.M) and first == again


# The conversion cache (build/convert/): a copy under another name equals a fresh conversion ------

def _files(top):
    from fast_prefill.hierarchy import source_files

    out = {f.name: f.read_text() for f in source_files(top)}
    out[top.with_suffix(".f").name] = top.with_suffix(".f").read_text()
    tb = top.with_name(f"tb_{top.name}")
    if tb.exists():
        out[tb.name] = tb.read_text()
    return out


def test_a_cached_design_equals_a_fresh_conversion_under_any_name(tmp_path, monkeypatch):
    import fast_prefill.convert as conv

    monkeypatch.setattr(conv, "CONVERT_CACHE", tmp_path / "cache")
    spec = BLOCKS["axi_stream_reader"]      # sub-modules, one shared by two instances
    params = spec.params(PRESETS["tiny"])
    fresh = _files(convert_block(spec, params, tmp_path / "fresh", "rd_b", testbench=True, cache=False))
    plain = _files(convert_block(spec, params, tmp_path / "plain", "rd_b", cache=False))
    first = convert_block(spec, params, tmp_path / "first", "rd_a")   # fills the cache, test bench too
    [entry] = (tmp_path / "cache").iterdir()
    assert "rd_a" not in "".join(f.read_text() for f in entry.iterdir())
    again = _files(convert_block(spec, params, tmp_path / "again", "rd_b", testbench=True))
    assert again == fresh and len(fresh) > 4 and "module rd_b (" in fresh["rd_b.v"]
    assert plain == {k: v for k, v in fresh.items() if k != "tb_rd_b.v"}
    assert _files(first).keys() == {k.replace("rd_b", "rd_a") for k in plain}
    # a mutant is applied to the copy, exactly as to a fresh conversion, and the entry stays clean
    mutant = Mutant("planted", "s_ready", "s_READY", count=fresh["rd_b.v"].count("s_ready"))
    mutated = _files(convert_block(spec, params, tmp_path / "m", "rd_b", mutant=mutant))
    want = _files(convert_block(spec, params, tmp_path / "mf", "rd_b", mutant=mutant, cache=False))
    assert mutated == want and "s_READY" in mutated["rd_b.v"]
    assert "s_READY" not in "".join(f.read_text() for f in entry.iterdir())
    # without a source hash (a source changed after the process started) nothing is cached
    entries = sorted((tmp_path / "cache").iterdir())
    assert len(entries) == 1
    monkeypatch.setattr("fast_prefill.sources._hashes", {"base": None})
    convert_block(BLOCKS["stream_fifo"], {"width": 8, "depth": 4}, tmp_path / "n", "f")
    assert sorted((tmp_path / "cache").iterdir()) == entries


def test_make_verilog_fills_the_cache_with_what_a_conversion_of_its_own_gives(tmp_path, monkeypatch):
    """convert_all converts blocks into one folder, sharing sub-modules; each block it converts is kept
    in the cache, and a copy from there equals a conversion of that block alone."""
    import fast_prefill.convert as conv

    monkeypatch.setattr(conv, "CONVERT_CACHE", tmp_path / "cache")
    blocks = ["stream_fifo", "axi_stream_reader"]        # the reader's FIFO is the first block's module
    convert_all(PRESETS["tiny"], out_dir=tmp_path / "all", blocks=blocks, check=False, progress=lambda s: None)
    assert len(list((tmp_path / "cache").iterdir())) == 2
    for name in blocks:
        spec = BLOCKS[name]
        params = spec.params(PRESETS["tiny"])
        cached = _files(convert_block(spec, params, tmp_path / name, "x", testbench=True))
        alone = _files(convert_block(spec, params, tmp_path / f"{name}_alone", "x", testbench=True, cache=False))
        assert cached == alone and "tb_x.v" in cached


def test_a_failed_conversion_is_not_cached(tmp_path, monkeypatch):
    import fast_prefill.convert as conv

    monkeypatch.setattr(conv, "CONVERT_CACHE", tmp_path / "cache")
    spec = BlockSpec("undriven", _undriven, lambda p: {"clk": Signal(bool(0)), "q": Signal(intbv(0)[4:])},
                     lambda cfg: {})
    for _ in range(2):
        with pytest.raises(ConversionError, match="MyHDL warning"):
            convert_block(spec, {}, tmp_path / "out", "undriven")
    cache = tmp_path / "cache"
    assert not (tmp_path / "out").exists() and (not cache.exists() or list(cache.iterdir()) == [])


# UltraRAM tagging (fast_prefill.convert.tag_uram): deep memories with registered reads only -------

_MEMS_V = """module m (input clk, input we, input [3:0] a, input [7:0] d, output reg [7:0] q1, output [7:0] q2,
          output reg [7:0] q3, output reg [7:0] q4);
reg [7:0] reg_rd [0:16-1];
reg [7:0] async_rd [0:16-1];
reg [7:0] rmw [0:16-1];
reg signed [7:0] shallow [0:8-1];
(* ram_style = "block" *) reg [7:0] styled [0:16-1];
assign q2 = async_rd[a];
always @(posedge clk) begin: SEQ
    q1 <= reg_rd[a];
    q3 <= shallow[a[2:0]];
    q4 <= styled[a];
    if (we) begin
        reg_rd[a] <= d;
        async_rd[a] <= d;
        rmw[a] <= rmw[a] + d;
        shallow[a[2:0]] <= d;
        styled[a] <= d;
    end
end
endmodule
"""


def test_tag_uram_tags_only_deep_memories_whose_reads_are_all_registered():
    from fast_prefill.convert import URAM_ATTRIBUTE, registered_reads_only, tag_uram

    out = tag_uram(_MEMS_V, min_depth=16)
    tagged = [ln for ln in out.splitlines() if URAM_ATTRIBUTE.strip() in ln]
    assert tagged == [URAM_ATTRIBUTE + "reg [7:0] reg_rd [0:16-1];"]   # not async, RMW, shallow or styled
    assert registered_reads_only(_MEMS_V, "shallow") and not registered_reads_only(_MEMS_V, "rmw")
    assert "shallow" in tag_uram(_MEMS_V, min_depth=8).split("reg_rd")[2].split("\n")[1]  # depth 8 at 8
    assert tag_uram(_MEMS_V) == _MEMS_V                                  # default threshold: all too shallow
    assert tag_uram(out, min_depth=16) == out                            # idempotent


def test_uram_tag_on_converted_blocks_lints_reads_back_and_maps_to_uram(tmp_path):
    """With the threshold lowered to tiny depths: the cover count's registered-read value memory (its
    ``ram_deep``, in a sub-module's file) is tagged, and is its only memory (its 16 histogram bins
    are registers of their own since the histogram is pipelined, not an asynchronously read memory),
    and the tagged design still lints and reads back; the probe's accumulators, read through clocked ports since their read-modify-write
    takes two cycles, are tagged (the vertical one and the slash banks, not its small row memories); convert_block
    itself leaves tiny memories (below URAM_MIN_DEPTH) untagged; yosys honours the attribute."""
    from fast_prefill.config import get_preset
    from fast_prefill.convert import URAM_ATTRIBUTE, URAM_MIN_DEPTH, tag_uram, yosys_read
    from fast_prefill.synth import synth_file

    cfg = get_preset("tiny")
    assert cfg.max_seq_len < URAM_MIN_DEPTH
    spec = BLOCKS["sig_cover_count"]
    path = convert_block(spec, spec.params(cfg), tmp_path, "cc")
    files = [tmp_path / ln.strip() for ln in path.with_suffix(".f").read_text().splitlines() if ln.strip()]
    decls = []
    for f in files:
        text = f.read_text()
        assert URAM_ATTRIBUTE not in text                                 # tiny: unchanged
        tagged = tag_uram(text, min_depth=16)
        decls += [ln for ln in tagged.splitlines() if re.search(r"\breg\b.*\[0:\d+-1\];", ln)]
        f.write_text(tagged)
    assert {ln.split()[-2] for ln in decls if URAM_ATTRIBUTE in ln} == {"values_mem"}, decls
    assert len(decls) == 1, decls
    ok, msg = lint(path, "cc")
    assert ok, msg
    ok, msg = yosys_read(path, "cc")
    assert ok, msg

    spec = BLOCKS["sig_probe"]
    probe = convert_block(spec, spec.params(cfg), tmp_path, "pr").read_text()
    decls = [ln for ln in tag_uram(probe, min_depth=512).splitlines() if re.search(r"\breg\b.*\[0:\d+-1\];", ln)]
    # tiny: r = 2 lanes, so the slash accumulator is two banks of max_n / 2
    assert {ln.split()[-2] for ln in decls if URAM_ATTRIBUTE in ln} == {"vert", "_slash_bank0_mem",
                                                                        "_slash_bank1_mem"}, decls

    small = tmp_path / "m.v"                                              # yosys maps the tagged RAM to URAM288
    small.write_text(tag_uram(_MEMS_V, min_depth=16))
    assert synth_file(small, "m").uram == 1


def test_an_unknown_block_is_refused_by_name_before_anything_is_written(tmp_path, capsys):
    from fast_prefill.cli import main

    out = tmp_path / "out"
    assert main(["verilog", "--preset", "tiny", "--block", "stream_fifo", "--block", "sig_nope",
                 "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "--block 'sig_nope' is not a registered block" in err
    assert "sig_head" in err and "stream_fifo" in err          # the allowed names are listed
    assert not out.exists()
