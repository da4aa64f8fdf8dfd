"""Host driver + Verilator harness on the small test kernel (tests/host/copy_kernel.py: o = ~q).

Data moves exactly with latency faults and gaps on; AXI error responses and illegal arguments come
back as KernelError naming the code; a too-wide argument is refused before anything runs; a second
run reuses the cached build; a timeout names a waveform; planted bugs (a memory model that drops a
write beat, a kernel mutant) make the comparison fail."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest
from copy_kernel import SPEC, transform
from hypothesis import example, given, settings, strategies as st

from fast_prefill.config import get_preset
from fast_prefill.convert import LINT_WAIVERS, Mutant, convert_block
from fast_prefill.hierarchy import source_files
from fast_prefill.host import ArgumentError, Device, KernelError
from fast_prefill.tools import tool
from fast_prefill.verify.verilator import build as vb

WORD = get_preset("tiny").hbm_data_width // 8
WAIVERS = __import__("pathlib").Path(__file__).with_name("copy_kernel_waivers.vlt")


def copy_run(nwords: int, faults=None, seed: int = 0, mutant=None, timeout: int = 200_000, **extra):
    dev = Device(preset="tiny", backend="verilator", faults=faults)
    data = np.random.default_rng(seed).integers(0, 256, size=nwords * WORD, dtype=np.uint8)
    q_bo, k_bo, v_bo, o_bo = (dev.alloc(max(1, nwords) * WORD) for _ in range(4))
    q_bo.write(data)
    q_bo.sync_to_device()
    krn = dev.kernel("copy_kernel", spec=SPEC, mutant=mutant)
    run = krn(q_bo, k_bo, v_bo, o_bo, seq_len=nwords, **extra)
    cycles = run.wait(timeout_cycles=timeout)
    o_bo.sync_from_device()
    return data, o_bo.read(np.uint8, (nwords * WORD,)), cycles, run


def test_copy_kernel_converts_and_lints(tmp_path):
    params = SPEC.params(get_preset("tiny"))
    path = convert_block(SPEC, params, tmp_path, "copy_kernel_tiny")
    proc = subprocess.run([tool("verilator"), "--lint-only", "-Wall", "--top-module", "copy_kernel_tiny",
                           str(LINT_WAIVERS), str(WAIVERS), *map(str, source_files(path))],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    ports = vb.kernel_ports(path.read_text(), "copy_kernel_tiny")
    names = {p.name for p in ports}
    assert {"ap_clk", "ap_rst_n", "interrupt", "m_axi_q_araddr", "m_axi_o_wdata"} <= names
    assert next(p for p in ports if p.name == "m_axi_q_araddr").width == 64


@settings(deadline=None)
@given(nwords=st.integers(1, 300), seed=st.integers(0, 2**31 - 1), adversarial=st.booleans())
@example(nwords=64, seed=3, adversarial=True)
def test_copy_exact_under_faults(nwords, seed, adversarial):
    faults = vb.Faults.adversarial(seed) if adversarial else vb.Faults(seed=seed)
    data, out, cycles, run = copy_run(nwords, faults, seed)
    assert np.array_equal(out, np.frombuffer(transform(data.tobytes()), np.uint8))
    st_ = run.result.stats
    assert st_["read_ports"]["m_axi_q"]["beats"] == nwords
    assert st_["write_ports"]["m_axi_o"]["beats"] == nwords
    assert st_["write_ports"]["m_axi_o"]["responses"] == st_["write_ports"]["m_axi_o"]["bursts"]
    assert run.result.violations == []
    assert cycles >= nwords


def test_no_fault_run_is_fast_and_repeatable():
    _, out1, c1, r1 = copy_run(256)
    _, out2, c2, _ = copy_run(256)
    assert c1 == c2 and np.array_equal(out1, out2)
    # without faults: one beat a cycle once bursts flow (256 beats, 2 bursts of 8 in flight)
    assert c1 < 2 * 256
    assert r1.result.cycles_per_s > 0


def test_read_error_response_raises_kernel_error():
    dev_faults = vb.Faults(seed=5, rd_error=(0x1_0000_0000 + 8 * WORD, 0x1_0000_0000 + 9 * WORD))
    with pytest.raises(KernelError, match=r"copy|fast_prefill") as exc:
        copy_run(32, dev_faults)
    assert exc.value.code == 6
    assert "status 6: AXI read error response" in str(exc.value)
    assert exc.value.wave is not None and exc.value.wave.exists() and str(exc.value.wave) in str(exc.value)


def test_write_error_response_raises_kernel_error():
    # the fourth buffer (o) starts 4 buffers of (1 page + 1 guard page) above the first
    o_addr = 0x1_0000_0000 + 3 * 2 * 4096
    with pytest.raises(KernelError, match=r"status 7: AXI write error response") as exc:
        copy_run(32, vb.Faults(seed=1, wr_error=(o_addr, o_addr + 1)))
    assert exc.value.code == 7


def test_illegal_argument_status_is_a_clear_error():
    with pytest.raises(KernelError, match=r"status 1: illegal argument: seq_len"):
        copy_run(0)


def test_error_run_leaves_kernel_ready():
    """An error run and then a correct run on the same device and kernel."""
    dev = Device(preset="tiny", backend="verilator")
    q_bo, o_bo = dev.alloc(64), dev.alloc(64)
    data = np.arange(64, dtype=np.uint8)
    q_bo.write(data)
    q_bo.sync_to_device()
    krn = dev.kernel("copy_kernel", spec=SPEC)
    with pytest.raises(KernelError):
        krn(q_bo, 0, 0, o_bo, seq_len=0).wait()
    krn(q_bo, 0, 0, o_bo, seq_len=8).wait()
    o_bo.sync_from_device()
    assert o_bo.read(np.uint8).tobytes() == transform(data.tobytes())


def test_too_wide_argument_refused_before_anything_runs(monkeypatch):
    def no_run(*a, **k):
        raise AssertionError("the harness ran")

    monkeypatch.setattr(vb, "run", no_run)
    monkeypatch.setattr(vb, "build", no_run)
    dev = Device(preset="tiny", backend="verilator")
    bo = dev.alloc(64)
    krn = dev.kernel("copy_kernel", spec=SPEC)
    with pytest.raises(ArgumentError, match=r"argument 'seq_len' = 4294967296 is not allowed: must be an integer in \[0, 4294967295\]"):
        krn(bo, bo, bo, bo, seq_len=1 << 32)
    with pytest.raises(ArgumentError, match=r"argument 'gamma' = -1 is not allowed"):
        krn(bo, bo, bo, bo, gamma=-1)
    with pytest.raises(ArgumentError, match=r"argument 'q' = 18446744073709551616 is not allowed: must be an integer in \[0, 18446744073709551615\]"):
        krn(1 << 64)
    with pytest.raises(ArgumentError, match=r"has no argument 'sequence_length'"):
        krn(bo, sequence_length=3)
    with pytest.raises(ArgumentError, match=r"argument 'seq_len' is a scalar register"):
        krn(seq_len=bo)


def test_second_run_reuses_cached_build():
    dev = Device(preset="tiny", backend="verilator")
    first = dev.kernel("copy_kernel", spec=SPEC).verilator_build()
    second = Device(preset="tiny", backend="verilator").kernel("copy_kernel", spec=SPEC).verilator_build()
    assert second.cached and second.build_s == 0.0
    assert second.exe == first.exe and second.exe.is_relative_to(vb.VERILATOR_DIR)


def test_timeout_writes_waveform():
    with pytest.raises(vb.HarnessError, match=r"did not finish: timeout.*waveform: .*build/waves/.*\.vcd") as exc:
        copy_run(200, timeout=20)
    wave = str(exc.value).rsplit("waveform: ", 1)[1]
    assert __import__("pathlib").Path(wave).stat().st_size > 0


def test_trace_on_request(tmp_path):
    dev = Device(preset="tiny", backend="verilator")
    b = dev.kernel("copy_kernel", spec=SPEC).verilator_build()
    wave = tmp_path / "w.vcd"
    res = vb.run(b, {}, [("idle", 20)], trace=wave)
    assert res.status == "ok" and "$enddefinitions" in wave.read_text()


def test_verilator_missing_is_a_clear_error(monkeypatch):
    from fast_prefill import tools

    monkeypatch.setattr(vb, "tool", lambda name: (_ for _ in ()).throw(tools.ToolMissing(f"required tool '{name}' was not found")))
    with pytest.raises(tools.ToolMissing, match="Verilator fast path needs verilator"):
        vb.build(__import__("pathlib").Path("/nonexistent.v"), "x")


# ---------------------------------------------------------------- planted bugs


def test_planted_memory_bug_dropped_write_beat_is_caught():
    data, out, _, run = copy_run(64, vb.Faults(seed=2, drop_write_beat=17))
    assert run.result.stats["write_ports"]["m_axi_o"]["dropped_beats"] == 1
    expect = np.frombuffer(transform(data.tobytes()), np.uint8)
    bad = np.flatnonzero(out != expect)
    assert bad.size and set(bad // WORD) == {17}


@pytest.mark.slow   # a second Verilator build (about 20 to 30 s); the memory-model bug above runs by default
def test_planted_kernel_mutant_is_caught():
    mutant = Mutant("copy_no_invert", "assign x_data = (~d_data);", "assign x_data = d_data;")
    data, out, _, _ = copy_run(16, mutant=mutant)
    assert not np.array_equal(out, np.frombuffer(transform(data.tobytes()), np.uint8))


def test_restart_after_an_error_run_in_one_simulation():
    """Two host runs in one simulation (no reset between): a refused run, then a correct one."""
    from fast_prefill.rtl.top.regmap import CTRL, GIE, IER, ISR

    dev = Device(preset="tiny", backend="verilator")
    krn = dev.kernel("copy_kernel", spec=SPEC)
    rm = krn.regmap
    q_addr, o_addr = 0x1_0000_0000, 0x1_0000_8000
    data = bytes(range(256))
    regs = {a.name: 0 for a in rm.args} | {"q": q_addr, "o": o_addr}
    ops = [("w", GIE, 1), ("w", IER, 1)]
    for n in (0, 32):
        ops += [("w", off, val) for off, val in krn.register_writes(regs | {"seq_len": n})]
        ops += [("start",), ("wait", 10_000), ("w", ISR, 1), ("r", CTRL), ("r", rm.offsets["status"])]
    ops.append(("dump", o_addr, 256))
    res = vb.run(krn.verilator_build(), {q_addr: data}, ops, vb.Faults.adversarial(9))
    statuses = [v for off, v in res.reads if off == rm.offsets["status"]]
    assert statuses == [1, 0]
    assert res.memory[o_addr] == transform(data)


def test_reset_in_the_middle_of_a_run_then_a_correct_run():
    from fast_prefill.rtl.top.regmap import CTRL, GIE, IER, ISR

    dev = Device(preset="tiny", backend="verilator")
    krn = dev.kernel("copy_kernel", spec=SPEC)
    rm = krn.regmap
    q_addr, o_addr = 0x1_0000_0000, 0x1_0001_0000
    data = bytes((7 * i) & 0xFF for i in range(2048))
    regs = {a.name: 0 for a in rm.args} | {"q": q_addr, "o": o_addr, "seq_len": 256}
    setup = [("w", GIE, 1), ("w", IER, 1), *(("w", off, val) for off, val in krn.register_writes(regs))]
    ops = [*setup, ("start",), ("idle", 100), ("reset", 4), *setup, ("start",), ("wait", 20_000),
           ("w", ISR, 1), ("r", CTRL), ("r", rm.offsets["status"]), ("dump", o_addr, 2048)]
    res = vb.run(krn.verilator_build(), {q_addr: data}, ops, vb.Faults.adversarial(3))
    assert res.reads[-1] == (rm.offsets["status"], 0)
    assert res.memory[o_addr] == transform(data)
    assert res.stats["read_ports"]["m_axi_q"]["beats"] > 256   # the aborted run had read some


def test_port_parser_ignores_comments_and_polls_without_interrupt():
    text = ("module k (ap_clk, ap_rst_n, s_axi_control_awvalid, s_axi_control_rdata);\n"
            "// output of every head is written (a docstring line)\n/* input x; */\n"
            "input ap_clk;\ninput ap_rst_n;\ninput s_axi_control_awvalid;\noutput [31:0] s_axi_control_rdata;\n"
            "reg [31:0] s_axi_control_rdata;\nendmodule\n")
    assert [(p.name, p.width) for p in vb.kernel_ports(text, "k")] == [
        ("ap_clk", 1), ("ap_rst_n", 1), ("s_axi_control_awvalid", 1), ("s_axi_control_rdata", 32)]
    with pytest.raises(vb.HarnessError, match="Vitis RTL kernel port shape"):
        vb.kernel_ports("module k (a);\ninput a;\nendmodule\n", "k")
    # without GIE/IER the harness polls CTRL for ap_done
    dev = Device(preset="tiny", backend="verilator")
    krn = dev.kernel("copy_kernel", spec=SPEC)
    regs = {a.name: 0 for a in krn.regmap.args} | {"q": 0x1_0000_0000, "o": 0x1_0001_0000, "seq_len": 16}
    ops = [*(("w", off, val) for off, val in krn.register_writes(regs)), ("start",), ("wait", 10_000),
           ("r", krn.regmap.offsets["status"])]
    res = vb.run(krn.verilator_build(), {}, ops)
    assert res.reads == [(krn.regmap.offsets["status"], 0)] and res.cycles > 16
    assert res.stats["axil"]["reads"] > 2          # the polls


@pytest.mark.slow   # a second build (--trace-fst)
def test_fst_trace_on_request(tmp_path):
    """An untraced build asked for an FST waveform builds the FST variant of the same design and
    writes it; a build made without its source file is refused by name."""
    dev = Device(preset="tiny", backend="verilator")
    krn = dev.kernel("copy_kernel", spec=SPEC)
    plain = krn.verilator_build(None)
    assert plain.trace is None
    res = vb.run(plain, {}, [("idle", 20)], trace=tmp_path / "w.fst")
    assert res.status == "ok" and (tmp_path / "w.fst").stat().st_size > 0
    assert res.build.trace == "fst" and res.build.exe != plain.exe
    orphan = vb.Build(plain.exe, plain.top, plain.ports, 0.0, True, None, None)
    with pytest.raises(ValueError, match=r"writes NONE \(build with trace='fst'\)"):
        vb.run(orphan, {}, [("idle", 5)], trace=tmp_path / "x.fst")
