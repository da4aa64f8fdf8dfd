"""Planted bugs of the SIG unit (tests/verify/test_sig_planted_bugs.py).

Each mutant edits the *converted Verilog* of one SIG block, the artefact that is shipped, simulated
and proved. Every edit must match exactly once, so a mutant can never silently become a no-op.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..convert import ConversionError, Mutant


@dataclass(frozen=True)
class MultiMutant(Mutant):
    """A :class:`Mutant` with further exact edits (``more``: ``(find, replace)`` pairs, each found
    exactly once), for bugs that need a new register as well as changed logic."""

    more: tuple = ()

    def apply(self, text: str) -> str:
        text = super().apply(text)
        for find, replace in self.more:
            seen = text.count(find)
            if seen != 1:
                raise ConversionError(f"mutant '{self.name}': expected 1 occurrence of {find!r} "
                                      f"in the generated Verilog, found {seen}")
            text = text.replace(find, replace)
        return text


def builder_duplicate_on_coincidence() -> Mutant:
    """A builder that visits a candidate twice when both its vertical and its slash bit are set,
    so a block selected by a vertical block and a slash offset at once is emitted twice (the
    classic bug of merging the two sorted sources without dropping equal heads)."""
    # The scan steps along a row by moving c, the slash address and the read of the next position
    # together (list_scan, from ``step``): the mutant withholds ``step`` from the scan for one step
    # on a coincidence, while the builder still emits, so the same column (and its bits) is taken
    # again; ``mut_dup`` remembers the repeat. The bits are those of the position only from c = 1
    # on (a row's first position is always taken, its bits are not read); === : unknown until the
    # scan's first step along a row, in Icarus.
    hold = "((c_cnt != 0) && (vert_rd === 1'b1) && (slash_rd === 1'b1) && !mut_dup)"
    return MultiMutant(
        "builder_duplicate_on_coincidence",
        "reg dense;\n", "reg dense;\nreg mut_dup;\n",
        more=((".step(step),", f".step(step && !(!row_done && {hold})),"),
              ("        clr_we <= 0;\n", "        clr_we <= 0;\n        mut_dup <= 1'b0;\n"),
              ("clr_we <= (step && (r_cnt == last_row));", "clr_we <= (step && (r_cnt == last_row)); "
               f"mut_dup <= ((state == 3) && step && !row_done && {hold});")),
    )


def head_budget_off_by_one() -> Mutant:
    """A head whose vertical budget is ``(count >> div_shift) + 2`` instead of ``+ 1`` (the
    reference's ``count // 128 + 1`` misread): one vertical block too many whenever the budget is
    not clamped."""
    return Mutant("head_budget_off_by_one", "bud_v <= bud_in;", "bud_v <= (bud_in + 1);")


def head_header_skipped() -> Mutant:
    """A head whose buffer feed moves while the first cover count's header waits for the target
    (T * gamma takes two edges): the vertical count takes value 0 as its target."""
    return Mutant("head_header_skipped",
                  "assign go_n = ((state[3] || state[5]) && (tg_wait == 0) && cc_ready);",
                  "assign go_n = ((state[3] || state[5]) && cc_ready);")


def head_slash_row_minus_s_minus_1() -> Mutant:
    """A head that hands the builder slash offsets one too large, so row ``r`` gets block
    ``r - s - 1`` instead of ``r - s`` (an off-by-one in the offset pooling / mapping)."""
    return Mutant("head_slash_row_minus_s_minus_1",
                  "sl_data = {to_last, 2'h3, to_idx};", "sl_data = {to_last, 2'h3, to_idx + 5'd1};")


def head_qa_keeps_coverage_budget() -> Mutant:
    """A query-aware head that keeps the coverage budget for its vertical blocks instead of
    ``min_blocks`` (the golden ``nv = ns = minb`` for query-aware heads forgotten)."""
    return Mutant("head_qa_keeps_coverage_budget", "nv <= min_blocks;", "nv <= nv_c;")


# ---- shared K pass (heads_per_pass = S > 1): tests/verify/test_sig_head_planted_bugs.py
def probe_follower_reads_bank0() -> Mutant:
    """The probe emits bank 0 for every head of a shared pass (the bank index of the registered
    output read address dropped): the second head of a run gets the first head's vertical sums
    and its already cleared slash bank."""
    return Mutant("probe_follower_reads_bank0", "assign oidx_nx = {gout_nx, a_nx};",
                  "assign oidx_nx = {1'b0, a_nx};")


def probe_recip_from_head0(lq: int) -> Mutant:
    """Pass 2 takes every probe row's reciprocal 1/l from head 0's rows (a row's statistics read
    with the head index dropped, in the probe lane's module): the second head's probabilities use
    the first head's sums. ``lq`` = log2 of the rows per lane (``B / rows_per_key``)."""
    return Mutant("probe_recip_from_head0", "inv_r <= inv_mem[ridx_e4];",
                  f"inv_r <= inv_mem[{{1'b0, ridx_e4[{lq}-1:0]}}];")


# ---- r probe rows per key (rows_per_key = 2): tests/verify/test_sig_planted_bugs.py
def probe_bank_takes_own_lane() -> Mutant:
    """Slash bank 1 always takes lane 1's probability instead of lane ``(1 - d0) mod 2`` (the
    lane-to-bank rotation dropped): an odd offset's sum lands in the wrong bank."""
    return Mutant("probe_bank_takes_own_lane", "assign _slash_bank1_ub_c = (1 - d0_p[1-1:0]);",
                  "assign _slash_bank1_ub_c = 1;")


def probe_bank_address_no_carry(iwn: int) -> Mutant:
    """Slash bank 0 forgets the carry into its word address when lane 0's offset is odd (bank 0
    then holds offset ``d0 + 1``, one word further on): the sum is added one word too low.
    ``iwn`` = bits(max_n - 1)."""
    return Mutant("probe_bank_address_no_carry", f"_slash_bank0_s_lo = (d0_p[{iwn}-1:1] + 1);",
                  f"_slash_bank0_s_lo = d0_p[{iwn}-1:1];")


def head_follower_rereads_k() -> Mutant:
    """A follower head of a shared pass issues the two K passes again (the head's K pass not
    shared): outputs may still be right, the K byte count is not."""
    return Mutant("head_follower_rereads_k",
                  "if (fol_in) begin\n                    k_pend <= 0;",
                  "if (fol_in) begin\n                    k_pend <= 2;")


# ---- the histogram searches (tests/verify/test_sig_planted_bugs.py)
def top_m_last_early() -> Mutant:
    """sig_top_m marks ``last`` one selection early (the owed-count test off by one): the proof's
    contract (``last`` exactly on the final of min(m, n) beats) rejects it."""
    return Mutant("top_m_last_early", "assign owed1 = (owed == 1);", "assign owed1 = (owed == 2);")


def cover_count_rem_stale() -> Mutant:
    """sig_cover_count's digit scan passes a non-empty bin without taking its sum off the target
    left (``rem``): the threshold and the count come out wrong."""
    return Mutant("cover_count_rem_stale", "rem <= rem_n;", "rem <= rem;")


def cover_count_load_pass_memory() -> Mutant:
    """sig_cover_count's first pass, which runs with the load, histograms the memory's read (a stale
    word) instead of the value being loaded: the first digit comes out wrong."""
    return Mutant("cover_count_load_pass_memory", "v_hist = v_in;", "v_hist = v_mem;")


# ---- the liveness annotator (tests/verify/test_sig_planted_bugs.py)
def liveness_no_forward() -> Mutant:
    """sig_liveness's backward pass reads a block's entry without forwarding the entry written by the
    access just before: when two accesses next to each other in the stream use the same block (a
    row's last block is the next row's first), the earlier one gets a stale next use."""
    return Mutant("liveness_no_forward", "same2 <= (v2 && (q_blk == blk2));", "same2 <= 1'b0;")


def liveness_table_not_held() -> Mutant:
    """sig_liveness's emission keeps reading the per-block table at the incoming word's block while
    the output is stalled, so the held word leaves with another block's pinnable flag."""
    return Mutant("liveness_table_not_held", "tb_ra = blk2;", "tb_ra = q_blk;")
