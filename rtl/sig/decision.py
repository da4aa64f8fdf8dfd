"""SIG query-aware decision: the square-root Jensen-Shannon test of ``fixed_head_pattern``.

Computes, bit for bit, the decision part of the golden ``fixed_head_pattern`` for a head whose N is
a multiple of B (one count class: every block has B rows, the probe has B rows):

* ``x[b] = logits(ksum[b] . qsum, mult, shift + 2 log2 B)`` for the nb key block sums ``ksum`` and
  the probe-query column sums ``qsum`` (``score_multiplier(base / B^2)`` equals the probe's
  ``(mult, shift + 2 log2 B)``: dividing the real factor by a power of two only moves the shift;
  checked over many random bases in the test);
* ``avg = softmax_fixed(x)`` (max, ``E(m - x)``, exp-sum, reciprocal ``floor(2^(P+R) / l)`` by
  non-restoring division, ``rsr(E * inv, P + R - A)``);
* ``pvn = normalise(pv)`` (``floor(pv[b] 2^A / max(sum pv, 1))``, non-restoring division, A + 1
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

Pipelined for the timing proxy (every path within 6 logic levels at the U280 preset, with the
sub-modules flattened into it too; docs/sig.md): the logits come from ``logit_pipe``
(``ceil(log2 D) + 6`` stages), the exps from a registered difference and ``exp2_pipe`` (3), the
divisions are non-restoring (the adder's sum is the next remainder, no multiplexer behind it; wide
adds are carry-select), the softmax probability of a block is formed while its division runs, and
a block's JS terms go through a 10-stage tail (``p + q``, three ``log2_pipe``, the differences,
``+ 2^LG``, the products, their sum, the accumulation) that overlaps the next block's division.

Cycles per head (:func:`decision_cycles`, checked against the simulation in the test):
``1 + 1 + nb + L_logit`` (logits and running max, one key block sum per cycle, then the logit
pipeline's drain) ``+ nb + 3`` (pooled scores, total and exp-sum, the exp pipeline's drain)
``+ R + 1`` (reciprocal) ``+ nb (A + 2)`` (per block: load, then A + 1 division steps) ``+ 10``
(the last block's tail) ``+ 1`` (the comparison), plus stalls.

Memories (registered read at the next block index ``b_nx`` with a write bypass, so the cycles
equal an asynchronous read; no reset): logits ``max_blocks x logit_bits`` and pooled scores
``max_blocks x (A + 1 + 2 lb)`` (at the U280 preset: 1024 x 24 and 1024 x 31: one BRAM36 each).
"""

from __future__ import annotations

from myhdl import ConcatSignal, Signal, always, always_comb, always_seq, block, concat, intbv, modbv

from ..common.carry_select import carry_select_add
from ..common.long_division import long_division
from ..common.params import check_pow2, int_checker
from ..common.ram_bypass import ram_bypass
from ..common.signed import extend, ssig, usig, zext
from ..common.widths import index_width
from .exp2_pipe import EXP2_LATENCY, exp2_pipe
from .log2_pipe import LOG2_LATENCY, log2_pipe
from .logit_pipe import logit_latency, logit_pipe
from .pipe_parts import _add, _increment, _reg_copy, _reg_mul, _reg_sub, _reg_sum

# one-hot states: H_X is the bit of state X, S_X its value
H_HDR, H_Q, H_K, H_KW, H_PV, H_PW, H_RC, H_LD, H_DV, H_TW, H_CMP, H_OUT = range(12)
NS = 12
S_HDR, S_Q, S_K, S_KW, S_PV, S_PW, S_RC, S_LD, S_DV, S_TW, S_CMP, S_OUT = (1 << k for k in range(NS))


def tail_latency() -> int:
    """Edges from a block's last division step to its terms in the statistic: ``p + q``, the three
    log2, the differences, ``+ 2^LG``, the products, their sum, the accumulation."""
    return 1 + LOG2_LATENCY + 5


