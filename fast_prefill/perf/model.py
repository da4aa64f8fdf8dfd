"""Performance model of FAST-Prefill on the U280: cycles, time and HBM traffic of one prefill.

Built from the per-unit formulas of :mod:`.units` (each held to its unit's converted-Verilog
simulation) and the per-head layouts of :mod:`.sparsity`. What the model assumes, as parameters
(:class:`ModelParams`; defaults = the RTL as built today):

* **Schedule** (``overlap``): ``"heads"`` = the kernel as built (:mod:`.kernel`, calibrated
  against the Verilator simulation of the whole ``fast_prefill`` kernel within 5 %): per query head
  the SIG from start to its first access beat (probe with the pooling in its output beats, decision,
  two cover counts and two top-m or the query-aware pooled selection, builder scan, liveness
  backward pass), then the attention path (SAE row jobs with the KV cache under them); the SIG of
  head h+1 starts once head h's accesses are all in the access FIFO (``access_fifo_depth``), so it
  runs while head h attends, and several heads ahead while their accesses fit the FIFO together.
  Per layer: the recurrence of ``kernel.pipeline`` over the layer's query heads in the order the
  kernel runs them (``sparsity.head_order``: the published per-(layer, head) budgets for the
  MInference layouts; the four synthetic kinds in rotation for the FlexPrefill ones), averaged over
  the layers. A head of more accesses than the FIFO holds keeps the SIG until its attention has
  taken the excess.
  ``"serial"``: the kernel before the overlap (every head's SIG, then its attention).
  ``"sig_sae"`` (several engines, not built): per layer ``max(sum SIG, sum SAE)`` plus one head's SIG.
* **GQA** (``sae_group``): 1 today (each query head separately on the attention path; the SIG pass
  serves one query head). With G > 1 the SAE serves a group per row job (``SaeGeometry`` with G),
  its K/V blocks fetched once per group; the group is assumed to share one layout.
* **Engines** (``sae_engines``, ``sig_engines``): 1 each today; more divide the head loop.
* **K/V feed** (``kv_row_words``): the KV cache packs the ``8 D / hbm_data_width`` AXI beats of a
  K/V row into one tier-RAM word and delivers a row a cycle (built; ``False`` models the earlier
  feed of one AXI beat a cycle, ``8 D / W`` cycles a row). KV-cache misses are prefetched
  (``prefetch_depth`` tickets) while the SAE computes; a head's attention phase takes the longer of
  its compute and its misses' fills on the cache's AXI ports (``2 half_beats`` beats a fill on one
  port, ``half_beats`` on each of two with ``kv_read_ports = 2``: :func:`units.kvc_miss_port_cycles`),
  and one fill (its beats + latency) is exposed per head (the first block).
* **Query-aware heads** (built: ``sig_decision``, ``sig_pooled_select``): every head pays the
  decision (``decision``: ``tau_th != 0``); a query-aware head skips the two cover counts over N and
  runs the pooled selection over the ``nb (nb + 1) / 2`` causal block entries (two passes, its cover
  count and top-m), reading Q twice more (``2 N D`` bytes).
* **HBM** (attention): the kernel's AXI ports as built (``rtl/top/regmap.toml``, :data:`PORT_OF`):
  ``m_axi_q`` (the SIG's probe and query-aware Q reads, the attention's Q rows), ``m_axi_kv`` (the
  SIG's K passes, the KV cache's K fills), ``m_axi_v`` (the KV cache's V fills; with
  ``kv_read_ports = 1`` both halves on ``m_axi_kv``), ``m_axi_o`` (O writes), each on its own
  pseudo-channel range; per-port bandwidth ``min(hbm_data_width / 8 * clock, 14.375 GB/s)``
  (14.375 GB/s at 512 bits, 300 MHz: one pseudo-channel). A layer takes
  ``max(cycles, busiest port's bytes / bandwidth)``; no refresh or page-miss loss. The access
  stream stays on chip (the access FIFO): no list traffic. (The linear layers below use
  ``config.hbm_ports`` ports.)
* **Linear layers** on the MPU (``mpu_k`` x ``mpu_dsp_cols + mpu_lut_cols`` MACs per cycle): Q, K, V,
  O, gate, up, down of every layer (M = N rows) and the LM head for the last token as stationary
  tiles (:func:`units.mpu_gemm_cycles`); partial sums across K tiles accumulated outside the tile
  engine for free (not built); weights read once, activations re-read once per column tile; no
  overlap between linear layers and attention (the layer's dependencies make them sequential).
  Norms, RoPE, activation functions and residuals are not modelled.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from ..config import U280_DSP, AcceleratorConfig, get_preset
from . import kernel as K
from . import units as U
from .baselines import U280_HBM, U280_PC


@dataclass(frozen=True)
class ModelShape:
    name: str
    layers: int
    heads: int
    kv_heads: int
    head_dim: int
    hidden: int
    mlp: int
    vocab: int

    def linear_macs_per_token(self) -> int:
        qo = 2 * self.hidden * self.heads * self.head_dim
        kv = 2 * self.hidden * self.kv_heads * self.head_dim
        mlp = 3 * self.hidden * self.mlp
        return self.layers * (qo + kv + mlp)

    def gemms(self, n: int) -> list[tuple[int, int, int]]:
        """``(M, K, N)`` of every linear layer of one transformer layer at ``n`` tokens."""
        hd, kvd = self.heads * self.head_dim, self.kv_heads * self.head_dim
        return [(n, self.hidden, hd), (n, self.hidden, kvd), (n, self.hidden, kvd), (n, hd, self.hidden),
                (n, self.hidden, self.mlp), (n, self.hidden, self.mlp), (n, self.mlp, self.hidden)]


# docs/design.md section 6; vocabularies from the models' configs (128256, 152064).
MODELS = {
    "llama-3-8b": ModelShape("Llama-3-8B", 32, 32, 8, 128, 4096, 14336, 128256),
    "qwen2.5-7b": ModelShape("Qwen2.5-7B", 28, 28, 4, 128, 3584, 18944, 152064),
}


@dataclass(frozen=True)
class ModelParams:
    overlap: str = "heads"           # "heads" (built) | "serial" | "sig_sae"
    sae_group: int = 1
    sae_engines: int = 1
    sig_engines: int = 1
    kv_row_words: bool = True
    hbm_latency_cycles: int = 64     # cycles from AR to first R beat (assumption; exposed once per head)
    decision: bool = True            # tau_th != 0: every non-dense head runs sig_decision
    recip_frac: int = 16

    def __post_init__(self):
        if self.overlap not in ("heads", "serial", "sig_sae"):
            raise ValueError(f"ModelParams field 'overlap' = {self.overlap!r} is not allowed: "
                             "must be 'heads', 'serial' or 'sig_sae'")
        for f in ("sae_group", "sae_engines", "sig_engines"):
            if getattr(self, f) < 1:
                raise ValueError(f"ModelParams field '{f}' = {getattr(self, f)!r} is not allowed: must be >= 1")


def port_bandwidth(cfg: AcceleratorConfig) -> float:
    return min(cfg.hbm_data_width / 8 * cfg.clock_mhz * 1e6, U280_PC.value)


def mpu_peak_macs(cfg: AcceleratorConfig) -> int:
    return cfg.mpu_k * (cfg.mpu_dsp_cols + cfg.mpu_lut_cols)


@dataclass
class HeadCost:
    cycles: dict = field(default_factory=dict)   # per phase
    bytes: dict = field(default_factory=dict)    # per traffic class
    macs: float = 0.0                            # useful SAE MACs (QK and PV) per SAE job
    sig_macs: float = 0.0                        # SIG probe MACs per query head
    sig_first: int = 0                           # SIG start -> the head's first access beat (kernel.pipeline)


def head_cost(h, n: int, cfg: AcceleratorConfig, p: ModelParams) -> HeadCost:
    """Cycles and bytes of one query head (one group when ``sae_group`` > 1) of layout ``h``."""
    b, d = cfg.block_size, cfg.head_dim
    nb = h.nb
    byt = U.cdiv(cfg.data_width, 8)
    c = HeadCost()
    # The kernel-level schedule of the RTL (perf/kernel.py, calibrated against the whole kernel's
    # Verilator simulation): per head, the SIG from start to its first access beat (probe with the
    # pooling in its output beats; decision; cover counts and top-m, or the pooled selection of a
    # query-aware head; builder scan; liveness backward pass), then the attention path; the liveness
    # emission and table clear run under the attention phase.
    vert = h.sel_entries // 2
    ks = K.HeadShape(nb=nb, accesses=h.accesses, vertical=vert, slash=h.sel_entries - vert,
                     query_aware=bool(h.query_aware), dense=nb <= 2, decision=p.decision and nb > 2)
    sig = K.sig_to_stream(cfg, ks, p.recip_frac)
    c.sig_first = sum(sig.values())
    c.cycles["SIG probe"] = sig.get("SIG probe", 0)
    c.cycles["SIG selection"] = sig.get("SIG selection", 0)
    c.cycles["SIG query-aware (decision + pooled selection)"] = (sig.get("SIG decision", 0)
                                                                + sig.get("SIG pooled selection", 0))
    c.cycles["SIG lists + liveness"] = (sig.get("SIG lists", 0) + sig.get("SIG dense lists", 0)
                                        + sig["SIG liveness"] + K.KERNEL_HEAD_END)
    qa = int(bool(h.query_aware) and nb > 2)
    g = p.sae_group
    beats = U.row_beats(d, cfg.data_width, cfg.hbm_data_width)
    hb = U.kvc_half_beats(b, d, cfg.data_width, cfg.hbm_data_width)
    # one K/V fill and the Q row's read latency exposed per head (HBM latency: modelled, the
    # calibration runs at zero extra latency); with kv_read_ports = 2 a fill's K and V halves at once
    kvp = cfg.kv_read_ports
    fill = U.kvc_fill_cycles(hb, kvp, p.hbm_latency_cycles)
    q_row = U.cdiv(b * d * byt * 8, cfg.hbm_data_width)
    compute = U.sae_rows_head_cycles(nb, h.accesses, b, g, cfg.sae_rows, p.recip_frac, beats,
                                     1 if p.kv_row_words else beats)
    port = U.kvc_miss_port_cycles(h.reads["liveness"], b, d, cfg.data_width, cfg.hbm_data_width, kvp)
    c.cycles["SAE + KVC"] = max(compute, port) + q_row + K.ATT_TAIL + fill
    # bytes per traffic class (PORT_OF: the kernel's AXI port of each); SIG classes per query head
    c.bytes["SIG Q reads"] = (b * d + (2 * n * d if qa else 0)) * byt
    c.bytes["SIG K reads"] = 2 * n * d * byt
    fills = h.reads["liveness"] * cfg.block_bytes
    if kvp == 2:
        c.bytes["KVC K fills"] = fills / 2
        c.bytes["KVC V fills"] = fills / 2
    else:
        c.bytes["KVC K/V fills"] = fills
    c.bytes["SAE Q reads"] = g * nb * b * d * byt
    c.bytes["O writes"] = g * n * d * 2
    c.sig_macs = n * b * d * 2                     # per query head
    c.macs = g * h.accesses * 2 * b * b * d        # per SAE job (group)
    return c


# the kernel's AXI port of each traffic class (rtl/top/regmap.toml; docs/kernel.md)
PORT_OF = {"SIG Q reads": "m_axi_q", "SAE Q reads": "m_axi_q", "SIG K reads": "m_axi_kv",
           "KVC K fills": "m_axi_kv", "KVC K/V fills": "m_axi_kv", "KVC V fills": "m_axi_v", "O writes": "m_axi_o"}


def default_order(head_stats, heads: int) -> list[list[int]]:
    """Without a known order: one layer of ``heads`` query heads, each class's share (its weight,
    largest remainder) run consecutively in the classes' order."""
    if not head_stats:
        return [[]]
    want = [h.weight * heads for h in head_stats]
    count = [int(w) for w in want]
    for i in sorted(range(len(want)), key=lambda i: count[i] - want[i])[:heads - sum(count)]:
        count[i] += 1
    return [[i for i, c in enumerate(count) for _ in range(c)]]


