"""SIG coverage count: least k whose k largest values sum to more than a target, without a sort.

Computes the golden model's ``cover_count(values, target, cfg, width)`` (the reference's
``score_cover_topk``): ``n + 1`` when ``sum(values) <= target``; otherwise the radix/histogram
threshold search of ``radix_threshold`` (``P = ceil(width / hist_bits)`` passes over the values;
each pass histograms count and sum of the values still matching the prefix, per digit, then scans
digits high to low and fixes the digit where the running sum first exceeds the target), giving
``t``, ``count(> t)``, ``sum(> t)``, and ``k = count(> t) + (target - sum(> t)) // t + 1`` (a
non-restoring long division, ``rtl/common/long_division.py``).

Pipelined for 300 MHz (docs/sig.md, "Logic depth"): a value read at a histogram step is
registered, classified in the next cycle (``cand``: its bits above the pass's digit equal the
prefix, a mask compare; its digit), decoded to a one-hot bin hit, and added into its bin: every bin has its own
count and carry-select sum, so no bin is read through a multiplexer on the way in. The digit
scan keeps ``rem = target - sum(> prefix)`` instead of the running sum and takes two cycles a
digit (compare the bin read ahead with ``rem``, then act). ``sum(values) <= target`` is a
registered compare in a cycle of its own after the load.

Ports (``IW = bits(max_n - 1)``, ``TW = sum_width``: width of the target and of every sum):

* ``s`` (``max(width, TW) + 1`` bits): ``{last, payload}``: a header beat (payload = ``target``),
  then ``n <= max_n`` value beats (``width`` bits), ``last`` on the final value.
* ``m`` (``IW + 2`` bits): one beat per vector, the count ``k`` (``1 .. n + 1``).

Cycles per vector (:func:`cover_count_cycles`, equal to simulation in
``tests/rtl/sig/test_cover_count.py``): ``1 + n`` (load, also the total and the first pass's
histogram: the loading value goes into the histogram in place of the memory's read) ``+ 1`` (the
compare) ``+ 4 + (P - 1)(n + 4) + 2 S`` (passes: the values after the first, the pipeline's drain
and the first bin's read; ``S`` digits scanned in all, at most ``P 2^hist_bits``) ``+ 1 + (IW + 2)
+ 1`` (division) ``+ 1``; ``1 + n + 1 + 1`` when the total does not exceed the target.

Memories: the values, ``max_n x width`` (registered read, then one more register; no reset: block
RAM or URAM; the address is the index the FSM moves to at that edge, ``idx_nx``; the compare cycle
after the load lets index 0 be read after its write); ``2^hist_bits`` count and sum registers.
"""

from __future__ import annotations

from myhdl import Signal, always, always_comb, always_seq, block, enum, intbv

from ..common.carry_select import carry_select_add
from ..common.params import int_checker
from ..common.signed import zext
from ..common.widths import index_width
from .pipe_parts import _add
from .cover_quotient import cover_quotient
from .cover_values import cover_values
from .radix_hist import radix_histogram, radix_tables

# the control states, in order: load the header and the values, compare the total, histogram
# passes (with the pipeline's drain and the first bin's read), the digit scan (two cycles a digit),
# the division, the result beat
CoverState = enum("C_LOAD_H", "C_LOAD_V", "C_TEST", "C_HIST", "C_DRAIN", "C_DRAIN2", "C_DRAIN3", "C_READ", "C_PA",
                  "C_PB", "C_DIV0", "C_DIV", "C_FIN", "C_OUT")
(C_LOAD_H, C_LOAD_V, C_TEST, C_HIST, C_DRAIN, C_DRAIN2, C_DRAIN3, C_READ, C_PA, C_PB, C_DIV0, C_DIV,
 C_FIN, C_OUT) = (getattr(CoverState, name) for name in CoverState._names)


def cover_count_widths(max_n: int, width: int, sum_width: int) -> tuple[int, int]:
    iw = index_width(max_n)
    return iw, max(width, sum_width)


