"""Planted bugs of the attention path (tests/rtl/top/test_attention_path.py,
tests/verify/test_top_attention_formal.py): exact edits of the converted Verilog that the Hypothesis
golden comparison (``attention_path``) and the row controller's proof (``top_row_control``) reject."""

from __future__ import annotations

from ..convert import Mutant


def o_addr_off_by_one_row(o_row_bytes: int) -> Mutant:
    """The O write of row ``r`` goes to row ``r + 1``'s address (the running address starts one row
    late). Applies to ``top_row_control`` and to ``attention_path`` (flattened name ``..._o_addr``)."""
    return Mutant("o_addr_off_by_one_row", "o_addr <= o_base;", f"o_addr <= (o_base + {o_row_bytes});")


def dead_not_all_ones(row_bits: int) -> Mutant:
    """A dead access reaches the KV cache as ``next_use = 0`` instead of DEAD (all ones): the cache
    keeps dead blocks and evicts live ones, so its HBM reads exceed golden ``liveness_reads``."""
    return Mutant("dead_not_all_ones", f"req_nu = {(1 << (row_bits + 1)) - 1};", "req_nu = 0;")


def gqa_kv_base_every_head() -> Mutant:
    """Kernel top level ``fast_prefill``: the path's K/V bases advance after every query head instead of
    after each GQA group, so the second head of a group reads the next (absent) KV head's K and V."""
    return Mutant("gqa_kv_base_every_head", "if (last_in_group_p) begin", "if (1'b1) begin")


def sig_starts_after_error() -> Mutant:
    """Kernel top level: the SIG issuer ignores an error seen (``stop``) and starts further heads."""
    return Mutant("sig_starts_after_error", "sig_go = ((ss == 2'b00) && (hs != a_h) && (!stop) && (!sig_busy));",
                  "sig_go = ((ss == 2'b00) && (hs != a_h) && (!sig_busy));")


def path_before_its_sig() -> Mutant:
    """Kernel top level: the path issuer starts a head whenever the FIFO has an access, also one whose
    SIG has not started (the next head's count is not checked)."""
    return Mutant("path_before_its_sig", "path_go = ((ps == 2'b00) && (hp != hs) && (!path_busy) && pa_valid);",
                  "path_go = ((ps == 2'b00) && (!path_busy) && pa_valid);")
