"""Resource estimates: cell counting, and a real synth_xilinx run on a small FIFO."""

from fast_prefill.blocks import BLOCKS
from fast_prefill.convert import convert_block
from fast_prefill.synth import Resources, count_cells, report, synth_file


def test_count_cells_maps_xilinx_primitives():
    r = count_cells({"LUT6": 3, "LUT2": 2, "RAM32M16": 1, "SRLC32E": 2, "FDRE": 5, "FDSE": 1,
                     "DSP48E2": 4, "RAMB36E2": 1, "RAMB18E2": 3, "URAM288": 2, "CARRY4": 7, "BUFG": 1})
    assert (r.lut, r.ff, r.dsp, r.bram36, r.uram, r.carry) == (3 + 2 + 8 + 2, 6, 4, 2.5, 2, 7)


def test_report_flags_a_design_that_does_not_fit():
    _, fits = report({"a": Resources(dsp=9000), "b": Resources(dsp=100)})
    assert not fits
    _, fits = report({"a": Resources(dsp=9000)})
    assert fits


def test_fifo_synthesises_without_dsp_or_bram(tmp_path):
    path = convert_block(BLOCKS["stream_fifo"], {"width": 8, "depth": 4}, tmp_path, "fifo_s")
    r = synth_file(path, "fifo_s")
    assert r.dsp == 0 and r.bram36 == 0 and r.uram == 0
    assert r.lut > 0 and r.ff >= 3 + 2 + 2  # count, write and read pointers at least


# The kernel estimate of `make synth` (per-unit, reduced-lane extrapolation) -------------------

from fast_prefill import synth  # noqa: E402
from fast_prefill.config import get_preset  # noqa: E402


def test_linear_fit_of_the_measured_points():
    f = synth.LinearFit.of((8, 16, 32), (180, 340, 660))       # 20 + 20 D exactly
    assert (round(f.a, 6), round(f.b, 6)) == (20, 20) and f.max_deviation() < 1e-9
    assert round(f.at(128)) == 2580
    bent = synth.LinearFit.of((8, 16, 32), (100, 400, 1600))   # not linear: the deviation shows it
    assert bent.max_deviation() > 0.05


def test_kernel_estimate_extrapolates_lane_units_and_sums_the_rest(monkeypatch, tmp_path):
    """Without yosys: a lane unit is synthesised at the reduced head dims only and extrapolated to
    the preset's D; counts multiply; the report prints the points and the U280/SLR check."""
    seen = []

    def fake_block(name, cfg, out_dir, module, timeout, progress):
        seen.append((name, cfg.head_dim, module))
        if name == "lanes":
            return synth.Resources(lut=100 + 50 * cfg.head_dim, dsp=2 * cfg.head_dim, ff=10 * cfg.head_dim)
        return synth.Resources(lut=1000, ff=500)

    monkeypatch.setattr(synth, "_synth_block", fake_block)
    monkeypatch.setattr(synth, "BLOCKS", {"lanes": synth.BLOCKS["sae_engine"], "one": synth.BLOCKS["kv_cache"]})
    plan = (synth.UnitPlan("one", 2), synth.UnitPlan("lanes", 1, points=(8, 16, 32)))
    cfg = get_preset("u280")
    est = synth.estimate_kernel(cfg, tmp_path, plan, progress=lambda *_: None)
    assert [(n, d) for n, d, _ in seen] == [("one", 128), ("lanes", 8), ("lanes", 16), ("lanes", 32)]
    assert est.units["one"].lut == 2000 and est.units["one"].ff == 1000
    assert (est.units["lanes"].lut, est.units["lanes"].dsp) == (100 + 50 * 128, 256)
    text, fits = synth.estimate_report(est, cfg)
    assert fits and "measured D = 16" in text and "extrapolated D = 128" in text and "SLR1 budget" in text
    assert "linear extrapolation" in text

    # too many DSPs for the SAE's SLR (SLR1: 3072): the estimate fails
    monkeypatch.setattr(synth, "_synth_block", lambda name, cfg, *a: synth.Resources(dsp=30 * cfg.head_dim))
    est = synth.estimate_kernel(cfg, tmp_path, plan[1:], progress=lambda *_: None)
    assert est.units["lanes"].dsp == 3840
    assert not synth.estimate_report(est, cfg)[1]


def test_a_unit_that_does_not_finish_fails_the_estimate(monkeypatch, tmp_path):
    def slow(*a):
        raise RuntimeError("ERROR: yosys synth_xilinx did not finish in 5 s on x.v")

    monkeypatch.setattr(synth, "_synth_block", slow)
    est = synth.estimate_kernel(get_preset("u280"), tmp_path, (synth.UnitPlan("kv_cache"),), progress=lambda *_: None)
    text, fits = synth.estimate_report(est, get_preset("u280"))
    assert not fits and "NOT SYNTHESISED" in text and "did not finish" in text


def test_yosys_timeout_is_reported(tmp_path):
    path = convert_block(BLOCKS["stream_fifo"], {"width": 8, "depth": 4}, tmp_path, "fifo_t")
    try:
        synth_file(path, "fifo_t", timeout=0.01)
    except RuntimeError as exc:
        assert "did not finish" in str(exc)
    else:
        raise AssertionError("a 10 ms yosys run finished")


def test_the_kernel_plan_names_registered_blocks_of_the_top_level():
    """Every planned block exists; a lane unit's reduced configs are valid at the u280 preset."""
    cfg = get_preset("u280")
    for u in synth.KERNEL_PLAN:
        spec = synth.BLOCKS[u.block]
        spec.params(cfg)
        for d in u.points:
            spec.params(synth.reduced(cfg, d))


