"""Registration of the top-level unit's blocks and proof jobs (discovered by fast_prefill.blocks)."""

from myhdl import Signal, intbv

from ...blocks import BlockSpec, clock_and_reset
from ...verify.proof_jobs import ProofJob
from .axil_control import axil_control
from .regmap import RegisterMap


def axil_ports(prefix: str, addr_width: int) -> dict:
    """Signals of one AXI4-Lite slave port named ``<prefix>_awvalid`` ... ``<prefix>_rresp``."""
    b, v = (lambda: Signal(bool(0))), (lambda w: Signal(intbv(0)[w:]))
    return {
        f"{prefix}_awvalid": b(), f"{prefix}_awready": b(), f"{prefix}_awaddr": v(addr_width),
        f"{prefix}_wvalid": b(), f"{prefix}_wready": b(), f"{prefix}_wdata": v(32), f"{prefix}_wstrb": v(4),
        f"{prefix}_bvalid": b(), f"{prefix}_bready": b(), f"{prefix}_bresp": v(2),
        f"{prefix}_arvalid": b(), f"{prefix}_arready": b(), f"{prefix}_araddr": v(addr_width),
        f"{prefix}_rvalid": b(), f"{prefix}_rready": b(), f"{prefix}_rdata": v(32), f"{prefix}_rresp": v(2),
    }


def _control_ports(params: dict) -> dict:
    rm = RegisterMap()
    return {
        **clock_and_reset(), **axil_ports("s_axi_control", rm.addr_width),
        "interrupt": Signal(bool(0)), "ap_start": Signal(bool(0)), "ap_done": Signal(bool(0)),
        "ap_ready": Signal(bool(0)), "ap_idle": Signal(bool(0)),
        "args": Signal(intbv(0)[rm.args_width:]), "status": Signal(intbv(0)[32:]),
    }


BLOCKS = [
    BlockSpec(
        name="axil_control",
        factory=axil_control,
        ports=_control_ports,
        params=lambda cfg: {},
        summary="s_axi_control: ap_ctrl_hs, GIE/IER/ISR, kernel arguments from rtl/top/regmap.toml",
    ),
]

PROOF_JOBS = [
    ProofJob("axil_control", "axil_control", {"n_args": len(RegisterMap().arg_words)}, "axil_control.sv", 6, 16),
]


# ---- attention path (one query head's attention phase through AXI4 masters) -------------------
from ..axi.specs import axi_read_ports, axi_write_ports  # noqa: E402
from .attention_path import PathGeometry, attention_path  # noqa: E402
from .row_control import top_row_control  # noqa: E402

ATTENTION_HDL = ("block_size", "head_dim", "max_seq_len", "pinned", "managed", "prefetch_depth", "max_outstanding",
                 "sae_rows", "sae_qk_lut_rows")


def attention_path_params(cfg) -> dict:
    return {"block_size": cfg.block_size, "head_dim": cfg.head_dim, "max_seq_len": cfg.max_seq_len,
            "hbm_data_width": cfg.hbm_data_width, "pinned": cfg.pinned_tier_blocks,
            "managed": cfg.managed_tier_blocks, "prefetch_depth": cfg.prefetch_depth,
            "max_outstanding": min(cfg.max_outstanding_bursts, 16), "sae_rows": cfg.sae_rows,
            "sae_qk_lut_rows": cfg.sae_qk_lut_rows, "kv_read_ports": cfg.kv_read_ports}


def attention_path_ports(params: dict) -> dict:
    """Ports of ``attention_path``: head control, access stream, three AXI4 masters (four with
    ``kv_read_ports`` = 2: the KV cache's V fill on ``m_axi_v``)."""
    g = PathGeometry(**params)
    b, v = (lambda: Signal(bool(0))), (lambda w: Signal(intbv(0)[w:]))
    return {**clock_and_reset(), "start": b(), "nb": v(g.iw + 1), "q_base": v(64), "k_base": v(64),
            "v_base": v(64), "o_base": v(64), "mult": v(g.sae.MB), "shift": v(6),
            "s_acc_valid": b(), "s_acc_ready": b(), "s_acc_data": v(g.acc_width),
            "busy": b(), "done": b(), "err": b(),
            **axi_read_ports("m_axi_q", g.hw), **axi_read_ports("m_axi_kv", g.hw),
            **_v_port(params, g.hw), **axi_write_ports("m_axi_o", g.hw)}


def _v_port(params: dict, hw: int) -> dict:
    return axi_read_ports("m_axi_v", hw) if params.get("kv_read_ports", 1) == 2 else {}


def row_control_ports(params: dict) -> dict:
    b, v = (lambda: Signal(bool(0))), (lambda w: Signal(intbv(0)[w:]))
    iw, aw, bb = params["row_bits"], params["addr_bits"], params["beats_bits"]
    return {**clock_and_reset(), "start": b(), "nb": v(iw + 1), "q_base": v(aw), "o_base": v(aw),
            "mult": v(params["mult_bits"]), "shift": v(6),
            "m_cmd_valid": b(), "m_cmd_ready": b(), "m_cmd_data": v(iw + 6 + params["mult_bits"]),
            "m_q_valid": b(), "m_q_ready": b(), "m_q_addr": v(aw), "m_q_beats": v(bb),
            "m_o_valid": b(), "m_o_ready": b(), "m_o_addr": v(aw), "m_o_beats": v(bb),
            "o_done": b(), "busy": b(), "done": b(), "head_rst": b()}


