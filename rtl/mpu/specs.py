"""Registration of the MPU's blocks and proof jobs (discovered by fast_prefill.blocks).

At the ``u280`` preset the lanes are registered at full size (``k = mpu_k = 32``), and the tile
engine as a representative slice: ``k = 32`` with 1/64 of the preset's columns, rounded down but
at least one of each kind (2 DSP + 1 LUT of 144 + 64), because MyHDL conversion alone of all 208
columns (4,608 DSP products and 64 LUT lanes of 256 gated terms each) takes minutes and yosys
longer, and every test run converts every registered block. The columns are independent lanes
that share only the stage-0 row register, the control and the output FIFO, so the whole MPU's
resources are the per-lane figures times the column counts (:mod:`fast_prefill.rtl.mpu.sizing`).
At ``tiny`` the tile engine is the full preset (``k = 4``, 2 + 2 columns).
"""

from myhdl import Signal, intbv

from ...blocks import BlockSpec, clock_and_reset, stream_ports
from ...verify.proof_jobs import ProofJob
from .bitplane_lane import mpu_bitplane_lane
from .dsp_lane import mpu_dsp_lane
from .dsp_pair import mpu_dsp_pair
from .dsp_pair_lane import mpu_dsp_pair_lane
from .lane_pair import mpu_lane_pair
from .mac_lane import mpu_mac_lane
from .parts import sum_width
from .tile_engine import mpu_tile_engine

U280_SLICE = 64   # the u280 tile engine block holds 1/64 of the preset's columns (rounded down, >= 1 each)


def _lane_ports(p: dict) -> dict:
    kw = p["k"] * p["data_width"]
    return {"clk": Signal(bool(0)), "x": Signal(intbv(0)[kw:]), "w": Signal(intbv(0)[kw:]),
            "y": Signal(intbv(0)[p["acc_width"]:])}


def _pair_ports(p: dict) -> dict:
    kw = p["k"] * p["data_width"]
    return {"clk": Signal(bool(0)), "x": Signal(intbv(0)[kw:]), "w": Signal(intbv(0)[kw:]),
            "y_dsp": Signal(intbv(0)[p["acc_width"]:]), "y_lut": Signal(intbv(0)[p["acc_width"]:])}


def _dsp_pair_ports(p: dict) -> dict:
    w = p["data_width"]
    return {"clk": Signal(bool(0)), "a0": Signal(intbv(0)[w:]), "a1": Signal(intbv(0)[w:]), "b": Signal(intbv(0)[w:]),
            "p0": Signal(intbv(0)[2 * w:]), "p1": Signal(intbv(0)[2 * w:])}


def _pair_lane_ports(p: dict) -> dict:
    kw, a = p["k"] * p["data_width"], p["acc_width"]
    return {"clk": Signal(bool(0)), "x": Signal(intbv(0)[kw:]), "w0": Signal(intbv(0)[kw:]),
            "w1": Signal(intbv(0)[kw:]), "y0": Signal(intbv(0)[a:]), "y1": Signal(intbv(0)[a:])}


def mac_lane_ports(p: dict) -> dict:
    return {"clk": Signal(bool(0)), "a": Signal(intbv(0)[p["n"] * p["a_width"]:]), "b": Signal(intbv(0)[p["b_width"]:]),
            "en": Signal(bool(0)), "clr": Signal(bool(0)), "y": Signal(intbv(0)[p["n"] * p["acc_width"]:])}


def mac_lane_params(cfg) -> dict:
    """The attention engine's P x V lane: ``sae_rows`` probabilities (UQ1.15) against one INT8."""
    from ...verify.golden.fixed_point import FixedPointConfig

    acc = FixedPointConfig(block_size=cfg.block_size, head_dim=cfg.head_dim, max_seq_len=cfg.max_seq_len).sae_acc_bits
    return {"n": cfg.sae_rows, "a_width": 16, "b_width": cfg.data_width, "acc_width": acc}


def _engine_ports(p: dict) -> dict:
    kw = p["k"] * p["data_width"]
    n = p["dsp_cols"] + p["lut_cols"]
    return {**clock_and_reset(), **stream_ports("s_w", kw), **stream_ports("s_x", kw + 1),
            **stream_ports("m", n * p["acc_width"])}


def _lane_params(cfg) -> dict:
    return {"k": cfg.mpu_k, "data_width": cfg.data_width, "acc_width": cfg.acc_width}


