"""The Vitis RTL kernel ``fast_prefill``: every head's Sparse Index Generator and attention, end to end.

Computes, for the arguments in ``s_axi_control`` (``rtl/top/regmap.toml``), for each query head
``h = 0 .. H-1`` (KV head ``kvh = h // (H / Hkv)``, golden ``kv_head_of``): the SIG (``sig_head`` on
Q of head ``h`` at ``q + h*N*D`` and K of ``kvh`` at ``k + kvh*N*D``), whose annotated access stream
goes into the access FIFO (``stream_ram_fifo``), then the attention (``attention_path`` on that
stream, V at ``v + kvh*N*D``, O written at ``o + h*N*D*2``). Every head's O equals the golden
``sparse_attention_fixed`` of the golden ``fixed_head_pattern`` (``verify/golden/kernel_ref.py``).

Overlap (``overlap=True``, built): the SIG of head ``h+1`` starts as soon as the SIG has put head
``h``'s last access into the FIFO, while head ``h`` attends; a head's attention starts once its first
access is at the FIFO's head. ``overlap=False`` (a baseline) makes the SIG also wait for the
attention of every started head. With ``sig_heads_per_pass`` > 1 a GQA group's heads share K passes
(``run_first``, ``run_heads_m1`` of ``sig_head``).

Ports (Vitis RTL kernel, UG1393): ``ap_clk``; ``ap_rst_n`` (active low, synchronous, through the
two-flop synchroniser ``rst_sync_s0``/``rst_sync_s1``); ``s_axi_control_*`` and ``interrupt``
(``axil_control``: ap_ctrl_hs, GIE/IER/ISR, arguments, ``status``); AXI4 read masters ``m_axi_q_*``
(SIG probe rows, attention Q rows), ``m_axi_kv_*`` (SIG K passes, KV cache K fills) and
``m_axi_v_*`` (V fills); AXI4 write master ``m_axi_o_*`` (O rows). Read IDs 1 for the SIG
(``SIG_AXI_ID``), 0 for the attention path; the two users of a read port share it through an
``axi_read_arbiter`` without stalling each other's beats.

Invariants: ``ap_idle`` is high exactly in the idle state and ``ap_start`` is taken only there;
the arguments are checked first (a 32-cycle division gives ``G = H / Hkv``), and the first illegal
one ends the run at once with its error code (``regmap.toml`` ``[error_codes]``, the ``E_*``
constants here are generated from it) and no AXI transaction; an AXI error during a run (6, 7,
10) lets every head whose SIG had started complete, starts no further SIG, and ends the run with
``ap_done``; ``ap_done`` and ``ap_ready`` pulse together in the run's last cycle.

Latency (``fast_prefill/perf/kernel.py``): 1 (start) + 32 (division) + 1 (check) + 1 per run to
the first SIG start; a head's attention starts 4 cycles after its first access left the SIG (or 2
after the previous head's attention ended), the next SIG 3 cycles after this SIG's last access;
``ap_done`` 3 cycles after the last attention.

The full contract (ports table, argument checks by code, errors, reset, cycles, tests) is in
docs/kernel.md.
"""

from __future__ import annotations

import math

from myhdl import ResetSignal, Signal, always, always_comb, always_seq, block, concat, enum, intbv, modbv

from ..axi.interface import AxiLite, AxiRead, AxiWrite
from ..axi.read_arbiter import axi_read_arbiter
from ..stream.interface import Stream
from ..stream.ram_fifo import stream_ram_fifo
from .arg_check import (ALIGN_BITS, E_AXI_READ, E_AXI_WRITE, E_BUDGET, E_GAMMA, E_HEADS, E_INTERNAL, E_MULT,  # noqa: F401
                        E_POINTER, E_SEQ_LEN, E_TAU, ERROR_NAMES, POINTER_ALIGN, SHIFT_MAX, kernel_arg_check)
from .attention_path import PathGeometry, attention_path
from .axil_control import axil_control
from .regmap import RegisterMap

SIG_AXI_ID = 1             # ARID of the SIG head's reads (the attention path's are 0)


