"""SIG query-aware decision: the square-root Jensen-Shannon test of ``fixed_head_pattern``.

Computes, bit for bit, the decision part of the golden ``fixed_head_pattern`` for a head whose N is
a multiple of B (one count class: every block has B rows, the probe has B rows):

* ``x[b] = logits(ksum[b] . qsum, mult, shift + 2 log2 B)`` for the nb key block sums ``ksum`` and
  the probe-query column sums ``qsum`` (``score_multiplier(base / B^2)`` equals the probe's
  ``(mult, shift + 2 log2 B)``: dividing the real factor by a power of two only moves the shift;
  checked over many random bases in the test);
* ``avg = softmax_fixed(x)`` (max, ``E(m - x)``, exp-sum, reciprocal ``floor(2^(P+R) / l)`` by
  restoring division, ``rsr(E * inv, P + R - A)``);
* ``pvn = normalise(pv)`` (``floor(pv[b] 2^A / max(sum pv, 1))``, restoring division, A + 1
  quotient bits per block);
* ``d2 = js_statistic(avg, pvn)`` (``log2_fixed`` by priority encoder and mantissa LUT);
* ``query_aware = d2 < tau_th`` (``tau_th = js_threshold(tau)``, a host constant).

Ports (``IW = bits(max_blocks - 1)``, ``lb = log2 B``, ``MB = mult_bits``):

* ``s_hdr`` (``IW + 6 + MB + 32`` bits): ``{tau_th[32], mult[MB], shift[6], nb_last[IW]}``
  (``nb_last = nb - 1``; ``mult, shift`` are the probe's score multiplier for ``base``).
* ``s_q`` (``D (8 + lb)`` bits): one beat, the probe-query column sums (a ``sig_block_sum`` beat
  of the last Q block).
* ``s_k`` (same format): nb beats, the key block sums in block order.
* ``s_pv`` (``A + 1 + 2 lb`` bits = ``pooled_bits``): nb beats, the pooled vertical scores.
* ``m`` (``DW + 1`` bits, see :func:`decision_widths`): ``{query_aware, d2[DW]}``, ``d2`` two's
  complement.

The streams are taken in the order header, ``s_q``, ``s_k`` (nb beats), ``s_pv`` (nb beats).

Cycles per head: ``1 + 1 + nb`` (logits and running max, one key block sum per cycle) ``+ nb``
(pooled scores, total and exp-sum) ``+ R + 1`` (reciprocal) ``+ nb (A + 2)`` (per block: one
normalising division, then the softmax probability, three log2 and the JS terms in its last
cycle) ``+ 1`` (output), plus stalls.

Memories (registered read at the next block index ``b_nx`` with a write bypass, so the cycles
equal an asynchronous read; no reset): logits ``max_blocks x logit_bits`` and pooled scores
``max_blocks x (A + 1 + 2 lb)`` (at the U280 preset: 1024 x 24 and 1024 x 31: one BRAM36 each).
The datapath of a cycle is combinational (a model of the schedule, like ``sig_probe``).
"""

from __future__ import annotations

import math

from myhdl import ConcatSignal, Signal, always, always_comb, always_seq, block, concat, intbv, modbv

from ..common.params import int_checker
from ..common.widths import index_width
from .arith import adder_tree, sadd, sfield, smul, ssig, ssub, uadd, umul, usig, zext
from .probe import exp2_unit

D_HDR, D_Q, D_K, D_PV, D_RECIP, D_LOAD, D_DIV, D_OUT = range(8)


def check_common(blockname, block_size, head_dim, max_blocks, mult_bits, logit_frac, logit_bits, exp_lut_bits,
                 prob_frac, recip_frac, acc_frac):
    _check = int_checker(blockname)
    _check("block_size", block_size, 2, 256)
    if block_size & (block_size - 1):
        raise ValueError(f"{blockname} field 'block_size' = {block_size!r} is not allowed: "
                         f"must be a power of two in [2, 256]")
    _check("head_dim", head_dim, 1, 256)
    _check("max_blocks", max_blocks, 3, 4096)  # 2 would make 1-bit indices, which MyHDL slices badly
    _check("mult_bits", mult_bits, 4, 24)
    _check("logit_frac", logit_frac, 1, 12)
    _check("logit_bits", logit_bits, 12, 32)
    _check("exp_lut_bits", exp_lut_bits, 1, logit_frac)
    _check("prob_frac", prob_frac, 4, 20)
    _check("recip_frac", recip_frac, 4, 20)
    _check("acc_frac", acc_frac, 4, prob_frac + recip_frac - 1)


