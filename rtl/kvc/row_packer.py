"""KVC row packer: ``R`` consecutive AXI beats of a cache line into one tier-RAM word.

Computes: for each beat written (``en``, at beat offset ``off`` inside the line, data ``data``),
``word_en`` is high on the beat that completes a word (its lane ``off mod R`` = ``R - 1``), with
``word = {data, the word's R - 1 earlier beats}`` (the first beat in the low bits) and ``woff =
off / R`` the word's index inside the line. ``R = len(word) / len(data)``, a power of two, at least 2
(with one beat a word there is nothing to pack: the caller wires the beat through). Latency:
combinational on the completing beat; the earlier beats are held in ``pk`` (``(R - 1) x len(data)``
bits, the newest in the top lane).

Invariant the caller keeps: the beats of a word arrive consecutively and in order (one ARID, a
line's bursts back to back, ``R`` dividing the burst), so ``pk`` holds exactly the word's earlier
beats when its last one arrives. Used by ``kv_cache`` once per fill master (K, and V with the split
fill).
"""

from __future__ import annotations

from myhdl import Signal, always, always_comb, block, concat, intbv


@block
def kvc_row_packer(clk, en, off, data, word, word_en, woff):
    axw, ow = len(data), len(word)
    R = ow // axw
    if ow % axw or R & (R - 1):
        raise ValueError(f"kvc_row_packer field 'word' width = {ow} is not allowed: must be R * {axw} (data "
                         "width) with R a power of two")
    if R == 1:
        raise ValueError(f"kvc_row_packer field 'word' width = {ow} is not allowed: must be R * {axw} with R >= 2 "
                         "(R = 1 needs no packer: the beat is the word)")
    lbr = R.bit_length() - 1
    kbw = len(off)
    if len(woff) != kbw - lbr or kbw <= lbr:
        raise ValueError(f"kvc_row_packer field 'woff' width = {len(woff)} is not allowed: must be "
                         f"{kbw - lbr} (off width {kbw} less log2(R) = {lbr}) and at least 1")

    pk = Signal(intbv(0)[(R - 1) * axw:])        # beats 0 .. R-2 of the word being packed, 0 lowest
    lane_last = R - 1

    @always_comb
    def packing():
        word.next = concat(data, pk)
        word_en.next = en and off[lbr:] == lane_last
        woff.next = off[kbw:lbr]

    if R == 2:
        @always(clk.posedge)
        def hold():
            if en:
                pk.next = data
    else:
        @always(clk.posedge)
        def hold():
            if en:
                pk.next = concat(data, pk[(R - 1) * axw:axw])

    return packing, hold
