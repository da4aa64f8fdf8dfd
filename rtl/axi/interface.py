"""AXI4, AXI4-Lite and burst-command interface objects (:class:`~..common.bundle.Bundle`): the channels of one
port as one block argument, converted to the ports ``<argument>_<signal>`` (``m_axi_q_arvalid``).

Widths of a fresh bundle: 64-bit addresses (AXI4), ``len`` 8, ``size`` 3, ``burst`` 2, 4-bit IDs,
``data_width`` data bits and ``data_width / 8`` strobes; AXI4-Lite: ``addr_width``-bit addresses,
32-bit data. Signal order (``SIGNALS``) is the port order of every block that has such a port.
"""

from __future__ import annotations

from myhdl import Signal, intbv

from ..common.bundle import Bundle
from ..common.params import check_int, check_pow2


def _u(width: int) -> Signal:
    return Signal(intbv(0)[width:])


class AxiRead(Bundle):
    """The read channels (AR, R) of an AXI4 master port."""

    SIGNALS = ("arvalid", "arready", "araddr", "arlen", "arsize", "arburst", "arid",
               "rvalid", "rready", "rdata", "rresp", "rlast", "rid")

    def __init__(self, data_width: int, id_width: int = 4):
        check_pow2("axi_read", "data_width", data_width, 8, 1024)
        check_int("axi_read", "id_width", id_width, 1, 16)
        self.arvalid, self.arready = Signal(bool(0)), Signal(bool(0))
        self.araddr, self.arlen, self.arsize, self.arburst, self.arid = _u(64), _u(8), _u(3), _u(2), _u(id_width)
        self.rvalid, self.rready = Signal(bool(0)), Signal(bool(0))
        self.rdata, self.rresp, self.rlast, self.rid = _u(data_width), _u(2), Signal(bool(0)), _u(id_width)


class AxiWrite(Bundle):
    """The write channels (AW, W, B) of an AXI4 master port."""

    SIGNALS = ("awvalid", "awready", "awaddr", "awlen", "awsize", "awburst", "awid",
               "wvalid", "wready", "wdata", "wstrb", "wlast", "bvalid", "bready", "bresp", "bid")

    def __init__(self, data_width: int, id_width: int = 4):
        check_pow2("axi_write", "data_width", data_width, 8, 1024)
        check_int("axi_write", "id_width", id_width, 1, 16)
        self.awvalid, self.awready = Signal(bool(0)), Signal(bool(0))
        self.awaddr, self.awlen, self.awsize, self.awburst, self.awid = _u(64), _u(8), _u(3), _u(2), _u(id_width)
        self.wvalid, self.wready = Signal(bool(0)), Signal(bool(0))
        self.wdata, self.wstrb, self.wlast = _u(data_width), _u(data_width // 8), Signal(bool(0))
        self.bvalid, self.bready, self.bresp, self.bid = Signal(bool(0)), Signal(bool(0)), _u(2), _u(id_width)


class AxiLite(Bundle):
    """An AXI4-Lite slave port (the kernel's ``s_axi_control``): 32-bit data."""

    SIGNALS = ("awvalid", "awready", "awaddr", "wvalid", "wready", "wdata", "wstrb", "bvalid", "bready", "bresp",
               "arvalid", "arready", "araddr", "rvalid", "rready", "rdata", "rresp")

    def __init__(self, addr_width: int):
        check_int("axi_lite", "addr_width", addr_width, 2, 64)
        self.awvalid, self.awready, self.awaddr = Signal(bool(0)), Signal(bool(0)), _u(addr_width)
        self.wvalid, self.wready, self.wdata, self.wstrb = Signal(bool(0)), Signal(bool(0)), _u(32), _u(4)
        self.bvalid, self.bready, self.bresp = Signal(bool(0)), Signal(bool(0)), _u(2)
        self.arvalid, self.arready, self.araddr = Signal(bool(0)), Signal(bool(0)), _u(addr_width)
        self.rvalid, self.rready, self.rdata, self.rresp = Signal(bool(0)), Signal(bool(0)), _u(32), _u(2)


class Command(Bundle):
    """A burst command stream (``valid``, ``ready``, ``addr``, ``beats``): what the AXI stream reader
    and writer take on ``s_cmd`` (a byte address and a count of data beats)."""

    SIGNALS = ("valid", "ready", "addr", "beats")

    def __init__(self, beats_width: int):
        check_int("command", "beats_width", beats_width, 1, 32)
        self.valid, self.ready, self.addr, self.beats = Signal(bool(0)), Signal(bool(0)), _u(64), _u(beats_width)
