"""axi_read_arbiter: two random AXI4 read masters (side a with IDs other than b_id, side b with b_id)
share one read port to an adversarial slave that interleaves the R beats of different IDs, on MyHDL
and on the converted Verilog (Icarus), cycle for cycle. Every beat reaches the master that asked for
it, in order per ID; the shared AR channel keeps the handshake rules; both masters progress, and a
waiting master is granted after at most one handshake of the other."""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass, field

import pytest
from hypothesis import Phase, example, given, settings, strategies as st
from myhdl import Signal, always, instance, intbv

from fast_prefill.blocks import bundle_ports, clock_and_reset, get_block
from fast_prefill.rtl.axi.read_arbiter import axi_read_arbiter
from fast_prefill.rtl.axi.specs import ID_WIDTH, axi_read_ports
from fast_prefill.verify import mutants
from fast_prefill.verify.axi_memory import AxiLog, AxiMemory, axi_read_slave
from fast_prefill.verify.cosim import BACKENDS
from fast_prefill.verify.sim import run_bench
from fast_prefill.verify.strategies import pattern

SPEC = get_block("axi_read_arbiter")
DATA_WIDTH = 64
BYTES = DATA_WIDTH // 8
SLOT = 16 * BYTES           # bursts of at most 16 beats start on 128-byte slots: never across 4 KiB
MAX_OUT = 3                 # bursts a master keeps in flight
RD = ("arvalid", "arready", "araddr", "arlen", "arsize", "arburst", "arid",
      "rvalid", "rready", "rdata", "rresp", "rlast", "rid")


@dataclass
class Side:
    """What one master asked for and saw."""
    bursts: list                                              # (address, beats, arid), in issue order
    ar_cycles: list = field(default_factory=list)             # cycle of each AR handshake
    beats: list = field(default_factory=list)                 # (cycle, rid, data, last) accepted
    done: int = 0                                             # bursts completed (RLAST taken)
    errors: list = field(default_factory=list)


def _master(clk, rst, p, side: Side, idle, mem: AxiMemory, name: str):
    """A read master on ports ``p`` (keys of RD): issues ``side.bursts`` in order with ``idle`` gaps,
    at most MAX_OUT in flight, holding ARVALID and the payload until ARREADY; RREADY is high while a
    burst is in flight (as the project's masters do); checks every beat against its bursts."""
    st_ = {"c": 0, "i": 0, "out": {}, "n_out": 0}

    @always(clk.posedge)
    def drive():
        c = st_["c"]
        st_["c"] += 1
        if rst:
            p["arvalid"].next = False
            p["rready"].next = False
            return
        if p["rvalid"] and p["rready"]:
            rid, data, last = int(p["rid"]), int(p["rdata"]), bool(p["rlast"])
            side.beats.append((c, rid, data, last))
            q = st_["out"].get(rid)
            if not q:
                side.errors.append(f"{name}: cycle {c}: a beat of RID {rid}, which it has no burst of in flight")
            else:
                b = q[0]
                addr, n, _ = b["burst"]
                want = mem.word(addr + b["k"] * BYTES)
                if data != want or last != (b["k"] == n - 1) or int(p["rresp"]) != 0:
                    side.errors.append(f"{name}: cycle {c}: beat {b['k']} of burst {b['burst']}: data {data:#x} "
                                       f"last {last} resp {int(p['rresp'])}, expected {want:#x} last {b['k'] == n - 1}")
                b["k"] += 1
                if b["k"] == n:
                    q.popleft()
                    st_["n_out"] -= 1
                    side.done += 1
        elif p["rvalid"] and not p["rready"]:
            side.errors.append(f"{name}: cycle {c}: RVALID while it has no burst in flight")
        waiting = False
        if p["arvalid"] and p["arready"]:
            burst = side.bursts[st_["i"]]
            side.ar_cycles.append(c)
            st_["out"].setdefault(burst[2], deque()).append({"burst": burst, "k": 0})
            st_["n_out"] += 1
            st_["i"] += 1
        elif p["arvalid"]:
            waiting = True          # keep ARVALID and the payload until ARREADY
        if not waiting:
            i = st_["i"]
            if i < len(side.bursts) and st_["n_out"] < MAX_OUT and not (idle and idle[c % len(idle)]):
                addr, n, arid = side.bursts[i]
                p["arvalid"].next = True
                p["araddr"].next = addr
                p["arlen"].next = n - 1
                p["arsize"].next = BYTES.bit_length() - 1
                p["arburst"].next = 1
                p["arid"].next = arid
            else:
                p["arvalid"].next = False
        p["rready"].next = st_["n_out"] > 0

    return drive


