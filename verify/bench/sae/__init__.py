"""SAE benchmark (``fast-prefill bench sae``): the row-parallel engine ``sae_row_engine`` (what the
kernel uses) in simulated cycles and by its exact cycle formula, against its peak of ``2 P D``
useful MACs a cycle and against the ``D``-lane engine ``sae_engine`` computed in the same run.

* **Simulated** (converted Verilog, Icarus, no idles or back-pressure): per shape, an isolated row
  job of 1 and of 4 key blocks (cycles from the command to the last output row, against
  ``RowGeometry.cycles``) and three row jobs of 4, 5 and 6 blocks sent back to back (against
  ``RowGeometry.stream_cycles``). Every output row is checked against the golden model.
  Efficiency = useful MACs / (cycles x ``2 P D``), useful MACs ``2 G B^2 D`` per key block
  (``Q K^T`` and ``P V``; the masked half of a diagonal block counted as useful).
* **u280** (formula only: ``B = D = 128``, ``P = sae_rows``): the kernel's attention phase runs the
  row jobs of a head back to back (``G = 1``); per head of real MInference vertical-and-slash
  layouts (``verify/bench/kvc.head_layout``) the cycles are ``stream_cycles`` of its rows'
  block counts. Reported: useful MAC a cycle, the peak, the efficiency, over every head and over
  the rows with at least 4 key blocks.

Writes ``build/bench/sae.json`` (keys ``u280_mac_per_cycle``, ``u280_peak_mac_per_cycle``,
``u280_efficiency``, ``sim_efficiency_min``, ``shapes``, ``layouts``) and prints the tables.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from ....rtl.sae.engine import SaeGeometry
from ....rtl.sae.row_engine import RowGeometry

SIM_SHAPES = [  # (B, D, G, P, qk_lut_rows): simulated on the converted Verilog
    (8, 8, 2, 2, 1),     # the tiny preset's engine
    (8, 8, 3, 4, 2),
    (16, 16, 1, 4, 2),   # mid-size: B = D = 16
    (16, 8, 4, 8, 4),
    (16, 16, 2, 8, 3),
]
ISOLATED = (1, 4)        # blocks of the isolated row jobs
STREAM = (4, 5, 6)       # blocks of the back-to-back row jobs
LENGTHS = (4096, 16384, 32768)
MODELS = ("llama-3-8b", "qwen2.5-7b")


def measure(b: int, d: int, g: int, rows: int, lut: int) -> dict:
    """Simulated cycles of ``sae_row_engine`` (Icarus) against its formulas; outputs checked."""
    from ....rtl.sae import formats as F
    from .harness import make_group, run_engine

    nb = max(STREAM + ISOLATED)
    params = {"block_size": b, "head_dim": d, "group": g, "max_seq_len": max(64, nb * b), "rows": rows,
              "qk_lut_rows": lut}
    geom = RowGeometry(**params)
    heads = make_group(nb * b, d, g, seed=11)
    lists = [np.arange(r + 1) for r in range(nb)]

    def run(jobs):
        res = run_engine(params, heads, lists, jobs, "icarus")
        if res.outputs["m_o"] != F.expected_o_beats(geom, heads, lists, jobs) or res.violations:
            raise AssertionError(f"sae bench {params}: output differs from the golden model")
        return res.out_cycles["m_o"][-1] - res.in_cycles["s_cmd"][0] + 1

    iso = [run([n - 1]) for n in ISOLATED]
    stream = run([n - 1 for n in STREAM])
    useful = sum(geom.useful_macs(n) for n in STREAM)
    return {"B": b, "D": d, "G": g, "P": rows, "qk_lut_rows": lut, "peak_mac_per_cycle": geom.peak_macs_per_cycle,
            "isolated_blocks": list(ISOLATED), "isolated_sim": iso, "isolated_formula": [geom.cycles(n) for n in ISOLATED],
            "stream_blocks": list(STREAM), "stream_sim": stream, "stream_formula": geom.stream_cycles(STREAM),
            "isolated_efficiency": geom.useful_macs(ISOLATED[-1]) / (iso[-1] * geom.peak_macs_per_cycle),
            "stream_efficiency": useful / (stream * geom.peak_macs_per_cycle),
            "block_cycles": geom.block_cycles(),
            "d_lane_block_cycles": SaeGeometry(b, d, g, params["max_seq_len"]).cycles(2)
            - SaeGeometry(b, d, g, params["max_seq_len"]).cycles(1)}


def layout_records(cfg, lengths, heads_per_model: int = 2) -> list[dict]:
    """u280 formula over the rows of real MInference layouts, one head at a time (``G = 1``)."""
    from ...golden.minference import load_budgets
    from ..kvc import head_layout

    geom = RowGeometry(block_size=cfg.block_size, head_dim=cfg.head_dim, group=1, max_seq_len=cfg.max_seq_len,
                       rows=cfg.sae_rows, qk_lut_rows=cfg.sae_qk_lut_rows)
    old = SaeGeometry(cfg.block_size, cfg.head_dim, 1, cfg.max_seq_len)
    out = []
    for model in MODELS:
        layers = load_budgets(model)
        picks = [(len(layers) // (heads_per_model + 1) * (j + 1), (7 * j + 3) % len(layers[0]))
                 for j in range(heads_per_model)]
        for n in lengths:
            for layer, head in picks:
                lists, (v, s) = head_layout(model, layer, head, n, cfg.block_size)
                counts = [len(x) for x in lists]
                cycles = geom.stream_cycles(counts)
                useful = sum(geom.useful_macs(c) for c in counts)
                wide = [c for c in counts if c >= 4]
                # rows with >= 4 blocks, back to back (their own stream)
                w_eff = (sum(geom.useful_macs(c) for c in wide) / (geom.stream_cycles(wide) * geom.peak_macs_per_cycle)
                         if wide else None)
                old_cycles = sum(old.cycles(c) for c in counts)
                out.append({"model": model, "n": n, "layer": layer, "head": head, "vertical": v, "slash": s,
                            "rows": len(counts), "key_blocks": sum(counts), "cycles": cycles,
                            "mac_per_cycle": useful / cycles, "efficiency": useful / (cycles * geom.peak_macs_per_cycle),
                            "rows_4plus": len(wide), "efficiency_rows_4plus": w_eff,
                            "d_lane_cycles": old_cycles, "speedup_vs_d_lane": old_cycles / cycles})
    return out


def main(argv=None) -> int:
    from ....config import get_preset

    ap = argparse.ArgumentParser(prog="fast-prefill bench sae", description=__doc__.split("\n\n")[0])
    ap.add_argument("--no-rtl", action="store_true", help="formula rows only")
    ap.add_argument("--lengths", type=int, nargs="*", default=list(LENGTHS))
    ap.add_argument("--heads", type=int, default=2, help="MInference heads per model and length")
    ap.add_argument("--clock-mhz", type=float, default=300.0)
    ap.add_argument("--json", default="build/bench/sae.json")
    args = ap.parse_args(argv)
    cfg = get_preset("u280")
    t0 = time.time()
    shapes = []
    print("Simulated sae_row_engine (converted Verilog, Icarus): cycles from the first command to the last output row\n")
    print("| B | D | G | P (LUT rows) | isolated 1 blk: sim / formula | isolated 4 blk: sim / formula | "
          "jobs 4+5+6 back to back: sim / formula | efficiency isolated / stream | block: cycles (D-lane engine) |")
    print("|---|---|---|---|---|---|---|---|---|")
    if not args.no_rtl:
        for shape in SIM_SHAPES:
            r = measure(*shape)
            shapes.append(r)
            print(f"| {r['B']} | {r['D']} | {r['G']} | {r['P']} ({r['qk_lut_rows']}) | {r['isolated_sim'][0]} / "
                  f"{r['isolated_formula'][0]} | {r['isolated_sim'][1]} / {r['isolated_formula'][1]} | "
                  f"{r['stream_sim']} / {r['stream_formula']} | {r['isolated_efficiency']:.3f} / "
                  f"{r['stream_efficiency']:.3f} | {r['block_cycles']} ({r['d_lane_block_cycles']}) |", flush=True)
            if r["isolated_sim"] != r["isolated_formula"] or r["stream_sim"] != r["stream_formula"]:
                print("  MISMATCH between simulation and formula")
                return 1
    geom = RowGeometry(block_size=cfg.block_size, head_dim=cfg.head_dim, group=1, max_seq_len=cfg.max_seq_len,
                       rows=cfg.sae_rows, qk_lut_rows=cfg.sae_qk_lut_rows)
    layouts = layout_records(cfg, args.lengths, args.heads)
    print(f"\nu280 formula (B = D = {cfg.block_size}, P = {cfg.sae_rows}, {cfg.sae_qk_lut_rows} of them on LUT lanes, "
          f"peak {geom.peak_macs_per_cycle} MAC/cycle, {args.clock_mhz:.0f} MHz): MInference layouts, one head's rows "
          "back to back\n")
    print("| model | N | layer.head | rows | key blocks | cycles | ms | MAC/cycle | efficiency | rows >= 4 blk: efficiency "
          "| speed-up vs D-lane engine |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in layouts:
        w = "-" if r["efficiency_rows_4plus"] is None else f"{r['efficiency_rows_4plus']:.4f}"
        print(f"| {r['model']} | {r['n'] // 1024}K | {r['layer']}.{r['head']} | {r['rows']} | {r['key_blocks']} | "
              f"{r['cycles']} | {r['cycles'] / args.clock_mhz / 1000:.3f} | {r['mac_per_cycle']:.0f} | "
              f"{r['efficiency']:.4f} | {w} | {r['speedup_vs_d_lane']:.1f} |")
    useful = sum(r["mac_per_cycle"] * r["cycles"] for r in layouts)
    cycles = sum(r["cycles"] for r in layouts)
    # The kernel: the KV cache delivers one K/V row word a cycle from its tier RAMs (its fill packs
    # 8 D / hbm_data_width AXI beats into a word), so a block's load (2 B + 1 cycles) hides under its
    # compute; a miss occupies the cache's AXI port for 2 half_beats beats
    # (perf.units.sae_rows_block_cycles / kvc_miss_port_cycles; the performance model uses the same rules).
    from ....perf.units import kvc_half_beats, row_beats, sae_rows_block_cycles

    ratio = row_beats(cfg.head_dim, cfg.data_width, cfg.hbm_data_width)
    feed_block = sae_rows_block_cycles(cfg.block_size, 1, cfg.sae_rows, 1)
    miss_beats = 2 * kvc_half_beats(cfg.block_size, cfg.head_dim, cfg.data_width, cfg.hbm_data_width)
    kernel_mpc = geom.useful_macs(1) / feed_block
    summary = {
        "u280_mac_per_cycle": useful / cycles,
        "u280_peak_mac_per_cycle": geom.peak_macs_per_cycle,
        "u280_efficiency": useful / (cycles * geom.peak_macs_per_cycle),
        "u280_efficiency_min_head": min(r["efficiency"] for r in layouts),
        "u280_efficiency_min_rows_4plus": min(r["efficiency_rows_4plus"] for r in layouts
                                              if r["efficiency_rows_4plus"] is not None),
        "sim_efficiency_min": min((r["stream_efficiency"] for r in shapes), default=None),
        "u280_kernel_feed_beats_per_row": 1,
        "u280_kernel_axi_beats_per_row": ratio,
        "u280_kernel_block_cycles": feed_block,
        "u280_kernel_miss_port_beats": miss_beats,
        "u280_kernel_miss_rate_hidden": min(1.0, feed_block / miss_beats),
        "u280_kernel_mac_per_cycle": kernel_mpc,
        "sim_isolated_efficiency_min": min((r["isolated_efficiency"] for r in shapes), default=None),
        "shapes": shapes, "layouts": layouts,
    }
    print(f"\nu280: {summary['u280_mac_per_cycle']:.0f} useful MAC/cycle of {geom.peak_macs_per_cycle} "
          f"(efficiency {summary['u280_efficiency']:.4f}; lowest head {summary['u280_efficiency_min_head']:.4f}, "
          f"rows with >= 4 blocks {summary['u280_efficiency_min_rows_4plus']:.4f}); simulated shapes, jobs back to "
          f"back: lowest efficiency {summary['sim_efficiency_min']}")
    print(f"kernel (G = 1): K/V rows from the KV cache's tier RAMs one a cycle (a row = {ratio} AXI beats of "
          f"{cfg.hbm_data_width} bits, packed by the fill): a block takes max({geom.block_cycles()} compute, "
          f"{2 * cfg.block_size + 1} load) = {feed_block} cycles, {kernel_mpc:.0f} useful MAC/cycle; a miss holds the "
          f"cache's AXI port {miss_beats} beats, so misses of up to {min(1.0, feed_block / miss_beats):.0%} of the "
          "accesses fill under the compute")
    print(f"({time.time() - t0:.1f} s)")
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        with open(args.json, "w") as f:
            json.dump(summary, f, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
