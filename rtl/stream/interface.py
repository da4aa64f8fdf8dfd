"""Valid/ready stream interface shared by every unit boundary.

A beat moves on a rising clock edge when ``valid`` and ``ready`` are both high. While
``valid and not ready`` the source keeps ``valid`` high and ``data`` unchanged (AXI-Stream rules).
Port names follow the ``s_`` (sink side of a block, data flows in) and ``m_`` (source side, data
flows out) convention of alexforencich/verilog-axis.
"""

from __future__ import annotations

from myhdl import Signal, intbv

from ..common.params import check_int


class Stream:
    """The three signals of one stream: ``valid``, ``ready`` and a ``width``-bit unsigned ``data``.

    Inside a block, a stream between sub-blocks is one ``Stream`` (``cc = Stream(w)``, used as
    ``cc.valid``, ``cc.ready``, ``cc.data`` in the generators): MyHDL names its signals
    ``cc_valid``, ``cc_ready``, ``cc_data`` in the converted Verilog, the names three separate
    signals had (``sig_head`` and ``attention_path`` convert to the same Verilog either way). Block
    ports are still separate signals (the registry's port dictionaries and the benches name them
    one by one): a stream is unpacked with :meth:`ports`, for example
    ``fifo(clk, rst, *s.ports(), *m.ports(), depth=4)``.
    """

    def __init__(self, width: int):
        check_int("stream", "width", width, 1, 4096)
        self.width = width
        self.valid = Signal(bool(0))
        self.ready = Signal(bool(0))
        self.data = Signal(intbv(0)[width:])

    def ports(self):
        """``(valid, ready, data)`` in the order every stream block takes them."""
        return self.valid, self.ready, self.data
