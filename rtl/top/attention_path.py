"""Attention path of the kernel: the attention phase of ONE query head (G = 1) from its annotated
access stream, entirely through AXI4 masters (Q reads, K/V reads by the KV cache, O writes).

Dataflow (docs/attention_path.md)::

    s_acc ──► stream_fork ─a─► to request ─► kv_cache ─► sae_kv_adapter ─► SAE s_kv
     (liveness     │                           │ m_axi_kv (AR/R)
      beats)       └─b─► check ─► FIFO ({block, last}) ─────────────────► SAE s_blk
    row control ─► SAE s_cmd {row, shift, mult}
                ─► axi_stream_reader (m_axi_q) ─► sae_kv_adapter (upsizer) ─► SAE s_q
                ─► axi_stream_writer (m_axi_o) ◄─ stream_downsizer ◄─ SAE m_o

Computes O of one head, ``sparse_attention_fixed`` over the blocks of the access stream, written
row by row (``2 B D`` bytes of S16 at ``o_base + r * 2 B D``).

Ports: ``clk``, ``rst`` (synchronous, active high); ``start`` (taken while idle) with ``nb``,
``q_base``, ``k_base``, ``v_base``, ``o_base`` (64-bit byte addresses) and the score multiplier
``mult``/``shift``, held stable while ``busy``; ``s_acc_*``: the liveness annotator's beats
(``rtl/sig/formats.liveness_beat``, ``3 IW + 4`` bits), taken only while busy; ``busy``; ``done``
(one cycle, once every O write of the head has its write response); ``err`` (sticky until the next
``start`` or ``rst``: an AXI error, data still flowing, or a misused access stream); AXI4 masters
``m_axi_q_*`` (read), ``m_axi_kv_*`` (read, the KV cache's own), ``m_axi_o_*`` (write), IDs 0.

Invariants: ``start`` resets the KV cache, the SAE, the readers, the writer and every buffer of the
path, so nothing of the previous head survives; every stream is consumed in one order, and the
path cannot deadlock for any depth of the ``s_blk`` FIFO (the argument is in docs/attention_path.md);
the FIFO has ``prefetch_depth + 2`` beats (a power of two at least) so the cache may run that far
ahead of the SAE.

Latency: ``start`` at edge ``t``: ``busy`` from ``t``, head reset during cycle ``t + 1``, commands
from ``t + 2``; the SAE then runs its row jobs back to back (``sae_engine`` schedule) while the Q of
the next row and the K/V of later accesses are fetched; ``done`` two cycles after the last write
response. The full contract (address alignment, error cases, cycle figures) is in
docs/attention_path.md.
"""

from __future__ import annotations

from myhdl import ResetSignal, Signal, always_comb, always_seq, block, concat, intbv, modbv

from ..axi.interface import Command
from ..axi.stream_reader import axi_stream_reader
from ..axi.stream_writer import axi_stream_writer
from ..common.params import check_int, check_pow2
from ..kvc.kv_cache import kv_cache, request_width
from ..sae.kv_adapter import sae_kv_adapter
from ..sae.row_engine import RowGeometry, sae_row_engine
from ..stream.downsizer import stream_downsizer
from ..stream.fifo import stream_fifo
from ..stream.fork import stream_fork
from ..stream.interface import Stream
from .row_control import top_row_control

MAX_BURST = 64          # beats per Q read / O write burst (as rtl/axi/specs.py)


def acc_width(iw: int) -> int:
    """Bits of an access beat ``{dead, next_row, pinnable, head_end, row, block, last}``."""
    return 3 * iw + 4


