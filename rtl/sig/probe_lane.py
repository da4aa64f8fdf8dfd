"""One probe-row lane of ``sig_probe``: the rows ``u, u + r, u + 2 r, ...`` of the B probe rows
(``Q = B / r`` of them per head), scored against the key the probe holds, one row a cycle.

Computes, for the row of the current score step, the logit ``x = sat(rsr(q . k * mult, shift - LF),
LW)`` (D signed INT8 products, adder tree); in pass 1 it stores ``x`` in the block's logit buffer
and keeps the row's block maximum, while its exp unit walks the previous block's buffer row by row
(the golden per-block update ``mn = max(m, blockmax)``, ``l = rsr(l E(mn - m), P) + sum E(mn - x)``);
between the passes it forms ``1/l = floor(2^(P+R) / l)`` for its rows (restoring division, R + 1
cycles a row); in pass 2 it outputs the probability ``p = rsr(E(m - x) / l, P + R - A)`` of the
step's (row, key), 0 where the key is past the row's query (``valid`` low). The probe sums the r
lanes' ``p`` (docs/sig.md section "Score pipeline").

All arithmetic is combinational within the step (the probe's schedule sets the latency); the
logit buffers are read one cycle ahead (``eaddr_nx``), the row memories (``S Q`` entries) by
register addresses.

Ports (in unless said): ``kreg`` the key (8 D bits); ``mult``, ``km1 = shift - LF - 1``; ``ps``
pass 2; ``step`` a score/exp step; ``sc_w`` a pass-1 score step (logit and block max written);
``c0`` the buffer bank being written; ``key0`` the step's key is the block's first; ``ek0`` the
exp walk's key is the block's first; ``ml_w`` write the exp row's m and l; ``ridx`` the score row
``(g, i)``, ``eridx`` the exp row, ``saddr`` the score step's buffer word ``(g, i, key)``,
``eaddr_nx`` the exp walk's buffer word at the next step; ``q_we``, ``q_idx``, ``q_data`` a probe
row for this lane (its m and l cleared with it); ``rc_load`` (the reciprocal starts), ``rc_on``
(reciprocal phase), ``rbit`` (quotient bit, R down to 0), ``rc_idx`` (its row); ``jb = j + B -
1`` and ``ni = N - 1 + row`` (the key is causal for the row when ``jb <= ni``). Out: ``p``
(A + 1 bits), ``valid``.
"""

from __future__ import annotations

import math

from myhdl import Signal, always, always_comb, always_seq, block, concat, intbv, modbv

from ..sae.exp2 import exp_lut_values
from .arith import adder_tree, sadd, sfield, smul, ssig, umul, usig, zext


@block
def exp2_unit(z, e, logit_frac, exp_lut_bits, prob_frac):
    """``e = E(z)`` for unsigned z with LF fraction bits: ``EXP_LUT[idx] >> (z >> LF)``, 0 past P."""
    lut = exp_lut_values(prob_frac, exp_lut_bits)
    zw = len(z)
    nsw = zw - logit_frac
    nsh = usig(nsw)
    idx = usig(exp_lut_bits)
    lv = usig(prob_frac + 1)

    @always_comb
    def split():
        nsh.next = z[zw:logit_frac]
        idx.next = z[logit_frac:logit_frac - exp_lut_bits]

    @always_comb
    def rom():
        lv.next = lut[idx]

    # the shift in two steps of four ways each (by nsh's low two bits, then by the rest), one LUT
    # level each; a single 16-way shift maps to wide multiplexers two levels deeper
    # (a shift beyond P gives 0 below: only the bits of a shift 0 .. P take part)
    nbw = max(3, min(nsw, prob_frac.bit_length()))
    t = usig(prob_frac + 1)
    nhi = usig(nbw)

    @always_comb
    def shift_lo():
        t.next = lv >> nsh[2:0]
        nhi.next = concat(nsh[nbw:2], False, False)

    @always_comb
    def shift():
        if nsh > prob_frac:
            e.next = 0
        else:
            e.next = t >> nhi

    return split, rom, shift_lo, shift