def row_control_params(cfg) -> dict:
    g = PathGeometry(**attention_path_params(cfg))
    return {"row_bits": g.iw, "addr_bits": 64, "beats_bits": g.beats_bits, "mult_bits": g.sae.MB,
            "q_row_bytes": g.q_row_bytes, "o_row_bytes": g.o_row_bytes, "q_beats": g.q_beats, "o_beats": g.o_beats}


BLOCKS += [
    BlockSpec(
        name="top_row_control",
        factory=top_row_control,
        ports=row_control_ports,
        params=row_control_params,
        streams_out=("m_cmd", "m_q", "m_o"),
        hdl_params=("q_row_bytes", "o_row_bytes", "q_beats", "o_beats"),
        summary="attention path row controller: per-row SAE/Q/O commands, head done after nb write completions",
    ),
    BlockSpec(
        name="attention_path",
        factory=attention_path,
        ports=attention_path_ports,
        params=attention_path_params,
        streams_in=("s_acc",),
        hdl_params=ATTENTION_HDL,
        summary="one head's attention: access fork -> KV cache + SAE, Q reader, O writer (three AXI4 masters)",
    ),
]

# Row controller, small: 2-bit rows (nb <= 4), 8-bit addresses, strides of 4 and 8 bytes.
PROOF_JOBS += [
    ProofJob("top_row_control", "top_row_control",
             {"row_bits": 2, "addr_bits": 8, "beats_bits": 9, "mult_bits": 4, "q_row_bytes": 4, "o_row_bytes": 8,
              "q_beats": 2, "o_beats": 4}, "top_row_control.sv", 8, 24),
]


# ---- the kernel top level `fast_prefill` (Vitis RTL kernel) -------------------------------------
import importlib.util as _ilu  # noqa: E402

from .fast_prefill import KernelGeometry, fast_prefill  # noqa: E402

KERNEL_HDL = ATTENTION_HDL + ("sig_params", "query_aware_unit", "access_fifo_depth", "overlap")


def sig_head_available() -> bool:
    """The real SIG head (``rtl/sig/head.py``, block ``sig_head``) exists in this checkout."""
    return _ilu.find_spec(f"{__package__.rsplit('.', 1)[0]}.sig.head") is not None


def kernel_params(cfg) -> dict:
    """Parameters of ``fast_prefill``: the attention path's, plus the SIG head's own (as pairs)."""
    from ...blocks import get_block

    p = attention_path_params(cfg)
    sig = get_block("sig_head")
    sp = sig.params(cfg)
    p["sig_params"] = tuple(sorted((k, sp[k]) for k in sig.hdl_params))
    p["query_aware_unit"] = True       # sig_head has the query-aware decision and pooled selection
    p["access_fifo_depth"] = cfg.access_fifo_depth
    p["overlap"] = True                # the next head's SIG runs while this head attends
    return p


def kernel_ports(params: dict) -> dict:
    """Ports of ``fast_prefill``: ``ap_clk``, ``ap_rst_n``, ``s_axi_control_*``, ``interrupt``,
    ``m_axi_q_*``, ``m_axi_kv_*`` and, with ``kv_read_ports`` = 2, ``m_axi_v_*`` (AXI4 read),
    ``m_axi_o_*`` (AXI4 write)."""
    rm = RegisterMap()
    hw = params["hbm_data_width"]
    return {"ap_clk": Signal(bool(0)), "ap_rst_n": Signal(bool(1)),
            **axil_ports("s_axi_control", rm.addr_width), "interrupt": Signal(bool(0)),
            **axi_read_ports("m_axi_q", hw), **axi_read_ports("m_axi_kv", hw), **_v_port(params, hw),
            **axi_write_ports("m_axi_o", hw)}


def tiny_kernel_params() -> dict:
    """``kernel_params`` at the tiny preset, without the block registry (for the proof job)."""
    from ...config import get_preset
    from ..sig.specs import HEAD_HDL, head_params

    cfg = get_preset("tiny")
    p = attention_path_params(cfg)
    sp = head_params(cfg)
    p["sig_params"] = tuple(sorted((k, sp[k]) for k in HEAD_HDL))
    p["query_aware_unit"] = True
    p["access_fifo_depth"] = cfg.access_fifo_depth
    p["overlap"] = True
    return p


if sig_head_available():
    # The reset rules on every AXI port of the kernel (docs/kernel.md, "Reset"): the SIG head, the
    # attention path, the access FIFO and the read arbiters are black boxes (free outputs), the
    # control slave is kept.
    PROOF_JOBS += [
        ProofJob("fast_prefill_reset", "fast_prefill", tiny_kernel_params(), "fast_prefill_reset.sv", 6, 10,
                 blackbox=("sig_head", "attention_path", "stream_ram_fifo", "axi_read_arbiter")),
        # the head issuers (SIG of head h+1 while head h attends) with the same black boxes. The
        # induction closes at 4 steps (8 here, 4 s; the proof at 48 took 16 s); a run starts only
        # after the 32-cycle division, so the planted bugs' base case (bmc) reaches 48 steps
        ProofJob("fast_prefill_issuers", "fast_prefill", tiny_kernel_params(), "fast_prefill_issuers.sv", 8, 60,
                 blackbox=("sig_head", "attention_path", "stream_ram_fifo", "axi_read_arbiter"), bmc_depth=48),
    ]
    BLOCKS += [
        BlockSpec(
            name="fast_prefill",
            factory=fast_prefill,
            ports=kernel_ports,
            params=kernel_params,
            hdl_params=KERNEL_HDL,
            summary="Vitis RTL kernel: s_axi_control + SIG of head h+1 overlapped with the attention of head h; m_axi_q, m_axi_kv, m_axi_o",
        ),
    ]
