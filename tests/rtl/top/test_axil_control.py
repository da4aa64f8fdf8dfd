"""axil_control: the s_axi_control register file against a Python model, on MyHDL and on the
converted Verilog, with random channel timing; ap_ctrl_hs and interrupt behaviour."""

import pytest
from hypothesis import given, strategies as st
from myhdl import instance

from fast_prefill.blocks import get_block
from fast_prefill.rtl.top.regmap import CTRL, GIE, IER, ISR, RegisterMap
from fast_prefill.verify.axil import axil_master
from fast_prefill.verify.cosim import BACKENDS
from fast_prefill.verify.sim import run_bench

SPEC = get_block("axil_control")
RM = RegisterMap()
ARG_OFFSETS = [w.offset for w in RM.arg_words]
STATUS_OFFSET = RM.offsets["status"]


def _strobe_merge(old: int, data: int, strobe: int) -> int:
    mask = sum(0xFF << (8 * i) for i in range(4) if strobe >> i & 1)
    return (old & ~mask) | (data & mask)


def run_ops(backend, ops, delays, status=0, core=None):
    results, violations, done = [], [], []
    snapshot = {}

    def bench(ports, finished):
        master = axil_master(ports["clk"], ports["rst"], ports, "s_axi_control", ops, results, delays,
                             violations, done)

        @instance
        def drive():
            ports["status"].next = status
            while not done:
                yield ports["clk"].posedge
                if core is not None:
                    core(ports)
            snapshot["args"] = int(ports["args"])
            snapshot["interrupt"] = bool(ports["interrupt"])
            snapshot["ap_start"] = bool(ports["ap_start"])
            finished.append(True)

        return master, drive

    run_bench(SPEC, {}, backend, bench, max_cycles=200 + 40 * len(ops))
    return results, violations, snapshot


@pytest.mark.parametrize("backend", BACKENDS)
@given(data=st.data(), delays=st.lists(st.integers(0, 3), max_size=6))
def test_argument_registers_match_model(backend, data, delays):
    ops, model = [], {o: 0 for o in ARG_OFFSETS}
    expected = []
    written = set()
    for _ in range(data.draw(st.integers(1, 12))):
        offset = data.draw(st.sampled_from(ARG_OFFSETS))
        if data.draw(st.booleans()) or offset not in written:
            value = data.draw(st.integers(0, 2**32 - 1))
            strobe = 0xF if offset not in written else data.draw(st.integers(0, 15))
            ops.append(("w", offset, value, strobe))
            model[offset] = _strobe_merge(model[offset], value, strobe)
            written.add(offset)
            expected.append(("w", offset, 0))
        else:
            ops.append(("r", offset))
            expected.append(("r", offset, model[offset], 0))
    ops.append(("r", STATUS_OFFSET))
    expected.append(("r", STATUS_OFFSET, 0x5A5A0006, 0))
    results, violations, snap = run_ops(backend, ops, delays, status=0x5A5A0006)
    assert violations == []
    assert results == expected
    for w in RM.arg_words:
        if w.offset in written:
            assert (snap["args"] >> (32 * w.index)) & 0xFFFFFFFF == model[w.offset], w.name


@pytest.mark.parametrize("backend", BACKENDS)
def test_ap_ctrl_hs_handshake_and_interrupt(backend):
    """start -> the core sees ap_start until it pulses ap_ready; ap_done latches, clears on read;
    ISR bits follow IER, toggle on write; interrupt = GIE and ISR."""
    state = {"cycle": 0, "seen_start": None}

    def core(ports):
        state["cycle"] += 1
        ports["ap_ready"].next = False
        ports["ap_done"].next = False
        ports["ap_idle"].next = not ports["ap_start"]
        if ports["ap_start"] and state["seen_start"] is None:
            state["seen_start"] = state["cycle"]
        if state["seen_start"] is not None and state["cycle"] == state["seen_start"] + 3:
            ports["ap_ready"].next = True
            ports["ap_done"].next = True

    ops = [("w", GIE, 1, 0xF), ("w", IER, 1, 0xF), ("r", CTRL), ("w", CTRL, 1, 0xF), ("wait", 12),
           ("r", CTRL), ("r", CTRL), ("r", ISR), ("w", ISR, 1, 0xF), ("r", ISR)]
    results, violations, snap = run_ops(backend, ops, [0, 1, 2], core=core)
    assert violations == []
    reads = [r[2] for r in results if r[0] == "r"]
    idle_before, ctrl_after, ctrl_again, isr_before, isr_after = reads
    assert idle_before == 0b0100                      # idle, not started
    assert ctrl_after & 0b1111 == 0b1110              # done, idle, ready latched; start cleared by ap_ready
    assert ctrl_again & 0b1010 == 0                   # ap_done and ap_ready cleared by the first read
    assert isr_before == 0b01 and isr_after == 0b00   # done event recorded (ready not enabled), toggled off
    assert snap["ap_start"] is False and snap["interrupt"] is False


def test_register_map_layout():
    assert RM.offsets["q"] == 0x10 and RM.offsets["k"] == 0x1C and RM.offsets["seq_len"] == 0x40
    assert [w.offset for w in RM.words][:4] == [CTRL, GIE, IER, ISR]
    assert len({w.offset for w in RM.words}) == len(RM.words)
    assert RM.arg_field("k") == (64, 64)


def test_error_codes_have_one_source():
    """The RTL's E_* constants, the C header and the README table all come from regmap.toml's named
    codes; every code there is one the RTL can report."""
    from fast_prefill.rtl.top import fast_prefill as top

    assert set(top.ERROR_NAMES) == set(RM.error_names)
    assert [getattr(top, f"E_{n}") for n in top.ERROR_NAMES] == [RM.error_names[n] for n in top.ERROR_NAMES]
    assert "#define FAST_PREFILL_ERR_SEQ_LEN 1 /* illegal argument: seq_len */" in RM.c_header()
    assert "| 5 | `POINTER` | unaligned pointer |" in RM.markdown_table()
    with pytest.raises(ValueError, match=r"regmap field 'error_codes' has no code named 'SEQ_LENGTH'"):
        RM.error_code("SEQ_LENGTH")


def test_regmap_error_code_without_a_name_is_refused(tmp_path):
    from fast_prefill.rtl.top.regmap import REGMAP_TOML

    text = REGMAP_TOML.read_text().replace('5 = { name = "POINTER", ', '5 = { name = "HEADS", ')
    (tmp_path / "r.toml").write_text(text)
    with pytest.raises(ValueError, match=r"regmap field 'error_codes.5.name' = 'HEADS' is not allowed: must be a unique"):
        RegisterMap(tmp_path / "r.toml")


def test_master_monitor_rejects_dropped_bvalid():
    """The simulation checker catches the same planted bug as the proof."""
    from fast_prefill.verify import mutants

    results, violations, done = [], [], []

    def bench(ports, finished):
        master = axil_master(ports["clk"], ports["rst"], ports, "s_axi_control",
                             [("w", ARG_OFFSETS[0], 7, 0xF), ("r", ARG_OFFSETS[0])], results, [3], violations, done)

        @instance
        def stop():
            while not done and len(violations) == 0:
                yield ports["clk"].posedge
            finished.append(True)

        return master, stop

    run_bench(SPEC, {}, "icarus", bench, max_cycles=300, mutant=mutants.axil_bvalid_drops())
    assert any("bvalid dropped" in v for v in violations)