def cover_count_cycles(n: int, width: int, hist_bits: int, max_n: int, scan: int | None = None,
                       early_exit: bool = False) -> int:
    """Header to result beat for one vector of ``n`` values (the module docstring); ``scan``: digits
    scanned over all passes (data dependent), ``None`` the worst case ``P 2^hist_bits``."""
    iw = index_width(max_n)
    if early_exit:
        return 1 + n + 1 + 1
    p = -(-width // hist_bits)
    scan = p * (1 << min(hist_bits, width)) if scan is None else scan
    return 1 + n + 1 + 4 + (p - 1) * (n + 4) + 2 * scan + 1 + (iw + 2) + 1


_check = int_checker("sig_cover_count")


@block
def sig_cover_count(clk, rst, s, m, max_n=8, width=8, hist_bits=4, sum_width=11):
    _check("max_n", max_n, 2, 1 << 20)
    _check("width", width, 1, 48)
    _check("hist_bits", hist_bits, 1, 8)
    iw, pw = cover_count_widths(max_n, width, sum_width)
    _check("sum_width", sum_width, width + iw, 64)
    for name, sig, w in (("s_data", s.data, pw + 1), ("m_data", m.data, iw + 2)):
        if len(sig) != w:
            raise ValueError(f"sig_cover_count field '{name}' width = {len(sig)} is not allowed: must be {w}")
    tw = sum_width
    hb = min(hist_bits, width)
    nbins = 1 << hb
    npass = radix_tables(width, hist_bits)[0]
    cw = iw + 2   # counts up to max_n + 1
    qw = iw + 2   # quotient bits of the final division

    hc = [Signal(intbv(0)[cw:]) for _ in range(nbins)]
    hs = [Signal(intbv(0)[tw:]) for _ in range(nbins)]

    state = Signal(C_LOAD_H)
    target = Signal(intbv(0)[tw:])
    total = Signal(intbv(0)[tw:])
    le = Signal(bool(0))               # total <= target (registered compare)
    n_last = Signal(intbv(0)[iw:])
    pss = Signal(intbv(0, min=0, max=npass + 1))
    dgt = Signal(intbv(0)[hb:])
    prefix = Signal(intbv(0)[width:])
    himask = Signal(intbv(0)[width:])  # the bits of the digits already fixed
    rem = Signal(intbv(0)[tw:])        # target - sum(> prefix)
    above_c = Signal(intbv(0)[cw:])
    out_valid = Signal(bool(0))
    out_data = Signal(intbv(0)[cw:])

    in_last = Signal(bool(0))
    in_val = Signal(intbv(0)[width:])
    in_tgt = Signal(intbv(0)[tw:])
    in_w = Signal(intbv(0)[tw:])
    v_src = Signal(intbv(0)[width:])   # the histogram's value: the loading one (on_ld) or the memory's read
    on_ld = Signal(bool(0))
    v_rd = Signal(intbv(0)[width:])
    on0 = Signal(bool(0))              # v_mem is a histogram step's value
    at_last = Signal(bool(0))          # idx == n_last (registered, from idx_nx)

    @always_comb
    def unpack():
        in_last.next = s.data[pw]
        in_val.next = s.data[width:0]
        in_tgt.next = s.data[tw:0]

    # ---------------------------------------------------------------- load: values and total
    total_n = Signal(intbv(0)[tw:])
    insts = [zext(in_val, in_w), _add(total, in_w, total_n)]

    @always(clk.posedge)
    def total_le():
        le.next = total <= target

    # the values (cover_values.py): the load, the walks of the passes after the first, the
    # registered read
    load_h, load_v, hist = Signal(bool(0)), Signal(bool(0)), Signal(bool(0))

    @always_comb
    def walk_ctl():
        load_h.next = state == C_LOAD_H and s.valid
        load_v.next = state == C_LOAD_V and s.valid
        hist.next = state == C_HIST

    insts.append(cover_values(clk, rst, load_h, load_v, in_last, in_val, hist, v_src, on_ld, at_last, n_last,
                              max_n=max_n))

    # ---------------------------------------------------------------- histogram passes (radix_hist.py)
    # the value registered, classified, decoded to a one-hot bin hit, added into its bin; a bin read
    # ahead for the scan. No write bypass: the compare cycle after the load reads index 0 after its
    # write
    dmax = Signal(intbv(0)[hb:])
    dmx_sh = Signal(intbv(0)[width:])
    dgt_sh = Signal(intbv(0)[width:])
    clr = Signal(bool(0))
    scan_rd = Signal(bool(0))
    ra_step = Signal(bool(0))
    hs_r = Signal(intbv(0)[tw:])
    hc_r = Signal(intbv(0)[cw:])
    gt = Signal(bool(0))

    @always_comb
    def scan_ctl():
        on0.next = state == C_HIST or on_ld
        scan_rd.next = state == C_READ or state == C_PB
        ra_step.next = state == C_PB

    insts.append(radix_histogram(clk, v_src, v_rd, None, on0, pss, prefix, himask, clr, dgt, scan_rd, ra_step, dmax,
                                 dgt_sh, dmx_sh, tuple(hc), hc_r, tuple(hs), hs_r, width, hist_bits))

    @always(clk.posedge)
    def scan_cmp():
        gt.next = hs_r > rem

    rem_n = Signal(intbv(0)[tw:])
    above_n = Signal(intbv(0)[cw:])
    hs_neg = Signal(intbv(0)[tw:])

    @always_comb
    def negate():
        hs_neg.next = ~hs_r

    insts += [carry_select_add(rem, hs_neg, rem_n, cin=1), _add(above_c, hc_r, above_n)]

    # ---------------------------------------------------------------- k = above + rem // t + 1 (cover_quotient.py)
    div_load, div_step, div_last = Signal(bool(0)), Signal(bool(0)), Signal(bool(0))
    res_n = Signal(intbv(0)[cw:])

    @always_comb
    def div_ctl():
        div_load.next = state == C_DIV0
        div_step.next = state == C_DIV

    insts.append(cover_quotient(clk, div_load, div_step, rem, prefix, above_c, div_last, res_n, qw=qw))

    # ---------------------------------------------------------------- handshakes, control
    n_w = Signal(intbv(0)[cw:])
    insts.append(zext(n_last, n_w))

    @always_comb
    def handshakes():
        s.ready.next = state == C_LOAD_H or state == C_LOAD_V
        m.valid.next = out_valid
        m.data.next = out_data
        clr.next = (state == C_LOAD_H and s.valid) or (state == C_PB and (gt or dgt == 0))

    @always_seq(clk.posedge, reset=rst)
    def control():
        if state == C_LOAD_H:
            if s.valid:
                target.next = in_tgt
                total.next = 0
                pss.next = 0
                prefix.next = 0
                himask.next = 0
                above_c.next = 0
                state.next = C_LOAD_V
        elif state == C_LOAD_V:
            if s.valid:
                total.next = total_n
                if in_last:
                    state.next = C_TEST
        elif state == C_TEST:
            # the last value is at the histogram's input (pass 0 runs with the load)
            rem.next = target
            state.next = C_DRAIN
        elif state == C_HIST:
            if at_last:
                state.next = C_DRAIN
        elif state == C_DRAIN:
            # the last value is registered; its stage 1, hit and bin follow at the next three edges
            if le:
                out_valid.next = True
                out_data.next = n_w + 2
                state.next = C_OUT
            else:
                dgt.next = dmax
                state.next = C_DRAIN2
        elif state == C_DRAIN2:
            state.next = C_DRAIN3
        elif state == C_DRAIN3:
            # its bin is added at this edge
            state.next = C_READ
        elif state == C_READ:
            # the bins are final: the top digit's bin is read at this edge
            state.next = C_PA
        elif state == C_PA:
            # gt = (bin of dgt) > rem, registered at this edge
            state.next = C_PB
        elif state == C_PB:
            if gt or dgt == 0:
                prefix.next = prefix | dgt_sh
                himask.next = himask | dmx_sh
                if pss == npass - 1:
                    state.next = C_DIV0
                else:
                    pss.next = pss + 1
                    state.next = C_HIST
            else:
                rem.next = rem_n
                above_c.next = above_n
                dgt.next = dgt - 1
                state.next = C_PA
        elif state == C_DIV0:
            state.next = C_DIV
        elif state == C_DIV:
            if div_last:
                state.next = C_FIN
        elif state == C_FIN:
            out_valid.next = True
            out_data.next = res_n
            state.next = C_OUT
        else:   # C_OUT (MyHDL converts the chain to a case: the last state is its default)
            if m.ready:
                out_valid.next = False
                state.next = C_LOAD_H

    return insts, unpack, total_le, walk_ctl, scan_ctl, div_ctl, scan_cmp, negate, handshakes, control
