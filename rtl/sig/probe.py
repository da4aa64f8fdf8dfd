"""SIG score pipeline: the two-pass probe over K (running max and exp-sum, then the vertical and
slash accumulators), never holding the B x N probe matrix.

Computes the golden model's ``probe_fixed(qp, k, mult, shift, cfg)`` bit for bit: ``qp`` = the last
B queries (INT8, one row of D per ``s_q`` beat), ``k`` = N keys (one key of D per ``s_k`` beat, all N
in order for pass 1, then all N again for pass 2: each key read once per pass, sequentially, the
memory-aware order). Outputs the accumulators: ``vert[0 .. N-1]`` then ``slash[0 .. N-1]``.

Datapath (one score per cycle: D signed INT8 products and an adder tree, own multiply-accumulate;
the MPU lane is not committed yet): ``x = sat(rsr(S * mult, shift - LF), logit_bits)``, with the
round-half-up shift done as ``((v >>> (k-1)) + 1) >>> 1`` (exact for k >= 1).

Schedule: a key stays in a register for the B cycles of its B probe rows (key outer, row inner).
Pass 1 writes each block's logits into one of two B x B logit buffers and the per-row block max
into one of two max banks; in lockstep, the exp unit walks the *previous* block's buffer row by row
(``mn = max(m, blockmax)``, ``l = rsr(l * E(mn - m), P) + sum E(mn - x)``, the golden per-block
update), so pass 1 takes ``(nb + 1) B^2`` cycles. The reciprocal ``floor(2^(P+R) / l)`` is a
restoring division (R + 1 cycles per row). Pass 2 (``nb B^2`` cycles) recomputes the logits, forms
``p = rsr(E(m - x) * inv, P + R - A)``, sums a key's B probabilities into ``vert[j]`` and adds each
into ``slash[qpos - j]`` (read-modify-write). Keys past N in the last block are phantoms (masked by
causality, no ``s_k`` beat). Cycles per head: ``B`` (queries) ``+ (2 nb + 1) B^2 + B (R + 1) + 2 N``
(output) plus stalls; the ideal with D lanes is ``2 N B``.

Ports (``IWN = bits(max_n - 1)``): ``s_hdr``: ``{mult[mult_bits], shift[6], n_last[IWN]}``
(``n_last = N - 1``, ``B <= N <= max_n``, ``shift - logit_frac >= 1``); ``s_q`` / ``s_k``: ``8 D``
bits, element ``d`` at ``[8d+7 : 8d]``; ``m``: ``{kind, value[A + 1 + log2 B]}`` (kind 0 vertical,
1 slash).

Several query heads per K pass (``heads_per_pass`` = S > 1, a GQA group's heads sharing K): the
header gains a top field, ``{h-1[GW], mult, shift, n_last}`` (``GW = bits(S - 1)``, ``1 <= h <= S``
heads in this pass, chosen per pass), ``s_q`` takes the ``h B`` probe rows (head 0's B rows, then
head 1's, ...), ``s_k`` the N keys twice as before (K read once per pass for all h heads). A key is
held while all ``h B`` rows are scored (key outer, head, row inner); the row state (q, m, l, 1/l,
block max) has ``S B`` entries, the logit buffers ``S B^2``, and the accumulators one bank per head
(bank g at ``g 2^IWN``). The output is bank 0 (``vert`` then ``slash``), then bank 1, ... bank
``h-1``, in the same beat format: a consumer that wants head g's bank only when it is ready for it
simply holds ``m_ready`` low (the probe waits; the next header is taken after the last bank).
Cycles: ``h B + (2 nb + 1) h B^2 + h B (R + 1) + 2 h N`` plus stalls, K beats ``2 N`` per pass.
With S = 1 the block is the single-head probe, bit and cycle for cycle.

Memories (no reset): vertical and slash accumulators ``max_n x (A + 1 + log2 B)`` (``(S-1) 2^IWN +
max_n`` entries for S heads; URAM at the U280 preset), two logit buffers ``S B^2 x (LB + 1)``,
queries ``S B x 8D``, per-row m, l, 1/l and two block-max banks (``S B`` entries each). Every read
is clocked: the logit buffers at the next ``(jj, ii)``, the accumulators' output reads at the next
output address, and the slash accumulator's read-modify-write over two cycles (read at the step,
the sum written in the next cycle; consecutive steps never share an offset, and a word written at
the edge where it is read is forwarded); the small row memories by register addresses. The cycle
counts are those of the one-cycle form. The arithmetic is combinational in one cycle here (a
verification model of the schedule); pipelining for 300 MHz is future work.
"""