def _monitor(clk, rst, ports, b_id: int, trace: list, errors: list):
    """Between the ports: one AR handshake per side at most and each the shared port's; one R beat
    at most, to side b iff its RID is b_id, unchanged, with the addressed side's RREADY; fairness
    (a waiting side sees at most one handshake of the other before its own)."""
    a, b, m = ({k: ports[f"{s}_{k}"] for k in RD} for s in "abm")
    st_ = {"c": 0, "skips": {"a": 0, "b": 0}}
    fields = ("araddr", "arlen", "arsize", "arburst", "arid")

    @always(clk.posedge)
    def watch():
        c = st_["c"]
        st_["c"] += 1
        if rst:
            st_["skips"] = {"a": 0, "b": 0}
            return
        hs = {s: bool(p["arvalid"] and p["arready"]) for s, p in (("a", a), ("b", b))}
        m_hs = bool(m["arvalid"] and m["arready"])
        if a["arready"] and b["arready"]:
            errors.append(f"cycle {c}: a_arready and b_arready both high")
        if m_hs != (hs["a"] or hs["b"]):
            errors.append(f"cycle {c}: shared AR handshake {m_hs}, sides {hs}")
        for s, p in (("a", a), ("b", b)):
            if hs[s] and any(int(m[f]) != int(p[f]) for f in fields):
                errors.append(f"cycle {c}: side {s}'s AR handshake with another payload on the shared port")
        if a["rvalid"] and b["rvalid"]:
            errors.append(f"cycle {c}: a_rvalid and b_rvalid both high")
        to_b = int(m["rid"]) == b_id
        if bool(b["rvalid"]) != bool(m["rvalid"] and to_b) or bool(a["rvalid"]) != bool(m["rvalid"] and not to_b):
            errors.append(f"cycle {c}: beat of RID {int(m['rid'])} routed to "
                          f"a={bool(a['rvalid'])} b={bool(b['rvalid'])}")
        if m["rvalid"] and bool(m["rready"]) != bool(b["rready"] if to_b else a["rready"]):
            errors.append(f"cycle {c}: RREADY on the shared port is not the addressed side's")
        for s, p in (("a", a), ("b", b)):
            if p["rvalid"] and any(int(p[f]) != int(m[f]) for f in ("rdata", "rresp", "rlast", "rid")):
                errors.append(f"cycle {c}: side {s}'s R payload differs from the shared port's")
        for s, o in (("a", "b"), ("b", "a")):
            p = a if s == "a" else b
            if not p["arvalid"] or p["arready"]:
                st_["skips"][s] = 0
            elif hs[o]:
                st_["skips"][s] += 1
                if st_["skips"][s] > 1:
                    errors.append(f"cycle {c}: side {s} waits through a second handshake of side {o}")
        trace.append((c, hs["a"], hs["b"], bool(a["rvalid"] and a["rready"]), bool(b["rvalid"] and b["rready"])))

    return watch


@dataclass
class Run:
    a: Side
    b: Side
    log: AxiLog
    trace: list
    errors: list
    mem: AxiMemory
    finished: bool = False


