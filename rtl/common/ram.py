"""One RAM primitive for the RTL: one write port, one registered read port, no reset.

``ram_1r1w``: ``mem[waddr] <= wdata`` at a rising edge with ``we``; ``rdata <= mem[raddr]`` at every
rising edge, or with a read enable ``re`` at those where it is high (read latency 1; a read of the
address being written returns the old word). The
memory has ``2**len(waddr)`` words of ``len(wdata)`` bits. Vivado infers block RAM, UltraRAM or
LUT RAM from this form (docs/design.md section 5: registered reads only).
"""

from __future__ import annotations

from myhdl import Signal, always, block, intbv

from .params import check_int


@block
def ram_1r1w(clk, we, waddr, wdata, raddr, rdata, re=None):
    """``re``: a read enable (``rdata`` holds while it is low); None: a read every cycle."""
    if len(raddr) != len(waddr):
        raise ValueError(f"ram_1r1w field 'raddr' width = {len(raddr)} is not allowed: must equal waddr's ({len(waddr)})")
    if len(rdata) != len(wdata):
        raise ValueError(f"ram_1r1w field 'rdata' width = {len(rdata)} is not allowed: must equal wdata's ({len(wdata)})")
    mem = [Signal(intbv(0)[len(wdata):]) for _ in range(1 << len(waddr))]

    @always(clk.posedge)
    def write():
        if we:
            mem[waddr].next = wdata

    if re is None:
        @always(clk.posedge)
        def read():
            rdata.next = mem[raddr]
    else:
        @always(clk.posedge)
        def read():
            if re:
                rdata.next = mem[raddr]

    return write, read


@block
def ram_deep(clk, we, waddr, wdata, raddr, rdata, depth=2, tag="mem"):
    """``ram_1r1w`` for deep memories: ``depth`` words (any integer in ``[2, 2**len(waddr)]``, not
    only a power of two), the same ports and timing (read-first, latency 1; an address at or above
    ``depth`` must not be used). The Verilog is written by hand (MyHDL's user-defined code) and the
    simulation model keeps the words in a Python list instead of one Signal per word, so a memory of
    half a million words converts and simulates without half a million Signals. Vivado (and
    ``convert.tag_uram`` at 32,768 words or more: UltraRAM) infers the RAM from the Verilog."""
    if len(raddr) != len(waddr):
        raise ValueError(f"ram_deep field 'raddr' width = {len(raddr)} is not allowed: must equal waddr's ({len(waddr)})")
    if len(rdata) != len(wdata):
        raise ValueError(f"ram_deep field 'rdata' width = {len(rdata)} is not allowed: must equal wdata's ({len(wdata)})")
    check_int("ram_deep", "depth", depth, 2, 1 << len(waddr))
    if not tag.isidentifier():
        raise ValueError(f"ram_deep field 'tag' = {tag!r} is not allowed: must be a Verilog identifier")
    W = len(wdata)
    DEPTH = depth
    MEM = f"{tag}_mem"
    mem = [0] * depth   # simulation model only; the converted module uses the Verilog below

    @always(clk.posedge)
    def port():
        a = int(raddr)
        rdata.next = mem[a] if a < depth else 0   # out of range: undefined in the Verilog
        if we and int(waddr) < depth:             # out of range: no word written, as in the Verilog
            mem[int(waddr)] = int(wdata)

    rdata.driven = "reg"
    for s in (clk, we, waddr, wdata, raddr):
        s.read = True
    ram_deep.verilog_code = (
        "reg [$W-1:0] $MEM [0:$DEPTH-1];\n"
        "always @(posedge $clk) begin\n"
        "    $rdata <= $MEM[$raddr];\n"
        "    if ($we) $MEM[$waddr] <= $wdata;\n"
        "end\n"
    )
    return port
