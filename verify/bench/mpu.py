"""MPU benchmark (``fast-prefill bench mpu``), and the tile-engine harness the MPU tests share.

Harness: :data:`SHAPES` (parameter sets; ``verify/strategies.mpu_cases`` draws random tiles of them) and :func:`run_engine` (drive the tile engine on MyHDL and on its converted Verilog under
Icarus, check exact equality with numpy ``X @ B``, the stream rules and cycle-for-cycle agreement).
"""

from __future__ import annotations

import numpy as np

from ...blocks import get_block
from ...rtl.mpu.packing import decode_outputs, reference, stream_inputs
from ..streams import BACKENDS
from ..streams import check_bench

SPEC = get_block("mpu_tile_engine")


def params(k, w, a, dsp, lut, depth=8):
    return {"k": k, "data_width": w, "acc_width": a, "dsp_cols": dsp, "lut_cols": lut, "fifo_depth": depth}


TINY = params(4, 8, 24, 2, 2)            # the tiny preset's engine
SHAPES = [
    TINY,
    params(2, 8, 18, 1, 2),              # minimal accumulator width for k=2
    params(1, 8, 16, 0, 1),              # LUT lanes only, k=1
    params(8, 8, 19, 3, 0),              # DSP lanes only
    params(4, 4, 10, 1, 1),              # 4-bit operands
]


def run_engine(p, tiles, idle_w=(), idle_x=(), stall=(), backends=BACKENDS, mutant=None, max_cycles=None):
    """Drive the tile engine on each backend; assert exact equality with numpy and the stream rules,
    and (both backends) cycle-for-cycle agreement. Returns the per-backend results."""
    n = p["dsp_cols"] + p["lut_cols"]
    inputs = stream_inputs(tiles, p["data_width"])
    want = reference(tiles)
    rows = want.shape[0]
    max_cycles = max_cycles or 60 + 4 * (rows + len(inputs["s_w"])) * (1 + len(idle_w) + len(idle_x) + len(stall))

    def mismatch(res):
        got = decode_outputs(res.outputs["m"], n, p["acc_width"])
        if got.shape != want.shape or not np.array_equal(got, want):
            return (f"result != numpy X @ B: got {got.tolist()[:4]}..., want {want.tolist()[:4]}... "
                    f"({got.shape[0]} rows out, {rows} expected)")
        return None

    return check_bench(SPEC, p, mismatch, inputs=inputs, expected_counts={"m": rows},
                       idle={"s_w": list(idle_w), "s_x": list(idle_x)}, stall={"m": list(stall)},
                       max_cycles=max_cycles, backends=backends, mutant=mutant, label=f"mpu_tile_engine {p}")


# ---------------------------------------------------------------------------------------------
# Benchmark: utilisation from cycle-accurate simulation of the converted Verilog, lane economics
# from synthesis.

BENCH_SHAPES = [  # (name, params, rows per tile, tiles)
    ("tiny k4 2+2", TINY, 256, 2),
    ("k8 4+2", params(8, 8, 19, 4, 2), 256, 2),
    ("k4 1+3", params(4, 8, 18, 1, 3), 256, 2),
    ("u280 slice k32 2+1", params(32, 8, 32, 2, 1), 128, 2),
]
STALL_PATTERNS = {"none": [], "sink 3/4": [True, False, False, False], "sink 1/2": [True, False]}


