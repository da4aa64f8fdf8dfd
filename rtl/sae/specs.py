"""Registration of the SAE's blocks and proof jobs (discovered by fast_prefill.blocks)."""

from ...blocks import BlockSpec, bundle_ports, clock_and_reset, stream_ports
from ...verify.proof_jobs import ProofJob
from .engine import SaeGeometry, sae_engine
from .kv_adapter import sae_kv_adapter
from .row_engine import RowGeometry, sae_row_engine

ENGINE_HDL = ("block_size", "head_dim", "group", "max_seq_len")
FIXED_KEYS = ("mult_bits", "logit_frac", "logit_bits", "exp_lut_bits", "prob_frac", "recip_frac", "out_frac",
              "out_bits")


def _engine_ports(params: dict) -> dict:
    g = SaeGeometry(**params)
    return {**clock_and_reset(), **stream_ports("s_cmd", g.cmd_width), **stream_ports("s_q", g.row_width),
            **stream_ports("s_blk", g.blk_width), **stream_ports("s_kv", g.row_width),
            **stream_ports("m_o", g.o_width)}


def _engine_factory(**kw):
    return sae_engine(**bundle_ports(sae_engine, kw))


def _row_engine_ports(params: dict) -> dict:
    g = RowGeometry(**params)
    return {**clock_and_reset(), **stream_ports("s_cmd", g.cmd_width), **stream_ports("s_q", g.row_width),
            **stream_ports("s_blk", g.blk_width), **stream_ports("s_kv", g.row_width),
            **stream_ports("m_o", g.o_width)}


def _row_engine_factory(**kw):
    return sae_row_engine(**bundle_ports(sae_row_engine, kw))


def row_engine_params(cfg, group: int) -> dict:
    return {**engine_params(cfg, group), "rows": cfg.sae_rows, "qk_lut_rows": cfg.sae_qk_lut_rows}


def engine_params(cfg, group: int) -> dict:
    return {"block_size": cfg.block_size, "head_dim": cfg.head_dim, "group": group, "max_seq_len": cfg.max_seq_len}


class _EngineSpec(BlockSpec):
    def instantiate(self, params, ports=None):
        ports = self.ports(params) if ports is None else ports
        return self.factory(**ports, **params), ports


def _adapter_ports(params: dict) -> dict:
    return {**clock_and_reset(), **stream_ports("s", params["in_width"]), **stream_ports("m", params["out_width"])}


BLOCKS = [
    _EngineSpec(
        name="sae_engine",
        factory=_engine_factory,
        ports=_engine_ports,
        # GQA group: 2 query heads per K/V head at tiny, 4 at u280 (Llama-3-8B: 32 / 8).
        params=lambda cfg: engine_params(cfg, 2 if cfg.name == "tiny" else 4),
        streams_in=("s_cmd", "s_q", "s_blk", "s_kv"), streams_out=("m_o",),
        hdl_params=ENGINE_HDL,
        summary="sparse attention engine: D-wide lanes, online softmax (golden fixed point), GQA group",
    ),
    _EngineSpec(
        name="sae_row_engine",
        factory=_row_engine_factory,
        ports=_row_engine_ports,
        # tiny: a GQA group of 2 (G > 1 converted and linted); u280: the kernel's own engine (G = 1),
        # so its sub-modules are the kernel's and `make verilog` converts them once.
        params=lambda cfg: row_engine_params(cfg, 2 if cfg.name == "tiny" else 1),
        streams_in=("s_cmd", "s_q", "s_blk", "s_kv"), streams_out=("m_o",),
        hdl_params=ENGINE_HDL + ("rows", "qk_lut_rows"),
        summary="row-parallel sparse attention engine: P query rows a cycle, QK^T on MPU pair/bit-plane lanes, "
                "P x V on MPU MAC lanes, overlapped",
    ),
    BlockSpec(
        name="sae_kv_adapter",
        factory=sae_kv_adapter,
        ports=_adapter_ports,
        params=lambda cfg: {"in_width": cfg.hbm_data_width, "out_width": 8 * cfg.head_dim},
        streams_in=("s",), streams_out=("m",),
        summary="KV-cache response beats to SAE K/V rows (little-endian gather)",
    ),
]

# Small fixed-point widths keep the solver's multipliers small; the control and stream logic
# is the same code at every size.
PROOF_PARAMS = {"block_size": 2, "head_dim": 1, "group": 1, "max_seq_len": 4, "mult_bits": 4, "logit_frac": 1,
                "logit_bits": 12, "exp_lut_bits": 1, "prob_frac": 4, "recip_frac": 4, "out_frac": 0, "out_bits": 8}

ROW_PROOF_PARAMS = {**PROOF_PARAMS, "block_size": 4, "max_seq_len": 8, "rows": 2, "qk_lut_rows": 0}

PROOF_JOBS = [
    ProofJob("sae_engine_streams", "sae_engine", PROOF_PARAMS, "sae_engine.sv", 8, 64),
    # sae_row_engine: stream rules, output credits == FIFO room (no overflow), pipeline bookkeeping.
    ProofJob("sae_row_engine_streams", "sae_row_engine", ROW_PROOF_PARAMS, "sae_row_engine.sv", 10, 60),
    ProofJob("sae_kv_adapter_r1", "sae_kv_adapter", {"in_width": 4, "out_width": 4}, "sae_kv_adapter.sv", 6, 12),
    ProofJob("sae_kv_adapter_r3", "sae_kv_adapter", {"in_width": 4, "out_width": 12}, "sae_kv_adapter.sv", 8, 16),
]
