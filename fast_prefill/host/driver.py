"""A host driver with the shape of an XRT host program, running against the simulated kernel.

::

    dev = Device(preset="tiny", backend="verilator")      # or backend="icarus"
    q_bo = dev.alloc(q.nbytes); q_bo.write(q); q_bo.sync_to_device()
    ...
    krn = dev.kernel("fast_prefill")
    run = krn(q_bo, k_bo, v_bo, o_bo, seq_len=n, num_heads=h, ...)   # arguments by register-map name
    cycles = run.wait(timeout_cycles=2_000_000)          # KernelError on an error status
    o_bo.sync_from_device(); o = o_bo.read(np.int16, (h, n, d))

Arguments are checked on the host before anything runs (:class:`ArgumentError` names the argument,
its value and the allowed range: pointers 64 bits, scalars the register's width); arguments not
given are written as 0 (as an XRT kernel's unset arguments are). The register offsets come from
:class:`~fast_prefill.rtl.top.regmap.RegisterMap` (``rtl/top/regmap.toml``).

Backends. ``verilator``: the converted Verilog of the kernel runs in the harness of
:mod:`fast_prefill.verify.verilator.build` (memory image in, AXI-Lite script in, memory, register
reads and cycle counts out). ``icarus``: the MyHDL/Icarus kernel bench
``fast_prefill.verify.kernel_bench.run_kernel`` (written with the kernel top level). Both run the
kernel to completion inside :meth:`Run.wait`; device memory is a dict of byte regions that
``sync_to_device``/``sync_from_device`` copy to and from.

Errors: a non-zero ``status`` register after done raises :class:`KernelError` whose message names
the code and its register-map text (``"fast_prefill status 3: illegal argument: gamma"``); AXI
error responses reach the host the same way (codes 6 and 7). A run that does not finish, or ends
with an error status, is repeated with a waveform under ``build/waves/`` (Verilator backend) and
the path is part of the message.
"""

from __future__ import annotations

import numbers
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..blocks import BlockSpec, get_block
from ..config import get_preset
from ..convert import Mutant, convert_block, params_key
from ..rtl.top.regmap import CTRL, GIE, IER, ISR, RegisterMap
from ..sources import prune_stale, source_hash
from ..tools import BUILD_DIR

BACKENDS = ("verilator", "icarus")
HOST_DIR = BUILD_DIR / "host"
ALIGN = 4096
DEVICE_BASE = 0x1_0000_0000          # first buffer address: above 4 GiB, so the high pointer word is used


def _worker() -> str:
    """A suffix that keeps parallel test workers' waveforms apart."""
    w = os.environ.get("PYTEST_XDIST_WORKER")
    return f"_{w}" if w else ""


class KernelError(RuntimeError):
    """The kernel finished with an error status (or an AXI error response was reported)."""

    def __init__(self, message: str, code: int | None = None, wave: Path | None = None):
        super().__init__(message)
        self.code = code
        self.wave = wave


class ArgumentError(ValueError):
    """A kernel argument was refused on the host side (nothing was run)."""


class Buffer:
    """A device buffer (``xrt::bo``): host shadow bytes plus a 4 KiB aligned device address."""

    def __init__(self, device: "Device", nbytes: int, address: int):
        self.device = device
        self.size = nbytes
        self.address = address
        self._host = bytearray(nbytes)

    def write(self, data, offset: int = 0) -> None:
        """Copy ``data`` (an ndarray or bytes) into the host shadow at byte ``offset``."""
        raw = np.ascontiguousarray(data).tobytes() if isinstance(data, np.ndarray) else bytes(data)
        if offset < 0 or offset + len(raw) > self.size:
            raise ValueError(f"buffer write of {len(raw)} bytes at offset {offset} is not allowed: "
                             f"the buffer holds {self.size} bytes")
        self._host[offset:offset + len(raw)] = raw

    def sync_to_device(self) -> None:
        self.device._memory[self.address] = bytes(self._host)

    def sync_from_device(self) -> None:
        self._host[:] = self.device._memory.get(self.address, bytes(self.size))

    def read(self, dtype=np.uint8, shape=None, offset: int = 0) -> np.ndarray:
        """The host shadow as an array of ``dtype`` (``shape`` elements from byte ``offset``)."""
        dtype = np.dtype(dtype)
        count = -1 if shape is None else int(np.prod(shape))
        arr = np.frombuffer(bytes(self._host), dtype=dtype, count=count, offset=offset).copy()
        return arr if shape is None else arr.reshape(shape)

    def __repr__(self) -> str:
        return f"Buffer({self.size} bytes at {self.address:#x})"


