"""SIG coverage select: budget clamp, top-m by radix/histogram threshold (no sort), ascending emission.

Computes the golden model's budget and selection steps of ``fixed_head_pattern``:
``m = clamp((count >> div_shift) + 1, min_m, max_m)`` (the reference's ``count // budget_divisor + 1``
with a power-of-two divisor, clamped to ``[min_budget, max_budget]`` in blocks), then
``top_m_select(values, m, force_first=True)``: index 0 (the sink block, or slash offset 0 = the
diagonal) is always taken and counts towards ``m``; the ``m - 1`` largest of the other values
(ties: lowest index first) are found by ``ceil(W / hist_bits)`` histogram passes over the value
digits, high to low; a final pass emits the selected indices in ascending order.

Ports (``IW = bits(max_n - 1)``, ``CW = IW + 1 + div_shift``, ``PW = max(W, CW)``):

* ``s`` (``PW + 1`` bits): ``{last, payload}``. One vector: a header beat (payload = ``count``,
  the coverage count of ``cover_count``), then ``n`` value beats (``W`` bits, index 0 first),
  ``last`` on the final value beat. ``n <= max_n``.
* ``m`` (``IW + 1`` bits): ``{last, index[IW-1:0]}``: the ``min(m, n)`` selected indices, strictly
  ascending, the first is 0, ``last`` on the final one.

Cycles per vector: ``1 + n`` (load) ``+ P (n - 1 + 2^hist_bits + 1)`` (passes, skipped when only
index 0 is selected) ``+ n`` (emission) plus output stalls, ``P = ceil(W / hist_bits)``.

Memories: the values, ``max_n x W`` (registered read, no reset: block RAM; the address is the
index the FSM moves to at that edge, ``idx_nx``, and a write at the same edge to that address is
forwarded, so the cycle behaviour equals an asynchronous read); ``2^hist_bits`` counters.

Invariants (k-induction, ``verify/properties/sig_top_m.sv``): emitted indices strictly increase,
start at 0, stay below ``n``; exactly ``min(m, n)`` beats, ``last`` on the final one; the output
obeys the valid/ready rules.
"""

from __future__ import annotations

from myhdl import Signal, always, always_comb, always_seq, block, concat, enum, intbv, modbv

from ..common.params import int_checker
from ..common.ram import ram_deep
from ..common.signed import zext
from ..common.widths import index_width
from .pipe_parts import _add
from .radix_hist import radix_histogram, radix_tables

# the control states, in order (binary codes 0 .. 12: the proof's invariants name them by number)
TopMState = enum("T_LOAD_H", "T_LOAD_V", "T_START", "T_HIST", "T_DRAIN", "T_DRAIN2", "T_DRAIN3", "T_READ", "T_PA",
                 "T_PB", "T_FILL", "T_EMIT", "T_DONE")
(T_LOAD_H, T_LOAD_V, T_START, T_HIST, T_DRAIN, T_DRAIN2, T_DRAIN3, T_READ, T_PA, T_PB, T_FILL, T_EMIT,
 T_DONE) = (getattr(TopMState, name) for name in TopMState._names)

#: cycles the emission pipeline takes to fill (index 0 is read as the fill starts; its value is
#: registered, then compared with the threshold)
FILL = 2


def top_m_widths(max_n: int, width: int, div_shift: int) -> tuple[int, int, int]:
    iw = index_width(max_n)
    cw = iw + 1 + div_shift
    return iw, cw, max(width, cw)