@block
def probe_lane(clk, rst, kreg, mult, km1, ps, step, sc_w, c0, key0, ek0, ml_w, ridx, eridx, saddr, eaddr_nx,
               q_we, q_idx, q_data, rc_load, rc_on, rbit, rc_idx, jb, ni, p, valid,
               block_size=4, head_dim=2, rows=2, heads=1, max_n=16, logit_frac=8, logit_bits=24,
               exp_lut_bits=8, prob_frac=15, recip_frac=16, acc_frac=16):
    B, D, Q, S = block_size, head_dim, rows, heads
    LW, LF, P, R, A = logit_bits, logit_frac, prob_frac, recip_frac, acc_frac
    SH = P + R - A
    EW = P + 1 + max(1, math.ceil(math.log2(max_n)))
    lb = B.bit_length() - 1
    ESW = P + 1 + lb
    XMIN, XMAX = -(1 << (LW - 1)), (1 << (LW - 1)) - 1

    # ---------------------------------------------------------------- row memories, logit buffers
    qmem = [usig(8 * D) for _ in range(S * Q)]
    xb0 = [usig(LW + 1) for _ in range(S * Q * B)]
    xb1 = [usig(LW + 1) for _ in range(S * Q * B)]
    bm0 = [ssig(LW) for _ in range(S * Q)]
    bm1 = [ssig(LW) for _ in range(S * Q)]
    m_mem = [ssig(LW) for _ in range(S * Q)]
    l_mem = [usig(EW) for _ in range(S * Q)]
    inv_mem = [usig(R + 1) for _ in range(S * Q)]

    # ---------------------------------------------------------------- score: x = logit(q . k)
    qrow = usig(8 * D)
    qa = [ssig(8) for _ in range(D)]
    ka = [ssig(8) for _ in range(D)]
    pr = [ssig(16) for _ in range(D)]
    insts = []
    for d in range(D):
        insts += [sfield(qrow, qa[d], 8 * d), sfield(kreg, ka[d], 8 * d), smul(qa[d], ka[d], pr[d])]
    nodes = []
    root, _, _ = adder_tree([(v, -128 * 127, 128 * 128) for v in pr], nodes)
    insts += [sadd(a, b, s) for a, b, s in nodes]
    PRW = len(root) + len(mult) + 2
    prod = ssig(PRW)
    insts.append(smul(root, mult, prod))
    t1 = ssig(PRW)
    t2 = ssig(PRW)
    t3 = ssig(PRW)
    x = ssig(LW)

    @always_comb
    def q_read():
        qrow.next = qmem[ridx]

    @always_comb
    def logit_shift():
        t1.next = prod >> km1

    @always_comb
    def logit_round():
        t2.next = t1 + 1

    @always_comb
    def logit_round2():
        t3.next = t2 >> 1

    @always_comb
    def logit_sat():
        if t3 > XMAX:
            x.next = XMAX
        elif t3 < XMIN:
            x.next = XMIN
        else:
            x.next = t3[LW:].signed()

    @always_comb
    def causal():
        valid.next = jb <= ni

    # ---------------------------------------------------------------- pass 1: block max, logit buffers
    bm_old = ssig(LW)
    bm_new = ssig(LW)
    bmo0 = ssig(LW)
    bmo1 = ssig(LW)

    @always_comb
    def bm_read0():
        bmo0.next = bm0[ridx]

    @always_comb
    def bm_read1():
        bmo1.next = bm1[ridx]

    @always_comb
    def bm_read():
        if c0:
            bm_old.next = bmo1
        else:
            bm_old.next = bmo0

    @always_comb
    def bm_calc():
        if valid and (key0 or x > bm_old):
            bm_new.next = x
        elif key0:
            bm_new.next = XMIN
        else:
            bm_new.next = bm_old

    @always(clk.posedge)
    def w_score():
        if sc_w:
            if c0:
                xb1[saddr].next = concat(valid, x)
                bm1[ridx].next = bm_new
            else:
                xb0[saddr].next = concat(valid, x)
                bm0[ridx].next = bm_new

    # ---------------------------------------------------------------- exp unit (previous block's bank)
    xe0 = usig(LW + 1)
    xe1 = usig(LW + 1)
    xe = usig(LW + 1)
    xe_v = Signal(bool(0))
    xe_x = ssig(LW)
    bme0 = ssig(LW)
    bme1 = ssig(LW)
    bme = ssig(LW)

    @always(clk.posedge)
    def e_read0():
        xe0.next = xb0[eaddr_nx]

    @always(clk.posedge)
    def e_read1():
        xe1.next = xb1[eaddr_nx]

    @always_comb
    def e_read2():
        bme0.next = bm0[eridx]

    @always_comb
    def e_read3():
        bme1.next = bm1[eridx]

    @always_comb
    def e_read():
        if c0:           # the score side writes bank c0: the exp unit reads the other one
            xe.next = xe0
            bme.next = bme0
        else:
            xe.next = xe1
            bme.next = bme1

    @always_comb
    def e_fields():
        xe_v.next = xe[LW]
        xe_x.next = xe[LW:].signed()

    m_ri = ssig(LW)
    m_rj = ssig(LW)
    m_r = ssig(LW)
    mn = ssig(LW)
    l_r = usig(EW)

    @always_comb
    def e_rows():
        m_ri.next = m_mem[ridx]
        m_rj.next = m_mem[eridx]

    @always_comb
    def e_row_l():
        l_r.next = l_mem[eridx]

    @always_comb
    def e_row():
        if ps:
            m_r.next = m_ri
        else:
            m_r.next = m_rj

    @always_comb
    def e_max():
        if bme > m_r:
            mn.next = bme
        else:
            mn.next = m_r

    # z1 = mn - xe (pass 1) or m_i - x (pass 2); z2 = mn - m
    za = ssig(LW)
    zb = ssig(LW)
    z1 = Signal(modbv(0)[LW:])
    z2 = Signal(modbv(0)[LW:])
    e1 = usig(P + 1)
    e2 = usig(P + 1)

    @always_comb
    def z_mux():
        if ps:
            za.next = m_r
            zb.next = x
        else:
            za.next = mn
            zb.next = xe_x

    @always_comb
    def z_bits():
        # the differences lie in [0, 2^LW - 1] wherever they are used (masked entries aside)
        z1.next = za - zb
        z2.next = mn - m_r

    insts += [exp2_unit(z1, e1, LF, exp_lut_bits, P), exp2_unit(z2, e2, LF, exp_lut_bits, P)]

    # exp-sum update: l' = rsr(l * alpha, P) + esum + e
    e1m = usig(P + 1)
    la = usig(EW + P + 1)
    la_rnd = usig(EW + P + 1)
    lr = usig(EW)
    esw = usig(ESW)
    esum = usig(ESW)
    esum_n = usig(ESW)
    esum_w = usig(EW)
    l_new = usig(EW)

    @always_comb
    def e_mask():
        if (ps and valid) or (not ps and xe_v):
            e1m.next = e1
        else:
            e1m.next = 0

    insts += [umul(l_r, e2, la), zext(e1m, esw), zext(esum_n, esum_w)]

    @always_comb
    def l_round():
        la_rnd.next = la + intbv(1 << (P - 1))[EW + P + 1:]

    @always_comb
    def l_round2():
        lr.next = la_rnd[EW + P:P]

    @always_comb
    def e_sum():
        if ek0:
            esum_n.next = esw
        else:
            esum_n.next = esum + esw

    @always_comb
    def l_add():
        l_new.next = lr + esum_w

    # ---------------------------------------------------------------- pass 2: probability
    inv_r = usig(R + 1)
    pp = usig(P + R + 2)
    pp_rnd = usig(P + R + 2)

    @always_comb
    def inv_read():
        inv_r.next = inv_mem[ridx]

    insts.append(umul(e1m, inv_r, pp))

    @always_comb
    def p_round():
        pp_rnd.next = pp + intbv(1 << (SH - 1))[P + R + 2:]

    @always_comb
    def p_round2():
        p.next = pp_rnd[SH + A + 1:SH]

    # ---------------------------------------------------------------- reciprocal (restoring division)
    rem = usig(P + R + 1)
    quo = usig(R)
    lrow = usig(EW)
    lsh = usig(EW + R + 1)
    lshw = usig(EW + R + 1)
    remw = usig(EW + R + 1)
    ge = Signal(bool(0))

    @always_comb
    def r_read():
        lrow.next = l_mem[rc_idx]

    insts += [zext(lrow, lshw), zext(rem, remw)]

    @always_comb
    def r_shift():
        lsh.next = lshw << rbit

    @always_comb
    def r_cmp():
        ge.next = lsh <= remw

    # ---------------------------------------------------------------- row memory writes, registers
    @always(clk.posedge)
    def w_q():
        if q_we:
            qmem[q_idx].next = q_data

    @always(clk.posedge)
    def w_ml():
        if q_we:
            m_mem[q_idx].next = XMIN
            l_mem[q_idx].next = 0
        elif ml_w:
            m_mem[eridx].next = mn
            l_mem[eridx].next = l_new

    @always(clk.posedge)
    def w_inv():
        if rc_on and rbit == 0:
            inv_mem[rc_idx].next = concat(quo, ge)

    @always_seq(clk.posedge, reset=rst)
    def regs():
        if step:
            esum.next = esum_n
        if rc_load:
            rem.next = 1 << (P + R)
            quo.next = 0
        elif rc_on:
            quo.next = concat(quo[R - 1:], ge)
            if ge:
                rem.next = remw[P + R + 1:] - lsh[P + R + 1:]
            if rbit == 0:
                rem.next = 1 << (P + R)
                quo.next = 0

    return (insts, q_read, logit_shift, logit_round, logit_round2, logit_sat, causal, bm_read0, bm_read1, bm_read,
            bm_calc, w_score, e_read0, e_read1, e_read2, e_read3, e_read, e_fields, e_rows, e_row_l, e_row, e_max,
            z_mux, z_bits, e_mask, l_round, l_round2, e_sum, l_add, inv_read, p_round, p_round2, r_read, r_shift,
            r_cmp, w_q, w_ml, w_inv, regs)