def decision_widths(block_size, head_dim, max_blocks, mult_bits, acc_frac, log_frac) -> dict:
    """Port widths of ``sig_decision``. ``DW`` (the width of ``d2``) bounds
    ``|d2| <= (2^(A+1) + max_blocks) (A + 3) 2^LG`` (both distributions sum to at most
    ``2^A + nb/2``, every log term is at most ``(A + 2) 2^LG`` in magnitude) and holds the sum
    of two terms (``A + 2 + bits(A + 2) + LG + 3`` bits each)."""
    lb = block_size.bit_length() - 1
    iw = index_width(max_blocks)
    tpw = acc_frac + 2 + (acc_frac + 2).bit_length() + log_frac + 3   # one signed JS term
    dw = max(((2 ** (acc_frac + 1) + max_blocks) * (acc_frac + 3) * 2 ** log_frac).bit_length() + 2, tpw + 2)
    return {"iw": iw, "hdr": iw + 6 + mult_bits + 32, "bsum": head_dim * (8 + lb),
            "pv": acc_frac + 1 + 2 * lb, "dw": dw, "out": dw + 1}


@block
def logit_unit(a_bus, b_bus, mult, shift7, x, head_dim, elem_bits, mult_bits, logit_frac, logit_bits):
    """``x = sat(rsr(a . b * mult, shift7 - LF), logit_bits)`` (combinational): ``a``, ``b`` are D
    signed elements of ``elem_bits`` packed like ``sig_block_sum``'s output; ``shift7 - LF >= 1``;
    the round-half-up shift is ``((v >>> (k-1)) + 1) >>> 1``."""
    D, EB, LF, LW = head_dim, elem_bits, logit_frac, logit_bits
    XMIN, XMAX = -(1 << (LW - 1)), (1 << (LW - 1)) - 1
    aa = [ssig(EB) for _ in range(D)]
    bb = [ssig(EB) for _ in range(D)]
    pr = [ssig(2 * EB) for _ in range(D)]
    insts = []
    for d in range(D):
        insts += [sfield(a_bus, aa[d], EB * d), sfield(b_bus, bb[d], EB * d), smul(aa[d], bb[d], pr[d])]
    big = 1 << (EB - 1)
    nodes = []
    root, _, _ = adder_tree([(p, -big * (big - 1), big * big) for p in pr], nodes)
    insts += [sadd(a, b, s) for a, b, s in nodes]
    PRW = len(root) + mult_bits + 2
    prod = ssig(PRW)
    insts.append(smul(root, mult, prod))
    km1 = Signal(modbv(0)[7:])
    t1 = ssig(PRW)
    t2 = ssig(PRW)
    t3 = ssig(PRW)

    @always_comb
    def sh():
        km1.next = shift7 - (LF + 1)

    @always_comb
    def sh2():
        t1.next = prod >> km1

    @always_comb
    def rnd():
        t2.next = t1 + 1

    @always_comb
    def rnd2():
        t3.next = t2 >> 1

    @always_comb
    def saturate():
        if t3 > XMAX:
            x.next = XMAX
        elif t3 < XMIN:
            x.next = XMIN
        else:
            x.next = t3[LW:].signed()

    return insts, sh, sh2, rnd, rnd2, saturate


@block
def _msb_step(vin, v_nrm, bit, s):
    """``bit = (vin >> s) != 0``; ``v_nrm = vin >> s`` if so, else ``vin``."""
    W = len(vin)
    if v_nrm is None:  # last stage: only the bit
        @always_comb
        def last():
            bit.next = vin[W:s] != 0

        return last

    @always_comb
    def step():
        if vin[W:s] != 0:
            bit.next = True
            v_nrm.next = vin >> s
        else:
            bit.next = False
            v_nrm.next = vin

    return step


