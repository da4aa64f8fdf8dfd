"""SIG query-aware pooled block selection: ``pooled_selection_fixed`` for N a multiple of B.

Computes, bit for bit, the golden ``pooled_selection_fixed`` (one count class: every block has B
rows, so every logit uses the probe's multiplier with ``shift + 2 log2 B``):

* ``x[r][c] = logits(qsum[r] . ksum[c], mult, shift + 2 log2 B)`` for the causal entries
  ``c <= r`` of the ``nb x nb`` block matrix;
* per row the causal softmax ``p[r][c]`` (UQ1.A: max, ``E(m - x)``, exp-sum, reciprocal
  ``floor(2^(P+R) / l)`` by non-restoring division, ``rsr(E * inv, P + R - A)``; the exps are
  computed once, summed and kept in a row memory for the probabilities);
* ``count = cover_count(p, (gamma * nb << A) >> GF)`` over the causal probabilities (an instance
  of ``sig_cover_count``; the masked zeros of the golden's ``nb^2`` vector change nothing, and
  ``count <= #causal + 1`` so ``keep = min(max(count - 1, 0), #causal) = count - 1``);
* the ``keep`` largest causal probabilities, ties lowest flat index first (an instance of
  ``sig_top_m`` fed a forced dummy index 0 followed by the causal probabilities in flat order,
  with budget ``keep + 1``: its top-m with index 0 forced is exactly the golden's top ``keep``);
* the selected entries' ``(row, col)`` in ascending flat order ``row * nb + col``, then an end beat.

Ports (``IW = bits(max_blocks - 1)``, ``lb = log2 B``, ``MB = mult_bits``, ``GF = gamma_frac``):

* ``s_hdr`` (``IW + 6 + MB + GF + 1`` bits): ``{gamma_fx[GF+1], mult[MB], shift[6], nb_last[IW]}``
  (``gamma_fx = round(gamma 2^GF)``, UQ1.GF; ``mult, shift``: the probe's score multiplier).
* ``s_k`` (``D (8 + lb)`` bits, ``sig_block_sum`` beats): the nb key block sums, after the header.
* ``s_q`` (same format): the nb query block sums, **twice** (one row per beat, in row order: once
  for the coverage count, once for the selection; the probabilities are recomputed instead of
  stored, so no ``nb^2`` memory of this block's own).
* ``m`` (``2 IW + 1`` bits): ``sig_list_builder``'s ``s_extra`` format: ``{end=0, row, col}`` per
  selected entry, flat index strictly ascending, every ``col <= row``; then ``{end=1, 0, 0}``.

Cycles per head (``T = nb (nb + 1) / 2`` causal entries): two passes of ``3 T + nb (R + 5 + L)``
(logits, exp-sum, probabilities, one cycle per entry; per row the reciprocal, the row start, the
drain of the ``L = ceil(log2 D) + 6``-stage logit pipeline, ``rtl/sig/logit_pipe.py``, and of the
3-stage exp pipeline: ``z`` registered, then ``exp2_pipe``), plus the
coverage count's search (``<= 2 + T + P_c (T + 2^h) + IW_c + 3``) and the top-m search and
emission (``<= 1 + T + P_t (T + 2^h) + T``), plus the output walk (one cycle per causal entry
passed) and stalls.

Memories (registered reads at the next column ``c_nx`` with a write bypass, so the cycles equal
an asynchronous read; no reset): key block sums ``max_blocks x D (8 + lb)``, one row of logits
``max_blocks x logit_bits``, one row of exps ``max_blocks x (P + 1)``; inside ``sig_cover_count`` and ``sig_top_m`` one copy each of the causal
probabilities, ``T_max = max_blocks (max_blocks + 1) / 2`` entries of ``A + 2`` bits (at the U280
preset, 524,800 x 18 bits each: 128 URAM288 per copy at one entry per 72-bit row, 32 when four
entries share a row; see docs/sig.md).
"""

from __future__ import annotations

from myhdl import Signal, always, always_comb, always_seq, block, concat, enum, intbv, modbv

from ..common.carry_select import carry_select_add
from ..common.long_division import long_division
from ..common.params import int_checker
from ..common.ram import ram_deep
from ..common.ram_bypass import ram_bypass
from ..common.signed import extend, ssig, umul, usig, zext
from ..common.widths import index_width
from ..stream.interface import Stream
from .cover_count import cover_count_widths, sig_cover_count
from .decision import check_common, check_widths
from .exp2_pipe import EXP2_LATENCY, exp2_pipe
from .logit_pipe import logit_latency, logit_pipe
from .pipe_parts import _delay_chain, _increment, delay_taps
from .top_m import sig_top_m, top_m_widths

