"""One SAE lane: head-dimension element ``d`` of every query, key, value and accumulator.

The engine instantiates ``head_dim`` lanes side by side (``D``-wide lanes). Lane ``d`` holds

* ``qmem``: element ``d`` of the ``G * B`` query rows of the current row job (INT8),
* ``kmem``, ``vmem``: element ``d`` of the ``B`` key and value rows of the current key block,
* ``accmem``: element ``d`` of the ``G * B`` online-softmax accumulators (``acc_bits``, signed),

all written in ``@always(clk.posedge)`` without reset (RAM style) and read through registers.

Datapath (``P`` = prob_frac, ``R`` = recip_frac, ``OF`` = out_frac; widths explicit):

* scores: ``prod = q[gi] * k[j]`` (S16, registered; the engine sums the lanes' products),
* rescale (``scale_en``): ``acc_run = rsr(acc[gi] * alpha, P)``, or 0 on the row job's first block,
* P x V: ``pv = e * v[j]`` (UQ1.P x S8, one 16x8 DSP48E2 product, registered) and
  ``acc_run += pv`` while ``add_en``; ``acc_we`` writes ``acc_run`` back to ``accmem[gi]``,
* output (``omul_en``): ``o = sat(rsr(acc[gi] * inv, P + R - OF), out_bits)`` (registered, reset).

Latency: reads 1 cycle; ``prod`` 2 cycles after the key address; ``pv`` 2 cycles after the value
address. Every cycle one product of each kind (no stall inside a pass).
"""

from __future__ import annotations

from myhdl import Signal, always, always_comb, always_seq, block, intbv


def _sbits(w):
    return intbv(0, min=-(1 << (w - 1)), max=1 << (w - 1))


@block
def sae_lane(clk, rst, q_in, kv_in, we_q, we_k, we_v, waddr_q, waddr_kv, gi, jaddr, first,
             alpha, scale_en, e, add_en, acc_we, inv, omul_en, prod, o,
             rows=8, block_size=8, acc_bits=41, prob_frac=15, recip_frac=16, out_frac=8, out_bits=16):
    p, r, of = prob_frac, recip_frac, out_frac
    qmem = [Signal(intbv(0)[8:]) for _ in range(rows)]
    kmem = [Signal(intbv(0)[8:]) for _ in range(block_size)]
    vmem = [Signal(intbv(0)[8:]) for _ in range(block_size)]
    accmem = [Signal(_sbits(acc_bits)) for _ in range(rows)]

    q_r = Signal(intbv(0)[8:])
    k_r = Signal(intbv(0)[8:])
    v_r = Signal(intbv(0)[8:])
    acc_rd = Signal(_sbits(acc_bits))
    acc_run = Signal(_sbits(acc_bits))
    pv = Signal(_sbits(acc_bits))                              # e * v (S(P+10)), sign-extended
    a_rnd = Signal(_sbits(acc_bits + p + 2))
    a_prod = Signal(_sbits(acc_bits + p + 2))                  # acc * alpha, alpha <= 2**P
    o_prod = Signal(_sbits(acc_bits + r + 2))                  # acc * inv, inv < 2**(R+1)
    o_rnd = Signal(_sbits(acc_bits + r + 2))
    o_r = Signal(_sbits(out_bits))
    half_p = 1 << (p - 1)
    osh = p + r - of
    half_o = 1 << (osh - 1)
    omax = (1 << (out_bits - 1)) - 1
    omin = -(1 << (out_bits - 1))

    @always(clk.posedge)
    def q_ram():
        if we_q:
            qmem[waddr_q].next = q_in
        q_r.next = qmem[gi]

    @always(clk.posedge)
    def k_ram():
        if we_k:
            kmem[waddr_kv].next = kv_in
        k_r.next = kmem[jaddr]

    @always(clk.posedge)
    def v_ram():
        if we_v:
            vmem[waddr_kv].next = kv_in
        v_r.next = vmem[jaddr]

    @always(clk.posedge)
    def acc_ram():
        if acc_we:
            accmem[gi].next = acc_run
        acc_rd.next = accmem[gi]

    @always_comb
    def products():
        a_prod.next = acc_rd * alpha
        o_prod.next = acc_rd * inv

    @always_comb
    def out_round():
        o_rnd.next = (o_prod + half_o) >> osh
        a_rnd.next = (a_prod + half_p) >> p

    @always(clk.posedge)
    def mac():
        prod.next = q_r.signed() * k_r.signed()
        pv.next = e * v_r.signed()
        if scale_en:
            if first:
                acc_run.next = 0
            else:
                acc_run.next = a_rnd[acc_bits:].signed()  # top bits: sign copies (formats.md bounds)
        elif add_en:
            acc_run.next = acc_run + pv

    @always_seq(clk.posedge, reset=rst)
    def out_reg():
        if omul_en:
            if o_rnd > omax:
                o_r.next = omax
            elif o_rnd < omin:
                o_r.next = omin
            else:
                o_r.next = o_rnd[out_bits:].signed()

    @always_comb
    def out_bits_port():
        o.next = o_r[out_bits:]

    return q_ram, k_ram, v_ram, acc_ram, products, out_round, mac, out_reg, out_bits_port
