"""Registration of the SIG unit's blocks and proof jobs (discovered by fast_prefill.blocks)."""

from myhdl import Signal, intbv

from ...blocks import BlockSpec, clock_and_reset, stream_ports
from ...verify.proof_jobs import ProofJob
from .list_builder import index_width, sig_list_builder
from .cover_count import cover_count_widths, sig_cover_count
from .liveness import sig_liveness
from .pool import pool_widths, sig_pool
from .probe import probe_widths, sig_probe
from .top_m import sig_top_m, top_m_widths


def _builder_ports(params: dict) -> dict:
    iw = index_width(params["max_blocks"])
    return {**clock_and_reset(), **stream_ports("s_sel", iw + 3), **stream_ports("s_extra", 2 * iw + 1),
            **stream_ports("m", 2 * iw + 2)}


def _liveness_ports(params: dict) -> dict:
    iw = index_width(params["max_blocks"])
    return {**clock_and_reset(), **stream_ports("s", 2 * iw + 2), **stream_ports("m", 3 * iw + 4)}


def _top_m_ports(params: dict) -> dict:
    iw, _, pw = top_m_widths(params["max_n"], params["width"], params["div_shift"])
    return {**clock_and_reset(), **stream_ports("s", pw + 1), **stream_ports("m", iw + 1)}


