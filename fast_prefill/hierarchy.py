"""Hierarchical conversion: one Verilog module per RTL block, instantiated by name.

MyHDL flattens a design into one module. Here every RTL unit that another block instantiates
becomes its own Verilog module in its own file, converted once per distinct parameter set and
instantiated by name wherever it is used. The mechanism, in three steps:

1. **Stubs at elaboration.** While a design is elaborated for conversion, the MyHDL block
   decorator's call is replaced (:func:`_stubbing_call`, same stack depth as MyHDL's own, which
   MyHDL's call-site inspection relies on) so that a *module block* called inside another block is
   not elaborated: it becomes an empty ``_Block`` that remembers its function, parameters and port
   signals (:class:`Stub`). The parent's elaboration therefore costs only its own logic.
2. **Children first.** Each distinct stub (function, parameters, port types) is converted on its
   own, as a top level, with fresh port signals of the same types, recursively (its own module
   blocks are stubs in turn). Its port directions are read from its converted header.
3. **Instances.** The parent is converted with each stub's ``verilog_code`` set to an instance of
   the child module (MyHDL's user-defined-code hook, which the converter emits instead of
   descending), the connected signals marked as driven by the child (outputs) or read by it
   (inputs).

Which blocks are modules: every ``@block`` of ``fast_prefill.rtl`` whose name does not start with
``_`` and that is not in :data:`INLINE_MODULES` (the one-assignment helpers of
``rtl/common/signed.py`` and ``rtl/mpu/parts.py``: an add, a slice, one register), provided its arguments can be ports: a block called with a list of signals,
with ``*args``, with the same signal on two ports, or with a parameter whose ``repr`` is
not stable (an object address) is elaborated inline, as before. Private helpers (``_column``,
``_pair_sum``, ...) stay inline by the naming rule.

Module names: a converted top keeps the name it is given (``fast_prefill_u280``); a child is
``<function>_<hash>``, the hash (8 hex digits of SHA-1) taken over the function's module and name,
its parameters and its ports' names and types, so the same sub-block gives the same module name
and byte-identical text in every design that uses it.

Output: ``<top>.v`` and one ``<module>.v`` per distinct child in the same folder, and the source
list ``<top>.f``: file names (relative to the list's folder), children before their parents, the
top last, each module once. :func:`source_files` reads it.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import inspect
import json
import multiprocessing
import os
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from myhdl import ResetSignal
from myhdl import _block as _myhdl_block
from myhdl import _simulator as _myhdl_simulator
from myhdl._block import _Block, block_decorator
from myhdl._extractHierarchy import _UserVerilogCode
from myhdl._Signal import _Signal

RTL_PACKAGE = "fast_prefill.rtl."
# One-assignment helpers (arithmetic, slices, one register): a module each would add a file per
# width for a single line, and a slice helper would take the whole bus as its port.
INLINE_MODULES = frozenset({"fast_prefill.rtl.common.signed", "fast_prefill.rtl.mpu.parts"})

def is_module_function(func: Callable) -> bool:
    """True when ``func`` (an ``@block`` function) is converted as its own module when it is
    instantiated inside another block (see the module docstring for the rule)."""
    mod = getattr(func, "__module__", "") or ""
    return (mod.startswith(RTL_PACKAGE) and mod not in INLINE_MODULES
            and not func.__name__.startswith("_"))


@dataclass
class Stub:
    """A module block seen during a parent's elaboration, not elaborated itself."""

    deco: block_decorator
    params: dict            # non-signal arguments, by name
    ports: dict             # signal arguments, by name, in signature order (an interface's as <arg>_<attr>)
    module: str             # the child's module name
    interfaces: dict = field(default_factory=dict)   # interface arguments (Stream, ...), by name

    def factory(self) -> Callable[[], _Block]:
        """A function that elaborates this block as a top level, on fresh port signals (an
        interface argument becomes a copy of its object holding fresh signals)."""
        clones = {n: _clone(s) for n, s in self.ports.items()}
        args = dict(clones)
        for name, obj in self.interfaces.items():
            twin = copy.copy(obj)
            for attr, value in vars(obj).items():
                if isinstance(value, _Signal):
                    setattr(twin, attr, args.pop(f"{name}_{attr}"))
            args[name] = twin
        return lambda: self.deco(**args, **self.params)


class _State:
    active = False
    top_func = None
    top_seen = False