def decision_cycles(nb: int, head_dim: int, recip_frac: int, acc_frac: int) -> int:
    """Cycles of one head with every stream ready and the output taken at once, from the header's
    edge to the output's: header, probe-query sum, nb logits and the logit pipeline's drain, nb
    pooled scores and the exp pipeline's drain, the reciprocal, nb (A + 2) division cycles, the
    last block's tail, the comparison."""
    return 1 + 1 + nb + logit_latency(head_dim) + nb + 1 + EXP2_LATENCY + (recip_frac + 1) \
        + nb * (acc_frac + 2) + tail_latency() + 1


def check_common(blockname, block_size, head_dim, max_blocks, mult_bits, logit_frac, logit_bits, exp_lut_bits,
                 prob_frac, recip_frac, acc_frac):
    _check = int_checker(blockname)
    check_pow2(blockname, "block_size", block_size, 2, 256)
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


def check_widths(blockname, pairs):
    for name, sig_, width in pairs:
        if len(sig_) != width:
            raise ValueError(f"{blockname} field '{name}' width = {len(sig_)} is not allowed: must be {width}")


@block
def sig_decision(clk, rst, s_hdr, s_q, s_k, s_pv, m,
                 block_size=4, head_dim=2, max_blocks=8, mult_bits=16, logit_frac=8, logit_bits=24,
                 exp_lut_bits=8, prob_frac=15, recip_frac=16, acc_frac=16, log_lut_bits=8, log_frac=12):
    check_common("sig_decision", block_size, head_dim, max_blocks, mult_bits, logit_frac, logit_bits,
                 exp_lut_bits, prob_frac, recip_frac, acc_frac)
    _check = int_checker("sig_decision")
    _check("log_lut_bits", log_lut_bits, 1, 12)
    _check("log_frac", log_frac, 4, 16)
    w = decision_widths(block_size, head_dim, max_blocks, mult_bits, acc_frac, log_frac)
    check_widths("sig_decision", (("s_hdr_data", s_hdr.data, w["hdr"]), ("s_q_data", s_q.data, w["bsum"]),
                                  ("s_k_data", s_k.data, w["bsum"]), ("s_pv_data", s_pv.data, w["pv"]),
                                  ("m_data", m.data, w["out"])))
    lb = block_size.bit_length() - 1
    IW, DW, PVW = w["iw"], w["dw"], w["pv"]
    LW, LF, P, R, A, LG = logit_bits, logit_frac, prob_frac, recip_frac, acc_frac, log_frac
    SH = P + R - A
    LSW = P + 1 + max_blocks.bit_length()          # exp-sum of nb terms <= 2^P
    TW = PVW + max_blocks.bit_length()              # total of the pooled scores
    LOW = (A + 2).bit_length() + LG + 1             # log2 of values < 2^(A+2)
    TAW = LOW + 2                                   # signed L(p) - L(s) + 2^LG
    TPW = A + 2 + TAW                               # signed p * (...)
    CW = max(DW, 33) + 1
    LK = logit_latency(head_dim)
    LE = 1 + EXP2_LATENCY                           # the z register and the exp pipeline
    JL = tail_latency()                             # a block's JS tail: capture to accumulation

    # ---- state (one-hot) and the head's constants
    state = Signal(intbv(S_HDR)[NS:])
    nbl = usig(IW)
    mult = usig(mult_bits)
    shift = usig(6)
    th = usig(32)
    qreg = usig(w["bsum"])
    b = Signal(modbv(0)[IW:])
    out_valid = Signal(bool(0))
    out_data = usig(DW + 1)

    # ---- logits of the key block sums (s_k beat against the stored probe-query sum), LK edges deep;
    # kv[k]: a beat entered the pipeline k edges ago; wb: the block index of the logit at x
    sh7 = usig(7)
    shz = usig(7)
    x = ssig(LW)
    kv = Signal(intbv(0)[LK:])
    wb = Signal(modbv(0)[IW:])
    kfirst = Signal(bool(0))
    mx = ssig(LW)
    insts = [zext(shift, shz), logit_pipe(clk, qreg, s_k.data, mult, sh7, x, head_dim, 8 + lb, mult_bits, LF, LW)]

    @always_comb
    def shift_total():
        sh7.next = shz + (2 * lb)

    # ---- memories: registered reads (block RAM) at the block index of the next cycle, ``b_nx``,
    # with a registered bypass of a write to that address at the same edge (read-first memories):
    # ``xr``/``pvr`` equal an asynchronous read at ``b`` on every cycle
    dcnt = Signal(intbv(0, min=0, max=A + 1))
    xr = ssig(LW)
    pvr = usig(PVW)
    b_nx = Signal(modbv(0)[IW:])
    x_we, pv_we, xhit, pvhit = (Signal(bool(0)) for _ in range(4))
    nb1 = Signal(bool(0))         # nb = 1: the only case where a write and a read that is used meet

    @always_comb
    def b_next():
        b_nx.next = b
        if rst:
            b_nx.next = 0
        elif (state[H_K] and s_k.valid) or (state[H_PV] and s_pv.valid) or (state[H_DV] and dcnt == 0):
            if b == nbl:
                b_nx.next = 0
            else:
                b_nx.next = b + 1

    @always_comb
    def mem_ports():
        x_we.next = kv[LK - 1]                 # a logit leaves the pipeline, for block wb
        pv_we.next = state[H_PV] and s_pv.valid
        # a logit written at the edge where the pooled-score phase latches its first read (address 0)
        # is at that address only when nb = 1; likewise a pooled score and the read behind it
        xhit.next = kv[LK - 1] and nb1
        pvhit.next = state[H_PV] and s_pv.valid and nb1

    insts += [ram_bypass(clk, x_we, wb, x, b_nx, xhit, xr, tag="xmem"),
              ram_bypass(clk, pv_we, b, s_pv.data, b_nx, pvhit, pvr, tag="pvmem")]

    # ---- exp of the logit at b against the maximum: registered difference, then the exp pipeline
    # (pooled-score phase: ev[k], el[k]: a beat's exp is k edges along, the last block's)
    z = Signal(modbv(0)[LW:])
    e = usig(P + 1)
    ev = Signal(intbv(0)[LE:])
    el = Signal(intbv(0)[LE:])

    @always(clk.posedge)
    def zdiff():
        z.next = mx - xr

    insts.append(exp2_pipe(clk, z, e, LF, exp_lut_bits, P))
    lsum = usig(LSW)
    tot = usig(TW)
    lsum_n = usig(LSW)
    tot_n = usig(TW)
    insts += [_add(lsum, e, lsum_n), _add(tot, s_pv.data, tot_n)]
    # the same sums negated (mod 2^(width + 2)), for the non-restoring divisions below
    RW2, DW2 = LSW + 2, TW + 2
    nl, nl_n, enot = usig(RW2), usig(RW2), usig(RW2)
    nt, nt_n, pvnot = usig(DW2), usig(DW2), usig(DW2)
    e_x, pv_x = extend(e, RW2, False), extend(s_pv.data, DW2, False)

    @always_comb
    def negated():
        enot.next = ~e_x
        pvnot.next = ~pv_x

    insts += [carry_select_add(nl, enot, nl_n, cin=1), carry_select_add(nt, pvnot, nt_n, cin=1)]

    # ---- reciprocal: floor(2^(P+R) / l), R + 1 quotient bits by non-restoring long division of
    # 2^(P+R): the remainder starts at 2^(P+R) >> (R+1) = 2^(P-1) < l (l >= E(0) = 2^P); each step
    # doubles it and subtracts l when it is not negative, else adds l (no restoring multiplexer
    # behind the adder); the quotient bit is 1 when the new remainder is not negative, the bit a
    # restoring division gives. The remainder lies in (-l, l): RW2 = LSW + 2 bits, two's complement.
    lx = usig(RW2)
    rcnt = Signal(intbv(0, min=0, max=R + 1))
    rquo = usig(R)
    inv = usig(R + 1)
    l_x = extend(lsum, RW2, False)

    rq, dq_bit = Signal(bool(0)), Signal(bool(0))

    @always_comb
    def r_operands():
        lx.next = l_x

    r_load, r_step, d_load, d_step = (Signal(bool(0)) for _ in range(4))
    insts.append(long_division(clk, r_load, r_step, 1 << (P - 1), lx, nl, rquo, rq))

    # ---- normalising division: floor(pv[b] 2^A / max(tot, 1)), A + 1 quotient bits by non-restoring
    # long division of pv 2^A (as the reciprocal): the remainder starts at pv >> 1 < den (pv <= tot),
    # takes pv's bit 0 in the first step, and lies in (-den, den): DW2 = TW + 2 bits
    den = usig(DW2)
    nden = usig(DW2)
    dquo = usig(A)
    tot_x = extend(tot, DW2, False)

    pvh = ConcatSignal(intbv(0)[DW2 - PVW + 1:], pvr(PVW, 1))     # pv >> 1, DW2 bits

    d_rem0, d_bit0 = usig(DW2), usig(1)

    @always_comb
    def d_operands():
        d_rem0.next = pvh
        d_bit0.next = pvr[0]

    insts.append(long_division(clk, d_load, d_step, d_rem0, den, nden, dquo, dq_bit, bits0=d_bit0))

    # ---- softmax probability of block b, formed while its division runs (ready 5 edges after the
    # block's load edge; the division takes A + 1 >= 5 edges): pp_rnd = e * inv, p = rsr(pp_rnd, SH)
    pp_rnd = usig(P + R + 2)
    pph_rnd = usig(P + R + 3 - SH)
    pinc_rnd = usig(P + R + 3 - SH)
    p = usig(A + 1)
    insts.append(_reg_mul(clk, e, inv, pp_rnd))

    @always_comb
    def pp_top():
        pph_rnd.next = pp_rnd[P + R + 2:SH - 1]

    insts.append(_increment(pph_rnd, pinc_rnd))

    @always(clk.posedge)
    def p_round():
        p.next = pinc_rnd[A + 2:1]

    # ---- a block's JS terms (the tail, one block at a time in each stage, JL edges): jv[k], jl[k]:
    # a block's terms are k edges along, the last block's
    jv = Signal(intbv(0)[JL:])
    jl = Signal(intbv(0)[JL:])
    jp0, jq0 = usig(A + 1), usig(A + 1)
    js1 = usig(A + 2)
    pd = [usig(A + 1) for _ in range(1 + LOG2_LATENCY + 2)]    # p at J1 .. J7
    qd = [usig(A + 1) for _ in range(1 + LOG2_LATENCY + 2)]
    insts += [_reg_sum(clk, jp0, jq0, js1), _reg_copy(clk, jp0, pd[0]), _reg_copy(clk, jq0, qd[0])]
    for k in range(1, len(pd)):
        insts += [_reg_copy(clk, pd[k - 1], pd[k]), _reg_copy(clk, qd[k - 1], qd[k])]
    lp, lq, ls = usig(LOW), usig(LOW), usig(LOW)
    insts += [log2_pipe(clk, pd[0], lp, log_lut_bits, LG), log2_pipe(clk, qd[0], lq, log_lut_bits, LG),
              log2_pipe(clk, js1, ls, log_lut_bits, LG)]
    dp, dq = ssig(TAW), ssig(TAW)
    insts += [_reg_sub(clk, lp, ls, dp), _reg_sub(clk, lq, ls, dq)]
    ap, aq = ssig(TAW), ssig(TAW)

    @always(clk.posedge)
    def plus_one():
        ap.next = dp + (1 << LG)
        aq.next = dq + (1 << LG)

    tp, tq = ssig(TPW), ssig(TPW)
    insts += [_reg_mul(clk, pd[-1], ap, tp), _reg_mul(clk, qd[-1], aq, tq)]
    t2 = ssig(DW)
    insts.append(_reg_sum(clk, tp, tq, t2))
    d2 = ssig(DW)
    d2n = ssig(DW)
    insts.append(_add(d2, t2, d2n))

    # ---- decision: d2 < tau_th, the sign of d2 - tau_th
    d2x = usig(CW)
    thn = usig(CW)
    diff_sgn = usig(CW)
    insts.append(carry_select_add(d2x, thn, diff_sgn, cin=1))

    d2_ext, th_ext = extend(d2, CW, True), extend(th, CW, False)
    qa = Signal(bool(0))

    @always_comb
    def cmp_operands():
        d2x.next = d2_ext
        thn.next = ~th_ext

    @always_comb
    def decide():
        qa.next = diff_sgn[CW - 1]

    # ---- ports
    @always_comb
    def ports():
        s_hdr.ready.next = state[H_HDR]
        s_q.ready.next = state[H_Q]
        s_k.ready.next = state[H_K]
        s_pv.ready.next = state[H_PV]
        m.valid.next = out_valid
        m.data.next = out_data

    k_in, e_in, e_last, j_in, j_last = (Signal(bool(0)) for _ in range(5))

    @always_comb
    def pipe_inputs():
        k_in.next = state[H_K] and s_k.valid
        e_in.next = state[H_PV] and s_pv.valid
        e_last.next = state[H_PV] and s_pv.valid and b == nbl
        j_in.next = state[H_DV] and dcnt == 0
        j_last.next = state[H_DV] and dcnt == 0 and b == nbl
        # the two divisions: the reciprocal loads when the last exp leaves its pipeline
        r_load.next = state[H_PW] and ev[LE - 1] and el[LE - 1]
        r_step.next = state[H_RC]
        d_load.next = state[H_LD]
        d_step.next = state[H_DV]

    @always_seq(clk.posedge, reset=rst)
    def pipes():
        kv.next = concat(kv[LK - 1:0], k_in)
        ev.next = concat(ev[LE - 1:0], e_in)
        el.next = concat(el[LE - 1:0], e_last)
        jv.next = concat(jv[JL - 1:0], j_in)
        jl.next = concat(jl[JL - 1:0], j_last)

    @always_seq(clk.posedge, reset=rst)
    def control():
        b.next = b_nx
        if state[H_HDR]:
            if s_hdr.valid:
                nbl.next = s_hdr.data[IW:0]
                shift.next = s_hdr.data[IW + 6:IW]
                mult.next = s_hdr.data[IW + 6 + mult_bits:IW + 6]
                th.next = s_hdr.data[IW + 6 + mult_bits + 32:IW + 6 + mult_bits]
                kfirst.next = True
                nb1.next = s_hdr.data[IW:0] == 0
                wb.next = 0
                lsum.next = 0
                tot.next = 0
                nl.next = 0
                nt.next = 0
                state.next = S_Q
        if state[H_Q]:
            if s_q.valid:
                qreg.next = s_q.data
                state.next = S_K
        if state[H_K]:
            if s_k.valid and b == nbl:
                state.next = S_KW
        if kv[LK - 1]:                      # a logit leaves the pipeline (states K and KW)
            if kfirst or x > mx:
                mx.next = x
            kfirst.next = False
            wb.next = wb + 1
            if state[H_KW] and wb == nbl:
                state.next = S_PV
        if state[H_PV]:
            if s_pv.valid:
                tot.next = tot_n
                nt.next = nt_n
                if b == nbl:
                    state.next = S_PW
        if ev[LE - 1]:                      # an exp leaves the pipeline (states PV and PW)
            lsum.next = lsum_n
            nl.next = nl_n
        if state[H_PW]:
            if tot == 0:
                den.next = 1
                nden.next = (1 << DW2) - 1
            else:
                den.next = tot_x
                nden.next = nt
            if ev[LE - 1] and el[LE - 1]:
                rcnt.next = R
                state.next = S_RC
        if state[H_RC]:
            if rcnt == 0:
                inv.next = concat(rquo, rq)
                d2.next = 0
                state.next = S_LD
            else:
                rcnt.next = rcnt - 1
        if state[H_LD]:
            dcnt.next = A
            state.next = S_DV
        if state[H_DV]:
            if dcnt == 0:
                jp0.next = p
                jq0.next = concat(dquo, dq_bit)
                state.next = S_LD
                if b == nbl:
                    state.next = S_TW
            else:
                dcnt.next = dcnt - 1
        if jv[JL - 1]:                      # a block's terms reach the statistic (states LD, DV, TW)
            d2.next = d2n
            if jl[JL - 1]:
                state.next = S_CMP
        if state[H_CMP]:
            out_valid.next = True
            out_data.next = concat(qa, d2[DW:])
            state.next = S_OUT
        if state[H_OUT]:
            if m.ready:
                out_valid.next = False
                state.next = S_HDR

    return (insts, shift_total, b_next, mem_ports, zdiff, r_operands, d_operands, pp_top,
            p_round, plus_one, cmp_operands, decide, negated, ports, pipe_inputs, pipes, control)