def attention(shape: ModelShape, n: int, head_stats, cfg: AcceleratorConfig, p: ModelParams,
              order: list[list[int]] | None = None) -> dict:
    """Attention prefill of all layers and heads: seconds, cycle breakdown, bytes, roofline.

    ``order``: per layer, the classes (indices into ``head_stats``) of its query heads in the order
    the kernel runs them (``sparsity.head_order``); the built schedule (``overlap = "heads"``) runs
    each layer through ``kernel.pipeline``, so the SIG runs ahead of the attention by as many heads
    as the access FIFO holds, and a layer's time depends on the order. ``None``:
    :func:`default_order`."""
    f = cfg.clock_mhz * 1e6
    groups = shape.heads / p.sae_group               # SAE jobs per layer
    sig_jobs = shape.heads                            # each SIG pass serves one query head
    cyc: dict = {}
    byts: dict = {}
    macs, sae_macs = 0.0, 0.0
    sig_total, sae_total, sig_one = 0.0, 0.0, 0.0
    costs = []
    for h in head_stats:
        c = head_cost(h, n, cfg, p)
        costs.append(c)
        for k, v in c.cycles.items():
            share = (sig_jobs if k.startswith("SIG") else groups) * h.weight
            cyc[k] = cyc.get(k, 0.0) + v * share
        for k, v in c.bytes.items():
            byts[k] = byts.get(k, 0.0) + v * (sig_jobs if k.startswith("SIG") else groups) * h.weight
        macs += (c.macs * groups + c.sig_macs * sig_jobs) * h.weight
        sae_macs += c.macs * groups * h.weight
        sig_total += sum(v for k, v in c.cycles.items() if k.startswith("SIG")) * sig_jobs * h.weight
        sae_total += c.cycles["SAE + KVC"] * groups * h.weight
        sig_one = max(sig_one, sum(v for k, v in c.cycles.items() if k.startswith("SIG")))
    sig_t, sae_t = sig_total / p.sig_engines, sae_total / p.sae_engines
    if p.overlap == "serial":
        layer_cycles = sig_t + sae_t
    elif p.overlap == "heads":
        if p.sae_group != 1 or p.sae_engines != 1 or p.sig_engines != 1:
            raise ValueError("ModelParams field 'overlap' = 'heads' is not allowed with sae_group, sae_engines or "
                             "sig_engines other than 1: it is the built kernel's schedule (use 'sig_sae')")
        order = default_order(head_stats, shape.heads) if order is None else order
        for layer in order:
            if len(layer) != shape.heads or not all(0 <= i < len(costs) for i in layer):
                raise ValueError(f"attention field 'order' has a layer of {len(layer)} heads with classes "
                                 f"{sorted(set(layer))}: must be {shape.heads} indices in [0, {len(costs) - 1}]")
        fifo = cfg.access_fifo_depth + K.FIFO_SLACK
        runs = [K.pipeline_end(K.pipeline([(costs[i].sig_first, costs[i].cycles["SAE + KVC"], head_stats[i].accesses)
                                           for i in layer], fifo)) for layer in order]
        layer_cycles = sum(runs) / len(runs)
    else:
        layer_cycles = max(sig_t, sae_t) + sig_one
    bw_port = port_bandwidth(cfg)
    per_port: dict = {}
    for k, v in byts.items():
        per_port[PORT_OF[k]] = per_port.get(PORT_OF[k], 0.0) + v
    t_compute = layer_cycles / f
    t_mem = max(per_port.values()) / bw_port
    layer_s = max(t_compute, t_mem)
    total_bytes = sum(byts.values()) * shape.layers
    seconds = layer_s * shape.layers
    sig_share = sig_t / (sig_t + sae_t)
    # the attention lanes' peaks: the SAE's 2 P D MACs a cycle per engine (sae_row_engine,
    # docs/sae.md: QK^T and P x V of P query rows against one key a cycle, overlapped) and the SIG
    # probe's r D per engine; the design's compute roofline is every lane busy
    sae_peak = 2 * cfg.sae_rows * cfg.head_dim * p.sae_engines
    design_peak = sae_peak + cfg.sig_probe_rows * cfg.head_dim * p.sig_engines
    roofline_design = macs * shape.layers / (design_peak * f)
    return {
        "seconds": seconds, "layer_seconds": layer_s, "bound": "compute" if t_compute >= t_mem else "memory",
        "cycles_per_layer": {k: v / (p.sig_engines if k.startswith("SIG") else p.sae_engines) for k, v in cyc.items()},
        "bytes": {k: v * shape.layers for k, v in byts.items()}, "total_bytes": total_bytes,
        "index_generation_share": sig_share,
        "sig_exposed_share": max(0.0, layer_cycles - sae_t) / layer_cycles,
        "hbm_fraction": total_bytes / seconds / U280_HBM.value,
        "port_fraction": max(per_port.values()) / bw_port / layer_s,
        "port_bytes": {k: v * shape.layers for k, v in per_port.items()},
        "macs": macs * shape.layers,
        "lane_peak_fraction": sae_macs * shape.layers / seconds / (sae_peak * f),
        "design_peak_mac_per_cycle": design_peak,
        "roofline_design_s": roofline_design,
        "efficiency_vs_design": roofline_design / seconds,
        "density": sum(h.density * h.weight for h in head_stats),
    }


