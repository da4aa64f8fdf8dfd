"""``run_attention``: one layer's attention prefill of [H][N][D] tensors through the simulated kernel.

Host side of the bit-accurate contract (docs/formats.md): q, k and v are quantised to INT8 with one
symmetric scale per tensor (:func:`~fast_prefill.verify.golden.fixed_point.quantize`; integer
inputs in [-127, 127] are taken as they are, scale 1), the score multiplier and shift come from the
golden :func:`score_multiplier` of ``scale_q * scale_k * log2(e) / sqrt(D)``, gamma is written as
UQ1.16 and tau as the JS threshold of :func:`js_threshold`. Buffers are allocated, written, the
kernel runs, and O comes back as S16 (``o_int``) and dequantised (``o = o_int * scale_v / 2**OF``).

:func:`reference_output` is the exact expected O of the same inputs: the kernel reference
``fast_prefill.verify.golden.kernel_ref`` when it exists, otherwise the golden per-head chain
(:func:`fixed_head_pattern` -> :func:`build_lists` -> :func:`sparse_attention_fixed`, the query
heads of a group reading their KV head).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..config import get_preset
from ..verify.golden import fixed_point as fp
from ..verify.golden.block_lists import build_lists
from ..verify.golden.float_ref import FlexPrefillParams
from .driver import Device, Run


def fixed_config(preset: str = "tiny") -> "fp.FixedPointConfig":
    """The fixed-point configuration the kernel of ``preset`` computes with (its SAE's)."""
    from ..rtl.sae.engine import SaeGeometry

    cfg = get_preset(preset)
    return SaeGeometry(block_size=cfg.block_size, head_dim=cfg.head_dim, group=1, max_seq_len=cfg.max_seq_len).fx


def _as_int8(name: str, x: np.ndarray) -> tuple[np.ndarray, float]:
    x = np.asarray(x)
    if x.ndim != 3:
        raise ValueError(f"run_attention field '{name}' shape = {x.shape} is not allowed: must be [heads][N][D]")
    if np.issubdtype(x.dtype, np.integer):
        if x.size and (x.min() < -127 or x.max() > 127):
            raise ValueError(f"run_attention field '{name}' has values outside [-127, 127]: INT8 inputs must be "
                             "symmetric-quantised")
        return x.astype(np.int64), 1.0
    qi, scale = fp.quantize(np.asarray(x, np.float64))
    return qi, scale


@dataclass
class HostInputs:
    """What the host computes before a run: INT8 tensors, scales and the register values."""
    q: np.ndarray              # int64 [H][N][D] in [-127, 127]
    k: np.ndarray              # int64 [Hkv][N][D]
    v: np.ndarray
    scale_q: float
    scale_k: float
    scale_v: float
    gamma: float
    tau: float
    min_budget: int
    max_budget: int
    args: dict                 # register-map name -> value (scalars)

    @property
    def shape(self) -> tuple[int, int, int, int]:
        h, n, d = self.q.shape
        return h, self.k.shape[0], n, d


def prepare(q, k, v, *, gamma: float = 0.9, tau: float = 0.0, min_budget: int | None = None,
            max_budget: int | None = None, preset: str = "tiny") -> HostInputs:
    cfg = get_preset(preset)
    fx = fixed_config(preset)
    qi, sq = _as_int8("q", q)
    ki, sk = _as_int8("k", k)
    vi, sv = _as_int8("v", v)
    h, n, d = qi.shape
    hkv = ki.shape[0]
    if ki.shape != (hkv, n, d) or vi.shape != ki.shape:
        raise ValueError(f"run_attention shapes q {qi.shape}, k {ki.shape}, v {vi.shape} are not allowed: "
                         "k and v must be [Hkv][N][D] with q's N and D")
    if hkv < 1 or h % hkv:
        raise ValueError(f"run_attention heads H={h}, Hkv={hkv} are not allowed: H must be a multiple of Hkv")
    if d != cfg.head_dim:
        raise ValueError(f"run_attention head dim D={d} is not allowed: preset '{preset}' is built for D={cfg.head_dim}")
    min_budget = cfg.block_size if min_budget is None else int(min_budget)
    max_budget = max(n, min_budget) if max_budget is None else int(max_budget)
    mult, shift = fp.score_multiplier(sq * sk * math.log2(math.e) / math.sqrt(d), fx)
    args = {"seq_len": n, "num_heads": h, "num_kv_heads": hkv, "gamma": fp.gamma_fixed(gamma, fx),
            "tau_threshold": fp.js_threshold(tau, fx), "min_budget": min_budget, "max_budget": max_budget,
            "score_mult": mult, "score_shift": shift}
    return HostInputs(qi, ki, vi, sq, sk, sv, gamma, tau, min_budget, max_budget, args)


def reference_output(inp: HostInputs, preset: str = "tiny") -> np.ndarray:
    """Exact expected O (int64 [H][N][D]) for ``inp``."""
    try:
        from ..verify.golden.kernel_ref import kernel_reference  # written with the kernel top level
    except ImportError:
        kernel_reference = None
    if kernel_reference is not None:
        ref = kernel_reference(inp.q, inp.k, inp.v, fixed_config(preset), gamma=inp.gamma, tau=inp.tau,
                               min_budget=inp.min_budget, max_budget=inp.max_budget,
                               scales=(inp.scale_q, inp.scale_k, inp.scale_v))
        return np.asarray(ref.o, np.int64)
    fx = fixed_config(preset)
    cfg = get_preset(preset)
    h, hkv, n, d = inp.shape
    g = h // hkv
    params = FlexPrefillParams(block_size=cfg.block_size, gamma=inp.gamma, tau=inp.tau,
                               min_budget=inp.min_budget, max_budget=inp.max_budget)
    out = np.zeros((h, n, d), np.int64)
    for i in range(h):
        head = fp.HeadInts(inp.q[i], inp.k[i // g], inp.v[i // g], inp.scale_q, inp.scale_k, inp.scale_v)
        lists = build_lists(fp.fixed_head_pattern(head, params, fx))
        out[i] = fp.sparse_attention_fixed(head, lists, fx)
    return out


@dataclass
class AttentionResult:
    o_int: np.ndarray          # int16 [H][N][D] as written by the kernel (S16, OF fraction bits)
    o: np.ndarray              # float64 dequantised: o_int * scale_v / 2**OF
    cycles: int                # ap_start to done
    inputs: HostInputs
    run: Run

    @property
    def cycles_per_s(self) -> float:
        res = self.run.result
        return float(getattr(res, "cycles_per_s", 0.0) or 0.0)


def run_attention(q, k, v, *, gamma: float = 0.9, tau: float = 0.0, min_budget: int | None = None,
                  max_budget: int | None = None, preset: str = "tiny", backend: str = "verilator",
                  faults=None, timeout_cycles: int = 50_000_000, device: Device | None = None) -> AttentionResult:
    """Quantise, allocate, run the ``fast_prefill`` kernel, read back O (see the module docstring)."""
    inp = prepare(q, k, v, gamma=gamma, tau=tau, min_budget=min_budget, max_budget=max_budget, preset=preset)
    h, hkv, n, d = inp.shape
    dev = device or Device(preset=preset, backend=backend, faults=faults)
    bos = []
    for arr in (inp.q, inp.k, inp.v):
        bo = dev.alloc(arr.size)
        bo.write(arr.astype(np.int8))
        bo.sync_to_device()
        bos.append(bo)
    o_bo = dev.alloc(2 * h * n * d)
    o_bo.sync_to_device()
    krn = dev.kernel("fast_prefill")
    run = krn(*bos, o_bo, **inp.args)
    cycles = run.wait(timeout_cycles=timeout_cycles)
    o_bo.sync_from_device()
    o_int = o_bo.read(np.int16, (h, n, d))
    fx = fixed_config(preset)
    o = o_int.astype(np.float64) * inp.scale_v / (1 << fx.out_frac)
    return AttentionResult(o_int, o, cycles, inp, run)
