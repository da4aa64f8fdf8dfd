"""``fast-prefill run-head``: random structured head(s) through the simulated kernel, checked exactly.

Builds structured synthetic q, k, v (:mod:`fast_prefill.verify.golden.synthetic`: sink, slash,
retrieval and random heads), runs them through the ``fast_prefill`` kernel with the host driver
(:func:`fast_prefill.host.attention.run_attention`), compares O with the bit-accurate golden model
and prints cycles, cycles per second and ``OK`` or the first mismatch. Exit status 0 on an exact
match, 1 on a mismatch, 2 on a usage or kernel error.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="fast-prefill run-head", description=__doc__.split("\n\n")[0])
    p.add_argument("--preset", default="tiny", help="accelerator preset (default tiny)")
    p.add_argument("--seq-len", type=int, default=256, help="N, tokens (default 256)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--heads", type=int, default=1, help="H, query heads (default 1)")
    p.add_argument("--kv-heads", type=int, default=None, help="Hkv, key/value heads (default: H)")
    p.add_argument("--backend", choices=["verilator", "icarus"], default="verilator")
    p.add_argument("--gamma", type=float, default=0.9)
    p.add_argument("--tau", type=float, default=0.0)
    p.add_argument("--faults", action="store_true", help="random HBM latency, RVALID/WREADY gaps, AXI-Lite delays")
    p.add_argument("--trace", action="store_true", help="write a waveform of the run to build/waves/ (verilator)")
    p.add_argument("--trace-format", choices=["vcd", "fst"], default="vcd", help="waveform format (default vcd)")
    p.add_argument("--timeout-cycles", type=int, default=50_000_000)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from ..config import get_preset
    from ..verify.golden.synthetic import make_qkv
    from ..verify.verilator.build import WAVES_DIR, Faults, HarnessError
    from .attention import reference_output, run_attention
    from .driver import ArgumentError, Device, KernelError

    hkv = args.kv_heads or args.heads
    try:
        cfg = get_preset(args.preset)
        q, k, v = make_qkv(args.seq_len, args.heads, hkv, cfg.head_dim, seed=args.seed)
        q, k, v = (np.ascontiguousarray(x.transpose(1, 0, 2)) for x in (q, k, v))  # -> [heads][N][D]
        faults = Faults.adversarial(args.seed) if args.faults else None
        dev = Device(preset=args.preset, backend=args.backend, faults=faults)
        if args.trace:
            if args.backend != "verilator":
                print("error: --trace needs --backend verilator", file=sys.stderr)
                return 2
            dev.trace = WAVES_DIR / f"run_head_{args.preset}_n{args.seq_len}_h{args.heads}x{hkv}_seed{args.seed}.{args.trace_format}"
        t0 = time.monotonic()
        res = run_attention(q, k, v, gamma=args.gamma, tau=args.tau, preset=args.preset, device=dev,
                            timeout_cycles=args.timeout_cycles)
        wall = time.monotonic() - t0
    except (ArgumentError, KernelError, HarnessError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    expect = reference_output(res.inputs, args.preset)
    got = res.o_int.astype(np.int64)
    cps = res.cycles_per_s
    print(f"fast_prefill {args.preset}: N={args.seq_len} H={args.heads} Hkv={hkv} seed={args.seed} "
          f"backend={args.backend}: {res.cycles} cycles ({res.run.result.total_cycles if hasattr(res.run.result, 'total_cycles') else res.cycles} simulated), "
          + (f"{cps:,.0f} cycles/s, " if cps else "") + f"{wall:.1f} s wall including build")
    if getattr(dev, "trace", None):
        print(f"waveform: {dev.trace}")
    if np.array_equal(got, expect):
        print("OK: O equals the bit-accurate golden model")
        return 0
    bad = np.argwhere(got != expect)
    hh, nn, dd = bad[0]
    print(f"MISMATCH: {len(bad)} of {got.size} O elements differ; first at head {hh} token {nn} dim {dd}: "
          f"kernel {got[hh, nn, dd]} != golden {expect[hh, nn, dd]}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