def _log2(name: str, v: int) -> int:
    if v < 1 or v & (v - 1):
        raise ValueError(f"fast_prefill field '{name}' = {v!r} is not allowed: must be a power of two")
    return v.bit_length() - 1


def seq_len_limit(block_size: int, max_seq_len: int, max_accesses: int | None) -> int:
    """Largest N the kernel accepts (argument check 1; N must also be a multiple of B): N <=
    ``max_seq_len`` and a dense head of ``nb = N / B`` blocks, ``nb (nb + 1) / 2`` accesses, fits
    the SIG head's liveness buffer of ``max_accesses`` entries (``None``: a SIG without one).
    Exact: the kernel refuses precisely the N whose dense head the buffer cannot hold. Both presets
    size the buffer for the dense head at ``max_seq_len`` (``tiny`` 8,256 entries, ``u280`` 524,800),
    so their limit is ``max_seq_len``."""
    nb_max = max_seq_len // block_size
    if max_accesses is not None:
        nb_max = min(nb_max, (math.isqrt(8 * max_accesses + 1) - 1) // 2)   # largest nb(nb+1)/2 <= max
    return nb_max * block_size


class KernelGeometry:
    """Validated parameters of the kernel top level and the constants its control uses."""

    def __init__(self, block_size=8, head_dim=8, max_seq_len=1024, hbm_data_width=64, pinned=2, managed=4,
                 prefetch_depth=2, max_outstanding=2, sae_rows=2, sae_qk_lut_rows=0, kv_read_ports=1):
        self.path = PathGeometry(block_size, head_dim, max_seq_len, hbm_data_width, pinned, managed,
                                 prefetch_depth, max_outstanding, sae_rows, sae_qk_lut_rows, kv_read_ports)
        self.B, self.D, self.hw = block_size, head_dim, hbm_data_width
        self.log2_b = _log2("block_size", block_size)
        self.log2_d = _log2("head_dim", head_dim)
        self.max_seq_len = max_seq_len
        self.iw = self.path.iw
        self.fx = self.path.sae.fx
        self.MB = self.path.sae.MB
        self.LF = self.fx.logit_frac
        self.gamma_one = 1 << self.fx.gamma_frac
        self.gamma_bits = self.fx.gamma_frac + 1
        self.blocks_max = (1 << (self.iw + 1)) - 1      # saturation of min/max blocks
        self.shift_max_qa = SHIFT_MAX - 2 * self.log2_b
        if self.shift_max_qa <= self.LF:
            raise ValueError(f"fast_prefill field 'block_size' = {block_size} is not allowed: "
                             f"shift + 2 log2 B <= {SHIFT_MAX} leaves no shift above logit_frac={self.LF}")
        # per-head strides are multiples of B*D bytes; every unit's bursts must divide that
        for what, nbytes, stride in (("Q burst", self.path.q_burst * hbm_data_width // 8, block_size * head_dim),
                                     ("O burst", self.path.o_burst * hbm_data_width // 8, 2 * block_size * head_dim)):
            if stride % nbytes:
                raise ValueError(f"fast_prefill: {what} of {nbytes} bytes is not allowed: must divide {stride}")


@block
def fast_prefill(ap_clk, ap_rst_n, s_axi_control, interrupt, m_axi_q, m_axi_kv, m_axi_o, block_size=8, head_dim=8, max_seq_len=1024, pinned=2, managed=4, prefetch_depth=2,
                 max_outstanding=2, sae_rows=2, sae_qk_lut_rows=0, sig_params=(), query_aware_unit=False,
                 access_fifo_depth=64, overlap=True, sig_factory=None,
                 m_axi_v=None):
    split = m_axi_v is not None                  # the V fill port (an AxiRead), kv_read_ports = 2
    v_reg = {a.name: a.port for a in RegisterMap().args}["v"]
    if split != (v_reg == "m_axi_v"):
        raise ValueError(f"fast_prefill field 'm_axi_v' is not allowed {'with' if split else 'without'} it: the "
                         f"register map (rtl/top/regmap.toml) reads V on {v_reg}; build with kv_read_ports = "
                         f"{2 if v_reg == 'm_axi_v' else 1}")
    g = KernelGeometry(block_size, head_dim, max_seq_len, len(m_axi_q.rdata), pinned, managed, prefetch_depth,
                       max_outstanding, sae_rows, sae_qk_lut_rows)
    if sig_factory is None:
        from ..sig.head import sig_head as sig_factory  # the real SIG head (rtl/sig/head.py)
    rm = RegisterMap()
    hw, iw, MB = g.hw, g.iw, g.MB
    sp = dict(sig_params)
    # the SIG head's liveness buffer holds max_accesses accesses: refuse N whose dense head could not fit
    seq_max = seq_len_limit(g.B, g.max_seq_len, sp.get("max_accesses"))
    # the SIG head reads all of K from k + kvh*N*D (and, query-aware, all of Q from q + h*N*D) in bursts
    # of burst_beats words: those bases must be burst aligned
    sig_burst_bytes = min(sp.get("burst_beats", 1) * hw // 8, 4096)
    kv_align_mask = sig_burst_bytes - 1
    qa_unit = bool(query_aware_unit)
    # GQA sharing: the SIG head serves up to S query heads of one KV group from one K pass pair
    S_run = int(sp.get("heads_per_pass", 1))
    GW = (S_run - 1).bit_length()

    # ---- reset synchroniser (names matched by constraints/reset_sync.xdc) --------------------
    rst_sync_s0 = Signal(bool(1))
    rst_sync_s1 = Signal(bool(1))
    rst = ResetSignal(0, active=1, isasync=False)

    @always(ap_clk.posedge)
    def rst_sync():
        rst_sync_s0.next = not ap_rst_n
        rst_sync_s1.next = rst_sync_s0

    @always_comb
    def rst_drive():
        rst.next = rst_sync_s1

    # ---- AXI handshakes around reset (AMBA AXI4 A3.1.2) ----------------------------------------
    # axi_live is low in the cycle after ap_rst_n is sampled low and until the synchronised reset
    # has reached the logic (axi_live == !rst_sync_s0 && !rst_sync_s1, as one register): every
    # VALID and READY of every port is held low while it is, in both directions, so the core sees
    # exactly the handshakes the ports see and none is taken while the logic is still in reset.
    axi_live = Signal(bool(0))

    @always(ap_clk.posedge)
    def live_reg():
        axi_live.next = ap_rst_n and not rst_sync_s0

    b, v = (lambda: Signal(bool(0))), (lambda w: Signal(intbv(0)[w:]))
    # the core's side of each handshake: c_ the control slave, mq_/mkv_ the Q/KV read muxes, mo_ the O writer
    c_awvalid, c_awready, c_wvalid, c_wready, c_bvalid, c_bready = (b() for _ in range(6))
    c_arvalid, c_arready, c_rvalid, c_rready = (b() for _ in range(4))
    mq_arvalid, mq_arready, mq_rvalid, mq_rready = (b() for _ in range(4))
    mkv_arvalid, mkv_arready, mkv_rvalid, mkv_rready = (b() for _ in range(4))
    mo_awvalid, mo_awready, mo_wvalid, mo_wready, mo_bvalid, mo_bready = (b() for _ in range(6))
    # the V fill port (kv_read_ports = 2): the path's only user; its handshakes gated like the others
    path_v = None
    if split:
        mv_arvalid, mv_arready, mv_rvalid, mv_rready = (b() for _ in range(4))
        path_v = AxiRead.of(mv_arvalid, mv_arready, m_axi_v.araddr, m_axi_v.arlen, m_axi_v.arsize, m_axi_v.arburst,
                            m_axi_v.arid, mv_rvalid, mv_rready, m_axi_v.rdata, m_axi_v.rresp, m_axi_v.rlast, m_axi_v.rid)

        @always_comb
        def v_gate():
            m_axi_v.arvalid.next = mv_arvalid and axi_live
            m_axi_v.rready.next = mv_rready and axi_live
            mv_arready.next = m_axi_v.arready and axi_live
            mv_rvalid.next = m_axi_v.rvalid and axi_live
    else:
        v_gate = None

    @always_comb
    def axi_gate():
        # the host's requests and responses' readies in, the slave's readies and responses out
        c_awvalid.next = s_axi_control.awvalid and axi_live
        c_wvalid.next = s_axi_control.wvalid and axi_live
        c_bready.next = s_axi_control.bready and axi_live
        c_arvalid.next = s_axi_control.arvalid and axi_live
        c_rready.next = s_axi_control.rready and axi_live
        s_axi_control.awready.next = c_awready and axi_live
        s_axi_control.wready.next = c_wready and axi_live
        s_axi_control.bvalid.next = c_bvalid and axi_live
        s_axi_control.arready.next = c_arready and axi_live
        s_axi_control.rvalid.next = c_rvalid and axi_live
        # the read masters
        m_axi_q.arvalid.next = mq_arvalid and axi_live
        m_axi_q.rready.next = mq_rready and axi_live
        mq_arready.next = m_axi_q.arready and axi_live
        mq_rvalid.next = m_axi_q.rvalid and axi_live
        m_axi_kv.arvalid.next = mkv_arvalid and axi_live
        m_axi_kv.rready.next = mkv_rready and axi_live
        mkv_arready.next = m_axi_kv.arready and axi_live
        mkv_rvalid.next = m_axi_kv.rvalid and axi_live
        # the write master
        m_axi_o.awvalid.next = mo_awvalid and axi_live
        m_axi_o.wvalid.next = mo_wvalid and axi_live
        m_axi_o.bready.next = mo_bready and axi_live
        mo_awready.next = m_axi_o.awready and axi_live
        mo_wready.next = m_axi_o.wready and axi_live
        mo_bvalid.next = m_axi_o.bvalid and axi_live

    # ---- control slave -----------------------------------------------------------------------
    ap_start, ap_done, ap_ready, ap_idle = (Signal(bool(0)) for _ in range(4))
    args = Signal(intbv(0)[rm.args_width:])
    status = Signal(intbv(0)[32:])
    ctrl = axil_control(ap_clk, rst,
                        AxiLite.of(c_awvalid, c_awready, s_axi_control.awaddr,
                                   c_wvalid, c_wready, s_axi_control.wdata, s_axi_control.wstrb,
                                   c_bvalid, c_bready, s_axi_control.bresp,
                                   c_arvalid, c_arready, s_axi_control.araddr,
                                   c_rvalid, c_rready, s_axi_control.rdata, s_axi_control.rresp),
                        interrupt, ap_start, ap_done, ap_ready, ap_idle, args, status)

    # ---- arguments ---------------------------------------------------------------------------
    def lsb(name):
        return rm.arg_field(name)[0]

    f_q, f_k, f_v, f_o = lsb("q"), lsb("k"), lsb("v"), lsb("o")
    f_n, f_h, f_hkv = lsb("seq_len"), lsb("num_heads"), lsb("num_kv_heads")
    f_gamma, f_tau, f_minb, f_maxb = lsb("gamma"), lsb("tau_threshold"), lsb("min_budget"), lsb("max_budget")
    f_mult, f_shift = lsb("score_mult"), lsb("score_shift")
    a_q, a_k, a_v, a_o = (Signal(intbv(0)[64:]) for _ in range(4))
    a_n, a_h, a_hkv, a_gamma, a_tau, a_minb, a_maxb, a_mult, a_shift = (Signal(intbv(0)[32:]) for _ in range(9))

    @always_comb
    def unpack():
        a_q.next = args[f_q + 64:f_q]
        a_k.next = args[f_k + 64:f_k]
        a_v.next = args[f_v + 64:f_v]
        a_o.next = args[f_o + 64:f_o]
        a_n.next = args[f_n + 32:f_n]
        a_h.next = args[f_h + 32:f_h]
        a_hkv.next = args[f_hkv + 32:f_hkv]
        a_gamma.next = args[f_gamma + 32:f_gamma]
        a_tau.next = args[f_tau + 32:f_tau]
        a_minb.next = args[f_minb + 32:f_minb]
        a_maxb.next = args[f_maxb + 32:f_maxb]
        a_mult.next = args[f_mult + 32:f_mult]
        a_shift.next = args[f_shift + 32:f_shift]

    # the argument checks (arg_check.py), combinational on the argument registers
    err_code = Signal(intbv(0)[8:])
    low_b = g.B - 1
    nd = Signal(intbv(0)[64:])           # N * D bytes: the stride of one head's Q/K/V
    nd2 = Signal(intbv(0)[64:])          # 2 * N * D bytes: one head's O
    rem = Signal(intbv(0)[33:])          # divider remainder: H % Hkv at the end
    quo = Signal(intbv(0)[32:])          # divider quotient: G = H / Hkv at the end
    checks = kernel_arg_check(a_n, a_h, a_hkv, a_gamma, a_minb, a_maxb, a_q, a_k, a_v, a_o, a_tau, a_mult, a_shift,
                              rem, nd, err_code, block_size=g.B, seq_max=seq_max, gamma_one=g.gamma_one,
                              mult_bits=MB, logit_frac=g.LF, shift_qa=g.shift_max_qa, kv_align_mask=kv_align_mask,
                              qa_unit=qa_unit)

    # head parameters derived from the arguments
    nb = Signal(intbv(0)[iw + 1:])
    min_blocks = Signal(intbv(0)[iw + 1:])
    max_blocks = Signal(intbv(0)[iw + 1:])
    gamma = Signal(intbv(0)[g.gamma_bits:])
    mult = Signal(intbv(0)[MB:])
    shift = Signal(intbv(0)[6:])
    minb_up = Signal(intbv(0)[33:])
    maxb_up = Signal(intbv(0)[33:])
    log2_b, log2_d = g.log2_b, g.log2_d
    bmax = g.blocks_max

    n64 = Signal(intbv(0)[64:])

    @always_comb
    def widen():
        n64.next = concat(intbv(0)[32:], a_n)

    @always_comb
    def derive():
        nb.next = a_n[iw + 1 + log2_b:log2_b]
        minb_up.next = (a_minb + low_b) >> log2_b
        maxb_up.next = (a_maxb + low_b) >> log2_b
        gamma.next = a_gamma[g.gamma_bits:]
        mult.next = a_mult[MB:]
        shift.next = a_shift[6:]
        nd.next = n64 << log2_d
        nd2.next = n64 << (log2_d + 1)

    @always_comb
    def saturate():
        if minb_up > bmax:
            min_blocks.next = bmax
        else:
            min_blocks.next = minb_up[iw + 1:]
        if maxb_up > bmax:
            max_blocks.next = bmax
        else:
            max_blocks.next = maxb_up[iw + 1:]

    # ---- SIG head and attention path ---------------------------------------------------------

    def rd_ports():
        # an AXI read port's signals by name, in a dict: they are named after the sub-module ports
        # they connect (sig_head0_m_axi_q_arvalid, ...), not after a local bundle
        return dict(zip(AxiRead.SIGNALS, AxiRead(hw).ports()))

    sq, sk, pq, pkv = rd_ports(), rd_ports(), rd_ports(), rd_ports()   # SIG q/k, path q/kv
    q_s, k_s = (Signal(modbv(0)[64:]) for _ in range(2))                 # the SIG's head
    q_p, k_p, v_p, o_p = (Signal(modbv(0)[64:]) for _ in range(4))       # the attention path's head
    sig_start, sig_busy, sig_reads_done, sig_done, sig_err, sig_qa = (b() for _ in range(6))
    path_start, path_busy, path_done, path_err = (b() for _ in range(4))
    acc = Stream(g.path.acc_width)

    sig_kw = {"clk": ap_clk, "rst": rst, "start": sig_start, "nb": nb, "q_base": q_s, "k_base": k_s,
              "mult": mult, "shift": shift, "gamma": gamma, "min_blocks": min_blocks, "max_blocks": max_blocks,
              "tau_th": a_tau, "m": acc, "busy": sig_busy, "reads_done": sig_reads_done, "done": sig_done, "err": sig_err,
              "query_aware": sig_qa, "axi_id": SIG_AXI_ID}
    sig_kw.update({"m_axi_q": AxiRead.of(*(sq[k] for k in AxiRead.SIGNALS)),
                   "m_axi_k": AxiRead.of(*(sk[k] for k in AxiRead.SIGNALS))})
    run_first = b()                      # this head starts a shared pass (S > 1)
    run_heads_m1 = v(max(1, GW))         # heads of the pass - 1 (taken with run_first)
    if S_run > 1:
        sig_kw.update({"run_first": run_first, "run_heads_m1": run_heads_m1})
    sig_u = sig_factory(**sig_kw, **dict(sig_params))

    # the head's access stream waits in a FIFO: once all of it is in, the SIG is free for the next head
    pa = Stream(g.path.acc_width)
    acc_fifo = stream_ram_fifo(ap_clk, rst, acc, pa, depth=access_fifo_depth)

    path_u = attention_path(ap_clk, rst, path_start, nb, q_p, k_p, v_p, o_p, mult, shift,
                            pa, path_busy, path_done, path_err,
                            AxiRead.of(*(pq[k] for k in AxiRead.SIGNALS)), AxiRead.of(*(pkv[k] for k in AxiRead.SIGNALS)),
                            AxiWrite.of(mo_awvalid, mo_awready, m_axi_o.awaddr, m_axi_o.awlen, m_axi_o.awsize,
                                        m_axi_o.awburst, m_axi_o.awid, mo_wvalid, mo_wready, m_axi_o.wdata,
                                        m_axi_o.wstrb, m_axi_o.wlast, mo_bvalid, mo_bready, m_axi_o.bresp,
                                        m_axi_o.bid), block_size=g.B, head_dim=g.D, max_seq_len=g.max_seq_len,
                            pinned=pinned, managed=managed, prefetch_depth=prefetch_depth,
                            max_outstanding=max_outstanding, sae_rows=sae_rows, sae_qk_lut_rows=sae_qk_lut_rows,
                            m_axi_v=path_v)

    # ---- read port sharing: the SIG (ARID SIG_AXI_ID) and the attention path (ARID 0) at once --
    rd_keys = AxiRead.SIGNALS
    q_arb = axi_read_arbiter(ap_clk, rst, AxiRead.of(*(pq[k] for k in rd_keys)), AxiRead.of(*(sq[k] for k in rd_keys)),
                             AxiRead.of(mq_arvalid, mq_arready, m_axi_q.araddr, m_axi_q.arlen, m_axi_q.arsize,
                                        m_axi_q.arburst, m_axi_q.arid, mq_rvalid, mq_rready, m_axi_q.rdata,
                                        m_axi_q.rresp, m_axi_q.rlast, m_axi_q.rid), b_id=SIG_AXI_ID)
    kv_arb = axi_read_arbiter(ap_clk, rst, AxiRead.of(*(pkv[k] for k in rd_keys)), AxiRead.of(*(sk[k] for k in rd_keys)),
                              AxiRead.of(mkv_arvalid, mkv_arready, m_axi_kv.araddr, m_axi_kv.arlen, m_axi_kv.arsize,
                                         m_axi_kv.arburst, m_axi_kv.arid, mkv_rvalid, mkv_rready, m_axi_kv.rdata,
                                         m_axi_kv.rresp, m_axi_kv.rlast, m_axi_kv.rid), b_id=SIG_AXI_ID)

    # ---- AXI response monitors ---------------------------------------------------------------
    rd_bad, wr_bad = b(), b()
    if split:
        @always_comb
        def monitors():
            rd_bad.next = ((mq_rvalid and mq_rready and m_axi_q.rresp != 0)
                           or (mkv_rvalid and mkv_rready and m_axi_kv.rresp != 0)
                           or (mv_rvalid and mv_rready and m_axi_v.rresp != 0))
            wr_bad.next = mo_bvalid and mo_bready and m_axi_o.bresp != 0
    else:
        @always_comb
        def monitors():
            rd_bad.next = ((mq_rvalid and mq_rready and m_axi_q.rresp != 0)
                           or (mkv_rvalid and mkv_rready and m_axi_kv.rresp != 0))
            wr_bad.next = mo_bvalid and mo_bready and m_axi_o.bresp != 0

    # ---- control FSM -------------------------------------------------------------------------
    # The run (IDLE, DIV, CHECK, RUN, FINISH) drives two issuers while RUN: the SIG issuer starts the
    # SIG of head hs as soon as the SIG is free (overlap; without it, once every started head has
    # attended), the path issuer starts the attention of head hp once that head's SIG has started and
    # its first access is at the FIFO's head.
    S = enum("IDLE", "DIV", "CHECK", "RUN", "FINISH")
    SS = enum("IDLE", "START", "WAIT")
    PS = enum("IDLE", "START", "WAIT")
    state = Signal(S.IDLE)
    ss = Signal(SS.IDLE)
    ps = Signal(PS.IDLE)
    div_cnt = Signal(intbv(0, min=0, max=33))
    hs = Signal(intbv(0)[32:])           # query heads whose SIG has started
    hp = Signal(intbv(0)[32:])           # query heads whose attention has finished
    g_s = Signal(intbv(0)[32:])          # the SIG's head: position in its GQA group
    g_p = Signal(intbv(0)[32:])          # the path's head: position in its GQA group
    r_cnt = Signal(intbv(0, min=0, max=max(2, S_run)))   # position in the shared SIG pass (S > 1)
    rd_err, wr_err, unit_err = b(), b(), b()
    stop = b()                           # an error seen: no further SIG starts
    sig_go, path_go, run_end = b(), b(), b()
    qa_heads = Signal(modbv(0)[32:])     # query-aware heads of the run (debug: waveforms, no register)
    overlap_reads = Signal(modbv(0)[32:])   # cycles the SIG read while a head attended (debug: waveforms)
    status_r = Signal(intbv(0)[8:])
    rem_sh = Signal(intbv(0)[33:])
    rem_ge = b()
    rem_sub = Signal(intbv(0)[33:])
    hkv33 = Signal(intbv(0)[33:])
    last_in_group_s, last_in_group_p = b(), b()
    overlap_heads = bool(overlap)

    quo_lo = Signal(intbv(0)[31:])

    @always_comb
    def div_step():
        rem_sh.next = concat(rem[32:0], quo[31])
        hkv33.next = concat(False, a_hkv)
        quo_lo.next = quo[31:0]

    @always_comb
    def div_cmp():
        if rem_sh >= hkv33:
            rem_ge.next = True
            rem_sub.next = rem_sh - hkv33
        else:
            rem_ge.next = False
            rem_sub.next = rem_sh

    @always_comb
    def head_flags():
        last_in_group_s.next = g_s + 1 == quo
        last_in_group_p.next = g_p + 1 == quo
        stop.next = rd_err or wr_err or unit_err

    @always_comb
    def issue():
        if overlap_heads:
            sig_go.next = ss == SS.IDLE and hs != a_h and not stop and not sig_busy
        else:
            sig_go.next = ss == SS.IDLE and hs != a_h and not stop and not sig_busy and hp == hs
        # the head's first access is at the FIFO's head (earlier heads took theirs up to head_end)
        path_go.next = ps == PS.IDLE and hp != hs and not path_busy and pa.valid
        run_end.next = (ss == SS.IDLE and ps == PS.IDLE and hp == hs and (hs == a_h or stop)
                        and not sig_busy and not path_busy)

    @always_comb
    def outputs():
        ap_idle.next = state == S.IDLE
        ap_done.next = state == S.FINISH
        ap_ready.next = state == S.FINISH
        status.next = concat(intbv(0)[24:], status_r)
        sig_start.next = ss == SS.START
        path_start.next = ps == PS.START

    @always_seq(ap_clk.posedge, reset=rst)
    def fsm():
        if state == S.IDLE:
            if ap_start:
                status_r.next = 0
                rd_err.next = False
                wr_err.next = False
                unit_err.next = False
                qa_heads.next = 0
                overlap_reads.next = 0
                rem.next = 0
                quo.next = a_h
                div_cnt.next = 0
                state.next = S.DIV
        elif state == S.DIV:
            # restoring division H / Hkv, one quotient bit per cycle
            rem.next = rem_sub
            quo.next = concat(quo_lo, rem_ge)
            if div_cnt == 31:
                state.next = S.CHECK
            div_cnt.next = div_cnt + 1
        elif state == S.CHECK:
            if err_code != 0:
                status_r.next = err_code
                state.next = S.FINISH
            else:
                q_s.next = a_q
                k_s.next = a_k
                q_p.next = a_q
                k_p.next = a_k
                v_p.next = a_v
                o_p.next = a_o
                hs.next = 0
                hp.next = 0
                g_s.next = 0
                g_p.next = 0
                ss.next = SS.IDLE
                ps.next = PS.IDLE
                state.next = S.RUN
        elif state == S.RUN:
            # the SIG issuer: the SIG's arguments stay put from its start to its done
            if ss == SS.IDLE:
                if sig_go:
                    ss.next = SS.START
            elif ss == SS.START:
                hs.next = hs + 1
                ss.next = SS.WAIT
            else:
                if sig_done:
                    q_s.next = q_s + nd
                    if last_in_group_s:
                        g_s.next = 0
                        k_s.next = k_s + nd
                    else:
                        g_s.next = g_s + 1
                    ss.next = SS.IDLE
            # the path issuer
            if ps == PS.IDLE:
                if path_go:
                    ps.next = PS.START
            elif ps == PS.START:
                ps.next = PS.WAIT
            else:
                if path_done:
                    hp.next = hp + 1
                    q_p.next = q_p + nd
                    o_p.next = o_p + nd2
                    if last_in_group_p:
                        g_p.next = 0
                        k_p.next = k_p + nd
                        v_p.next = v_p + nd
                    else:
                        g_p.next = g_p + 1
                    ps.next = PS.IDLE
            if run_end:
                if rd_err:
                    status_r.next = E_AXI_READ
                elif wr_err:
                    status_r.next = E_AXI_WRITE
                elif unit_err:
                    status_r.next = E_INTERNAL
                state.next = S.FINISH
        else:  # FINISH
            state.next = S.IDLE
        if sig_done and sig_qa:
            qa_heads.next = qa_heads + 1
        if sig_busy and not sig_reads_done and path_busy:
            overlap_reads.next = overlap_reads + 1
        if state != S.IDLE and state != S.FINISH:
            if rd_bad:
                rd_err.next = True
            if wr_bad:
                wr_err.next = True
            if sig_err or path_err:
                unit_err.next = True

    run_insts = []
    if S_run > 1:
        g_left = Signal(modbv(0)[32:])   # heads of the group from the SIG's head on: G - g_s
        g_left_lo = Signal(intbv(0)[GW:])

        @always_comb
        def run_left():
            g_left.next = quo - g_s

        @always_comb
        def run_left_lo():
            g_left_lo.next = g_left[GW:]

        run_max = S_run - 1              # a Python constant: converts to a literal

        @always_comb
        def run_args():
            run_first.next = r_cnt == 0
            if g_left >= S_run:
                run_heads_m1.next = run_max
            elif g_left_lo == 0:
                run_heads_m1.next = 0
            else:
                run_heads_m1.next = g_left_lo - 1

        @always_seq(ap_clk.posedge, reset=rst)
        def run_count():
            if state == S.CHECK:
                r_cnt.next = 0
            elif state == S.RUN and ss == SS.WAIT and sig_done:
                if last_in_group_s or r_cnt == S_run - 1:
                    r_cnt.next = 0
                else:
                    r_cnt.next = r_cnt + 1

        run_insts += [run_left, run_left_lo, run_args, run_count]
    if split:
        run_insts.append(v_gate)

    return rst_sync, rst_drive, live_reg, axi_gate, ctrl, unpack, checks, widen, derive, saturate, sig_u, acc_fifo, path_u, q_arb, kv_arb, \
        monitors, div_step, div_cmp, head_flags, issue, outputs, fsm, run_insts
