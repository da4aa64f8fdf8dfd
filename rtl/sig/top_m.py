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

from myhdl import Signal, always, always_comb, always_seq, block, concat, intbv, modbv

from ..common.params import int_checker
from ..common.widths import index_width

T_LOAD_H, T_LOAD_V, T_HIST, T_PICK, T_EMIT, T_DONE = range(6)


def top_m_widths(max_n: int, width: int, div_shift: int) -> tuple[int, int, int]:
    iw = index_width(max_n)
    cw = iw + 1 + div_shift
    return iw, cw, max(width, cw)


_check = int_checker("sig_top_m")


@block
def sig_top_m(clk, rst, s_valid, s_ready, s_data, m_valid, m_ready, m_data, max_n=8, width=8, hist_bits=4,
              div_shift=0, min_m=1, max_m=8):
    _check("max_n", max_n, 2, 1 << 20)
    _check("width", width, 1, 48)
    _check("hist_bits", hist_bits, 1, 8)
    _check("div_shift", div_shift, 0, 16)
    _check("min_m", min_m, 1, max_n)
    _check("max_m", max_m, min_m, 1 << 31)
    iw, cw, pw = top_m_widths(max_n, width, div_shift)
    for name, sig, w in (("s_data", s_data, pw + 1), ("m_data", m_data, iw + 1)):
        if len(sig) != w:
            raise ValueError(f"sig_top_m field '{name}' width = {len(sig)} is not allowed: must be {w}")
    npass = -(-width // hist_bits)
    lo_t = tuple(max(width - (p + 1) * hist_bits, 0) for p in range(npass))
    top_t = tuple(width - p * hist_bits for p in range(npass))
    dmax_t = tuple((1 << (top_t[p] - lo_t[p])) - 1 for p in range(npass))
    hb = min(hist_bits, width)
    nbins = 1 << hb
    nw = iw + 2  # every count, budget and sum: up to 2 max_n
    max_m_eff = min(max_m, max_n)

    mem = [Signal(intbv(0)[width:]) for _ in range(max_n)]
    hist = [Signal(intbv(0)[nw:]) for _ in range(nbins)]

    state = Signal(intbv(T_LOAD_H, min=0, max=8))
    n_last = Signal(intbv(0)[iw:])           # n - 1
    m_eff = Signal(intbv(1)[nw:])
    m_rest = Signal(intbv(0)[nw:])
    idx = Signal(modbv(0)[iw:])
    pss = Signal(intbv(0, min=0, max=npass + 1))
    dgt = Signal(intbv(0)[hb:])
    prefix = Signal(intbv(0)[width:])
    above = Signal(intbv(0)[nw:])
    need_eq = Signal(intbv(0)[nw:])
    emitted = Signal(intbv(0)[nw:])
    idx_w = Signal(intbv(0)[nw:])
    out_valid = Signal(bool(0))
    out_idx = Signal(intbv(0)[iw:])
    out_last = Signal(bool(0))

    in_last = Signal(bool(0))
    in_val = Signal(intbv(0)[width:])
    cnt_sh = Signal(intbv(0)[iw + 1:])
    m_raw = Signal(intbv(0)[nw:])
    m_clamp = Signal(intbv(0)[nw:])
    v_rd = Signal(intbv(0)[width:])
    idx_nx = Signal(modbv(0)[iw:])
    v_mem = Signal(intbv(0)[width:])
    byp_hit = Signal(bool(0))
    byp_val = Signal(intbv(0)[width:])
    lo_b = Signal(intbv(0, min=0, max=width + 1))
    top_b = Signal(intbv(0, min=0, max=width + 1))
    dmax = Signal(intbv(0)[hb:])
    nbits_b = Signal(intbv(0, min=0, max=width + 1))
    v_sh = Signal(intbv(0)[width:])
    dgt_w = Signal(intbv(0)[width:])
    dgt_sh = Signal(intbv(0)[width:])
    cand = Signal(bool(0))
    digit = Signal(intbv(0)[hb:])
    hsel = Signal(intbv(0)[nw:])
    sum_ab = Signal(intbv(0)[nw:])
    sel = Signal(bool(0))
    must = Signal(bool(0))
    need_l = Signal(intbv(0)[nw:])
    need_r = Signal(intbv(0)[nw:])
    nlast_w = Signal(intbv(0)[nw:])
    out_free = Signal(bool(0))

    @always_comb
    def unpack():
        in_last.next = s_data[pw]
        in_val.next = s_data[width:0]

    @always_comb
    def budget_shift():
        cnt_sh.next = s_data[cw:div_shift]

    @always_comb
    def budget():
        m_raw.next = cnt_sh + 1

    if width > hb:
        @always_comb
        def widen_dgt():
            dgt_w.next = concat(intbv(0)[width - hb:], dgt)
    else:
        @always_comb
        def widen_dgt():
            dgt_w.next = dgt

    @always_comb
    def widen():
        idx_w.next = concat(intbv(0)[2:], idx)

    @always_comb
    def clamp():
        if m_raw < min_m:
            m_clamp.next = min_m
        elif m_raw > max_m_eff:
            m_clamp.next = max_m_eff
        else:
            m_clamp.next = m_raw

    dmax_w = tuple(int(x) for x in dmax_t)
    nb_t = tuple(top_t[p] - lo_t[p] for p in range(npass))

    @always_comb
    def tables():
        lo_b.next = lo_t[pss if pss < npass else 0]
        top_b.next = top_t[pss if pss < npass else 0]
        dmax.next = dmax_w[pss if pss < npass else 0]
        nbits_b.next = nb_t[pss if pss < npass else 0]

    @always_comb
    def idx_next():
        # the value ``idx`` takes at the next edge: the address of the registered value read
        idx_nx.next = idx
        if rst:
            idx_nx.next = 0
        elif state == T_LOAD_H:
            if s_valid:
                idx_nx.next = 0
        elif state == T_LOAD_V:
            if s_valid:
                if in_last:
                    if m_eff == 1 or idx == 0:
                        idx_nx.next = 0
                    else:
                        idx_nx.next = 1
                else:
                    idx_nx.next = idx + 1
        elif state == T_HIST:
            if idx != n_last:
                idx_nx.next = idx + 1
        elif state == T_PICK:
            if sum_ab >= m_rest or dgt == 0:
                if pss == npass - 1:
                    idx_nx.next = 0
                else:
                    idx_nx.next = 1
        elif state == T_EMIT:
            if out_free:
                idx_nx.next = idx + 1

    @always(clk.posedge)
    def read_mem():
        # registered read (block RAM) of the value at the next index; read-first
        v_mem.next = mem[idx_nx]

    @always(clk.posedge)
    def read_bypass():
        # a value written at the same edge to the address being read is forwarded
        byp_hit.next = state == T_LOAD_V and s_valid and idx == idx_nx
        byp_val.next = in_val

    @always_comb
    def read_port():
        v_rd.next = byp_val if byp_hit else v_mem

    @always_comb
    def classify():
        v_sh.next = v_rd >> lo_b

    @always_comb
    def classify2():
        cand.next = (v_sh >> nbits_b) == (prefix >> top_b)
        digit.next = v_sh[hb:] & dmax
        dgt_sh.next = dgt_w << lo_b
        hsel.next = hist[dgt]

    @always_comb
    def accum():
        sum_ab.next = above + hsel

    @always_comb
    def remaining():
        nlast_w.next = concat(intbv(0)[2:], n_last)

    @always_comb
    def remaining2():
        need_l.next = m_eff + idx_w
        need_r.next = emitted + nlast_w

    @always_comb
    def guard():
        must.next = need_l > need_r

    @always_comb
    def select():
        sel.next = must or idx == 0 or (m_rest != 0 and (v_rd > prefix or (v_rd == prefix and need_eq != 0)))

    @always_comb
    def handshakes():
        out_free.next = m_ready or not out_valid
        s_ready.next = state == T_LOAD_H or state == T_LOAD_V
        m_valid.next = out_valid
        m_data.next = concat(out_last, out_idx)

    @always(clk.posedge)
    def mem_write():
        if state == T_LOAD_V and s_valid:
            mem[idx].next = in_val

    @always_seq(clk.posedge, reset=rst)
    def control():
        idx.next = idx_nx
        if m_ready:
            out_valid.next = False
        if state == T_LOAD_H:
            if s_valid:
                m_eff.next = m_clamp
                state.next = T_LOAD_V
        elif state == T_LOAD_V:
            if s_valid:
                if in_last:
                    n_last.next = idx
                    if m_eff > idx_w + 1:
                        m_eff.next = idx_w + 1
                        m_rest.next = idx_w
                    else:
                        m_rest.next = m_eff - 1
                    prefix.next = 0
                    above.next = 0
                    pss.next = 0
                    for b in range(nbins):
                        hist[b].next = 0
                    if m_eff == 1 or idx == 0:
                        emitted.next = 0
                        state.next = T_EMIT
                    else:
                        state.next = T_HIST
        elif state == T_HIST:
            if cand:
                hist[digit].next = hist[digit] + 1
            if idx == n_last:
                dgt.next = dmax
                state.next = T_PICK
        elif state == T_PICK:
            if sum_ab >= m_rest or dgt == 0:
                prefix.next = prefix | dgt_sh
                for b in range(nbins):
                    hist[b].next = 0
                if pss == npass - 1:
                    need_eq.next = m_rest - above
                    emitted.next = 0
                    state.next = T_EMIT
                else:
                    pss.next = pss + 1
                    state.next = T_HIST
            else:
                above.next = sum_ab
                dgt.next = dgt - 1
        elif state == T_EMIT:
            if out_free:
                if sel:
                    out_valid.next = True
                    out_idx.next = idx
                    out_last.next = emitted + 1 == m_eff
                    emitted.next = emitted + 1
                    if idx != 0 and not v_rd > prefix:
                        need_eq.next = need_eq - 1
                    if emitted + 1 == m_eff:
                        state.next = T_DONE
                if idx == n_last:
                    state.next = T_DONE
        elif state == T_DONE:
            if not out_valid:
                state.next = T_LOAD_H

    return unpack, budget_shift, budget, widen, widen_dgt, clamp, tables, idx_next, read_mem, read_bypass, read_port, classify, classify2, accum, remaining, remaining2, guard, select, handshakes, mem_write, control
