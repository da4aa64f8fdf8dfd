"""Resource estimates: cell counting, and a real synth_xilinx run on a small FIFO."""

from fast_prefill.blocks import BLOCKS
from fast_prefill.convert import convert_block
from fast_prefill.synth import Resources, count_cells, report, synth_file


def test_count_cells_maps_xilinx_primitives():
    r = count_cells({"LUT6": 3, "LUT2": 2, "RAM32M16": 1, "SRLC32E": 2, "FDRE": 5, "FDSE": 1,
                     "DSP48E2": 4, "RAMB36E2": 1, "RAMB18E2": 3, "URAM288": 2, "CARRY4": 7, "BUFG": 1})
    assert (r.lut, r.ff, r.dsp, r.bram36, r.uram, r.carry) == (3 + 2 + 8 + 2, 6, 4, 2.5, 2, 7)


def test_report_flags_a_design_that_does_not_fit():
    _, fits = report({"a": Resources(dsp=9000), "b": Resources(dsp=100)})
    assert not fits
    _, fits = report({"a": Resources(dsp=9000)})
    assert fits


def test_fifo_synthesises_without_dsp_or_bram(tmp_path):
    path = convert_block(BLOCKS["stream_fifo"], {"width": 8, "depth": 4}, tmp_path, "fifo_s")
    r = synth_file(path, "fifo_s")
    assert r.dsp == 0 and r.bram36 == 0 and r.uram == 0
    assert r.lut > 0 and r.ff >= 3 + 2 + 2  # count, write and read pointers at least
