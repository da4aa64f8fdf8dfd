"""Resource counting and a real synth_xilinx run on a small FIFO (make synth itself: test_synth_top.py)."""

from fast_prefill.blocks import BLOCKS
from fast_prefill.convert import convert_block
from fast_prefill.synth import count_cells, synth_file


def test_count_cells_maps_xilinx_primitives():
    r = count_cells({"LUT6": 3, "LUT2": 2, "RAM32M16": 1, "SRLC32E": 2, "FDRE": 5, "FDSE": 1,
                     "DSP48E2": 4, "RAMB36E2": 1, "RAMB18E2": 3, "URAM288": 2, "CARRY4": 7, "BUFG": 1})
    assert (r.lut, r.ff, r.dsp, r.bram36, r.uram, r.carry) == (3 + 2 + 8 + 2, 6, 4, 2.5, 2, 7)


def test_fifo_synthesises_without_dsp_or_bram(tmp_path):
    path = convert_block(BLOCKS["stream_fifo"], {"width": 8, "depth": 4}, tmp_path, "fifo_s")
    r = synth_file(path, "fifo_s")
    assert r.dsp == 0 and r.bram36 == 0 and r.uram == 0
    assert r.lut > 0 and r.ff >= 3 + 2 + 2  # count, write and read pointers at least


def test_yosys_timeout_is_reported(tmp_path):
    path = convert_block(BLOCKS["stream_fifo"], {"width": 8, "depth": 4}, tmp_path, "fifo_t")
    try:
        synth_file(path, "fifo_t", timeout=0.01)
    except RuntimeError as exc:
        assert "did not finish" in str(exc)
    else:
        raise AssertionError("a 10 ms yosys run finished")