def _port_type(sig: _Signal) -> tuple:
    init = sig._init
    if isinstance(sig, ResetSignal):
        return ("reset", bool(sig.active), bool(sig.isasync))
    if isinstance(init, bool):
        return ("bool",)
    if hasattr(init, "min") and hasattr(init, "max"):
        return (type(init).__name__, len(sig), init.min, init.max)
    return (type(init).__name__, len(sig), repr(type(init)))


def _clone(sig: _Signal) -> _Signal:
    from myhdl import Signal
    if isinstance(sig, ResetSignal):
        return ResetSignal(bool(sig._init), active=sig.active, isasync=sig.isasync)
    return Signal(copy.deepcopy(sig._init))


_signature = functools.cache(inspect.signature)   # one per @block function, not per call


def _bind(deco: block_decorator, args: tuple, kwargs: dict) -> tuple[dict, dict, dict] | None:
    """``(params, ports, interfaces)`` of a call, or None when the call cannot be a module
    instance; an interface argument's signals are ports ``<arg>_<attribute>``."""
    sig = _signature(deco.func)
    if any(p.kind == p.VAR_POSITIONAL for p in sig.parameters.values()):
        return None
    try:
        bound = sig.bind(*args, **kwargs)
    except TypeError:
        return None  # let MyHDL's own call report the error
    bound.apply_defaults()
    arguments = {}
    for name, value in bound.arguments.items():
        if sig.parameters[name].kind == inspect.Parameter.VAR_KEYWORD:
            arguments.update(value)   # **kwargs: passed on by name
        else:
            arguments[name] = value
    params, ports, interfaces, seen = {}, {}, {}, set()
    for name, value in arguments.items():
        if isinstance(value, _Signal):
            if id(value) in seen:
                return None
            seen.add(id(value))
            ports[name] = value
        elif isinstance(value, (list, tuple, set, dict)) and _holds_signal(value):
            return None
        elif _is_interface(value):
            # MyHDL names an interface port's signals <arg>_<attribute>: so are the child's ports
            for attr, sig in vars(value).items():
                if isinstance(sig, _Signal):
                    if id(sig) in seen:
                        return None
                    seen.add(id(sig))
                    ports[f"{name}_{attr}"] = sig
            interfaces[name] = value
        else:
            if " at 0x" in repr(value):
                return None
            params[name] = value
    if not ports:
        return None
    return params, ports, interfaces


def _is_interface(value) -> bool:
    """An object whose attributes hold signals (and no container of signals): an interface port."""
    if isinstance(value, (_Signal, type)) or not hasattr(value, "__dict__"):
        return False
    attrs = vars(value).values()
    return (any(isinstance(v, _Signal) for v in attrs)
            and not any(isinstance(v, (list, tuple, set, dict)) and _holds_signal(v) for v in attrs))


def _holds_signal(value) -> bool:
    if isinstance(value, _Signal):
        return True
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (list, tuple, set)):
        return any(_holds_signal(v) for v in value)
    return False


def module_name_for(func: Callable, params: dict, ports: dict) -> str:
    """``<function>_<hash>``: the stable name of a child module (see the module docstring)."""
    key = repr((func.__module__, func.__name__, sorted((k, repr(v)) for k, v in params.items()),
                [(n, _port_type(s)) for n, s in ports.items()]))
    return f"{func.__name__}_{hashlib.sha1(key.encode()).hexdigest()[:8]}"


def _stubbing_call(self, *args, **kwargs):
    # Replaces block_decorator.__call__ and does what it does, with the same frame layout: MyHDL's
    # _getCallInfo finds the calling block by counting stack frames, so nothing may delegate here.
    stub = None
    if _State.active:
        if not _State.top_seen and (_State.top_func is None or self.func is _State.top_func):
            _State.top_seen = True
        elif _State.top_seen and is_module_function(self.func):
            stub = _bind(self, args, kwargs)
    if self.skipname:
        name = None
    else:
        name = self.func.__name__ + str(self.calls)
        self.calls += 1
        name = _myhdl_block._uniqueify_name(name)
    if stub is None:
        blk = _Block(self.func, self, name, self.srcfile, self.srcline, self.skipname, *args, **kwargs)
        if _State.active:                    # names matter to conversion only
            _name_interface_signals(blk, self.func, args, kwargs)
        return blk
    params, ports, interfaces = stub
    blk = _Block(_no_logic, self, name, self.srcfile, self.srcline, self.skipname, *args, **kwargs)
    blk.func = self.func
    blk.hier_stub = Stub(self, params, ports, module_name_for(self.func, params, ports), interfaces)
    # The child's ports are named like the flat conversion's child signals (<instance>_<port>)
    # when the parent has no name of its own for them.
    blk.sigdict = dict(ports)
    blk.verilog_code = None
    return blk


