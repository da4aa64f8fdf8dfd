"""Sparse Attention Engine (SAE): one query-block row of a GQA group against its key-block list,
with the online softmax of ``golden.fixed_point.sparse_attention_fixed``, bit for bit.

Streams (valid/ready; beat formats in docs/sae.md and ``rtl/sae/formats.py``):

* ``s_cmd``  one beat per row job: ``{row, (shift_g, mult_g) for g = G-1 .. 0}``; pair ``g`` is
  ``mult`` in bits ``[g*(MB+6), g*(MB+6)+MB)`` and ``shift`` (6 bits) above it, ``row`` on top.
* ``s_q``    ``G * B`` beats, head ``g`` then query row ``i``: one query row of ``D`` INT8, element
  ``d`` in bits ``[8d, 8d+8)``.
* ``s_blk``  per key block of the row, in list order: ``{block, last}`` (``last`` in bit 0), the low
  ``iw + 1`` bits of the SIG block-list beat; ``last`` closes the row job.
* ``s_kv``   per key block (after its ``s_blk`` beat): ``B`` K rows then ``B`` V rows, one row of ``D``
  INT8 per beat (layout as ``s_q``); the KV cache's ``K`` then ``V`` response once re-packed to rows.
* ``m_o``    ``G * B`` beats after the last block, head ``g`` then row ``i``: ``D`` outputs of
  ``out_bits`` (S16, OF fraction bits), element ``d`` in bits ``[d*out_bits, (d+1)*out_bits)``.

Datapath (golden order): ``S = q . k`` over ``D`` lanes (one key per cycle, adder tree);
``x = sat(rsr(S * mult, shift - LF), logit_bits)``; on the diagonal block (``block == row``)
key ``j > i`` is excluded from everything; ``m' = max(m, max x)``; ``alpha = E(m' - m)``;
``l = rsr(l * alpha, P) + sum E(m' - x)``; ``acc = rsr(acc * alpha, P) + sum E(m' - x) v``; at the
end ``o = sat(rsr(acc * floor(2**(P+R) / l), P + R - OF), out_bits)``, the reciprocal by a
bit-serial restoring division (``R + 1`` quotient bits, since ``l >= 2**P``).

Schedule (no overlap between phases; ``GB = G * B``): command 1 cycle, Q load ``GB`` beats; per key
block 1 (list beat) + ``2B`` (K, V) + ``GB * (2B + 9)`` (pass A: ``B`` keys + 4 pipeline cycles,
alpha 1, rescale 1, pass B: ``B`` keys + 2 pipeline cycles, write-back 1); after the last block
``GB * (R + 4)`` (1 read, ``R + 1`` division steps, 1 multiply, 1 output beat). With no idles or
back-pressure a row job with ``n`` blocks takes exactly
``1 + GB + n * (1 + 2B + GB * (2B + 9)) + GB * (R + 4)`` cycles.
"""

from __future__ import annotations

import math

from myhdl import ConcatSignal, Signal, always, always_comb, always_seq, block, concat, enum, intbv

from ...verify.golden.fixed_point import FixedPointConfig
from ..common.params import check_int
from ..common.signed import ssig, usig
from ..common.widths import index_width  # noqa: F401  (a block index: the SIG block-list rule; re-exported)
from .adder_tree import sae_adder_tree
from .exp2 import sae_exp2
from .lane import sae_lane
from .logit_round import _logit_round

SHIFT_BITS = 6
PIPE_A = 4  # key address -> logit register: k read, product, adder tree, logit