def run_arbiter(backend, b_id, bursts_a, bursts_b, idle_a, idle_b, seed, mutant=None, ar_stall=0.3,
                max_cycles=4000) -> Run:
    mem, log = AxiMemory(DATA_WIDTH, seed=seed), AxiLog()
    run = Run(Side(list(bursts_a)), Side(list(bursts_b)), log, [], [], mem)
    ids = frozenset({arid for _, _, arid in bursts_a} | {b_id})

    def bench(ports, finished):
        clk, rst = ports["clk"], ports["rst"]
        shared = {f"m_axi_{k}": ports[f"m_{k}"] for k in RD}
        slave = axi_read_slave(clk, rst, shared, mem, random.Random(seed), log, max_latency=5,
                               ar_stall=ar_stall, axi_id=ids, interleave=True)
        ma = _master(clk, rst, {k: ports[f"a_{k}"] for k in RD}, run.a, idle_a, mem, "a")
        mb = _master(clk, rst, {k: ports[f"b_{k}"] for k in RD}, run.b, idle_b, mem, "b")
        mon = _monitor(clk, rst, ports, b_id, run.trace, run.errors)

        @instance
        def done():
            while run.a.done < len(bursts_a) or run.b.done < len(bursts_b):
                yield clk.posedge
            for _ in range(4):
                yield clk.posedge
            finished.append(True)

        return slave, ma, mb, mon, done

    try:
        run_bench(SPEC, {"data_width": DATA_WIDTH, "b_id": b_id}, backend, bench, max_cycles=max_cycles,
                  mutant=mutant)
        run.finished = True
    except TimeoutError:
        pass                      # reported by check(), after the rule breaches that explain it
    return run


def check(run: Run, bursts_a, bursts_b):
    assert run.errors == [] and run.a.errors == [] and run.b.errors == [] and run.log.violations == [], (
        (run.log.violations + run.errors + run.a.errors + run.b.errors)[:5])
    # both masters progressed: every burst accepted once and returned in full
    assert run.finished, f"not finished: a {run.a.done}/{len(bursts_a)}, b {run.b.done}/{len(bursts_b)} bursts"
    assert len(run.a.ar_cycles) == len(bursts_a) and len(run.b.ar_cycles) == len(bursts_b)
    assert run.a.done == len(bursts_a) and run.b.done == len(bursts_b)
    assert sorted(run.log.bursts) == sorted([(a, n) for a, n, _ in bursts_a] + [(a, n) for a, n, _ in bursts_b])
    for side, bursts in ((run.a, bursts_a), (run.b, bursts_b)):
        assert len(side.beats) == sum(n for _, n, _ in bursts)
        # per ID, the beats are the bursts of that ID, in issue order, word by word
        for arid in {i for _, _, i in bursts}:
            want = [run.mem.word(a + k * BYTES) for a, n, i in bursts if i == arid for k in range(n)]
            assert [d for _, r, d, _ in side.beats if r == arid] == want


@st.composite
def cases(draw):
    b_id = draw(st.sampled_from([1, 0, 15]))
    a_ids = st.integers(0, (1 << ID_WIDTH) - 2).map(lambda i: i + (i >= b_id))   # any ID but b_id
    burst = lambda ids: st.tuples(st.integers(0, 255).map(lambda s: s * SLOT), st.integers(1, 16), ids)  # noqa: E731
    bursts_a = draw(st.lists(burst(a_ids), max_size=5))
    bursts_b = draw(st.lists(burst(st.just(b_id)), max_size=5))
    return b_id, bursts_a, bursts_b


def _both_backends(b_id, bursts_a, bursts_b, idle_a, idle_b, seed) -> dict[str, Run]:
    runs = {be: run_arbiter(be, b_id, bursts_a, bursts_b, idle_a, idle_b, seed) for be in BACKENDS}
    for run in runs.values():
        check(run, bursts_a, bursts_b)
    first, other = runs[BACKENDS[0]], runs[BACKENDS[1]]
    assert other.trace == first.trace, "MyHDL and the converted Verilog differ cycle by cycle"
    assert (other.a.beats, other.b.beats, other.log.bursts) == (first.a.beats, first.b.beats, first.log.bursts)
    return runs


# a waits alone for ARREADY when b's ARVALID rises: without the hold the grant would move to b
GRANT_MOVES = ([(k * SLOT, 2, 0) for k in range(6)], [(k * SLOT, 2, 1) for k in range(8, 14)])


@given(case=cases(), idle_a=pattern(), idle_b=pattern(), seed=st.integers(0, 1000))
@example(case=(1, *GRANT_MOVES), idle_a=[], idle_b=[True, False], seed=1)
@example(case=(1, [(0, 16, 0), (SLOT, 3, 2), (2 * SLOT, 8, 0)], [(5 * SLOT, 16, 1), (6 * SLOT, 1, 1)]),
         idle_a=[], idle_b=[], seed=7)                  # both always requesting: round robin, interleaved R