def _name_interface_signals(blk: _Block, func, args: tuple, kwargs: dict) -> None:
    """Give the signals of ``blk``'s interface arguments their port names ``<arg>_<attr>`` at
    ``blk``'s level. MyHDL names a signal after the first block whose own names hold it; an
    interface argument's signals are not among them unless a generator of ``blk`` reads them by
    attribute, so one only passed on to a sub-block would be named after that sub-block's port
    (``ram_bypass1_wdata``), and a slice of it would keep that name while the port is renamed."""
    try:
        bound = _signature(func).bind(*args, **kwargs)
    except TypeError:
        return
    for name, value in bound.arguments.items():
        if _is_interface(value):
            for attr, sig in vars(value).items():
                if isinstance(sig, _Signal):
                    blk.sigdict.setdefault(f"{name}_{attr}", sig)


def _no_logic(*args, **kwargs):
    return []


block_decorator.__call__ = _stubbing_call


class _StubbingScope:
    def __init__(self, top_func):
        self.top_func = top_func

    def __enter__(self):
        self.saved = (_State.active, _State.top_func, _State.top_seen)
        _State.active, _State.top_func, _State.top_seen = True, self.top_func, False

    def __exit__(self, *exc):
        _State.active, _State.top_func, _State.top_seen = self.saved


def reset_instance_names() -> None:
    """Make the names MyHDL gives sub-instances (and so internal signal and instance names)
    independent of what this process built before: MyHDL numbers instances by how often each
    ``@block`` function was called and keeps every name ever given in a global set."""
    _myhdl_block._name_set.clear()
    _myhdl_block._inst_name_set.clear()
    for deco in _myhdl_simulator._blocks:
        deco.calls = 0


def stubs_of(top: _Block) -> list[_Block]:
    """The stub blocks under ``top`` (through inline blocks), in elaboration order."""
    found = []

    def walk(b):
        for s in b.subs:
            if isinstance(s, _Block):
                if getattr(s, "hier_stub", None) is not None:
                    found.append(s)
                else:
                    walk(s)
    walk(top)
    return found


_PORT_DECL = re.compile(r"^(input|output|inout)\b[^;]*?(\w+)\s*;", re.M)


def port_directions(verilog: str) -> dict[str, str]:
    """``{port: 'input' | 'output' | 'inout'}`` from a MyHDL module's port declarations."""
    return {m.group(2): m.group(1) for m in _PORT_DECL.finditer(verilog)}


class _InstanceCode(_UserVerilogCode):
    """An instance of a converted child module, emitted by MyHDL in place of the child's logic."""

    def __init__(self, module: str, instance: str, ports: dict, func):
        super().__init__("", {}, func.__name__, func, "", 0)
        self.module, self.instance, self.ports = module, instance, ports

    def __str__(self):
        conns = ",\n".join(f"    .{n}({s._name})" for n, s in self.ports.items())
        return f"\n{self.module} {self.instance} (\n{conns}\n);\n\n"


@dataclass
class ModuleInfo:
    name: str
    path: Path
    directions: dict[str, str]
    children: list[str] = field(default_factory=list)   # distinct child module names, first use order


def elaborate(factory: Callable[[], _Block], top_func) -> _Block:
    """Elaborate ``factory()`` with module blocks below the top turned into stubs."""
    reset_instance_names()
    with _StubbingScope(top_func):
        return factory()


class Workers:
    """At most ``jobs`` processes elaborating or converting at once, for :func:`convert_tree` with
    forked sub-module conversions. A process waiting for its children holds no slot."""

    def __init__(self, jobs: int):
        if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
            raise ValueError(f"conversion field 'jobs' = {jobs!r} is not allowed: must be an integer >= 1")
        self.slots = multiprocessing.get_context("fork").BoundedSemaphore(jobs)

    def __enter__(self):
        self.slots.acquire()

    def __exit__(self, *exc):
        self.slots.release()


