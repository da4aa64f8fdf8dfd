"""Row-parallel Sparse Attention Engine: ``rows`` query rows against one key per cycle, QK^T on the
MPU's DSP pair lanes and bit-plane lanes, P x V on its MAC lanes, QK^T of one task overlapping P x V
of the previous one; bit for bit ``golden.fixed_point.sparse_attention_fixed``.

Same streams and beat formats as :mod:`engine` (``s_cmd``, ``s_q``, ``s_blk``, ``s_kv``, ``m_o``;
docs/sae.md), so it replaces ``sae_engine`` wherever that is used. Parameters as ``sae_engine`` plus
``rows`` (``P``, query rows processed together: a power of two in ``[2, block_size / 2]``) and
``qk_lut_rows`` (how many of the ``P`` rows run their QK^T dot products on LUT bit-plane lanes; the
rest run two to a DSP48E2 pair lane, an odd one on a DSP lane).

**Tasks.** A row job (``G * B`` query rows of one query block, the key blocks of its list) is cut
into tasks: key block ``c`` against row group ``r`` (rows ``r*P .. r*P+P-1``; ``NG = G*B/P``
groups; a group lies in one head because ``P`` divides ``B``). Tasks run in order, block outer,
group inner, and every task takes ``B`` cycles on each of the two sides:

* **QK side** (stages a0 .. a6): key ``j`` of the block against the group's ``P`` stationary query
  rows (``P x D`` MACs a cycle), logits into a double-buffered tile, running maxima; at the end
  ``m'`` and ``alpha`` per row (:mod:`row_softmax`);
* **PV side** (stages b0 .. b4): value row ``j`` against the ``P`` rows' probabilities ``e[p][j]``
  (``P x D`` MACs a cycle, :mod:`pv_column`), while the QK side runs the next task;
* **drain** (stages c0 .. c3, one row a cycle, during the next task): ``l`` and ``acc`` rescaled by
  ``alpha`` and updated in the golden order; on the row job's last block the row goes through the
  pipelined reciprocal (:mod:`recip_pipe`) and the output multiply into the output FIFO.

**Feeds.** K and V rows are written one row a cycle into two block banks, so the next block loads
while the current one is used; query rows into two job banks (``P`` memories, one per stationary
row), so the next row job's command and queries load while the current job runs. A block bank is
freed when its last task's P x V has read it, a job bank when its last task's QK^T is done.

**Flow control.** Nothing inside stalls once a task has started: a task starts only when its block
and its job are loaded and its tile bank is free, and a last-block task (the one that outputs rows)
only when the output FIFO has room reserved for its ``P`` rows (credits returned as ``m_o`` beats
leave). Back-pressure on ``m_o`` therefore stops the engine at a task boundary without losing a beat.

**Cycles.** With inputs always valid, ``m_o`` always ready, ``B >= 8`` and ``NG >= 3`` (K/V loads
keep ahead: ``2B + 1`` cycles a block against ``NG * B`` of work), tasks follow each other every
``B`` cycles, so a row job with ``n`` key blocks occupies the engine ``n * NG * B = n * G * B**2 / P``
cycles: ``2 * P * D`` MACs a cycle, its peak. A row job on an idle engine takes exactly
``RowGeometry.cycles(n)`` from its command to its last output row.
"""

from __future__ import annotations

from myhdl import ConcatSignal, Signal, always, always_comb, always_seq, block, concat, intbv, modbv

from ..common.ram import ram_1r1w
from ..common.signed import usig
from ..common.widths import index_width
from ..mpu.bitplane_lane import mpu_bitplane_lane
from ..mpu.dsp_lane import mpu_dsp_lane
from ..mpu.dsp_pair_lane import mpu_dsp_pair_lane
from ..mpu.parts import sum_width
from .engine import SHIFT_BITS, SaeGeometry, _pick
from .pv_column import sae_pv_column
from .recip_pipe import sae_recip_pipe
from .row_softmax import sae_row_softmax

QK_LAT = 6    # QK issue (a0) -> task end (a6): memory read, two lane stages, two logit stages, max
PV_LAT = 4    # PV issue (b0) -> sums in the MAC lanes (b4): tile read, e, product, accumulate