def measure_utilisation(p: dict, rows: int, tiles: int, stall: list[bool], seed: int = 0) -> dict:
    """Run ``tiles`` tiles of ``rows`` rows through the converted Verilog (Icarus), check the result
    against numpy, and return MACs/cycle achieved versus peak."""
    import time

    rng = np.random.default_rng(seed)
    lo, hi = -(1 << (p["data_width"] - 1)), (1 << (p["data_width"] - 1)) - 1
    n = p["dsp_cols"] + p["lut_cols"]
    ts = [(rng.integers(lo, hi + 1, size=(p["k"], n)), rng.integers(lo, hi + 1, size=(rows, p["k"])))
          for _ in range(tiles)]
    start = time.monotonic()
    res = run_engine(p, ts, stall=stall, backends=("verilator",))["verilator"]
    wall = time.monotonic() - start
    outs, ins_w = res.out_cycles["m"], res.in_cycles["s_w"]
    peak = p["k"] * n                                           # MACs per cycle, one row per cycle
    sink_share = 1.0 - (sum(stall) / len(stall) if stall else 0.0)   # cycles the sink accepts
    total_rows = rows * tiles
    # Steady state: the output rate within each tile (the rows of one stationary tile), worst tile.
    per_tile = [outs[t * rows:(t + 1) * rows] for t in range(tiles)]
    steady = min((rows - 1) / (o[-1] - o[0]) for o in per_tile) if rows > 1 else 1.0
    sustained = (total_rows - 1) / (outs[-1] - outs[0]) if total_rows > 1 else 1.0   # tile reloads included
    end_to_end = total_rows / (outs[-1] - ins_w[0] + 1)
    return {"k": p["k"], "dsp_cols": p["dsp_cols"], "lut_cols": p["lut_cols"], "rows": total_rows,
            "tiles": tiles, "peak_macs_per_cycle": peak, "sink_share": sink_share,
            "steady_macs_per_cycle": steady * peak, "steady_utilisation": steady,
            "steady_vs_available": steady / sink_share, "sustained_utilisation": sustained,
            "end_to_end_macs_per_cycle": end_to_end * peak, "end_to_end_utilisation": end_to_end,
            "cycles": outs[-1] - ins_w[0] + 1, "sim_seconds": round(wall, 2)}


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.rjust(widths[i]) if i else c.ljust(widths[i]) for i, c in enumerate(r)) for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def synth_figures(force: bool = False, progress=print) -> dict:
    """Per-lane synthesis figures at the u280 and tiny presets' lane parameters (cached in the report)."""
    from ...config import PRESETS
    from ...rtl.mpu import sizing

    entries = sizing.read_report()
    for name in ("tiny", "u280"):
        cfg = PRESETS[name]
        key = (cfg.mpu_k, cfg.data_width, cfg.acc_width)
        if force or key not in entries:
            progress(f"  synth_xilinx -family xcup: DSP pair lane and bit-plane lane at k={key[0]}, W={key[1]}, A={key[2]} ...")
            entries[key] = sizing.measure_lane_costs(*key)
            sizing.write_report(entries)
    return entries


