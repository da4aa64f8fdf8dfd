"""rtl/axi/interface.py and rtl/common/bundle.py: the AXI interface objects, Bundle.of, and the
registry's bundling of flat AXI ports (blocks.bundle_ports)."""

import pytest

from fast_prefill.blocks import bundle_ports, get_block
from fast_prefill.config import get_preset
from fast_prefill.rtl.axi.interface import AxiLite, AxiRead, AxiWrite
from fast_prefill.rtl.axi.stream_reader import axi_stream_reader
from fast_prefill.rtl.stream.interface import Stream


def test_fresh_bundles_have_the_port_widths():
    r = AxiRead(512)
    assert [len(s) for s in r.ports()] == [1, 1, 64, 8, 3, 2, 4, 1, 1, 512, 2, 1, 4]
    w = AxiWrite(64, id_width=1)
    assert (len(w.wdata), len(w.wstrb), len(w.awid), len(w.bid)) == (64, 8, 1, 1)
    lite = AxiLite(8)
    assert (len(lite.awaddr), len(lite.araddr), len(lite.wdata), len(lite.wstrb)) == (8, 8, 32, 4)
    assert list(vars(r)) == list(AxiRead.SIGNALS)      # attribute order = port order


@pytest.mark.parametrize("make, field", [(lambda: AxiRead(48), "data_width"), (lambda: AxiWrite(64, 0), "id_width"),
                                         (lambda: AxiLite(1), "addr_width")])
def test_bad_widths_are_refused(make, field):
    with pytest.raises(ValueError, match=rf"field '{field}' = .* is not allowed"):
        make()


def test_of_wraps_the_signals_themselves_and_counts_them():
    sigs = AxiRead(64).ports()
    r = AxiRead.of(*sigs)
    assert all(a is b for a, b in zip(r.ports(), sigs))
    with pytest.raises(ValueError, match=r"axiread field 'signals' = 12 signals is not allowed: must be 13"):
        AxiRead.of(*sigs[:12])


def test_bundle_ports_groups_axi_and_stream_ports_of_a_block():
    spec = get_block("axi_stream_reader")
    ports = spec.ports(spec.params(get_preset("tiny")))
    args = bundle_ports(axi_stream_reader, ports)
    assert isinstance(args["m_axi"], AxiRead) and isinstance(args["m"], Stream)
    assert args["m_axi"].rdata is ports["m_axi_rdata"] and args["m_last"] is ports["m_last"]
    assert not any(k.startswith("m_axi_") for k in args)
    del ports["m_axi_rid"]
    with pytest.raises(ValueError, match=r"axi_stream_reader field 'm_axi_\*' is not allowed: give all 13 signals "
                                         r"of the AxiRead port or none \(missing m_axi_rid\)"):
        bundle_ports(axi_stream_reader, ports)


def test_command_bundles_the_readers_command_port():
    from fast_prefill.rtl.axi.interface import Command

    spec = get_block("axi_stream_writer")
    ports = spec.ports(spec.params(get_preset("tiny")))
    args = bundle_ports(spec.factory, ports)
    assert isinstance(args["s_cmd"], Command) and args["s_cmd"].beats is ports["s_cmd_beats"]
    assert len(Command(9).beats) == 9 and len(Command(9).addr) == 64
