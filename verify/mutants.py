"""Planted bugs that the checkers must reject (tests/verify/test_planted_bugs.py).

Each mutant edits the *converted Verilog* of one block, the artefact that is shipped, simulated
and proved. :class:`fast_prefill.convert.Mutant` refuses to apply when its text is not found, so a
mutant can never silently become a no-op.
"""

from __future__ import annotations

from ..convert import Mutant


def fifo_drop_when_full(depth: int) -> Mutant:
    """``s_ready`` stuck high: a full FIFO accepts a beat it cannot store, so it is lost."""
    return Mutant("fifo_drop_when_full", f"assign s_ready = (count < {depth});", "assign s_ready = 1'b1;")


def ram_fifo_read_without_room() -> Mutant:
    """stream_ram_fifo issues a RAM read while a word is in flight and one output register is taken
    but not leaving: the word lands on top of two held beats and the oldest one is overwritten."""
    return Mutant("ram_fifo_read_without_room", "issue = ((out_count == 0) || ((out_count == 1) && pop));",
                  "issue = ((out_count != 2) || pop);")


def skid_overwrite(width: int) -> Mutant:
    """The skid register is never used: a beat accepted while the sink stalls is lost."""
    return Mutant("skid_overwrite", "skid_valid <= 1'b1;", "skid_valid <= 1'b0;")


def axil_bvalid_drops() -> Mutant:
    """The write response is withdrawn after one cycle whether or not the master took it."""
    return Mutant("axil_bvalid_drops", "else if ((b_valid && s_axi_control_bready)) begin", "else if (b_valid) begin")


def reader_no_credit_check(burst_beats: int, fifo_depth: int) -> Mutant:
    """Bursts are issued without reserving FIFO room: under back-pressure a returned beat is lost."""
    return Mutant("reader_no_credit_check", f"($signed({{1'b0, reserved}}) <= ({fifo_depth} - {burst_beats}))", "1'b1")


def arbiter_no_hold() -> Mutant:
    """axi_read_arbiter without the hold: the grant can move to the other side while the granted
    side's ARVALID waits, so the shared port's AR payload changes before ARREADY."""
    return Mutant("arbiter_no_hold", "if (hold) begin", "if (1'b0) begin")


def arbiter_route_inverted(b_id: int) -> Mutant:
    """axi_read_arbiter routes R beats by ``rid != b_id``: every beat goes to the wrong master."""
    return Mutant("arbiter_route_inverted", f"assign to_b = (m_rid == {b_id});", f"assign to_b = (m_rid != {b_id});")


def reader_wrap_burst() -> Mutant:
    """axi_stream_reader asks for WRAP bursts (ARBURST = 2): the shared AXI rule (INCR only,
    ``FP_ASSERT_AXI_INCR_BURST`` in verify/properties/common.svh) must reject it."""
    return Mutant("reader_wrap_burst", "assign m_axi_arburst = 1;", "assign m_axi_arburst = 2;")


def reader_crosses_4k() -> Mutant:
    """axi_stream_reader's bursts start 4092 bytes past their address: a burst of more than one
    4-byte beat crosses a 4 KiB boundary (AXI4 A3.4.1; the same shared rule)."""
    return Mutant("reader_crosses_4k", "assign m_axi_araddr = ar_addr;", "assign m_axi_araddr = (ar_addr + 4092);")


def writer_early_wlast() -> Mutant:
    """WLAST one beat early: the burst's length and its W beats disagree."""
    return Mutant("writer_early_wlast", "m_axi_wlast = (burst_left == 1);", "m_axi_wlast = (burst_left == 2);")


def kernel_axi_reset_gate_removed() -> Mutant:
    """The kernel's AXI ports are not held quiet around reset (the behaviour before the fix): the
    control slave's READYs are high while the synchronised reset still holds the logic, and a VALID
    stays high in the cycle after ap_rst_n is sampled low."""
    return Mutant("kernel_axi_reset_gate_removed", "axi_live <= (ap_rst_n && (!rst_sync_s0));", "axi_live <= 1'b1;")


def ram_bypass_dropped() -> Mutant:
    """A RAM whose read ignores the write of the same edge (the bypass multiplexer removed): a read
    that meets a write returns the old word."""
    return Mutant("ram_bypass_dropped", "assign rdata = hit_r ? byp : q;", "assign rdata = q;")


def ram_bypass_late_word() -> Mutant:
    """A bypass register loaded only on a hit, one edge late: it forwards the word written before."""
    return Mutant("ram_bypass_late_word", "    byp <= wdata;\n", "    if (hit_r) byp <= wdata;\n")
