"""axi_stream_reader / axi_stream_writer against adversarial AXI memory models, on MyHDL and on
the converted Verilog: every word read or written at the right address, in order, rules kept."""

import random

import pytest
from hypothesis import given, strategies as st
from myhdl import always, instance

from fast_prefill.blocks import get_block
from fast_prefill.verify.axi_memory import AxiLog, AxiMemory, axi_read_slave
from fast_prefill.verify.axi_write_memory import WriteLog, axi_write_slave
from fast_prefill.verify.cosim import BACKENDS
from fast_prefill.verify.sim import run_bench
from fast_prefill.verify.strategies import pattern

READER, WRITER = get_block("axi_stream_reader"), get_block("axi_stream_writer")
PARAMS = {"data_width": 64, "beats_bits": 12, "burst_beats": 4, "fifo_depth": 8, "max_outstanding": 2}
BYTES = 8
BURST_BYTES = PARAMS["burst_beats"] * BYTES


def commands():
    return st.lists(st.tuples(st.integers(0, 200).map(lambda a: a * BURST_BYTES), st.integers(1, 23)),
                    min_size=1, max_size=4)


def after_reset(ports):
    """Wait for the first clock edge with reset released."""
    yield ports["clk"].posedge
    while ports["rst"]:
        yield ports["clk"].posedge


def send_command(ports, addr, beats):
    """One ``s_cmd`` beat: hold it valid until the block takes it."""
    ports["s_cmd_valid"].next = True
    ports["s_cmd_addr"].next = addr
    ports["s_cmd_beats"].next = beats
    yield ports["clk"].posedge
    while not ports["s_cmd_ready"]:
        yield ports["clk"].posedge
    ports["s_cmd_valid"].next = False


def run_reader(backend, cmds, stall, seed, error_bursts=frozenset()):
    mem, log = AxiMemory(64, seed=seed), AxiLog()
    got, lasts, errs = [], [], []

    def bench(ports, finished):
        rng = random.Random(seed)
        slave = axi_read_slave(ports["clk"], ports["rst"], ports, mem, rng, log, max_latency=5,
                               error_bursts=error_bursts, axi_id=0, max_outstanding=PARAMS["max_outstanding"])
        total = sum(n for _, n in cmds)
        cyc = {"c": 0}

        @instance
        def driver():
            yield from after_reset(ports)
            for addr, beats in cmds:
                yield from send_command(ports, addr, beats)
            while len(got) < total:
                yield ports["clk"].posedge
            for _ in range(4):
                yield ports["clk"].posedge
            errs.append(bool(ports["err"]))
            finished.append(True)

        @always(ports["clk"].posedge)
        def sink():
            c = cyc["c"]
            cyc["c"] += 1
            if ports["m_valid"] and ports["m_ready"]:
                got.append(int(ports["m_data"]))
                lasts.append(bool(ports["m_last"]))
            ports["m_ready"].next = not (stall and stall[c % len(stall)])

        return slave, driver, sink

    run_bench(READER, PARAMS, backend, bench, max_cycles=3000)
    return got, lasts, errs[0], log, mem


@pytest.mark.parametrize("backend", BACKENDS)
@given(cmds=commands(), stall=pattern(), seed=st.integers(0, 1000))
def test_reader_streams_every_word_in_order(backend, cmds, stall, seed):
    got, lasts, err, log, mem = run_reader(backend, cmds, stall, seed)
    expected = [mem.word(a + i * BYTES) for a, n in cmds for i in range(n)]
    assert got == expected
    assert lasts == [i == n - 1 for _, n in cmds for i in range(n)]
    assert log.violations == [] and not err
    assert sum(n for _, n in log.bursts) == len(expected)
    assert all(n <= PARAMS["burst_beats"] for _, n in log.bursts)


def test_reader_flags_error_response():
    got, _, err, log, _ = run_reader("icarus", [(0, 9)], [], 3, error_bursts=frozenset({BURST_BYTES}))
    assert len(got) == 9 and err


def run_writer(backend, cmds, idle, seed, error_bursts=frozenset()):
    mem, log = AxiMemory(64, seed=seed), WriteLog()
    data = {}
    rng_data = random.Random(seed + 1)
    beats = []
    for addr, n in cmds:
        for i in range(n):
            v = rng_data.getrandbits(64)
            beats.append(v)
            data[addr + i * BYTES] = v
    dones, errs = [], []

    def bench(ports, finished):
        rng = random.Random(seed)
        slave = axi_write_slave(ports["clk"], ports["rst"], ports, mem, rng, log,
                                error_bursts=error_bursts, max_outstanding=PARAMS["max_outstanding"])
        state = {"i": 0, "c": 0}

        @instance
        def driver():
            yield from after_reset(ports)
            for addr, n in cmds:
                yield from send_command(ports, addr, n)
                while not ports["done"]:
                    yield ports["clk"].posedge
                dones.append(state["i"])
            errs.append(bool(ports["err"]))
            finished.append(True)

        @always(ports["clk"].posedge)
        def source():
            c = state["c"]
            state["c"] += 1
            if ports["s_valid"] and ports["s_ready"]:
                state["i"] += 1
            elif ports["s_valid"]:
                return
            i = state["i"]
            if i < len(beats) and not (idle and idle[c % len(idle)]):
                ports["s_valid"].next = True
                ports["s_data"].next = beats[i]
            else:
                ports["s_valid"].next = False

        return slave, driver, source

    run_bench(WRITER, PARAMS, backend, bench, max_cycles=3000)
    return data, mem, log, dones, errs[0]


@pytest.mark.parametrize("backend", BACKENDS)
@given(cmds=commands(), idle=pattern(), seed=st.integers(0, 1000))
def test_writer_writes_every_word(backend, cmds, idle, seed):
    # Later commands may overwrite earlier ones: the expected memory is the last write per word.
    data, mem, log, dones, err = run_writer(backend, cmds, idle, seed)
    for addr, value in data.items():
        assert mem.words[addr] == value, hex(addr)
    assert log.violations == [] and not err
    assert log.responses == len(log.bursts)
    # done comes only after the command's last beat was taken (and its responses returned).
    assert dones == [sum(n for _, n in cmds[: k + 1]) for k in range(len(cmds))]


def test_writer_flags_error_response():
    _, _, _, _, err = run_writer("icarus", [(0, 9)], [], 5, error_bursts=frozenset({BURST_BYTES}))
    assert err


def test_writer_model_rejects_early_wlast():
    """The simulation checker catches the same planted bug as the proof."""
    from fast_prefill.verify import mutants

    mem, log = AxiMemory(64, seed=1), WriteLog()

    def bench(ports, finished):
        slave = axi_write_slave(ports["clk"], ports["rst"], ports, mem, random.Random(1), log)

        @instance
        def drive():
            yield from after_reset(ports)
            ports["s_cmd_valid"].next = True
            ports["s_cmd_addr"].next = 0
            ports["s_cmd_beats"].next = 8
            ports["s_valid"].next = True
            for _ in range(200):
                yield ports["clk"].posedge
                ports["s_cmd_valid"].next = False
                if log.violations:
                    break
            finished.append(True)

        return slave, drive

    run_bench(WRITER, PARAMS, "icarus", bench, max_cycles=400, mutant=mutants.writer_early_wlast())
    assert any("WLAST" in v for v in log.violations)
