"""One head-dimension element ``d`` of the row-parallel engine's P x V side and output.

The engine (:mod:`row_engine`) instantiates one per element ``d`` (``head_dim`` of them). Each:

* **P x V** on the MPU's MAC lane (:mod:`rtl.mpu.mac_lane`, one DSP48E2 per row): for the task's
  ``rows`` query rows ``p``, ``pv[p] = sum_j e[p][j] * v[j][d]`` over the block's ``B`` keys (``e``
  UQ1.P, ``v`` INT8), one key per cycle; ``mac_clr`` starts a task's sum;
* **drain chain**: ``hold_load`` copies the ``rows`` finished sums into a shift chain that
  ``hold_shift`` moves one row per cycle towards its head, so the next task's sums start at once;
* **rescale and write-back**, one row per cycle from the chain's head (golden order):
  ``acc = rsr(acc * alpha, P) + pv`` (``acc = pv`` on the row job's first block) into the
  accumulator memory (one ``acc_bits`` word per query row of the row job, read at c0, written at c2);
* **output**: on the row job's last block the new ``acc`` goes through a delay line matching the
  reciprocal pipeline (``delay`` cycles) and ``o = sat(rsr(acc * inv, P + R - OF), out_bits)`` is
  registered into ``o``.

Latency (drain stages of :mod:`row_engine`): chain head and memory read at c0, rescale product at
c1 (registered), new ``acc`` at c2 (registered into c3 and written to memory), delay line from c3,
``o`` registered at the end of ``c3 + delay`` (valid one cycle later).
"""

from __future__ import annotations

from myhdl import Signal, always, always_comb, block, intbv

from ..common.ram import ram_1r1w
from ..common.signed import ssig, usig
from ..mpu.mac_lane import mpu_mac_lane




@block
def _hold_cell(clk, load, shift, src, nxt, h):
    """One link of the drain chain: ``h <= src`` on ``load``, else ``h <= nxt`` on ``shift``."""

    @always(clk.posedge)
    def cell():
        if load:
            h.next = src
        elif shift:
            h.next = nxt

    return cell


@block
def _delay(clk, d, q):
    @always(clk.posedge)
    def step():
        q.next = d

    return step


@block
def sae_pv_column(clk, e, v, mac_en, mac_clr, hold_load, hold_shift, acc_raddr, alpha, first2, acc_waddr, acc_we,
                  inv, o, rows=2, acc_bits=41, prob_frac=15, recip_frac=16, out_frac=8, delay=17):
    P, ACCW, PF, R, OF, OB = rows, acc_bits, prob_frac, recip_frac, out_frac, len(o)
    if len(e) != P * (PF + 1) or len(v) != 8 or len(alpha) != PF + 1 or len(inv) != R + 1:
        raise ValueError(f"sae_pv_column ports: e must be {P * (PF + 1)} bits, v 8, alpha {PF + 1}, inv {R + 1}")
    if delay < 1:
        raise ValueError(f"sae_pv_column field 'delay' = {delay!r} is not allowed: must be >= 1")
    half_p = 1 << (PF - 1)
    osh = PF + R - OF
    half_o = 1 << (osh - 1)
    omax, omin = (1 << (OB - 1)) - 1, -(1 << (OB - 1))

    y = usig(P * ACCW)
    holds = [usig(ACCW) for _ in range(P)]
    h1 = usig(ACCW)
    h2 = ssig(ACCW)
    acc_rd_bits = usig(ACCW)
    acc_rd = ssig(ACCW)
    a_prod = ssig(ACCW + PF + 2)
    a_rnd = ssig(ACCW + PF + 2)
    a_r = ssig(ACCW)
    acc_new = ssig(ACCW)
    acc_new_bits = usig(ACCW)
    acc_n = ssig(ACCW)
    line = [ssig(ACCW) for _ in range(delay)]
    o_prod = ssig(ACCW + R + 2)
    o_rnd = ssig(ACCW + R + 2)
    o_r = ssig(OB)

    insts = [mpu_mac_lane(clk, e, v, mac_en, mac_clr, y, n=P, a_width=PF + 1, b_width=8, acc_width=ACCW),
             ram_1r1w(clk, acc_we, acc_waddr, acc_new_bits, acc_raddr, acc_rd_bits)]
    for i in range(P):
        insts.append(_hold_cell(clk, hold_load, hold_shift, y((i + 1) * ACCW, i * ACCW),
                                holds[i + 1] if i + 1 < P else holds[i], holds[i]))
    insts.append(_delay(clk, acc_n, line[0]))
    for i in range(1, delay):
        insts.append(_delay(clk, line[i - 1], line[i]))
    acc_dl = line[-1]
    head = holds[0]

    @always_comb
    def views():
        acc_rd.next = acc_rd_bits.signed()
        acc_new_bits.next = acc_new[ACCW:]
        o.next = o_r[OB:]

    @always(clk.posedge)
    def drain_head():
        h1.next = head
        h2.next = h1.signed()

    @always_comb
    def rescale():
        a_prod.next = acc_rd * alpha
        o_prod.next = acc_dl * inv

    @always_comb
    def rounding():
        a_rnd.next = (a_prod + half_p) >> PF
        o_rnd.next = (o_prod + half_o) >> osh

    @always(clk.posedge)
    def rescale_reg():
        a_r.next = a_rnd[ACCW:].signed()  # top bits: sign copies (formats.md bounds)

    @always_comb
    def combine():
        if first2:
            acc_new.next = h2
        else:
            acc_new.next = a_r + h2

    @always(clk.posedge)
    def combine_reg():
        acc_n.next = acc_new

    @always(clk.posedge)
    def out_reg():
        if o_rnd > omax:
            o_r.next = omax
        elif o_rnd < omin:
            o_r.next = omin
        else:
            o_r.next = o_rnd[OB:].signed()

    insts += [views, drain_head, rescale, rounding, rescale_reg, combine, combine_reg, out_reg]
    return insts
