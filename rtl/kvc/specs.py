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


def _axi_ports(p: dict, prefix: str = "m_axi_") -> dict:
    axw = p["axi_width"]
    return {prefix + k: v for k, v in (
        ("arvalid", _sig()), ("arready", _sig()), ("araddr", _sig(ADDR_BITS)), ("arlen", _sig(8)),
        ("arsize", _sig(3)), ("arburst", _sig(2)), ("arid", _sig(ID_BITS)), ("rvalid", _sig()),
        ("rready", _sig()), ("rdata", _sig(axw)), ("rresp", _sig(2)), ("rlast", _sig()), ("rid", _sig(ID_BITS)))}


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
    """``row_beats`` (default 1): AXI beats per response word, ``m_data`` = ``row_beats * axi_width``;
    ``kv_read_ports`` (default 1): 2 adds the V fill's AXI port ``m_axi_v_*`` (the split fill)."""
    tb = p["tag_bits"]
    v = _axi_ports(p, "m_axi_v_") if p.get("kv_read_ports", 1) == 2 else {}
    return {**clock_and_reset(), "n_blocks": _sig(tb + 1), "k_base": _sig(ADDR_BITS), "v_base": _sig(ADDR_BITS),
            **stream_ports("s", request_width(tb)), **stream_ports("m", p.get("row_beats", 1) * p["axi_width"]), **_axi_ports(p),
            "err_axi": _sig(), "err_req": _sig(), **v}


def cache_params(cfg) -> dict:
    g = geometry(cfg)
    return {"tag_bits": g["tag_bits"], "axi_width": cfg.hbm_data_width, "pinned": cfg.pinned_tier_blocks,
            "managed": cfg.managed_tier_blocks, "half_beats": g["half_beats"], "burst_beats": g["burst_beats"],
            "prefetch_depth": cfg.prefetch_depth, "max_outstanding": cfg.max_outstanding_bursts, "axi_id": 0,
            "row_beats": g["row_beats"], "kv_read_ports": cfg.kv_read_ports}


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
                            "max_outstanding": cfg.max_outstanding_bursts, "axi_id": 0, "part": "kv"},
        hdl_params=("half_beats", "burst_beats", "max_outstanding", "axi_id", "part"),
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
    # odd line counts: the lookup tree pads 5 lines to 8 leaves (a node of padding only), the
    # managed trees pad 3 lines to 4 and have an inner level
    ProofJob("kvc_tag_store_l5", "kvc_tag_store", {"tag_bits": 3, "pinned": 2, "managed": 3, "max_readers": 2},
             "kvc_tag_store.sv", 10, 24),
    ProofJob("kvc_axi_read_master", "kvc_axi_read_master",
             {"tag_bits": 2, "line_bits": 2, "axi_width": 16, "half_beats": 2, "burst_beats": 1,
              "max_outstanding": 2, "axi_id": 1, "part": "kv"}, "axi_read_master.sv", 8, 20),
    # the split fill's two masters (kv_read_ports = 2): the K half only, the V half only
    *(ProofJob(f"kvc_axi_read_master_{part}", "kvc_axi_read_master",
               {"tag_bits": 2, "line_bits": 2, "axi_width": 16, "half_beats": 4, "burst_beats": 2,
                "max_outstanding": 2, "axi_id": 1, "part": part}, "axi_read_master.sv", 8, 16) for part in "kv"),
    # Whole cache, tiny (verify/properties/kvc_cache.sv): 1 pinned + 2 managed lines, 2-bit tags,
    # 8-bit beats, a block half = one 2-beat burst, 2 bursts in flight; without and with prefetch.
    ProofJob("kvc_cache", "kv_cache",
             {"tag_bits": 2, "axi_width": 8, "pinned": 1, "managed": 2, "half_beats": 2, "burst_beats": 2,
              "prefetch_depth": 0, "max_outstanding": 2, "axi_id": 1, "row_beats": 1}, "kvc_cache.sv", 4, 28),
    ProofJob("kvc_cache_pf1", "kv_cache",
             {"tag_bits": 2, "axi_width": 8, "pinned": 1, "managed": 2, "half_beats": 2, "burst_beats": 2,
              "prefetch_depth": 1, "max_outstanding": 2, "axi_id": 1, "row_beats": 1}, "kvc_cache.sv", 4, 28),
    # response words of two beats (the fill packs a K/V row of 8 D / W beats): 8-bit beats, a
    # block half = one 2-beat burst = one 16-bit word
    ProofJob("kvc_cache_rows", "kv_cache",
             {"tag_bits": 2, "axi_width": 8, "pinned": 1, "managed": 2, "half_beats": 2, "burst_beats": 2,
              "prefetch_depth": 1, "max_outstanding": 2, "axi_id": 1, "row_beats": 2}, "kvc_cache.sv", 4, 24),
    # the split fill (kv_read_ports = 2, both presets): K and V halves on two ports, bounded from reset
    # (kvc_cache_split.sv says what is and is not proved)
    ProofJob("kvc_cache_split_bmc", "kv_cache",
             {"tag_bits": 2, "axi_width": 8, "pinned": 1, "managed": 2, "half_beats": 2, "burst_beats": 2,
              "prefetch_depth": 1, "max_outstanding": 2, "axi_id": 1, "row_beats": 1, "kv_read_ports": 2},
             "kvc_cache_split.sv", 18, 22, mode="bmc"),
]
