"""Co-simulation harness of the SIG blocks (shared by the unit tests, the planted-bug tests and the
benchmark): drive a block on MyHDL and on its converted Verilog with the same beats and compare its
outputs with the golden model exactly. Hypothesis strategies for golden-model inputs live here too.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from ...blocks import get_block
from ...verify.golden.block_lists import HeadPattern
from ...verify.streams import BACKENDS, run_stream_bench, waves_path
from .formats import expected_list_beats, pattern_extra_beats, pattern_sel_beats

MAXB = 8


def _spec():
    return get_block("sig_list_builder")


@st.composite
def head_patterns(draw, max_blocks=MAXB):
    nb = draw(st.integers(1, max_blocks))
    sub = lambda: st.lists(st.integers(0, nb - 1), unique=True, max_size=nb).map(sorted)
    vertical = np.array(draw(sub()), np.int64)
    slash = np.array(draw(sub()), np.int64)
    causal = [r * nb + c for r in range(nb) for c in range(r + 1)]
    extra = np.array(sorted(draw(st.lists(st.sampled_from(causal), unique=True, max_size=12))), np.int64)
    dense = draw(st.booleans().filter(lambda _: True)) and draw(st.integers(0, 5)) == 0
    return HeadPattern(nb, vertical, slash, extra, dense=dense, query_aware=bool(extra.size))


def run_heads(patterns, idle_sel, idle_x, stall, backends=BACKENDS, mutant=None, params=None):
    params = params or {"max_blocks": MAXB}
    mb = params["max_blocks"]
    sel = [b for p in patterns for b in pattern_sel_beats(p, mb)]
    extra = [b for p in patterns for b in pattern_extra_beats(p, mb)]
    want = [b for p in patterns for b in expected_list_beats(p, mb)]
    cycles = 4 * mb + sum(p.nb * (p.nb + 1) // 2 + len(p.extra) + 2 * p.nb + 8 for p in patterns)
    cycles = 40 + cycles * (2 + len(idle_sel) + len(idle_x) + len(stall))
    runs = {}
    for backend in backends:
        kw = dict(inputs={"s_sel": sel, "s_extra": extra}, expected_counts={"m": len(want)},
                  idle={"s_sel": idle_sel, "s_extra": idle_x}, stall={"m": stall}, max_cycles=cycles,
                  mutant=mutant if backend == "icarus" else None)
        res = run_stream_bench(_spec(), params, backend, **kw)
        problems = []
        if res.violations:
            problems.append(f"stream rule violations: {res.violations[:3]}")
        if res.outputs["m"] != want:
            problems.append(f"output {res.outputs['m'][:16]} != golden {want[:16]} "
                            f"({len(res.outputs['m'])} beats, expected {len(want)})")
        if not res.finished:
            problems.append(f"not finished after {cycles} cycles")
        if problems:
            vcd = None
            if backend == "icarus":
                vcd = waves_path("sig_list_builder_failure")
                run_stream_bench(_spec(), params, backend, vcd=vcd, **kw)
            raise AssertionError(f"sig_list_builder on {backend}: " + "; ".join(problems)
                                 + (f"; waveform: {vcd}" if vcd else ""))
        runs[backend] = res
    if len(runs) == 2:
        a, b = runs["myhdl"], runs["icarus"]
        assert (a.in_cycles, a.out_cycles) == (b.in_cycles, b.out_cycles), "MyHDL and Verilog differ cycle by cycle"
    return runs