def test_a_yowasp_crash_is_named():
    text = "yosys synth_xilinx failed on x.v:\nwasmtime._trap.Trap: error while executing\nCaused by:\n    thrown Wasm exception"
    assert "crashed" in synth._yosys_error(text)
    assert "OPTION_ABITS" in synth._yosys_error("a\nlutrams_xc5v_map.v:181: ERROR: invalid OPTION_ABITS/WIDTH combination.")


def test_the_sig_head_parts_are_registered_blocks_or_its_buffers():
    cfg = get_preset("u280")
    head = next(u for u in synth.KERNEL_PLAN if u.block == "sig_head")
    assert head.parts and synth.HEAD_BUFFERS in [p.block for p in head.parts]
    for p in head.parts:
        if p.block != synth.HEAD_BUFFERS:
            synth.BLOCKS[p.block].params(cfg)


def test_a_head_yosys_cannot_synthesise_whole_is_counted_by_parts(monkeypatch, tmp_path):
    """The whole unit fails (LUT-RAM mapping): its parts are synthesised one by one, summed into
    the unit's row (so it keeps its SLR), listed in a parts table, and the verdict is definite."""
    seen = []

    def fake_block(name, cfg, out_dir, module, timeout, progress):
        seen.append(name)
        if name == "sig_head":
            raise RuntimeError("yosys synth_xilinx failed on x.v:\nlutrams_xc5v_map.v:181: ERROR:invalid "
                               "OPTION_ABITS/WIDTH combination.")
        return synth.Resources(lut=1000, ff=10, bram36=2.5, uram=1)

    monkeypatch.setattr(synth, "_synth_block", fake_block)
    cfg = get_preset("u280")
    parts = (synth.UnitPlan("sig_probe"), synth.UnitPlan("sig_block_sum", 2), synth.UnitPlan(synth.HEAD_BUFFERS))
    plan = (synth.UnitPlan("sig_head", 1, parts=parts),)
    est = synth.estimate_kernel(cfg, tmp_path, plan, progress=lambda *_: None)
    assert seen == ["sig_head", "sig_probe", "sig_block_sum", synth.HEAD_BUFFERS]
    assert not est.failed and est.units["sig_head"].lut == 4000 and est.units["sig_head"].bram36 == 10
    assert est.parts["sig_head"]["sig_block_sum"].lut == 2000
    text, fits = synth.estimate_report(est, cfg)
    assert fits and "sig_head parts" in text and "sig_head (sum)" in text and "OPTION_ABITS" in text
    assert "control" in est.how["sig_head"] and "SLR0 used" in text

    seen.clear()                    # parts_only: the whole head is not tried
    est = synth.estimate_kernel(cfg, tmp_path, plan, progress=lambda *_: None, parts_only=("sig_head",))
    assert seen[0] == "sig_probe" and est.units["sig_head"].lut == 4000

    def part_fails(name, *a):       # a failing part leaves the fit unknown
        if name in ("sig_head", "sig_probe"):
            raise RuntimeError("yowasp crashed")
        return synth.Resources(lut=1)

    monkeypatch.setattr(synth, "_synth_block", part_fails)
    est = synth.estimate_kernel(cfg, tmp_path, plan, progress=lambda *_: None)
    text, fits = synth.estimate_report(est, cfg)
    assert not fits and "sig_probe" in est.failed["sig_head"] and "NOT SYNTHESISED" in text


def test_head_buffers_module_has_the_heads_memories_with_registered_reads(tmp_path):
    cfg = get_preset("tiny")
    path = synth.head_buffers_verilog(cfg, tmp_path, "hb")
    mems = {m.name: m for m in synth.memory_ports(path, "hb")}
    lb = cfg.block_size.bit_length() - 1
    assert (mems["vbuf"].entries, mems["vbuf"].width) == (cfg.max_seq_len, 17 + lb)
    assert (mems["psbuf"].entries, mems["psbuf"].width) == (cfg.max_blocks, 17 + 2 * lb)
    assert mems["ksbuf"].entries == cfg.max_blocks and set(mems) == {"vbuf", "sbuf", "pvbuf", "psbuf", "ksbuf"}
    assert all(m.registered for m in mems.values())


def test_a_synthesis_failure_is_remembered_for_the_same_verilog(monkeypatch, tmp_path):
    calls = []

    def failing(path, top, options="", timeout=None):
        calls.append(options)
        raise RuntimeError("yosys synth_xilinx failed on x.v:\nERROR: boom")

    monkeypatch.setattr(synth, "synth_file", failing)
    v = tmp_path / "m.v"
    v.write_text("module m; endmodule\n")
    for _ in range(2):
        try:
            synth.synth_cached(v, "m")
        except RuntimeError as exc:
            assert "boom" in str(exc)
    assert calls == [""]                       # the second call did not run yosys
    v.write_text("module m; wire a; endmodule\n")
    try:
        synth.synth_cached(v, "m")
    except RuntimeError:
        pass
    assert calls == ["", ""]                   # changed Verilog: tried again


def test_head_buffers_at_u280_put_the_accumulator_copies_in_ultraram(tmp_path):
    """The same UltraRAM rule as convert_block: the 131072-deep copies are tagged, the 1024-deep
    pooled vectors and K block sums are not; at tiny nothing is."""
    from fast_prefill.convert import URAM_ATTRIBUTE

    text = synth.head_buffers_verilog(get_preset("u280"), tmp_path, "hb").read_text()
    tagged = {ln.split("]")[-2].split("[")[0].split()[-1] for ln in text.splitlines() if URAM_ATTRIBUTE in ln}
    assert tagged == {"vbuf", "sbuf"}
    assert URAM_ATTRIBUTE not in synth.head_buffers_verilog(get_preset("tiny"), tmp_path, "hb2").read_text()
