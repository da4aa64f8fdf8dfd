"""Run the whole ``fast_prefill`` kernel as a host would: a reusable bench (converted Verilog under
Icarus, or the MyHDL model).

Entry point: :func:`run_kernel`::

    from fast_prefill.verify.kernel_bench import Faults, run_kernel
    res = run_kernel(cfg, {q_addr: q_bytes, k_addr: k_bytes, v_addr: v_bytes}, args,
                     backend="icarus", faults=Faults(latency=8, r_gap=0.3), max_cycles=200_000)
    res.status, res.cycles, res.read_bytes(o_addr, n_bytes), res.transactions

``args`` maps the register-map argument names (``rtl/top/regmap.toml``: ``q``, ``k``, ``v``, ``o``,
``seq_len``, ``num_heads``, ``num_kv_heads``, ``gamma``, ``tau_threshold``, ``min_budget``,
``max_budget``, ``score_mult``, ``score_shift``) to integers (missing ones are 0); pointers are
written as two words. ``memory`` is a ``{byte address: bytes}`` image (each piece starting on an
AXI word) or an :class:`~.axi_memory.AxiMemory`; bytes outside the image read as a fixed hash of
their address, so a read from a wrong place shows up.

What it does, all from one seeded ``random.Random`` (``Faults.seed``): holds ``ap_rst_n`` low for 4
cycles, then an AXI4-Lite master (:mod:`.axil`, channel delays ``Faults.axil_delays``) writes the
arguments, enables the ``ap_done`` interrupt (IER bit 0, GIE), writes CTRL.ap_start and polls CTRL
until ap_done, reads ``status`` and clears ISR. The AXI4 ports are answered by the memory
models of :mod:`.axi_memory` (``m_axi_q``, ``m_axi_kv`` and, with ``kv_read_ports`` = 2, ``m_axi_v``:
reads from the one image) and
:mod:`.axi_write_memory` (``m_axi_o``), with ``Faults``' latency, RVALID gaps, ARREADY/AWREADY/WREADY
stalls and SLVERR bursts; each model checks the kernel's side of AXI4 and the AXI-Lite master checks
the control slave's side (``KernelResult.violations``).

``runs`` repeats the whole host sequence (arguments, start, wait) that many times in one simulation
(start after done); ``abort_after = c`` starts a first run, pulls ``ap_rst_n`` low ``c`` cycles after
its start for 4 cycles, then does the ``runs`` complete runs. ``KernelResult.cycles`` is, per run,
the cycles from the CTRL write's response to ``interrupt`` (the core's time: argument check and
heads); ``status`` is the last run's status word.

Backends:

* ``"icarus"``: the converted Verilog under Icarus, driven by the Python models above through
  MyHDL's VPI co-simulation (``mutant``: a planted bug, :class:`~fast_prefill.convert.Mutant`, edits
  its Verilog).
* ``"verilator"``: the same converted Verilog (the host driver's cached conversion) in the C++
  harness ``verify/verilator/harness.cpp``, which has its own models of the same memories, faults and
  AXI-Lite master and checks the same AXI rules, and runs the host sequence above as a script. It is
  about a hundred times faster than Icarus once built (one build per parameter set and mutant,
  shared with the host tests'); the models draw their random choices from C++'s generator, so a
  seed gives other (equally legal) timing than on Icarus. Without faults both backends give the
  same cycles (``tests/host/test_host_fast_prefill.py``). Not available here: ``reset_storm``,
  ``sig_factory``/``sig_params``, and more than one error address per direction (the harness
  answers SLVERR for the beats at one address: the first beat of the burst there).
* ``"myhdl"``: the MyHDL model; accepts ``sig_factory``/``sig_params`` to put another SIG head
  model in.

One simulation per process at a time.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

from myhdl import Signal, StopSimulation, always

from ..profile import sim_phase
from .axi_memory import AxiLog, AxiMemory, axi_read_slave
from .axi_write_memory import WriteLog, axi_write_slave
from .axil import axil_master
from .sim import clock_gen, run_simulation

RESET_CYCLES = 4
RESET_SYNC = 2          # ap_rst_n reaches the kernel's logic through two flops
HOST_RESPONSE_TIMEOUT = 64   # cycles the host waits for an accepted register access's response
CTRL_START, CTRL_DONE = 0x1, 0x2


# the read ports' ARIDs: the attention path's 0 and the SIG's (rtl/top/fast_prefill.SIG_AXI_ID)
READ_IDS = frozenset({0, 1})


@dataclass(frozen=True)
class Faults:
    """Adversarial timing and error responses of the memory and the control bus."""

    latency: int = 0                 # max cycles from AR/last W to first R beat / B response
    r_gap: float = 0.0               # probability of an RVALID gap per cycle
    ar_stall: float = 0.0            # probability ARREADY is low
    aw_stall: float = 0.0
    w_stall: float = 0.0
    axil_delays: tuple = (0,)        # AXI-Lite master channel delays (cyclic)
    read_errors: frozenset = frozenset()   # burst start addresses answered with RRESP = SLVERR
    write_errors: frozenset = frozenset()  # burst start addresses answered with BRESP = SLVERR
    interleave: bool = False         # R beats of different IDs (the SIG's and the path's) interleaved
    seed: int = 0


@dataclass(frozen=True)
class ResetStorm:
    """Resets at random points of a run while the host accesses registers (docs/kernel.md, "Reset").

    Before the ``runs``, the host writes the arguments, starts a run, then makes ``ops`` random
    register accesses (writes and read-backs of argument words, reads of CTRL) while ``ap_rst_n``
    is pulled low ``pulses`` times, each for 1..``max_len`` cycles, at random cycles within
    ``span`` of the start. Every read is checked against what was written since the last reset (an
    argument word resets to 0), and after the storm the kernel must be idle.
    """
    pulses: int = 4
    max_len: int = 3
    span: int = 600
    ops: int = 60
    seed: int = 0


@dataclass
class KernelResult:
    status: int                      # status word of the last run (0 = ok; regmap error codes)
    cycles: list                     # per run: CTRL start response -> interrupt
    writes: dict                     # word address -> word written on m_axi_o
    memory: AxiMemory                # the read image
    done: bool                       # every run reached ap_done within max_cycles
    statuses: list = field(default_factory=list)
    total_cycles: int = 0
    q_log: AxiLog = field(default_factory=AxiLog)
    kv_log: AxiLog = field(default_factory=AxiLog)
    v_log: AxiLog = field(default_factory=AxiLog)     # the KV cache's V fills (kv_read_ports = 2)
    o_log: WriteLog = field(default_factory=WriteLog)
    violations: list = field(default_factory=list)
    storm_resets: int = 0            # register accesses a storm's resets abandoned
    storm_checked: int = 0           # register reads a storm checked against the written values

    @property
    def transactions(self) -> int:
        """AXI4 bursts the kernel issued (AR on every read port and AW)."""
        return len(self.q_log.bursts) + len(self.kv_log.bursts) + len(self.v_log.bursts) + len(self.o_log.bursts)

    def read_bytes(self, addr: int, n: int) -> bytes:
        """``n`` bytes at ``addr`` as the memory holds them after the run (writes over the image)."""
        wb = self.memory.bytes
        out = bytearray()
        for a in range(addr - addr % wb, addr + n, wb):
            w = self.writes[a] if a in self.writes else self.memory.word(a)
            out += w.to_bytes(wb, "little")
        s = addr % wb
        return bytes(out[s:s + n])

    def all_violations(self) -> list:
        return (self.violations + self.q_log.violations + self.kv_log.violations + self.v_log.violations
                + self.o_log.violations)


def memory_image(width: int, image: dict | AxiMemory, seed: int = 0) -> AxiMemory:
    """An :class:`AxiMemory` of ``width``-bit words holding ``{address: bytes}``."""
    if isinstance(image, AxiMemory):
        return image
    mem = AxiMemory(width, seed=seed)
    wb = width // 8
    for base, data in image.items():
        if base % wb:
            raise ValueError(f"memory image piece at {base:#x} is not allowed: must start on a {wb}-byte word")
        data = bytes(data) + bytes(-len(data) % wb)
        for i in range(0, len(data), wb):
            mem.words[base + i] = int.from_bytes(data[i:i + wb], "little")
    return mem


def arg_ops(args: dict) -> list:
    """AXI-Lite writes of every argument (pointers as two words), in register-map order."""
    from ..rtl.top.regmap import RegisterMap

    rm = RegisterMap()
    unknown = set(args) - {a.name for a in rm.args}
    if unknown:
        raise ValueError(f"kernel args {sorted(unknown)} are not allowed: must be register-map arguments "
                         f"{[a.name for a in rm.args]}")
    ops = []
    for a in rm.args:
        val = int(args.get(a.name, 0))
        if a.kind == "pointer":
            ops += [("w", a.offset, val & 0xFFFFFFFF, 0xF), ("w", a.offset + 4, (val >> 32) & 0xFFFFFFFF, 0xF)]
        else:
            ops.append(("w", a.offset, val & 0xFFFFFFFF, 0xF))
    return ops


def _kernel_dut(cfg, ports, backend, sig_factory, sig_params, vcd, mutant=None):
    from ..rtl.top import specs as top_specs

    if backend == "myhdl":
        from ..blocks import bundle_ports
        from ..rtl.top.fast_prefill import fast_prefill

        p = top_specs.kernel_params(cfg)
        if sig_params is not None:
            p["sig_params"] = tuple(sig_params)
        kw = {k: p[k] for k in top_specs.KERNEL_HDL}
        return fast_prefill(**bundle_ports(fast_prefill, ports), **kw, sig_factory=sig_factory)
    from ..blocks import get_block
    from .cosim import dut

    spec = get_block("fast_prefill")
    return dut(spec, spec.params(cfg), ports, "icarus", vcd=vcd, mutant=mutant)


BACKENDS = ("icarus", "verilator", "myhdl")


def _harness_faults(faults: Faults):
    """The Verilator harness's faults for ``faults`` (its AXI-Lite delays: up to the largest of
    ``axil_delays``, drawn at random; an error address: the beats at that one address)."""
    from .verilator.build import Faults as HarnessFaults

    ranges = {}
    for name in ("read_errors", "write_errors"):
        addrs = sorted(getattr(faults, name))
        if len(addrs) > 1:
            raise ValueError(f"run_kernel field 'faults.{name}' = {[hex(a) for a in addrs]} is not allowed on "
                             f"backend 'verilator': must hold at most one address (use backend 'icarus')")
        ranges[name] = (addrs[0], addrs[0] + 1) if addrs else None
    return HarnessFaults(seed=faults.seed, max_latency=faults.latency, r_gap=faults.r_gap, ar_stall=faults.ar_stall,
                         aw_stall=faults.aw_stall, w_stall=faults.w_stall, axil_delay=max(faults.axil_delays),
                         rd_error=ranges["read_errors"], wr_error=ranges["write_errors"],
                         interleave=faults.interleave)


def _run_verilator(cfg, memory, args, faults: Faults, max_cycles, runs, abort_after, vcd, mutant) -> KernelResult:
    """:func:`run_kernel` on the Verilator harness (see the module doc)."""
    from ..blocks import get_block
    from ..host.driver import kernel_source, kernel_verilog
    from ..rtl.top.regmap import CTRL, GIE, IER, ISR, RegisterMap
    from .verilator.build import build, run

    hfaults = _harness_faults(faults)           # refused before the build when it cannot be modelled
    rm = RegisterMap()
    status_off = rm.offsets["status"]
    hw = cfg.hbm_data_width
    rmem = memory_image(hw, memory, seed=faults.seed)
    image = {a: w.to_bytes(hw // 8, "little") for a, w in rmem.words.items()}
    src = kernel_source(get_block("fast_prefill"), cfg, mutant=mutant)
    b = build(kernel_verilog(src), src.module, trace="vcd")   # the host driver's build of the same design
    args_w = [op[:3] for op in arg_ops(args)]
    ops: list = []
    for abort in ([abort_after] if abort_after is not None else []) + [None] * runs:
        ops += args_w + [("w", IER, 1), ("w", GIE, 1), ("start",)]
        if abort is not None:       # ap_rst_n low mid-run, as the Python bench does
            ops += [("idle", abort), ("reset", RESET_CYCLES), ("idle", RESET_CYCLES + 4)]
        else:
            ops += [("wait", max_cycles), ("r", status_off), ("w", ISR, 1)]
    ops.append(("r", CTRL))
    res_v = run(b, image, ops, hfaults, trace=vcd, max_cycles=max_cycles * (runs + 1),
                name="run_kernel")
    writes = {a: int.from_bytes(d, "little") for a, d in res_v.written.items()}
    statuses = [v for off, v in res_v.reads if off == status_off]
    ctrl = dict(res_v.reads).get(CTRL, 0)
    rp, wp = res_v.stats["read_ports"], res_v.stats["write_ports"]

    def rlog(port):
        if port not in rp:
            return AxiLog()
        return AxiLog(bursts=res_v.bursts(port), beats=rp[port]["beats"], beat_bytes=rp[port]["beat_bytes"])

    o = wp["m_axi_o"]
    res = KernelResult(status=statuses[-1] if statuses else -1, cycles=res_v.run_cycles, writes=writes,
                       memory=rmem, done=len(statuses) == runs, statuses=statuses,
                       total_cycles=res_v.total_cycles, q_log=rlog("m_axi_q"), kv_log=rlog("m_axi_kv"),
                       v_log=rlog("m_axi_v"),
                       o_log=WriteLog(bursts=res_v.bursts("m_axi_o"), beats=o["beats"], responses=o["responses"]),
                       violations=res_v.violations)
    if not ctrl & 0x4:
        res.violations.append(f"the kernel is not idle after the last run (CTRL {ctrl:#x})")
    return res


def run_kernel(cfg, memory: dict | AxiMemory, args: dict, backend: str = "icarus", faults: Faults | None = None,
               max_cycles: int = 500_000, runs: int = 1, abort_after: int | None = None,
               sig_factory=None, sig_params=None, vcd: Path | None = None, mutant=None,
               reset_storm: ResetStorm | None = None) -> KernelResult:
    """Simulate the kernel for ``runs`` host runs of ``args`` on ``memory``; see the module doc."""
    from ..myhdl_speed import forget_signals
    from ..rtl.top import specs as top_specs
    from ..rtl.top.regmap import CTRL, GIE, IER, ISR, RegisterMap

    faults = faults or Faults()
    if backend not in BACKENDS:
        raise ValueError(f"run_kernel field 'backend' = {backend!r} is not allowed: must be one of {BACKENDS}")
    if backend != "myhdl" and (sig_factory is not None or sig_params is not None):
        raise ValueError("run_kernel fields 'sig_factory'/'sig_params' are only allowed with backend 'myhdl'")
    if backend == "verilator":
        if reset_storm is not None:
            raise ValueError("run_kernel field 'reset_storm' is not allowed with backend 'verilator': "
                             "use 'icarus' or 'myhdl'")
        return _run_verilator(cfg, memory, args, faults, max_cycles, runs, abort_after, vcd, mutant)
    forget_signals()   # every signal of this run is made below (fast_prefill/myhdl_speed.py)
    rm = RegisterMap()
    hw = cfg.hbm_data_width
    rmem = memory_image(hw, memory, seed=faults.seed)
    wmem = AxiMemory(hw, seed=faults.seed + 1)
    ports = top_specs.kernel_ports({"hbm_data_width": hw, "kv_read_ports": cfg.kv_read_ports})
    ports["ap_rst_n"] = Signal(bool(0))
    clk, rst_n = ports["ap_clk"], ports["ap_rst_n"]
    mem_rst = Signal(bool(1))
    res = KernelResult(status=-1, cycles=[], writes=wmem.words, memory=rmem, done=False)
    rng = random.Random(faults.seed)
    mo = min(cfg.max_outstanding_bursts, 16)
    st = {"cycle": 0, "reset_req": 0, "t_start": None, "finished": False, "pulses": []}
    results: list = []
    axil_done: list = []

    def host_ops():
        """The host program: a generator of AXI-Lite operations that looks at earlier results."""
        def one_run(abort: int | None):
            yield from arg_ops(args)
            yield ("w", IER, 1, 0xF)
            yield ("w", GIE, 1, 0xF)
            yield ("w", CTRL, CTRL_START, 0xF)
            st["t_start"] = st["cycle"]
            if abort is not None:
                yield ("wait", abort)
                st["reset_req"] = RESET_CYCLES
                yield ("wait", RESET_CYCLES + 4)
                return
            while True:
                yield ("r", CTRL)
                if results[-1][2] & CTRL_DONE:
                    break
            yield ("r", rm.offsets["status"])
            res.statuses.append(results[-1][2])
            yield ("r", ISR)
            if results[-1][2] & 1:
                yield ("w", ISR, 1, 0xF)

        def storm(sc: ResetStorm):
            srng = random.Random(sc.seed)
            words = [a.offset for a in rm.args] + [a.offset + 4 for a in rm.args if a.kind == "pointer"]
            expect = dict.fromkeys(words, 0)
            for op in arg_ops(args):
                yield op
                if results[-1][0] == "w":
                    expect[op[1]] = op[2]
            yield ("w", CTRL, CTRL_START, 0xF)
            t0 = st["cycle"]
            st["pulses"] = sorted((t0 + srng.randrange(8, sc.span), srng.randint(1, sc.max_len))
                                  for _ in range(sc.pulses))
            for _ in range(sc.ops):
                pick = srng.random()
                off = srng.choice(words)
                if pick < 0.4:
                    data = srng.getrandbits(32)
                    yield ("w", off, data, 0xF)
                    if results[-1][0] == "w":
                        expect[off] = data
                elif pick < 0.85:
                    yield ("r", off)
                    if results[-1][0] == "r":
                        res.storm_checked += 1
                        if results[-1][2] != expect[off]:
                            res.violations.append(f"storm: register {off:#x} read {results[-1][2]:#x}, "
                                                  f"expected {expect[off]:#x}")
                else:
                    yield ("r", CTRL)
                if results[-1][0] == "reset":
                    res.storm_resets += 1
                    expect = dict.fromkeys(words, 0)    # the argument registers reset to 0
            while st["pulses"] or st["reset_req"]:
                yield ("wait", 8)
                if results[-1][0] == "reset":
                    expect = dict.fromkeys(words, 0)
            for off in words:                           # what survived the last reset
                yield ("r", off)
                if results[-1][0] == "r":
                    res.storm_checked += 1
                    if results[-1][2] != expect[off]:
                        res.violations.append(f"storm: register {off:#x} read {results[-1][2]:#x} after the "
                                              f"storm, expected {expect[off]:#x}")
            yield ("r", CTRL)
            if results[-1][0] == "r" and not results[-1][2] & 0x4:
                res.violations.append(f"storm: the kernel is not idle after the resets (CTRL {results[-1][2]:#x})")

        if reset_storm is not None:
            yield from storm(reset_storm)
        if abort_after is not None:
            yield from one_run(abort_after)
        for _ in range(runs):
            yield from one_run(None)

    def bench():
        q = axi_read_slave(clk, mem_rst, {"m_axi_" + k[8:]: s for k, s in ports.items() if k.startswith("m_axi_q_")},
                           rmem, random.Random(rng.random()), res.q_log, max_latency=faults.latency,
                           r_gap=faults.r_gap, ar_stall=faults.ar_stall, error_bursts=faults.read_errors,
                           axi_id=READ_IDS, max_outstanding=mo, interleave=faults.interleave)
        kv = axi_read_slave(clk, mem_rst, {"m_axi_" + k[9:]: s for k, s in ports.items() if k.startswith("m_axi_kv_")},
                            rmem, random.Random(rng.random()), res.kv_log, max_latency=faults.latency,
                            r_gap=faults.r_gap, ar_stall=faults.ar_stall, error_bursts=faults.read_errors,
                            axi_id=READ_IDS, max_outstanding=mo, interleave=faults.interleave)
        o = axi_write_slave(clk, mem_rst, {"m_axi_" + k[8:]: s for k, s in ports.items() if k.startswith("m_axi_o_")},
                            wmem, random.Random(rng.random()), res.o_log, max_latency=faults.latency,
                            aw_stall=faults.aw_stall, w_stall=faults.w_stall, error_bursts=faults.write_errors,
                            max_outstanding=mo)
        host = axil_master(clk, mem_rst, ports, "s_axi_control", host_ops(), results, list(faults.axil_delays),
                           res.violations, axil_done, response_timeout=HOST_RESPONSE_TIMEOUT)
        if "m_axi_v_arvalid" not in ports:
            return q, kv, o, host
        v = axi_read_slave(clk, mem_rst, {"m_axi_" + k[8:]: s for k, s in ports.items() if k.startswith("m_axi_v_")},
                           rmem, random.Random(rng.random()), res.v_log, max_latency=faults.latency,
                           r_gap=faults.r_gap, ar_stall=faults.ar_stall, error_bursts=faults.read_errors,
                           axi_id=READ_IDS, max_outstanding=mo, interleave=faults.interleave)
        return q, kv, v, o, host

    irq_prev = {"v": False}

    @always(clk.posedge)
    def control():
        c = st["cycle"]
        st["cycle"] += 1
        if st["pulses"] and st["pulses"][0][0] <= c and not st["reset_req"]:
            st["reset_req"] = st["pulses"].pop(0)[1]
        if c < RESET_CYCLES:
            low = True
        elif st["reset_req"]:
            low = True
            st["reset_req"] -= 1
        else:
            low = False
        rst_n.next = not low
        # the memory models and the host are reset by ap_rst_n itself, as AXI's ARESETn: the kernel
        # must keep its ports quiet until its own synchronised reset is over (docs/kernel.md)
        mem_rst.next = low
        irq = bool(ports["interrupt"])
        if irq and not irq_prev["v"] and st["t_start"] is not None:
            res.cycles.append(c - st["t_start"])
            st["t_start"] = None
        irq_prev["v"] = irq
        if axil_done:
            st["finished"] = True
            raise StopSimulation
        if c >= max_cycles:
            raise StopSimulation

    run_simulation(sim_phase(backend), _kernel_dut(cfg, ports, backend, sig_factory, sig_params, vcd, mutant), bench(),
                   clock_gen(clk), control)
    res.done = st["finished"] and len(res.statuses) == runs
    res.status = res.statuses[-1] if res.statuses else -1
    res.total_cycles = st["cycle"]
    return res