def first_load_cycles(gb: int, b: int, kv_beats_per_row: int = 1) -> int:
    """An idle engine's wait for a row job's ``G B`` query rows and first block (``2 B`` K/V rows),
    loaded side by side, at ``kv_beats_per_row`` beats a row, plus the command and the first task's
    start (``RowGeometry.cycles``, ``perf.units.sae_rows_head_cycles``)."""
    return max(gb, 2 * b) * kv_beats_per_row + 2


def last_drain_cycles(b: int, rows: int, recip_frac: int) -> int:
    """From the last task's QK^T end to its last output row: the QK^T tail, that task's P x V, the
    drain of its ``rows`` rows, the reciprocal and the output flags."""
    return QK_LAT + 1 + b + PV_LAT + rows + 3 + (recip_frac + 1) + 2


class RowGeometry(SaeGeometry):
    """:class:`SaeGeometry` plus the row-parallel engine's ``rows`` and ``qk_lut_rows``."""

    def __init__(self, block_size=8, head_dim=8, group=1, max_seq_len=1024, rows=2, qk_lut_rows=0, **fixed):
        super().__init__(block_size, head_dim, group, max_seq_len, **fixed)

        def bad(name, value, allowed):
            raise ValueError(f"sae_row_engine field '{name}' = {value!r} is not allowed: {allowed}")

        B, D = self.B, self.D
        if B < 4:
            bad("block_size", B, "must be a power of two in [4, 256]")
        if D & (D - 1):
            bad("head_dim", D, "must be a power of two in [1, 256] (the MPU lanes' k)")
        if isinstance(rows, bool) or not isinstance(rows, int) or rows < 2 or rows > B // 2 or rows & (rows - 1):
            bad("rows", rows, f"must be a power of two in [2, block_size/2={B // 2}]")
        if isinstance(qk_lut_rows, bool) or not isinstance(qk_lut_rows, int) or not 0 <= qk_lut_rows <= rows:
            bad("qk_lut_rows", qk_lut_rows, f"must be an integer in [0, rows={rows}]")
        self.rows, self.lut_rows = rows, qk_lut_rows
        self.dsp_rows = rows - qk_lut_rows
        self.pw = rows.bit_length() - 1
        self.lb2 = B.bit_length() - 1
        self.NG = self.GB // rows
        self.rw = index_width(self.NG)
        self.SB = sum_width(D, 8)
        self.recip_latency = self.R + 1
        need = rows * (2 + -(-(rows + self.R + 16) // B))
        self.fifo_depth = 1 << max(1, (need - 1).bit_length())

    @property
    def peak_macs_per_cycle(self) -> int:
        return 2 * self.rows * self.D

    def block_cycles(self) -> int:
        """Cycles of one key block of a row job in steady state (tasks back to back)."""
        return self.NG * self.B

    def cycles(self, n_blocks: int) -> int:
        """Cycles from a row job's command to its last output row on an idle engine, inputs always
        valid and ``m_o`` always ready (``B >= 8``, ``NG >= 3``)."""
        return (first_load_cycles(self.GB, self.B) + n_blocks * self.NG * self.B
                + last_drain_cycles(self.B, self.rows, self.R))

    def stream_cycles(self, blocks_per_job) -> int:
        """Cycles from the first command to the last output row of row jobs sent back to back
        (``blocks_per_job[k]`` key blocks in job ``k``): each later job adds exactly its ``n * NG * B``
        cycles (its queries and first block load while the previous job runs)."""
        ns = list(blocks_per_job)
        return self.cycles(ns[0]) + sum(n * self.NG * self.B for n in ns[1:])

    def useful_macs(self, n_blocks: int) -> int:
        """MACs of one row job: ``Q K^T`` and ``P V`` of ``G B`` rows against ``n`` blocks of ``B`` keys."""
        return 2 * self.G * self.B * self.B * self.D * n_blocks



@block
def _pipe(clk, d, q):
    @always(clk.posedge)
    def step():
        q.next = d

    return step


@block
def _ctrl_pipe(clk, rst, d, q):
    """A control stage (valid bits and task fields): reset, so no stale beat survives a reset."""
    @always_seq(clk.posedge, reset=rst)
    def step():
        q.next = d

    return step


@block
def sae_row_engine(clk, rst, s_cmd, s_q, s_blk, s_kv, m_o, block_size=8, head_dim=8, group=1, max_seq_len=1024, rows=2,
                   qk_lut_rows=0, **fixed):
    g = RowGeometry(block_size, head_dim, group, max_seq_len, rows, qk_lut_rows, **fixed)
    for name, sig, w in (("s_cmd_data", s_cmd.data, g.cmd_width), ("s_q_data", s_q.data, g.row_width),
                         ("s_blk_data", s_blk.data, g.blk_width), ("s_kv_data", s_kv.data, g.row_width),
                         ("m_o_data", m_o.data, g.o_width)):
        if len(sig) != w:
            raise ValueError(f"sae_row_engine field '{name}' width = {len(sig)} is not allowed: must be {w}")
    B, D, P, NG, PF, R, LB = g.B, g.D, g.rows, g.NG, g.fx.prob_frac, g.R, g.LB
    lb2, pw, rw, iw = g.lb2, g.pw, g.rw, g.iw
    F = g.fifo_depth
    p_less_1 = P - 1
    fw = F.bit_length() - 1
    insts = []

    # ---------------------------------------------------------------- K/V loader (two block banks)
    wb = Signal(bool(0))
    ld_k, ld_v = Signal(bool(0)), Signal(bool(0))
    wcnt = Signal(intbv(0, min=0, max=B))
    kvf0, kvf1 = Signal(bool(0)), Signal(bool(0))
    kvb0, kvb1 = usig(iw), usig(iw)
    kvl0, kvl1 = Signal(bool(0)), Signal(bool(0))
    k_we, v_we = Signal(bool(0)), Signal(bool(0))
    kv_waddr = usig(lb2 + 1)
    wb_full = Signal(bool(0))

    # ---------------------------------------------------------------- Q loader (two job banks)
    wq = Signal(bool(0))
    q_load = Signal(bool(0))
    qcnt = usig(rw + pw)
    jf0, jf1 = Signal(bool(0)), Signal(bool(0))
    cmd0, cmd1 = usig(g.G * g.PW), usig(g.G * g.PW)
    row0, row1 = usig(iw), usig(iw)
    wq_full = Signal(bool(0))
    q_waddr = usig(rw + 1)
    q_wes = [Signal(bool(0)) for _ in range(P)]

    # ---------------------------------------------------------------- QK sequencer (stage a0)
    seq_kb = Signal(bool(0))
    seq_r = usig(rw)
    seq_first = Signal(bool(1))
    jq = Signal(bool(0))
    qk_run = Signal(bool(0))
    qk_j = usig(lb2)
    qk_tb, qk_kb, qk_first, qk_last, qk_diag, qk_jq = (Signal(bool(0)) for _ in range(6))
    qk_r = usig(rw)
    tbn = Signal(bool(0))
    tbb0, tbb1 = Signal(bool(0)), Signal(bool(0))
    dv0, dv1 = Signal(bool(0)), Signal(bool(0))
    d_r0, d_r1 = usig(rw), usig(rw)
    d_kb0, d_kb1, d_first0, d_first1, d_last0, d_last1, d_diag0, d_diag1 = (Signal(bool(0)) for _ in range(8))
    qk_start = Signal(bool(0))
    k_raddr = usig(lb2 + 1)
    q_raddr = usig(rw + 1)
    cur_kvf, cur_jf, cur_tbb, cur_last, cur_diag = (Signal(bool(0)) for _ in range(5))
    cur_row = usig(iw)

    # a-stage control word {v, j, tb, r, jq, first, last, diag}
    AW = 1 + lb2 + 1 + rw + 4
    a0 = ConcatSignal(qk_run, qk_j, qk_tb, qk_r, qk_jq, qk_first, qk_last, qk_diag)
    a_words = [a0] + [usig(AW) for _ in range(QK_LAT)]      # a0 .. a6

    def a_field(word, name):
        """A field of an a-stage word (a shadow slice, bound outside the generators)."""
        if name == "r":
            return word(4 + rw, 4)
        if name == "j":
            return word(5 + rw + lb2, 5 + rw)
        return word({"diag": 0, "last": 1, "first": 2, "jq": 3, "tb": 4 + rw, "v": 5 + rw + lb2}[name])

    # ---------------------------------------------------------------- PV sequencer (stage b0)
    pvtb = Signal(bool(0))
    pv_run = Signal(bool(0))
    pv_j = usig(lb2)
    pv_tb, pv_kb, pv_first, pv_last, pv_diag = (Signal(bool(0)) for _ in range(5))
    pv_r = usig(rw)
    pv_start = Signal(bool(0))
    cred = Signal(intbv(F, min=0, max=F + 1))
    v_raddr = usig(lb2 + 1)
    nx_dv, nx_last = Signal(bool(0)), Signal(bool(0))

    BW = 1 + lb2 + 1 + rw + 3
    b0 = ConcatSignal(pv_run, pv_j, pv_tb, pv_r, pv_first, pv_last, pv_diag)
    b_words = [b0] + [usig(BW) for _ in range(PV_LAT)]      # b0 .. b4

    def b_field(word, name):
        if name == "r":
            return word(3 + rw, 3)
        if name == "j":
            return word(4 + rw + lb2, 4 + rw)
        return word({"diag": 0, "last": 1, "first": 2, "tb": 3 + rw, "v": 4 + rw + lb2}[name])

    # ---------------------------------------------------------------- drain (stages c0 .. c3)
    dr_run = Signal(bool(0))
    dr_k = usig(pw)
    dr_r = usig(rw)
    dr_first, dr_last = Signal(bool(0)), Signal(bool(0))
    dr_addr = usig(rw + pw)
    CW = 3 + rw + pw
    c0 = ConcatSignal(dr_run, dr_first, dr_last, dr_addr)
    c_words = [c0] + [usig(CW) for _ in range(3)]           # c0 .. c3
    hold_load = Signal(bool(0))
    hold_tb = Signal(bool(0))

    # ---------------------------------------------------------------- data paths
    k_rd = usig(g.row_width)
    v_rd1 = usig(g.row_width)
    v_rd2 = usig(g.row_width)
    q_rds = [usig(g.row_width) for _ in range(P)]
    scores = [usig(g.SB) for _ in range(P)]
    es = [usig(PF + 1) for _ in range(P)]
    hes = [usig(g.LW) for _ in range(P)]
    has = [usig(PF + 1) for _ in range(P)]

    insts.append(ram_1r1w(clk, k_we, kv_waddr, s_kv.data, k_raddr, k_rd))
    insts.append(ram_1r1w(clk, v_we, kv_waddr, s_kv.data, v_raddr, v_rd1))
    for p in range(P):
        insts.append(ram_1r1w(clk, q_wes[p], q_waddr, s_q.data, q_raddr, q_rds[p]))
    insts.append(_pipe(clk, v_rd1, v_rd2))
    for i in range(QK_LAT):
        insts.append(_ctrl_pipe(clk, rst, a_words[i], a_words[i + 1]))
    for i in range(PV_LAT):
        insts.append(_ctrl_pipe(clk, rst, b_words[i], b_words[i + 1]))
    for i in range(3):
        insts.append(_ctrl_pipe(clk, rst, c_words[i], c_words[i + 1]))

    # QK^T on the MPU lanes: x = key row, w = the stationary query rows (two per pair lane)
    pairs = g.dsp_rows - g.dsp_rows % 2
    for p in range(0, pairs, 2):
        insts.append(mpu_dsp_pair_lane(clk, k_rd, q_rds[p], q_rds[p + 1], scores[p], scores[p + 1], k=D, data_width=8))
    for p in range(pairs, P):
        lane = mpu_dsp_lane if p < g.dsp_rows else mpu_bitplane_lane
        insts.append(lane(clk, k_rd, q_rds[p], scores[p], k=D, data_width=8))

    # head (mult, shift) of the task at a3, shift - LF - 1 at a4
    a2, a3, a4, a5, a6 = a_words[2], a_words[3], a_words[4], a_words[5], a_words[6]
    cmd_a3 = usig(g.G * g.PW)
    pair_a3 = usig(g.PW)
    mult_a3 = usig(g.MB)
    shift_a3 = usig(SHIFT_BITS)
    shm1_a4 = usig(SHIFT_BITS)
    gsh = g.lb2 - pw   # r >> gsh = head of group r; r mod 2**gsh = group within the head
    jq_a2 = a_field(a2, "jq")
    if g.G > 1:
        g_a3 = usig(rw - gsh)
        insts.append(_wire(a3(4 + rw, 4 + gsh), g_a3))
        prev = cmd_a3(g.PW, 0)
        for k in range(1, g.G):
            sel = usig(g.PW)
            insts.append(_pick(g_a3, k, cmd_a3(k * g.PW + g.PW, k * g.PW), prev, sel))
            prev = sel
    else:
        prev = cmd_a3

    @always_comb
    def head_pair():
        pair_a3.next = prev

    @always_comb
    def head_fields():
        mult_a3.next = pair_a3[g.MB:]
        shift_a3.next = pair_a3[g.PW:g.MB]

    @always(clk.posedge)
    def head_regs():
        if jq_a2:
            cmd_a3.next = cmd1
        else:
            cmd_a3.next = cmd0
        if shift_a3 > g.LF + 1:
            shm1_a4.next = shift_a3 - (g.LF + 1)
        else:
            shm1_a4.next = 0

    insts += [head_pair, head_fields, head_regs]

    b1, b2, b4 = b_words[1], b_words[2], b_words[4]
    a5_v, a5_j, a5_tb, a5_r, a5_diag = (a_field(a5, n) for n in ("v", "j", "tb", "r", "diag"))
    a6_v, a6_j, a6_tb, a6_r, a6_first, a6_last, a6_jq = (a_field(a6, n) for n in ("v", "j", "tb", "r", "first",
                                                                                   "last", "jq"))
    b1_tb, b1_j, b1_r, b1_diag = (b_field(b1, n) for n in ("tb", "j", "r", "diag"))
    b2_v, b2_j = b_field(b2, "v"), b_field(b2, "j")
    b4_v, b4_j, b4_tb, b4_r, b4_first, b4_last = (b_field(b4, n) for n in ("v", "j", "tb", "r", "first", "last"))
    ibase_a5, ibase_b1 = usig(gsh), usig(gsh)   # the group's index within its head: r mod (B / P)
    insts += [_wire(a5(4 + gsh, 4), ibase_a5), _wire(b1(3 + gsh, 3), ibase_b1)]
    x_waddr = ConcatSignal(a5_tb, a5_j)
    x_we = Signal(bool(0))
    qk_end = Signal(bool(0))
    x_raddr = usig(lb2 + 1)   # P x V side: the task's tile bank, key j
    j0_2 = Signal(bool(0))
    last2 = Signal(bool(0))

    @always_comb
    def row_ctrl():
        x_we.next = a5_v
        qk_end.next = a6_v and a6_j == B - 1
        j0_2.next = b2_j == 0
        last2.next = b2_j == B - 1
        hold_load.next = b4_v and b4_j == B - 1
        hold_tb.next = b4_tb

    insts.append(row_ctrl)

    # Child modules take plain signals (a slice or concatenation is not a module port): copies.
    def plain(sh):
        return Signal(bool(0)) if len(sh) == 1 and isinstance(sh.val, bool) else usig(len(sh))

    shadows = [x_waddr, a5_j, a5_diag, a5_r, a6_r, a6_first, a6_tb, b1_tb, b1_j, b1_diag, b2_v]
    copies = [plain(sh) for sh in shadows]
    for sh, cp in zip(shadows, copies):
        insts.append(_wire(sh, cp))
    (x_waddr_w, a5_j_w, a5_diag_w, a5_r_w, a6_r_w, a6_first_w, a6_tb_w, b1_tb_w, b1_j_w, b1_diag_w,
     b2_v_w) = copies

    i_a5 = [usig(lb2) for _ in range(P)]   # row p's index in its query block: group-in-head * P + p
    i_b1 = [usig(lb2) for _ in range(P)]
    for p in range(P):
        insts += [_row_index(ibase_a5, p, pw, i_a5[p]), _row_index(ibase_b1, p, pw, i_b1[p])]
    for p in range(P):
        insts.append(sae_row_softmax(
            clk, scores[p], mult_a3, shm1_a4, x_we, x_waddr_w, a5_j_w, a5_diag_w, i_a5[p],
            a5_r_w, a6_r_w, qk_end, a6_first_w, a6_tb_w, x_raddr,
            b1_tb_w, b1_j_w, b1_diag_w, i_b1[p], b2_v_w, j0_2, last2,
            es[p], hold_load, hold_tb, dr_run, hes[(p + 1) % P], has[(p + 1) % P], hes[p], has[p], logit_frac=g.LF, logit_bits=LB,
            exp_lut_bits=g.L, prob_frac=PF, expsum_bits=g.LW))
    e_cat = ConcatSignal(*reversed(es))
    e_bus = usig(P * (PF + 1))
    insts.append(_wire(e_cat, e_bus))

    # ---------------------------------------------------------------- drain: l, reciprocal
    c1, c2, c3 = c_words[1], c_words[2], c_words[3]
    h1e, h2e = usig(g.LW), usig(g.LW)
    h1a = usig(PF + 1)
    l_rd = usig(g.LW)
    l_prod = usig(g.LW + PF + 1)
    l_rnd = usig(g.LW + PF + 1)
    l_r = usig(g.LW)
    l_new = usig(g.LW)
    l_n = usig(g.LW)
    inv = usig(R + 1)
    c_v2, c_first2, c_addr2 = Signal(bool(0)), Signal(bool(0)), usig(rw + pw)
    insts += [_wire(c2(CW - 1), c_v2), _wire(c2(CW - 2), c_first2), _wire(c2(rw + pw, 0), c_addr2)]
    half_p = 1 << (PF - 1)
    head_e, head_a = hes[0], has[0]
    insts.append(ram_1r1w(clk, c_v2, c_addr2, l_new, dr_addr, l_rd))
    insts.append(sae_recip_pipe(clk, l_n, inv, prob_frac=PF, recip_frac=R))

    @always(clk.posedge)
    def l_stages():
        h1e.next = head_e
        h1a.next = head_a
        h2e.next = h1e
        l_r.next = l_rnd[g.LW:]   # top bits: zero (formats.md bounds)
        l_n.next = l_new

    @always_comb
    def l_math():
        l_prod.next = l_rd * h1a
        l_rnd.next = (l_prod + half_p) >> PF
        if c_first2:
            l_new.next = h2e
        else:
            l_new.next = l_r + h2e

    insts += [l_stages, l_math]

    # output flag: c3 (valid and last) -> FIFO write after the reciprocal and the output multiply
    OUT_LAT = g.recip_latency + 1
    o_flags = [Signal(bool(0)) for _ in range(OUT_LAT + 1)]
    c_out3 = Signal(bool(0))
    c_v3, c_last3 = c3(CW - 1), c3(CW - 3)

    @always_comb
    def out_flag():
        c_out3.next = c_v3 and c_last3

    insts.append(out_flag)
    insts.append(_ctrl_pipe(clk, rst, c_out3, o_flags[1]))
    for i in range(1, OUT_LAT):
        insts.append(_ctrl_pipe(clk, rst, o_flags[i], o_flags[i + 1]))
    fifo_we = o_flags[OUT_LAT]

    # ---------------------------------------------------------------- P x V columns
    outs = [usig(g.OB) for _ in range(D)]
    mac_en = b2_v_w
    v_cols = [usig(8) for _ in range(D)]
    for d in range(D):
        insts.append(_wire(v_rd2(8 * d + 8, 8 * d), v_cols[d]))
        insts.append(sae_pv_column(
            clk, e_bus, v_cols[d], mac_en, j0_2, hold_load, dr_run, dr_addr, h1a, c_first2, c_addr2,
            c_v2, inv, outs[d], rows=P, acc_bits=g.ACCW, prob_frac=PF, recip_frac=R, out_frac=g.OF,
            delay=g.recip_latency))
    o_bus = ConcatSignal(*reversed(outs)) if D > 1 else outs[0]

    # ---------------------------------------------------------------- output FIFO
    fifo_mem = [usig(g.o_width) for _ in range(F)]
    fifo_wr = Signal(modbv(0)[fw:])
    fifo_rd = Signal(modbv(0)[fw:])
    fifo_count = Signal(intbv(0, min=0, max=F + 1))
    pop = Signal(bool(0))

    @always(clk.posedge)
    def fifo_write():
        if fifo_we:
            fifo_mem[fifo_wr].next = o_bus

    @always_comb
    def fifo_read():
        m_o.data.next = fifo_mem[fifo_rd]

    # ---------------------------------------------------------------- control
    @always_comb
    def selects():
        if seq_kb:
            cur_kvf.next = kvf1
            cur_last.next = kvl1
            cur_diag.next = kvb1 == cur_row
        else:
            cur_kvf.next = kvf0
            cur_last.next = kvl0
            cur_diag.next = kvb0 == cur_row
        if jq:
            cur_jf.next = jf1
        else:
            cur_jf.next = jf0
        if tbn:
            cur_tbb.next = tbb1
        else:
            cur_tbb.next = tbb0
        if pvtb:
            nx_dv.next = dv1
            nx_last.next = d_last1
        else:
            nx_dv.next = dv0
            nx_last.next = d_last0
        if wb:
            wb_full.next = kvf1
        else:
            wb_full.next = kvf0
        if wq:
            wq_full.next = jf1
        else:
            wq_full.next = jf0

    @always_comb
    def job_row():
        if jq:
            cur_row.next = row1
        else:
            cur_row.next = row0

    @always_comb
    def starts():
        qk_start.next = cur_kvf and cur_jf and not cur_tbb and (not qk_run or qk_j == B - 1)
        pv_start.next = nx_dv and (not nx_last or cred >= P) and (not pv_run or pv_j == B - 1)

    @always_comb
    def handshakes():
        s_blk.ready.next = not ld_k and not ld_v and not wb_full
        s_kv.ready.next = ld_k or ld_v
        s_cmd.ready.next = not q_load and not wq_full
        s_q.ready.next = q_load
        m_o.valid.next = fifo_count != 0
        pop.next = m_o.ready and fifo_count != 0
        k_we.next = ld_k and s_kv.valid
        v_we.next = ld_v and s_kv.valid
        kv_waddr.next = concat(wb, wcnt[lb2:])
        k_raddr.next = concat(qk_kb, qk_j)
        q_raddr.next = concat(qk_jq, qk_r)
        v_raddr.next = concat(pv_kb, pv_j)
        x_raddr.next = concat(pv_tb, pv_j)
        dr_addr.next = concat(dr_r, dr_k)

    qhi = rw + pw

    @always_comb
    def q_write():
        q_waddr.next = concat(wq, qcnt[qhi:pw])

    q_write_insts = []
    for p in range(P):
        q_write_insts.append(_q_we(q_load, s_q.valid, qcnt, p, pw, q_wes[p]))

    @always_seq(clk.posedge, reset=rst)
    def control():
        # K/V loader
        if not ld_k and not ld_v:
            if s_blk.valid and not wb_full:
                if wb:
                    kvb1.next = s_blk.data[iw + 1:1]
                    kvl1.next = s_blk.data[0]
                else:
                    kvb0.next = s_blk.data[iw + 1:1]
                    kvl0.next = s_blk.data[0]
                wcnt.next = 0
                ld_k.next = True
        elif s_kv.valid:
            if wcnt == B - 1:
                wcnt.next = 0
                if ld_k:
                    ld_k.next = False
                    ld_v.next = True
                else:
                    ld_v.next = False
                    if wb:
                        kvf1.next = True
                    else:
                        kvf0.next = True
                    wb.next = not wb
            else:
                wcnt.next = wcnt + 1
        # Q loader
        if not q_load:
            if s_cmd.valid and not wq_full:
                if wq:
                    cmd1.next = s_cmd.data[g.G * g.PW:]
                    row1.next = s_cmd.data[g.cmd_width:g.cmd_width - iw]
                else:
                    cmd0.next = s_cmd.data[g.G * g.PW:]
                    row0.next = s_cmd.data[g.cmd_width:g.cmd_width - iw]
                qcnt.next = 0
                q_load.next = True
        elif s_q.valid:
            if qcnt == g.GB - 1:
                qcnt.next = 0
                q_load.next = False
                if wq:
                    jf1.next = True
                else:
                    jf0.next = True
                wq.next = not wq
            else:
                qcnt.next = qcnt + 1
        # QK sequencer
        if qk_start:
            qk_run.next = True
            qk_j.next = 0
            qk_tb.next = tbn
            qk_r.next = seq_r
            qk_kb.next = seq_kb
            qk_first.next = seq_first
            qk_last.next = cur_last
            qk_diag.next = cur_diag
            qk_jq.next = jq
            if tbn:
                tbb1.next = True
                d_r1.next = seq_r
                d_kb1.next = seq_kb
                d_first1.next = seq_first
                d_last1.next = cur_last
                d_diag1.next = cur_diag
            else:
                tbb0.next = True
                d_r0.next = seq_r
                d_kb0.next = seq_kb
                d_first0.next = seq_first
                d_last0.next = cur_last
                d_diag0.next = cur_diag
            tbn.next = not tbn
            if seq_r == NG - 1:
                seq_r.next = 0
                seq_kb.next = not seq_kb
                if cur_last:
                    seq_first.next = True
                    jq.next = not jq
                else:
                    seq_first.next = False
            else:
                seq_r.next = seq_r + 1
        elif qk_run:
            if qk_j == B - 1:
                qk_run.next = False
            else:
                qk_j.next = qk_j + 1
        # QK task end: its descriptor is ready; the last task of a row job frees the job bank
        if qk_end:
            if a6_tb:
                dv1.next = True
            else:
                dv0.next = True
            if a6_last and a6_r == NG - 1:
                if a6_jq:
                    jf1.next = False
                else:
                    jf0.next = False
        # PV sequencer
        if pv_start:
            pv_run.next = True
            pv_j.next = 0
            pv_tb.next = pvtb
            if pvtb:
                dv1.next = False
                tbb1.next = False
                pv_r.next = d_r1
                pv_kb.next = d_kb1
                pv_first.next = d_first1
                pv_last.next = d_last1
                pv_diag.next = d_diag1
            else:
                dv0.next = False
                tbb0.next = False
                pv_r.next = d_r0
                pv_kb.next = d_kb0
                pv_first.next = d_first0
                pv_last.next = d_last0
                pv_diag.next = d_diag0
            pvtb.next = not pvtb
        elif pv_run:
            if pv_j == B - 1:
                pv_run.next = False
            else:
                pv_j.next = pv_j + 1
        # the block bank is free once the block's last task has read its V rows
        if pv_run and pv_j == B - 1 and pv_r == NG - 1:
            if pv_kb:
                kvf1.next = False
            else:
                kvf0.next = False
        # output credits: a last-block task reserves P rows of the FIFO; a beat out returns one
        if pv_start and nx_last:
            if pop:
                cred.next = cred - p_less_1
            else:
                cred.next = cred - P
        elif pop:
            cred.next = cred + 1
        # drain
        if hold_load:
            dr_run.next = True
            dr_k.next = 0
            dr_r.next = b4_r
            dr_first.next = b4_first
            dr_last.next = b4_last
        elif dr_run:
            if dr_k == P - 1:
                dr_run.next = False
            else:
                dr_k.next = dr_k + 1
        # output FIFO pointers
        if fifo_we:
            fifo_wr.next = fifo_wr + 1
        if pop:
            fifo_rd.next = fifo_rd + 1
        if fifo_we and not pop:
            fifo_count.next = fifo_count + 1
        elif pop and not fifo_we:
            fifo_count.next = fifo_count - 1

    insts += [fifo_write, fifo_read, selects, job_row, starts, handshakes, q_write, control] + q_write_insts
    return insts


@block
def _wire(d, q):
    @always_comb
    def wire():
        q.next = d

    return wire


@block
def _row_index(group_in_head, p, pw, i):
    """``i = group_in_head * P + p``: a stationary row's index in its query block."""

    @always_comb
    def index():
        i.next = concat(group_in_head, intbv(p)[pw:])

    return index


@block
def _q_we(q_load, valid, qcnt, p, pw, we):
    """Write enable of query bank ``p``: the accepted query row's index is ``p`` modulo ``P``."""

    @always_comb
    def enable():
        we.next = q_load and valid and qcnt[pw:] == p

    return enable
