"""SIG head: the whole Sparse Index Generator of ONE query head, from HBM (two AXI4 read masters)
to the head's annotated access stream.

Computes the golden model's ``fixed_head_pattern(h, params, cfg)`` (vertical-slash and
query-aware heads, N a multiple of B), then ``build_lists`` and ``liveness.annotate``, and emits
exactly the beats ``attention_path`` takes on ``s_acc`` (``formats.liveness_beat``, ``3 IW + 4``
bits ``{dead, next_row, pinnable, head_end, row, block, last}``; rows ascending, blocks ascending,
``last`` closing each row, ``head_end`` on the final beat). A dense head (``nb <= max(2,
min_blocks)``) reads nothing and emits every causal block.

Sub-blocks: two ``axi_stream_reader`` (Q, K) and row gatherers; ``sig_probe`` (two passes over K)
and ``sig_pool``; the buffers (``ram_bypass``: the probe's accumulators, the pooled vectors, the K
block sums); ``sig_head_target`` (``(T * gamma) >> 16``), two ``sig_cover_count`` runs and
``sig_head_budgets``; two ``sig_top_m`` runs; for ``tau_th != 0`` ``sig_block_sum``,
``sig_decision`` and (query-aware heads) ``sig_pooled_select``; ``sig_list_builder`` and
``sig_liveness``. The one-hot FSM here sequences the phases and feeds the buffers to the
searches at the position ``sig_head_feed`` keeps; ``sig_head_args`` decodes the arguments and
forms the probe read's address; ``sig_head_run`` keeps a shared K pass's runs (S > 1).

Ports (``clk``, ``rst`` synchronous active-high; ``IW = bits(max_blocks - 1)``): ``start`` (taken
while ``busy`` is low) with ``nb``, ``q_base``, ``k_base``, ``mult``, ``shift``, ``gamma``,
``min_blocks``, ``max_blocks``, ``tau_th`` held stable while ``busy`` (``run_first`` and
``run_heads_m1`` too when ``heads_per_pass`` > 1); ``m_axi_q_*``, ``m_axi_k_*`` (ARID ``axi_id``);
``m_valid``/``m_ready``/``m_data`` (the access stream); ``busy``; ``done`` (one cycle after the
``head_end`` beat was taken); ``reads_done`` (every R beat of the head received); ``err`` (sticky
AXI read error until the next ``start``; the head still completes); ``query_aware`` (valid from
``done`` to the next ``start``).

Reads: Q's last B rows once, K twice (``2 N D`` bytes), all of Q twice more for a query-aware head.
Latency: the phases run one after another (probe, cover counts, budgets, top-m, lists,
liveness); their cycle model is ``perf.kernel.sig_to_stream`` (calibrated with the whole kernel,
tests/perf/test_kernel_calibration.py).

The full contract (argument ranges, the shared K pass, buffering and its cost, measured cycles,
tests) is in docs/sig.md, "Whole head" and "One K pass for several query heads".
"""

from __future__ import annotations

from myhdl import ResetSignal, Signal, always, always_comb, always_seq, block, concat, intbv, modbv

from ..axi.interface import Command
from ..axi.stream_reader import axi_stream_reader
from ..common.params import check_int, check_pow2
from ..common.ram_bypass import ram_bypass
from ..common.signed import usig, zext
from ..sae.kv_adapter import sae_kv_adapter
from ..stream.interface import Stream
from .block_sum import block_sum_widths, sig_block_sum
from .cover_count import cover_count_widths, sig_cover_count
from .decision import decision_widths, sig_decision
from .head_args import sig_head_args
from .head_budgets import sig_head_budgets
from .head_feed import RS_INC, RS_ONE, RS_ZERO, sig_head_feed
from .head_run import sig_head_run
from .head_target import sig_head_target
from .list_builder import K_DENSE, K_HEADER, K_SLASH, K_VERT, index_width, sig_list_builder
from .liveness import sig_liveness
from .pool import pool_widths, sig_pool
from .pooled_select import pooled_select_widths, sig_pooled_select
from .probe import probe_widths, sig_probe
from .top_m import sig_top_m, top_m_widths

# The head's FSM is one-hot: state[H_X] is the state test (one LUT input, no decode), S_X its value.
(H_IDLE, H_DENSE, H_PROBE, H_CCV, H_CCVW, H_CCS, H_CCSW, H_BUD, H_HDR, H_TMV, H_TMVO, H_TMS, H_TMSO,
 H_WAIT, H_DQ, H_DK, H_DPV, H_DW, H_PSK) = range(19)
N_STATES = 19
(S_IDLE, S_DENSE, S_PROBE, S_CCV, S_CCVW, S_CCS, S_CCSW, S_BUD, S_HDR, S_TMV, S_TMVO, S_TMS, S_TMSO,
 S_WAIT, S_DQ, S_DK, S_DPV, S_DW, S_PSK) = (1 << k for k in range(N_STATES))

GAMMA_FRAC = 16


@block
def _at_next_read(idx, rd_sel, rp, rp_m1, at):
    """``at = (idx == rp_nx - 1)``, the next registered read address (``len(idx)`` low bits), compared
    per candidate beside the choice ``rd_sel``: -1, 0, rp or rp - 1 for RS_ZERO, RS_ONE, RS_INC, RS_KEEP."""
    w = len(idx)
    top = (1 << w) - 1

    @always_comb
    def match():
        if rd_sel == RS_ZERO:
            at.next = idx == top
        elif rd_sel == RS_ONE:
            at.next = idx == 0
        elif rd_sel == RS_INC:
            at.next = idx == rp[w:0]
        else:
            at.next = idx == rp_m1[w:0]

    return match