class _NoWorkers:
    def __enter__(self):
        pass

    def __exit__(self, *exc):
        pass


def convert_tree(factory: Callable[[], _Block], top_func, module: str, out_dir: Path,
                 convert_one: Callable[[_Block, str], Path], done: dict[str, ModuleInfo],
                 workers: Workers | None = None) -> ModuleInfo:
    """Convert the design ``factory()`` builds as module ``module``, children first.

    ``convert_one(block, module)`` converts one elaborated block (its stubs already carrying their
    instance code) to ``out_dir/<module>.v`` and returns the path. ``done`` maps module names
    already converted into ``out_dir`` to their :class:`ModuleInfo` and is extended.

    With ``workers``, every sub-module is converted in a forked process (so the memory of each
    module's elaboration is returned when it finishes, and independent modules convert in
    parallel); a module two parents need is converted once (claimed by a file in ``out_dir``) and
    its port directions are passed back in ``out_dir/<module>.info``.
    """
    slot = workers if workers is not None else _NoWorkers()
    with slot:
        top = elaborate(factory, top_func)
    stubs = stubs_of(top)
    first: dict[str, Stub] = {}   # distinct child modules, in first-use order
    for blk in stubs:
        first.setdefault(blk.hier_stub.module, blk.hier_stub)
    children = list(first)
    if workers is None:
        for m in children:
            if m not in done:
                st = first[m]
                convert_tree(st.factory(), st.deco.func, m, out_dir, convert_one, done)
    else:
        _fork_children([(m, first[m].factory, first[m].deco.func) for m in children if m not in done],
                       out_dir, convert_one, done, workers)
    for blk in stubs:
        st = blk.hier_stub
        dirs = done[st.module].directions
        for name, sig in st.ports.items():
            d = dirs.get(name)
            if d is None:
                raise RuntimeError(f"{st.module}: port '{name}' missing from the converted module")
            if d == "output":
                sig.driven = "wire"
            else:
                sig.read = True
            sig._markUsed()
        blk.verilog_code = _InstanceCode(st.module, blk.name, st.ports, st.deco.func)
    with slot, _StubbingScope(top_func):
        _State.top_seen = True  # MyHDL's convert() re-runs the top's body: keep its children stubs
        path = convert_one(top, module)
    info = ModuleInfo(module, path, port_directions(path.read_text()), children)
    done[module] = info
    if workers is not None:
        _write_atomic(Path(out_dir) / f"{module}.info",
                      json.dumps({"directions": info.directions, "children": children}))
    return info


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def convert_tree_forked(factory: Callable[[], _Block], top_func, module: str, out_dir: Path,
                        convert_one: Callable[[_Block, str], Path], done: dict[str, ModuleInfo],
                        workers: Workers) -> ModuleInfo:
    """:func:`convert_tree` with ``workers``, the top itself converted in a forked process too, so
    that the calling process never holds a module's elaboration (``make verilog`` converts 29
    tops in one process)."""
    _fork_children([(module, lambda: factory, top_func)], out_dir, convert_one, done, workers)
    return done[module]


