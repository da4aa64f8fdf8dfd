"""Every deep SIG memory has a registered (clocked) read port, so it can become block RAM / UltraRAM.

yosys ``proc; opt_clean; memory_dff; memory_collect`` on the converted tiny Verilog gives one
``$mem_v2`` per memory; ``RD_CLK_ENABLE`` says which read ports are clocked (``memory_dff`` folds
the data register of ``rd.next = mem[addr_nx]`` into the port; it also folds an address register
that feeds the port directly, which yosys and Vivado both turn into a clocked read). A written
memory of at least 65 entries (deep at u280: ``max_n``, ``max_blocks`` or ``max_accesses``
entries) with an asynchronous read port fails, except the ones listed in ``ALLOWED`` with why.

The tiny ``sig_head`` Verilog is taken from ``build/verilog`` (``make verilog PRESET=tiny``, run
before the tests in CI) when it is newer than every RTL source, else converted here (~20 s).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from fast_prefill.blocks import BLOCKS
from fast_prefill.config import get_preset
from fast_prefill.convert import convert_block
from fast_prefill.synth import memory_ports, unregistered_memories
from fast_prefill.tools import BUILD_DIR, REPO_ROOT

MIN_ENTRIES = 65

# memory-name fragment -> why it may keep an asynchronous read (LUT RAM); none is left: the
# liveness annotator's per-block tables became one registered-read table (a planted asynchronous
# read is still caught: test_check_rejects_an_asynchronous_read)
ALLOWED: dict[str, str] = {}


def tiny_verilog(name: str, tmp_path: Path) -> tuple[Path, str]:
    """The converted tiny Verilog of block ``name``: build/verilog's when fresh, else converted now."""
    spec = BLOCKS[name]
    module = spec.module_name("tiny")
    built = BUILD_DIR / "verilog" / f"{module}.v"
    newest_src = max(p.stat().st_mtime for p in (REPO_ROOT / "rtl").rglob("*.py"))
    if built.exists() and built.stat().st_mtime > newest_src:
        return built, module
    return convert_block(spec, spec.params(get_preset("tiny")), tmp_path, module), module


def test_sig_head_deep_memories_have_registered_reads(tmp_path):
    path, module = tiny_verilog("sig_head", tmp_path)
    mems = memory_ports(path, module)
    names = {m.name for m in mems}
    # not vacuous: the head's own buffers and the sub-blocks' deep memories are all seen, registered
    expect = {f"ram_bypass{i}_ram_deep0_{m}_mem" for i, m in enumerate(("vbuf", "sbuf", "pvbuf", "psbuf", "ksbuf"))}
    expect |= {"sig_cover_count0_cover_values0_ram_deep0_values_mem", "sig_top_m0_ram_deep0_values_mem", "sig_liveness0_ram_deep0_acc_mem",
               "sig_liveness0_ram_deep1_blk_mem", "sig_list_builder0_ram_1r1w0_mem", "sig_list_builder0_ram_1r1w1_mem",
               "sig_decision0_ram_bypass0_ram_deep0_xmem_mem", "sig_decision0_ram_bypass1_ram_deep0_pvmem_mem",
               "sig_pooled_select0_ram_bypass0_ram_deep0_kmem_mem", "sig_pooled_select0_ram_bypass1_ram_deep0_xmem_mem",
               "sig_pooled_select0_ram_deep0_emem_mem", "sig_pooled_select0_sig_cover_count0_cover_values0_ram_deep0_values_mem",
               "sig_pooled_select0_sig_top_m0_ram_deep0_values_mem"}
    assert expect <= names, sorted(expect - names)
    bad = unregistered_memories(mems, MIN_ENTRIES, ALLOWED)
    assert not bad, [f"{m.name}: {m.entries} x {m.width}, read ports clocked {m.rd_clocked}" for m in bad]
    assert all(next(m for m in mems if m.name == n).registered for n in expect)


@pytest.mark.parametrize("name", ["sig_probe", "sig_cover_count", "sig_top_m", "sig_liveness", "sig_list_builder",
                                  "sig_decision", "sig_pooled_select"])
def test_sig_block_deep_memories_have_registered_reads(name, tmp_path):
    path, module = tiny_verilog(name, tmp_path)
    mems = memory_ports(path, module)
    assert any(m.entries >= MIN_ENTRIES and m.wr_ports for m in mems), mems
    allow = {k.split("0_", 1)[1]: v for k, v in ALLOWED.items() if k.startswith(name[4:] + "0_")}
    bad = unregistered_memories(mems, MIN_ENTRIES, allow)
    assert not bad, [f"{m.name}: {m.entries} x {m.width}, read ports clocked {m.rd_clocked}" for m in bad]


ASYNC_RAM = """
module {top} (input clk, input we, input [7:0] wa, input [7:0] ra, input [15:0] wd, output [15:0] rd);
  reg [15:0] mem [0:255];
  reg [7:0] ra_r;
  always @(posedge clk) begin
    if (we) mem[wa] <= wd;
    ra_r <= ra;
  end
  {read}
endmodule
"""


@pytest.mark.parametrize("read,registered", [
    ("assign rd = mem[ra_r - 8'd1];", False),                      # like the old head: rp - 1, async
    ("assign rd = mem[ra];", False),                               # address straight from the input
    ("reg [15:0] q; always @(posedge clk) q <= mem[ra]; assign rd = q;", True),
])
def test_check_rejects_an_asynchronous_read(tmp_path, read, registered):
    """The check on hand-written 256 x 16 RAMs: an asynchronous read (address through logic, or
    from an input) is rejected; the registered read of the RTL passes."""
    top = "ram_" + ("sync" if registered else "async")
    path = tmp_path / f"{top}.v"
    path.write_text(ASYNC_RAM.format(top=top, read=read))
    mems = memory_ports(path, top)
    assert [(m.name, m.entries, m.width) for m in mems] == [("mem", 256, 16)]
    bad = unregistered_memories(mems, MIN_ENTRIES)
    assert (bad == []) == registered
    assert unregistered_memories(mems, 257) == []          # below the size threshold: allowed
    assert unregistered_memories(mems, MIN_ENTRIES, {"mem": "listed"}) == []