@dataclass
class KernelSource:
    spec: BlockSpec
    params: dict
    module: str
    mutant: Mutant | None = None


class Device:
    """The simulated accelerator card (``xrt::device``)."""

    def __init__(self, preset: str = "tiny", backend: str = "verilator", faults=None):
        if backend not in BACKENDS:
            raise ValueError(f"Device field 'backend' = {backend!r} is not allowed: must be one of {BACKENDS}")
        self.cfg = get_preset(preset)
        self.backend = backend
        self.faults = faults           # verify.verilator.build.Faults for the verilator backend (None: none)
        self.trace: Path | None = None # a .vcd or .fst path: trace every run (verilator backend)
        self._memory: dict[int, bytes] = {}
        self._buffers: list[Buffer] = []
        self._next = DEVICE_BASE

    def alloc(self, nbytes: int) -> Buffer:
        if isinstance(nbytes, bool) or not isinstance(nbytes, numbers.Integral) or nbytes <= 0:
            raise ValueError(f"alloc field 'nbytes' = {nbytes!r} is not allowed: must be a positive integer")
        bo = Buffer(self, int(nbytes), self._next)
        # the next buffer starts on a fresh 4 KiB page, one guard page further
        self._next += (-(-int(nbytes) // ALIGN) + 1) * ALIGN
        self._buffers.append(bo)
        self._memory[bo.address] = bytes(bo.size)
        return bo

    def kernel(self, name: str = "fast_prefill", spec: BlockSpec | None = None, params: dict | None = None,
               mutant: Mutant | None = None) -> "Kernel":
        """The kernel ``name`` (a registered block, or ``spec`` for a test kernel), built for this preset."""
        return Kernel(self, kernel_source(spec or get_block(name), self.cfg, params, mutant))


def kernel_source(spec: BlockSpec, cfg, params: dict | None = None, mutant: Mutant | None = None) -> KernelSource:
    """``spec`` built for ``cfg`` (or with ``params``): its module is named after the block, the
    preset and a hash of the parameters and mutant, so every user of one design shares one converted
    file (:func:`kernel_verilog`) and one Verilator build."""
    params = spec.params(cfg) if params is None else params
    return KernelSource(spec, params, f"{spec.name}_{cfg.name}_{params_key(params, mutant)}", mutant)


_VERILOG: dict[str, Path] = {}
def kernel_verilog(src: KernelSource) -> Path:
    """The kernel's Verilog in ``build/host/<module>-<source hash>/``: converted once and reused across
    processes while the Python sources that produce it are unchanged (the key of
    :func:`fast_prefill.sources.source_hash`); built in a private folder and published by an
    atomic rename, so parallel processes never read a half-written file."""
    if src.module in _VERILOG and _VERILOG[src.module].exists():
        return _VERILOG[src.module]
    HOST_DIR.mkdir(parents=True, exist_ok=True)
    key = source_hash(src.spec)
    final = HOST_DIR / f"{src.module}-{key}" if key else None
    path = None if final is None else final / f"{src.module}.v"
    if path is None or not path.exists():
        work = Path(tempfile.mkdtemp(prefix=f".{src.module}-", dir=HOST_DIR))
        try:
            convert_block(src.spec, src.params, work, src.module, mutant=src.mutant)
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise
        if final is None:                       # sources changed under this process: private copy
            path = work / f"{src.module}.v"
        else:
            try:
                os.rename(work, final)
            except OSError:                     # another process published it first
                shutil.rmtree(work, ignore_errors=True)
                if not path.exists():
                    raise
            else:
                prune_stale(HOST_DIR, f"{src.module}-*", keep=final)
    elif final is not None:
        os.utime(final)                         # in use: not pruned
    _VERILOG[src.module] = path
    return path


class Kernel:
    """A kernel handle (``xrt::kernel``); calling it with arguments gives a :class:`Run`."""

    def __init__(self, device: Device, source: KernelSource):
        self.device = device
        self.source = source
        self.regmap = RegisterMap()
        self.name = self.regmap.name
        self._builds: dict = {}

    @property
    def arg_names(self) -> list[str]:
        return [a.name for a in self.regmap.args]

    def _check(self, name: str, value) -> int:
        arg = next(a for a in self.regmap.args if a.name == name)
        if isinstance(value, Buffer):
            if value.device is not self.device:
                raise ArgumentError(f"{self.name} argument '{name}': the buffer belongs to another device")
            if arg.kind != "pointer":
                raise ArgumentError(f"{self.name} argument '{name}' is a scalar register: a buffer is not allowed")
            return value.address
        width = 64 if arg.kind == "pointer" else int(getattr(arg, "width", 32))
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) \
                or not 0 <= int(value) < (1 << width):
            raise ArgumentError(f"{self.name} argument '{name}' = {value!r} is not allowed: must be an integer in "
                                f"[0, {(1 << width) - 1}] (a {width}-bit register at {arg.offset:#04x})")
        return int(value)

    def __call__(self, *buffers, **scalars) -> "Run":
        names = self.arg_names
        if len(buffers) > len(names):
            raise ArgumentError(f"{self.name} takes at most {len(names)} arguments ({', '.join(names)}), "
                                f"{len(buffers)} given")
        values = dict(zip(names, buffers))
        for k, v in scalars.items():
            if k not in names:
                raise ArgumentError(f"{self.name} has no argument '{k}': must be one of {names}")
            if k in values:
                raise ArgumentError(f"{self.name} argument '{k}' given twice")
            values[k] = v
        checked = {k: self._check(k, v) for k, v in values.items()}
        return Run(self, {n: checked.get(n, 0) for n in names})

    def register_writes(self, values: dict[str, int]) -> list[tuple[int, int]]:
        """(offset, 32-bit value) for every argument word, in register-map order."""
        out = []
        for a in self.regmap.args:
            v = values[a.name]
            out.append((a.offset, v & 0xFFFF_FFFF))
            if a.kind == "pointer":
                out.append((a.offset + 4, v >> 32))
        return out

    def verilator_build(self, trace: str | None = "vcd"):
        """The harness executable for this kernel (cached); ``trace``: ``vcd`` or ``fst`` waveforms,
        ``None`` none (a faster build; a run that asks for a waveform builds the traced variant)."""
        from ..verify.verilator.build import build

        if trace not in self._builds:
            self._builds[trace] = build(kernel_verilog(self.source), self.source.module, trace=trace)
        return self._builds[trace]


class Run:
    """One kernel execution (``xrt::run``); the simulation happens in :meth:`wait`."""

    def __init__(self, kernel: Kernel, values: dict[str, int]):
        self.kernel = kernel
        self.values = values
        self.state = "new"
        self.cycles: int | None = None
        self.result = None
        self.status: int | None = None

    def _script(self, timeout_cycles: int) -> list[tuple]:
        k = self.kernel
        ops = [("w", GIE, 1), ("w", IER, 1)]
        ops += [("w", off, val) for off, val in k.register_writes(self.values)]
        ops += [("start",), ("wait", timeout_cycles), ("w", ISR, 1), ("r", CTRL),
                ("r", k.regmap.offsets["status"])]
        ops += [("dump", bo.address, bo.size) for bo in k.device._buffers]
        return ops

    def wait(self, timeout_cycles: int = 10_000_000) -> int:
        """Run the kernel to done; returns the cycles from ap_start to done. Raises KernelError."""
        if self.state != "new":
            return self.cycles
        dev = self.kernel.device
        if dev.backend == "verilator":
            status = self._wait_verilator(timeout_cycles)
        else:
            status = self._wait_icarus(timeout_cycles)
        self.status = status
        self.state = "done" if status == 0 else "error"
        if status:
            self._raise(status)
        return self.cycles

    def _raise(self, status: int, wave: Path | None = None):
        rm = self.kernel.regmap
        text = rm.error_codes.get(status, "unknown error code")
        msg = f"{self.kernel.name} status {status}: {text}"
        wave = wave or getattr(self, "wave", None)
        if wave:
            msg += f" (waveform: {wave})"
        raise KernelError(msg, status, wave)

    def _wait_verilator(self, timeout_cycles: int) -> int:
        from ..verify.verilator.build import WAVES_DIR, Faults, run

        k = self.kernel
        dev = k.device
        # VCD unless FST is asked for: a run ending with an error status is repeated with a VCD
        b = k.verilator_build("fst" if dev.trace is not None and Path(dev.trace).suffix == ".fst" else "vcd")
        ops = self._script(timeout_cycles)
        faults = dev.faults or Faults()
        mem_in = dict(dev._memory)
        res = run(b, mem_in, ops, faults, trace=dev.trace, max_cycles=timeout_cycles + 100_000,
                  name=k.source.module)
        self.result = res
        self.cycles = res.cycles
        if res.violations:
            raise KernelError(f"{k.name}: AXI protocol violations on the kernel's side: {res.violations[:5]}")
        dev._memory.update(res.memory)
        status = dict(res.reads)[k.regmap.offsets["status"]]
        self.wave = None
        if status:
            # the same run again (same seed, same image) with a waveform, for the error message
            self.wave = dev.trace or WAVES_DIR / f"{k.source.module}_status{status}_seed{faults.seed}{_worker()}.{b.trace or 'vcd'}"
            if dev.trace is None:
                run(b, mem_in, ops, faults, trace=self.wave, max_cycles=timeout_cycles + 100_000, name=k.source.module)
        return status

    def _wait_icarus(self, timeout_cycles: int) -> int:
        try:
            from ..verify import kernel_bench
        except ImportError as exc:
            raise RuntimeError("the icarus backend needs fast_prefill.verify.kernel_bench.run_kernel "
                               f"(verify/kernel_bench.py), which is not importable here: {exc}") from None
        k = self.kernel
        dev = k.device
        if k.source.spec.name != "fast_prefill" or k.source.mutant is not None:
            raise ValueError(f"Device backend 'icarus' runs only the registered fast_prefill kernel, "
                             f"not {k.source.spec.name!r}" + (" with a mutant" if k.source.mutant else ""))
        f = dev.faults
        kf = None
        if f is not None:
            if f.rd_error or f.wr_error or f.drop_write_beat is not None:
                raise ValueError("Device backend 'icarus': error ranges and planted bugs are verilator-only Faults")
            kf = kernel_bench.Faults(latency=f.max_latency, r_gap=f.r_gap, ar_stall=f.ar_stall, aw_stall=f.aw_stall,
                                     w_stall=f.w_stall, axil_delays=tuple(range(f.axil_delay + 1)), seed=f.seed)
        res = kernel_bench.run_kernel(dev.cfg, dict(dev._memory), dict(self.values), backend="icarus", faults=kf,
                                      max_cycles=timeout_cycles + 10_000)
        self.result = res
        if not res.done:
            raise KernelError(f"{k.name} did not finish on icarus within {timeout_cycles} cycles "
                              f"({res.total_cycles} simulated)")
        if res.all_violations():
            raise KernelError(f"{k.name}: AXI protocol violations: {res.all_violations()[:5]}")
        for bo in dev._buffers:
            dev._memory[bo.address] = res.read_bytes(bo.address, bo.size)
        self.cycles = int(res.cycles[-1])
        self.wave = None
        return int(res.status)