# the control states, in order (binary codes 0 .. 12: the proof's invariants name them by number)
SelectState = enum("S_HDR", "S_K", "S_TGT", "S_ROWQ", "S_X", "S_E", "S_RECIP", "S_P", "S_CNT", "S_THDR", "S_TDUM",
                   "S_WAIT", "S_XW")
(S_HDR, S_K, S_TGT, S_ROWQ, S_X, S_E, S_RECIP, S_P, S_CNT, S_THDR, S_TDUM, S_WAIT, S_XW) = (getattr(SelectState, name) for name in SelectState._names)


def cover_count_size(nc: int) -> int:
    """``max_n`` of the inner ``sig_cover_count`` for ``nc`` entries (the callers pass one spare
    entry: the count and top-m blocks read their value memory one index past a full vector, which
    the MyHDL model refuses when ``max_n`` is not a power of two): ``nc``, except where ``bits(nc - 1) + 2`` is a
    power of two (there the count block's division counter lints with a WIDTH warning:
    ``qbit <= (qw - 1)`` with a ``log2 qw``-bit ``qbit``), then the next size with one more index bit."""
    iw = max(1, (nc - 1).bit_length())
    qw = iw + 2
    return nc if qw & (qw - 1) else (1 << iw) + 1


def pooled_select_widths(block_size, head_dim, max_blocks, mult_bits, acc_frac, gamma_frac, hist_bits=4) -> dict:
    lb = block_size.bit_length() - 1
    iw = index_width(max_blocks)
    nc = max_blocks * (max_blocks + 1) // 2
    vw = acc_frac + 2
    cc_n = cover_count_size(nc + 1)
    cc_iw = max(1, (cc_n - 1).bit_length())
    sw = max(vw + cc_iw, acc_frac + 2 + max_blocks.bit_length())
    _, cc_pw = cover_count_widths(cc_n, vw, sw)
    tm_iw, tm_cw, tm_pw = top_m_widths(nc + 2, vw, 0)
    return {"iw": iw, "nc": nc, "cc_n": cc_n, "vw": vw, "hdr": iw + 6 + mult_bits + gamma_frac + 1, "bsum": head_dim * (8 + lb),
            "out": 2 * iw + 1, "cc_iw": cc_iw, "cc_sw": sw, "cc_in": cc_pw + 1, "cc_out": cc_iw + 2,
            "tm_iw": tm_iw, "tm_cw": tm_cw, "tm_in": tm_pw + 1, "tm_out": tm_iw + 1}


