"""The histogram passes of the SIG's radix threshold searches (``sig_cover_count``, ``sig_top_m``).

One pass histograms the values still matching the prefix fixed so far, by their next digit
(``hist_bits`` bits, high digits first; ``P = ceil(width / hist_bits)`` passes). The datapath, one
value a cycle behind the value memory's registered read:

1. the value registered (``v_rd``; the memory's output multiplexers get a cycle of their own);
2. classified: ``cand`` (its bits above this pass's digit equal the prefix: a compare under
   ``himask``, the bits of the digits already fixed) and its digit (a shift by the pass's low bit);
3. decoded to a one-hot bin hit;
4. added into its bin: every bin is its own register with its own count (a split incrementer) and,
   for a weighted search, its own carry-select sum, so no bin is read through a multiplexer on
   the way in.

For the digit scan a bin is read ahead into registers (``cnt_r``, ``sum_r``) through a tree of 2:1
choices: the pass's top digit, or ``dgt - 1`` while the scan steps. ``dgt - 1`` is registered, so
the parent must hold ``dgt`` in the cycle before each step read (both parents scan in two states a
digit, and ``dgt`` changes only at a step). Also here: the pass's
constants (``dmax``, the digit's bit positions ``dmx_sh``) and ``dgt << lo`` for the prefix.

Latency: a value at the memory's output in cycle c is in its bin after the edge ending c + 3; a
pass's bins are final 4 cycles after its last value's read (the parents' drain and read states).
"""

from __future__ import annotations

from myhdl import Signal, always, always_comb, block, intbv, modbv

from ..common.carry_select import carry_select_add
from ..common.pick import pick
from ..common.signed import zext
from .pipe_parts import _increment


def radix_tables(width: int, hist_bits: int) -> tuple[int, tuple, tuple, tuple]:
    """``(P, lo, top, dmax)``: the passes and, per pass, its digit's low bit, the bit above it and
    its largest digit."""
    npass = -(-width // hist_bits)
    lo_t = tuple(max(width - (p + 1) * hist_bits, 0) for p in range(npass))
    top_t = tuple(width - p * hist_bits for p in range(npass))
    dmax_t = tuple((1 << (top_t[p] - lo_t[p])) - 1 for p in range(npass))
    return npass, lo_t, top_t, dmax_t


@block
def _bin(clk, clr, hit, hc, hs, w):
    """One histogram bin: ``hc += 1`` (and ``hs += w``, carry-select, when weighted) on ``hit``; 0 on ``clr``."""
    hc_n = Signal(intbv(0)[len(hc):])
    insts = [_increment(hc, hc_n)]
    if hs is None:
        @always(clk.posedge)
        def acc():
            if clr:
                hc.next = 0
            elif hit:
                hc.next = hc_n
    else:
        hs_n = Signal(intbv(0)[len(hs):])
        insts.append(carry_select_add(hs, w, hs_n))

        @always(clk.posedge)
        def acc():
            if clr:
                hc.next = 0
                hs.next = 0
            elif hit:
                hc.next = hc_n
                hs.next = hs_n

    return insts, acc


@block
def radix_histogram(clk, v_mem, v_rd, hold, on_in, pss, prefix, himask, clr, dgt, scan_rd, ra_step, dmax, dgt_sh,
                    dmx_sh, counts, cnt_r, sums, sum_r, width, hist_bits):
    """``v_mem``: the value memory's registered read; ``v_rd``: it registered (out), held while
    ``hold`` (None: never); ``on_in``: ``v_mem`` is a histogram step's value; ``pss`` the pass;
    ``prefix``/``himask`` the fixed digits and their bits; ``clr`` clears the bins; ``dgt`` the
    scanned digit; ``scan_rd`` loads ``cnt_r``/``sum_r`` with bin ``dgt - 1`` (``ra_step``) or bin
    ``dmax``; out: ``dmax``, ``dgt_sh = dgt << lo``, ``dmx_sh = dmax << lo``. ``counts``: the bins'
    count registers (a tuple, 2^hist_bits); ``sums``: their sum registers, or None (unweighted)."""
    npass, lo_t, _top_t, dmax_t = radix_tables(width, hist_bits)
    hb = min(hist_bits, width)
    nbins = 1 << hb
    insts = []

    lo_b = Signal(intbv(0, min=0, max=width + 1))
    dmax_v = tuple(int(d) for d in dmax_t)
    dmax_w = Signal(intbv(0)[width:])
    dgt_w = Signal(intbv(0)[width:])
    insts += [zext(dmax, dmax_w), zext(dgt, dgt_w)]

    @always_comb
    def tables():
        lo_b.next = lo_t[pss if pss < npass else 0]

    @always_comb
    def tables2():
        dmax.next = dmax_v[pss if pss < npass else 0]

    @always_comb
    def shifts():
        dmx_sh.next = dmax_w << lo_b        # the digit's bits (a ROM of these would need 32-bit constants)
        dgt_sh.next = dgt_w << lo_b

    # 1. the value registered
    on0 = Signal(bool(0))
    if hold is None:
        @always(clk.posedge)
        def read_reg():
            v_rd.next = v_mem
            on0.next = on_in
    else:
        @always(clk.posedge)
        def read_reg():
            if not hold:
                v_rd.next = v_mem
            on0.next = on_in

    # 2. classified; 3. the one-hot hit (the weight beside them)
    v_sh = Signal(intbv(0)[width:])
    on1 = Signal(bool(0))
    cand1 = Signal(bool(0))
    dig1 = Signal(intbv(0)[hb:])
    hit = Signal(intbv(0)[nbins:])

    @always_comb
    def classify():
        v_sh.next = v_rd >> lo_b

    @always(clk.posedge)
    def stage1():
        on1.next = on0
        cand1.next = (v_rd & himask) == prefix
        dig1.next = v_sh[hb:] & dmax

    @always(clk.posedge)
    def stage2():
        hit.next = 0
        if on1 and cand1:
            hit.next[dig1] = True

    insts += [tables, tables2, shifts, read_reg, classify, stage1, stage2]
    vw = None
    if sums is not None:
        tw = len(sums[0])
        v_w = Signal(intbv(0)[tw:])
        vw1 = Signal(intbv(0)[tw:])
        vw = Signal(intbv(0)[tw:])
        insts.append(zext(v_rd, v_w))

        @always(clk.posedge)
        def weight():
            vw1.next = v_w
            vw.next = vw1

        insts.append(weight)

    # 4. the bins
    for b in range(nbins):
        insts.append(_bin(clk, clr, hit(b), counts[b], None if sums is None else sums[b], vw))

    # the digit scan's read ahead
    ra = Signal(intbv(0)[hb:])
    ra_m1 = Signal(modbv(0)[hb:])
    c_nx = Signal(intbv(0)[len(cnt_r):])
    insts.append(pick(ra, counts, c_nx))

    @always(clk.posedge)
    def digit_m1():
        ra_m1.next = dgt - 1

    @always_comb
    def read_addr():
        if ra_step:
            ra.next = ra_m1
        else:
            ra.next = dmax

    insts += [digit_m1, read_addr]
    if sums is None:
        @always(clk.posedge)
        def read_bins():
            if scan_rd:
                cnt_r.next = c_nx
    else:
        s_nx = Signal(intbv(0)[len(sum_r):])
        insts.append(pick(ra, sums, s_nx))

        @always(clk.posedge)
        def read_bins():
            if scan_rd:
                cnt_r.next = c_nx
                sum_r.next = s_nx

    insts.append(read_bins)
    return insts
