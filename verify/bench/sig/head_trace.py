"""Per-cycle port trace of ``sig_head``: the check that a refactoring left its behaviour unchanged.

For a fixed set of runs (vertical-slash heads with and without back-pressure, query-aware heads,
AXI error bursts, long AXI latency, shared K passes with S = 2 and an abandoned run), the value of
every ``sig_head`` port at every falling clock edge is hashed (SHA-256 over the ports in name order),
together with the access beats, the done cycles and the AXI bursts of each run. Two designs that
give the same trace file drive and see the same values on every port in every cycle of these runs.

Usage (``make verilog``'s tiny build is not needed; the runs build their own)::

    python -m fast_prefill.verify.bench.sig.head_trace before.json        # before a change
    python -m fast_prefill.verify.bench.sig.head_trace after.json --against before.json

``--against`` exits with status 1 and names the first differing run when the traces differ.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from contextlib import contextmanager

from myhdl import always

from . import head as H
from . import head_shared as HS


@contextmanager
def port_hash(record: dict):
    """While active, every ``run_bench`` of the sig_head benches also hashes all DUT ports each
    cycle into ``record`` (``hash``: the SHA-256 object, ``cycles``: the cycles hashed)."""
    original = H.run_bench

    def traced(spec, params, backend, bench, **kw):
        def wrapped(ports, finished):
            gens = bench(ports, finished)
            names = sorted(ports)
            h = hashlib.sha256()
            record["hash"], record["cycles"] = h, 0

            @always(ports["clk"].negedge)
            def sample():
                h.update(repr([int(ports[n]) for n in names]).encode())
                record["cycles"] += 1
            return (*gens, sample)
        return original(spec, params, backend, wrapped, **kw)

    H.run_bench = traced
    try:
        yield record
    finally:
        H.run_bench = original


def head_cases():
    """The single-head runs: (name, cases, simulate keyword arguments)."""
    return [
        ("sink6", [H.make_case(6, "sink", 1, min_budget=8)], {}),
        ("rand32", [H.make_case(32, "random", 1, min_budget=1)], {"stall": [0, 1, 1, 0, 0]}),
        ("slash_qa", [H.make_case(17, "sink", 1, gamma=1.0, min_budget=8, index=0),
                      H.make_case(8, "random", 3, tau=0.3, min_budget=8, index=1),
                      H.make_case(2, "random", 4, min_budget=8, index=2)], {"stall": [1, 0, 0]}),
        ("err", [H.make_case(9, "random", 5, min_budget=2)],
         {"q_errors": frozenset({0}), "k_errors": frozenset({1})}),
        ("qa16", [H.make_case(16, "random", 7, tau=0.5, min_budget=2)], {"r_gap": 0.6, "latency": 12}),
    ]


def trace(backend: str = "verilator", names=None, mutant=None) -> dict:
    """The trace of every run (or of those in ``names``): ``{run: {trace, cycles, beats, done, ...}}``."""
    out, rec = {}, {}
    with port_hash(rec):
        for name, cases, kw in head_cases():
            if names is None or name in names:
                run = H.simulate(cases, backend, mutant=mutant, **kw)
                out[name] = {"trace": rec["hash"].hexdigest(), "cycles": rec["cycles"], "beats": run.beats,
                             "done": run.done_cycles, "errs": run.errs, "qa": run.qa,
                             "q": [list(b) for b in run.q_log.bursts], "k": [list(b) for b in run.k_log.bursts]}
        runs = [HS.make_run(2, 8, "int", 1), HS.make_run(1, 6, "sink", 2), HS.make_run(2, 12, "int", 3, tau=0.5)]
        for name, kw in (("shared", {}), ("shared_abandon", {"abandon": {0: 1}, "stall": [0, 1]})):
            if names is None or name in names:
                run = HS.simulate_shared(runs, backend, mutant=mutant, **kw)
                out[name] = {"trace": rec["hash"].hexdigest(), "cycles": rec["cycles"], "beats": run.beats,
                             "done": run.done_cycles, "errs": run.errs,
                             "q": [list(b) for b in run.q_log.bursts], "k": [list(b) for b in run.k_log.bursts]}
    return out


def first_difference(a: dict, b: dict) -> str | None:
    """None when the two traces are equal, else the first run (and field) that differs."""
    for name in sorted(set(a) | set(b)):
        if name not in a or name not in b:
            return f"run '{name}' is in only one trace"
        for key in sorted(set(a[name]) | set(b[name])):
            if a[name].get(key) != b[name].get(key):
                return f"run '{name}': '{key}' differs"
    return None


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m fast_prefill.verify.bench.sig.head_trace")
    ap.add_argument("out", help="the trace file to write (JSON)")
    ap.add_argument("--against", help="a trace written before: compare, exit 1 when different")
    ap.add_argument("--backend", default="verilator", choices=("verilator", "icarus", "myhdl"))
    args = ap.parse_args(argv)
    result = trace(args.backend)
    with open(args.out, "w") as f:
        json.dump(result, f, indent=0)
    for name, r in result.items():
        print(f"{name:16s} {r['cycles']:6d} cycles  {r['trace'][:16]}  done {r['done']}", flush=True)
    if args.against:
        with open(args.against) as f:
            diff = first_difference(json.load(f), json.loads(json.dumps(result)))
        print("same as " + args.against if diff is None else f"DIFFERENT from {args.against}: {diff}")
        return 0 if diff is None else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