class HeadGeometry:
    """Validated parameters and derived widths of one ``sig_head``."""

    def __init__(self, block_size=8, head_dim=8, max_seq_len=256, hbm_data_width=64, max_accesses=1024,
                 hist_bits=4, div_shift=7, burst_beats=64, max_outstanding=2, mult_bits=16, acc_frac=16,
                 heads_per_pass=1, probe_rows=1, cover_hist_bits=None):
        def bad(name, value, allowed):
            raise ValueError(f"sig_head field '{name}' = {value!r} is not allowed: {allowed}")

        def pow2(name, v, lo, hi):
            check_pow2("sig_head", name, v, lo, hi)

        pow2("block_size", block_size, 2, 256)
        pow2("probe_rows", probe_rows, 1, block_size // 2)
        pow2("head_dim", head_dim, 1, 256)
        pow2("hbm_data_width", hbm_data_width, 32, 1024)
        B, D, hw = block_size, head_dim, hbm_data_width
        if isinstance(max_seq_len, bool) or not isinstance(max_seq_len, int) or max_seq_len % B \
                or (max_seq_len // B) & (max_seq_len // B - 1) or not 4 <= max_seq_len // B <= 4096:
            bad("max_seq_len", max_seq_len, f"must be a power-of-two multiple in [4, 4096] of block_size={B}")
        if (8 * D) % hw:
            bad("hbm_data_width", hw, f"must divide a Q/K row of 8 * head_dim = {8 * D} bits")
        cover_hist_bits = hist_bits if cover_hist_bits is None else cover_hist_bits
        for name, v, lo, hi in (("div_shift", div_shift, 0, 16), ("hist_bits", hist_bits, 1, 8),
                                ("cover_hist_bits", cover_hist_bits, 1, 8),
                                ("max_outstanding", max_outstanding, 1, 16), ("mult_bits", mult_bits, 16, 16),
                                ("heads_per_pass", heads_per_pass, 1, 16),
                                ("acc_frac", acc_frac, 16, 16)):
            check_int("sig_head", name, v, lo, hi)
        pow2("burst_beats", burst_beats, 1, min(256, 4096 * 8 // hw))
        self.B, self.D, self.hw, self.max_n = B, D, hw, max_seq_len
        self.max_blocks = max_seq_len // B
        self.iw = index_width(self.max_blocks)
        self.lb = B.bit_length() - 1
        self.S = heads_per_pass                          # query heads served by one K pass pair
        self.probe_rows = probe_rows                     # r: probe rows scored against a key per cycle
        self.gw = max(1, (heads_per_pass - 1).bit_length())  # run_heads_m1 width
        self.lg_d = D.bit_length() - 1
        self.pw_probe = probe_widths(B, D, max_seq_len, mult_bits, acc_frac, heads_per_pass)
        self.iwn = self.pw_probe["iwn"]
        self.aw = acc_frac + 1 + self.lb                 # accumulator (probe output value) bits
        pw = pool_widths(B, max_seq_len, self.aw)
        self.tw = pw["tw"]                               # total mass T and the cover target
        self.pool_out = pw["out"]
        self.ciw, self.cpw = cover_count_widths(max_seq_len, self.aw, self.tw)
        self.pooled = self.aw + self.lb                  # pooled value bits (FixedPointConfig.pooled_bits)
        self.tiw, _, self.tpw = top_m_widths(self.max_blocks, self.pooled, 0)
        assert self.tiw == self.iw and self.iwn == self.iw + self.lb
        self.row_beats = 8 * D // hw                     # AXI words per Q/K row
        self.q_beats = B * self.row_beats                # the probe's B rows of Q
        self.lg_row_bytes = (B * D).bit_length() - 1      # log2 bytes of one block of rows
        self.lg_blk_beats = self.q_beats.bit_length() - 1
        # the probe rows' offset from q_base, (nb - 1) B D + i N D (i < S), with one more run of
        # room: it is added into the low 32 bits of q_base only (sig_head's address stages)
        self.qoff_bits = ((heads_per_pass + 1) * max_seq_len * D).bit_length()
        if self.qoff_bits > 32:
            bad("heads_per_pass", heads_per_pass,
                f"must keep (heads_per_pass + 1) * max_seq_len * head_dim = "
                f"{(heads_per_pass + 1) * max_seq_len * D} below 2^32 (the probe read's offset)")
        self.beats_bits = max(9, self.iw + 2 + self.lg_blk_beats)
        self.burst = min(burst_beats, 4096 * 8 // hw)
        self.fifo = 2 * self.burst
        self.max_outstanding = max_outstanding
        self.max_accesses = max_accesses
        self.hist_bits, self.div_shift, self.mult_bits = hist_bits, div_shift, mult_bits
        self.cover_hist_bits = cover_hist_bits          # the coverage counts' digit (top-m: hist_bits)
        self.acc_width = 3 * self.iw + 4


@block
def sig_head(clk, rst, start, nb, q_base, k_base, mult, shift, gamma, min_blocks, max_blocks, tau_th, m_axi_q, m_axi_k,
             m, busy, reads_done, done, err, query_aware, run_first=None, run_heads_m1=None,
             block_size=8, head_dim=8, max_seq_len=256, max_accesses=1024, hist_bits=4, div_shift=7,
             burst_beats=64, max_outstanding=2, heads_per_pass=1, probe_rows=1, axi_id=0, cover_hist_bits=None):
    hbm_data_width = len(m_axi_q.rdata)        # the AXI data width comes from the ports
    if isinstance(axi_id, bool) or not isinstance(axi_id, int) or not 0 <= axi_id < 1 << len(m_axi_q.arid):
        raise ValueError(f"sig_head field 'axi_id' = {axi_id!r} is not allowed: "
                         f"must be an integer in [0, {(1 << len(m_axi_q.arid)) - 1}]")
    g = HeadGeometry(block_size, head_dim, max_seq_len, hbm_data_width, max_accesses, hist_bits, div_shift,
                     burst_beats, max_outstanding, heads_per_pass=heads_per_pass, probe_rows=probe_rows,
                     cover_hist_bits=cover_hist_bits)
    S = g.S
    if (S > 1) != (run_first is not None) or (S > 1) != (run_heads_m1 is not None):
        raise ValueError(f"sig_head field 'run_first' = {run_first!r} is not allowed: the ports run_first and "
                         f"run_heads_m1 must be given exactly when heads_per_pass = {S} > 1")
    if S > 1 and (len(run_first) != 1 or len(run_heads_m1) != g.gw):
        raise ValueError(f"sig_head field 'run_heads_m1' width = {len(run_heads_m1)} is not allowed: must be {g.gw}")
    B, D, hw, iw, iwn, lb = g.B, g.D, g.hw, g.iw, g.iwn, g.lb
    AW, TW, PV = g.aw, g.tw, g.pooled
    max_n, MB = g.max_n, g.max_blocks
    for name, sig_, w in (("nb", nb, iw + 1), ("q_base", q_base, 64), ("k_base", k_base, 64),
                          ("mult", mult, g.mult_bits), ("shift", shift, 6), ("gamma", gamma, GAMMA_FRAC + 1),
                          ("min_blocks", min_blocks, iw + 1), ("max_blocks", max_blocks, iw + 1),
                          ("tau_th", tau_th, 32), ("m_data", m.data, g.acc_width),
                          ("m_axi_q_rdata", m_axi_q.rdata, hw), ("m_axi_k_rdata", m_axi_k.rdata, hw)):
        if len(sig_) != w:
            raise ValueError(f"sig_head field '{name}' width = {len(sig_)} is not allowed: must be {w}")

    state = Signal(intbv(1 << H_IDLE)[N_STATES:])   # one-hot
    busy_r = Signal(bool(0))
    done_r = Signal(bool(0))
    rdone_r = Signal(bool(0))
    err_r = Signal(bool(0))
    qa_r = Signal(bool(0))                     # query-aware hook (not connected: always 0)
    take = Signal(bool(0))                     # start accepted this cycle
    sub_rst = ResetSignal(0, active=1, isasync=False)   # readers: rst or a taken start

    # ---- argument decoding and the probe rows' address (head_args.py) -------------------------
    nb_m1 = usig(iw)                           # nb - 1
    n_m1 = usig(iwn)                           # N - 1
    n_val = usig(iwn + 1)                      # N
    dense = Signal(bool(0))
    maxb_eff = usig(iw + 1)                    # min(max_blocks, nb)
    q_addr = Signal(modbv(0)[64:])
    k_beats = usig(g.beats_bits)
    nm1_r = usig(iwn)                          # N - 1, registered
    nbm1_r = usig(iwn + 1)                     # nb - 1, registered
    q_step = Signal(modbv(0)[g.qoff_bits:]) if S > 1 else None   # S > 1: i N D, the run's i-th probe read
    args = sig_head_args(clk, nb, min_blocks, max_blocks, q_base, q_step, nb_m1, n_m1, n_val, dense, maxb_eff,
                         k_beats, nm1_r, nbm1_r, q_addr, block_size=B, head_dim=D, blk_beats=g.q_beats,
                         qoff_bits=g.qoff_bits, beats_bits=g.beats_bits)
    # the probe's commands wait QA_STAGES cycles after a start and after each run step (q_addr's stages)
    QA_STAGES = 4 if S > 1 else 3
    run_insts = []

    # ---- AXI readers and row gatherers -----------------------------------------------------
    qc_valid, qc_ready = Signal(bool(0)), Signal(bool(0))
    kc_valid, kc_ready = Signal(bool(0)), Signal(bool(0))
    qr_valid, qr_ready, qr_data, qr_last = Signal(bool(0)), Signal(bool(0)), usig(hw), Signal(bool(0))
    kr_valid, kr_ready, kr_data, kr_last = Signal(bool(0)), Signal(bool(0)), usig(hw), Signal(bool(0))
    err_q, err_k = Signal(bool(0)), Signal(bool(0))
    qc_addr, qc_beats = Signal(modbv(0)[64:]), usig(g.beats_bits)
    q_reader = axi_stream_reader(clk, sub_rst, Command.of(qc_valid, qc_ready, qc_addr, qc_beats),
                                 m_axi_q, Stream.of(qr_valid, qr_ready, qr_data), qr_last,
                                 err_q, burst_beats=g.burst, fifo_depth=g.fifo, max_outstanding=g.max_outstanding,
                                 axi_id=axi_id)
    k_reader = axi_stream_reader(clk, sub_rst, Command.of(kc_valid, kc_ready, k_base, k_beats),
                                 m_axi_k, Stream.of(kr_valid, kr_ready, kr_data), kr_last,
                                 err_k, burst_beats=g.burst, fifo_depth=g.fifo, max_outstanding=g.max_outstanding,
                                 axi_id=axi_id)
    q_valid, q_ready, q_data = Signal(bool(0)), Signal(bool(0)), usig(8 * D)
    k_valid, k_ready, k_data = Signal(bool(0)), Signal(bool(0)), usig(8 * D)
    q_gather = sae_kv_adapter(clk, rst, Stream.of(qr_valid, qr_ready, qr_data), Stream.of(q_valid, q_ready, q_data))
    k_gather = sae_kv_adapter(clk, rst, Stream.of(kr_valid, kr_ready, kr_data), Stream.of(k_valid, k_ready, k_data))

    # ---- score pipeline and pooling ----------------------------------------------------------
    ph = Stream(g.pw_probe["hdr"])
    pm = Stream(AW + 1)
    pq_valid, pq_ready, pk_valid, pk_ready = Signal(bool(0)), Signal(bool(0)), Signal(bool(0)), Signal(bool(0))
    p_rst = ResetSignal(0, active=1, isasync=False) if S > 1 else rst
    probe = sig_probe(clk, p_rst, ph, Stream.of(pq_valid, pq_ready, q_data), Stream.of(pk_valid, pk_ready, k_data),
                      pm, block_size=B, head_dim=D, max_n=max_n,
                      mult_bits=g.mult_bits, heads_per_pass=S, rows_per_key=g.probe_rows)
    oh_valid, oh_ready = Signal(bool(0)), Signal(bool(0))
    pl = Stream(g.pool_out)
    pool = sig_pool(clk, rst, Stream.of(oh_valid, oh_ready, n_m1), pm, pl, block_size=B, max_n=max_n, acc_width=AW)


    # ---- head buffers (written as the probe and the pool emit; read by the phases below) -------
    cap_j = Signal(modbv(0)[iwn:])            # index of the next probe beat of its kind
    cap_we = Signal(bool(0))
    cap_kind = Signal(bool(0))
    cap_val = usig(AW)
    pv_i = Signal(modbv(0)[iw:])
    ps_i = Signal(modbv(0)[iw:])
    pl_kind = usig(2)
    pl_val = usig(PV)
    t_beat = Signal(bool(0))                   # the pool's T beat (kind 2)
    total = usig(TW)                           # its value

    @always_comb
    def cap_decode():
        cap_we.next = pm.valid and pm.ready
        cap_kind.next = pm.data[AW]
        cap_val.next = pm.data[AW:0]
        pl_kind.next = pl.data[TW + 2:TW]
        pl_val.next = pl.data[PV:0]
        pl.ready.next = True
        t_beat.next = pl.valid and pl.data[TW + 2:TW] == 2
        total.next = pl.data[TW:0]

    # ---- coverage target (head_target.py): (T * gamma) >> GF from the pool's T beat; the first
    # cover count's header waits the edge its sum takes (tg_wait)
    target = usig(TW)
    tg_wait = Signal(intbv(0, min=0, max=2))  # cycles until target holds this head's value
    tgt = sig_head_target(clk, t_beat, total, gamma, target)

    rp = usig(iwn + 1)                         # feed position: 0 = header beat, i = value i-1
    rd_v, rd_s = usig(AW), usig(AW)
    rd_pv, rd_ps = usig(PV), usig(PV)

    # Registered (BRAM/URAM) reads with address look-ahead (head_feed.py): the buffers are read at
    # rd_nx_dec = rp_nx - 1, the position - 1 of the next cycle, so the word latched at the next edge
    # is, during the next cycle, the word an asynchronous read of mem[rp - 1] would give; a write
    # landing at the same edge on the same address is forwarded (ram_bypass).
    rd_nx_dec = Signal(modbv(0)[iwn + 1:])     # rp_nx - 1
    rp_m1 = Signal(modbv((1 << (iwn + 1)) - 1)[iwn + 1:])   # rp - 1, kept beside rp
    rd_sel = Signal(intbv(0)[2:])              # which of rp, 0, 1, rp + 1 the next position is
    rp_is0, rp_at_nb, rp_at_n = Signal(bool(1)), Signal(bool(0)), Signal(bool(0))   # rp == 0, nb, N
    rd_nx_addr = usig(iwn)
    rd_nx_paddr = usig(iw)

    @always_comb
    def rd_index():
        rd_nx_addr.next = rd_nx_dec[iwn:0]
        rd_nx_paddr.next = rd_nx_dec[iw:0]

    # the buffers: registered reads at the next feed position with a write bypass (ram_bypass); a
    # write lands at the address read when its index matches the candidate read address chosen
    cap_at = Signal(bool(0))                   # cap_j == rd_nx_addr
    pv_at = Signal(bool(0))                    # pv_i == rd_nx_paddr
    ps_at = Signal(bool(0))
    rd_match = [_at_next_read(cap_j, rd_sel, rp, rp_m1, cap_at), _at_next_read(pv_i, rd_sel, rp, rp_m1, pv_at),
                _at_next_read(ps_i, rd_sel, rp, rp_m1, ps_at)]
    we_v, we_s, we_pv, we_ps = (Signal(bool(0)) for _ in range(4))
    hit_v, hit_s, hit_pv, hit_ps = (Signal(bool(0)) for _ in range(4))

    @always_comb
    def buf_writes():
        we_v.next = cap_we and not cap_kind
        we_s.next = cap_we and cap_kind
        we_pv.next = pl.valid and pl_kind == 0
        we_ps.next = pl.valid and pl_kind == 1
        hit_v.next = cap_we and not cap_kind and cap_at
        hit_s.next = cap_we and cap_kind and cap_at
        hit_pv.next = pl.valid and pl_kind == 0 and pv_at
        hit_ps.next = pl.valid and pl_kind == 1 and ps_at

    bufs = [ram_bypass(clk, we_v, cap_j, cap_val, rd_nx_addr, hit_v, rd_v, tag="vbuf"),
            ram_bypass(clk, we_s, cap_j, cap_val, rd_nx_addr, hit_s, rd_s, tag="sbuf"),
            ram_bypass(clk, we_pv, pv_i, pl_val, rd_nx_paddr, hit_pv, rd_pv, tag="pvbuf"),
            ram_bypass(clk, we_ps, ps_i, pl_val, rd_nx_paddr, hit_ps, rd_ps, tag="psbuf")]

    cc = Stream(g.cpw + 1)
    co_valid, co_ready, co_data = Signal(bool(0)), Signal(bool(0)), usig(g.ciw + 2)
    cover = sig_cover_count(clk, rst, cc, Stream.of(co_valid, co_ready, co_data), max_n=max_n,
                            width=AW, hist_bits=g.cover_hist_bits, sum_width=TW)
    cc_val = usig(g.cpw)
    cc_last = Signal(bool(0))
    cc_tgt = usig(g.cpw)
    zv, zs = usig(g.cpw), usig(g.cpw)
    z1 = zext(rd_v, zv)
    z2 = zext(rd_s, zs)
    z3 = zext(target, cc_tgt)

    @always_comb
    def cc_mux():
        cc.valid.next = (state[H_CCV] or state[H_CCS]) and tg_wait == 0
        cc_last.next = rp_at_n
        if rp_is0:
            cc_val.next = cc_tgt
        elif state[H_CCS]:
            cc_val.next = zs
        else:
            cc_val.next = zv
        co_ready.next = state[H_CCVW] or state[H_CCSW]

    ld_v, ld_s, ld_n = Signal(bool(0)), Signal(bool(0)), Signal(bool(0))   # budget loads (head_budgets.py)

    @always_comb
    def budget_loads():
        ld_v.next = state[H_CCVW] and co_valid
        ld_s.next = state[H_CCSW] and co_valid
        ld_n.next = state[H_BUD]

    @always_comb
    def cc_pack():
        cc.data.next = concat(cc_last and not rp_is0, cc_val)

    # ---- budgets (head_budgets.py): from the two counts, clamped; min_blocks for a query-aware head
    nv, ns = usig(iw + 1), usig(iw + 1)        # the vertical and slash budgets (registered)
    budgets = sig_head_budgets(clk, rst, co_data, ld_v, ld_s, ld_n, qa_r, min_blocks, maxb_eff, nv, ns,
                               div_shift=g.div_shift)

    # ---- coverage select ---------------------------------------------------------------------
    ts = Stream(g.tpw + 1)
    to_valid, to_ready, to_data = Signal(bool(0)), Signal(bool(0)), usig(iw + 1)
    top = sig_top_m(clk, rst, ts, Stream.of(to_valid, to_ready, to_data), max_n=MB, width=PV,
                    hist_bits=g.hist_bits, div_shift=0, min_m=1, max_m=MB)
    ts_val = usig(g.tpw)
    zpv, zps, zbud = usig(g.tpw), usig(g.tpw), usig(g.tpw)
    bud_m1 = usig(iw + 1)                       # budget - 1: top_m's count at div_shift 0
    z4 = zext(rd_pv, zpv)
    z5 = zext(rd_ps, zps)
    z6 = zext(bud_m1, zbud)

    @always_comb
    def ts_mux():
        ts.valid.next = state[H_TMV] or state[H_TMS]
        if state[H_TMS]:
            if ns == 0:
                bud_m1.next = 0
            else:
                bud_m1.next = ns - 1
        else:
            if nv == 0:
                bud_m1.next = 0
            else:
                bud_m1.next = nv - 1
        if rp_is0:
            ts_val.next = zbud
        elif state[H_TMS]:
            ts_val.next = zps
        else:
            ts_val.next = zpv

    @always_comb
    def ts_pack():
        ts.data.next = concat(rp_at_nb and not rp_is0, ts_val)

    # ---- query-aware path: block sums, decision, pooled selection ----------------------------
    BW = block_sum_widths(B, D)["out"]
    dwid = decision_widths(B, D, MB, g.mult_bits, 16, 12)
    DDW = dwid["dw"]
    pwid = pooled_select_widths(B, D, MB, g.mult_bits, 16, GAMMA_FRAC, g.hist_bits)
    bq_valid, bq_ready, bq_in_ready = Signal(bool(0)), Signal(bool(0)), Signal(bool(0))
    bqo = Stream(BW)
    bs_q = sig_block_sum(clk, rst, Stream.of(bq_valid, bq_in_ready, q_data), bqo, block_size=B, head_dim=D)
    bk_valid, bk_in_ready = Signal(bool(0)), Signal(bool(0))
    bko = Stream(BW)
    bs_k = sig_block_sum(clk, rst, Stream.of(bk_valid, bk_in_ready, k_data), bko, block_size=B, head_dim=D)
    ks_i = Signal(modbv(0)[iw:])
    rd_ks = usig(BW)
    qsum = usig(BW)
    qa_mode = Signal(bool(0))                  # Q reader output goes to the pooled selection only
    k_tap = Signal(bool(0))                    # pass 1: K rows also go to the block sum
    k_rows = Signal(modbv(0)[iwn:])
    dh = Stream(dwid["hdr"])
    dq_valid, dq_ready = Signal(bool(0)), Signal(bool(0))
    dk_valid, dk_ready = Signal(bool(0)), Signal(bool(0))
    dp = Stream(dwid["pv"])
    dm = Stream(dwid["out"])
    qsum_d = usig(BW) if S > 1 else qsum       # the decision's s_q beat: this head's probe-row block sum
    decision = sig_decision(clk, rst, dh, Stream.of(dq_valid, dq_ready, qsum_d), Stream.of(dk_valid, dk_ready, rd_ks),
                            dp, dm, block_size=B, head_dim=D, max_blocks=MB, mult_bits=g.mult_bits)
    sh = Stream(pwid["hdr"])
    sh_pend = Signal(bool(0))
    sk_valid, sk_ready = Signal(bool(0)), Signal(bool(0))
    sq_ready = Signal(bool(0))
    px = Stream(2 * iw + 1)
    pooled = sig_pooled_select(clk, rst, sh, Stream.of(sk_valid, sk_ready, rd_ks), Stream.of(bqo.valid, sq_ready, bqo.data),
                               px, block_size=B, head_dim=D, max_blocks=MB,
                               mult_bits=g.mult_bits, hist_bits=g.hist_bits)
    dec_qa = Signal(bool(0))

    @always_comb
    def qa_forks():
        # Q rows: to the probe and the Q block sum (probe rows), or to the block sum only (QA re-read)
        if qa_mode:
            pq_valid.next = False
            bq_valid.next = q_valid
            q_ready.next = bq_in_ready
            bqo.ready.next = sq_ready
        else:
            pq_valid.next = q_valid and bq_in_ready
            bq_valid.next = q_valid and pq_ready
            q_ready.next = pq_ready and bq_in_ready
            bqo.ready.next = True
        # K rows: pass 1 also to the K block sum
        if k_tap:
            pk_valid.next = k_valid and bk_in_ready
            bk_valid.next = k_valid and pk_ready
            k_ready.next = pk_ready and bk_in_ready
        else:
            pk_valid.next = k_valid
            bk_valid.next = False
            k_ready.next = pk_ready
        bko.ready.next = True

    ks_at = Signal(bool(0))                    # ks_i == rd_nx_paddr
    rd_kmatch = _at_next_read(ks_i, rd_sel, rp, rp_m1, ks_at)
    hit_ks = Signal(bool(0))

    @always_comb
    def ks_hit():
        hit_ks.next = bko.valid and ks_at

    ksum_buf = ram_bypass(clk, bko.valid, ks_i, bko.data, rd_nx_paddr, hit_ks, rd_ks, tag="ksbuf")

    @always_comb
    def qa_ports():
        dh.valid.next = state[H_DQ]
        dh.data.next = concat(tau_th, mult, shift, nb_m1)
        dq_valid.next = state[H_DK] and rp_is0
        dk_valid.next = state[H_DK] and not rp_is0
        dp.valid.next = state[H_DPV]
        dp.data.next = rd_pv
        dm.ready.next = state[H_DW]
        dec_qa.next = dm.data[DDW]
        sh.valid.next = sh_pend
        sh.data.next = concat(gamma, mult, shift, nb_m1)
        sk_valid.next = state[H_PSK]


    # ---- list builder, liveness --------------------------------------------------------------
    sl = Stream(iw + 3)
    ex = Stream(2 * iw + 1)
    ex_pend = Signal(bool(0))
    lb_valid, lb_ready, lb_data = Signal(bool(0)), Signal(bool(0)), usig(2 * iw + 2)
    builder = sig_list_builder(clk, rst, sl, ex, Stream.of(lb_valid, lb_ready, lb_data), max_blocks=MB)
    live = sig_liveness(clk, rst, Stream.of(lb_valid, lb_ready, lb_data), m, max_blocks=MB,
                        max_accesses=g.max_accesses)
    to_idx = usig(iw)
    to_last = Signal(bool(0))

    @always_comb
    def sel_mux():
        to_idx.next = to_data[iw:0]
        to_last.next = to_data[iw]
        if qa_r:
            ex.valid.next = px.valid
            ex.data.next = px.data
            px.ready.next = ex.ready
        else:
            ex.valid.next = ex_pend
            ex.data.next = 1 << (2 * iw)
            px.ready.next = False
        if state[H_DENSE]:
            sl.valid.next = True
            sl.data.next = concat(True, intbv(K_DENSE)[2:], nb_m1)
            to_ready.next = False
        elif state[H_HDR]:
            sl.valid.next = True
            sl.data.next = concat(False, intbv(K_HEADER)[2:], nb_m1)
            to_ready.next = False
        elif state[H_TMVO]:
            sl.valid.next = to_valid
            sl.data.next = concat(False, intbv(K_VERT)[2:], to_idx)
            to_ready.next = sl.ready
        elif state[H_TMSO]:
            sl.valid.next = to_valid
            sl.data.next = concat(to_last, intbv(K_SLASH)[2:], to_idx)
            to_ready.next = sl.ready
        else:
            sl.valid.next = False
            sl.data.next = 0
            to_ready.next = False

    # ---- control -----------------------------------------------------------------------------
    q_pend = Signal(bool(0))
    qa_wait = Signal(intbv(0, min=0, max=QA_STAGES + 1))   # cycles until q_addr holds this head's address
    k_go = Signal(bool(0))                     # the first commands went out (qa_wait reached 0)
    # Shared K pass (S > 1): a run of h heads; its first head ("lead", run_first at start) reads
    # the h heads' probe rows and K twice; the following heads ("followers") read neither and take
    # their accumulator bank from the probe. With S = 1 every head is a lead (follower = 0).
    follower = Signal(bool(0))                 # S = 1: a constant-0 register (every head reads its own rows)
    qp_more = Signal(bool(0))                  # another probe Q read of the run is still to issue
    q_inc = Signal(bool(0))                    # a Q command counted in q_got was delivered
    fol_in = Signal(bool(0)) if S > 1 else follower   # at start: the head is a follower (S = 1: constant 0)
    k_pend = Signal(intbv(0, min=0, max=3))    # K commands still to issue (2 passes)
    q_got = Signal(intbv(0, min=0, max=4))     # Q commands fully delivered
    qf_left = Signal(intbv(0, min=0, max=3))   # query-aware: full Q re-reads still to issue
    dec_done = Signal(bool(0))
    k_got = Signal(intbv(0, min=0, max=3))     # K passes fully delivered
    h_pend = Signal(bool(0))                   # probe header not yet taken
    o_pend = Signal(bool(0))                   # pool header not yet taken

    @always_comb
    def outputs():
        take.next = start and not busy_r
        sub_rst.next = rst or (start and not busy_r)
        busy.next = busy_r
        done.next = done_r
        reads_done.next = rdone_r
        err.next = err_r
        query_aware.next = qa_r and tau_th != 0   # hook: D2 < tau_th needs tau_th > 0
        if q_pend:
            qc_valid.next = qa_wait == 0
        else:
            qc_valid.next = qf_left != 0
        if q_pend:
            qc_addr.next = q_addr
            qc_beats.next = g.q_beats
        else:
            qc_addr.next = q_base
            qc_beats.next = k_beats
        kc_valid.next = k_pend != 0 and (k_go or qa_wait == 0)   # K's first command beside Q's
        ph.valid.next = h_pend
        oh_valid.next = o_pend

    # rp_next as a sum of products: each feed phase's step (go_*) beside the wrap flags, so the
    # choice is a few LUTs from the state, the sub-blocks' ready and the rp flags
    go_dk, go_nb, go_n, rs_zero, rs_one, rs_inc = (Signal(bool(0)) for _ in range(6))

    @always_comb
    def rp_steps():
        go_dk.next = state[H_DK] and ((rp_is0 and dq_ready) or (not rp_is0 and dk_ready))
        go_nb.next = ((state[H_DPV] and dp.ready) or (state[H_PSK] and sk_ready)
                      or ((state[H_TMV] or state[H_TMS]) and ts.ready))
        go_n.next = (state[H_CCV] or state[H_CCS]) and tg_wait == 0 and cc.ready   # a beat moves

    @always_comb
    def rp_terms():
        # the feed position after this edge is 0, 1, rp + 1 or rp (the registered buffer reads'
        # address, that position - 1, is then -1, 0, rp or rp_m1: rp_pick)
        rs_zero.next = (state[H_DQ] and dh.ready) or (go_nb and rp_at_nb) or (go_n and rp_at_n)
        rs_one.next = (go_dk and rp_at_nb) or (state[H_DW] and dm.valid and dec_qa)
        rs_inc.next = (go_dk and not rp_at_nb) or (go_nb and not rp_at_nb) or (go_n and not rp_at_n)

    feed = sig_head_feed(clk, rst, take, rs_zero, rs_one, rs_inc, nb, n_val, nbm1_r, nm1_r, rp, rp_m1, rd_sel,
                         rd_nx_dec, rp_is0, rp_at_nb, rp_at_n)

    @always_seq(clk.posedge, reset=rst)
    def control():
        done_r.next = False
        if qa_wait != 0:
            qa_wait.next = qa_wait - 1
        if tg_wait != 0:
            tg_wait.next = tg_wait - 1
        else:
            k_go.next = True
        if take:
            qa_wait.next = QA_STAGES
            k_go.next = False
            busy_r.next = True
            err_r.next = False
            qa_r.next = False
            rdone_r.next = dense
            ex_pend.next = True
            if fol_in:                         # a follower: its probe rows and K came with the lead
                q_got.next = 1
                k_got.next = 2
            else:
                q_got.next = 0
                k_got.next = 0
            qf_left.next = 0
            qa_mode.next = False
            dec_done.next = False
            sh_pend.next = False
            k_tap.next = not dense and not fol_in
            k_rows.next = 0
            ks_i.next = 0
            cap_j.next = 0
            pv_i.next = 0
            ps_i.next = 0
            if dense:
                state.next = S_DENSE
            else:
                state.next = S_PROBE
                q_pend.next = not fol_in
                if fol_in:
                    k_pend.next = 0
                else:
                    k_pend.next = 2
                h_pend.next = not fol_in
                o_pend.next = True
        else:
            if err_q or err_k:
                err_r.next = True
            if ex.valid and ex.ready:
                ex_pend.next = False
            if qc_valid and qc_ready:
                if q_pend:
                    qa_wait.next = QA_STAGES       # the next probe read's address (S > 1) settles
                    if not qp_more:
                        q_pend.next = False
                else:
                    qf_left.next = qf_left - 1
            if pk_valid and pk_ready:
                if k_rows == nm1_r:
                    k_tap.next = False
                k_rows.next = k_rows + 1
            if bko.valid:
                ks_i.next = ks_i + 1
            if sh.valid and sh.ready:
                sh_pend.next = False
            if kc_valid and kc_ready:
                k_pend.next = k_pend - 1
            if ph.valid and ph.ready:
                h_pend.next = False
            if oh_valid and oh_ready:
                o_pend.next = False
            if q_inc:
                q_got.next = q_got + 1
            if kr_valid and kr_ready and kr_last:
                k_got.next = k_got + 1
            if busy_r and not state[H_DENSE] and k_got == 2 and (
                    (q_got == 1 and (tau_th == 0 or (dec_done and not qa_r))) or q_got == 3):
                rdone_r.next = True
            if cap_we:
                if cap_j == nm1_r:
                    cap_j.next = 0
                else:
                    cap_j.next = cap_j + 1
            if pl.valid:
                if pl_kind == 0:
                    pv_i.next = pv_i + 1
                elif pl_kind == 1:
                    ps_i.next = ps_i + 1
                else:
                    tg_wait.next = 1
            # one branch per state, side by side (one-hot: exactly one holds; no priority chain)
            if state[H_DENSE]:
                if sl.ready:
                    state.next = S_WAIT
            if state[H_PROBE]:
                if pl.valid and pl_kind == 2:
                    if tau_th == 0:
                        state.next = S_CCV
                    else:
                        state.next = S_DQ
            if state[H_DQ]:
                if dh.ready:
                    state.next = S_DK
            if state[H_DK]:
                if (rp_is0 and dq_ready) or (not rp_is0 and dk_ready):
                    if rp_at_nb:
                        state.next = S_DPV
            if state[H_DPV] or state[H_PSK]:
                if (state[H_DPV] and dp.ready) or (state[H_PSK] and sk_ready):
                    if rp_at_nb:
                        state.next = S_DW if state[H_DPV] else S_BUD
            if state[H_DW]:
                if dm.valid:
                    dec_done.next = True
                    if dec_qa:
                        qa_r.next = True
                        qa_mode.next = True
                        qf_left.next = 2
                        sh_pend.next = True
                        state.next = S_PSK
                    else:
                        state.next = S_CCV
            if state[H_CCV] or state[H_CCS]:
                if cc.ready and tg_wait == 0:
                    if rp_at_n:
                        state.next = S_CCVW if state[H_CCV] else S_CCSW
            if state[H_CCVW]:
                if co_valid:                   # the vertical count: its budget (ld_v)
                    state.next = S_CCS
            if state[H_CCSW]:
                if co_valid:                   # the slash count (ld_s)
                    state.next = S_BUD
            if state[H_BUD]:                   # the budgets clamped (ld_n)
                state.next = S_HDR
            if state[H_HDR]:
                if sl.ready:
                    state.next = S_TMV
            if state[H_TMV] or state[H_TMS]:
                if ts.ready:
                    if rp_at_nb:
                        state.next = S_TMVO if state[H_TMV] else S_TMSO
            if state[H_TMVO]:
                if to_valid and sl.ready and to_last:
                    state.next = S_TMS
            if state[H_TMSO]:
                if to_valid and sl.ready and to_last:
                    state.next = S_WAIT
            if state[H_WAIT]:
                if m.valid and m.ready and m.data[2 * iw + 1]:
                    state.next = S_IDLE
                    busy_r.next = False
                    done_r.next = True

    if S > 1:                                  # the run's bookkeeping (head_run.py)
        q_cmd, q_last, qs_we = Signal(bool(0)), Signal(bool(0)), Signal(bool(0))

        @always_comb
        def run_events():
            q_cmd.next = qc_valid and qc_ready and q_pend
            q_last.next = qr_valid and qr_ready and qr_last
            qs_we.next = bqo.valid and bqo.ready and not qa_mode

        run_insts += [run_events,
                      sig_head_run(clk, rst, take, dense, run_first, run_heads_m1, nb, mult, shift, n_m1, q_cmd,
                                   q_last, qs_we, bqo.data, fol_in, p_rst, qp_more, q_inc, ph.data, qsum_d, q_step,
                                   block_size=B, head_dim=D, heads_per_pass=S)]
    else:
        @always(clk.posedge)
        def run_const():
            follower.next = False
            qp_more.next = False

        @always_comb
        def run_flags():
            q_inc.next = qr_valid and qr_ready and qr_last
            ph.data.next = concat(mult, shift, n_m1)

        @always_seq(clk.posedge, reset=rst)
        def w_qsum():
            if bqo.valid and bqo.ready and not qa_mode:
                qsum.next = bqo.data

        run_insts += [run_const, run_flags, w_qsum]

    return (run_insts, args, q_reader, k_reader, q_gather,
            k_gather, probe, pool, bs_q, bs_k, decision,
            pooled, qa_forks, rd_kmatch, ks_hit, ksum_buf, qa_ports, rp_steps, rp_terms, feed,
            cap_decode, tgt, rd_index, rd_match, buf_writes, bufs, cover, z1, z2, z3, cc_mux, cc_pack,
            budgets, budget_loads, top, z4, z5, z6, ts_mux, ts_pack, builder, live, sel_mux, outputs,
            control)
