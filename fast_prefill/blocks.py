"""Registry of the convertible RTL blocks: how to build each one's ports and parameters.

Every block that ``make verilog`` converts, that co-simulation runs and that proofs check is
listed here once. A :class:`BlockSpec` knows

* ``factory``: the MyHDL ``@block`` function,
* ``ports(params)``: fresh signals for every port, sized from the block's parameters,
* ``params(cfg)``: the parameters a given :class:`~fast_prefill.config.AcceleratorConfig` implies,
* ``streams_in`` / ``streams_out``: the stream prefixes (``s``, ``m``) test benches drive and watch.

Each RTL unit registers its blocks in ``rtl/<unit>/specs.py`` (a list ``BLOCKS``, and its proof jobs
in ``PROOF_JOBS``); this module discovers them, so adding a unit touches no shared file.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from dataclasses import dataclass
from typing import Callable

from myhdl import ResetSignal, Signal, intbv

from . import rtl
from .config import AcceleratorConfig


@dataclass(frozen=True)
class BlockSpec:
    name: str
    factory: Callable
    ports: Callable[[dict], dict]
    params: Callable[[AcceleratorConfig], dict]
    streams_in: tuple[str, ...] = ()
    streams_out: tuple[str, ...] = ()
    hdl_params: tuple[str, ...] = ()  # keyword parameters passed to the factory (not ports)
    summary: str = ""

    def instantiate(self, params: dict, ports: dict | None = None):
        """``(instance, ports)`` for ``params``; fresh signals unless ``ports`` is given."""
        ports = self.ports(params) if ports is None else ports
        kwargs = {k: params[k] for k in self.hdl_params}
        return self.factory(**bundle_ports(self.factory, ports), **kwargs), ports

    def module_name(self, suffix: str) -> str:
        return f"{self.name}_{suffix}"


def bundle_ports(factory: Callable, ports: dict) -> dict:
    """``ports`` (flat: ``s_valid``, ``s_ready``, ``s_data``, ...) as ``factory`` takes them: a
    parameter of ``factory`` that is not a port name, but whose ``<name>_<signal>`` names cover one
    interface class's signals (``Stream``, ``Command``, ``AxiRead``, ``AxiWrite``, ``AxiLite``), gets those
    signals bundled into that interface (the same Signal objects, so a bench still drives and reads
    the flat names)."""
    from .rtl.axi.interface import AxiLite, AxiRead, AxiWrite, Command
    from .rtl.stream.interface import Stream

    func = getattr(factory, "func", factory)      # a MyHDL @block is a block_decorator
    out = dict(ports)
    for name in inspect.signature(func).parameters:
        if name in ports:
            continue
        classes = (Stream, Command, AxiRead, AxiWrite, AxiLite)
        full = [c for c in classes if all(f"{name}_{a}" in out for a in c.SIGNALS)]
        if full:
            out[name] = full[0].of(*(out.pop(f"{name}_{a}") for a in full[0].SIGNALS))
            continue
        part = [c for c in classes if any(f"{name}_{a}" in out for a in c.SIGNALS)]
        if part:   # some signals of a port, not all: name the missing ones of the closest class
            cls = max(part, key=lambda c: sum(f"{name}_{a}" in out for a in c.SIGNALS))
            missing = [f"{name}_{a}" for a in cls.SIGNALS if f"{name}_{a}" not in out]
            raise ValueError(f"{func.__name__} field '{name}_*' is not allowed: give all {len(cls.SIGNALS)} signals "
                             f"of the {cls.__name__} port or none (missing {', '.join(missing)})")
    return out


def clock_and_reset() -> dict:
    """``clk`` and a synchronous active-high ``rst``, the internal blocks' clocking."""
    return {"clk": Signal(bool(0)), "rst": ResetSignal(0, active=1, isasync=False)}


def stream_ports(prefix: str, width: int) -> dict:
    return {
        f"{prefix}_valid": Signal(bool(0)),
        f"{prefix}_ready": Signal(bool(0)),
        f"{prefix}_data": Signal(intbv(0)[width:]),
    }


def _discover() -> dict[str, BlockSpec]:
    """Collect ``BLOCKS`` from every ``fast_prefill.rtl.<unit>.specs`` module, in unit order."""
    found: dict[str, BlockSpec] = {}
    for unit in sorted(m.name for m in pkgutil.iter_modules(rtl.__path__) if m.ispkg):
        try:
            specs = importlib.import_module(f"{rtl.__name__}.{unit}.specs")
        except ModuleNotFoundError as exc:
            if exc.name == f"{rtl.__name__}.{unit}.specs":
                continue
            raise
        for spec in specs.BLOCKS:
            if spec.name in found:
                raise ValueError(f"block name '{spec.name}' is registered twice (unit '{unit}')")
            found[spec.name] = spec
    return found


_REGISTRY: dict[str, BlockSpec] | None = None


def all_blocks() -> dict[str, BlockSpec]:
    """The registry (block name -> spec), collected at the first use: a unit's ``specs`` module
    imports this module for :class:`BlockSpec`, so collecting at import time would import that
    ``specs`` module again half-way through its own import (``import fast_prefill.rtl.sig.specs``
    on its own failed so)."""
    global _REGISTRY
    if _REGISTRY is None:
        _REGISTRY = _discover()
    return _REGISTRY


def get_block(name: str) -> BlockSpec:
    blocks = all_blocks()
    try:
        return blocks[name]
    except KeyError:
        raise ValueError(f"block '{name}' is not known: must be one of {sorted(blocks)}") from None


def __getattr__(name: str):
    """``BLOCKS``: :func:`all_blocks` (``from fast_prefill.blocks import BLOCKS`` still works)."""
    if name == "BLOCKS":
        return all_blocks()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