from __future__ import annotations

import math

from myhdl import Signal, always, always_comb, always_seq, block, concat, intbv, modbv

from ..common.params import int_checker
from ..common.widths import index_width
from .arith import adder_tree, sadd, sfield, smul, ssig, umul, usig, zext

P_CLEAR, P_HDR, P_QLOAD, P_SCORE, P_DRAIN, P_RECIP, P_OUTV, P_OUTS = range(8)


def probe_widths(block_size: int, head_dim: int, max_n: int, mult_bits: int, acc_frac: int,
                 heads_per_pass: int = 1) -> dict:
    """Port widths; ``gw`` = bits of the header's head-count field (0 when ``heads_per_pass`` = 1)."""
    iwn = index_width(max_n)
    lb = block_size.bit_length() - 1
    gw = (heads_per_pass - 1).bit_length() if heads_per_pass > 1 else 0
    return {"iwn": iwn, "gw": gw, "hdr": gw + mult_bits + 6 + iwn, "kq": 8 * head_dim,
            "out": acc_frac + 1 + lb + 1}


_check = int_checker("sig_probe")


@block
def exp2_unit(z, e, logit_frac, exp_lut_bits, prob_frac):
    """``e = E(z)`` for unsigned z with LF fraction bits: ``EXP_LUT[idx] >> (z >> LF)``, 0 past P."""
    lut = tuple(int(math.floor(2.0 ** prob_frac * 2.0 ** (-i / (1 << exp_lut_bits)) + 0.5))
                for i in range(1 << exp_lut_bits))
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

    @always_comb
    def shift():
        if nsh > prob_frac:
            e.next = 0
        else:
            e.next = lv >> nsh

    return split, rom, shift


