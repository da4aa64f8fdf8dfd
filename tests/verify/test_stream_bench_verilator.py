"""The Verilator stream bench (verify/verilator/stream_bench.cpp) is the same bench as MyHDL's and
Icarus's: same beats, same cycle of every move, same completion; it sees stream-rule breaches and
planted bugs; its builds are cached and share one compiled Verilator runtime."""

from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from fast_prefill.blocks import get_block
from fast_prefill.convert import Mutant
from fast_prefill.verify import mutants
from fast_prefill.verify.streams import check_passthrough, run_stream_bench
from fast_prefill.verify.strategies import beats, pattern

FIFO = get_block("stream_fifo")
PARAMS = {"width": 8, "depth": 4}


@settings(max_examples=max(10, settings.default.max_examples))
@given(data=beats(8), idle=pattern(), stall=pattern(), limit=st.sampled_from([None, 5, 20]))
def test_three_backends_move_every_beat_in_the_same_cycle(data, idle, stall, limit):
    """All three backends, including runs cut short by ``max_cycles`` (``limit``): identical moves,
    outputs, violations, end cycle and completion."""
    max_cycles = limit or 40 + 4 * len(data) * (1 + len(idle) + len(stall))
    runs = [run_stream_bench(FIFO, PARAMS, be, {"s": data}, {"m": len(data)}, idle={"s": idle}, stall={"m": stall},
                             max_cycles=max_cycles) for be in ("myhdl", "verilator", "icarus")]
    first = runs[0]
    for other in runs[1:]:
        assert (other.in_cycles, other.out_cycles, other.outputs) == (first.in_cycles, first.out_cycles, first.outputs)
        assert (other.cycles, other.finished, other.violations) == (first.cycles, first.finished, first.violations)
    if limit is None:
        assert first.finished and first.outputs["m"] == data


def test_wide_beats_pass_unchanged():
    """Beats wider than 64 bits (Verilator's word arrays) and zero beats go through exactly."""
    data = [0, (1 << 130) - 1, 1 << 129, 0x0123456789ABCDEF0123456789ABCDEF, 5]
    res = check_passthrough(FIFO, {"width": 131, "depth": 2}, data, [False, True], [True, False],
                            backends=("myhdl", "verilator"))
    assert res["verilator"].outputs["m"] == data


def test_a_planted_bug_is_caught_on_verilator_with_a_waveform():
    """The FIFO that drops a beat when full is rejected by the Verilator run alone; the failing run's
    waveform (Icarus) is named in the message."""
    with pytest.raises(AssertionError, match="on verilator: .*output .* != input") as info:
        check_passthrough(get_block("stream_fifo"), {"width": 4, "depth": 4}, list(range(16)), [],
                          [True] * 8 + [False], backends=("verilator",), mutant=mutants.fifo_drop_when_full(4))
    vcd = str(info.value).split("waveform: ")[1].split()[0]
    assert Path(vcd).stat().st_size > 0


def test_a_stream_rule_breach_is_seen():
    """A FIFO that pops whether or not the sink is ready changes (or withdraws) its output beat while
    the sink stalls: the Verilator bench reports the breaches, the same ones the MyHDL bench reports on
    the same Verilog under Icarus."""
    pop_ignores_ready = Mutant("fifo_pop_ignores_ready", "assign pop = (m_ready && (count != 0));",
                               "assign pop = (count != 0);")
    kw = dict(idle={"s": []}, stall={"m": [True, True, False]}, max_cycles=80, mutant=pop_ignores_ready)
    vl = run_stream_bench(FIFO, PARAMS, "verilator", {"s": list(range(12))}, {"m": 12}, **kw)
    ic = run_stream_bench(FIFO, PARAMS, "icarus", {"s": list(range(12))}, {"m": 12}, **kw)
    assert any("while stalled" in v or "while a beat was stalled" in v for v in vl.violations), vl.violations
    assert (vl.outputs, vl.in_cycles, vl.violations) == (ic.outputs, ic.in_cycles, ic.violations)


def test_builds_are_cached_and_share_the_runtime():
    from fast_prefill.verify.cosim import compile_icarus
    from fast_prefill.verify.verilator import build as vb

    vvp, module = compile_icarus(FIFO, PARAMS)
    b1 = vb.build(vvp.parent / f"{module}.v", module, trace=None, harness="stream_bench.cpp")
    b2 = vb.build(vvp.parent / f"{module}.v", module, trace=None, harness="stream_bench.cpp")
    assert b2.cached and b2.exe == b1.exe
    assert list(vb.VERILATOR_DIR.glob("runtime-*/verilated.o"))


def test_a_second_design_reuses_the_bench_object_and_the_precompiled_header():
    """The bench names no design (model.h), so its object is compiled once per runtime and linked
    with each design; a build that reuses the runtime compiles the model with verilated.h
    precompiled, one header per optimisation level, each file finding its own (no -Winvalid-pch)."""
    import json

    from fast_prefill.verify.cosim import compile_icarus
    from fast_prefill.verify.verilator import build as vb

    builds = []
    for depth in (8, 16):      # parameter sets no other test uses: fresh builds on a warm runtime
        vvp, module = compile_icarus(FIFO, {"width": 6, "depth": depth})
        b = vb.build(vvp.parent / f"{module}.v", module, trace=None, harness="stream_bench.cpp")
        builds.append(b)
        res = run_stream_bench(FIFO, {"width": 6, "depth": depth}, "verilator", {"s": list(range(9))}, {"m": 9},
                               idle={"s": [False, True]}, stall={"m": [True, False]}, max_cycles=200)
        assert res.outputs["m"] == list(range(9)) and not res.violations
    info = json.loads((builds[1].exe.parent / "build.json").read_text())
    assert info["precompiled_header"] is True and info["pch_warnings"] == []
    runtime = [d for d in vb.VERILATOR_DIR.glob("runtime-*") if list(d.glob("stream_bench-*.o"))]
    assert runtime and all(list(d.glob("pch-*/fp_pch.h.gch")) for d in runtime)


def test_unknown_backend_and_harness_are_refused():
    with pytest.raises(ValueError, match="stream bench field 'backend' = 'vcs' is not allowed"):
        run_stream_bench(FIFO, PARAMS, "vcs", {"s": [1]}, {"m": 1})
    from fast_prefill.verify.verilator import build as vb

    with pytest.raises(ValueError, match="verilator build field 'harness' = 'x.cpp' is not allowed"):
        vb.build(Path("x.v"), "x", harness="x.cpp")
