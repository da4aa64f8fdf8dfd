"""One query row's softmax state in the row-parallel engine (:mod:`row_engine`): logits, the
running maximum, the logit tile, ``alpha`` and the probabilities ``e``, in the golden order.

The engine instantiates one per stationary query row ``p`` (``rows`` of them). For the task (one
group of ``rows`` query rows against one key block) the unit computes, exactly as
``golden.fixed_point.sparse_attention_fixed``:

* QK side, one key ``j`` per cycle: ``x = sat(rsr(S * mult, shift - LF), LB)`` from the MPU lane's
  score ``S = q . k`` (2 registered stages: the product, then shift, round and saturate), written to
  the logit tile ``[tb][j]``, and the running maximum over the keys not masked (on the diagonal
  block key ``j`` is masked when ``j > i``, ``i`` the row's index in its query block: ``x_i`` on the
  QK side, ``i1`` on the PV side);
* at the task's end (``qk_end``): ``m' = max(m, max x)`` (``m = -2**(LB-1)`` on the row job's first
  block), ``alpha = E(m' - m)``; ``m'`` is written back to the row's ``m`` memory (one word per group)
  and both are kept per tile bank ``tb`` for the P x V side;
* PV side, one key per cycle, read back from the tile: ``e = E(m' - x)`` (0 when masked),
  registered (the MAC lanes' operand), and ``esum = sum_j e`` of the task (``esum_done``);
* the drain chain: ``hold_e``, ``hold_a`` (the task's ``esum`` and ``alpha``) loaded with
  ``hold_load`` and shifted from the next row's unit with ``hold_shift`` (the last row's from row 0:
  a value past the chain's end is never read), so the engine's row-serial
  drain reads row ``p`` at the head after ``p`` shifts.

Latencies (stage names of :mod:`row_engine`): the score ``s`` is valid at QK stage a3, ``mult`` at
a3, ``shm1`` at a4; the logit is written and the maximum updated at the end of a5 (``x_*`` ports);
``qk_end`` and its fields are at a6. The tile read address is at PV stage b0, the b1 fields at b1,
``e`` is valid at b2 (registered), the b2 fields at b2.
"""

from __future__ import annotations

from myhdl import Signal, always, always_comb, block, concat, intbv

from ..common.ram import ram_1r1w
from ..common.signed import ssig, usig
from .exp2 import sae_exp2
from .logit_round import _logit_round




