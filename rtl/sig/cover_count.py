"""SIG coverage count: least k whose k largest values sum to more than a target, without a sort.

Computes the golden model's ``cover_count(values, target, cfg, width)`` (the reference's
``score_cover_topk``): ``n + 1`` when ``sum(values) <= target``; otherwise the radix/histogram
threshold search of ``radix_threshold`` (``P = ceil(width / hist_bits)`` passes over the values;
each pass histograms count and sum of the values still matching the prefix, per digit, then scans
digits high to low and fixes the digit where the running sum first exceeds the target), giving
``t``, ``count(> t)``, ``sum(> t)``, and ``k = count(> t) + (target - sum(> t)) // t + 1`` (a
bit-serial restoring division).

Ports (``IW = bits(max_n - 1)``, ``TW = sum_width``: width of the target and of every sum):

* ``s`` (``max(width, TW) + 1`` bits): ``{last, payload}``: a header beat (payload = ``target``),
  then ``n <= max_n`` value beats (``width`` bits), ``last`` on the final value.
* ``m`` (``IW + 2`` bits): one beat per vector, the count ``k`` (``1 .. n + 1``).

Cycles per vector: ``1 + n`` (load, also sums) ``+ P (n + 2^hist_bits)`` at most (passes)
``+ IW + 2`` (division) ``+ 1``; ``1 + n + 1`` when the total does not exceed the target.

Memories: the values, ``max_n x width`` (registered read, no reset: block RAM; the address is
the index the FSM moves to at that edge, ``idx_nx``, and a write at the same edge to that address
is forwarded, so the cycle behaviour equals an asynchronous read); ``2^hist_bits`` count and
``2^hist_bits`` sum registers.
"""

from __future__ import annotations

from myhdl import Signal, always, always_comb, always_seq, block, concat, intbv, modbv

from ..common.params import int_checker
from ..common.widths import index_width

C_LOAD_H, C_LOAD_V, C_HIST, C_PICK, C_DIV, C_FIN, C_OUT = range(7)


@block
def _zext(dst, src):
    """``dst = src`` zero-extended (explicit concatenation, so every operand has the result width)."""
    pad = len(dst) - len(src)
    if pad > 0:
        @always_comb
        def ext():
            dst.next = concat(intbv(0)[pad:], src)
    else:
        @always_comb
        def ext():
            dst.next = src
    return ext


def cover_count_widths(max_n: int, width: int, sum_width: int) -> tuple[int, int]:
    iw = index_width(max_n)
    return iw, max(width, sum_width)


_check = int_checker("sig_cover_count")