@block
def sig_pooled_select(clk, rst, s_hdr, s_k, s_q, m, block_size=4, head_dim=2, max_blocks=8,
                      mult_bits=16, logit_frac=8, logit_bits=24, exp_lut_bits=8, prob_frac=15, recip_frac=16,
                      acc_frac=16, gamma_frac=16, hist_bits=4):
    check_common("sig_pooled_select", block_size, head_dim, max_blocks, mult_bits, logit_frac, logit_bits,
                 exp_lut_bits, prob_frac, recip_frac, acc_frac)
    _check = int_checker("sig_pooled_select")
    _check("gamma_frac", gamma_frac, 4, 20)
    _check("hist_bits", hist_bits, 1, 8)
    w = pooled_select_widths(block_size, head_dim, max_blocks, mult_bits, acc_frac, gamma_frac, hist_bits)
    check_widths("sig_pooled_select", (("s_hdr_data", s_hdr.data, w["hdr"]), ("s_k_data", s_k.data, w["bsum"]),
                                       ("s_q_data", s_q.data, w["bsum"]), ("m_data", m.data, w["out"])))
    lb = block_size.bit_length() - 1
    IW, NC, VW = w["iw"], w["nc"], w["vw"]
    LW, LF, P, R, A, GF = logit_bits, logit_frac, prob_frac, recip_frac, acc_frac, gamma_frac
    SH = P + R - A
    LSW = P + 1 + max_blocks.bit_length()
    TIW, TCW = w["tm_iw"], w["tm_cw"]
    CCW = w["cc_iw"] + 2
    SW = w["cc_sw"]
    GW = GF + 1 + IW + 1

    # ---------------------------------------------------------------- sub-blocks
    cc_s_valid, cc_s_ready = Signal(bool(0)), Signal(bool(0))
    cc_s_data = usig(w["cc_in"])
    cc_m_valid, cc_m_ready = Signal(bool(0)), Signal(bool(0))
    cc_m_data = usig(w["cc_out"])
    tm_s_valid, tm_s_ready = Signal(bool(0)), Signal(bool(0))
    tm_s_data = usig(w["tm_in"])
    tm_m_valid, tm_m_ready = Signal(bool(0)), Signal(bool(0))
    tm_m_data = usig(w["tm_out"])
    insts = [
        sig_cover_count(clk, rst, Stream.of(cc_s_valid, cc_s_ready, cc_s_data),
                        Stream.of(cc_m_valid, cc_m_ready, cc_m_data), max_n=w["cc_n"], width=VW, hist_bits=hist_bits,
                        sum_width=SW),
        sig_top_m(clk, rst, Stream.of(tm_s_valid, tm_s_ready, tm_s_data), Stream.of(tm_m_valid, tm_m_ready, tm_m_data),
                  max_n=NC + 2, width=VW, hist_bits=hist_bits, div_shift=0, min_m=1, max_m=NC + 1),
    ]

    # ---------------------------------------------------------------- state
    state = Signal(S_HDR)
    ps = Signal(bool(0))
    nbl = usig(IW)
    mult = usig(mult_bits)
    shift = usig(6)
    gam = usig(GF + 1)
    qreg = usig(w["bsum"])
    r = Signal(modbv(0)[IW:])
    c = Signal(modbv(0)[IW:])
    mx = ssig(LW)
    lsum = usig(LSW)
    rbit = Signal(intbv(0, min=0, max=R + 1))
    RW2 = LSW + 2
    rquo = usig(R)
    inv = usig(R + 1)
    keep = usig(TCW)
    # output stage: cursor over the causal entries (index 0 = before the first, the dummy)
    crow = usig(IW)
    ccol = usig(IW)
    cti = usig(TIW)
    cti1 = usig(TIW, 1)              # cti + 1, a register of its own (reset value 1)
    at_end = Signal(bool(0))         # not pre, crow == nbl and ccol == crow: a register of its own
    pre = Signal(bool(1))
    mp_end = Signal(bool(0))
    mp_done = Signal(bool(0))
    out_valid = Signal(bool(0))
    out_data = usig(2 * IW + 1)

    # ---------------------------------------------------------------- logits of (q row, key block c)
    sh7 = usig(7)
    shz = usig(7)
    x = ssig(LW)
    kr = usig(w["bsum"])
    insts += [zext(shift, shz), logit_pipe(clk, qreg, kr, mult, sh7, x, head_dim, 8 + lb, mult_bits, LF, LW)]
    # the logits leave the pipeline LK edges after their issue: kv[k], a logit is k edges along;
    # wc, the column of the logit at x; wfirst, it is the row's first
    LK = logit_latency(head_dim)
    kv = Signal(intbv(0)[LK:])
    k_in = Signal(bool(0))
    wc = Signal(modbv(0)[IW:])
    wfirst = Signal(bool(0))

    @always_comb
    def shift_total():
        sh7.next = shz + (2 * lb)

    # registered reads (block RAM) at the column of the next cycle, ``c_nx``, with a registered
    # bypass of a write to that address at the same edge (read-first memories): ``kr``/``xr`` equal
    # an asynchronous read at ``c`` on every cycle
    xr = ssig(LW)
    c_nx = Signal(modbv(0)[IW:])
    eq = usig(P + 1)                 # emem at c (written in S_E, read in S_P: no bypass needed)
    nb_is1 = Signal(bool(0))         # nb = 1
    r0 = Signal(bool(1))             # r = 0 (r's reset value)
    # declared before c_next reads it: an always_comb infers its inputs when it is defined, and a
    # signal bound later is left out of its sensitivity (MyHDL would not re-evaluate on it, and the
    # converted always block would be incomplete)
    v_ready = Signal(bool(0))
    eis = Signal(bool(0))            # S_E: columns still to issue into the exp pipeline

    @always_comb
    def c_next():
        c_nx.next = c
        if rst:
            c_nx.next = 0
        elif state == S_HDR:
            if s_hdr.valid:
                c_nx.next = 0
        elif state == S_K:
            if s_k.valid:
                if c == nbl:
                    c_nx.next = 0
                else:
                    c_nx.next = c + 1
        elif state == S_ROWQ:
            if s_q.valid:
                c_nx.next = 0
        elif state == S_X or (state == S_E and eis) or (state == S_P and v_ready):
            if c == r:
                c_nx.next = 0
            else:
                c_nx.next = c + 1

    k_we, x_we, khit, xhit = (Signal(bool(0)) for _ in range(4))

    @always_comb
    def mem_ports():
        k_we.next = state == S_K and s_k.valid
        x_we.next = kv[LK - 1]                 # a logit leaves the pipeline, for column wc
        # c_nx equals c while a write is made only when the walk wraps to 0 at 0: nb = 1 (key sums)
        # or row 0 (logits)
        khit.next = state == S_K and s_k.valid and nb_is1
        xhit.next = kv[LK - 1] and r0

    insts += [ram_bypass(clk, k_we, c, s_k.data, c_nx, khit, kr, tag="kmem"),
              ram_bypass(clk, x_we, wc, x, c_nx, xhit, xr, tag="xmem")]

    # ---------------------------------------------------------------- exp, exp-sum, reciprocal, probability
    # S_E issues one column a cycle: z = m - x[c] is registered, then exp2_pipe (EXP2_LATENCY
    # edges); the exps are summed and stored (emem) as they leave, EL edges after their issue, with
    # their column (ec_t), first (ef) and last (el) flags carried beside them
    EL = 1 + EXP2_LATENCY
    z = Signal(modbv(0)[LW:])
    zr = Signal(modbv(0)[LW:])
    e = usig(P + 1)
    e_in = Signal(bool(0))
    ev = Signal(intbv(0)[EL:])
    ef = Signal(intbv(0)[EL:])
    el = Signal(intbv(0)[EL:])
    ec_t = delay_taps(c, EL)         # ec_t[EL]: the column of the exp at e
    insts.append(_delay_chain(clk, ec_t))
    ec = ec_t[EL]
    e_out = Signal(bool(0))
    e_first = Signal(bool(0))
    e_last = Signal(bool(0))

    @always_comb
    def zdiff():
        z.next = mx - xr
        e_in.next = state == S_E and eis

    @always(clk.posedge)
    def zreg():
        zr.next = z

    insts.append(exp2_pipe(clk, zr, e, LF, exp_lut_bits, P))

    @always_seq(clk.posedge, reset=rst)
    def e_track():
        ev.next = concat(ev[EL - 1:0], e_in)
        ef.next = concat(ef[EL - 1:0], e_in and c == 0)
        el.next = concat(el[EL - 1:0], e_in and c == r)

    @always_comb
    def e_flags():
        e_out.next = ev[EL - 1]
        e_first.next = ef[EL - 1]
        e_last.next = el[EL - 1]

    # the row's exps, E(m - x[c]), by column (emem)
    insts.append(ram_deep(clk, e_out, ec, e, c_nx, eq, depth=max_blocks, tag="emem"))

    ez = usig(LSW)
    lsum_n = usig(LSW)
    insts.append(zext(e, ez))

    @always_comb
    def esum():
        if e_first:
            lsum_n.next = ez
        else:
            lsum_n.next = lsum + ez

    # the row's exp-sum negated (mod 2^RW2), accumulated beside it for the non-restoring reciprocal
    nl, nl_n, nl_acc, enot = usig(RW2), usig(RW2), usig(RW2), usig(RW2)
    e_x = extend(e, RW2, False)

    @always_comb
    def neg_e():
        enot.next = ~e_x
        if e_first:
            nl_acc.next = 0
        else:
            nl_acc.next = nl

    insts.append(carry_select_add(nl_acc, enot, nl_n, cin=1))

    # reciprocal floor(2^(P+R) / l), non-restoring (docs/sig.md, as in sig_decision): the remainder
    # starts at 2^(P-1) < l, doubles each step, and l is subtracted when it is not negative, else
    # added; the quotient bit is 1 when the new remainder is not negative
    lx = usig(RW2)
    rge = Signal(bool(0))
    l_x = extend(lsum, RW2, False)

    r_load, r_step = Signal(bool(0)), Signal(bool(0))

    @always_comb
    def r_shift():
        lx.next = l_x
        r_load.next = state == S_E and e_last
        r_step.next = state == S_RECIP

    insts.append(long_division(clk, r_load, r_step, 1 << (P - 1), lx, nl, rquo, rge))

    pp_rnd = usig(P + R + 2)
    pph_rnd = usig(P + R + 3 - SH)
    pinc_rnd = usig(P + R + 3 - SH)
    p = usig(A + 1)
    insts.append(umul(eq, inv, pp_rnd))

    @always_comb
    def p_round():
        pph_rnd.next = pp_rnd[P + R + 2:SH - 1]

    insts.append(_increment(pph_rnd, pinc_rnd))      # rsr(pp, SH) = ((pp >> (SH - 1)) + 1) >> 1

    @always_comb
    def p_field():
        p.next = pinc_rnd[A + 2:1]

    # ---------------------------------------------------------------- coverage target (gamma nb 2^A) >> GF
    nbz = usig(IW + 1)
    nb1 = usig(IW + 1)
    gprod_rnd = usig(GW)
    tgt = usig(SW)
    insts += [zext(nbl, nbz), umul(gam, nb1, gprod_rnd)]

    @always_comb
    def nb_plus():
        nb1.next = nbz + 1

    if A >= GF:
        tcat = usig(GW + A - GF)
        if A > GF:
            @always_comb
            def tshift():
                tcat.next = concat(gprod_rnd, intbv(0)[A - GF:])
        else:
            @always_comb
            def tshift():
                tcat.next = gprod_rnd
    else:
        tcat = usig(GW - (GF - A))

        @always_comb
        def tshift():
            tcat.next = gprod_rnd[GW:GF - A]
    insts.append(zext(tcat, tgt))

    # ---------------------------------------------------------------- sub-block beats
    pv = usig(max(SW, VW))
    pt = usig(max(VW, TCW))
    kp = usig(max(VW, TCW))
    cnt = usig(CCW)
    keep_n = Signal(modbv(0)[TCW:])
    insts += [zext(p, pv), zext(p, pt), zext(keep, kp)]
    last_e = Signal(bool(0))
    row_end = Signal(bool(0))

    @always_comb
    def beats():
        last_e.next = r == nbl and c == r
        row_end.next = c == r
        cnt.next = cc_m_data

    @always_comb
    def keep_calc():
        keep_n.next = cnt[TCW:] - 1

    @always_comb
    def sub_in():
        cc_s_valid.next = state == S_TGT or (state == S_P and not ps)
        if state == S_TGT:
            cc_s_data.next = concat(False, tgt)
        else:
            cc_s_data.next = concat(last_e, pv)
        tm_s_valid.next = state == S_THDR or state == S_TDUM or (state == S_P and ps)
        if state == S_THDR:
            tm_s_data.next = concat(False, kp)
        elif state == S_TDUM:
            tm_s_data.next = 0
        else:
            tm_s_data.next = concat(last_e, pt)
        cc_m_ready.next = state == S_CNT
        if ps:
            v_ready.next = tm_s_ready
        else:
            v_ready.next = cc_s_ready

    # ---------------------------------------------------------------- output stage
    t_last = Signal(bool(0))
    t_idx = usig(TIW)
    nrow = Signal(modbv(0)[IW:])
    ncol = Signal(modbv(0)[IW:])
    nti = Signal(modbv(0)[TIW:])
    end_nx = Signal(bool(0))
    drop = Signal(bool(0))
    hit = Signal(bool(0))
    out_free = Signal(bool(0))

    @always_comb
    def walk():
        t_last.next = tm_m_data[TIW]
        t_idx.next = tm_m_data[TIW:]
        if pre:
            nrow.next = 0
            ncol.next = 0
        elif ccol == crow:
            nrow.next = crow + 1
            ncol.next = 0
        else:
            nrow.next = crow
            ncol.next = ccol + 1
        nti.next = cti1
        # at_end after the cursor moves to (nrow, ncol): the last row's diagonal
        if pre:
            end_nx.next = nbl == 0
        else:
            end_nx.next = ccol != crow and crow == nbl and ccol + 1 == crow
        out_free.next = m.ready or not out_valid

    @always_comb
    def walk2():
        drop.next = t_idx <= cti or at_end
        hit.next = t_idx == nti

    @always_comb
    def ports():
        s_hdr.ready.next = state == S_HDR
        s_k.ready.next = state == S_K
        s_q.ready.next = state == S_ROWQ
        tm_m_ready.next = state == S_WAIT and not mp_done and not mp_end and out_free and (drop or hit)
        m.valid.next = out_valid
        m.data.next = out_data

    # ---------------------------------------------------------------- memories
    # ---------------------------------------------------------------- control
    @always_comb
    def k_issue():
        k_in.next = state == S_X

    @always_seq(clk.posedge, reset=rst)
    def k_pipe():
        kv.next = concat(kv[LK - 1:0], k_in)
        if state == S_ROWQ:
            wc.next = 0
            wfirst.next = True
        elif kv[LK - 1]:                    # a logit leaves the pipeline (states X and XW)
            if wfirst or x > mx:
                mx.next = x
            wfirst.next = False
            wc.next = wc + 1

    @always_seq(clk.posedge, reset=rst)
    def control():
        c.next = c_nx
        if m.ready:
            out_valid.next = False
        # ---- output stage (top-m indices -> (row, col), end beat)
        if mp_end:
            if out_free:
                out_valid.next = True
                out_data.next = 1 << (2 * IW)
                mp_end.next = False
                mp_done.next = True
        elif state == S_WAIT and not mp_done and tm_m_valid and out_free:
            if drop:
                if t_last:
                    out_valid.next = True
                    out_data.next = 1 << (2 * IW)
                    mp_done.next = True
            else:
                pre.next = False
                crow.next = nrow
                ccol.next = ncol
                cti.next = nti
                cti1.next = cti1 + 1
                at_end.next = end_nx
                if hit:
                    out_valid.next = True
                    out_data.next = concat(False, nrow, ncol)
                    if t_last:
                        mp_end.next = True
        # ---- main sequence
        if state == S_HDR:
            if s_hdr.valid:
                nbl.next = s_hdr.data[IW:0]
                shift.next = s_hdr.data[IW + 6:IW]
                mult.next = s_hdr.data[IW + 6 + mult_bits:IW + 6]
                gam.next = s_hdr.data[IW + 6 + mult_bits + GF + 1:IW + 6 + mult_bits]
                nb_is1.next = s_hdr.data[IW:0] == 0
                pre.next = True
                crow.next = 0
                ccol.next = 0
                cti.next = 0
                cti1.next = 1
                at_end.next = False
                mp_done.next = False
                state.next = S_K
        elif state == S_K:
            if s_k.valid:
                if c == nbl:
                    state.next = S_TGT
        elif state == S_TGT:
            if cc_s_ready:
                ps.next = False
                r.next = 0
                r0.next = True
                state.next = S_ROWQ
        elif state == S_ROWQ:
            if s_q.valid:
                qreg.next = s_q.data
                state.next = S_X
        elif state == S_X:
            if c == r:
                state.next = S_XW
        elif state == S_XW:
            if kv[LK - 1] and wc == r:
                eis.next = True
                state.next = S_E
        elif state == S_E:
            if c == r:
                eis.next = False
            if e_out:
                lsum.next = lsum_n
                nl.next = nl_n
            if e_last:
                rbit.next = R
                state.next = S_RECIP
        elif state == S_RECIP:
            if rbit == 0:
                inv.next = concat(rquo, rge)
                state.next = S_P
            else:
                rbit.next = rbit - 1
        elif state == S_P:
            if v_ready:
                if row_end:
                    r.next = r + 1
                    r0.next = False
                    state.next = S_ROWQ
                    if r == nbl:
                        r.next = 0
                        r0.next = True
                        state.next = S_WAIT if ps else S_CNT
        elif state == S_CNT:
            if cc_m_valid:
                keep.next = keep_n
                state.next = S_THDR
        elif state == S_THDR:
            if tm_s_ready:
                state.next = S_TDUM
        elif state == S_TDUM:
            if tm_s_ready:
                ps.next = True
                state.next = S_ROWQ
        else:   # S_WAIT (MyHDL converts the chain to a case: the last state is its default)
            if mp_done:
                mp_done.next = False
                state.next = S_HDR

    return (insts, shift_total, c_next, mem_ports, zdiff, zreg, e_track, e_flags, esum, neg_e, r_shift, p_round, p_field,
            nb_plus, tshift, beats, k_issue, k_pipe,
            keep_calc, sub_in, walk, walk2, ports, control)