def _top_m_params(cfg) -> dict:
    # Pooled scores at the golden defaults (FixedPointConfig(block_size, max_seq_len).pooled_bits:
    # A + 1 + 2 log2 B), budgets in blocks: min 1024 tokens, no maximum, divisor = the block size.
    lb = cfg.block_size.bit_length() - 1
    return {"max_n": cfg.max_blocks, "width": 16 + 1 + 2 * lb, "hist_bits": 4, "div_shift": 7,
            "min_m": max(1, -(-1024 // cfg.block_size)), "max_m": cfg.max_blocks}


def _cover_ports(params: dict) -> dict:
    iw, pw = cover_count_widths(params["max_n"], params["width"], params["sum_width"])
    return {**clock_and_reset(), **stream_ports("s", pw + 1), **stream_ports("m", iw + 2)}


def _cover_params(cfg) -> dict:
    # The probe accumulators at the golden defaults: probe_acc_bits = A + 1 + log2 B values,
    # max_seq_len of them, sums of total_bits = probe_acc_bits + log2 max_seq_len.
    acc = 16 + 1 + (cfg.block_size.bit_length() - 1)
    return {"max_n": cfg.max_seq_len, "width": acc, "hist_bits": cfg.sig_cover_hist_bits,
            "sum_width": acc + (cfg.max_seq_len.bit_length() - 1)}


def _probe_ports(params: dict) -> dict:
    w = probe_widths(params["block_size"], params["head_dim"], params["max_n"], params["mult_bits"],
                     params["acc_frac"], params.get("heads_per_pass", 1))
    return {**clock_and_reset(), **stream_ports("s_hdr", w["hdr"]), **stream_ports("s_q", w["kq"]),
            **stream_ports("s_k", w["kq"]), **stream_ports("m", w["out"])}


PROBE_FIXED = ("mult_bits", "logit_frac", "logit_bits", "exp_lut_bits", "prob_frac", "recip_frac", "acc_frac")


def _probe_params(cfg) -> dict:
    # FixedPointConfig defaults (docs/formats.md); sizes from the preset.
    return {"block_size": cfg.block_size, "head_dim": cfg.head_dim, "max_n": cfg.max_seq_len,
            "heads_per_pass": cfg.sig_heads_per_pass, "rows_per_key": cfg.sig_probe_rows, "mult_bits": 16,
            "logit_frac": 8, "logit_bits": 24, "exp_lut_bits": 8, "prob_frac": 15, "recip_frac": 16, "acc_frac": 16}


def _pool_ports(params: dict) -> dict:
    w = pool_widths(params["block_size"], params["max_n"], params["acc_width"])
    return {**clock_and_reset(), **stream_ports("s_hdr", w["iwn"]), **stream_ports("s", w["in"]),
            **stream_ports("m", w["out"])}


def liveness_max_accesses(max_blocks: int) -> int:
    """Entries of the liveness access buffer of a build with ``max_blocks`` key blocks: a dense head's
    ``max_blocks (max_blocks + 1) / 2`` accesses, the most any head of ``nb <= max_blocks`` blocks can
    have (every list is a subset of its causal row), so the kernel accepts every ``N <=
    max_seq_len`` (``tiny``: 8,256; ``u280``: 524,800 words of 33 bits, 129 of the U280's 960
    URAM288). Documented in docs/sig.md."""
    return max_blocks * (max_blocks + 1) // 2


def _liveness_params(cfg) -> dict:
    return {"max_blocks": cfg.max_blocks, "max_accesses": liveness_max_accesses(cfg.max_blocks)}


BLOCKS = [
    BlockSpec(
        name="sig_list_builder",
        factory=sig_list_builder,
        ports=_builder_ports,
        params=lambda cfg: {"max_blocks": cfg.max_blocks},
        streams_in=("s_sel", "s_extra"), streams_out=("m",), hdl_params=("max_blocks",),
        summary="SIG block-list builder: per-row ascending key-block lists with row-end marker",
    ),
    BlockSpec(
        name="sig_liveness",
        factory=sig_liveness,
        ports=_liveness_ports,
        params=_liveness_params,
        streams_in=("s",), streams_out=("m",), hdl_params=("max_blocks", "max_accesses"),
        summary="SIG liveness annotator: next-use row (or dead) and pinnable flag per access",
    ),
]

BLOCKS.append(BlockSpec(
    name="sig_top_m",
    factory=sig_top_m,
    ports=_top_m_ports,
    params=_top_m_params,
    streams_in=("s",), streams_out=("m",),
    hdl_params=("max_n", "width", "hist_bits", "div_shift", "min_m", "max_m"),
    summary="SIG coverage select: budget clamp, radix top-m with forced index 0, ascending emission",
))

BLOCKS.append(BlockSpec(
    name="sig_cover_count",
    factory=sig_cover_count,
    ports=_cover_ports,
    params=_cover_params,
    streams_in=("s",), streams_out=("m",), hdl_params=("max_n", "width", "hist_bits", "sum_width"),
    summary="SIG coverage count: radix/histogram threshold search (no sort) and the final division",
))

BLOCKS.append(BlockSpec(
    name="sig_probe",
    factory=sig_probe,
    ports=_probe_ports,
    params=_probe_params,
    streams_in=("s_hdr", "s_q", "s_k"), streams_out=("m",),
    hdl_params=("block_size", "head_dim", "max_n", "heads_per_pass", "rows_per_key") + PROBE_FIXED,
    summary="SIG score pipeline: two passes over K, running max/exp-sum, vertical and slash accumulators",
))

BLOCKS.append(BlockSpec(
    name="sig_pool",
    factory=sig_pool,
    ports=_pool_ports,
    params=lambda cfg: {"block_size": cfg.block_size, "max_n": cfg.max_seq_len,
                        "acc_width": 16 + 1 + (cfg.block_size.bit_length() - 1)},
    streams_in=("s_hdr", "s"), streams_out=("m",), hdl_params=("block_size", "max_n", "acc_width"),
    summary="SIG block pooling of the vertical/slash accumulators and their total mass",
))

PROOF_JOBS = [
    ProofJob("sig_list_builder_b4", "sig_list_builder", {"max_blocks": 4}, "sig_list_builder.sv", 14, 28),
    ProofJob("sig_top_m_n4", "sig_top_m", {"max_n": 4, "width": 3, "hist_bits": 2, "div_shift": 1, "min_m": 2,
                                           "max_m": 3}, "sig_top_m.sv", 6, 30),
    ProofJob("sig_list_builder_b8", "sig_list_builder", {"max_blocks": 8}, "sig_list_builder.sv", 4, 30),
]


# ---------------------------------------------------------------------------- whole head
from ..axi.specs import axi_read_ports  # noqa: E402
from .head import HeadGeometry, sig_head  # noqa: E402

HEAD_HDL = ("block_size", "head_dim", "max_seq_len", "max_accesses", "hist_bits", "div_shift", "burst_beats",
            "max_outstanding", "heads_per_pass", "probe_rows", "cover_hist_bits")


def head_params(cfg) -> dict:
    """``sig_head`` at a preset: sizes from the config, the liveness buffer as ``sig_liveness``
    (``liveness_max_accesses``), budget divisor 128 (``div_shift = 7``)."""
    return {"block_size": cfg.block_size, "head_dim": cfg.head_dim, "max_seq_len": cfg.max_seq_len,
            "hbm_data_width": cfg.hbm_data_width, "max_accesses": liveness_max_accesses(cfg.max_blocks),
            "hist_bits": 4,
            "div_shift": 7, "burst_beats": min(64, 4096 * 8 // cfg.hbm_data_width),
            "max_outstanding": min(cfg.max_outstanding_bursts, 16), "heads_per_pass": cfg.sig_heads_per_pass,
            "probe_rows": cfg.sig_probe_rows, "cover_hist_bits": cfg.sig_cover_hist_bits}


def head_ports(params: dict) -> dict:
    g = HeadGeometry(**params)
    b, v = (lambda: Signal(bool(0))), (lambda w: Signal(intbv(0)[w:]))
    return {**clock_and_reset(), "start": b(), "nb": v(g.iw + 1), "q_base": v(64), "k_base": v(64),
            "mult": v(16), "shift": v(6), "gamma": v(17), "min_blocks": v(g.iw + 1), "max_blocks": v(g.iw + 1),
            "tau_th": v(32), **axi_read_ports("m_axi_q", g.hw), **axi_read_ports("m_axi_k", g.hw),
            **stream_ports("m", g.acc_width), "busy": b(), "reads_done": b(), "done": b(), "err": b(),
            "query_aware": b(), **({"run_first": b(), "run_heads_m1": v(g.gw)} if g.S > 1 else {})}


BLOCKS.append(BlockSpec(
    name="sig_head",
    factory=sig_head,
    ports=head_ports,
    params=head_params,
    streams_out=("m",),
    hdl_params=HEAD_HDL,
    summary="SIG of one head: Q/K AXI4 reads, probe, pooling, cover counts, budgets, top-m, lists, liveness",
))

# ---- query-aware decision and pooled selection (block sums, JS test, pooled block select)
from .block_sum import block_sum_widths, sig_block_sum  # noqa: E402
from .decision import decision_widths, sig_decision  # noqa: E402

SIG_QA_FIXED = ("mult_bits", "logit_frac", "logit_bits", "exp_lut_bits", "prob_frac", "recip_frac", "acc_frac")


def _block_sum_ports(params: dict) -> dict:
    w = block_sum_widths(params["block_size"], params["head_dim"])
    return {**clock_and_reset(), **stream_ports("s", w["in"]), **stream_ports("m", w["out"])}


def _qa_params(cfg) -> dict:
    # FixedPointConfig defaults (docs/formats.md); sizes from the preset (nb <= max_blocks).
    return {"block_size": cfg.block_size, "head_dim": cfg.head_dim, "max_blocks": cfg.max_blocks, "mult_bits": 16,
            "logit_frac": 8, "logit_bits": 24, "exp_lut_bits": 8, "prob_frac": 15, "recip_frac": 16, "acc_frac": 16}


def _decision_ports(params: dict) -> dict:
    w = decision_widths(params["block_size"], params["head_dim"], params["max_blocks"], params["mult_bits"],
                        params["acc_frac"], params["log_frac"])
    return {**clock_and_reset(), **stream_ports("s_hdr", w["hdr"]), **stream_ports("s_q", w["bsum"]),
            **stream_ports("s_k", w["bsum"]), **stream_ports("s_pv", w["pv"]), **stream_ports("m", w["out"])}


BLOCKS.append(BlockSpec(
    name="sig_block_sum",
    factory=sig_block_sum,
    ports=_block_sum_ports,
    params=lambda cfg: {"block_size": cfg.block_size, "head_dim": cfg.head_dim},
    streams_in=("s",), streams_out=("m",), hdl_params=("block_size", "head_dim"),
    summary="SIG block sum: D signed column sums per block of B INT8 rows",
))

BLOCKS.append(BlockSpec(
    name="sig_decision",
    factory=sig_decision,
    ports=_decision_ports,
    params=lambda cfg: {**_qa_params(cfg), "log_lut_bits": 8, "log_frac": 12},
    streams_in=("s_hdr", "s_q", "s_k", "s_pv"), streams_out=("m",),
    hdl_params=("block_size", "head_dim", "max_blocks") + SIG_QA_FIXED + ("log_lut_bits", "log_frac"),
    summary="SIG query-aware decision: block-mean softmax vs normalised pooled vertical, sqrt-JS test",
))

from .pooled_select import pooled_select_widths, sig_pooled_select  # noqa: E402


def _pooled_ports(params: dict) -> dict:
    w = pooled_select_widths(params["block_size"], params["head_dim"], params["max_blocks"], params["mult_bits"],
                             params["acc_frac"], params["gamma_frac"], params["hist_bits"])
    return {**clock_and_reset(), **stream_ports("s_hdr", w["hdr"]), **stream_ports("s_k", w["bsum"]),
            **stream_ports("s_q", w["bsum"]), **stream_ports("m", w["out"])}


BLOCKS.append(BlockSpec(
    name="sig_pooled_select",
    factory=sig_pooled_select,
    ports=_pooled_ports,
    params=lambda cfg: {**_qa_params(cfg), "gamma_frac": 16, "hist_bits": 4},
    streams_in=("s_hdr", "s_k", "s_q"), streams_out=("m",),
    hdl_params=("block_size", "head_dim", "max_blocks") + SIG_QA_FIXED + ("gamma_frac", "hist_bits"),
    summary="SIG query-aware pooled selection: causal block softmax, coverage count, top-keep, ascending (row, col)",
))

# Small-parameter proof of sig_pooled_select's output contract (ordering, causality, end beats).
POOLED_PROOF = {"block_size": 2, "head_dim": 1, "max_blocks": 3, "mult_bits": 4, "logit_frac": 1, "logit_bits": 12,
                "exp_lut_bits": 1, "prob_frac": 4, "recip_frac": 4, "acc_frac": 4, "gamma_frac": 4, "hist_bits": 3}
PROOF_JOBS.append(ProofJob("sig_pooled_select_b3", "sig_pooled_select", POOLED_PROOF, "sig_pooled_select.sv", 6, 24))
