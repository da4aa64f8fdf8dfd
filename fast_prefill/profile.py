"""Where the test run's time goes: the verification harness times its phases, a pytest hook
(tests/conftest.py) writes one record per test, and ``python -m fast_prefill.profile DIR`` turns
the records into tables (docs/verification.md, "Where the default run spends its time").

Phases (wall time, seconds; each counted once where phases nest under the same name):

* ``convert``: MyHDL elaboration and conversion to Verilog (``convert.convert_block``, lint and
  read-back included when the caller asks for them);
* ``iverilog``: compiling the converted Verilog for Icarus co-simulation;
* ``verilator build``: Verilating and compiling a Verilator harness;
* ``myhdl sim``: a MyHDL simulation of the MyHDL model, its Python bench included;
* ``icarus sim``: a co-simulation of the converted Verilog under Icarus, its Python bench included;
* ``verilator sim``: a Verilator harness run;
* ``formal``: SymbiYosys proofs and covers;
* ``yosys``: synthesis and read-back runs of yosys.

What is left of a test's time (``other``) is the golden model, Hypothesis's generation and
shrinking, the bench's stimulus and checks outside the simulations, and pytest itself.

Recording is on when ``FAST_PREFILL_TIMINGS`` names a folder (``make test-profile`` sets it); the
timers cost a ``perf_counter`` call per phase otherwise.
"""

from __future__ import annotations

import json
import sys
import time
from contextlib import contextmanager
from pathlib import Path

PHASES = ("convert", "iverilog", "verilator build", "myhdl sim", "icarus sim", "verilator sim", "formal", "yosys")

_totals: dict[str, float] = {}
_active: set[str] = set()


@contextmanager
def phase(name: str):
    """Add the time spent inside the ``with`` block to phase ``name`` (not again when nested in
    the same phase)."""
    if name not in PHASES:
        raise ValueError(f"profile phase '{name}' is not known: must be one of {PHASES}")
    if name in _active:
        yield
        return
    _active.add(name)
    t0 = time.perf_counter()
    try:
        yield
    finally:
        _active.discard(name)
        _totals[name] = _totals.get(name, 0.0) + time.perf_counter() - t0


def sim_phase(backend: str) -> str:
    """The phase of a simulation on ``backend`` (``myhdl``, ``icarus`` or ``verilator``)."""
    return f"{backend} sim"


def take() -> dict[str, float]:
    """The phase totals since the last call, and reset them."""
    out = dict(_totals)
    _totals.clear()
    return out


def load(folder: Path) -> list[dict]:
    """Every record (``{"test", "seconds", "phases"}``) of the ``*.jsonl`` files in ``folder``."""
    recs = []
    for path in sorted(Path(folder).glob("*.jsonl")):
        recs += [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    if not recs:
        raise SystemExit(f"profile folder '{folder}' has no records: run `make test-profile` first")
    return recs


def _row(label: str, secs: float, phases: dict) -> list[str]:
    other = secs - sum(phases.values())
    return [label, f"{secs:.1f}"] + [f"{phases.get(p, 0.0):.1f}" for p in PHASES] + [f"{other:.1f}"]


def tables(recs: list[dict], top: int = 25) -> str:
    """Markdown: the run's totals per phase, per test file, and the ``top`` slowest tests."""
    head = "| {} | seconds | " + " | ".join(PHASES) + " | other |"
    rule = "|---|---:|" + "---:|" * (len(PHASES) + 1)
    total = {p: sum(r["phases"].get(p, 0.0) for r in recs) for p in PHASES}
    secs = sum(r["seconds"] for r in recs)
    out = [f"{len(recs)} tests, {secs:.0f} s of test time (summed over workers).", "",
           head.format("run"), rule, "| " + " | ".join(_row("all tests", secs, total)) + " |", ""]
    files: dict[str, list] = {}
    for r in recs:
        files.setdefault(r["test"].split("::")[0], []).append(r)
    out += [head.format("test file"), rule]
    for f, rs in sorted(files.items(), key=lambda kv: -sum(r["seconds"] for r in kv[1])):
        ph = {p: sum(r["phases"].get(p, 0.0) for r in rs) for p in PHASES}
        out.append("| " + " | ".join(_row(f"`{f}` ({len(rs)})", sum(r["seconds"] for r in rs), ph)) + " |")
    out += ["", head.format("test"), rule]
    for r in sorted(recs, key=lambda r: -r["seconds"])[:top]:
        out.append("| " + " | ".join(_row(f"`{r['test'].split('/')[-1]}`", r["seconds"], r["phases"])) + " |")
    return "\n".join(out)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -m fast_prefill.profile FOLDER   (the records of `make test-profile`)", file=sys.stderr)
        return 2
    print(tables(load(Path(argv[0]))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