class PathGeometry:
    """Validated parameters and derived sizes of one attention path."""

    def __init__(self, block_size=8, head_dim=8, max_seq_len=1024, hbm_data_width=64, pinned=2, managed=4,
                 prefetch_depth=2, max_outstanding=2, sae_rows=2, sae_qk_lut_rows=0, kv_read_ports=1):
        def bad(name, value, allowed):
            raise ValueError(f"attention_path field '{name}' = {value!r} is not allowed: {allowed}")

        # the V fill port itself is the m_axi_v argument (an AxiRead; attention_path_ports)
        if kv_read_ports not in (1, 2) or isinstance(kv_read_ports, bool):
            bad("kv_read_ports", kv_read_ports, "must be 1 or 2")

        try:
            self.sae = RowGeometry(block_size=block_size, head_dim=head_dim, group=1, max_seq_len=max_seq_len,
                                   rows=sae_rows, qk_lut_rows=sae_qk_lut_rows)
        except ValueError as exc:
            raise ValueError(f"attention_path: {exc}") from None
        B, D, hw = block_size, head_dim, hbm_data_width
        if max_seq_len % B or (max_seq_len // B) & (max_seq_len // B - 1) or max_seq_len // B < 2:
            bad("max_seq_len", max_seq_len, f"must be a power-of-two multiple (>= 2) of block_size={B}")
        check_pow2("attention_path", "hbm_data_width", hw, 32, 1024)
        if (8 * D) % hw:
            bad("hbm_data_width", hw, f"must divide a Q/K/V row of 8 * head_dim = {8 * D} bits")
        for name, v, lo, hi in (("pinned", pinned, 1, 4096), ("managed", managed, 1, 4096),
                                ("prefetch_depth", prefetch_depth, 0, 64), ("max_outstanding", max_outstanding, 1, 16)):
            check_int("attention_path", name, v, lo, hi)
        self.B, self.D, self.hw = B, D, hw
        self.max_blocks = max_seq_len // B
        self.iw = self.sae.iw
        self.tag_bits = self.max_blocks.bit_length() - 1
        assert self.tag_bits == self.iw
        self.acc_width = acc_width(self.iw)
        self.req_width = request_width(self.tag_bits)
        self.q_row_bytes = B * D                 # one query-block row of Q (INT8)
        self.o_row_bytes = 2 * B * D             # one query-block row of O (S16)
        self.q_beats = self.q_row_bytes * 8 // hw
        self.o_beats = self.o_row_bytes * 8 // hw
        self.half_beats = self.q_beats           # one K (or V) block
        per_4k = 4096 * 8 // hw
        self.kv_burst = min(self.half_beats, 256, per_4k)
        self.q_burst = min(self.q_beats, MAX_BURST, per_4k)
        self.o_burst = min(self.o_beats, MAX_BURST, per_4k)
        self.q_fifo = 2 * self.q_burst
        self.beats_bits = max(9, self.o_beats.bit_length())
        depth = 2
        while depth < prefetch_depth + 2:
            depth *= 2
        self.blk_fifo = depth
        self.pinned, self.managed = pinned, managed
        self.prefetch_depth, self.max_outstanding = prefetch_depth, max_outstanding


@block
def attention_path(clk, rst, start, nb, q_base, k_base, v_base, o_base, mult, shift, s_acc, busy, done, err,
                   m_axi_q, m_axi_kv, m_axi_o, block_size=8, head_dim=8, max_seq_len=1024, pinned=2, managed=4, prefetch_depth=2,
                   max_outstanding=2, sae_rows=2, sae_qk_lut_rows=0,
                   m_axi_v=None):
    g = PathGeometry(block_size, head_dim, max_seq_len, len(m_axi_q.rdata), pinned, managed, prefetch_depth,
                     max_outstanding, sae_rows, sae_qk_lut_rows)
    iw, hw, D = g.iw, g.hw, g.D
    for name, sig, w in (("nb", nb, iw + 1), ("s_acc_data", s_acc.data, g.acc_width),
                         ("mult", mult, g.sae.MB), ("shift", shift, 6),
                         ("m_axi_kv_rdata", m_axi_kv.rdata, hw), ("m_axi_o_wdata", m_axi_o.wdata, hw)):
        if len(sig) != w:
            raise ValueError(f"attention_path field '{name}' width = {len(sig)} is not allowed: must be {w}")

    # ---- head control -----------------------------------------------------------------------
    sub_rst = ResetSignal(0, active=1, isasync=False)   # rst or the head-start pulse
    head_rst = Signal(bool(0))
    run = Signal(bool(0))                                # busy and out of the head reset
    busy_i = Signal(bool(0))
    cmd_valid, cmd_ready = Signal(bool(0)), Signal(bool(0))
    cmd_data = Signal(intbv(0)[g.sae.cmd_width:])
    qc_valid, qc_ready = Signal(bool(0)), Signal(bool(0))
    qc_addr, qc_beats = Signal(intbv(0)[64:]), Signal(intbv(0)[g.beats_bits:])
    oc_valid, oc_ready = Signal(bool(0)), Signal(bool(0))
    oc_addr, oc_beats = Signal(intbv(0)[64:]), Signal(intbv(0)[g.beats_bits:])
    o_done = Signal(bool(0))
    rows = top_row_control(clk, rst, start, nb, q_base, o_base, mult, shift,
                           Stream.of(cmd_valid, cmd_ready, cmd_data), Command.of(qc_valid, qc_ready, qc_addr, qc_beats),
                           Command.of(oc_valid, oc_ready, oc_addr, oc_beats), o_done, busy_i, done, head_rst,
                           q_row_bytes=g.q_row_bytes, o_row_bytes=g.o_row_bytes, q_beats=g.q_beats,
                           o_beats=g.o_beats)

    # ---- access stream: fork to the KV cache and the SAE's block list ----------------------
    aw = g.acc_width
    f_valid, f_ready = Signal(bool(0)), Signal(bool(0))
    fa = Stream(aw)
    fb = Stream(aw)
    fork = stream_fork(clk, sub_rst, Stream.of(f_valid, f_ready, s_acc.data), fa, fb)

    req_nu = Signal(intbv(0)[iw + 1:])
    req_data = Signal(intbv(0)[g.req_width:])
    blk_valid, blk_ready = Signal(bool(0)), Signal(bool(0))
    blk_data = Signal(intbv(0)[iw + 1:])
    blk_fifo = stream_fifo(clk, sub_rst, Stream.of(fb.valid, fb.ready, fb.data(iw + 1, 0)),
                           Stream.of(blk_valid, blk_ready, blk_data), depth=g.blk_fifo)

    # ---- KV cache and its row gatherer -------------------------------------------------------
    # the cache packs 8 D / W beats into one K/V row word: one row a cycle from its tier RAMs
    kvc = Stream(8 * D)
    err_axi, err_req = Signal(bool(0)), Signal(bool(0))
    cache = kv_cache(clk, sub_rst, nb, k_base, v_base, Stream.of(fa.valid, fa.ready, req_data), kvc, m_axi_kv,
                     err_axi, err_req,
                     pinned=g.pinned, managed=g.managed, half_beats=g.half_beats, burst_beats=g.kv_burst,
                     prefetch_depth=g.prefetch_depth, max_outstanding=g.max_outstanding, axi_id=0, m_axi_v=m_axi_v)
    kv = Stream(8 * D)
    kv_gather = sae_kv_adapter(clk, sub_rst, kvc, kv)

    # ---- Q reader and its row gatherer -------------------------------------------------------
    qr_valid, qr_ready, qr_data, qr_last = Signal(bool(0)), Signal(bool(0)), Signal(intbv(0)[hw:]), Signal(bool(0))
    err_q = Signal(bool(0))
    q_reader = axi_stream_reader(clk, sub_rst, Command.of(qc_valid, qc_ready, qc_addr, qc_beats),
                                 m_axi_q, Stream.of(qr_valid, qr_ready, qr_data), qr_last,
                                 err_q, burst_beats=g.q_burst, fifo_depth=g.q_fifo,
                                 max_outstanding=g.max_outstanding, axi_id=0)
    q = Stream(8 * D)
    q_gather = sae_kv_adapter(clk, sub_rst, Stream.of(qr_valid, qr_ready, qr_data), q)

    # ---- SAE ---------------------------------------------------------------------------------
    o = Stream(g.sae.o_width)
    sae = sae_row_engine(clk, sub_rst, Stream.of(cmd_valid, cmd_ready, cmd_data), q,
                         Stream.of(blk_valid, blk_ready, blk_data), kv, o,
                         block_size=g.B, head_dim=D, group=1, max_seq_len=max_seq_len, rows=g.sae.rows,
                         qk_lut_rows=g.sae.lut_rows)

    # ---- O writer ----------------------------------------------------------------------------
    w = Stream(hw)
    err_o = Signal(bool(0))
    o_slices = stream_downsizer(clk, sub_rst, o, w)
    o_writer = axi_stream_writer(clk, sub_rst, Command.of(oc_valid, oc_ready, oc_addr, oc_beats), w, m_axi_o, o_done, err_o, burst_beats=g.o_burst,
                                 max_outstanding=g.max_outstanding, axi_id=0)

    # ---- checks of the access stream and of the Q stream ------------------------------------
    b_row = Signal(intbv(0)[iw + 1:])       # {0, row} of the b-side beat
    b_row_p1 = Signal(intbv(0)[iw + 1:])
    b_next = Signal(intbv(0)[iw + 1:])      # {0, next_row}
    b_block = Signal(intbv(0)[iw + 1:])
    last_row = Signal(modbv(0)[iw + 1:])    # nb - 1
    exp_row = Signal(intbv(0)[iw + 1:])     # row the next b-side beat must carry
    a_bad = Signal(bool(0))
    b_bad = Signal(bool(0))
    q_cnt = Signal(intbv(0, min=0, max=max(g.q_beats, 2)))
    q_last_exp = Signal(bool(0))
    q_bad = Signal(bool(0))
    err_r = Signal(bool(0))
    dead_i, next_lo, pin_i = 3 * iw + 3, 2 * iw + 3, 2 * iw + 2
    he_i, row_lo = 2 * iw + 1, iw + 1
    nu_dead = (1 << (iw + 1)) - 1
    q_last_beat = g.q_beats - 1

    @always_comb
    def head_state():
        sub_rst.next = rst or head_rst
        run.next = busy_i and not head_rst
        busy.next = busy_i
        err.next = err_r

    @always_comb
    def gate():
        f_valid.next = s_acc.valid and run
        s_acc.ready.next = f_ready and run

    @always_comb
    def to_request():
        # liveness dead (next_row = 0 with the dead bit) -> the KV cache's DEAD, all ones
        if fa.data[dead_i]:
            req_nu.next = nu_dead
        else:
            req_nu.next = concat(False, fa.data[dead_i:next_lo])

    @always_comb
    def request():
        req_data.next = concat(fa.data[pin_i], req_nu, fa.data[he_i:1])
        # the a side's own check: head_end only on a row's last beat
        a_bad.next = fa.data[he_i] and not fa.data[0]

    @always_comb
    def b_fields():
        b_row.next = concat(False, fb.data[he_i:row_lo])
        b_row_p1.next = fb.data[he_i:row_lo] + 1
        b_next.next = concat(False, fb.data[dead_i:next_lo])
        b_block.next = concat(False, fb.data[row_lo:1])
        last_row.next = nb - 1

    @always_comb
    def b_check():
        bad = b_row != exp_row or b_block > b_row
        if fb.data[he_i] != (fb.data[0] and b_row == last_row):
            bad = True
        if fb.data[dead_i]:
            if fb.data[pin_i] and b_row != last_row:
                bad = True
        elif b_next <= b_row or (fb.data[pin_i] and b_next != b_row_p1):
            bad = True
        b_bad.next = bad

    @always_comb
    def q_check():
        q_last_exp.next = q_cnt == q_last_beat
        q_bad.next = qr_last != (q_cnt == q_last_beat)

    @always_seq(clk.posedge, reset=sub_rst)
    def checkers():
        if fb.valid and fb.ready and fb.data[0]:
            exp_row.next = b_row_p1
        if qr_valid and qr_ready:
            if q_last_exp:
                q_cnt.next = 0
            else:
                q_cnt.next = q_cnt + 1

    @always_seq(clk.posedge, reset=rst)
    def errors():
        if start and not busy_i:
            err_r.next = False
        elif run:
            if (err_axi or err_req or err_q or err_o or (fa.valid and fa.ready and a_bad)
                    or (fb.valid and fb.ready and b_bad) or (qr_valid and qr_ready and q_bad)):
                err_r.next = True

    return (rows, fork, blk_fifo, cache, kv_gather, q_reader, q_gather, sae, o_slices, o_writer, head_state,
            gate, to_request, request, b_fields, b_check, q_check, checkers, errors)