@block
def sae_row_softmax(clk, s, mult, shm1, x_we, x_waddr, x_j, x_diag, x_i, m_raddr, m_waddr, qk_end, end_first,
                    end_tb, x_raddr, tb1, j1, diag1, i1, v2, j0_2, last2, e, hold_load, hold_tb, hold_shift,
                    hold_e_in, hold_a_in, hold_e, hold_a, logit_frac=8, logit_bits=24, exp_lut_bits=8,
                    prob_frac=15, expsum_bits=33):
    LF, LB, PF, LW = logit_frac, logit_bits, prob_frac, expsum_bits
    SB, MB = len(s), len(mult)
    xmin = -(1 << (LB - 1))
    lb2 = len(x_j)
    if len(e) != PF + 1 or len(hold_a) != PF + 1 or len(hold_e) != LW:
        raise ValueError(f"sae_row_softmax ports: e and hold_a must be {PF + 1} bits, hold_e {LW}")
    if len(x_i) != lb2 or len(i1) != lb2:
        raise ValueError(f"sae_row_softmax ports x_i, i1: must be {lb2} bits (an index into the block)")

    s_s = ssig(SB)
    lp = ssig(SB + MB + 1)
    x_r = ssig(LB)
    x_bits = usig(LB)
    xmax = ssig(LB)
    mask_q = Signal(bool(0))

    m_rd_bits = usig(LB)
    m_old = ssig(LB)
    m_new = ssig(LB)
    m_new_bits = usig(LB)
    za = usig(LB + 1)
    ea = usig(PF + 1)
    mn0, mn1 = ssig(LB), ssig(LB)                # m' per tile bank
    al0, al1 = usig(PF + 1), usig(PF + 1)        # alpha per tile bank

    x_rd_bits = usig(LB)
    x_rd = ssig(LB)
    m_sel = ssig(LB)
    zb = usig(LB + 1)
    eb = usig(PF + 1)
    mask_p = Signal(bool(0))
    e_r = usig(PF + 1)
    esum = usig(LW)
    esum_done = usig(LW)
    e_ext = usig(LW)
    he = usig(LW)
    ha = usig(PF + 1)

    insts = [
        ram_1r1w(clk, x_we, x_waddr, x_bits, x_raddr, x_rd_bits),
        ram_1r1w(clk, qk_end, m_waddr, m_new_bits, m_raddr, m_rd_bits),
        sae_exp2(za, ea, logit_frac=LF, exp_lut_bits=exp_lut_bits, prob_frac=PF),
        sae_exp2(zb, eb, logit_frac=LF, exp_lut_bits=exp_lut_bits, prob_frac=PF),
    ]

    @always_comb
    def views():
        s_s.next = s.signed()
        x_bits.next = x_r[LB:]
        x_rd.next = x_rd_bits.signed()
        m_new_bits.next = m_new[LB:]
        e.next = e_r
        hold_e.next = he
        hold_a.next = ha
        e_ext.next = concat(intbv(0)[LW - PF - 1:], e_r)

    @always_comb
    def masks():
        mask_q.next = x_diag and x_j > x_i
        mask_p.next = diag1 and j1 > i1

    # ---- QK side: logits, running max ----------------------------------------------------------
    @always(clk.posedge)
    def logit_product():
        lp.next = s_s * mult

    @always(clk.posedge)
    def running_max():
        if x_we:
            if x_j == 0:
                xmax.next = x_r
            elif not mask_q and x_r > xmax:
                xmax.next = x_r

    # ---- task end: m', alpha --------------------------------------------------------------------
    @always_comb
    def alpha_in():
        if end_first:
            m_old.next = xmin
        else:
            m_old.next = m_rd_bits.signed()

    @always_comb
    def alpha_max():
        if xmax > m_old:
            m_new.next = xmax
            za.next = xmax - m_old
        else:
            m_new.next = m_old
            za.next = 0

    @always(clk.posedge)
    def task_end():
        if qk_end:
            if end_tb:
                mn1.next = m_new
                al1.next = ea
            else:
                mn0.next = m_new
                al0.next = ea

    # ---- PV side: e = E(m' - x) -------------------------------------------------------------------
    @always_comb
    def pv_select():
        if tb1:
            m_sel.next = mn1
        else:
            m_sel.next = mn0

    @always_comb
    def pv_z():
        if m_sel >= x_rd:
            zb.next = m_sel - x_rd
        else:
            zb.next = 0  # a masked key above the maximum: its e is forced to 0 below

    @always(clk.posedge)
    def pv_e():
        if mask_p:
            e_r.next = 0
        else:
            e_r.next = eb

    @always(clk.posedge)
    def pv_sum():
        if v2:
            if j0_2:
                esum.next = e_ext
            else:
                esum.next = esum + e_ext
            if last2:
                esum_done.next = esum + e_ext

    # ---- drain chain ------------------------------------------------------------------------------
    @always(clk.posedge)
    def chain():
        if hold_load:
            he.next = esum_done
            if hold_tb:
                ha.next = al1
            else:
                ha.next = al0
        elif hold_shift:
            he.next = hold_e_in
            ha.next = hold_a_in

    insts += [views, masks, logit_product, _logit_round(clk, lp, shm1, x_r), running_max, alpha_in, alpha_max,
              task_end, pv_select, pv_z, pv_e, pv_sum, chain]
    return insts