class SaeGeometry:
    """Validated parameters and derived widths of one engine instance."""

    def __init__(self, block_size=8, head_dim=8, group=1, max_seq_len=1024, mult_bits=16, logit_frac=8,
                 logit_bits=24, exp_lut_bits=8, prob_frac=15, recip_frac=16, out_frac=8, out_bits=16):
        def bad(name, value, allowed):
            raise ValueError(f"sae_engine field '{name}' = {value!r} is not allowed: {allowed}")

        for name, value, lo, hi in (("block_size", block_size, 2, 256), ("head_dim", head_dim, 1, 256),
                                    ("group", group, 1, 16), ("max_seq_len", max_seq_len, 2, 1 << 20)):
            check_int("sae_engine", name, value, lo, hi)
        if block_size & (block_size - 1):
            bad("block_size", block_size, "must be a power of two in [2, 256]")
        if max_seq_len < block_size:
            bad("max_seq_len", max_seq_len, f"must be >= block_size={block_size}")
        try:
            self.fx = FixedPointConfig(block_size=block_size, head_dim=head_dim, max_seq_len=max_seq_len,
                                       mult_bits=mult_bits, logit_frac=logit_frac, logit_bits=logit_bits,
                                       exp_lut_bits=exp_lut_bits, prob_frac=prob_frac, recip_frac=recip_frac,
                                       out_frac=out_frac, out_bits=out_bits)
        except ValueError as exc:
            raise ValueError(f"sae_engine fixed-point parameters are not allowed: {exc}") from None
        if logit_frac + 1 >= (1 << SHIFT_BITS) - 1:
            bad("logit_frac", logit_frac, f"must leave room in the {SHIFT_BITS}-bit shift field")
        if prob_frac + recip_frac - out_frac < 1:
            bad("out_frac", out_frac, "must be < prob_frac + recip_frac")
        self.B, self.D, self.G = block_size, head_dim, group
        self.GB = group * block_size
        self.max_blocks = -(-max_seq_len // block_size)
        self.iw = index_width(self.max_blocks)
        self.MB = mult_bits
        self.LF, self.LB, self.L = logit_frac, logit_bits, exp_lut_bits
        self.P, self.R, self.OF, self.OB = prob_frac, recip_frac, out_frac, out_bits
        self.SB = 15 + math.ceil(math.log2(head_dim)) + 1
        self.LW = self.fx.expsum_bits
        self.ACCW = self.fx.sae_acc_bits
        self.PW = mult_bits + SHIFT_BITS
        self.cmd_width = group * self.PW + self.iw
        self.blk_width = self.iw + 1
        self.row_width = 8 * head_dim
        self.o_width = out_bits * head_dim

    def cycles(self, n_blocks: int) -> int:
        """Cycles of one row job with ``n_blocks`` key blocks, no idles or back-pressure."""
        b, gb = self.B, self.GB
        return 1 + gb + n_blocks * (1 + 2 * b + gb * (2 * b + 9)) + gb * (self.R + 4)




@block
def _pick(sel, k, a, b, out):
    """``out = a if sel == k else b`` (one link of the per-head command mux chain)."""

    @always_comb
    def mux():
        if sel == k:
            out.next = a
        else:
            out.next = b

    return mux


@block
def sae_engine(clk, rst, s_cmd, s_q, s_blk, s_kv, m_o, block_size=8, head_dim=8, group=1, max_seq_len=1024,
               **fixed):
    g = SaeGeometry(block_size, head_dim, group, max_seq_len, **fixed)
    for name, sig, w in (("s_cmd_data", s_cmd.data, g.cmd_width), ("s_q_data", s_q.data, g.row_width),
                         ("s_blk_data", s_blk.data, g.blk_width), ("s_kv_data", s_kv.data, g.row_width),
                         ("m_o_data", m_o.data, g.o_width)):
        if len(sig) != w:
            raise ValueError(f"sae_engine field '{name}' width = {len(sig)} is not allowed: must be {w}")
    B, D, GB, P, R, LB, LF = g.B, g.D, g.GB, g.P, g.R, g.LB, g.LF
    lb2 = max(1, (B - 1).bit_length())
    insts = []
    half_p = 1 << (P - 1)
    xmin = -(1 << (LB - 1))

    t_state = enum("IDLE", "QLOAD", "BLK", "KLOAD", "VLOAD", "PASSA", "ALPHA", "SCALE", "PASSB", "WRITE",
                   "OPREP", "DIV", "OMUL", "EMIT")
    state = Signal(t_state.IDLE)

    cmd_r = usig(g.G * g.PW)
    row_r = usig(g.iw)
    first = Signal(bool(1))
    last_r = Signal(bool(0))
    diag_r = Signal(bool(0))
    wcnt = Signal(intbv(0, min=0, max=GB))
    gi = Signal(intbv(0, min=0, max=GB))
    cnt = Signal(intbv(0, min=0, max=B + PIPE_A + 1))
    dcnt = Signal(intbv(0, min=0, max=R + 2))
    jaddr = usig(lb2)
    i_loc = usig(lb2)

    # per-head multiplier and shift of the current query head
    cmd_sh = usig(g.PW)
    cur_mult = usig(g.MB)
    cur_shift = usig(SHIFT_BITS)
    shm1 = usig(SHIFT_BITS)

    # pass A: scores and logits
    prods = [ssig(16) for _ in range(D)]
    s_r = ssig(g.SB if D > 1 else 16)
    lp = ssig(g.SB + g.MB + 2)
    x_r = ssig(LB)
    x_max = ssig(LB)
    xbuf = [ssig(LB) for _ in range(B)]
    x_rd = ssig(LB)

    # row state memories
    mmem = [ssig(LB) for _ in range(GB)]
    lmem = [usig(g.LW) for _ in range(GB)]
    m_rd = ssig(LB)
    l_rd = usig(g.LW)
    m_old = ssig(LB)
    m_new_c = ssig(LB)
    m_new = ssig(LB)
    l_run = usig(g.LW)
    l_prod = usig(g.LW + P + 1)

    # exp2 units: alpha and pass B
    za = usig(LB + 1)
    ea = usig(P + 1)
    alpha = usig(P + 1)
    zb = usig(LB + 1)
    eb = usig(P + 1)
    e_r = usig(P + 1)
    masked = Signal(bool(0))

    # reciprocal
    rem = usig(g.LW + 2)
    rem2 = usig(g.LW + 2)
    rem_sub = usig(g.LW + 2)
    l_ext = usig(g.LW + 2)
    e_ext = usig(g.LW)
    l_rnd = usig(g.LW + P + 1)
    quo = usig(R + 1)

    # lane control
    we_q = Signal(bool(0))
    we_k = Signal(bool(0))
    we_v = Signal(bool(0))
    scale_en = Signal(bool(0))
    add_en = Signal(bool(0))
    acc_we = Signal(bool(0))
    omul_en = Signal(bool(0))
    waddr_kv = usig(lb2)

    outs = []
    for d in range(D):
        o_d = usig(g.OB)
        outs.append(o_d)
        insts.append(sae_lane(clk, rst, s_q.data(8 * d + 8, 8 * d), s_kv.data(8 * d + 8, 8 * d), we_q, we_k,
                              we_v, wcnt, waddr_kv, gi, jaddr, first, alpha, scale_en, e_r, add_en, acc_we, quo,
                              omul_en, prods[d], o_d, rows=GB, block_size=B, acc_bits=g.ACCW, prob_frac=P,
                              recip_frac=R, out_frac=g.OF, out_bits=g.OB))
    insts.append(sae_adder_tree(clk, prods, s_r))
    insts.append(sae_exp2(za, ea, logit_frac=LF, exp_lut_bits=g.L, prob_frac=P))
    insts.append(sae_exp2(zb, eb, logit_frac=LF, exp_lut_bits=g.L, prob_frac=P))
    o_bus = ConcatSignal(*reversed(outs)) if D > 1 else outs[0]

    @always_comb
    def handshakes():
        s_cmd.ready.next = state == t_state.IDLE
        s_q.ready.next = state == t_state.QLOAD
        s_blk.ready.next = state == t_state.BLK
        s_kv.ready.next = state == t_state.KLOAD or state == t_state.VLOAD
        m_o.valid.next = state == t_state.EMIT

    @always_comb
    def out_data():
        m_o.data.next = o_bus

    @always_comb
    def lane_ctrl():
        we_q.next = state == t_state.QLOAD and s_q.valid
        we_k.next = state == t_state.KLOAD and s_kv.valid
        we_v.next = state == t_state.VLOAD and s_kv.valid
        scale_en.next = state == t_state.SCALE
        add_en.next = state == t_state.PASSB and cnt >= 2
        acc_we.next = state == t_state.WRITE
        omul_en.next = state == t_state.OMUL
        waddr_kv.next = wcnt[lb2:]
        jaddr.next = cnt[lb2:]
        i_loc.next = gi[lb2:]

    if g.G > 1:
        g_idx = usig(len(gi) - lb2)

        @always_comb
        def head_index():
            g_idx.next = gi[len(gi):lb2]

        insts.append(head_index)
        prev = cmd_r(g.PW, 0)
        for k in range(1, g.G):
            sel = usig(g.PW)
            insts.append(_pick(g_idx, k, cmd_r(k * g.PW + g.PW, k * g.PW), prev, sel))
            prev = sel
    else:
        prev = cmd_r

    @always_comb
    def head_select2():
        cmd_sh.next = prev

    insts.append(head_select2)

    @always_comb
    def head_select3():
        cur_mult.next = cmd_sh[g.MB:]
        cur_shift.next = cmd_sh[g.PW:g.MB]

    @always_comb
    def head_select4():
        if cur_shift > LF + 1:
            shm1.next = cur_shift - (LF + 1)
        else:
            shm1.next = 0

    @always_comb
    def logit_mul():
        lp.next = s_r * cur_mult

    @always(clk.posedge)
    def xbuf_ram():
        if state == t_state.PASSA and cnt >= PIPE_A:
            xbuf[cnt - PIPE_A].next = x_r

    @always_comb
    def xbuf_read():
        x_rd.next = xbuf[jaddr]

    @always(clk.posedge)
    def row_ram():
        if state == t_state.WRITE:
            mmem[gi].next = m_new
            lmem[gi].next = l_run
        m_rd.next = mmem[gi]
        l_rd.next = lmem[gi]

    @always_comb
    def alpha_in():
        if first:
            m_old.next = xmin
        else:
            m_old.next = m_rd

    @always_comb
    def alpha_max():
        if x_max > m_old:
            m_new_c.next = x_max
            za.next = x_max - m_old
        else:
            m_new_c.next = m_old
            za.next = 0

    @always_comb
    def alpha_z():
        if m_new >= x_rd:
            zb.next = m_new - x_rd
        else:
            zb.next = 0  # masked key above the running max: its E is forced to 0 anyway
        masked.next = diag_r and jaddr > i_loc
        l_prod.next = l_rd * alpha
        rem2.next = rem << 1
        l_ext.next = concat(intbv(0)[2:], l_rd)
        e_ext.next = concat(intbv(0)[g.LW - P - 1:], e_r)
        l_rnd.next = (l_prod + half_p) >> P

    @always_comb
    def div_sub():
        if rem2 >= l_ext:
            rem_sub.next = rem2 - l_ext
        else:
            rem_sub.next = 0

    @always_seq(clk.posedge, reset=rst)
    def control():
        if state == t_state.IDLE:
            if s_cmd.valid:
                cmd_r.next = s_cmd.data[g.G * g.PW:]
                row_r.next = s_cmd.data[g.cmd_width:g.cmd_width - g.iw]
                wcnt.next = 0
                gi.next = 0
                first.next = True
                state.next = t_state.QLOAD
        elif state == t_state.QLOAD:
            if s_q.valid:
                if wcnt == GB - 1:
                    wcnt.next = 0
                    state.next = t_state.BLK
                else:
                    wcnt.next = wcnt + 1
        elif state == t_state.BLK:
            if s_blk.valid:
                diag_r.next = s_blk.data[g.iw + 1:1] == row_r
                last_r.next = s_blk.data[0]
                wcnt.next = 0
                state.next = t_state.KLOAD
        elif state == t_state.KLOAD:
            if s_kv.valid:
                if wcnt == B - 1:
                    wcnt.next = 0
                    state.next = t_state.VLOAD
                else:
                    wcnt.next = wcnt + 1
        elif state == t_state.VLOAD:
            if s_kv.valid:
                if wcnt == B - 1:
                    wcnt.next = 0
                    gi.next = 0
                    cnt.next = 0
                    state.next = t_state.PASSA
                else:
                    wcnt.next = wcnt + 1
        elif state == t_state.PASSA:
            if cnt == 0:
                x_max.next = xmin
            elif cnt >= PIPE_A:
                if not (diag_r and cnt - PIPE_A > i_loc) and x_r > x_max:
                    x_max.next = x_r
            if cnt == B + PIPE_A - 1:
                cnt.next = 0
                state.next = t_state.ALPHA
            else:
                cnt.next = cnt + 1
        elif state == t_state.ALPHA:
            m_new.next = m_new_c
            alpha.next = ea
            e_r.next = 0
            state.next = t_state.SCALE
        elif state == t_state.SCALE:
            if first:
                l_run.next = 0
            else:
                l_run.next = l_rnd[g.LW:]  # top bits: zero (formats.md bounds)
            e_r.next = 0
            cnt.next = 0
            state.next = t_state.PASSB
        elif state == t_state.PASSB:
            l_run.next = l_run + e_ext
            if cnt < B and not masked:
                e_r.next = eb
            else:
                e_r.next = 0
            if cnt == B + 1:
                cnt.next = 0
                state.next = t_state.WRITE
            else:
                cnt.next = cnt + 1
        elif state == t_state.WRITE:
            if gi == GB - 1:
                gi.next = 0
                first.next = False
                if last_r:
                    state.next = t_state.OPREP
                else:
                    state.next = t_state.BLK
            else:
                gi.next = gi + 1
                state.next = t_state.PASSA
        elif state == t_state.OPREP:
            rem.next = 1 << (P - 1)
            quo.next = 0
            dcnt.next = 0
            state.next = t_state.DIV
        elif state == t_state.DIV:
            if rem2 >= l_ext:
                rem.next = rem_sub
                quo.next = concat(quo[R:], True)
            else:
                rem.next = rem2
                quo.next = concat(quo[R:], False)
            if dcnt == R:
                state.next = t_state.OMUL
            else:
                dcnt.next = dcnt + 1
        elif state == t_state.OMUL:
            state.next = t_state.EMIT
        else:  # EMIT
            if m_o.ready:
                if gi == GB - 1:
                    gi.next = 0
                    first.next = True
                    state.next = t_state.IDLE
                else:
                    gi.next = gi + 1
                    state.next = t_state.OPREP

    insts += [handshakes, out_data, lane_ctrl, head_select3, head_select4, logit_mul,
              _logit_round(clk, lp, shm1, x_r), xbuf_ram, xbuf_read, row_ram, alpha_in, alpha_max, alpha_z, div_sub, control]
    return insts
