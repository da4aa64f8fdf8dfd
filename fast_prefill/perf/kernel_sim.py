"""Whole-kernel calibration runs: the converted Verilog of ``fast_prefill`` under Verilator, through
the host driver's lower layers (:mod:`fast_prefill.host.driver`, :mod:`fast_prefill.verify.verilator.build`).

Why not ``run_attention`` directly: the calibration needs (1) any :class:`AcceleratorConfig`, not only
a preset (``Device`` takes a preset name; here the device's ``cfg`` is replaced before the kernel is
built, which is all ``Device.kernel`` reads), and (2) the kernel in its steady state. After reset
the SIG probe clears its slash accumulators for ``max_seq_len`` cycles (``sig_probe`` ``P_CLEAR``,
once per reset, never again between runs); the host script therefore idles ``max_seq_len + 64``
cycles before writing the arguments, so the measured run is the one every later run takes. The
memory model is the harness's deterministic one with zero extra latency (``Faults()``).

Every run checks O against the golden ``kernel_reference`` exactly: a calibration point is never
taken from a run that computed the wrong thing.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np

from ..config import AcceleratorConfig, get_preset


@dataclass
class KernelCase:
    """One simulated run: ``H`` query heads over ``Hkv`` KV heads of ``N`` tokens."""
    label: str
    n: int
    heads: int
    kv_heads: int
    tau: float = 0.0
    gamma: float = 0.9
    min_budget: int | None = None      # tokens; None: one block
    seed: int = 0


@dataclass
class KernelSimResult:
    case: KernelCase
    cycles: int              # ap_start write response to done (the driver's count)
    ref: object              # verify.golden.kernel_ref.KernelRef (patterns, lists per head)
    seconds: float


def fixed_config(cfg: AcceleratorConfig):
    from ..rtl.sae.engine import SaeGeometry

    return SaeGeometry(block_size=cfg.block_size, head_dim=cfg.head_dim, group=1, max_seq_len=cfg.max_seq_len).fx


def config(name: str | AcceleratorConfig) -> AcceleratorConfig:
    """A preset by name, ``"b16d16"`` (the tiny preset with B = D = 16, N up to 512: a larger simulated
    configuration), or an :class:`AcceleratorConfig` as it is."""
    if isinstance(name, AcceleratorConfig):
        return name
    if name == "b16d16":
        return replace(get_preset("tiny"), name="b16d16", block_size=16, head_dim=16, max_seq_len=512)
    return get_preset(name)


def case_inputs(case: KernelCase, cfg: AcceleratorConfig):
    """Structured synthetic q, k, v ``[H][N][D]`` / ``[Hkv][N][D]`` (as ``fast-prefill run-head``)."""
    from ..verify.golden.synthetic import make_qkv

    q, k, v = make_qkv(case.n, case.heads, case.kv_heads, cfg.head_dim, seed=case.seed)
    return tuple(np.ascontiguousarray(x.transpose(1, 0, 2)) for x in (q, k, v))


def simulate(case: KernelCase, cfg: AcceleratorConfig | str = "tiny", trace=None,
             timeout_cycles: int = 20_000_000, overlap: bool = True) -> KernelSimResult:
    """Run ``case`` on the converted Verilog of ``fast_prefill`` built for ``cfg`` (Verilator);
    ``overlap=False`` builds the kernel whose SIG waits for the previous head's attention (the
    baseline of the overlap)."""
    from ..host.driver import Device
    from ..verify.golden.kernel_ref import kernel_reference
    from ..verify.verilator.build import Faults, run

    t0 = time.time()
    cfg = config(cfg)
    q, k, v = case_inputs(case, cfg)
    minb = cfg.block_size if case.min_budget is None else case.min_budget
    ref = kernel_reference(q, k, v, fixed_config(cfg), gamma=case.gamma, tau=case.tau, min_budget=minb,
                           max_budget=None)
    dev = Device(preset="tiny", backend="verilator")
    dev.cfg = cfg                                    # Device.kernel builds for dev.cfg
    bos = []
    for arr in (ref.q_int, ref.k_int, ref.v_int):
        bo = dev.alloc(arr.size)
        bo.write(np.asarray(arr, np.int64).astype(np.int8))
        bo.sync_to_device()
        bos.append(bo)
    h, n, d = ref.q_int.shape
    o_bo = dev.alloc(2 * h * n * d)
    o_bo.sync_to_device()
    from ..blocks import get_block

    spec = get_block("fast_prefill")
    krn = dev.kernel("fast_prefill", params=dict(spec.params(cfg), overlap=overlap))
    r = krn(*bos, o_bo, **ref.regs)
    ops = [("idle", cfg.max_seq_len + 64)] + r._script(timeout_cycles)
    b = krn.verilator_build()
    res = run(b, dict(dev._memory), ops, Faults(), trace=trace, max_cycles=timeout_cycles + 100_000,
              name=krn.source.module)
    status = dict(res.reads)[krn.regmap.offsets["status"]]
    if status or res.violations:
        raise AssertionError(f"kernel calibration run {case}: status {status}, violations {res.violations[:3]}")
    o = np.frombuffer(res.memory[o_bo.address][:2 * h * n * d], np.int16).reshape(h, n, d).astype(np.int64)
    if not np.array_equal(o, np.asarray(ref.o, np.int64)):
        raise AssertionError(f"kernel calibration run {case}: O differs from the golden kernel_reference")
    return KernelSimResult(case, int(res.cycles), ref, time.time() - t0)
