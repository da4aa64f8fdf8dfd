"""Registration of the KV-cache unit's blocks and proof jobs (discovered by fast_prefill.blocks)."""

from __future__ import annotations

from myhdl import Signal, intbv

from ...blocks import BlockSpec, clock_and_reset, stream_ports
from ...verify.proof_jobs import ProofJob
from .axi_read_master import kvc_axi_read_master
from .kv_cache import kv_cache, request_width
from .tag_store import kvc_tag_store, line_bits

ADDR_BITS = 64
ID_BITS = 4


def _sig(width: int | None = None):
    return Signal(bool(0)) if width is None else Signal(intbv(0)[width:])


def geometry(cfg) -> dict:
    """Cache geometry of a configuration: tag bits, beats per K (or V) block, burst length."""
    axw = cfg.hbm_data_width
    half_bytes = cfg.block_size * cfg.head_dim * ((cfg.data_width + 7) // 8)
    half_beats = max(1, half_bytes * 8 // axw)
    burst = min(half_beats, 256, 4096 * 8 // axw)
    row_beats = max(1, cfg.head_dim * ((cfg.data_width + 7) // 8) * 8 // axw)
    return {"tag_bits": cfg.max_blocks.bit_length() - 1, "half_beats": half_beats, "burst_beats": burst,
            "half_bytes": half_beats * axw // 8, "row_beats": row_beats}


def _axi_ports(p: dict) -> dict:
    axw = p["axi_width"]
    return {"m_axi_arvalid": _sig(), "m_axi_arready": _sig(), "m_axi_araddr": _sig(ADDR_BITS),
            "m_axi_arlen": _sig(8), "m_axi_arsize": _sig(3), "m_axi_arburst": _sig(2),
            "m_axi_arid": _sig(ID_BITS), "m_axi_rvalid": _sig(), "m_axi_rready": _sig(),
            "m_axi_rdata": _sig(axw), "m_axi_rresp": _sig(2), "m_axi_rlast": _sig(), "m_axi_rid": _sig(ID_BITS)}


def tag_store_ports(p: dict) -> dict:
    tb, lw = p["tag_bits"], line_bits(p["pinned"] + p["managed"])
    return {**clock_and_reset(), "req_valid": _sig(), "req_ready": _sig(), "req_block": _sig(tb),
            "req_next_use": _sig(tb + 1), "req_pinnable": _sig(), "room": _sig(), "dec_line": _sig(lw),
            "dec_miss": _sig(), "rel_valid": _sig(), "rel_line": _sig(lw), "fill_valid": _sig(),
            "fill_line": _sig(lw), "q_line": _sig(lw), "q_loading": _sig()}


def master_ports(p: dict) -> dict:
    return {**clock_and_reset(), "cmd_valid": _sig(), "cmd_ready": _sig(), "cmd_line": _sig(p["line_bits"]),
            "cmd_block": _sig(p["tag_bits"]), "k_base": _sig(ADDR_BITS), "v_base": _sig(ADDR_BITS),
            **_axi_ports(p), "wr_en": _sig(), "wr_line": _sig(p["line_bits"]),
            "wr_off": _sig(p["half_beats"].bit_length()), "wr_data": _sig(p["axi_width"]),
            "fill_valid": _sig(), "fill_line": _sig(p["line_bits"]), "err": _sig()}


def cache_ports(p: dict) -> dict:
    """``row_beats`` (default 1): AXI beats per response word, ``m_data`` = ``row_beats * axi_width``."""
    tb = p["tag_bits"]
    return {**clock_and_reset(), "n_blocks": _sig(tb + 1), "k_base": _sig(ADDR_BITS), "v_base": _sig(ADDR_BITS),
            **stream_ports("s", request_width(tb)), **stream_ports("m", p.get("row_beats", 1) * p["axi_width"]), **_axi_ports(p),
            "err_axi": _sig(), "err_req": _sig()}


def cache_params(cfg) -> dict:
    g = geometry(cfg)
    return {"tag_bits": g["tag_bits"], "axi_width": cfg.hbm_data_width, "pinned": cfg.pinned_tier_blocks,
            "managed": cfg.managed_tier_blocks, "half_beats": g["half_beats"], "burst_beats": g["burst_beats"],
            "prefetch_depth": cfg.prefetch_depth, "max_outstanding": cfg.max_outstanding_bursts, "axi_id": 0,
            "row_beats": g["row_beats"]}


BLOCKS = [
    BlockSpec(
        name="kvc_tag_store",
        factory=kvc_tag_store,
        ports=tag_store_ports,
        params=lambda cfg: {"tag_bits": geometry(cfg)["tag_bits"], "pinned": cfg.pinned_tier_blocks,
                            "managed": cfg.managed_tier_blocks, "max_readers": cfg.prefetch_depth + 1},
        hdl_params=("pinned", "managed", "max_readers"),
        summary="KVC tag store: hit/miss, dual-tier placement, liveness eviction (dead first, farthest next use)",
    ),
    BlockSpec(
        name="kvc_axi_read_master",
        factory=kvc_axi_read_master,
        ports=master_ports,
        params=lambda cfg: {"tag_bits": geometry(cfg)["tag_bits"],
                            "line_bits": line_bits(cfg.pinned_tier_blocks + cfg.managed_tier_blocks),
                            "axi_width": cfg.hbm_data_width, "half_beats": geometry(cfg)["half_beats"],
                            "burst_beats": geometry(cfg)["burst_beats"],
                            "max_outstanding": cfg.max_outstanding_bursts, "axi_id": 0},
        hdl_params=("half_beats", "burst_beats", "max_outstanding", "axi_id"),
        summary="KVC AXI4 read master: K/V bursts per miss, outstanding limit, sticky RRESP error",
    ),
    BlockSpec(
        name="kv_cache",
        factory=kv_cache,
        ports=cache_ports,
        params=cache_params,
        streams_in=("s",), streams_out=("m",),
        hdl_params=("pinned", "managed", "half_beats", "burst_beats", "prefetch_depth", "max_outstanding", "axi_id"),
        summary="KV cache top: liveness dual-tier cache (URAM pinned + BRAM managed) with HBM prefetch",
    ),
]


PROOF_JOBS = [
    ProofJob("kvc_tag_store", "kvc_tag_store", {"tag_bits": 3, "pinned": 2, "managed": 2, "max_readers": 2},
             "kvc_tag_store.sv", 10, 14),
    ProofJob("kvc_axi_read_master", "kvc_axi_read_master",
             {"tag_bits": 2, "line_bits": 2, "axi_width": 16, "half_beats": 2, "burst_beats": 1,
              "max_outstanding": 2, "axi_id": 1}, "axi_read_master.sv", 8, 16),
    # Whole cache, tiny (verify/properties/kvc_cache.sv): 1 pinned + 2 managed lines, 2-bit tags,
    # 8-bit beats, a block half = one 2-beat burst, 2 bursts in flight; without and with prefetch.
    ProofJob("kvc_cache", "kv_cache",
             {"tag_bits": 2, "axi_width": 8, "pinned": 1, "managed": 2, "half_beats": 2, "burst_beats": 2,
              "prefetch_depth": 0, "max_outstanding": 2, "axi_id": 1, "row_beats": 1}, "kvc_cache.sv", 4, 24),
    ProofJob("kvc_cache_pf1", "kv_cache",
             {"tag_bits": 2, "axi_width": 8, "pinned": 1, "managed": 2, "half_beats": 2, "burst_beats": 2,
              "prefetch_depth": 1, "max_outstanding": 2, "axi_id": 1, "row_beats": 1}, "kvc_cache.sv", 4, 24),
    # response words of two beats (the fill packs a K/V row of 8 D / W beats): 8-bit beats, a
    # block half = one 2-beat burst = one 16-bit word
    ProofJob("kvc_cache_rows", "kv_cache",
             {"tag_bits": 2, "axi_width": 8, "pinned": 1, "managed": 2, "half_beats": 2, "burst_beats": 2,
              "prefetch_depth": 1, "max_outstanding": 2, "axi_id": 1, "row_beats": 2}, "kvc_cache.sv", 4, 24),
]