def linear_layers(shape: ModelShape, n: int, cfg: AcceleratorConfig) -> dict:
    """Linear layers of all layers on the MPU, plus the LM head for the last token (modelled)."""
    f = cfg.clock_mhz * 1e6
    cols = cfg.mpu_dsp_cols + cfg.mpu_lut_cols
    byt = U.cdiv(cfg.data_width, 8)
    cyc, mem = 0, 0
    for m, k, nn in shape.gemms(n):
        cyc += U.mpu_gemm_cycles(m, k, nn, cfg.mpu_k, cols)
        mem += (k * nn + m * k * U.cdiv(nn, cols) + m * nn) * byt
    cyc *= shape.layers
    mem *= shape.layers
    cyc += U.mpu_gemm_cycles(1, shape.hidden, shape.vocab, cfg.mpu_k, cols)
    mem += shape.hidden * shape.vocab * byt
    bw = port_bandwidth(cfg) * max(1, cfg.hbm_ports)
    t_c, t_m = cyc / f, mem / bw
    macs = n * shape.linear_macs_per_token() + shape.hidden * shape.vocab
    t = max(t_c, t_m)
    return {"seconds": t, "cycles": cyc, "bytes": mem, "bound": "compute" if t_c >= t_m else "memory",
            "mpu_peak_fraction": macs / t / (mpu_peak_macs(cfg) * f), "macs": macs}