def main(argv: list[str]) -> int:
    import argparse
    import json

    from ...config import PRESETS
    from ...rtl.mpu import sizing
    from ...tools import BUILD_DIR

    ap = argparse.ArgumentParser(prog="fast-prefill bench mpu", description="MPU utilisation and lane economics")
    ap.add_argument("--synth", action="store_true", help="re-run the per-lane synthesis even if the report exists")
    ap.add_argument("--no-synth", action="store_true", help="skip the synthesis figures")
    ap.add_argument("--quick", action="store_true", help="only the tiny shape, fewer rows")
    args = ap.parse_args(argv)

    print("MPU utilisation: cycle-accurate simulation of the converted Verilog (Icarus), results checked "
          "against numpy X @ B", flush=True)
    shapes = BENCH_SHAPES[:1] if args.quick else BENCH_SHAPES
    results, rows = [], [["shape", "k", "cols dsp+lut", "back-pressure", "rows", "peak MAC/cyc", "steady MAC/cyc",
                          "steady util", "vs sink share", "with reloads", "end-to-end util"]]
    for name, p, nrows, tiles in shapes:
        for sname, stall in STALL_PATTERNS.items():
            if args.quick and sname != "none":
                continue
            r = measure_utilisation(p, nrows // (4 if args.quick else 1), tiles, stall)
            r.update(shape=name, back_pressure=sname)
            results.append(r)
            rows.append([name, str(r["k"]), f"{r['dsp_cols']}+{r['lut_cols']}", sname, str(r["rows"]),
                         str(r["peak_macs_per_cycle"]), f"{r['steady_macs_per_cycle']:.2f}",
                         f"{100 * r['steady_utilisation']:.2f}%", f"{100 * r['steady_vs_available']:.2f}%",
                         f"{100 * r['sustained_utilisation']:.2f}%", f"{100 * r['end_to_end_utilisation']:.2f}%"])
            print(f"  {name:20s} {sname:9s} steady {100 * r['steady_utilisation']:6.2f}% of peak", flush=True)
    print()
    print(_table(rows))
    unstalled = [r["steady_utilisation"] for r in results if r["back_pressure"] == "none"]
    worst = min(unstalled)
    print(f"\nsteady-state utilisation without back-pressure: min {100 * worst:.2f}% of peak "
          f"({'meets' if worst >= 0.95 else 'BELOW'} the 95% target); with back-pressure the output rate "
          f"follows the sink's share of ready cycles (column 'vs sink share').")
    print("steady: output rate within a tile; with reloads: across tiles (each new tile is N load beats);\n"
          "end-to-end: from the first weight beat to the last result (tile loads and the 4-cycle pipeline fill).")

    lanes = {}
    if not args.no_synth:
        print("\nLane economics from yosys synth_xilinx -family xcup (estimates: CARRY4 adders, no timing):", flush=True)
        entries = synth_figures(force=args.synth)
        srows = [["lane", "k", "W", "A", "DSP48E2", "LUT", "FF", "CARRY", "MAC/cyc", "MAC/cyc per DSP",
                  "MAC/cyc per kLUT"]]
        for (k, w, a), costs in sorted(entries.items()):
            for kind, label in (("dsp", "DSP column (1/2 pair lane)"), ("lut", "bit-plane lane")):
                c = costs[kind]
                per_dsp = f"{k / c.dsp:.2f}" if c.dsp else "-"
                per_klut = f"{1000 * k / c.lut:.2f}" if c.lut else "-"
                srows.append([label, str(k), str(w), str(a), str(c.dsp), str(c.lut), str(c.ff), str(c.carry), str(k),
                              per_dsp, per_klut])
                lanes[f"{kind}_k{k}_w{w}_a{a}"] = {**c.__dict__, "macs_per_cycle": k}
        print(_table(srows))
        cfg = PRESETS["u280"]
        costs = sizing.lane_costs(cfg)
        est = sizing.resource_estimate(cfg, costs)
        sized = sizing.size_lanes(costs, cfg.mpu_k, dsp_fraction=0.56, lut_fraction=0.35)
        print(f"\nu280 preset MPU ({cfg.mpu_dsp_cols} DSP + {cfg.mpu_lut_cols} LUT lanes, k={cfg.mpu_k}): "
              f"{est['total']['DSP48E2']} DSP48E2 ({100 * est['u280_share']['DSP48E2']:.1f}%), "
              f"{est['total']['LUT']} LUT ({100 * est['u280_share']['LUT']:.1f}%), "
              f"{est['total']['FF']} FF; {est['macs_per_cycle']} MAC/cycle")
        print(f"size_lanes(56% DSP, 35% LUT): {sized['mpu_dsp_cols']} DSP + {sized['mpu_lut_cols']} LUT lanes, "
              f"{sized['macs_per_cycle']} MAC/cycle ({sized['DSP48E2']} DSP48E2, {sized['LUT']} LUT)")
        lanes["u280_estimate"] = est
        lanes["u280_sized_56pct_dsp_35pct_lut"] = sized
        print(f"report: {sizing.REPORT}")

    out = BUILD_DIR / "bench" / "mpu.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"utilisation": results, "lanes": lanes,
                               "min_steady_utilisation": worst}, indent=2, default=str) + "\n")
    print(f"json: {out}")
    return 0 if worst >= 0.95 else 1
