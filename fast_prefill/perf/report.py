"""``fast-prefill report`` / ``make report``: performance report (markdown + PNG plots).

Writes ``<out>/performance.md``, ``<out>/performance.json``, ``<out>/ttft.png``,
``<out>/hbm_policy.png``, ``<out>/breakdown.png`` (default ``build/report/``) and prints one
progress line per configuration. ``--quick``: 4K..16K only, calibration on the default set.
``--no-calibration``: skip the RTL simulations (the calibration table then says so).
``--jobs N``: worker processes (default: one per CPU). The calibration and the per-(source, length)
layouts run in parallel; every number is the same as a serial run (``--jobs 1``): each layout is
seeded and computed exactly, only where it runs changes. Layout statistics are cached on disk
(:func:`.sparsity.heads_for_models`); ``--no-cache`` recomputes them.

Every number carries a label: **simulated** (converted-Verilog simulation of a unit),
**modelled** (this model, from calibrated unit formulas or from datasheet figures), **cited**
(published claim, with its source).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context
from pathlib import Path

from ..config import get_preset
from ..tools import BUILD_DIR
from . import baselines as BL
from .model import MODELS, ModelParams, project, projection_summary
from .sparsity import KINDS, head_order, heads_for_models

LENGTHS = (4096, 8192, 16384, 32768, 65536, 131072)
QUICK_LENGTHS = (4096, 8192, 16384)
POLICY_MAX_N = 32768       # LRU / Belady simulated up to this length (pure Python, slow beyond)


def _require_matplotlib():
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt  # noqa: F401
    except ImportError:
        raise SystemExit("fast-prefill report: matplotlib is required for the PNG plots and is not installed "
                         "(install the project's pinned matplotlib, e.g. `.venv/bin/pip install matplotlib==3.11.2`)")
    return plt


def _fmt_s(x: float) -> str:
    if x >= 100:
        return f"{x:,.0f}"
    if x >= 1:
        return f"{x:.2f}"
    return f"{x:.3g}"


def _calibration_task(key: str):
    from .calibration import calibrate_unit

    t0 = time.time()
    return [p.as_dict() for p in calibrate_unit(key)], time.time() - t0


def _layout_task(source: str, n: int, part, block: int, pinned: int, managed: int, use_cache: bool):
    t0 = time.time()
    hs = heads_for_models(source, list(MODELS), n, block, pinned, managed, policies=n <= POLICY_MAX_N,
                          use_cache=use_cache, part=part)
    return hs, time.time() - t0


def _cal_line(p: dict) -> str:
    return (f"  calibration {p['unit']:24s} {p['config']:70s} sim {p['sim']:8d} model {p['model']:8d} "
            f"{100 * p['error']:+6.2f}% ({p['seconds']:.1f} s)")


def compute(lengths, calibration: bool, jobs: int, use_cache: bool, log=print):
    """``(calibration rows or None, {(source, n): {model: [HeadStats]}})``: the calibration and one
    layout task per (source, length), longest first, on ``jobs`` worker processes (inline when 1)."""
    cfg = get_preset("u280")
    geom = (cfg.block_size, cfg.pinned_tier_blocks, cfg.managed_tier_blocks, use_cache)
    # FlexPrefill: one task per (length, head kind), each for both models; MInference: per length.
    # Longest first (by N), the calibration after the two longest FlexPrefill kinds.
    tasks = []
    for n in sorted(lengths, reverse=True):
        tasks += [(_layout_task, ("flexprefill", n, kind) + geom) for kind in KINDS]
        tasks.append((_layout_task, ("minference", n, None) + geom))
    if calibration:
        from .calibration import RUNNERS

        # one task per unit, the slowest simulations (MPU, SAE, probe) early
        order = ["mpu", "sae", "probe"] + [k for k in RUNNERS if k not in ("mpu", "sae", "probe")]
        tasks[min(2, len(tasks)):min(2, len(tasks))] = [(_calibration_task, (k,)) for k in order]
    parts, cal_parts = {}, {}

    def done(args, value):
        if len(args) == 1:
            pts, secs = value
            cal_parts[args[0]] = pts
            log(f"  calibration of {args[0]}: {len(pts)} point(s) ({secs:.1f} s)")
        else:
            hs, secs = value
            parts[args[:3]] = hs
            log(f"  layouts {args[0]:11s} N={args[1]:6d}{' ' + args[2] if args[2] else ''} ({secs:.1f} s)")

    if jobs <= 1:
        for fn, args in tasks:
            done(args, fn(*args))
    else:
        # spawn: MyHDL's simulator and the cosimulation pipes want a fresh process, not a fork
        with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn")) as pool:
            futs = {pool.submit(fn, *args): args for fn, args in tasks}
            for f in as_completed(futs):
                done(futs[f], f.result())
    cal = None
    if calibration:
        from .calibration import RUNNERS

        cal = [p for k in RUNNERS for p in cal_parts[k]]   # the serial order
        log("calibration: unit cycle formulas vs converted-Verilog simulation (Verilator); whole kernel (Verilator)")
        for p in cal:
            log(_cal_line(p))
    layouts = {}
    for n in lengths:
        layouts[("minference", n)] = parts[("minference", n, None)]
        layouts[("flexprefill", n)] = {m: [h for kind in KINDS for h in parts[("flexprefill", n, kind)][m]]
                                       for m in MODELS}
    return cal, layouts


def run(out: Path, quick: bool, calibration: bool, log=print, jobs: int | None = None,
        use_cache: bool = True) -> dict:
    t_start = time.time()
    plt = _require_matplotlib()
    out.mkdir(parents=True, exist_ok=True)
    cfg = get_preset("u280")
    lengths = QUICK_LENGTHS if quick else LENGTHS
    jobs = max(1, jobs if jobs is not None else (os.cpu_count() or 1))
    result = {"config": cfg.as_dict(), "params": ModelParams().__dict__, "projections": [], "calibration": None}

    log(f"report: calibration {'on' if calibration else 'off'}, {len(lengths)} lengths x 2 sources x "
        f"{len(MODELS)} models, {jobs} worker process(es), layout cache {'on' if use_cache else 'off'}")
    cal, layouts = compute(lengths, calibration, jobs, use_cache, log)
    result["calibration"] = cal

    for model in MODELS:
        for source in ("minference", "flexprefill"):
            for n in lengths:
                hs = layouts[(source, n)][model]
                shape = MODELS[model]
                built = project(model, n, hs, cfg, order=head_order(source, model, hs, shape.heads))
                dens = built["attention"]["density"]
                gpu = {k: BL.gpu_roofline(g, shape, n) for k, g in BL.GPUS.items()}
                gpu_sparse = BL.gpu_roofline(BL.GPUS["A5000"], shape, n, density=dens)
                pol = {}
                for h in hs:
                    for k, v in h.reads.items():
                        pol[k] = pol.get(k, 0.0) + v * h.weight * shape.heads * shape.layers * cfg.block_bytes
                rec = {"model": model, "source": source, "n": n, "built": built, "gpu": gpu,
                       "a5000_sparse": gpu_sparse, "policy_bytes": pol,
                       "summary": projection_summary(built, gpu["A5000"], gpu_sparse, cfg),
                       "heads": [{"label": h.label, "weight": h.weight, "density": h.density,
                                  "accesses": h.accesses, "reads": h.reads, "query_aware": h.query_aware} for h in hs]}
                result["projections"].append(rec)
                log(f"  {model:11s} {source:11s} N={n:6d}: density {dens:.3f}, attention {_fmt_s(built['attention']['seconds'])} s, "
                    f"TTFT {_fmt_s(built['ttft_seconds'])} s, "
                    f"A5000 roofline {_fmt_s(gpu['A5000']['seconds'])} s")
    (out / "performance.json").write_text(json.dumps(result, indent=1, default=str))
    _plots(plt, result, out, lengths)
    md = _markdown(result, cfg, lengths, quick)
    (out / "performance.md").write_text(md)
    log(f"report: {out / 'performance.md'} ({time.time() - t_start:.0f} s)")
    return result


def _sel(result, model, source):
    return [r for r in result["projections"] if r["model"] == model and r["source"] == source]


def _plots(plt, result, out: Path, lengths):
    ks = [n // 1024 for n in lengths]
    # TTFT vs context length, per model
    fig, axes = plt.subplots(1, 2, figsize=(13, 5))
    for ax, model in zip(axes, MODELS):
        rows = _sel(result, model, "minference")
        rf = _sel(result, model, "flexprefill")
        ax.plot(ks, [r["built"]["ttft_seconds"] for r in rows], "o-", color="C3", label="U280 as built, TTFT (modelled, MInference budgets)")
        ax.plot(ks, [r["built"]["ttft_seconds"] for r in rf], "o--", color="C3", alpha=0.6, label="U280 as built, TTFT (modelled, FlexPrefill synthetic)")
        ax.plot(ks, [r["built"]["attention"]["seconds"] for r in rows], "s:", color="C3", label="U280 as built, attention only (modelled)")
        for k, c in (("A5000", "C0"), ("A100-80GB", "C2"), ("H100-SXM", "C4")):
            ax.plot(ks, [r["gpu"][k]["seconds"] for r in rows], "-", color=c, label=f"{k} dense roofline (modelled)")
        lo = [r["gpu"]["A5000"]["seconds"] / BL.PAPER_CLAIM["speedup_high"] for r in rows]
        hi = [r["gpu"]["A5000"]["seconds"] / BL.PAPER_CLAIM["speedup_low"] for r in rows]
        ax.fill_between(ks, lo, hi, color="C0", alpha=0.15, label="paper claim 1.5-2.5x over A5000 (cited) on the A5000 roofline")
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xticks(ks, [f"{k}K" for k in ks])
        ax.set_xlabel("context length")
        ax.set_ylabel("seconds")
        ax.set_title(MODELS[model].name)
        ax.grid(True, which="both", alpha=0.3)
    axes[0].legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    fig.savefig(out / "ttft.png", dpi=110)
    plt.close(fig)
    # HBM traffic by policy
    fig, axes = plt.subplots(1, 2, figsize=(13, 5))
    for ax, model in zip(axes, MODELS):
        for source, style in (("minference", "-"), ("flexprefill", "--")):
            rows = _sel(result, model, source)
            for pol, c in (("none", "C7"), ("lru", "C0"), ("belady", "C2"), ("liveness", "C3")):
                pts = [(r["n"] // 1024, r["policy_bytes"][pol] / 1e9) for r in rows if pol in r["policy_bytes"]]
                if pts:
                    ax.plot(*zip(*pts), style, marker="o", color=c, label=f"{pol} ({source})")
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xticks(ks, [f"{k}K" for k in ks])
        ax.set_xlabel("context length")
        ax.set_ylabel("K/V bytes read from HBM, all layers and heads [GB] (modelled)")
        ax.set_title(f"{MODELS[model].name}: KV-cache HBM reads by policy")
        ax.grid(True, which="both", alpha=0.3)
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out / "hbm_policy.png", dpi=110)
    plt.close(fig)
    # time breakdown by unit
    fig, axes = plt.subplots(1, 2, figsize=(13, 5))
    for ax, model in zip(axes, MODELS):
        rows = _sel(result, model, "minference")
        keys = list(rows[0]["built"]["attention"]["cycles_per_layer"]) + ["MPU linear layers"]
        bottom = [0.0] * len(rows)
        f = result["config"]["clock_mhz"] * 1e6
        for i, k in enumerate(keys):
            if k == "MPU linear layers":
                vals = [r["built"]["linear"]["seconds"] for r in rows]
            else:
                vals = [r["built"]["attention"]["cycles_per_layer"][k] / f * MODELS[model].layers for r in rows]
            ax.bar(range(len(rows)), vals, bottom=bottom, label=k, color=f"C{i}")
            bottom = [a + b for a, b in zip(bottom, vals)]
        ax.set_yscale("log")
        ax.set_xticks(range(len(rows)), [f"{r['n'] // 1024}K" for r in rows])
        ax.set_ylabel("seconds (modelled, as built, MInference budgets)")
        ax.set_title(f"{MODELS[model].name}: time by unit")
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out / "breakdown.png", dpi=110)
    plt.close(fig)


def headline_table(result, source: str = "minference") -> str:
    lines = ["| model | N | density (modelled) | attention s (modelled) | index-gen share | index-gen exposed | HBM GB (modelled) "
             "| HBM BW used | design peak used | SAE lane peak used | TTFT s, as built (modelled) "
             "| A5000 dense roofline s (modelled) | paper claim on it (cited) |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in [x for x in result["projections"] if x["source"] == source]:
        a = r["built"]["attention"]
        g = r["gpu"]["A5000"]["seconds"]
        lines.append(
            f"| {MODELS[r['model']].name} | {r['n'] // 1024}K | {a['density']:.3f} | {_fmt_s(a['seconds'])} | "
            f"{100 * a['index_generation_share']:.1f}% | {100 * a['sig_exposed_share']:.1f}% | {a['total_bytes'] / 1e9:.1f} | {100 * a['hbm_fraction']:.3f}% | "
            f"{100 * a['efficiency_vs_design']:.1f}% | {100 * a['lane_peak_fraction']:.1f}% | {_fmt_s(r['built']['ttft_seconds'])} | "
            f"{_fmt_s(g)} | "
            f"{_fmt_s(g / BL.PAPER_CLAIM['speedup_high'])}-{_fmt_s(g / BL.PAPER_CLAIM['speedup_low'])} |")
    return "\n".join(lines)


def attention_vs_gpu_table(result, source: str = "minference") -> str:
    """Attention time and energy per layer against the A5000 (rooflines and FlashAttention-2's best
    efficiency), with the A5000's memory check: the report's ``summary`` fields."""
    lines = ["| model | N | attention s (modelled) | U280 roofline s (DSP INT8) | A5000 dense roofline s | "
             "A5000 dense at 73 % (FA2, cited) s | A5000 sparse roofline s | U280 / A5000 dense roofline | "
             "energy J/layer, U280 at 225 W | energy J/layer, A5000 dense roofline at 230 W | "
             "A5000 memory GB (FP16 weights + K/V) | fits 24 GB |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in [x for x in result["projections"] if x["source"] == source]:
        s = r["summary"]
        lines.append(
            f"| {MODELS[r['model']].name} | {r['n'] // 1024}K | {_fmt_s(s['attention_s'])} | "
            f"{_fmt_s(s['roofline_u280_s'])} | {_fmt_s(s['a5000_dense_attention_s'])} | "
            f"{_fmt_s(s['a5000_dense_attention_fa2_s'])} | {_fmt_s(s['a5000_sparse_attention_s'])} | "
            f"{s['attention_s'] / s['a5000_dense_attention_s']:.1f}x | {_fmt_s(s['energy_attention_per_layer_j'])} | "
            f"{_fmt_s(s['a5000_dense_attention_energy_per_layer_j'])} | {s['a5000_memory_gb']:.1f} | "
            f"{'yes' if s['a5000_fits'] else 'no'} |")
    lines.append("\nAll times modelled; U280 energy is the attention time at the card's maximum board power (225 W, "
                 "DS963, an upper bound: no Vivado power estimate here), the A5000's at its board power (230 W). "
                 "FA2 = FlashAttention-2's best measured efficiency on an A100 (73 % of peak, arXiv 2307.08691), "
                 "applied to the A5000 as the GPU's favourable case. The memory check counts FP16 weights and the "
                 "FP16 K/V of every layer (no activations, embedding assumed tied): a lower bound.")
    return "\n".join(lines)


def _markdown(result, cfg, lengths, quick) -> str:
    cmd = ("`.venv/bin/fast-prefill report --quick`" if quick
           else "`make report` (= `.venv/bin/fast-prefill report`)")
    md = [f"# FAST-Prefill performance report\n\nCommand: {cmd}. Labels: **simulated** = cycles from the "
          "converted Verilog (units and the whole kernel under Verilator): the calibration points "
          "below; **modelled** = this performance model (`fast_prefill/perf/`); "
          "**cited** = a published figure (sources below). U280 preset: "
          f"B = {cfg.block_size}, D = {cfg.head_dim}, {cfg.clock_mhz} MHz, MPU {cfg.mpu_k} x "
          f"({cfg.mpu_dsp_cols} + {cfg.mpu_lut_cols}) MAC/cycle, KV cache {cfg.pinned_tier_blocks} + "
          f"{cfg.managed_tier_blocks} blocks, {cfg.hbm_ports} HBM ports of {cfg.hbm_data_width} bits.\n"]
    md.append("## Calibration (per unit, and the whole kernel: model vs simulation)\n")
    md.append("The projections use the kernel-level schedule (`fast_prefill/perf/kernel.py`): per head the SIG "
              "up to its first access beat, then the attention path, the SIG of the next heads running ahead while "
              "the access FIFO holds their accesses (heads in each layer's order: the published budgets' order "
              "for MInference, the four synthetic kinds in rotation for FlexPrefill); the `kernel (whole run)` "
              "rows hold it to the Verilator simulation of the `fast_prefill` kernel (zero-latency AXI model, "
              "O checked exactly).\n")
    if result["calibration"]:
        md.append("| unit | configuration | simulated cycles | modelled cycles | error |\n|---|---|---|---|---|")
        for p in result["calibration"]:
            md.append(f"| {p['unit']} | {p['config']} | {p['sim']} | {p['model']} | {100 * p['error']:+.2f}% |")
        worst = max(abs(p["error"]) for p in result["calibration"])
        md.append(f"\nWorst |error| {100 * worst:.2f}% (tolerance 5%, `tests/perf/test_calibration.py`, "
                  "`tests/perf/test_kernel_calibration.py`).\n")
    else:
        md.append("Not run (`--no-calibration`).\n")
    for source, title in (("minference", "published MInference per-head budgets"),
                          ("flexprefill", "FlexPrefill-style generator on structured synthetic heads")):
        md.append(f"## Projections, sparsity from the {title}\n")
        md.append(headline_table(result, source) + "\n")
    md.append("Attention = SIG + SAE + KV cache for all layers and query heads; TTFT = attention + linear layers on "
              "the MPU + LM head (the two are sequential). 'HBM BW used' = bytes / time / 460 GB/s. 'design peak used' "
              "= useful attention MACs (SIG probe and SAE) / time / the design's attention peak (the row-parallel "
              "SAE's 2 P D plus the SIG probe's r D MACs per cycle, 9,216 at u280; the SIG of the next head runs "
              "while a head attends). 'index-gen share' = SIG cycles / (SIG + attention cycles); 'index-gen "
              "exposed' = the part of the layer's time the SIG adds with the overlap. 'SAE lane peak used' = the SAE's "
              "useful MACs / time / its 2 P D MACs per cycle per engine (8,192 at u280). No what-if configuration is "
              "shown: the report shows only what `make synth` fits (the earlier what-if, 16 SAE engines and 4 SIG "
              "engines, would need several times the U280's DSP48E2; the built kernel uses 86 % of them).\n")
    md.append("## Attention against the A5000, per layer (MInference layouts)\n")
    md.append(attention_vs_gpu_table(result) + "\n")
    md.append("## Linear layers alone (MPU, modelled)\n\n| model | N | seconds | bound | MPU peak used |\n|---|---|---|---|---|")
    for r in [x for x in result["projections"] if x["source"] == "minference"]:
        lin = r["built"]["linear"]
        md.append(f"| {MODELS[r['model']].name} | {r['n'] // 1024}K | {_fmt_s(lin['seconds'])} | {lin['bound']} | "
                  f"{100 * lin['mpu_peak_fraction']:.1f}% |")
    md.append("\n## Energy per prompt (modelled: time x stated board power)\n\n| model | N | U280 as built J | "
              "A5000 roofline J | A100 roofline J | H100 roofline J |\n|---|---|---|---|---|---|")
    for r in [x for x in result["projections"] if x["source"] == "minference"]:
        p = BL.U280_POWER.value
        md.append(f"| {MODELS[r['model']].name} | {r['n'] // 1024}K | {_fmt_s(r['built']['ttft_seconds'] * p)} | "
                  f"{_fmt_s(r['gpu']['A5000']['energy_j'])} | "
                  f"{_fmt_s(r['gpu']['A100-80GB']['energy_j'])} | {_fmt_s(r['gpu']['H100-SXM']['energy_j'])} |")
    md.append("\n## HBM K/V reads by cache policy (modelled from golden cache simulators; GB, all layers and heads)\n")
    md.append("| model | source | N | no cache | LRU | Belady | liveness (the RTL's) |\n|---|---|---|---|---|---|---|")
    for r in result["projections"]:
        pb = r["policy_bytes"]
        cell = lambda k: f"{pb[k] / 1e9:.1f}" if k in pb else "-"
        md.append(f"| {MODELS[r['model']].name} | {r['source']} | {r['n'] // 1024}K | {cell('none')} | {cell('lru')} | "
                  f"{cell('belady')} | {cell('liveness')} |")
    md.append(f"\nLRU and Belady are simulated up to {POLICY_MAX_N // 1024}K only (pure Python).\n")
    md.append("## Baselines and sources\n\n| figure | value | source | status |\n|---|---|---|---|")
    for k, g in BL.GPUS.items():
        for name, fig in (("memory bandwidth", g.bandwidth), ("FP16 dense tensor", g.fp16_dense), ("board power", g.board_power)):
            md.append(f"| {g.name} {name} | {fig.value:.4g} {fig.unit} | {fig.source} | {fig.status} |")
    for name, fig in (("U280 HBM total", BL.U280_HBM), ("U280 HBM per pseudo-channel", BL.U280_PC),
                      ("U280 board power", BL.U280_POWER), ("A5000 memory", BL.A5000_MEMORY),
                      ("FlashAttention-2 efficiency", BL.FA2_EFFICIENCY)):
        md.append(f"| {name} | {fig.value:.4g} {fig.unit} | {fig.source} | {fig.status} |")
    md.append(f"| paper claim | {BL.PAPER_CLAIM['text']} | {BL.PAPER_CLAIM['source']} | cited |")
    md.append(f"| MInference | {BL.MINFERENCE_CLAIM['text']} | {BL.MINFERENCE_CLAIM['source']} | cited "
              f"({BL.MINFERENCE_CLAIM['note']}) |")
    md.append("\nGPU rooflines are lower bounds: all FLOPs at the dense FP16 tensor peak (or FP16 weights and K/V at "
              "the memory bandwidth if larger), dense causal attention. No measured GPU prefill time per context "
              "length could be verified from a source we could read; the MInference abstract's 1M-token A100 figure "
              "is listed above, not plotted (outside 4K..128K).\n")
    md.append("## Plots\n\n![TTFT](ttft.png)\n\n![HBM traffic by policy](hbm_policy.png)\n\n![time by unit](breakdown.png)\n")
    from . import model as M

    md.append("## Model assumptions\n\n```\n" + M.__doc__.strip() + "\n```\n")
    return "\n".join(md)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="fast-prefill report", description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=str(BUILD_DIR / "report"), help="output folder (default build/report/)")
    ap.add_argument("--quick", action="store_true", help="4K..16K only")
    ap.add_argument("--no-calibration", action="store_true", help="skip the RTL simulations")
    ap.add_argument("--jobs", "-j", type=int, default=None, help="worker processes (default: one per CPU)")
    ap.add_argument("--no-cache", action="store_true", help="recompute every layout (ignore build/cache/perf/)")
    args = ap.parse_args(argv)
    if args.jobs is not None and args.jobs < 1:
        ap.error(f"field 'jobs' = {args.jobs} is not allowed: must be >= 1")
    run(Path(args.out), args.quick, not args.no_calibration, jobs=args.jobs, use_cache=not args.no_cache)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
