"""Test and benchmark harness of the SAE: random heads, golden expectations, both backends.

:func:`check_engine` runs row jobs of one GQA group through ``sae_engine`` on MyHDL and/or the
converted Verilog (Icarus) with idles on every input stream and back-pressure on ``m_o``, and
asserts that every output row equals ``golden.fixed_point.sparse_attention_fixed`` bit for bit,
that the stream rules hold, and that both backends agree cycle for cycle.
"""

from __future__ import annotations

import math

import numpy as np

from ....blocks import get_block
from ....convert import Mutant
from ...backend_rule import backends_for_run
from ...streams import BACKENDS, VERILOG_BACKENDS
from ...golden.fixed_point import HeadInts
from ....rtl.sae import formats as F


def make_group(n: int, d: int, g: int, seed: int, log2_factor: float = -4.0, kind: str = "random") -> list[HeadInts]:
    """``g`` query heads sharing one K/V head. ``log2_factor`` sets the score multiplier's real
    factor ``2**log2_factor`` (large values saturate the logits). ``kind``: ``random`` (uniform
    INT8), ``equal`` (all-zero queries: every logit equal), ``extreme`` (only -127 and 127)."""
    rng = np.random.default_rng(seed)

    def ints(shape):
        if kind == "extreme":
            return rng.choice(np.array([-127, 127]), size=shape).astype(np.int64)
        return rng.integers(-127, 128, size=shape).astype(np.int64)

    k, v = ints((n, d)), ints((n, d))
    scale_k = 1.0
    heads = []
    for h in range(g):
        q = np.zeros((n, d), np.int64) if kind == "equal" else ints((n, d))
        c = 2.0 ** (log2_factor - 0.37 * h)  # a different multiplier per head
        scale_q = c * math.sqrt(d) / math.log2(math.e)
        heads.append(HeadInts(q, k, v, scale_q, scale_k, float(rng.uniform(0.01, 1.0))))
    return heads


def flex_lists(nb: int, rng, kind: str) -> list[np.ndarray]:
    """Block lists: ``dense`` (every causal block), ``flex`` (sink, local, some vertical blocks and
    slash offsets, like FlexPrefill's), ``random`` (any non-empty ascending subset of ``[0, r]``)."""
    lists = []
    if kind == "flex":
        vert = set(int(x) for x in rng.integers(0, nb, size=rng.integers(0, 3)))
        slash = set(int(x) for x in rng.integers(0, nb, size=rng.integers(0, 3)))
    for r in range(nb):
        if kind == "dense":
            blocks = set(range(r + 1))
        elif kind == "flex":
            blocks = {0, r} | {v for v in vert if v <= r} | {r - s for s in slash if s <= r}
        else:
            blocks = {int(x) for x in range(r + 1) if rng.random() < 0.4} or {int(rng.integers(0, r + 1))}
        lists.append(np.array(sorted(blocks), np.int64))
    return lists


def engine_name(params: dict) -> str:
    """``sae_row_engine`` when ``params`` names ``rows``, else ``sae_engine``."""
    return "sae_row_engine" if "rows" in params else "sae_engine"


def run_engine(params: dict, heads, lists, rows, backend: str, idle=None, stall=None, mutant: Mutant | None = None,
               max_cycles: int | None = None, vcd=None):
    from ...streams import run_stream_bench

    geom = F.geometry(params)
    inputs = F.head_beats(geom, heads, lists, rows)
    n_out = len(rows) * geom.GB
    if max_cycles is None:
        slow = 1 + max([len(p) for p in (idle or {}).values()] + [len(stall or []), 0])
        max_cycles = 200 + 4 * slow * sum(geom.cycles(len(lists[r])) for r in rows)
    return run_stream_bench(get_block(engine_name(params)), params, backend, inputs, {"m_o": n_out},
                            idle=idle, stall={"m_o": stall or []}, max_cycles=max_cycles, vcd=vcd,
                            mutant=mutant)


def check_engine(params: dict, heads, lists, rows, idle=None, stall=None, backends=BACKENDS,
                 mutant: Mutant | None = None) -> dict:
    """Assert bit-exact outputs, stream rules, completion and (two backends) equal cycles."""
    from ...streams import waves_path

    geom = F.geometry(params)
    expected = F.expected_o_beats(geom, heads, lists, rows)
    runs = {}
    for backend in backends_for_run(backends):   # MyHDL on this test's MyHDL runs (verify/backend_rule.py)
        kw = dict(idle=idle, stall=stall, mutant=mutant if backend in VERILOG_BACKENDS else None)
        res = run_engine(params, heads, lists, rows, backend, **kw)
        got = res.outputs["m_o"]
        problems = []
        if res.violations:
            problems.append(f"stream rule violations: {res.violations[:3]}")
        if len(got) != len(expected):
            problems.append(f"{len(got)} output rows, expected {len(expected)}")
        bad = [i for i, (a, b) in enumerate(zip(got, expected)) if b is not None and a != b]
        if bad:
            i = bad[0]
            problems.append(f"{len(bad)} output rows differ from the golden model; first: beat {i} "
                            f"(row job {rows[i // geom.GB]}, head {i % geom.GB // geom.B}, row {i % geom.B}) "
                            f"got {F.unpack_row(got[i], geom.D, geom.OB)} "
                            f"expected {F.unpack_row(expected[i], geom.D, geom.OB)}")
        if not res.finished:
            problems.append("not finished")
        if problems:
            vcd = None
            if backend in VERILOG_BACKENDS:
                vcd = waves_path(f"{engine_name(params)}_failure")
                run_engine(params, heads, lists, rows, "icarus", vcd=vcd, **kw)
            raise AssertionError(f"{engine_name(params)} {params} on {backend}: " + "; ".join(problems)
                                 + (f"; waveform: {vcd}" if vcd else ""))
        runs[backend] = res
    names = list(runs)
    for other in names[1:]:
        a, b = runs[names[0]], runs[other]
        assert (a.in_cycles, a.out_cycles) == (b.in_cycles, b.out_cycles), (
            f"{engine_name(params)} {params}: {names[0]} and {other} differ cycle by cycle")
    return runs