@block
def sig_cover_count(clk, rst, s_valid, s_ready, s_data, m_valid, m_ready, m_data, max_n=8, width=8,
                    hist_bits=4, sum_width=11):
    _check("max_n", max_n, 2, 1 << 20)
    _check("width", width, 1, 48)
    _check("hist_bits", hist_bits, 1, 8)
    iw, pw = cover_count_widths(max_n, width, sum_width)
    _check("sum_width", sum_width, width + iw, 64)
    for name, sig, w in (("s_data", s_data, pw + 1), ("m_data", m_data, iw + 2)):
        if len(sig) != w:
            raise ValueError(f"sig_cover_count field '{name}' width = {len(sig)} is not allowed: must be {w}")
    tw = sum_width
    hb = min(hist_bits, width)
    nbins = 1 << hb
    npass = -(-width // hist_bits)
    lo_t = tuple(max(width - (p + 1) * hist_bits, 0) for p in range(npass))
    top_t = tuple(width - p * hist_bits for p in range(npass))
    nb_t = tuple(top_t[p] - lo_t[p] for p in range(npass))
    dmax_t = tuple((1 << nb_t[p]) - 1 for p in range(npass))
    cw = iw + 2   # counts up to max_n + 1
    qw = iw + 2   # quotient bits of the final division
    dw = max(width + qw, tw)

    mem = [Signal(intbv(0)[width:]) for _ in range(max_n)]
    hc = [Signal(intbv(0)[cw:]) for _ in range(nbins)]
    hs = [Signal(intbv(0)[tw:]) for _ in range(nbins)]

    state = Signal(intbv(C_LOAD_H, min=0, max=8))
    target = Signal(intbv(0)[tw:])
    total = Signal(intbv(0)[tw:])
    idx = Signal(modbv(0)[iw:])
    n_last = Signal(intbv(0)[iw:])
    pss = Signal(intbv(0, min=0, max=npass + 1))
    dgt = Signal(intbv(0)[hb:])
    prefix = Signal(intbv(0)[width:])
    above_s = Signal(intbv(0)[tw:])
    above_c = Signal(intbv(0)[cw:])
    rem = Signal(intbv(0)[tw:])
    quo = Signal(intbv(0)[qw:])
    qbit = Signal(intbv(0, min=0, max=qw))
    ge = Signal(bool(0))
    in_w = Signal(intbv(0)[tw:])
    out_valid = Signal(bool(0))
    out_data = Signal(intbv(0)[cw:])

    in_last = Signal(bool(0))
    in_val = Signal(intbv(0)[width:])
    in_tgt = Signal(intbv(0)[tw:])
    v_rd = Signal(intbv(0)[width:])
    idx_nx = Signal(modbv(0)[iw:])
    v_mem = Signal(intbv(0)[width:])
    byp_hit = Signal(bool(0))
    byp_val = Signal(intbv(0)[width:])
    v_w = Signal(intbv(0)[tw:])
    lo_b = Signal(intbv(0, min=0, max=width + 1))
    top_b = Signal(intbv(0, min=0, max=width + 1))
    nbits_b = Signal(intbv(0, min=0, max=width + 1))
    dmax = Signal(intbv(0)[hb:])
    v_sh = Signal(intbv(0)[width:])
    cand = Signal(bool(0))
    digit = Signal(intbv(0)[hb:])
    dgt_w = Signal(intbv(0)[width:])
    dgt_sh = Signal(intbv(0)[width:])
    hs_sel = Signal(intbv(0)[tw:])
    hc_sel = Signal(intbv(0)[cw:])
    run_s = Signal(intbv(0)[tw + 1:])
    tgt_w = Signal(intbv(0)[tw + 1:])
    t_w = Signal(intbv(0)[dw:])
    t_sh = Signal(intbv(0)[dw:])
    rem_w = Signal(intbv(0)[dw:])
    cnt_w = Signal(intbv(0)[cw:])
    quo_w = Signal(intbv(0)[cw:])
    result = Signal(intbv(0)[cw:])
    n_w = Signal(intbv(0)[cw:])

    @always_comb
    def unpack():
        in_last.next = s_data[pw]
        in_val.next = s_data[width:0]
        in_tgt.next = s_data[tw:0]

    @always_comb
    def tables():
        lo_b.next = lo_t[pss if pss < npass else 0]
        top_b.next = top_t[pss if pss < npass else 0]
        nbits_b.next = nb_t[pss if pss < npass else 0]
        dmax.next = dmax_t[pss if pss < npass else 0]

    @always_comb
    def idx_next():
        # the value ``idx`` takes at the next edge: the address of the registered value read
        idx_nx.next = idx
        if rst:
            idx_nx.next = 0
        elif state == C_LOAD_H:
            if s_valid:
                idx_nx.next = 0
        elif state == C_LOAD_V:
            if s_valid:
                if in_last:
                    idx_nx.next = 0
                else:
                    idx_nx.next = idx + 1
        elif state == C_HIST:
            if not total <= target:
                if idx == n_last:
                    idx_nx.next = 0
                else:
                    idx_nx.next = idx + 1

    @always(clk.posedge)
    def read_mem():
        # registered read (block RAM) of the value at the next index; read-first
        v_mem.next = mem[idx_nx]

    @always(clk.posedge)
    def read_bypass():
        # a value written at the same edge to the address being read is forwarded
        byp_hit.next = state == C_LOAD_V and s_valid and idx == idx_nx
        byp_val.next = in_val

    @always_comb
    def read_port():
        v_rd.next = byp_val if byp_hit else v_mem
        hs_sel.next = hs[dgt]
        hc_sel.next = hc[dgt]

    widen = [_zext(v_w, v_rd), _zext(in_w, in_val), _zext(quo_w, quo), _zext(n_w, n_last), _zext(rem_w, rem),
             _zext(t_w, prefix), _zext(tgt_w, target), _zext(dgt_w, dgt)]

    @always_comb
    def classify():
        v_sh.next = v_rd >> lo_b
        dgt_sh.next = dgt_w << lo_b
        run_s.next = above_s + hs_sel
        t_sh.next = t_w << qbit

    @always_comb
    def compare():
        ge.next = t_sh <= rem_w

    @always_comb
    def classify2():
        cand.next = (v_sh >> nbits_b) == (prefix >> top_b)
        digit.next = v_sh[hb:] & dmax

    @always_comb
    def finish():
        result.next = above_c + quo_w + 1

    @always_comb
    def handshakes():
        s_ready.next = state == C_LOAD_H or state == C_LOAD_V
        m_valid.next = out_valid
        m_data.next = out_data

    @always(clk.posedge)
    def mem_write():
        if state == C_LOAD_V and s_valid:
            mem[idx].next = in_val

    @always_seq(clk.posedge, reset=rst)
    def control():
        idx.next = idx_nx
        if state == C_LOAD_H:
            if s_valid:
                target.next = in_tgt
                total.next = 0
                state.next = C_LOAD_V
        elif state == C_LOAD_V:
            if s_valid:
                total.next = total + in_w
                if in_last:
                    n_last.next = idx
                    pss.next = 0
                    prefix.next = 0
                    above_s.next = 0
                    above_c.next = 0
                    for b in range(nbins):
                        hc[b].next = 0
                        hs[b].next = 0
                    state.next = C_HIST
        elif state == C_HIST:
            if total <= target:
                out_valid.next = True
                out_data.next = n_w + 2
                state.next = C_OUT
            else:
                if cand:
                    hc[digit].next = hc[digit] + 1
                    hs[digit].next = hs[digit] + v_w
                if idx == n_last:
                    dgt.next = dmax
                    state.next = C_PICK
        elif state == C_PICK:
            if run_s > tgt_w or dgt == 0:
                prefix.next = prefix | dgt_sh
                for b in range(nbins):
                    hc[b].next = 0
                    hs[b].next = 0
                if pss == npass - 1:
                    rem.next = target - above_s
                    quo.next = 0
                    qbit.next = qw - 1
                    state.next = C_DIV
                else:
                    pss.next = pss + 1
                    state.next = C_HIST
            else:
                above_s.next = run_s[tw:]
                above_c.next = above_c + hc_sel
                dgt.next = dgt - 1
        elif state == C_DIV:
            # restoring division, one quotient bit per cycle, most significant first
            quo.next = concat(quo[qw - 1:0], ge)
            if ge:
                rem.next = rem - t_sh[tw:]
            if qbit == 0:
                state.next = C_FIN
            else:
                qbit.next = qbit - 1
        elif state == C_FIN:
            out_valid.next = True
            out_data.next = result
            state.next = C_OUT
        elif state == C_OUT:
            if m_ready:
                out_valid.next = False
                state.next = C_LOAD_H

    return (unpack, tables, idx_next, read_mem, read_bypass, read_port, widen, classify, compare, classify2, finish, handshakes, mem_write,
            control)
