"""Baselines with their sources. ``status``: ``verified`` = read in the cited source during this
work; ``unverified`` = the commonly quoted vendor figure, not confirmed from a source we could read
(use with care); every derived time is **modelled**."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    value: float
    unit: str
    source: str
    status: str  # "verified" | "unverified"


@dataclass(frozen=True)
class Gpu:
    name: str
    bandwidth: Figure        # bytes/s
    fp16_dense: Figure       # FLOP/s, dense tensor-core FP16
    board_power: Figure      # W


KLOCKWOOD_A100 = "https://glennklockwood.com/garden/processors/A100 (quoting the NVIDIA A100 datasheet)"
KLOCKWOOD_H100 = "https://glennklockwood.com/garden/processors/h100 (quoting NVIDIA Hopper specifications)"
HPCTECH_H100 = "https://archive-lib.hpctech.co.jp/gpuproduct/nvidia-h100.html (NVIDIA H100 SXM table)"
NVIDIA_A5000 = "NVIDIA RTX A5000 datasheet (not read here)"

GPUS = {
    "A5000": Gpu("NVIDIA RTX A5000",
                 Figure(768e9, "B/s", NVIDIA_A5000, "unverified"),
                 Figure(111.1e12, "FLOP/s", NVIDIA_A5000 + ": 222.2 TFLOPS tensor with sparsity, halved", "unverified"),
                 Figure(230.0, "W", NVIDIA_A5000, "unverified")),
    "A100-80GB": Gpu("NVIDIA A100 80GB SXM4",
                     Figure(2.039e12, "B/s", KLOCKWOOD_A100, "verified"),
                     Figure(312e12, "FLOP/s", KLOCKWOOD_A100, "verified"),
                     Figure(400.0, "W", KLOCKWOOD_A100, "verified")),
    "H100-SXM": Gpu("NVIDIA H100 SXM5",
                    Figure(3.35e12, "B/s", HPCTECH_H100, "verified"),
                    Figure(989.4e12, "FLOP/s", KLOCKWOOD_H100, "verified"),
                    Figure(700.0, "W", HPCTECH_H100, "verified")),
}

U280_HBM = Figure(460e9, "B/s", "AMD UG1393 'HBM Configuration and Use' (docs.amd.com): 32 PCs x 14.375 GB/s",
                  "verified")
U280_PC = Figure(14.375e9, "B/s", U280_HBM.source, "verified")
U280_POWER = Figure(225.0, "W", "AMD Alveo U280 data sheet DS963 maximum board power (not read here)", "unverified")
A5000_MEMORY = Figure(24e9, "B", NVIDIA_A5000 + ": 24 GB GDDR6", "unverified")
# A realistic attention efficiency for the GPU: FlashAttention-2 reaches 50-73 % of the theoretical
# maximum FLOP/s on an A100 (forward and backward; measured on A100, not on an A5000). The report
# applies the high end, 73 %, which favours the GPU.
FA2_EFFICIENCY = Figure(0.73, "fraction of FP16 tensor peak",
                        "Dao, FlashAttention-2, arXiv 2307.08691 (abstract: 50-73 % of the theoretical "
                        "maximum FLOPs/s on A100)", "unverified")


def gpu_memory_bytes(shape, n: int) -> float:
    """Bytes a GPU holds for one prefill at ``n`` tokens (batch 1): FP16 weights (linear layers and
    the LM head; the embedding table assumed tied to it) and the FP16 K/V cache of every layer.
    Activations and workspace are not counted, so this is a lower bound."""
    weights = 2 * shape.linear_macs_per_token() + 2 * shape.hidden * shape.vocab
    kv = 2 * 2 * n * shape.kv_heads * shape.head_dim * shape.layers
    return float(weights + kv)

PAPER_CLAIM = {
    "text": "average TTFT speedup 1.5x to 2.5x over an NVIDIA A5000 across 4K to 128K; up to 4.5x energy "
            "efficiency (Llama and Qwen, batch 1)",
    "speedup_low": 1.5, "speedup_high": 2.5, "energy_gain": 4.5,
    "source": "FAST-Prefill, arXiv 2602.20515 (abstract; the 1.5x..2.5x range second hand, shared/PAPER.md)",
    "status": "cited",
}

MINFERENCE_CLAIM = {
    "text": "an 8B LLM takes 30 minutes to pre-fill a 1M-token prompt on a single A100 (dense); MInference "
            "reduces pre-filling latency by up to 10x on an A100",
    "dense_1m_seconds": 1800.0, "speedup": 10.0,
    "source": "MInference 1.0, Jiang et al., NeurIPS 2024, abstract "
              "(https://catalyzex.com/paper/minference-1-0-accelerating-pre-filling-for)",
    "status": "cited",
    "note": "per-length latency figures (e.g. LLaMA-3-8B at 128K) are in the paper's figures, which we could "
            "not read here: not reproduced",
}


def prefill_flops(shape, n: int, density: float = 1.0) -> dict:
    """FLOPs of one prefill (batch 1): linear layers ``2 N P`` (P = weights per token, all layers),
    causal attention ``4 N^2/2 D H L x density`` (QK^T and PV), LM head for the last token."""
    lin = 2 * n * shape.linear_macs_per_token()
    attn = 4 * (n * (n + 1) / 2) * shape.head_dim * shape.heads * shape.layers * density
    head = 2 * shape.hidden * shape.vocab
    return {"linear": lin, "attention": attn, "lm_head": head, "total": lin + attn + head}


def gpu_roofline(gpu: Gpu, shape, n: int, density: float = 1.0) -> dict:
    """Lower bound on a GPU's prefill time: FLOPs at the dense FP16 tensor peak, or FP16 weights +
    K/V streamed once at the memory bandwidth, whichever is larger (100 % utilisation: real
    kernels are slower). Modelled."""
    f = prefill_flops(shape, n, density)
    t_c = f["total"] / gpu.fp16_dense.value
    t_m = gpu_memory_bytes(shape, n) / gpu.bandwidth.value
    t_attn = f["attention"] / gpu.fp16_dense.value
    t = max(t_c, t_m)
    return {"seconds": t, "attention_seconds": t_attn, "bound": "compute" if t_c >= t_m else "memory",
            "energy_j": t * gpu.board_power.value}