def _fork_children(todo: list[tuple[str, Callable, object]], out_dir: Path, convert_one, done: dict,
                   workers: Workers) -> None:
    """Convert each ``(module, make_factory, top_func)`` of ``todo`` in a forked process (unless
    another process has claimed it) and wait for all of them; ``done`` gets their infos."""
    out_dir = Path(out_dir)
    pids = {}
    for m, make_factory, func in todo:
        try:
            os.close(os.open(out_dir / f"{m}.claim", os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            continue  # another process converts it; wait for its .info below
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                convert_tree(make_factory(), func, m, out_dir, convert_one, dict(done), workers)
                code = 0
            except BaseException as exc:  # reported to the parent through the .error file
                _write_atomic(out_dir / f"{m}.error", f"{exc}" or type(exc).__name__)
            finally:
                os._exit(code)
        pids[pid] = m
    for pid, m in pids.items():
        _, status = os.waitpid(pid, 0)
        if status != 0 and not (out_dir / f"{m}.error").exists():
            _write_atomic(out_dir / f"{m}.error", f"the process converting {m} died (wait status {status})")
    for m, _, _ in todo:
        info, error = out_dir / f"{m}.info", out_dir / f"{m}.error"
        while not info.exists() and not error.exists():
            time.sleep(0.02)
        if error.exists():
            raise RuntimeError(error.read_text())
        load_info(out_dir, m, done)


def load_info(out_dir: Path, module: str, done: dict) -> None:
    """Put ``module`` and every module below it, from their ``.info`` files, into ``done``."""
    if module in done:
        return
    data = json.loads((Path(out_dir) / f"{module}.info").read_text())
    done[module] = ModuleInfo(module, Path(out_dir) / f"{module}.v", data["directions"], data["children"])
    for c in data["children"]:
        load_info(out_dir, c, done)


def ordered_modules(top: str, done: dict[str, ModuleInfo]) -> list[str]:
    """Module names under ``top`` (itself included), each once, children before parents."""
    order: list[str] = []

    def visit(m):
        for c in done[m].children:
            visit(c)
        if m not in order:
            order.append(m)
    visit(top)
    return order


def write_source_list(top: str, done: dict[str, ModuleInfo], out_dir: Path) -> Path:
    path = Path(out_dir) / f"{top}.f"
    path.write_text("".join(f"{m}.v\n" for m in ordered_modules(top, done)))
    return path


def source_list_path(top_verilog: Path) -> Path:
    return Path(top_verilog).with_suffix(".f")


def source_files(top_verilog: Path) -> list[Path]:
    """Every Verilog file of the design whose top file is ``top_verilog``, children first, the top
    last (from ``<top>.f``; a file converted without a source list is its own list)."""
    top_verilog = Path(top_verilog)
    lst = source_list_path(top_verilog)
    if not lst.exists():
        return [top_verilog]
    return [lst.parent / line.strip() for line in lst.read_text().splitlines() if line.strip()]


def hierarchy_text(top_verilog: Path) -> str:
    """The text of every file of the design, concatenated in source-list order."""
    return "".join(p.read_text() for p in source_files(top_verilog))


_INSTANCE = re.compile(r"^(\w+) (\w+) \($", re.M)


def instances_in(verilog: str, modules: set[str]) -> list[tuple[str, str]]:
    """``(module, instance)`` for every instance of one of ``modules`` in a converted module's text."""
    return [(m, i) for m, i in _INSTANCE.findall(verilog) if m in modules]


def instance_paths(top_verilog: Path) -> dict[str, str]:
    """``{hierarchical instance path: module}`` below the top file ``top_verilog``: ``sig_head0``,
    ``attention_path0/kv_cache0``, ... (``/``-separated, as Vivado names hierarchical cells)."""
    files = {p.stem: p for p in source_files(top_verilog)}
    texts = {m: p.read_text() for m, p in files.items()}
    found: dict[str, str] = {}

    def walk(module: str, prefix: str) -> None:
        for child, inst in instances_in(texts[module], set(files)):
            path = f"{prefix}{inst}"
            found[path] = child
            walk(child, path + "/")
    walk(Path(top_verilog).stem, "")
    return found


_MODULE = re.compile(r"^\s*module\s+(\w+)", re.M)


def source_list_problems(top_verilog: Path) -> list[str]:
    """What is wrong with the source list of the top file ``top_verilog`` (empty when nothing):
    a file with other than one ``module`` or whose module is not named like the file, a module
    defined twice, an instantiated module that no listed file defines, a module listed after a
    module that instantiates it, or a top that is not last."""
    problems: list[str] = []
    files = source_files(top_verilog)
    defined: dict[str, int] = {}
    texts = {}
    for i, path in enumerate(files):
        if not path.exists():
            problems.append(f"{path.name}: listed but missing")
            continue
        texts[path] = path.read_text()
        mods = _MODULE.findall(texts[path])
        if mods != [path.stem]:
            problems.append(f"{path.name}: defines {mods or 'no module'}, expected exactly ['{path.stem}']")
        for m in mods:
            if m in defined:
                problems.append(f"module {m} is defined twice in the source list")
            defined.setdefault(m, i)
    if files and files[-1].name != Path(top_verilog).name:
        problems.append(f"the top {Path(top_verilog).name} is not the last file of the source list")
    for i, path in enumerate(files):
        for module, inst in _INSTANCE.findall(texts.get(path, "")):
            if module == "module":
                continue
            if module not in defined:
                problems.append(f"{path.name}: instance {inst} of module {module}, which no listed file defines")
            elif defined[module] >= i:
                problems.append(f"{path.name}: instance {inst} of module {module}, listed after its parent")
    return problems