def test_every_beat_reaches_its_master(case, idle_a, idle_b, seed):
    b_id, bursts_a, bursts_b = case
    _both_backends(b_id, bursts_a, bursts_b, idle_a, idle_b, seed)


def test_interleaved_beats_and_round_robin_are_exercised():
    """Not vacuous: with both masters requesting all the time, the slave interleaves the two sides'
    beats inside bursts, both sides wait for ARREADY at once, and the grants alternate."""
    bursts_a = [(k * SLOT, 16, k % 2 * 2) for k in range(5)]
    bursts_b = [((k + 8) * SLOT, 16, 1) for k in range(5)]
    runs = _both_backends(1, bursts_a, bursts_b, [], [], 11)
    run = runs["icarus"]
    beats = sorted([(c, "a") for c, *_ in run.a.beats] + [(c, "b") for c, *_ in run.b.beats])
    switches = sum(1 for x, y in zip(beats, beats[1:]) if x[1] != y[1])
    assert switches > 10
    grants = sorted([(c, "a") for c in run.a.ar_cycles] + [(c, "b") for c in run.b.ar_cycles])
    assert sum(1 for x, y in zip(grants, grants[1:]) if x[1] != y[1]) >= 5


def test_no_hold_is_rejected():
    """Planted bug: without the hold the grant moves while ARVALID waits; the slave's AR checker (and
    the monitor) reject it on the converted Verilog, found by the same search."""
    @settings(phases=[Phase.explicit, Phase.reuse, Phase.generate])
    @given(case=cases(), idle_a=pattern(), idle_b=pattern(), seed=st.integers(0, 1000))
    @example(case=(1, *GRANT_MOVES), idle_a=[], idle_b=[True, False], seed=1)
    def prop(case, idle_a, idle_b, seed):
        b_id, bursts_a, bursts_b = case
        run = run_arbiter("icarus", b_id, bursts_a, bursts_b, idle_a, idle_b, seed, ar_stall=0.6,
                          mutant=mutants.arbiter_no_hold())
        check(run, bursts_a, bursts_b)

    with pytest.raises(AssertionError, match="changed while ARVALID waited|ARVALID dropped"):
        prop()


def test_inverted_routing_is_rejected():
    """Planted bug: beats routed by ``rid != b_id`` reach the master that did not ask for them (whose
    RREADY is low when it has nothing in flight, so the slave sees RREADY low and the run stalls)."""
    bursts_a, bursts_b = [(0, 4, 0), (2 * SLOT, 2, 3)], [(SLOT, 4, 1)]
    run = run_arbiter("icarus", 1, bursts_a, bursts_b, [], [], 5, mutant=mutants.arbiter_route_inverted(1),
                      max_cycles=300)
    with pytest.raises(AssertionError, match="routed to|RREADY low|which it has no burst of in flight"):
        check(run, bursts_a, bursts_b)
    assert run_arbiter("icarus", 1, bursts_a, bursts_b, [], [], 5).finished     # the real design passes


def _ports(data_width=64, **widths):
    ports = clock_and_reset()
    for s in "abm":
        ports.update(axi_read_ports(s, data_width))
    for name, w in widths.items():
        ports[name] = Signal(intbv(0)[w:])
    return ports


@pytest.mark.parametrize("name, width, field, widths", [
    ("b_araddr", 32, "araddr", "64, 32, 64"),
    ("m_rdata", 32, "rdata", "64, 64, 32"),
    ("a_arid", 3, "arid", "3, 4, 4"),
    ("m_rid", 5, "rid", "4, 4, 5"),
])
def test_rejects_unequal_widths(name, width, field, widths):
    with pytest.raises(ValueError, match=rf"axi_read_arbiter field '{field}' widths = {widths} are not allowed: "
                                         r"must be equal"):
        axi_read_arbiter(**bundle_ports(axi_read_arbiter, _ports(**{name: width})))


@pytest.mark.parametrize("b_id", [-1, 16, True, 1.0, None])
def test_rejects_bad_b_id(b_id):
    with pytest.raises(ValueError, match=rf"axi_read_arbiter field 'b_id' = {b_id!r} is not allowed: "
                                         r"must be an integer in \[0, 15\]"):
        SPEC.instantiate({"data_width": 64, "b_id": b_id})