def engine_params(cfg) -> dict:
    """The tile engine's parameters for a preset (a 1/64 column slice at ``u280``)."""
    dsp, lut = cfg.mpu_dsp_cols, cfg.mpu_lut_cols
    if cfg.name == "u280":
        dsp, lut = max(1, dsp // U280_SLICE) if dsp else 0, max(1, lut // U280_SLICE) if lut else 0
    return {**_lane_params(cfg), "dsp_cols": dsp, "lut_cols": lut, "fifo_depth": 8}


ENGINE_HDL = ("k", "data_width", "acc_width", "dsp_cols", "lut_cols", "fifo_depth")

BLOCKS = [
    BlockSpec(
        name="mpu_dsp_lane", factory=mpu_dsp_lane, ports=_lane_ports, params=_lane_params,
        hdl_params=("k", "data_width"),
        summary="signed k-element dot product on DSP48E2 products, 2-cycle pipeline",
    ),
    BlockSpec(
        name="mpu_bitplane_lane", factory=mpu_bitplane_lane, ports=_lane_ports, params=_lane_params,
        hdl_params=("k", "data_width"),
        summary="signed k-element dot product by weight bit planes (AND + adder tree), no multiplier",
    ),
    BlockSpec(
        name="mpu_lane_pair", factory=mpu_lane_pair, ports=_pair_ports,
        params=lambda cfg: {"k": 2, "data_width": cfg.data_width, "acc_width": 2 * cfg.data_width + 1},
        hdl_params=("k", "data_width"),
        summary="DSP lane and bit-plane lane on the same operands (equivalence proof top)",
    ),
    BlockSpec(
        name="mpu_dsp_pair", factory=mpu_dsp_pair, ports=_dsp_pair_ports,
        params=lambda cfg: {"data_width": cfg.data_width}, hdl_params=("data_width",),
        summary="two signed products sharing one operand, packed into one DSP48E2 multiplier, 2-cycle pipeline",
    ),
    BlockSpec(
        name="mpu_dsp_pair_lane", factory=mpu_dsp_pair_lane, ports=_pair_lane_ports, params=_lane_params,
        hdl_params=("k", "data_width"),
        summary="two signed k-element dot products sharing one operand on k packed DSP48E2 products, 2-cycle pipeline",
    ),
    BlockSpec(
        name="mpu_mac_lane", factory=mpu_mac_lane, ports=mac_lane_ports, params=mac_lane_params,
        hdl_params=("n", "a_width", "b_width", "acc_width"),
        summary="n multiply-accumulates sharing one operand (the attention engine's P x V lane), one DSP48E2 each",
    ),
    BlockSpec(
        name="mpu_tile_engine", factory=mpu_tile_engine, ports=_engine_ports, params=engine_params,
        streams_in=("s_w", "s_x"), streams_out=("m",), hdl_params=ENGINE_HDL,
        summary="streaming signed GEMM tile y = x @ B, DSP + bit-plane lanes, output FIFO",
    ),
]

def _pair(k: int, w: int) -> dict:
    return {"k": k, "data_width": w, "acc_width": sum_width(k, w)}   # the narrowest legal accumulator


def _engine_job(k, w, dsp, lut) -> dict:
    return {"k": k, "data_width": w, "acc_width": 2 * w + k.bit_length(), "dsp_cols": dsp, "lut_cols": lut,
            "fifo_depth": 8}


PROOF_JOBS = [
    # Bit-plane lane == DSP lane == plain signed dot product, for all operand values (k-induction).
    ProofJob("mpu_lane_eq_w4_k1", "mpu_lane_pair", _pair(1, 4), "mpu_lane_pair.sv", 3, 4),
    ProofJob("mpu_lane_eq_w4_k2", "mpu_lane_pair", _pair(2, 4), "mpu_lane_pair.sv", 3, 4),
    ProofJob("mpu_lane_eq_w8_k1", "mpu_lane_pair", _pair(1, 8), "mpu_lane_pair.sv", 3, 4),
    # The packed pair == two separate products, for all operand values (the packing's correction term).
    ProofJob("mpu_dsp_pair_w4", "mpu_dsp_pair", {"data_width": 4}, "mpu_dsp_pair.sv", 3, 4),
    ProofJob("mpu_dsp_pair_w5", "mpu_dsp_pair", {"data_width": 5}, "mpu_dsp_pair.sv", 3, 4),
    # The pair lane == two plain signed dot products, for all operand values.
    ProofJob("mpu_dsp_pair_lane_w3_k2", "mpu_dsp_pair_lane", _pair(2, 3), "mpu_dsp_pair_lane.sv", 3, 4),
    ProofJob("mpu_dsp_pair_lane_w4_k2", "mpu_dsp_pair_lane", _pair(2, 4), "mpu_dsp_pair_lane.sv", 3, 4),
    # The MAC lane == n reference accumulators, for all operand values, enables and clears.
    ProofJob("mpu_mac_lane_n2", "mpu_mac_lane", {"n": 2, "a_width": 4, "b_width": 3, "acc_width": 10},
             "mpu_mac_lane.sv", 3, 6),
    # Stream rules on every port, no overflow of the output FIFO; cover a whole tile.
    ProofJob("mpu_tile_engine", "mpu_tile_engine", _engine_job(2, 4, 1, 1), "mpu_tile_engine.sv", 6, 16),
]
