"""SIG benchmark (not a test): cycles of the built SIG blocks from simulation of the converted
Verilog against their ideal, and on-chip memory at N = 128K for the U280 preset.

``fast-prefill bench sig`` (options: ``--quick``, ``--json PATH``; default JSON
``build/bench/sig.json``).

* Block-list builder: cycles from the first header beat to the last list beat, against the ideal of
  one ``s_sel`` beat plus one scan candidate per cycle (``1 + entries + nb (nb + 1) / 2``).
* Coverage select: cycles per vector against ``n + 1`` (load) ``+ P (n - 1)`` (one read of every
  value per histogram pass) ``+ n`` (emission); the difference is the digit scan after each pass
  (up to ``2^h`` cycles).
* Liveness annotator: cycles per head against ``3 L + max_blocks`` (collect, backward, emit, clear).
* Score pipeline: cycles from the header to the last accumulator beat against the ideal of two
  passes of N x B x D multiply-accumulates on r D lanes (``2 N B / r``), simulated at small shapes
  (asserted equal to ``perf.units.probe_cycles`` + 4) and from that formula at the U280 shape (B = D
  = 128, r = ``sig_probe_rows``, N = 4K .. 128K); its MAC/cycle against ``r D``.
* SIG share: the SIG's share of attention time per model, layout source and length, from the
  performance model with the layouts of ``make report`` (target: at most 15 %).
* Whole head (``sig_head``): cycles from ``start`` to ``done`` on the converted Verilog (AXI
  latency 0) against the probe's schedule (the score pipeline alone) and the bounds of the summed
  sub-block formulas (``verify/bench/sig/head.head_cycle_formula``).
* Memory: every on-chip memory of the SIG at the U280 preset (128K tokens, 1024 blocks), mapped to
  URAM288 (4K x 72) or BRAM36 (1K x 36 .. 32K x 1) the way Vivado packs a simple dual-port RAM,
  against the U280's 960 URAM and 2016 BRAM36 (estimates, not a Vivado report).
"""

from __future__ import annotations

import argparse
import json
import math
import sys

import numpy as np

from ....config import U280_BRAM36, U280_URAM, get_preset
from ....tools import BUILD_DIR
from ...golden.block_lists import HeadPattern


def _uram(depth: int, width: int) -> int:
    return math.ceil(depth / 4096) * math.ceil(width / 72)


def _bram36(depth: int, width: int) -> int:
    best = None
    for d, w in ((1024, 36), (2048, 18), (4096, 9), (8192, 4), (16384, 2), (32768, 1)):
        n = math.ceil(depth / d) * math.ceil(width / w)
        best = n if best is None else min(best, n)
    return best