def project(model: str, n: int, head_stats, cfg: AcceleratorConfig | None = None,
            params: ModelParams | None = None, order: list[list[int]] | None = None) -> dict:
    cfg = cfg or get_preset("u280")
    params = params or ModelParams()
    shape = MODELS[model]
    att = attention(shape, n, head_stats, cfg, params, order)
    lin = linear_layers(shape, n, cfg)
    return {"model": model, "n": n, "attention": att, "linear": lin,
            "ttft_seconds": att["seconds"] + lin["seconds"]}


def u280_int8_peak_mac_per_cycle() -> int:
    """The U280's INT8 compute roofline per cycle counted on its DSP48E2 slices only: two INT8
    products per DSP (the packing of ``rtl/mpu/dsp_pair_lane.py``), 9,024 DSPs. LUT multipliers are
    not counted, so the roofline time from it is an upper bound on the chip's true INT8 roofline."""
    return 2 * U280_DSP


def projection_summary(proj: dict, a5000: dict, a5000_sparse: dict, cfg: AcceleratorConfig) -> dict:
    """The flat attention figures of one (model, N) projection (report JSON ``summary``): the
    modelled attention time, the design's own compute roofline (every attention lane busy) and the
    U280's DSP INT8 roofline for the same useful MACs, the A5000's dense and sparse attention
    rooflines (FP16 tensor peak), and the design efficiency (its roofline / its time)."""
    from . import baselines as BL

    att = proj["attention"]
    f = cfg.clock_mhz * 1e6
    shape = MODELS[proj["model"]]
    gpu_power = BL.GPUS["A5000"].board_power.value
    need = BL.gpu_memory_bytes(shape, proj["n"])
    return {"attention_s": att["seconds"], "roofline_design_s": att["roofline_design_s"],
            "roofline_u280_s": att["macs"] / (u280_int8_peak_mac_per_cycle() * f),
            "a5000_dense_attention_s": a5000["attention_seconds"],
            "a5000_sparse_attention_s": a5000_sparse["attention_seconds"],
            "a5000_dense_attention_fa2_s": a5000["attention_seconds"] / BL.FA2_EFFICIENCY.value,
            "a5000_sparse_attention_fa2_s": a5000_sparse["attention_seconds"] / BL.FA2_EFFICIENCY.value,
            "efficiency_vs_design": att["efficiency_vs_design"],
            "design_peak_mac_per_cycle": att["design_peak_mac_per_cycle"],
            # energy: the U280 at its maximum board power for the whole attention time (an upper
            # bound, no power estimate from Vivado here) against the A5000 at its board power
            "energy_attention_per_layer_j": att["seconds"] / shape.layers * BL.U280_POWER.value,
            "a5000_dense_attention_energy_per_layer_j": a5000["attention_seconds"] / shape.layers * gpu_power,
            "a5000_memory_gb": need / 1e9,
            "a5000_fits": need <= BL.A5000_MEMORY.value}


__all__ = ["MODELS", "ModelParams", "ModelShape", "project", "attention", "linear_layers", "head_cost", "replace",
           "projection_summary", "u280_int8_peak_mac_per_cycle"]
