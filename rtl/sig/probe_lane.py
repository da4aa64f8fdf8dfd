"""One probe-row lane of ``sig_probe``: the rows ``u, u + r, u + 2 r, ...`` of the B probe rows
(``Q = B / r`` of them per head), scored against the key the probe holds, one row a step.

Computes, for the row of a score step, the logit ``x = sat(rsr(q . k * mult, shift - LF), LW)``
(``logit_pipe``); in pass 1 it stores ``x`` in the block's logit buffer and keeps the row's block
maximum, while its exp walk goes over the previous block's buffer row by row (the golden per-block
update ``mn = max(m, blockmax)``, ``l = rsr(l E(mn - m), P) + sum E(mn - x)``); between the passes it
forms ``1/l = floor(2^(P+R) / l)`` for its rows (non-restoring division, R + 3 cycles a row); in
pass 2 it outputs the probability ``p = rsr(E(m - x) / l, P + R - A)`` of the step's (row, key), 0
where the key is past the row's query (``valid`` low). The probe sums the r lanes' ``p`` (docs/sig.md
section "Score pipeline").

Pipelined (:func:`lane_stages`): a step's controls enter at stage 0 (the probe's step cycle) and
the probe hands each stage its delayed copy (``name_k`` = the control k edges later), so every
memory access of a step happens at a fixed stage:

* 0: the probe row read (``qmem[ridx]``, registered with the probe's key); 1 .. TX: the probe's
  ``logit_pipe_pair`` (``TX = ceil(log2 D) + 8``); the
  row's causal flag ``valid = jb <= ni`` registered at 2 and carried along;
* TX (= E): the block maximum's read-modify-write (read registered at TX - 1, written at TX) and the
  logit buffer write; the exp walk's logit word (read registered at E - 1), block maximum and m;
* E + 1: ``mn = max(blockmax, m)``, written to m at the row's first key (the row's next use is a
  block later) and held, with the old m, for the row's keys;
* E + 2: ``z1 = mn - x_e`` (pass 1) or ``m - x`` (pass 2), ``z2 = mn - m_old``; E + 3 .. E + 5:
  ``exp2_pipe``; E + 5: the masked exp, the exp sum, ``l_old E(z2)`` (registered product);
* E + 6: ``rsr(., P)``; E + 7: ``l_new = . + sum`` written to l (row end); in pass 2, E + 6: the
  product ``e inv``, E + 7: ``p`` (registered), ``valid`` beside it.

A row's m and l are read back a block (``h B Q >= 4`` steps) after their writes, so no forwarding
is needed. Every step of the pipeline is within the 6-level timing proxy.

Ports (in unless said): ``q_row`` (out) the step's probe row, registered at stage 0 (8 D bits), and
``x`` its logit at stage TX: the probe scores two lanes' rows against the key in one
``logit_pipe_pair`` (rtl/sig/logit_pipe.py: one DSP for two INT8 products);
``ps`` pass 2 (constant while a pass is in flight); ``ridx_k`` the score row ``(g, i)`` at stage k,
``saddr_x`` its buffer word ``(g, i, key)``, ``sc_w_x`` a pass-1 score step, ``c0_k`` the bank the
score side writes (the walk reads the other), ``key0_x`` the key is the block's first; ``eaddr_w``
the walk's buffer word at E - 1, ``eridx_k`` its row, ``ek0_k`` its key is the block's first,
``mw_e1`` write m (a valid walk row's first key), ``step_e5`` a step, ``ml_w_k`` write l (a valid
walk row's last key); ``q_we``, ``q_idx``, ``q_data`` a probe row for this lane (its m and l cleared
with it); ``rc_on`` (reciprocal phase), ``rbit`` (``R + 2``: read l, ``R + 1``: negate it, ``R`` .. 0:
quotient bits), ``rc_idx`` (its row); ``jb1 = j + B - 1`` (stage 1) and ``ni = N - 1 + row``
(stage 0; the key is causal for the row when ``jb <= ni``). Out (stage TP = E + 7): ``p``
(A + 1 bits), ``valid``.
"""