def memory_table(preset: str = "u280") -> list[dict]:
    from ....rtl.sig.list_builder import index_width

    cfg = get_preset(preset)
    nb = cfg.max_blocks
    iw = index_width(nb)
    lb = cfg.block_size.bit_length() - 1
    acc_bits = 16 + 1 + lb                       # golden probe_acc_bits (A = 16)
    pooled_bits = acc_bits + lb
    max_acc = nb * (nb + 1) // 2                  # rtl/sig/specs.py liveness_max_accesses: a dense head
    r = cfg.sig_probe_rows
    q_rows = cfg.block_size // r                  # probe rows per lane
    rows = [
        ("list builder: vertical bitmap", "built", nb, 1, "LUTRAM"),
        ("list builder: slash bitmap", "built", nb, 1, "LUTRAM"),
        ("liveness: access buffer + next use", "built", max_acc, 3 * iw + 3, "URAM"),
        ("liveness: per-block {valid, next row, unbroken}", "built", nb, iw + 2, "BRAM"),
        ("coverage select: pooled values", "built", nb, pooled_bits, "BRAM"),
        ("coverage count: values (own copy)", "built", cfg.max_seq_len, acc_bits, "URAM"),
        ("score pipeline: vertical accumulator", "built", cfg.max_seq_len, acc_bits, "URAM"),
        (f"score pipeline: slash accumulator, {r} banks", "built", cfg.max_seq_len // r, acc_bits, "URAM", r),
        (f"score pipeline: probe queries, {r} lanes", "built", q_rows, cfg.head_dim * cfg.data_width, "LUTRAM", r),
        (f"score pipeline: block logits, 2 banks, {r} lanes", "built", q_rows * cfg.block_size, 25, "BRAM", 2 * r),
        ("head: vertical accumulator copy", "built", cfg.max_seq_len, acc_bits, "URAM"),
        ("head: slash accumulator copy", "built", cfg.max_seq_len, acc_bits, "URAM"),
        ("head: pooled vertical and slash", "built", 2 * nb, pooled_bits, "BRAM"),
        ("head: K block sums (query-aware path)", "built", nb, cfg.head_dim * (8 + lb), "URAM"),
        ("head: Q and K AXI reader FIFOs", "built", 2 * 2 * min(64, 4096 * 8 // cfg.hbm_data_width),
         cfg.hbm_data_width, "BRAM"),
    ]
    out = []
    for name, status, depth, width, kind, *copies in rows:
        n = copies[0] if copies else 1          # memories of this shape (lanes, banks)
        bits = n * depth * width
        uram = n * _uram(depth, width) if kind == "URAM" else 0
        bram = n * _bram36(depth, width) if kind == "BRAM" else 0
        out.append({"memory": name, "status": status, "copies": n, "depth": depth, "width": width, "bits": bits,
                    "maps_to": kind, "uram": uram, "bram36": bram})
    return out


def _span(res, stream_in: str = "s") -> int:
    first = min(c for k, v in res.in_cycles.items() for c in v[:1])
    return res.out_cycles["m"][-1] - first + 1


def bench_builder(sizes) -> list[dict]:
    from ....rtl.sig.formats import expected_list_beats, pattern_extra_beats, pattern_sel_beats
    from ...streams import run_stream_bench
    from ....blocks import get_block

    spec = get_block("sig_list_builder")
    rng = np.random.default_rng(1)
    out = []
    for nb in sizes:
        mb = 1 << max(1, (nb - 1).bit_length())
        for kind in ("dense", "sparse"):
            if kind == "dense":
                p = HeadPattern(nb, np.zeros(0, np.int64), np.zeros(0, np.int64), dense=True)
            else:
                causal = [r * nb + c for r in range(nb) for c in range(r + 1)]
                p = HeadPattern(nb, np.sort(rng.choice(nb, 2, replace=False)), np.sort(rng.choice(nb, 2, replace=False)),
                                np.sort(rng.choice(causal, min(len(causal), 2 * nb), replace=False)))
            sel, extra = pattern_sel_beats(p, mb), pattern_extra_beats(p, mb)
            want = expected_list_beats(p, mb)
            res = run_stream_bench(spec, {"max_blocks": mb}, "icarus", {"s_sel": sel, "s_extra": extra},
                                   {"m": len(want)}, max_cycles=10 * mb + 4 * nb * nb + 100)
            assert res.outputs["m"] == want, "builder output differs from the golden model"
            cyc = res.out_cycles["m"][-1] - res.in_cycles["s_sel"][0] + 1
            ideal = len(sel) + nb * (nb + 1) // 2
            out.append({"block": "list_builder", "case": f"{kind} nb={nb}", "beats": len(want), "cycles": cyc,
                        "ideal": ideal, "efficiency": ideal / cyc})
    return out


def bench_top_m(sizes) -> list[dict]:
    from ....blocks import get_block
    from .harness import top_m_golden
    from ....rtl.sig.top_m import top_m_widths
    from ...streams import run_stream_bench

    spec = get_block("sig_top_m")
    rng = np.random.default_rng(2)
    out = []
    for n in sizes:
        params = {"max_n": n, "width": 12, "hist_bits": 4, "div_shift": 0, "min_m": 1, "max_m": n}
        iw, _, pw = top_m_widths(n, 12, 0)
        vals = [int(x) for x in rng.integers(0, 1 << 12, n)]
        count = n // 4
        beats = [count] + vals
        beats[-1] |= 1 << pw
        sel = top_m_golden(count, vals, params)
        res = run_stream_bench(spec, params, "icarus", {"s": beats}, {"m": len(sel)}, max_cycles=20 * n + 200)
        got = [b & ((1 << iw) - 1) for b in res.outputs["m"]]
        assert got == [int(i) for i in sel], "top-m output differs from the golden model"
        cyc = res.out_cycles["m"][-1] - res.in_cycles["s"][0] + 1
        npass = 3
        ideal = (n + 1) + npass * (n - 1) + n  # every pass reads each value once; no digit scan
        out.append({"block": "top_m", "case": f"n={n} m={len(sel)}", "beats": len(sel), "cycles": cyc,
                    "ideal": ideal, "efficiency": ideal / cyc})
    return out


def bench_liveness(sizes) -> list[dict]:
    from .harness import run_liveness

    out = []
    for nb in sizes:
        mb = 1 << max(1, (nb - 1).bit_length())
        p = HeadPattern(nb, np.array([0, 1]), np.array([0, 1, 3]))
        params = {"max_blocks": mb, "max_accesses": 1 << (p.num_blocks() - 1).bit_length()}
        res = run_liveness([p], [], [], backends=("icarus",), params=params)["icarus"]
        acc = p.num_blocks()
        cyc = res.out_cycles["m"][-1] - res.in_cycles["s"][0] + 1
        ideal = 3 * acc
        out.append({"block": "liveness", "case": f"nb={nb} L={acc}", "beats": acc, "cycles": cyc,
                    "ideal": ideal, "efficiency": ideal / cyc})
    return out


#: the probe's fixed hand-over: header and first query beat, the last output beat's register
PROBE_HANDOVER = 4


def bench_probe(shapes) -> tuple[list[dict], list[dict]]:
    """``(cycle rows, MAC rows)``. Simulated shapes ``(B, D, N, r)`` on the converted Verilog, each
    equal to ``perf.units.probe_cycles + 4`` (asserted: the formula the U280 rows use is the
    simulated schedule); then the U280 shape at the performance report's lengths from that formula.
    MAC/cycle counts the useful multiply-accumulates of both passes, ``2 N B D``, against the r
    lanes' ``r D`` a cycle."""
    from ....blocks import get_block
    from ....perf.units import probe_cycles
    from .harness import PROBE_PARAMS, expected_probe_beats, probe_cfg, probe_inputs
    from ...golden.fixed_point import score_multiplier
    from ...streams import run_stream_bench

    spec = get_block("sig_probe")
    rng = np.random.default_rng(4)
    out, macs = [], []
    for b, d, n, r in shapes:
        params = {**PROBE_PARAMS, "block_size": b, "head_dim": d, "max_n": n, "rows_per_key": r}
        qp, k = rng.integers(-127, 128, (b, d)), rng.integers(-127, 128, (n, d))
        mult, shift = score_multiplier(1e-3, probe_cfg(params))
        hdr, qs, ks = probe_inputs(qp, k, mult, shift, params)
        want = expected_probe_beats(qp, k, mult, shift, params)
        formula = probe_cycles(n, b, params["recip_frac"], r, d) + PROBE_HANDOVER
        res = run_stream_bench(spec, params, "icarus", {"s_hdr": hdr, "s_q": qs, "s_k": ks}, {"m": len(want)},
                               max_cycles=2 * formula + 100)
        assert res.outputs["m"] == want, "probe accumulators differ from the golden model"
        cyc = res.out_cycles["m"][-1] - res.in_cycles["s_hdr"][0] + 1
        assert cyc == formula, f"probe B={b} r={r} N={n}: simulated {cyc} cycles, formula {formula}"
        ideal = 2 * n * b // r  # two passes of N x B x D MACs over r D lanes
        out.append({"block": "probe", "case": f"B={b} D={d} N={n} r={r}", "beats": len(want), "cycles": cyc,
                    "ideal": ideal, "efficiency": ideal / cyc})
        macs.append(_probe_macs("simulated", b, d, n, r, cyc))
    cfg = get_preset("u280")
    b, d, r = cfg.block_size, cfg.head_dim, cfg.sig_probe_rows
    for n in (4096, 8192, 16384, 32768, 65536, 131072):
        cyc = probe_cycles(n, b, 16, r, d) + PROBE_HANDOVER
        out.append({"block": "probe (schedule formula)", "case": f"B={b} D={d} N={n} r={r}", "beats": 2 * n,
                    "cycles": cyc, "ideal": 2 * n * b // r, "efficiency": 2 * n * b / r / cyc})
        macs.append(_probe_macs("u280 formula", b, d, n, r, cyc))
    return out, macs


def _probe_macs(kind: str, b: int, d: int, n: int, r: int, cycles: int) -> dict:
    useful = 2 * n * b * d
    return {"source": kind, "B": b, "D": d, "N": n, "r": r, "cycles": cycles, "mac_per_cycle": useful / cycles,
            "lane_peak": r * d, "fraction_of_r_d": useful / cycles / (r * d)}


def sig_share_rows(lengths=None) -> list[dict]:
    """The SIG's share of attention time per (model, layout source, N) from the performance model
    at the U280 preset, with the layouts of ``make report`` (its cache under build/cache; computed
    when missing, minutes): ``sig_share`` = SIG cycles / (SIG + attention cycles), the SIG's own
    time; ``sig_exposed_share`` = the part of the layer's time that the SIG adds with the kernel's
    overlap (the next head's SIG during this head's attention: one head's SIG per layer, plus the
    heads whose SIG outlasts the attention before them)."""
    from ....perf import report
    from ....perf.model import MODELS, project

    lengths = lengths or report.LENGTHS
    cfg = get_preset("u280")
    _, layouts = report.compute(lengths, False, 1, True, log=lambda *a: None)
    out = []
    for model in MODELS:
        for src in ("minference", "flexprefill"):
            for n in lengths:
                a = project(model, n, layouts[(src, n)][model], cfg)["attention"]
                sig = sum(v for k, v in a["cycles_per_layer"].items() if k.startswith("SIG"))
                out.append({"model": model, "source": src, "N": n, "attention_s": a["seconds"],
                            "sig_cycles_per_layer": sig, "sig_share": a["index_generation_share"],
                            "within_15_percent": a["index_generation_share"] <= 0.15,
                            "sig_exposed_share": a["sig_exposed_share"],
                            "exposed_within_15_percent": a["sig_exposed_share"] <= 0.15})
    return out


def _table(rows, cols) -> str:
    txt = [[c for c in cols]] + [[(f"{r[c]:.3f}" if isinstance(r[c], float) else str(r[c])) for c in cols] for r in rows]
    w = [max(len(x[i]) for x in txt) for i in range(len(cols))]
    lines = ["  ".join(x[i].ljust(w[i]) for i in range(len(cols))).rstrip() for x in txt]
    lines.insert(1, "  ".join("-" * v for v in w))
    return "\n".join(lines)


def main(argv) -> int:
    ap = argparse.ArgumentParser(prog="fast-prefill bench sig")
    ap.add_argument("--quick", action="store_true", help="small sizes only")
    ap.add_argument("--json", default=str(BUILD_DIR / "bench" / "sig.json"))
    args = ap.parse_args(argv)
    sizes = (8, 16) if args.quick else (8, 16, 32, 64)
    shapes = ((4, 2, 64, 1), (8, 4, 128, 2), (16, 4, 128, 8)) if args.quick else \
        ((4, 2, 64, 1), (8, 4, 128, 2), (8, 8, 256, 4), (16, 4, 512, 8), (32, 2, 256, 8))
    from .head import bench_head

    probe_rows, macs = bench_probe(shapes)
    cyc = probe_rows + bench_builder(sizes) + bench_top_m(sizes) + bench_liveness(sizes[:3])
    cyc += bench_head((4, 8) if args.quick else (4, 8, 16, 32))
    print("SIG blocks, cycles from simulation of the converted Verilog (Icarus), no stalls:")
    print(_table(cyc, ("block", "case", "beats", "cycles", "ideal", "efficiency")))
    print("\nScore pipeline MAC/cycle (useful 2 N B D over the cycles; lane peak r D):")
    print(_table(macs, ("source", "B", "D", "N", "r", "cycles", "mac_per_cycle", "lane_peak", "fraction_of_r_d")))
    share = sig_share_rows((4096, 16384) if args.quick else None)
    print("\nSIG share of attention time (performance model, U280, SIG and attention serial):")
    print(_table(share, ("model", "source", "N", "attention_s", "sig_share", "within_15_percent",
                         "sig_exposed_share", "exposed_within_15_percent")))
    mem = memory_table("u280")
    print("\nOn-chip memory at the U280 preset (N = 128K tokens, 1024 blocks):")
    print(_table(mem, ("memory", "status", "copies", "depth", "width", "bits", "maps_to", "uram", "bram36")))
    tot = {"SIG total": (sum(m["uram"] for m in mem), sum(m["bram36"] for m in mem))}
    for k, (u, b) in tot.items():
        print(f"{k:16s}: {u} URAM288 of {U280_URAM} ({100 * u / U280_URAM:.1f}%), "
              f"{b} BRAM36 of {U280_BRAM36} ({100 * b / U280_BRAM36:.1f}%)")
    path = args.json
    import pathlib
    pathlib.Path(path).parent.mkdir(parents=True, exist_ok=True)
    pathlib.Path(path).write_text(json.dumps({"cycles": cyc, "probe_mac_per_cycle": macs, "sig_share": share,
                                                     "memory": mem, "totals": tot}, indent=1))
    print(f"\nJSON: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
