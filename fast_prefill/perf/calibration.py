"""Calibration: the model's cycle counts (:mod:`.units`) against the simulation of each unit's
converted Verilog (Verilator, ``SIM``, through the units' own harnesses), at the ``tiny`` preset's geometry and
at larger simulated configurations.

:func:`calibrate` returns one row per (unit, configuration): ``sim`` cycles, ``model`` cycles,
relative error. Every simulated run also checks its outputs against the golden model (the
harnesses do), so a calibration point is never taken from a run that computed the wrong thing.
The whole kernel is calibrated too (:func:`cal_kernel`): the kernel-level schedule of
:mod:`.kernel` (per head SIG to first access + attention path + hand-over, heads in sequence)
against the converted Verilog of ``fast_prefill`` under Verilator (:mod:`.kernel_sim`), O checked
exactly against the golden kernel reference.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from ..config import get_preset
from . import units as U

TOLERANCE = 0.05


@dataclass
class CalPoint:
    unit: str
    config: str
    sim: int
    model: int
    seconds: float = 0.0
    kept: object = field(default=None, repr=False, compare=False)   # (sim, ref, case, cfg) when asked

    @property
    def error(self) -> float:
        return self.model / self.sim - 1.0

    def as_dict(self) -> dict:
        return {"unit": self.unit, "config": self.config, "sim": self.sim, "model": self.model,
                "error": self.error, "seconds": round(self.seconds, 1)}


# The simulator of the converted Verilog that every unit's calibration runs on. The backends agree
# cycle for cycle (the block tests compare them); the default points took 99 s on Icarus and 50 s on
# Verilator, builds included (docs/verification.md).
SIM = "verilator"


def _span(res, first_stream: str, out: str = "m") -> int:
    return res.out_cycles[out][-1] - res.in_cycles[first_stream][0] + 1


def _timed(seed: int, shapes, point) -> list[CalPoint]:
    """One calibration point per shape: ``point(rng, *shape)`` gives ``(unit, config, simulated,
    modelled)``; ``rng`` is one generator from ``seed`` shared by the shapes in order."""
    rng = np.random.default_rng(seed)
    out = []
    for shape in shapes:
        t0 = time.time()
        unit, config, sim, model = point(rng, *shape)
        out.append(CalPoint(unit, config, sim, model, time.time() - t0))
    return out


# ---------------------------------------------------------------------------------------------


def cal_probe(shapes) -> list[CalPoint]:
    from ..verify.bench.sig.harness import PROBE_PARAMS, probe_cfg, run_probe
    from ..verify.golden.fixed_point import score_multiplier

    def point(rng, label, b, d, n, r):
        params = {**PROBE_PARAMS, "block_size": b, "head_dim": d, "max_n": n, "rows_per_key": r}
        qp, k = rng.integers(-127, 128, (b, d)), rng.integers(-127, 128, (n, d))
        mult, shift = score_multiplier(1e-3, probe_cfg(params))
        res = run_probe([(qp, k, mult, shift)], [], [], params=params, backends=(SIM,))[SIM]
        return ("SIG probe", f"{label} B={b} D={d} N={n} r={r}", _span(res, "s_hdr"),
                U.probe_cycles(n, b, params["recip_frac"], r, d))

    return _timed(4, shapes, point)


def cal_pool(shapes) -> list[CalPoint]:
    from ..verify.bench.sig.harness import run_pool

    def point(rng, label, b, n):
        params = {"block_size": b, "max_n": n, "acc_width": 16 + 1 + U.log2i(b)}
        vert, slash = rng.integers(0, 1 << 12, n), rng.integers(0, 1 << 12, n)
        res = run_pool([(vert, slash)], [], [], params=params, backends=(SIM,))[SIM]
        return "SIG pool", f"{label} B={b} N={n}", _span(res, "s_hdr"), U.pool_cycles(n)

    return _timed(5, shapes, point)


def cal_cover(shapes) -> list[CalPoint]:
    from ..verify.bench.sig.harness import run_cover_count

    def point(rng, label, params, n):
        vals = [int(x) for x in rng.integers(0, 1 << (params["width"] - 4), n)]
        target = int(sum(vals) * 0.9)
        res = run_cover_count([(target, vals)], [], [], params=params, backends=(SIM,))[SIM]
        scan, early = U.cover_scan_exact(vals, target, params["width"], params["hist_bits"])
        model = U.cover_count_cycles(n, params["width"], params["hist_bits"], params["max_n"], scan, early)
        return "SIG cover_count", f"{label} n={n} W={params['width']}", _span(res, "s"), model

    return _timed(6, shapes, point)


def cal_top_m(shapes) -> list[CalPoint]:
    from ..verify.bench.sig.harness import run_top_m, top_m_golden

    def point(rng, label, params, n, count):
        vals = [int(x) for x in rng.integers(0, 1 << params["width"], n)]
        res = run_top_m([(count, vals)], [], [], params=params, backends=(SIM,))[SIM]
        m = len(top_m_golden(count, vals, params))
        scan, last = U.top_m_scan_exact(vals, m, params["width"], params["hist_bits"])
        model = U.top_m_cycles(n, params["width"], params["hist_bits"], m, scan, last)
        return "SIG top_m", f"{label} n={n} m={m} W={params['width']}", _span(res, "s"), model

    return _timed(7, shapes, point)


def _sparse_pattern(nb: int, rng):
    from ..verify.golden.block_lists import HeadPattern

    causal = [r * nb + c for r in range(nb) for c in range(r + 1)]
    return HeadPattern(nb, np.sort(rng.choice(nb, 2, replace=False)), np.sort(rng.choice(nb, 3, replace=False)),
                       np.sort(rng.choice(causal, min(len(causal), 2 * nb), replace=False)), query_aware=True)


def cal_builder(sizes) -> list[CalPoint]:
    from ..verify.bench.sig.harness import run_heads

    def point(rng, label, nb):
        mb = 1 << max(1, (nb - 1).bit_length())
        p = _sparse_pattern(nb, rng)
        res = run_heads([p], [], [], [], backends=(SIM,), params={"max_blocks": mb})[SIM]
        return ("SIG list_builder", f"{label} nb={nb}", _span(res, "s_sel"),
                U.list_builder_cycles(nb, len(p.vertical) + len(p.slash)))

    return _timed(8, sizes, point)


def cal_liveness(sizes) -> list[CalPoint]:
    from ..verify.bench.sig.harness import run_liveness

    def point(rng, label, nb):
        mb = 1 << max(1, (nb - 1).bit_length())
        p = _sparse_pattern(nb, rng)
        acc = p.num_blocks()
        params = {"max_blocks": mb, "max_accesses": 1 << max(1, (acc - 1).bit_length())}
        res = run_liveness([p], [], [], backends=(SIM,), params=params)[SIM]
        return "SIG liveness", f"{label} nb={nb} L={acc}", _span(res, "s"), U.liveness_cycles(acc, mb, span_only=True)

    return _timed(9, sizes, point)


def _sae_run(rng, params: dict, nb: int, seed: int, engine: str) -> tuple[int, int, int]:
    """Every row job of a random ``nb``-block head through the SAE engine of ``params``
    (``sae_engine``, or ``sae_row_engine`` with ``rows``), checked against the golden model:
    (cycles, accesses, R)."""
    from ..verify.bench.sae.harness import flex_lists, make_group, run_engine
    from ..rtl.sae import formats as F

    geom = F.geometry(params)
    heads = make_group(nb * params["block_size"], params["head_dim"], params["group"], seed=seed)
    lists = flex_lists(nb, rng, "random")
    jobs = list(range(nb))
    res = run_engine(params, heads, lists, jobs, SIM)
    if res.outputs["m_o"] != F.expected_o_beats(geom, heads, lists, jobs) or res.violations:
        raise AssertionError(f"calibration: {engine} {params} output differs from the golden model")
    return res.out_cycles["m_o"][-1] - res.in_cycles["s_cmd"][0] + 1, sum(len(x) for x in lists), geom.R


def cal_sae(shapes) -> list[CalPoint]:
    def point(rng, label, b, d, g, nb):
        params = {"block_size": b, "head_dim": d, "group": g, "max_seq_len": max(64, nb * b)}
        sim, accesses, r = _sae_run(rng, params, nb, 11, "sae_engine")
        return ("SAE engine (whole head)", f"{label} B={b} D={d} G={g} nb={nb} blocks={accesses}", sim,
                U.sae_head_cycles(nb, accesses, b, g, r))

    return _timed(10, shapes, point)


def cal_sae_rows(shapes) -> list[CalPoint]:
    """``sae_row_engine`` (the kernel's engine): every row job of a head back to back, random lists."""
    def point(rng, label, b, d, g, rows, lut, nb):
        params = {"block_size": b, "head_dim": d, "group": g, "max_seq_len": max(64, nb * b), "rows": rows,
                  "qk_lut_rows": lut}
        sim, accesses, r = _sae_run(rng, params, nb, 13, "sae_row_engine")
        return ("SAE row engine (whole head)", f"{label} B={b} D={d} G={g} P={rows} nb={nb} blocks={accesses}", sim,
                U.sae_rows_head_cycles(nb, accesses, b, g, rows, r))

    return _timed(12, shapes, point)


def cal_kvc(shapes) -> list[CalPoint]:
    from ..verify.bench.sae.harness import flex_lists
    from ..verify.bench.kvc import requests_of, simulate, small_params
    from ..verify.golden.cache_sim import liveness_reads

    out = []
    for label, nb, kind, hb, pinned, managed, pd, seed, ports in shapes:
        t0 = time.time()
        lists = flex_lists(nb, np.random.default_rng(seed), kind)
        req = requests_of(lists)
        p = small_params(tag_bits=max(1, (nb - 1).bit_length()), axi_width=64, pinned=pinned, managed=managed,
                         half_beats=hb, burst_beats=min(hb, 8), prefetch_depth=pd, max_outstanding=2,
                         kv_read_ports=ports)
        run = simulate(p, req, backend=SIM, idle=0.0, stall=0.0, max_latency=0, r_gap=0.0, ar_stall=0.0,
                       n_blocks=nb)
        if not (run.finished and run.responses == run.expected):
            raise AssertionError(f"calibration: kv_cache {p} data mismatch or unfinished")
        model, misses = U.kvc_cycles(req, pinned, managed, hb, pd, ports=ports)
        gold = liveness_reads(lists, pinned + managed, pinned)
        if not (misses == gold == run.block_reads):
            raise AssertionError(f"calibration: kv_cache misses model {misses}, golden {gold}, RTL {run.block_reads}")
        cfg = (f"{label} nb={nb} {kind} half_beats={hb} lines={pinned}+{managed} prefetch={pd} ports={ports} "
               f"req={len(req)} miss={misses}")
        out.append(CalPoint("KVC cycles", cfg, run.cycles, model, time.time() - t0))
        out.append(CalPoint("KVC HBM bytes", cfg, int(run.block_reads * 2 * hb * 8), misses * 2 * hb * 8, 0.0))
    return out


def cal_mpu(shapes) -> list[CalPoint]:
    from ..verify.bench.mpu import run_engine

    def point(rng, label, p, rows, tiles):
        n = p["dsp_cols"] + p["lut_cols"]
        ts = [(rng.integers(-128, 128, size=(p["k"], n)), rng.integers(-128, 128, size=(rows, p["k"])))
              for _ in range(tiles)]
        res = run_engine(p, ts, backends=(SIM,))[SIM]
        sim = res.out_cycles["m"][-1] - res.in_cycles["s_w"][0] + 1
        return ("MPU tile engine", f"{label} k={p['k']} cols={p['dsp_cols']}+{p['lut_cols']} {tiles}x{rows} rows",
                sim, U.mpu_tiles_cycles([rows] * tiles, n))

    return _timed(12, shapes, point)


def kernel_cases() -> dict:
    """Whole-kernel runs per configuration: ``tiny`` (default) and ``b16d16`` (B = D = 16, slow)."""
    from .kernel_sim import KernelCase as C

    return {
        "tiny": [("tiny", c) for c in (
            C("vs", 128, 1, 1, seed=1), C("dense", 24, 1, 1, min_budget=24), C("gqa", 64, 2, 1, seed=2),
            C("qa", 128, 1, 1, tau=0.3, seed=4), C("gqa-qa", 64, 4, 2, tau=0.05, seed=3),
            C("vs256", 256, 1, 1, seed=5), C("qa256", 256, 1, 1, tau=0.3, seed=6),
            C("qa512", 512, 2, 2, tau=0.3, seed=7))],
        "b16d16": [("b16d16", c) for c in (
            C("vs", 128, 1, 1, seed=1), C("dense", 48, 1, 1, min_budget=48), C("gqa", 128, 2, 1, seed=2),
            C("qa", 128, 1, 1, tau=0.3, seed=4))],
    }


def cal_kernel(pairs, keep: bool = False) -> list[CalPoint]:
    """``[(config name, KernelCase)]`` -> one point per run: Verilator cycles (ap_start to done) vs
    :func:`.kernel.run_cycles_of_reference`."""
    from . import kernel as K
    from .kernel_sim import config, simulate

    out = []
    for name, case in pairs:
        cfg = config(name)
        r = simulate(case, cfg)
        minb = case.min_budget or cfg.block_size
        shapes = [K.head_shape(p, l, case.tau, U.cdiv(minb, cfg.block_size), cfg)
                  for p, l in zip(r.ref.patterns, r.ref.lists)]
        kinds = sorted({"dense" if s.dense else "query-aware" if s.query_aware else "vertical-slash" for s in shapes})
        label = (f"{name} B={cfg.block_size} D={cfg.head_dim} N={case.n} H={case.heads} Hkv={case.kv_heads} "
                 f"tau={case.tau:g}: {'+'.join(kinds)}, L={'/'.join(str(s.accesses) for s in shapes)}")
        pt = CalPoint("kernel (whole run)", label, r.cycles, K.run_cycles(cfg, shapes), r.seconds)
        if keep:
            pt.kept = (r.cycles, r.ref, case, cfg)
        out.append(pt)
    return out


# ---------------------------------------------------------------------------------------------


def configurations(slow: bool = False) -> dict:
    """The simulated configurations: the ``tiny`` preset's geometry first, then larger ones."""
    from ..verify.bench.mpu import params as mp

    tiny = get_preset("tiny")
    b, d = tiny.block_size, tiny.head_dim
    cov = {"max_n": 1024, "width": 16 + 1 + U.log2i(b), "hist_bits": 4, "sum_width": 16 + 1 + U.log2i(b) + 10}
    # the u280's coverage counts: 24-bit values, its digit (sig_cover_hist_bits)
    cov_big = {"max_n": 2048, "width": 24, "hist_bits": get_preset("u280").sig_cover_hist_bits, "sum_width": 35}
    topm = {"max_n": tiny.max_blocks, "width": 16 + 1 + 2 * U.log2i(b), "hist_bits": 4, "div_shift": 0,
            "min_m": 2, "max_m": tiny.max_blocks}
    topm_big = {"max_n": 1024, "width": 31, "hist_bits": 4, "div_shift": 0, "min_m": 2, "max_m": 1024}
    hb_tiny = U.kvc_half_beats(b, d, tiny.data_width, tiny.hbm_data_width)
    cfg = {
        "probe": [("tiny", b, d, 128, tiny.sig_probe_rows), ("larger", 16, 8, 256, 4), ("larger", 16, 8, 256, 1)],
        "pool": [("tiny", b, 128), ("larger", 16, 1024)],
        "cover": [("tiny", cov, 256), ("tiny", cov, 1024), ("larger", cov_big, 2048)],
        "top_m": [("tiny", topm, 128, 40), ("larger", topm_big, 256, 60), ("larger", topm_big, 1024, 300)],
        "builder": [("tiny", 16), ("larger", 64)],
        "liveness": [("tiny", 16), ("larger", 64)],
        "sae": [("tiny", b, d, 2, 4), ("larger", 16, 16, 1, 4)],
        "sae_rows": [("tiny", b, d, 1, tiny.sae_rows, tiny.sae_qk_lut_rows, 6),
                     ("larger", 16, 16, 1, 4, 2, 6), ("larger", 16, 8, 2, 8, 3, 4)],
        "kvc": [("tiny", 32, "random", hb_tiny, tiny.pinned_tier_blocks, tiny.managed_tier_blocks,
                 tiny.prefetch_depth, 1, tiny.kv_read_ports),
                ("tiny", 32, "flex", hb_tiny, tiny.pinned_tier_blocks, tiny.managed_tier_blocks, tiny.prefetch_depth, 2,
                 tiny.kv_read_ports),
                ("larger", 32, "random", 16, 4, 8, 4, 3, 2), ("larger", 32, "random", 16, 4, 8, 4, 3, 1)],
        "mpu": [("tiny", mp(tiny.mpu_k, 8, tiny.acc_width, tiny.mpu_dsp_cols, tiny.mpu_lut_cols), 64, 3),
                ("larger", mp(8, 8, 19, 4, 2), 128, 2)],
    }
    if slow:
        cfg["probe"] += [("larger", 32, 4, 256, 8), ("larger", 16, 4, 512, 2)]
        cfg["sae"] += [("larger", 16, 8, 4, 3), ("larger", 32, 8, 1, 3)]
        cfg["kvc"] += [("larger", 24, "dense", 32, 2, 4, 2, 4, 2), ("larger", 64, "flex", 32, 8, 8, 4, 5, 2)]
        cfg["mpu"].append(("u280 slice", mp(32, 8, 32, 2, 1), 128, 2))
        cfg["builder"].append(("larger", 128))
    cfg["kernel"] = kernel_cases()["tiny"] + (kernel_cases()["b16d16"] if slow else [])
    return cfg


RUNNERS = {"probe": cal_probe, "pool": cal_pool, "cover": cal_cover, "top_m": cal_top_m, "builder": cal_builder,
           "liveness": cal_liveness, "sae": cal_sae, "sae_rows": cal_sae_rows, "kvc": cal_kvc, "mpu": cal_mpu,
           "kernel": cal_kernel}


def calibrate_unit(key: str, slow: bool = False) -> list[CalPoint]:
    """The calibration points of one unit (``RUNNERS`` key), e.g. one task of a parallel report."""
    if key not in RUNNERS:
        raise ValueError(f"calibrate_unit field 'key' = {key!r} is not allowed: must be one of {list(RUNNERS)}")
    return RUNNERS[key](configurations(slow)[key])


def calibrate(slow: bool = False, progress=None) -> list[CalPoint]:
    cfg = configurations(slow)
    out = []
    for key, fn in RUNNERS.items():
        pts = fn(cfg[key])
        for p in pts:
            if progress:
                progress(f"  calibration {p.unit:24s} {p.config:70s} sim {p.sim:8d} model {p.model:8d} "
                         f"{100 * p.error:+6.2f}% ({p.seconds:.1f} s)")
        out += pts
    return out