@block
def sig_probe(clk, rst, s_hdr_valid, s_hdr_ready, s_hdr_data, s_q_valid, s_q_ready, s_q_data, s_k_valid,
              s_k_ready, s_k_data, m_valid, m_ready, m_data, block_size=4, head_dim=2, max_n=16, mult_bits=16,
              logit_frac=8, logit_bits=24, exp_lut_bits=8, prob_frac=15, recip_frac=16, acc_frac=16,
              heads_per_pass=1):
    B, D = block_size, head_dim
    S = heads_per_pass
    _check("heads_per_pass", S, 1, 16)
    _check("block_size", B, 2, 256)
    if B & (B - 1):
        raise ValueError(f"sig_probe field 'block_size' = {B!r} is not allowed: must be a power of two in [2, 256]")
    _check("head_dim", D, 1, 256)
    _check("max_n", max_n, 2 * B, 1 << 20)
    if max_n % B:
        raise ValueError(f"sig_probe field 'max_n' = {max_n!r} is not allowed: must be a multiple of block_size={B}")
    _check("mult_bits", mult_bits, 4, 24)
    _check("logit_frac", logit_frac, 1, 12)
    _check("logit_bits", logit_bits, 12, 32)
    _check("exp_lut_bits", exp_lut_bits, 1, logit_frac)
    _check("prob_frac", prob_frac, 4, 20)
    _check("recip_frac", recip_frac, 4, 20)
    _check("acc_frac", acc_frac, 4, prob_frac + recip_frac - 1)
    w = probe_widths(B, D, max_n, mult_bits, acc_frac, S)
    iwn, gw = w["iwn"], w["gw"]
    for name, sig_, width in (("s_hdr_data", s_hdr_data, w["hdr"]), ("s_q_data", s_q_data, w["kq"]),
                              ("s_k_data", s_k_data, w["kq"]), ("m_data", m_data, w["out"])):
        if len(sig_) != width:
            raise ValueError(f"sig_probe field '{name}' width = {len(sig_)} is not allowed: must be {width}")
    lb = B.bit_length() - 1
    LW, LF, P, R, A = logit_bits, logit_frac, prob_frac, recip_frac, acc_frac
    SH = P + R - A
    EW = P + 1 + max(1, math.ceil(math.log2(max_n)))
    ESW = P + 1 + lb
    AW = A + 1 + lb
    NBLK = max_n // B
    CW = max(1, NBLK.bit_length())
    XMIN, XMAX = -(1 << (LW - 1)), (1 << (LW - 1)) - 1
    JW = CW + lb

    # ---------------------------------------------------------------- memories
    # S heads: row memories hold S B rows (row (g, i) at g B + i), the logit buffers S B^2 entries
    # ((g, row, key) at (g B + row) B + key), the accumulators one bank of 2^iwn entries per head
    # (bank g at g 2^iwn; the last bank max_n deep, so S = 1 keeps exactly max_n entries).
    VN = (S - 1) * (1 << iwn) + max_n
    qmem = [usig(8 * D) for _ in range(S * B)]
    xb0 = [usig(LW + 1) for _ in range(S * B * B)]
    xb1 = [usig(LW + 1) for _ in range(S * B * B)]
    bm0 = [ssig(LW) for _ in range(S * B)]
    bm1 = [ssig(LW) for _ in range(S * B)]
    m_mem = [ssig(LW) for _ in range(S * B)]
    l_mem = [usig(EW) for _ in range(S * B)]
    inv_mem = [usig(R + 1) for _ in range(S * B)]
    vert = [usig(AW) for _ in range(VN)]
    slash = [usig(AW) for _ in range(VN)]

    # ---------------------------------------------------------------- control state
    state = Signal(intbv(P_CLEAR, min=0, max=8))
    ps = Signal(bool(0))
    n_last = usig(iwn)
    mult = usig(mult_bits)
    shift = usig(6)
    c = Signal(modbv(0)[CW:])
    jj = Signal(modbv(0)[lb:])
    ii = Signal(modbv(0)[lb:])
    kreg = usig(8 * D)
    kvalid = Signal(bool(0))
    kcount = usig(iwn + 2)
    addr = Signal(modbv(0)[iwn + gw:])
    rbit = Signal(intbv(0, min=0, max=R + 1))
    rem = usig(P + R + 1)
    quo = usig(R)
    esum = usig(ESW)
    vacc = usig(AW)
    out_valid = Signal(bool(0))
    out_data = usig(AW + 1)

    # ---------------------------------------------------------------- heads of the pass (S > 1)
    # g: head of the score step (key jj, head g, row ii; row inner); gout: bank being emitted;
    # hl: heads in this pass - 1 (header). The memory indices below are concat(g, ...) of the
    # S = 1 indices; with S = 1 they are the S = 1 signals themselves.
    idx_insts = []
    if S > 1:
        g = Signal(intbv(0, min=0, max=S))
        gout = Signal(intbv(0, min=0, max=S))
        hl = usig(gw)
        g_last = Signal(bool(0))
        ridx = usig(gw + lb)         # score row (g, ii): q, m, 1/l, block max
        eridx = usig(gw + lb)        # exp row (g, jj): block max, m, l
        arow = usig(gw + lb)         # row counted by addr (q load, init, reciprocal)
        alo = usig(iwn)              # addr within one bank
        oidx = usig(gw + iwn)        # output (gout, addr)
        rows_last = usig(iwn + gw)   # h B - 1

        @always_comb
        def head_idx():
            g_last.next = g == hl
            ridx.next = concat(g, ii)
            eridx.next = concat(g, jj)
            if addr < S * B:
                arow.next = addr[lb + gw:]
            else:
                arow.next = 0  # addr past the rows (clear, output): keep the row index in range
            alo.next = addr[iwn:]
            oidx.next = concat(gout, addr[iwn:])
            rows_last.next = concat(intbv(0)[iwn - lb:], hl, intbv(B - 1)[lb:])

        idx_insts.append(head_idx)
    else:
        ridx, eridx, alo, oidx = ii, jj, addr, addr
        arow = usig(lb)
        rows_last = None

        @always_comb
        def head_idx():
            arow.next = addr[lb:]

        idx_insts.append(head_idx)

    # ---------------------------------------------------------------- score datapath
    qrow = usig(8 * D)
    qa = [ssig(8) for _ in range(D)]
    ka = [ssig(8) for _ in range(D)]
    pr = [ssig(16) for _ in range(D)]
    insts = []
    for d in range(D):
        insts += [sfield(qrow, qa[d], 8 * d), sfield(kreg, ka[d], 8 * d), smul(qa[d], ka[d], pr[d])]
    nodes = []
    root, _, _ = adder_tree([(p, -128 * 127, 128 * 128) for p in pr], nodes)
    insts += [sadd(a, b, s) for a, b, s in nodes]
    PRW = len(root) + mult_bits + 2
    prod = ssig(PRW)
    insts.append(smul(root, mult, prod))
    km1 = Signal(modbv(0)[6:])
    t1 = ssig(PRW)
    t2 = ssig(PRW)
    t3 = ssig(PRW)
    x = ssig(LW)

    @always_comb
    def logit_shift():
        km1.next = shift - (LF + 1)

    @always_comb
    def logit_shift2():
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

    # causal validity: j + B - 1 <= n_last + i  (qpos_i = N - B + i); slash distance d = qpos_i - j
    j = usig(JW)
    jw = usig(iwn + 2)
    jb = usig(iwn + 2)
    ni = usig(iwn + 2)
    valid = Signal(bool(0))
    sdist = Signal(modbv(0)[iwn:])
    phantom = Signal(bool(0))
    nlw = usig(iwn + 2)

    @always_comb
    def key_index():
        j.next = concat(c, jj)

    insts.append(zext(j, jw))
    insts.append(zext(n_last, nlw))
    iiz = usig(iwn + 2)
    iin = usig(iwn)
    nl_i = Signal(modbv(0)[iwn:])
    j_b = Signal(modbv(0)[iwn:])
    jlo = usig(iwn)
    nl_hi = usig(iwn - lb)
    cl = usig(CW)
    is_s = Signal(bool(0))

    @always_comb
    def key_low():
        jlo.next = j[iwn:]
        nl_hi.next = n_last[iwn:lb]
        is_s.next = state == P_OUTS

    insts += [zext(nl_hi, cl), zext(ii, iiz), zext(ii, iin)]

    @always_comb
    def causal():
        jb.next = jw + intbv(B - 1)[iwn + 2:]
        ni.next = nlw + iiz
        nl_i.next = n_last + iin
        j_b.next = jlo + intbv(B - 1)[iwn:]

    @always_comb
    def causal2():
        valid.next = jb <= ni
        phantom.next = jw > nlw

    @always_comb
    def causal3():
        sdist.next = nl_i - j_b

    @always_comb
    def q_read():
        qrow.next = qmem[ridx]

    # ---------------------------------------------------------------- exp unit (pass 1: previous block, row jj, key ii)
    ebank = Signal(bool(0))
    xe = usig(LW + 1)
    xe_v = Signal(bool(0))
    xe_x = ssig(LW)
    bme = ssig(LW)
    m_r = ssig(LW)
    mn = ssig(LW)
    l_r = usig(EW)
    saddr = usig(gw + 2 * lb)

    if S > 1:
        @always_comb
        def e_addr():
            ebank.next = not c[0]
            saddr.next = concat(g, ii, jj)
    else:
        @always_comb
        def e_addr():
            ebank.next = not c[0]
            saddr.next = concat(ii, jj)

    xe0 = usig(LW + 1)
    xe1 = usig(LW + 1)
    bme0 = ssig(LW)
    bme1 = ssig(LW)
    # registered reads of the logit buffers at the (jj, ii) of the next cycle: the exp unit reads
    # the bank the score side is not writing (the previous block's), so no write is forwarded
    ii_nx = Signal(modbv(0)[lb:])
    jj_nx = Signal(modbv(0)[lb:])
    eaddr_nx = usig(gw + 2 * lb)

    if S > 1:
        g_nx = Signal(intbv(0, min=0, max=S))

        @always_comb
        def e_addr_nx():
            eaddr_nx.next = concat(g_nx, jj_nx, ii_nx)
    else:
        @always_comb
        def e_addr_nx():
            eaddr_nx.next = concat(jj_nx, ii_nx)

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
        if ebank:
            xe.next = xe1
            bme.next = bme1
        else:
            xe.next = xe0
            bme.next = bme0

    @always_comb
    def e_fields():
        xe_v.next = xe[LW]
        xe_x.next = xe[LW:].signed()

    m_ri = ssig(LW)
    m_rj = ssig(LW)

    @always_comb
    def e_row0():
        m_ri.next = m_mem[ridx]

    @always_comb
    def e_row1():
        m_rj.next = m_mem[eridx]

    @always_comb
    def e_row2():
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
    esum_n = usig(ESW)
    l_new = usig(EW)

    @always_comb
    def e_mask():
        if (ps and valid) or (not ps and xe_v):
            e1m.next = e1
        else:
            e1m.next = 0

    insts += [umul(l_r, e2, la), zext(e1m, esw)]

    @always_comb
    def l_round():
        la_rnd.next = la + intbv(1 << (P - 1))[EW + P + 1:]

    @always_comb
    def l_round2():
        lr.next = la_rnd[EW + P:P]

    @always_comb
    def e_sum():
        if ii == 0:
            esum_n.next = esw
        else:
            esum_n.next = esum + esw

    esum_w = usig(EW)
    insts.append(zext(esum_n, esum_w))

    @always_comb
    def l_add():
        l_new.next = lr + esum_w

    # ---------------------------------------------------------------- pass 2: probabilities
    inv_r = usig(R + 1)
    pp = usig(P + R + 2)
    pp_rnd = usig(P + R + 2)
    p = usig(A + 1)
    p_w = usig(AW)
    vsum = usig(AW)
    sl_rd = usig(AW)
    sl_new = usig(AW)

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

    insts.append(zext(p, p_w))

    @always_comb
    def p_acc():
        if ii == 0:
            vsum.next = p_w
        else:
            vsum.next = vacc + p_w

    if S > 1:
        sidx = usig(gw + iwn)
        vidx = usig(gw + iwn)

        @always_comb
        def bank_idx():
            sidx.next = concat(g, sdist)
            vidx.next = concat(g, jlo)

        idx_insts.append(bank_idx)
    else:
        sidx, vidx = sdist, jlo

    # slash read-modify-write over two cycles: the step reads slash[sidx] (registered: the word
    # arrives next cycle) and registers its address and p; the next cycle writes the sum. Two
    # consecutive steps never share an offset (same key: the rows differ; key to key: B apart), and
    # a word written at the edge where it is read is forwarded anyway.
    SIW = len(sidx)
    sl_raddr = usig(SIW)
    sl_q = usig(AW)
    slw_v = Signal(bool(0))
    slw_addr = usig(SIW)
    slw_p = usig(AW)
    sl_fwd = Signal(bool(0))
    sl_fwd_d = usig(AW)

    @always_comb
    def sl_read():
        if sl_fwd:
            sl_rd.next = sl_fwd_d
        else:
            sl_rd.next = sl_q

    @always_comb
    def p_acc2():
        sl_new.next = sl_rd + slw_p

    # ---------------------------------------------------------------- reciprocal (restoring division)
    lrow = usig(EW)
    lsh = usig(EW + R + 1)
    lshw = usig(EW + R + 1)
    remw = usig(EW + R + 1)
    ge = Signal(bool(0))

    @always_comb
    def r_read():
        lrow.next = l_mem[arow]

    insts += [zext(lrow, lshw), zext(rem, remw)]

    @always_comb
    def r_shift():
        lsh.next = lshw << rbit

    @always_comb
    def r_cmp():
        ge.next = lsh <= remw

    # ---------------------------------------------------------------- handshakes and step
    step = Signal(bool(0))
    out_free = Signal(bool(0))
    k_take = Signal(bool(0))
    row_end = Signal(bool(0))
    blk_end = Signal(bool(0))
    q_end = Signal(bool(0))       # addr at the last probe row (q load, reciprocal)
    out_end = Signal(bool(0))     # addr at the last key of an output vector
    if S > 1:
        key_end = Signal(bool(0))     # the last row of the last head for this key
        blk_all = Signal(bool(0))     # the last step of a block (all heads)
        out_done = Signal(bool(0))    # the last beat of the last bank

        @always_comb
        def ctl_heads():
            key_end.next = row_end and g_last
            blk_all.next = blk_end and g_last
            q_end.next = addr == rows_last
            out_end.next = alo == n_last

        @always_comb
        def ctl_heads2():
            out_done.next = out_end and gout == hl

        idx_insts += [ctl_heads, ctl_heads2]
    else:
        key_end, blk_all = row_end, blk_end

        @always_comb
        def ctl_heads():
            q_end.next = addr == B - 1
            out_end.next = addr == n_last

        idx_insts.append(ctl_heads)
        out_done = out_end
    last_blk = Signal(bool(0))
    o_rd = usig(AW)

    @always_comb
    def ctl():
        out_free.next = m_ready or not out_valid
        row_end.next = ii == B - 1
        blk_end.next = ii == B - 1 and jj == B - 1
        last_blk.next = c == cl
        if state == P_SCORE:
            step.next = kvalid or phantom
        elif state == P_DRAIN:
            step.next = True
        else:
            step.next = False

    @always_comb
    def ctl2():
        k_take.next = (state == P_SCORE and kcount <= nlw and
                       (not kvalid or (step and key_end and not phantom)))

    @always_comb
    def ports():
        s_hdr_ready.next = state == P_HDR
        s_q_ready.next = state == P_QLOAD
        s_k_ready.next = k_take
        m_valid.next = out_valid
        m_data.next = out_data

    o_v = usig(AW)
    o_s = usig(AW)
    # registered output reads at the address of the next cycle (oidx_nx): addr (and, S > 1, gout)
    # as the sequencing below moves them; in pass 2 addr stays 0, so the first word is read ahead
    OIW = len(oidx)
    a_nx = Signal(modbv(0)[iwn:])
    oidx_nx = usig(OIW)
    v_q = usig(AW)
    v_fwd = Signal(bool(0))
    v_fwd_d = usig(AW)
    out_go = Signal(bool(0))

    @always_comb
    def out_step():
        out_go.next = (state == P_OUTV or state == P_OUTS) and out_free

    @always_comb
    def out_next():
        if out_go and out_end:
            a_nx.next = 0
        elif out_go:
            a_nx.next = alo + 1
        else:
            a_nx.next = alo

    if S > 1:
        gout_nx = Signal(intbv(0, min=0, max=S))

        @always_comb
        def out_next_bank():
            gout_nx.next = gout
            if state == P_HDR:
                if s_hdr_valid:
                    gout_nx.next = 0
            elif state == P_OUTS and out_go and out_end:
                if gout == hl:           # out_done, compared here (no delta cycle with gout + 1 = S)
                    gout_nx.next = 0
                else:
                    gout_nx.next = gout + 1

        @always_comb
        def out_next_idx():
            oidx_nx.next = concat(gout_nx, a_nx)

        idx_insts += [out_next_bank, out_next_idx]
    else:
        @always_comb
        def out_next_idx():
            oidx_nx.next = a_nx

        idx_insts.append(out_next_idx)

    @always_comb
    def sl_addr():
        if state == P_SCORE and ps:
            sl_raddr.next = sidx
        else:
            sl_raddr.next = oidx_nx

    @always(clk.posedge)
    def out_read_v():
        v_q.next = vert[oidx_nx]
        v_fwd.next = state == P_SCORE and step and ps and row_end and vidx == oidx_nx
        v_fwd_d.next = vsum

    @always(clk.posedge)
    def out_read_s():
        sl_q.next = slash[sl_raddr]
        sl_fwd.next = slw_v and slw_addr == sl_raddr
        sl_fwd_d.next = sl_new

    @always(clk.posedge)
    def sl_stage():
        slw_v.next = state == P_SCORE and step and ps and valid
        slw_addr.next = sidx
        slw_p.next = p_w

    @always_comb
    def out_read_vs():
        if v_fwd:
            o_v.next = v_fwd_d
        else:
            o_v.next = v_q
        o_s.next = sl_rd

    @always_comb
    def out_read():
        if state == P_OUTV:
            o_rd.next = o_v
        else:
            o_rd.next = o_s

    # ---------------------------------------------------------------- memory writes
    @always(clk.posedge)
    def w_q():
        if state == P_QLOAD and s_q_valid:
            qmem[arow].next = s_q_data

    @always(clk.posedge)
    def w_xb():
        if state == P_SCORE and step and not ps:
            if c[0]:
                xb1[saddr].next = concat(valid, x)
            else:
                xb0[saddr].next = concat(valid, x)

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
        if c[0]:
            bm_old.next = bmo1
        else:
            bm_old.next = bmo0

    @always_comb
    def bm_calc():
        if valid and (jj == 0 or x > bm_old):
            bm_new.next = x
        elif jj == 0:
            bm_new.next = XMIN
        else:
            bm_new.next = bm_old

    @always(clk.posedge)
    def w_bm():
        if state == P_SCORE and step and not ps:
            if c[0]:
                bm1[ridx].next = bm_new
            else:
                bm0[ridx].next = bm_new

    @always(clk.posedge)
    def w_ml():
        if state == P_QLOAD and s_q_valid:
            m_mem[arow].next = XMIN
            l_mem[arow].next = 0
        elif step and not ps and row_end and (state == P_DRAIN or c != 0):
            m_mem[eridx].next = mn
            l_mem[eridx].next = l_new

    @always(clk.posedge)
    def w_inv():
        if state == P_RECIP and rbit == 0:
            inv_mem[arow].next = concat(quo, ge)

    @always(clk.posedge)
    def w_vert():
        if state == P_SCORE and step and ps and row_end:
            vert[vidx].next = vsum

    @always(clk.posedge)
    def w_slash():
        if state == P_CLEAR:
            slash[addr].next = 0
        elif slw_v:
            slash[slw_addr].next = sl_new
        elif state == P_OUTS and out_free:
            slash[oidx].next = 0

    # ---------------------------------------------------------------- sequencing
    # (jj, ii) (and, S > 1, g) at the next edge: one step advances them; both passes start at 0.
    # The registered logit-buffer reads use them as their address.
    @always_comb
    def next_idx():
        ii_nx.next = ii
        jj_nx.next = jj
        if (state == P_QLOAD and s_q_valid and q_end) or (state == P_RECIP and rbit == 0 and q_end):
            ii_nx.next = 0
            jj_nx.next = 0
        elif (state == P_SCORE or state == P_DRAIN) and step:
            ii_nx.next = ii + 1
            if key_end:
                jj_nx.next = jj + 1

    @always_seq(clk.posedge, reset=rst)
    def control():
        ii.next = ii_nx
        jj.next = jj_nx
        if m_ready:
            out_valid.next = False
        if state == P_CLEAR:
            addr.next = addr + 1
            if addr == VN - 1:
                addr.next = 0
                state.next = P_HDR
        elif state == P_HDR:
            if s_hdr_valid:
                n_last.next = s_hdr_data[iwn:0]
                shift.next = s_hdr_data[iwn + 6:iwn]
                mult.next = s_hdr_data[iwn + 6 + mult_bits:iwn + 6]
                addr.next = 0
                state.next = P_QLOAD
        elif state == P_QLOAD:
            if s_q_valid:
                addr.next = addr + 1
                if q_end:
                    addr.next = 0
                    ps.next = False
                    c.next = 0
                    kcount.next = 0
                    kvalid.next = False
                    state.next = P_SCORE
        elif state == P_SCORE or state == P_DRAIN:
            if k_take and s_k_valid:
                kreg.next = s_k_data
                kvalid.next = True
                kcount.next = kcount + 1
            elif step and key_end and not phantom and state == P_SCORE:
                kvalid.next = False
            if step:
                esum.next = esum_n
                vacc.next = vsum
                if blk_all:
                    if state == P_DRAIN:
                        addr.next = 0
                        rbit.next = R
                        rem.next = 1 << (P + R)
                        quo.next = 0
                        state.next = P_RECIP
                    elif last_blk:
                        c.next = c + 1
                        if ps:
                            addr.next = 0
                            state.next = P_OUTV
                        else:
                            state.next = P_DRAIN
                    else:
                        c.next = c + 1
        elif state == P_RECIP:
            quo.next = concat(quo[R - 1:], ge)
            if ge:
                rem.next = remw[P + R + 1:] - lsh[P + R + 1:]
            if rbit == 0:
                rbit.next = R
                rem.next = 1 << (P + R)
                quo.next = 0
                addr.next = addr + 1
                if q_end:
                    addr.next = 0
                    ps.next = True
                    c.next = 0
                    kcount.next = 0
                    kvalid.next = False
                    state.next = P_SCORE
            else:
                rbit.next = rbit - 1
        elif state == P_OUTV or state == P_OUTS:
            if out_free:
                out_valid.next = True
                out_data.next = concat(is_s, o_rd)
                addr.next = addr + 1
                if out_end:
                    addr.next = 0
                    if state == P_OUTV:
                        state.next = P_OUTS
                    elif out_done:
                        state.next = P_HDR
                    else:
                        state.next = P_OUTV

    if S > 1:
        HF = iwn + 6 + mult_bits

        @always_comb
        def next_head():
            g_nx.next = g
            if state == P_QLOAD:
                if s_q_valid and q_end:
                    g_nx.next = 0
            elif state == P_SCORE or state == P_DRAIN:
                if step and row_end:
                    if g == hl:          # g_last, compared here so that no delta cycle sees g + 1 = S
                        g_nx.next = 0
                    else:
                        g_nx.next = g + 1
            elif state == P_RECIP:
                if rbit == 0 and q_end:
                    g_nx.next = 0

        @always_seq(clk.posedge, reset=rst)
        def heads_seq():
            g.next = g_nx
            gout.next = gout_nx
            if state == P_HDR:
                if s_hdr_valid:
                    hl.next = s_hdr_data[HF + gw:HF]

        idx_insts += [next_head, heads_seq]

    return (insts, idx_insts, logit_shift, logit_shift2, logit_round, logit_round2, logit_sat, key_index, key_low, causal,
            causal2, causal3, q_read, e_addr,
            e_read0, e_read1, e_read2, e_read3, e_read, e_fields, e_row0, e_row1, e_row2, e_row, e_max, z_mux, z_bits, e_mask, l_round, l_round2, e_sum, l_add, inv_read,
            p_round, p_round2, p_acc, sl_read, p_acc2, r_read, r_shift, r_cmp, ctl, ctl2, ports, out_step, out_next,
            sl_addr, out_read_v, out_read_s, sl_stage, out_read_vs, out_read, w_q, w_xb, bm_read0, bm_read1, bm_read,
            bm_calc, w_bm, w_ml, w_inv, w_vert, w_slash, e_addr_nx, next_idx, control)