def top_m_cycles(n: int, width: int, hist_bits: int, m: int, scan: int | None = None,
                 last_index: int | None = None) -> int:
    """Header to the last index beat for one vector (the module docstring); ``scan`` /
    ``last_index``: data dependent; ``None``: the worst case (``P 2^h`` digits, emission over all n)."""
    last_index = n - 1 if last_index is None else last_index
    if min(m, n) <= 1:
        return 1 + n + 1 + FILL + 1
    p = -(-width // hist_bits)
    scan = p * (1 << min(hist_bits, width)) if scan is None else scan
    return 1 + n + 1 + p * (n - 1 + 4) + 2 * scan + FILL + last_index + 1


_check = int_checker("sig_top_m")


@block
def sig_top_m(clk, rst, s, m, max_n=8, width=8, hist_bits=4, div_shift=0, min_m=1, max_m=8):
    _check("max_n", max_n, 2, 1 << 20)
    _check("width", width, 1, 48)
    _check("hist_bits", hist_bits, 1, 8)
    _check("div_shift", div_shift, 0, 16)
    _check("min_m", min_m, 1, max_n)
    _check("max_m", max_m, min_m, 1 << 31)
    iw, cw, pw = top_m_widths(max_n, width, div_shift)
    for name, sig, w in (("s_data", s.data, pw + 1), ("m_data", m.data, iw + 1)):
        if len(sig) != w:
            raise ValueError(f"sig_top_m field '{name}' width = {len(sig)} is not allowed: must be {w}")
    npass = radix_tables(width, hist_bits)[0]
    hb = min(hist_bits, width)
    nbins = 1 << hb
    nw = iw + 2  # every count, budget and sum: up to 2 max_n
    max_m_eff = min(max_m, max_n)

    hist = [Signal(intbv(0)[nw:]) for _ in range(nbins)]

    state = Signal(T_LOAD_H)
    n_last = Signal(intbv(0)[iw:])           # n - 1
    nl_m1 = Signal(modbv(0)[iw:])            # n - 2
    nl_p1 = Signal(intbv(0)[nw:])            # n
    m_eff = Signal(intbv(1)[nw:])
    m_rest = Signal(intbv(0)[nw:])
    idx = Signal(modbv(0)[iw:])
    pss = Signal(intbv(0, min=0, max=npass + 1))
    dgt = Signal(intbv(0)[hb:])
    prefix = Signal(intbv(0)[width:])
    himask = Signal(intbv(0)[width:])
    above = Signal(intbv(0)[nw:])
    remc = Signal(intbv(0)[nw:])             # m_rest - above
    need_eq = Signal(intbv(0)[nw:])
    emitted = Signal(intbv(0)[nw:])
    owed = Signal(intbv(0)[nw:])             # m_eff - emitted
    slack = Signal(intbv(0, min=-(1 << nw), max=1 << nw))   # (n_last - idx) - owed; < 0: take every index
    first = Signal(bool(0))                  # idx == 0 (emission)
    e_last = Signal(bool(0))                 # idx == n_last (emission)
    h_last = Signal(bool(0))                 # idx == n_last (histogram)
    fe_last = Signal(bool(0))                 # idx == n_last (the emission's fetch)
    ne_nz = Signal(bool(0))                  # need_eq != 0
    mr_nz = Signal(bool(0))                  # m_rest != 0
    out_valid = Signal(bool(0))
    out_idx = Signal(intbv(0)[iw:])
    out_last = Signal(bool(0))

    in_last = Signal(bool(0))
    in_val = Signal(intbv(0)[width:])
    cnt_sh = Signal(intbv(0)[iw + 1:])
    m_raw = Signal(intbv(0)[nw:])
    m_clamp = Signal(intbv(0)[nw:])
    idx_nx = Signal(modbv(0)[iw:])
    v_mem = Signal(intbv(0)[width:])
    v_rd = Signal(intbv(0)[width:])
    idx_w = Signal(intbv(0)[nw:])
    out_free = Signal(bool(0))
    insts = []

    @always_comb
    def unpack():
        in_last.next = s.data[pw]
        in_val.next = s.data[width:0]

    @always_comb
    def budget_shift():
        cnt_sh.next = s.data[cw:div_shift]

    @always_comb
    def budget():
        m_raw.next = cnt_sh + 1

    @always_comb
    def widen():
        idx_w.next = concat(intbv(0)[2:], idx)

    @always_comb
    def clamp():
        # the compares on count >> div_shift itself (m_raw - 1), beside the + 1, not after it
        if cnt_sh < min_m - 1:
            m_clamp.next = min_m
        elif cnt_sh > max_m_eff - 1:
            m_clamp.next = max_m_eff
        else:
            m_clamp.next = m_raw

    # ---------------------------------------------------------------- value memory, walks
    # idx: the load position, then the histogram walk (1 .. n - 1), then the emission's fetch
    # position (it runs FILL ahead of the decided index ``ei``)
    ei = Signal(modbv(0)[iw:])
    e_go = Signal(bool(0))                   # the emission pipeline moves (fill, or a free output)
    gt = Signal(bool(0))                     # the scanned digit's bin reaches the budget left

    # idx at the next edge (the registered read's address): idx, 0, 1 or idx + 1, the choice made
    # beside the increment, so the sum passes one 4:1 choice on its way to the memory
    I_KEEP, I_ZERO, I_ONE, I_INC = range(4)
    isel = Signal(intbv(0)[2:])
    inc = Signal(modbv(0)[iw:])

    @always_comb
    def idx_sel():
        isel.next = I_KEEP
        if rst:
            isel.next = I_ZERO
        elif state == T_FILL or state == T_EMIT:
            if e_go and not fe_last:          # the fetch stops at the last index
                isel.next = I_INC
        elif state == T_LOAD_H:
            if s.valid:
                isel.next = I_ZERO
        elif state == T_LOAD_V:
            if s.valid:
                if in_last:
                    isel.next = I_ONE
                else:
                    isel.next = I_INC
        elif state == T_HIST:
            if h_last:
                isel.next = I_ONE
            else:
                isel.next = I_INC
        elif state == T_PB:
            if (gt or dgt == 0) and pss == npass - 1:
                isel.next = I_ZERO
        elif state == T_START:
            if m_eff == 1 or n_last == 0:
                isel.next = I_ZERO

    @always_comb
    def idx_inc():
        inc.next = idx + 1

    @always_comb
    def idx_next():
        if isel == I_ZERO:
            idx_nx.next = 0
        elif isel == I_ONE:
            idx_nx.next = 1
        elif isel == I_INC:
            idx_nx.next = inc
        else:
            idx_nx.next = idx

    # the values: a registered read (block RAM / URAM) at the next index, read-first
    mem_we = Signal(bool(0))

    @always_comb
    def mem_write():
        mem_we.next = state == T_LOAD_V and s.valid

    insts.append(ram_deep(clk, mem_we, idx, in_val, idx_nx, v_mem, depth=max_n, tag="values"))

    # ---------------------------------------------------------------- histogram passes (radix_hist.py)
    # the value registered (held while the emission waits for the output), classified, decoded to a
    # one-hot bin hit, counted in its bin; a bin read ahead for the scan
    dmax = Signal(intbv(0)[hb:])
    dmx_sh = Signal(intbv(0)[width:])
    dgt_sh = Signal(intbv(0)[width:])
    clr = Signal(bool(0))
    on0 = Signal(bool(0))
    hold = Signal(bool(0))
    scan_rd = Signal(bool(0))
    ra_step = Signal(bool(0))
    h_r = Signal(intbv(0)[nw:])
    remc_n = Signal(modbv(0)[nw:])
    above_n = Signal(intbv(0)[nw:])

    @always_comb
    def scan_ctl():
        on0.next = state == T_HIST
        hold.next = state == T_EMIT and not e_go
        scan_rd.next = state == T_READ or state == T_PB
        ra_step.next = state == T_PB
        remc_n.next = remc - h_r

    insts += [radix_histogram(clk, v_mem, v_rd, hold, on0, pss, prefix, himask, clr, dgt, scan_rd, ra_step, dmax,
                              dgt_sh, dmx_sh, tuple(hist), h_r, None, None, width, hist_bits),
              _add(above, h_r, above_n)]

    @always(clk.posedge)
    def scan_cmp():
        gt.next = h_r >= remc

    @always(clk.posedge)
    def fetch_last():
        # idx == n_last for the emission's fetch position: it starts at 0 and moves by one
        if state == T_FILL or state == T_EMIT:
            if e_go and not fe_last:
                fe_last.next = idx == nl_m1
        else:
            fe_last.next = n_last == 0

    @always(clk.posedge)
    def hist_last():
        # idx == n_last for the next idx of a histogram walk (it starts at 1 a cycle after n_last is set)
        if state == T_HIST:
            if h_last:
                h_last.next = n_last == 1
            else:
                h_last.next = idx == nl_m1
        else:
            h_last.next = n_last == 1

    # ---------------------------------------------------------------- emission: fetch, register, compare, decide
    gt_e = Signal(bool(0))                   # v > prefix for the index being decided
    eq_e = Signal(bool(0))
    sel = Signal(bool(0))
    owed1 = Signal(bool(0))

    @always(clk.posedge)
    def emit_flags():
        if e_go:
            gt_e.next = v_rd > prefix
            eq_e.next = v_rd == prefix

    @always_comb
    def select():
        out_free.next = m.ready or not out_valid
        e_go.next = state == T_FILL or (state == T_EMIT and (m.ready or not out_valid))
        sel.next = slack < 0 or first or (mr_nz and (gt_e or (eq_e and ne_nz)))
        owed1.next = owed == 1

    @always_comb
    def handshakes():
        s.ready.next = state == T_LOAD_H or state == T_LOAD_V
        m.valid.next = out_valid
        m.data.next = concat(out_last, out_idx)
        clr.next = state == T_START or (state == T_PB and (gt or dgt == 0))

    fcnt = Signal(intbv(0, min=0, max=FILL + 1))
    sl_init = Signal(intbv(0, min=-(1 << nw), max=1 << nw))

    nl_x = Signal(intbv(0)[nw:])
    insts.append(zext(n_last, nl_x))

    @always_comb
    def slack0():
        sl_init.next = nl_x - m_eff

    @always_seq(clk.posedge, reset=rst)
    def control():
        idx.next = idx_nx
        if m.ready:
            out_valid.next = False
        if state == T_LOAD_H:
            if s.valid:
                m_eff.next = m_clamp
                state.next = T_LOAD_V
        elif state == T_LOAD_V:
            if s.valid:
                if in_last:
                    n_last.next = idx
                    nl_m1.next = idx - 1
                    nl_p1.next = idx_w + 1
                    prefix.next = 0
                    himask.next = 0
                    above.next = 0
                    pss.next = 0
                    state.next = T_START
        elif state == T_START:
            # the budget cut by n: min(m, n) (m_eff = 1 or n = 1 leaves one index, the forced 0)
            if m_eff > nl_p1:
                m_eff.next = nl_p1
                m_rest.next = nl_x
                remc.next = nl_x
            else:
                m_rest.next = m_eff - 1
                remc.next = m_eff - 1
            need_eq.next = 0
            fcnt.next = 0
            if m_eff == 1 or n_last == 0:
                state.next = T_FILL
            else:
                state.next = T_HIST
        elif state == T_HIST:
            if h_last:
                state.next = T_DRAIN
        elif state == T_DRAIN:
            dgt.next = dmax
            state.next = T_DRAIN2
        elif state == T_DRAIN2:
            state.next = T_DRAIN3
        elif state == T_DRAIN3:
            state.next = T_READ
        elif state == T_READ:
            state.next = T_PA
        elif state == T_PA:
            state.next = T_PB
        elif state == T_PB:
            if gt or dgt == 0:
                prefix.next = prefix | dgt_sh
                himask.next = himask | dmx_sh
                if pss == npass - 1:
                    need_eq.next = remc
                    fcnt.next = 0
                    state.next = T_FILL
                else:
                    pss.next = pss + 1
                    state.next = T_HIST
            else:
                above.next = above_n
                remc.next = remc_n
                dgt.next = dgt - 1
                state.next = T_PA
        elif state == T_FILL:
            # index 0 at the decision FILL edges after its fetch
            ei.next = 0
            emitted.next = 0
            owed.next = m_eff
            slack.next = sl_init
            first.next = True
            e_last.next = n_last == 0
            ne_nz.next = need_eq != 0
            mr_nz.next = m_rest != 0
            fcnt.next = fcnt + 1
            if fcnt == FILL - 1:
                state.next = T_EMIT
        elif state == T_EMIT:
            if out_free:
                ei.next = ei + 1
                first.next = False
                e_last.next = ei == nl_m1
                if sel:
                    out_valid.next = True
                    out_idx.next = ei
                    out_last.next = owed1
                    emitted.next = emitted + 1
                    owed.next = owed - 1
                    if not first and not gt_e:
                        need_eq.next = need_eq - 1
                        ne_nz.next = need_eq != 1
                    if owed1:
                        state.next = T_DONE
                else:
                    slack.next = slack - 1
                if e_last:
                    state.next = T_DONE
        else:   # T_DONE (MyHDL converts the chain to a case: the last state is its default)
            if not out_valid:
                state.next = T_LOAD_H

    return (insts, unpack, budget_shift, budget, widen, clamp, idx_sel, idx_inc, idx_next, mem_write, scan_ctl, scan_cmp,
            fetch_last, hist_last, emit_flags, select, handshakes, slack0, control)
