"""Registry of the convertible RTL blocks: how to build each one's ports and parameters.

Every block that ``make verilog`` converts, that co-simulation runs and that proofs check is
listed here once. A :class:`BlockSpec` knows

* ``factory``: the MyHDL ``@block`` function,
* ``ports(params)``: fresh signals for every port, sized from the block's parameters,
* ``params(cfg)``: the parameters a given :class:`~fast_prefill.config.AcceleratorConfig` implies,
* ``streams_in`` / ``streams_out``: the stream prefixes (``s``, ``m``) test benches drive and watch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from myhdl import ResetSignal, Signal, intbv

from .config import AcceleratorConfig
from .rtl.stream.fifo import stream_fifo
from .rtl.stream.skid_buffer import stream_skid_buffer


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
        return self.factory(**ports, **kwargs), ports

    def module_name(self, suffix: str) -> str:
        return f"{self.name}_{suffix}"


def clock_and_reset() -> dict:
    """``clk`` and a synchronous active-high ``rst``, the internal blocks' clocking."""
    return {"clk": Signal(bool(0)), "rst": ResetSignal(0, active=1, isasync=False)}


def stream_ports(prefix: str, width: int) -> dict:
    return {
        f"{prefix}_valid": Signal(bool(0)),
        f"{prefix}_ready": Signal(bool(0)),
        f"{prefix}_data": Signal(intbv(0)[width:]),
    }


def _passthrough_ports(params: dict) -> dict:
    return {**clock_and_reset(), **stream_ports("s", params["width"]), **stream_ports("m", params["width"])}


BLOCKS: dict[str, BlockSpec] = {
    spec.name: spec
    for spec in (
        BlockSpec(
            name="stream_fifo",
            factory=stream_fifo,
            ports=_passthrough_ports,
            params=lambda cfg: {"width": cfg.hbm_data_width, "depth": cfg.fifo_depth},
            streams_in=("s",), streams_out=("m",), hdl_params=("depth",),
            summary="synchronous valid/ready FIFO",
        ),
        BlockSpec(
            name="stream_skid_buffer",
            factory=stream_skid_buffer,
            ports=_passthrough_ports,
            params=lambda cfg: {"width": cfg.hbm_data_width},
            streams_in=("s",), streams_out=("m",),
            summary="valid/ready register slice (skid buffer), full throughput",
        ),
    )
}


def get_block(name: str) -> BlockSpec:
    try:
        return BLOCKS[name]
    except KeyError:
        raise ValueError(f"block '{name}' is not known: must be one of {sorted(BLOCKS)}") from None