@block
def log2_unit(xin, out, log_lut_bits, log_frac):
    """``out = log2_fixed(xin)`` = ``(msb << LG) + LOG_LUT[LL bits below the leading one]``
    (truncated); 0 for ``xin`` = 0 or 1."""
    LL, LG = log_lut_bits, log_frac
    xw = len(xin)
    lut = tuple(int(math.floor(math.log2(1 + i / (1 << LL)) * (1 << LG) + 0.5)) for i in range(1 << LL))
    ew = max(1, (xw - 1).bit_length())
    e = usig(ew)
    xs = usig(xw + LL)
    xsh_nrm = usig(xw + LL)
    mant = usig(LL)
    lv = usig(LG + 1)
    ow = len(out)
    ez = usig(ow)
    lz = usig(ow)
    insts = [zext(xin, xs), zext(lv, lz)]

    # leading one by binary search: stage k tests the upper 2^k bits of what is left
    wv = 1 << ew
    xv = usig(wv)
    vs = [xv] + [usig(wv) for _ in range(ew - 1)] + [None]
    ebits = [Signal(bool(0)) for _ in range(ew)]
    insts.append(zext(xin, xv))
    for st, k in enumerate(range(ew - 1, -1, -1)):
        insts.append(_msb_step(vs[st], vs[st + 1], ebits[k], 1 << k))
    ecat = ConcatSignal(*reversed(ebits)) if ew > 1 else ebits[0]

    @always_comb
    def prio():
        e.next = ecat

    @always_comb
    def norm():
        xsh_nrm.next = (xs << LL) >> e

    @always_comb
    def mfield():
        mant.next = xsh_nrm[LL:]

    @always_comb
    def rom():
        lv.next = lut[mant]

    insts.append(zext(e, ez))

    @always_comb
    def add():
        out.next = (ez << LG) + lz

    return insts, prio, norm, mfield, rom, add


def check_widths(blockname, pairs):
    for name, sig_, width in pairs:
        if len(sig_) != width:
            raise ValueError(f"{blockname} field '{name}' width = {len(sig_)} is not allowed: must be {width}")


