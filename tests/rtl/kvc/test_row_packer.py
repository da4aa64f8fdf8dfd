"""kvc_row_packer: R beats of a line into one word, the first beat in the low bits, written with the
beat that completes it (MyHDL here; its converted Verilog runs inside every kv_cache co-simulation
with row_beats 2 and 4, and the kvc_cache_rows proof holds its register's contents); bad widths
are refused with the field named."""

import pytest
from myhdl import Signal, Simulation, StopSimulation, delay, instance, intbv

from fast_prefill.rtl.kvc.row_packer import kvc_row_packer


def _sigs(axw, R, kbw):
    b = lambda: Signal(bool(0))  # noqa: E731
    return (Signal(bool(0)), b(), Signal(intbv(0)[kbw:]), Signal(intbv(0)[axw:]), Signal(intbv(0)[R * axw:]), b(),
            Signal(intbv(0)[kbw - (R.bit_length() - 1):]))


@pytest.mark.parametrize("R", [2, 4])
def test_words_pack_beats_in_order(R):
    axw, kbw = 8, 4                      # 16 beats a line
    clk, en, off, data, word, word_en, woff = _sigs(axw, R, kbw)
    dut = kvc_row_packer(clk, en, off, data, word, word_en, woff)
    seen = []

    @instance
    def bench():
        for i in range(16):
            en.next, off.next, data.next = True, i, (17 * i + 3) & 0xFF
            yield delay(1)
            if word_en:
                seen.append((int(woff), int(word)))
            clk.next = 1
            yield delay(1)
            clk.next = 0
        raise StopSimulation

    Simulation(dut, bench).run(quiet=1)
    beats = [(17 * i + 3) & 0xFF for i in range(16)]
    want = [(w, sum(beats[w * R + j] << (axw * j) for j in range(R))) for w in range(16 // R)]
    assert seen == want


def test_bad_widths_are_refused():
    clk, en, off, data, _, word_en, woff = _sigs(8, 2, 4)
    with pytest.raises(ValueError, match="kvc_row_packer field 'word' width = 24 is not allowed"):
        kvc_row_packer(clk, en, off, data, Signal(intbv(0)[24:]), word_en, woff)
    with pytest.raises(ValueError, match=r"kvc_row_packer field 'word' width = 8 is not allowed: .* R >= 2"):
        kvc_row_packer(clk, en, off, data, Signal(intbv(0)[8:]), word_en, Signal(intbv(0)[4:]))
    with pytest.raises(ValueError, match="kvc_row_packer field 'woff' width = 4 is not allowed: must be 3"):
        kvc_row_packer(clk, en, off, data, Signal(intbv(0)[16:]), word_en, Signal(intbv(0)[4:]))