from __future__ import annotations

import math

from myhdl import Signal, always, always_comb, block, concat, modbv

from ..common.long_division import long_division
from ..common.signed import ssig, usig, zext
from .exp2_pipe import EXP2_LATENCY, exp2_pipe
from .logit_pipe import PAIR_EXTRA, logit_latency
from .pipe_parts import _add, _delay_chain, _increment, _reg_copy, _reg_mul, delay_taps

#: stages after the exp walk's first (E = TX) at which its l write and pass 2's probability land
LANE_TAIL = 7


def lane_stages(head_dim: int) -> dict:
    """Stage numbers of a step in the lane: ``x`` (TX, also the exp walk's E), ``p`` (TP: the
    probability and ``valid`` out), ``l`` (the exp walk's l write)."""
    tx = 1 + logit_latency(head_dim) + PAIR_EXTRA
    return {"x": tx, "p": tx + LANE_TAIL, "l": tx + LANE_TAIL}


@block
def probe_lane(clk, q_row, x, ps, ridx0, ridx_x1, ridx_x, ridx_e1, ridx_e4, saddr_x, sc_w_x, c0_x1,
               c0_x, key0_x, eaddr_w, eridx_x, eridx_e1, eridx_e4, eridx_e7, ek0_e1, ek0_e5, mw_e1, step_e5,
               ml_w_e5, ml_w_e7, q_we, q_idx, q_data, rc_on, rbit, rc_idx, jb1, ni, p, valid,
               block_size=4, head_dim=2, rows=2, heads=1, max_n=16, logit_frac=8, logit_bits=24,
               exp_lut_bits=8, prob_frac=15, recip_frac=16, acc_frac=16):
    B, D, Q, S = block_size, head_dim, rows, heads
    LW, LF, P, R, A = logit_bits, logit_frac, prob_frac, recip_frac, acc_frac
    SH = P + R - A
    EW = P + 1 + max(1, math.ceil(math.log2(max_n)))
    lb = B.bit_length() - 1
    ESW = P + 1 + lb
    XMIN = -(1 << (LW - 1))
    TX = lane_stages(D)["x"]
    insts = []

    # ---------------------------------------------------------------- row memories, logit buffers
    qmem = [usig(8 * D) for _ in range(S * Q)]
    xb0 = [usig(LW + 1) for _ in range(S * Q * B)]
    xb1 = [usig(LW + 1) for _ in range(S * Q * B)]
    bm0 = [ssig(LW) for _ in range(S * Q)]
    bm1 = [ssig(LW) for _ in range(S * Q)]
    m_mem = [ssig(LW) for _ in range(S * Q)]
    l_mem = [usig(EW) for _ in range(S * Q)]
    inv_mem = [usig(R + 1) for _ in range(S * Q)]

    # ---------------------------------------------------------------- stage 0: the probe row out; TX: x in
    @always(clk.posedge)
    def q_read():
        q_row.next = qmem[ridx0]

    # causality: registered at stage 1 (jb1, ni1), compared into stage 2, carried to TP
    ni1 = usig(len(ni))
    v2 = Signal(bool(0))

    @always(clk.posedge)
    def causal():
        ni1.next = ni
        v2.next = jb1 <= ni1

    vt = delay_taps(v2, TX + LANE_TAIL - 3)        # vt[k]: stage 2 + k
    insts.append(_delay_chain(clk, vt))
    v_x, v_e5 = vt[TX - 2], vt[TX + 3]
    insts.append(_reg_copy(clk, vt[TX + LANE_TAIL - 3], valid))

    # ---------------------------------------------------------------- TX: block max, logit buffers
    bm_old = ssig(LW)
    bm_new = ssig(LW)

    @always(clk.posedge)
    def bm_read():
        if c0_x1:
            bm_old.next = bm1[ridx_x1]
        else:
            bm_old.next = bm0[ridx_x1]

    @always_comb
    def bm_calc():
        if v_x and (key0_x or x > bm_old):
            bm_new.next = x
        elif key0_x:
            bm_new.next = XMIN
        else:
            bm_new.next = bm_old

    @always(clk.posedge)
    def w_score():
        if sc_w_x:
            if c0_x:
                xb1[saddr_x].next = concat(v_x, x)
                bm1[ridx_x].next = bm_new
            else:
                xb0[saddr_x].next = concat(v_x, x)
                bm0[ridx_x].next = bm_new

    # ---------------------------------------------------------------- E = TX: the exp walk's reads
    xe0 = usig(LW + 1)
    xe1 = usig(LW + 1)
    bme = ssig(LW)
    m_rj = ssig(LW)
    xe_x1 = ssig(LW)            # stage E + 1
    xe_v1 = Signal(bool(0))

    @always(clk.posedge)
    def e_read0():
        xe0.next = xb0[eaddr_w]

    @always(clk.posedge)
    def e_read1():
        xe1.next = xb1[eaddr_w]

    @always(clk.posedge)
    def e_rows():
        # the score side writes bank c0: the exp walk reads the other one
        if c0_x:
            xe_x1.next = xe0[LW:].signed()
            xe_v1.next = xe0[LW]
            bme.next = bm0[eridx_x]
        else:
            xe_x1.next = xe1[LW:].signed()
            xe_v1.next = xe1[LW]
            bme.next = bm1[eridx_x]
        m_rj.next = m_mem[eridx_x]

    # ---------------------------------------------------------------- E + 1: the row's new max
    mn = ssig(LW)
    mn_row = ssig(LW)
    m_old = ssig(LW)
    xe_x2 = ssig(LW)
    xe_v = delay_taps(xe_v1, 4)      # xe_v[k]: stage E + 1 + k
    xe_v5 = xe_v[4]
    insts.append(_delay_chain(clk, xe_v))

    @always_comb
    def e_max():
        if bme > m_rj:
            mn.next = bme
        else:
            mn.next = m_rj

    @always(clk.posedge)
    def e_row():
        if ek0_e1:
            mn_row.next = mn
            m_old.next = m_rj
        xe_x2.next = xe_x1

    # pass 2: m of the score row (read into E + 2) and x (two registers)
    m_ri = ssig(LW)
    x1 = ssig(LW)
    x2 = ssig(LW)

    @always(clk.posedge)
    def p2_row():
        m_ri.next = m_mem[ridx_e1]
        x1.next = x
        x2.next = x1

    # ---------------------------------------------------------------- E + 2: differences; exps
    # z1 = mn - x_e (pass 1) or m_i - x (pass 2); z2 = mn - m_old. They lie in [0, 2^LW - 1]
    # wherever they are used (masked entries aside).
    za = ssig(LW)
    zb = ssig(LW)
    z1 = Signal(modbv(0)[LW:])
    z2 = Signal(modbv(0)[LW:])
    e1 = usig(P + 1)
    e2 = usig(P + 1)

    @always_comb
    def z_mux():
        if ps:
            za.next = m_ri
            zb.next = x2
        else:
            za.next = mn_row
            zb.next = xe_x2

    @always(clk.posedge)
    def z_regs():
        z1.next = za - zb
        z2.next = mn_row - m_old

    insts += [exp2_pipe(clk, z1, e1, LF, exp_lut_bits, P), exp2_pipe(clk, z2, e2, LF, exp_lut_bits, P)]
    assert EXP2_LATENCY == 2

    # ---------------------------------------------------------------- E + 5: exp sum, l E(z2)
    e1m = usig(P + 1)
    esw = usig(ESW)
    esum = usig(ESW)
    esum_n = usig(ESW)
    esum_row = usig(EW)
    esum_nw = usig(EW)
    l_r = usig(EW)
    la_rnd = usig(EW + P + 1)

    @always_comb
    def e_mask():
        if (ps and v_e5) or (not ps and xe_v5):
            e1m.next = e1
        else:
            e1m.next = 0

    insts += [zext(e1m, esw), zext(esum_n, esum_nw)]

    @always_comb
    def e_sum():
        if ek0_e5:
            esum_n.next = esw
        else:
            esum_n.next = esum + esw

    @always(clk.posedge)
    def e_sum_regs():
        if step_e5:
            esum.next = esum_n
        if ml_w_e5:
            esum_row.next = esum_nw
        l_r.next = l_mem[eridx_e4]

    insts.append(_reg_mul(clk, l_r, e2, la_rnd))

    # E + 6: rsr(la, P) = (la >> (P - 1) + 1) >> 1; E + 7: l_new = that + the row's exp sum
    lah = usig(EW + 2)
    lainc_rnd = usig(EW + 2)
    lr = usig(EW)
    l_new = usig(EW)

    @always_comb
    def l_top():
        lah.next = la_rnd[EW + P + 1:P - 1]

    insts.append(_increment(lah, lainc_rnd))

    @always(clk.posedge)
    def l_round():
        lr.next = lainc_rnd[EW + 1:1]

    insts.append(_add(lr, esum_row, l_new))

    # ---------------------------------------------------------------- pass 2: E + 6 product, E + 7 p
    inv_r = usig(R + 1)
    pp_rnd = usig(P + R + 2)
    pph = usig(P + R + 3 - SH)
    ppinc_rnd = usig(P + R + 3 - SH)

    @always(clk.posedge)
    def inv_read():
        inv_r.next = inv_mem[ridx_e4]

    insts.append(_reg_mul(clk, e1m, inv_r, pp_rnd))

    @always_comb
    def p_top():
        pph.next = pp_rnd[P + R + 2:SH - 1]

    insts.append(_increment(pph, ppinc_rnd))

    @always(clk.posedge)
    def p_round():
        p.next = ppinc_rnd[A + 2:1]

    # ---------------------------------------------------------------- reciprocal (non-restoring)
    # floor(2^(P+R) / l), R + 1 quotient bits: the remainder starts at 2^(P-1) < l (l >= E(0) = 2^P)
    # and lies in (-l, l): RW = EW + 2 bits, two's complement (rtl/common/long_division.py)
    RW = EW + 2
    lrow = usig(EW)
    lroww = usig(RW)
    lx = usig(RW)
    lxn = usig(RW)
    nlx = usig(RW)
    nl_inc = usig(RW)
    rq = Signal(bool(0))
    quo = usig(R)
    r_load = Signal(bool(0))
    r_neg = Signal(bool(0))
    r_last = Signal(bool(0))
    r_step = Signal(bool(0))

    @always_comb
    def r_read():
        lrow.next = l_mem[rc_idx]
        lxn.next = ~lx
        r_load.next = rc_on and rbit == R + 2
        r_neg.next = rc_on and rbit == R + 1
        r_last.next = rc_on and rbit == 0
        r_step.next = rc_on and rbit != R + 1

    # the remainder loads with -l (r_neg) and steps in every other reciprocal cycle
    insts += [zext(lrow, lroww), _increment(lxn, nl_inc), long_division(clk, r_neg, r_step, 1 << (P - 1), lx, nlx, quo, rq)]

    @always(clk.posedge)
    def recip():
        if r_load:
            lx.next = lroww
        if r_neg:
            nlx.next = nl_inc

    # ---------------------------------------------------------------- row memory writes
    @always(clk.posedge)
    def w_q():
        if q_we:
            qmem[q_idx].next = q_data

    @always(clk.posedge)
    def w_m():
        if q_we:
            m_mem[q_idx].next = XMIN
        elif mw_e1:
            m_mem[eridx_e1].next = mn

    @always(clk.posedge)
    def w_l():
        if q_we:
            l_mem[q_idx].next = 0
        elif ml_w_e7:
            l_mem[eridx_e7].next = l_new

    @always(clk.posedge)
    def w_inv():
        if r_last:
            inv_mem[rc_idx].next = concat(quo, rq)

    return (insts, q_read, causal, bm_read, bm_calc, w_score, e_read0, e_read1, e_rows, e_max, e_row, p2_row,
            z_mux, z_regs, e_mask, e_sum, e_sum_regs, l_top, l_round, inv_read, p_top, p_round, r_read, recip,
            w_q, w_m, w_l, w_inv)
