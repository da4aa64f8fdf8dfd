"""KVC tier memory: a simple dual-port RAM (one write port, one registered read port).

Computes: on a rising edge, ``rdata <= mem[raddr]`` when ``re`` (the old word if the same address is
written in that edge) and ``mem[waddr] <= wdata`` when ``we``. Read latency one cycle; one read and
one write per cycle. No reset (docs/design.md section 5), so it maps to block RAM.

The Verilog is written by hand (MyHDL's user-defined code) so that the memory carries the Vivado
inference attribute ``(* ram_style = "<style>" *)``: ``"ultra"`` (URAM288) for the pinned tier and
``"block"`` (BRAM36) for the managed tier at U280 sizes. The MyHDL simulation model below behaves
the same way, cycle for cycle; co-simulation runs the hand-written Verilog.
"""

from __future__ import annotations

from myhdl import always, block

STYLES = ("ultra", "block", "distributed", "registers")


@block
def kvc_tier_ram(clk, we, waddr, wdata, re, raddr, rdata, style="block", tag="ram"):
    if style not in STYLES:
        raise ValueError(f"kvc_tier_ram field 'style' = {style!r} is not allowed: must be one of {STYLES}")
    if len(waddr) != len(raddr) or len(wdata) != len(rdata):
        raise ValueError(f"kvc_tier_ram field 'raddr'/'rdata' widths ({len(raddr)}, {len(rdata)}) are not allowed: "
                         f"must equal waddr/wdata widths ({len(waddr)}, {len(wdata)})")
    W = len(wdata)
    DEPTH = 1 << len(waddr)
    MEM = f"{tag}_mem"
    mem = [0] * DEPTH  # simulation model only; the converted module uses the Verilog below

    @always(clk.posedge)
    def port():
        if re:
            rdata.next = mem[int(raddr)]
        if we:
            mem[int(waddr)] = int(wdata)

    rdata.driven = "reg"
    for s in (clk, we, waddr, wdata, re, raddr):
        s.read = True
    kvc_tier_ram.verilog_code = (
        '(* ram_style = "$style" *) reg [$W-1:0] $MEM [0:$DEPTH-1];\n'
        "always @(posedge $clk) begin\n"
        "    if ($re) $rdata <= $MEM[$raddr];\n"
        "    if ($we) $MEM[$waddr] <= $wdata;\n"
        "end\n"
    )
    return port
