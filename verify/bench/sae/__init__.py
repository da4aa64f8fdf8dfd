"""SAE benchmark (``fast-prefill bench sae``): cycles per row job and per key block of the
converted Verilog (Icarus, cycle-accurate, no idles or back-pressure) against the documented
formula ``SaeGeometry.cycles`` and against the ideal ``MACs / lanes``.

Per key block and GQA group the engine does ``2 * G * B * B * D`` MACs (``Q K^T`` and ``P V``) on
``D`` lanes, so the ideal is ``2 * G * B * B`` cycles per block. Every simulated row job's output
is also checked against the golden model (a benchmark that computes the wrong thing is worthless).
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from ....rtl.sae.engine import SaeGeometry

SIM_SHAPES = [  # (B, D, G): simulated on the converted Verilog
    (4, 4, 1), (8, 8, 1), (8, 8, 2), (16, 16, 1), (16, 8, 4),
]
MODEL_SHAPES = [  # (name, B, D, G): formula only (too large to simulate here)
    ("llama-3-8b (B=128, D=128, G=32/8)", 128, 128, 4),
    ("qwen2.5-7b (B=128, D=128, G=28/4)", 128, 128, 7),
    ("B=64, D=128, G=4", 64, 128, 4),
]


def ideal_block(geom: SaeGeometry) -> int:
    return 2 * geom.G * geom.B * geom.B * geom.D // geom.D


def measure(b: int, d: int, g: int, blocks=(1, 3)) -> dict:
    """Cycles of row jobs with ``blocks`` key blocks each (dense rows) on the converted Verilog."""
    from ....rtl.sae import formats as F
    from .harness import make_group, run_engine

    params = {"block_size": b, "head_dim": d, "group": g, "max_seq_len": max(64, 8 * b)}
    geom = SaeGeometry(**params)
    nb = max(blocks)
    n = nb * b
    heads = make_group(n, d, g, seed=11)
    lists = [np.arange(r + 1) for r in range(nb)]
    rows = [n_blk - 1 for n_blk in blocks]
    res = run_engine(params, heads, lists, rows, "icarus")
    expected = F.expected_o_beats(geom, heads, lists, rows)
    if res.outputs["m_o"] != expected or res.violations:
        raise AssertionError(f"sae bench {params}: output differs from the golden model")
    starts, outs = res.in_cycles["s_cmd"], res.out_cycles["m_o"]
    measured = [outs[(k + 1) * geom.GB - 1] - starts[k] + 1 for k in range(len(rows))]
    per_block = (measured[-1] - measured[0]) / (blocks[-1] - blocks[0])
    return {"B": b, "D": d, "G": g, "lanes": d, "blocks": list(blocks), "measured": measured,
            "formula": [geom.cycles(k) for k in blocks], "per_block_measured": per_block,
            "per_block_formula": geom.cycles(2) - geom.cycles(1), "per_block_ideal": ideal_block(geom)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="fast-prefill bench sae", description=__doc__.split("\n\n")[0])
    ap.add_argument("--no-rtl", action="store_true", help="formula rows only")
    ap.add_argument("--clock-mhz", type=float, default=300.0)
    ap.add_argument("--json", default=None)
    args = ap.parse_args(argv)
    t0 = time.time()
    records = []
    print("Simulated (converted Verilog, Icarus; row jobs of 1 and 3 dense key blocks):\n")
    print("| B | D | G | lanes | row job 1 blk: sim / formula | row job 3 blk: sim / formula | per block: sim / formula / ideal | efficiency |")
    print("|---|---|---|---|---|---|---|---|")
    if not args.no_rtl:
        for b, d, g in SIM_SHAPES:
            r = measure(b, d, g)
            records.append(r)
            eff = r["per_block_ideal"] / r["per_block_measured"]
            print(f"| {b} | {d} | {g} | {d} | {r['measured'][0]} / {r['formula'][0]} | {r['measured'][1]} / "
                  f"{r['formula'][1]} | {r['per_block_measured']:.0f} / {r['per_block_formula']} / "
                  f"{r['per_block_ideal']} | {eff:.3f} |", flush=True)
            if r["measured"] != r["formula"]:
                print("  MISMATCH between simulation and formula")
                return 1
    print(f"\nFormula at model sizes ({args.clock_mhz:.0f} MHz, D lanes, one group per engine):\n")
    print("| shape | cycles per key block | ideal | efficiency | us per key block | fixed cycles per row job (command, Q load, normalise, output) |")
    print("|---|---|---|---|---|---|")
    for name, b, d, g in MODEL_SHAPES:
        geom = SaeGeometry(block_size=b, head_dim=d, group=g, max_seq_len=131072)
        per = geom.cycles(2) - geom.cycles(1)
        ideal = ideal_block(geom)
        tail = geom.cycles(0)
        records.append({"shape": name, "per_block_formula": per, "per_block_ideal": ideal, "row_overhead": tail})
        print(f"| {name} | {per} | {ideal} | {ideal / per:.3f} | {per / args.clock_mhz:.1f} | {tail} |")
    print(f"\n({time.time() - t0:.1f} s)")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(records, f, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
