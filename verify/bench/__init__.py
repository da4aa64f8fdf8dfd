"""Benchmarks (not tests): each module here is one unit's benchmark with ``main(argv) -> int``.

``fast-prefill bench`` lists them; ``fast-prefill bench NAME [args]`` runs one; ``make bench`` runs
them all. Benchmarks print their figures (cycle counts from simulation of the converted Verilog,
ratios against an ideal computed in the same run) and write JSON under ``build/bench/``.
"""

from __future__ import annotations

import importlib
import pkgutil


def available() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))


def run(name: str, argv: list[str]) -> int:
    if name not in available():
        raise SystemExit(f"benchmark '{name}' is not known: must be one of {available()}")
    return importlib.import_module(f"{__name__}.{name}").main(argv)
