"""Valid/ready stream interface shared by every unit boundary.

A beat moves on a rising clock edge when ``valid`` and ``ready`` are both high. While
``valid and not ready`` the source keeps ``valid`` high and ``data`` unchanged (AXI-Stream rules).
Port names follow the ``s_`` (sink side of a block, data flows in) and ``m_`` (source side, data
flows out) convention of alexforencich/verilog-axis.
"""

from __future__ import annotations

from myhdl import Signal, intbv

from ..common.bundle import Bundle
from ..common.params import check_int


class Stream(Bundle):
    """The three signals of one stream: ``valid``, ``ready`` and a ``width``-bit unsigned ``data``.

    A block's stream ports are ``Stream`` objects (``def stream_fifo(clk, rst, s, m, depth=2)``,
    used as ``s.valid``, ``s.ready``, ``s.data``): MyHDL converts such a port to three ports named
    ``s_valid``, ``s_ready``, ``s_data``, the names of the flat signals it replaces, and the
    hierarchical conversion (``fast_prefill/hierarchy.py``) instantiates the block by those names.
    Inside a block a stream between sub-blocks is one ``Stream`` too (``cc = Stream(w)``): MyHDL
    names its signals ``cc_valid``, ``cc_ready``, ``cc_data``. :meth:`of` wraps three existing
    signals (a port of the parent, a slice) without copying them; the registry
    (``fast_prefill/blocks.py``) bundles a block's flat port dictionary the same way, so benches
    keep naming ports one by one.
    """

    SIGNALS = ("valid", "ready", "data")

    def __init__(self, width: int):
        check_int("stream", "width", width, 1, 4096)
        self.width = width
        self.valid = Signal(bool(0))
        self.ready = Signal(bool(0))
        self.data = Signal(intbv(0)[width:])

    @classmethod
    def of(cls, valid, ready, data) -> "Stream":
        """A ``Stream`` made of the signals ``valid``, ``ready``, ``data`` themselves (not copies)."""
        for name, sig in (("valid", valid), ("ready", ready)):
            if len(sig) != 1:
                raise ValueError(f"stream field '{name}' width = {len(sig)} is not allowed: must be 1")
        obj = cls.__new__(cls)
        obj.width = len(data)
        obj.valid, obj.ready, obj.data = valid, ready, data
        return obj