@block
def sig_decision(clk, rst, s_hdr_valid, s_hdr_ready, s_hdr_data, s_q_valid, s_q_ready, s_q_data, s_k_valid,
                 s_k_ready, s_k_data, s_pv_valid, s_pv_ready, s_pv_data, m_valid, m_ready, m_data,
                 block_size=4, head_dim=2, max_blocks=8, mult_bits=16, logit_frac=8, logit_bits=24,
                 exp_lut_bits=8, prob_frac=15, recip_frac=16, acc_frac=16, log_lut_bits=8, log_frac=12):
    check_common("sig_decision", block_size, head_dim, max_blocks, mult_bits, logit_frac, logit_bits,
                 exp_lut_bits, prob_frac, recip_frac, acc_frac)
    _check = int_checker("sig_decision")
    _check("log_lut_bits", log_lut_bits, 1, 12)
    _check("log_frac", log_frac, 4, 16)
    w = decision_widths(block_size, head_dim, max_blocks, mult_bits, acc_frac, log_frac)
    check_widths("sig_decision", (("s_hdr_data", s_hdr_data, w["hdr"]), ("s_q_data", s_q_data, w["bsum"]),
                                  ("s_k_data", s_k_data, w["bsum"]), ("s_pv_data", s_pv_data, w["pv"]),
                                  ("m_data", m_data, w["out"])))
    lb = block_size.bit_length() - 1
    IW, DW, PVW = w["iw"], w["dw"], w["pv"]
    LW, LF, P, R, A, LG = logit_bits, logit_frac, prob_frac, recip_frac, acc_frac, log_frac
    SH = P + R - A
    LSW = P + 1 + max_blocks.bit_length()          # exp-sum of nb terms <= 2^P
    TW = PVW + max_blocks.bit_length()              # total of the pooled scores
    DRW = TW + A + 1                                # normalising division: remainder / shifted divisor
    LOW = (A + 2).bit_length() + LG + 1             # log2 of values < 2^(A+2)
    TAW = LOW + 2                                   # signed L(p) - L(s) + 2^LG
    TPW = A + 2 + TAW                               # signed p * (...)
    CW = max(DW, 33) + 1

    xmem = [ssig(LW) for _ in range(max_blocks)]
    pvmem = [usig(PVW) for _ in range(max_blocks)]

    state = Signal(intbv(D_HDR, min=0, max=8))
    nbl = usig(IW)
    mult = usig(mult_bits)
    shift = usig(6)
    th = usig(32)
    qreg = usig(w["bsum"])
    b = Signal(modbv(0)[IW:])
    mx = ssig(LW)
    lsum = usig(LSW)
    tot = usig(TW)
    rbit = Signal(intbv(0, min=0, max=R + 1))
    rrem = usig(P + R + 1)
    rquo = usig(R)
    inv = usig(R + 1)
    dbit = Signal(intbv(0, min=0, max=A + 1))
    drem = usig(DRW)
    dquo = usig(A)
    d2 = ssig(DW)
    out_valid = Signal(bool(0))
    out_data = usig(DW + 1)

    # ---- logits of the key block sums (s_k beat against the stored probe-query sum)
    sh7 = usig(7)
    shz = usig(7)
    x = ssig(LW)
    insts = [zext(shift, shz), logit_unit(qreg, s_k_data, mult, sh7, x, head_dim, 8 + lb, mult_bits, LF, LW)]

    @always_comb
    def shift_total():
        sh7.next = shz + (2 * lb)

    # ---- memories: registered reads (block RAM) at the block index of the next cycle, ``b_nx``,
    # with a registered bypass of a write to that address at the same edge (read-first memories):
    # ``xr``/``pvr`` equal an asynchronous read at ``b`` on every cycle
    xr = ssig(LW)
    pvr = usig(PVW)
    b_nx = Signal(modbv(0)[IW:])
    xq, xbyp = ssig(LW), ssig(LW)
    pvq, pvbyp = usig(PVW), usig(PVW)
    xhit, pvhit = Signal(bool(0)), Signal(bool(0))

    @always_comb
    def b_next():
        b_nx.next = b
        if rst:
            b_nx.next = 0
        elif state == D_Q:
            if s_q_valid:
                b_nx.next = 0
        elif (state == D_K and s_k_valid) or (state == D_PV and s_pv_valid) or (state == D_DIV and dbit == 0):
            if b == nbl:
                b_nx.next = 0
            else:
                b_nx.next = b + 1

    @always(clk.posedge)
    def rd_mem():
        xq.next = xmem[b_nx]
        pvq.next = pvmem[b_nx]

    @always(clk.posedge)
    def rd_bypass():
        xhit.next = state == D_K and s_k_valid and b == b_nx
        xbyp.next = x
        pvhit.next = state == D_PV and s_pv_valid and b == b_nx
        pvbyp.next = s_pv_data

    @always_comb
    def rd_x():
        xr.next = xbyp if xhit else xq

    @always_comb
    def rd_pv():
        pvr.next = pvbyp if pvhit else pvq

    # ---- exp of the stored logit against the maximum
    z = Signal(modbv(0)[LW:])
    e = usig(P + 1)

    @always_comb
    def zdiff():
        z.next = mx - xr

    insts.append(exp2_unit(z, e, LF, exp_lut_bits, P))
    ez = usig(LSW)
    lsum_n = usig(LSW)
    pvz = usig(TW)
    tot_n = usig(TW)
    insts += [zext(e, ez), zext(s_pv_data, pvz)]

    @always_comb
    def sums():
        if b == 0:
            lsum_n.next = ez
            tot_n.next = pvz
        else:
            lsum_n.next = lsum + ez
            tot_n.next = tot + pvz

    # ---- reciprocal: floor(2^(P+R) / l), R + 1 quotient bits
    lw_ = usig(LSW + R + 1)
    lsh = usig(LSW + R + 1)
    rremw = usig(LSW + R + 1)
    rge = Signal(bool(0))
    insts += [zext(lsum, lw_), zext(rrem, rremw)]

    @always_comb
    def r_shift():
        lsh.next = lw_ << rbit

    @always_comb
    def r_cmp():
        rge.next = lsh <= rremw

    # ---- normalising division: floor(pv[b] 2^A / max(tot, 1)), A + 1 quotient bits
    den = usig(TW)
    denw = usig(DRW)
    dsh = usig(DRW)
    dge = Signal(bool(0))
    pvw = usig(DRW)
    insts += [zext(den, denw), zext(pvr, pvw)]

    @always_comb
    def d_den():
        if tot == 0:
            den.next = 1
        else:
            den.next = tot

    @always_comb
    def d_shift():
        dsh.next = denw << dbit

    @always_comb
    def d_cmp():
        dge.next = dsh <= drem

    # ---- softmax probability of block b, JS terms
    pp = usig(P + R + 2)
    pp_rnd = usig(P + R + 2)
    p = usig(A + 1)
    q = usig(A + 1)
    s = usig(A + 2)
    insts.append(umul(e, inv, pp))

    @always_comb
    def p_round():
        pp_rnd.next = pp + intbv(1 << (SH - 1))[P + R + 2:]

    @always_comb
    def p_field():
        p.next = pp_rnd[SH + A + 1:SH]
        q.next = concat(dquo, dge)

    insts.append(uadd(p, q, s))
    lp, lq, ls = usig(LOW), usig(LOW), usig(LOW)
    insts += [log2_unit(p, lp, log_lut_bits, LG), log2_unit(q, lq, log_lut_bits, LG), log2_unit(s, ls, log_lut_bits, LG)]
    ap, aq = ssig(TAW), ssig(TAW)
    dp, dq = ssig(TAW), ssig(TAW)
    tp, tq = ssig(TPW), ssig(TPW)
    t2 = ssig(DW)
    d2n = ssig(DW)
    insts += [ssub(lp, ls, dp), ssub(lq, ls, dq), smul(p, ap, tp), smul(q, aq, tq), sadd(tp, tq, t2),
              sadd(d2, t2, d2n)]

    @always_comb
    def plus_one():
        ap.next = dp + (1 << LG)
        aq.next = dq + (1 << LG)

    # ---- decision: d2n < tau_th
    diff = ssig(CW)
    insts.append(ssub(d2n, th, diff))
    qa = Signal(bool(0))

    @always_comb
    def decide():
        qa.next = diff < 0

    # ---- ports
    @always_comb
    def ports():
        s_hdr_ready.next = state == D_HDR
        s_q_ready.next = state == D_Q
        s_k_ready.next = state == D_K
        s_pv_ready.next = state == D_PV
        m_valid.next = out_valid
        m_data.next = out_data

    @always(clk.posedge)
    def w_x():
        if state == D_K and s_k_valid:
            xmem[b].next = x

    @always(clk.posedge)
    def w_pv():
        if state == D_PV and s_pv_valid:
            pvmem[b].next = s_pv_data

    @always_seq(clk.posedge, reset=rst)
    def control():
        b.next = b_nx
        if state == D_HDR:
            if s_hdr_valid:
                nbl.next = s_hdr_data[IW:0]
                shift.next = s_hdr_data[IW + 6:IW]
                mult.next = s_hdr_data[IW + 6 + mult_bits:IW + 6]
                th.next = s_hdr_data[IW + 6 + mult_bits + 32:IW + 6 + mult_bits]
                state.next = D_Q
        elif state == D_Q:
            if s_q_valid:
                qreg.next = s_q_data
                state.next = D_K
        elif state == D_K:
            if s_k_valid:
                if b == 0 or x > mx:
                    mx.next = x
                if b == nbl:
                    state.next = D_PV
        elif state == D_PV:
            if s_pv_valid:
                lsum.next = lsum_n
                tot.next = tot_n
                if b == nbl:
                    rbit.next = R
                    rrem.next = 1 << (P + R)
                    rquo.next = 0
                    state.next = D_RECIP
        elif state == D_RECIP:
            rquo.next = concat(rquo[R - 1:], rge)
            if rge:
                rrem.next = rremw[P + R + 1:] - lsh[P + R + 1:]
            if rbit == 0:
                inv.next = concat(rquo, rge)
                d2.next = 0
                state.next = D_LOAD
            else:
                rbit.next = rbit - 1
        elif state == D_LOAD:
            drem.next = pvw << A
            dquo.next = 0
            dbit.next = A
            state.next = D_DIV
        elif state == D_DIV:
            dquo.next = concat(dquo[A - 1:], dge)
            if dge:
                drem.next = drem - dsh
            if dbit == 0:
                d2.next = d2n
                state.next = D_LOAD
                if b == nbl:
                    out_valid.next = True
                    out_data.next = concat(qa, d2n[DW:])
                    state.next = D_OUT
            else:
                dbit.next = dbit - 1
        elif state == D_OUT:
            if m_ready:
                out_valid.next = False
                state.next = D_HDR

    return (insts, shift_total, b_next, rd_mem, rd_bypass, rd_x, rd_pv, zdiff, sums, r_shift, r_cmp, d_den, d_shift, d_cmp, p_round, p_field,
            plus_one, decide, ports, w_x, w_pv, control)
