"""The project's command line: ``fast-prefill COMMAND [options]`` (``fast-prefill --help``)."""

from __future__ import annotations

import argparse
import importlib
import sys

from .config import DEFAULT_PRESET, PRESETS, ConfigError, get_preset


def _cmd_verilog(args) -> int:
    from .convert import convert_all, summary_table

    cfg = get_preset(args.preset)
    results = convert_all(cfg, out_dir=args.out, blocks=args.block or None, check=not args.no_lint)
    print(summary_table(results))
    bad = [r for r in results if not r.ok]
    for r in bad:
        print(f"\n--- {r.block}: {r.path}\n{r.messages}", file=sys.stderr)
    if bad:
        print(f"\n{len(bad)} block(s) failed lint or yosys read-back", file=sys.stderr)
        return 1
    print(f"\n{len(results)} block(s) converted for preset '{cfg.name}', lint clean, yosys read OK")
    return 0


def _cmd_formal(args) -> int:
    from .verify.formal import main as formal_main

    return formal_main(args)


def _cmd_synth(args) -> int:
    from .synth import report, synth_all

    cfg = get_preset(args.preset)
    res = synth_all(cfg, blocks=args.block or None)
    text, fits = report(res)
    print(text)
    print("\nestimates from yosys synth_xilinx -family xcup (CARRY4 adders, no timing); "
          + ("fits the U280" if fits else "DOES NOT FIT the U280"))
    return 0 if fits else 1


def _cmd_config(args) -> int:
    cfg = get_preset(args.preset)
    for key, value in cfg.as_dict().items():
        print(f"{key:24s} {value}")
    return 0


# Subcommands implemented by other modules' ``main(argv)``: name -> (module, help).
_DELEGATED = {
    "accuracy-report": ("fast_prefill.verify.golden.report", "golden-model accuracy and sparsity report"),
    "vivado": ("fast_prefill.vivado", "write build/vivado/: Vitis RTL-kernel packaging and Vivado project scripts"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fast-prefill", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("verilog", help="convert every RTL block to Verilog, lint it, read it back in yosys")
    p.add_argument("--preset", default=DEFAULT_PRESET, help=f"one of {sorted(PRESETS)} (default {DEFAULT_PRESET})")
    p.add_argument("--out", default=None, help="output folder (default build/verilog)")
    p.add_argument("--block", action="append", help="only this block (repeatable)")
    p.add_argument("--no-lint", action="store_true", help="skip verilator lint and yosys read-back")
    p.set_defaults(func=_cmd_verilog)

    p = sub.add_parser("formal", help="run the SymbiYosys proof jobs on the converted Verilog")
    p.add_argument("jobs", nargs="*", help="job names or glob patterns (default: all)")
    p.add_argument("-j", "--parallel", type=int, default=2, help="jobs run at once (default 2)")
    p.add_argument("--list", action="store_true", help="list the jobs and exit")
    p.set_defaults(func=_cmd_formal)

    p = sub.add_parser("synth", help="yosys synth_xilinx -family xcup resource estimates per block")
    p.add_argument("--preset", default=DEFAULT_PRESET)
    p.add_argument("--block", action="append", help="only this block (repeatable)")
    p.set_defaults(func=_cmd_synth)

    p = sub.add_parser("config", help="print a preset's configuration")
    p.add_argument("--preset", default=DEFAULT_PRESET)
    p.set_defaults(func=_cmd_config)

    sub.add_parser("bench", help="run a benchmark (fast-prefill bench --list)", add_help=False)
    for name, (_, help_text) in _DELEGATED.items():
        sub.add_parser(name, help=help_text, add_help=False)
    return parser


def _bench(argv: list[str]) -> int:
    from .verify import bench

    if not argv or argv[0] in ("-h", "--help", "--list"):
        print("benchmarks: " + " ".join(bench.available()) + "\nusage: fast-prefill bench NAME [args] | all")
        return 0
    if argv[0] == "all":
        status = 0
        for name in bench.available():
            print(f"=== bench {name}", flush=True)
            status |= bench.run(name, argv[1:])
        return status
    return bench.run(argv[0], argv[1:])


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "bench":
        return _bench(argv[1:])
    if argv and argv[0] in _DELEGATED:
        module = importlib.import_module(_DELEGATED[argv[0]][0])
        return module.main(argv[1:])
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
