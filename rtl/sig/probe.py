"""SIG score pipeline: the two-pass probe over K (running max and exp-sum, then the vertical and
slash accumulators), never holding the B x N probe matrix, with r probe rows scored per key a cycle.

Computes the golden model's ``probe_fixed(qp, k, mult, shift, cfg)`` bit for bit: ``qp`` = the last
B queries (INT8, one row of D per ``s_q`` beat), ``k`` = N keys (one key of D per ``s_k`` beat, all N
in order for pass 1, then all N again for pass 2: each key read once per pass, sequentially, the
memory-aware order). Outputs the accumulators: ``vert[0 .. N-1]`` then ``slash[0 .. N-1]``.

Lanes (``rows_per_key`` = r, a power of two up to B / 2; docs/sig.md "r probe rows per key"): lane
u (``probe_lane``) owns probe rows ``u, u + r, ...`` (``Q = B / r`` per head). A key stays in a
register while the lanes score rows ``r i .. r i + r - 1`` against it for ``i = 0 .. Q - 1`` (key
outer, head, lane row inner): r D MACs a cycle. Pass 1 writes each lane's logits into its two
``Q x B`` buffers and block maxima; in lockstep each lane's exp unit walks the previous block's
buffer (row outer, head, key inner: the same ``h B Q`` steps), so pass 1 takes ``(nb + 1) h B Q``
steps. The lanes' reciprocals ``floor(2^(P+R) / l)`` run in parallel (``Q (R + 3)`` cycles). Pass 2
(``nb h B Q`` steps) sums the r probabilities of a step into ``vert[j]`` and adds each into
``slash[qpos - j]``: the slash accumulator is r banks by offset mod r, and a step's r offsets are
consecutive, so each bank takes one read-modify-write a cycle (lane ``(b - d0) mod r``). Keys past
N in the last block are phantoms (masked by causality, no ``s_k`` beat).

Pipelined for 300 MHz: a step's controls are decided at stage 0 and travel down delay registers
beside the lanes' pipelines (``probe_lane``: the logit at stage TX = ``ceil(log2 D) + 8``, two lanes' logits from one ``logit_pipe_pair``, the
probability at TP = TX + 7); the lanes' sum adds one registered level per lane pair (TV = TP +
log2 r), where ``vert`` is written; the slash banks work at TP. After pass 1 the probe waits TP
cycles (the last l write), after pass 2 TV + 1 (the last vertical sum), ``probe_waits``. Cycles
per pass of h heads: ``h B`` (queries) ``+ (2 nb + 1) h B Q + h Q (R + 3) + 2 h N`` (output) ``+
TP + TV + 1`` + 4 plus stalls (``perf.units.probe_cycles``); the ideal on r D lanes is ``2 N B / r``
per head.

Ports (``IWN = bits(max_n - 1)``): ``s_hdr``: ``{[h-1[GW],] mult[mult_bits], shift[6], n_last[IWN]}``
(``n_last = N - 1``, ``B <= N <= max_n``, ``shift - logit_frac >= 1``; the head count only with
``heads_per_pass`` = S > 1, ``GW = bits(S - 1)``); ``s_q``: the ``h B`` probe rows (head 0's B rows,
then head 1's, ...), ``s_k``: the N keys twice, both ``8 D`` bits, element ``d`` at ``[8d+7 : 8d]``;
``m``: ``{kind, value[A + 1 + log2 B]}`` (kind 0 vertical, 1 slash), bank 0 (``vert`` then
``slash``), then bank 1, ... bank ``h-1`` (a consumer holds ``m_ready`` low until it wants a bank).
With S = 1 and r = 1 this is the single-head, one-lane probe.

Memories (no reset): vertical accumulator ``(S-1) 2^IWN + max_n`` x ``(A + 1 + log2 B)`` (URAM at the
U280 preset), the slash accumulator the same in r banks; per lane two logit buffers ``S Q B x (LB +
1)``, queries ``S Q x 8D``, m, l, 1/l and two block-max banks (``S Q`` entries each). Every deep
read is clocked: the logit buffers at the exp walk's position one stage ahead, the accumulators'
output reads at the next output address, each slash bank's read-modify-write over two cycles (read
at TP, the sum written in the next; a word written at the edge where it is read is forwarded);
the small row memories by register addresses. Every module is within the 6-level timing proxy at
the U280 preset (docs/vivado.md).
"""

from __future__ import annotations

from myhdl import ConcatSignal, Signal, always, always_comb, always_seq, block, concat, enum, intbv, modbv

from ..common.carry_select import carry_select_add
from ..common.params import check_pow2, int_checker
from ..common.pick import pick
from ..common.signed import ssig, usig, zext
from ..common.widths import index_width
from .logit_pipe import logit_pipe, logit_pipe_pair
from .pipe_parts import _delay_chain, _reg_copy, _reg_sum, delay_taps
from .probe_lane import lane_stages, probe_lane

__all__ = ["probe_waits", "probe_widths", "sig_probe"]

# the control states (binary, in this order)
ProbeState = enum("P_CLEAR", "P_HDR", "P_QLOAD", "P_SCORE", "P_DRAIN", "P_RECIP", "P_OUTV", "P_OUTS", "P_WAIT")
P_CLEAR, P_HDR, P_QLOAD, P_SCORE, P_DRAIN, P_RECIP, P_OUTV, P_OUTS, P_WAIT = (getattr(ProbeState, name)
                                                                               for name in ProbeState._names)


def probe_waits(head_dim: int, rows_per_key: int) -> tuple[int, int]:
    """Cycles the probe waits for its pipeline: after pass 1's last step (until the lanes' last l
    write, stage TP) and after pass 2's last step (until the last vertical sum is written, stage
    ``TV = TP + log2 r``, and read back)."""
    tp = lane_stages(head_dim)["p"]
    return tp, tp + (rows_per_key.bit_length() - 1) + 1


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
def _lane_ctl(q_go, lsel, nlw, ii, q_we, ni, lane, lanes):
    """Lane ``lane``'s probe-row write enable (row ``k`` goes to lane ``k mod r``) and its row's
    causal limit ``ni = N - 1 + r ii + lane``."""
    lr = lanes.bit_length() - 1
    row = usig(len(ii) + lr)
    riz = usig(len(ni))
    if lanes == 1:
        @always_comb
        def sel():
            q_we.next = q_go
            row.next = ii
    else:
        @always_comb
        def sel():
            q_we.next = q_go and lsel == lane
            row.next = concat(ii, intbv(lane)[lr:])

    @always_comb
    def limit():
        ni.next = nlw + riz

    return sel, zext(row, riz), limit


@block
def _half(inp, nxt, sel, bit):
    """``nxt`` = the upper half of ``inp`` when ``sel[bit]``, else the lower half."""
    MID, HI = len(nxt), len(inp)

    @always_comb
    def half():
        if sel[bit]:
            nxt.next = inp[HI:MID]
        else:
            nxt.next = inp[MID:0]

    return half


@block
def _field_select(bus, sel, out, n):
    """``out`` = field ``sel`` of the ``n`` fields of ``bus`` (each ``len(out)`` bits, field 0 lowest;
    n a power of two): log2 n halving steps, one 2:1 choice a bit on constant slices (two LUT levels
    at n = 16), where a shift by ``sel * width`` maps to a full barrel shifter. The bus form of
    ``rtl/common/pick.py`` (which chooses among separate signals: the banks' reads below)."""
    W = len(out)
    insts = []
    cur = bus
    k = n
    while k > 1:
        k //= 2
        nxt = usig(k * W)
        insts.append(_half(cur, nxt, sel, k.bit_length() - 1))
        cur = nxt
    insts.append(zext(cur, out))
    return insts


@block
def _slash_bank(clk, pall, vall, d0, g, sc_rd, wv, clr, clr_addr, oclr, o_addr, o_addr_nx, q, bank, lanes,
                depth):
    """Slash accumulator bank ``bank`` (offsets ``d`` with ``d mod r = bank`` at ``d div r``):
    the step's lanes score rows ``r i .. r i + r - 1`` against one key, so their offsets are r
    consecutive values ``d0 + u`` and land in r different banks; this bank takes lane
    ``(bank - d0) mod r``. ``d0`` and ``g`` come one stage before the lanes' probabilities
    (``pall``, ``vall``, ``sc_rd``, ``wv`` at stage TP): the lane choice and the word address are
    registered into TP. Read-modify-write over two cycles as in one bank: read at TP (registered),
    the sum written in the next cycle, a word written at the edge where it is read forwarded.
    ``q`` is the registered read (score: the step's word, before forwarding; otherwise the output
    word: the output phase starts after the last write, so it needs no forwarding)."""
    lr = lanes.bit_length() - 1
    PW = len(pall) // lanes
    AW = len(q)
    mem = [usig(AW) for _ in range(depth)]
    BW = len(o_addr)
    IW = len(d0)
    ub_c = Signal(modbv(0)[max(lr, 1):])
    ub = Signal(modbv(0)[max(lr, 1):])
    pb = usig(PW)
    pbw = usig(AW)
    vb = Signal(bool(0))
    s_lo = Signal(modbv(0)[IW - lr:])
    s_addr_c = usig(BW)
    s_addr = usig(BW)
    insts = [zext(pb, pbw)]
    if lanes == 1:
        @always_comb
        def lane_pick():
            pb.next = pall
            vb.next = vall
            s_lo.next = d0

        insts.append(lane_pick)
    else:
        @always_comb
        def lane_of_bank():
            ub_c.next = bank - d0[lr:]

        @always(clk.posedge)
        def lane_reg():
            ub.next = ub_c

        @always_comb
        def valid_pick():
            vb.next = vall[ub]

        insts.append(_field_select(pall, ub, pb, lanes))

        @always_comb
        def bank_addr():
            if d0[lr:] > bank:
                s_lo.next = d0[IW:lr] + 1
            else:
                s_lo.next = d0[IW:lr]

        insts += [lane_of_bank, lane_reg, valid_pick, bank_addr]

    if g is None:
        @always_comb
        def step_addr():
            s_addr_c.next = s_lo
    else:
        @always_comb
        def step_addr():
            s_addr_c.next = concat(g, s_lo)

    @always(clk.posedge)
    def addr_reg():
        s_addr.next = s_addr_c

    raddr = usig(BW)
    rd = usig(AW)
    w_v = Signal(bool(0))
    w_addr = usig(BW)
    w_p = usig(AW)
    fwd = Signal(bool(0))
    fwd_d = usig(AW)
    new = usig(AW)

    @always_comb
    def read_addr():
        if sc_rd:
            raddr.next = s_addr
        else:
            raddr.next = o_addr_nx

    @always(clk.posedge)
    def read():
        q.next = mem[raddr]
        fwd.next = sc_rd and w_v and w_addr == s_addr      # the output reads come after the last write
        fwd_d.next = new

    @always(clk.posedge)
    def stage():
        w_v.next = wv and vb
        w_addr.next = s_addr
        w_p.next = pbw

    @always_comb
    def word():
        if fwd:
            rd.next = fwd_d
        else:
            rd.next = q

    # the sum's operands are 0 unless a score write is due, so the clears write ``new`` (= 0) too
    # and the memory's write data has no multiplexer behind the adder
    rd_g = usig(AW)
    wp_g = usig(AW)

    @always_comb
    def operands():
        if w_v:
            rd_g.next = rd
            wp_g.next = w_p
        else:
            rd_g.next = 0
            wp_g.next = 0

    add = carry_select_add(rd_g, wp_g, new)

    @always(clk.posedge)
    def write():
        if clr:
            mem[clr_addr].next = new
        elif w_v:
            mem[w_addr].next = new
        elif oclr:
            mem[o_addr].next = new

    return insts, step_addr, addr_reg, read_addr, read, stage, word, operands, add, write


@block
def sig_probe(clk, rst, s_hdr, s_q, s_k, m, block_size=4, head_dim=2, max_n=16, mult_bits=16,
              logit_frac=8, logit_bits=24, exp_lut_bits=8, prob_frac=15, recip_frac=16, acc_frac=16,
              heads_per_pass=1, rows_per_key=1):
    B, D = block_size, head_dim
    S = heads_per_pass
    r = rows_per_key
    _check("heads_per_pass", S, 1, 16)
    check_pow2("sig_probe", "block_size", B, 2, 256)
    check_pow2("sig_probe", "rows_per_key", r, 1, B // 2, why="block_size / 2")
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
    for name, sig_, width in (("s_hdr_data", s_hdr.data, w["hdr"]), ("s_q_data", s_q.data, w["kq"]),
                              ("s_k_data", s_k.data, w["kq"]), ("m_data", m.data, w["out"])):
        if len(sig_) != width:
            raise ValueError(f"sig_probe field '{name}' width = {len(sig_)} is not allowed: must be {width}")
    Q = B // r                      # probe rows per lane (per head)
    lb = B.bit_length() - 1
    lr = r.bit_length() - 1
    lq = Q.bit_length() - 1
    LF, R, A = logit_frac, recip_frac, acc_frac
    AW = A + 1 + lb
    PW = A + 1
    NBLK = max_n // B
    CW = max(1, NBLK.bit_length())
    JW = CW + lb

    # Accumulators: one bank of 2^iwn entries per head (bank g at g 2^iwn; the last bank max_n deep,
    # so S = 1 keeps exactly max_n entries); the slash accumulator split into r banks by offset mod r.
    VN = (S - 1) * (1 << iwn) + max_n
    vert = [usig(AW) for _ in range(VN)]

    # ---------------------------------------------------------------- control state
    state = Signal(P_CLEAR)
    ps = Signal(bool(0))
    n_last = usig(iwn)
    mult = usig(mult_bits)
    shift = usig(6)
    c = Signal(modbv(0)[CW:])
    # score walk, per block: key jj (outer), head g, lane row ii (inner);
    # exp walk, per block: lane row er (outer), head eg, key ek (inner); both h B Q steps
    jj = Signal(modbv(0)[lb:])
    ii = Signal(modbv(0)[lq:])
    ek = Signal(modbv(0)[lb:])
    er = Signal(modbv(0)[lq:])
    jj_nx = Signal(modbv(0)[lb:])
    ii_nx = Signal(modbv(0)[lq:])
    ek_nx = Signal(modbv(0)[lb:])
    er_nx = Signal(modbv(0)[lq:])
    kreg = usig(8 * D)
    kvalid = Signal(bool(0))
    kcount = usig(iwn + 2)
    kdone = Signal(bool(0))      # all N keys of the pass taken (kcount = N)
    addr = Signal(modbv(0)[iwn + gw:])
    rbit = Signal(intbv(0, min=0, max=R + 3))
    W1, W2 = probe_waits(D, r)
    wcnt = Signal(intbv(0, min=0, max=max(W1, W2)))
    vacc = usig(AW)
    out_valid = Signal(bool(0))
    out_data = usig(AW + 1)

    # ---------------------------------------------------------------- heads of the pass (S > 1)
    # g: head of the score step; eg: head of the exp step; gout: bank being emitted; hl: heads in
    # this pass - 1 (header). Row memories are indexed (g, lane row).
    idx_insts = []
    ridx = usig(gw + lq)        # score row (g, ii): q, m, 1/l, block max
    eridx = usig(gw + lq)       # exp row (eg, er): block max, m, l
    saddr = usig(gw + lq + lb)  # score step's logit word (g, ii, jj)
    eaddr = usig(gw + lq + lb)   # the exp walk's logit word (eg, er, ek)
    q_idx = usig(gw + max(lb - lr, 1))
    rc_idx = usig(gw + lq)
    if S > 1:
        g = Signal(intbv(0, min=0, max=S))
        eg = Signal(intbv(0, min=0, max=S))
        g_nx = Signal(intbv(0, min=0, max=S))
        eg_nx = Signal(intbv(0, min=0, max=S))
        gout = Signal(intbv(0, min=0, max=S))
        hl = usig(gw)
        g_last = Signal(bool(0))
        eg_last = Signal(bool(0))
        alo = usig(iwn)              # addr within one bank
        oidx = usig(gw + iwn)        # output (gout, addr)
        qrows_last = usig(iwn + gw)  # h B - 1 (q load)
        rrows_last = usig(iwn + gw)  # h Q - 1 (reciprocal)
        qrows_m1 = usig(iwn + gw)    # h B - 2
        rrows_m1 = usig(iwn + gw)    # h Q - 2

        @always_comb
        def head_idx():
            g_last.next = g == hl
            eg_last.next = eg == hl
            ridx.next = concat(g, ii)
            eridx.next = concat(eg, er)
            saddr.next = concat(g, ii, jj)
            eaddr.next = concat(eg, er, ek)
            alo.next = addr[iwn:]
            oidx.next = concat(gout, addr[iwn:])
            qrows_last.next = concat(intbv(0)[iwn - lb:], hl, intbv(B - 1)[lb:])
            rrows_last.next = concat(intbv(0)[iwn - lq:], hl, intbv(Q - 1)[lq:])
            qrows_m1.next = concat(intbv(0)[iwn - lb:], hl, intbv(B - 2)[lb:])
            rrows_m1.next = concat(intbv(0)[iwn - lq:], hl, intbv(Q - 2)[lq:])

        @always_comb
        def row_idx():
            # addr past the rows (clear, output): keep the row indices in range
            if addr < S * B:
                q_idx.next = concat(addr[lb + gw:lb], addr[lb:lr])
            else:
                q_idx.next = 0
            if addr < S * Q:
                rc_idx.next = addr[lq + gw:]
            else:
                rc_idx.next = 0

        idx_insts += [head_idx, row_idx]
    else:
        g = eg = g_nx = eg_nx = None
        alo, oidx = addr, addr

        @always_comb
        def head_idx():
            ridx.next = ii
            eridx.next = er
            saddr.next = concat(ii, jj)
            eaddr.next = concat(er, ek)
            q_idx.next = addr[lb:lr]
            rc_idx.next = addr[lq:]

        idx_insts.append(head_idx)

    # ---------------------------------------------------------------- causality (key j = c B + jj)
    # row k of the B probe rows has query position N - B + k: the key is causal for it when
    # j + B - 1 <= n_last + k; its slash offset is d = n_last + k - (j + B - 1)
    j = usig(JW)
    jw = usig(iwn + 2)
    jb = usig(iwn + 2)
    nlw = usig(iwn + 2)
    phantom = Signal(bool(0))
    jlo = usig(iwn)
    nl_hi = usig(iwn - lb)
    cl = usig(CW)
    is_s = Signal(bool(0))
    nl_i = Signal(modbv(0)[iwn:])
    j_b = Signal(modbv(0)[iwn:])
    d0 = Signal(modbv(0)[iwn:])      # lane 0's offset (row r ii); lane u's is d0 + u
    r0 = usig(iwn)
    r0n = usig(lq + lr)

    @always_comb
    def key_index():
        j.next = concat(c, jj)

    insts = [zext(j, jw), zext(n_last, nlw), zext(nl_hi, cl)]

    @always_comb
    def key_low():
        jlo.next = j[iwn:]
        nl_hi.next = n_last[iwn:lb]
        is_s.next = state == P_OUTS

    if r == 1:
        @always_comb
        def row0():
            r0n.next = ii
    else:
        @always_comb
        def row0():
            r0n.next = concat(ii, intbv(0)[lr:])
    insts.append(zext(r0n, r0))

    @always_comb
    def causal():
        jb.next = jw + intbv(B - 1)[iwn + 2:]
        nl_i.next = n_last + r0
        j_b.next = jlo + intbv(B - 1)[iwn:]

    @always_comb
    def causal2():
        # the key is past N exactly when all N keys are taken and none is held (the walk then
        # steps on without s_k beats): a register and an AND, not a compare of j with N - 1
        phantom.next = kdone and not kvalid

    # registered: jb (stage 1, the lanes compare it with their rows' limits) and d0 (stage 2)
    jb1 = usig(iwn + 2)
    nl_i1 = Signal(modbv(0)[iwn:])
    j_b1 = Signal(modbv(0)[iwn:])

    @always(clk.posedge)
    def causal3():
        jb1.next = jb
        nl_i1.next = nl_i
        j_b1.next = j_b
        d0.next = nl_i1 - j_b1

    # ---------------------------------------------------------------- handshakes and step
    step = Signal(bool(0))
    out_free = Signal(bool(0))
    k_take = Signal(bool(0))
    row_end = Signal(bool(0))     # the step's lane row is the last (score walk)
    ek_end = Signal(bool(0))      # the exp walk's key is the block's last
    blk_end = Signal(bool(0))
    qload_end = Signal(bool(0))   # addr at the last probe row (q load)
    rc_end = Signal(bool(0))      # addr at the last lane row (reciprocal)
    clr_end = Signal(bool(0))     # addr at the last accumulator word (clear)
    out_end = Signal(bool(0))     # addr at the last key of an output vector (registered, out_ahead)
    if S > 1:
        key_end = Signal(bool(0))     # the last row of the last head for this key
        erow_end = Signal(bool(0))    # the exp walk's last key of its last head for this row
        blk_all = Signal(bool(0))     # the last step of a block (all heads)
        out_done = Signal(bool(0))    # the last beat of the last bank

        @always_comb
        def ctl_heads():
            key_end.next = row_end and g_last
            erow_end.next = ek_end and eg_last
            blk_all.next = blk_end and g_last

        @always_comb
        def ctl_heads2():
            out_done.next = out_end and gout == hl

        idx_insts += [ctl_heads, ctl_heads2]
    else:
        key_end, erow_end, blk_all = row_end, ek_end, blk_end

        qrows_last, rrows_last, qrows_m1, rrows_m1 = B - 1, Q - 1, B - 2, Q - 2
        out_done = out_end
    last_blk = Signal(bool(0))

    # the end flags of the address walks, registered: compared with the last position, or the one
    # before it when addr moves at this edge (addr is 0 when each walk starts)
    @always_seq(clk.posedge, reset=rst)
    def addr_ends():
        clr_end.next = addr == VN - 2
        if state == P_QLOAD and s_q.valid:
            qload_end.next = addr == qrows_m1
        else:
            qload_end.next = addr == qrows_last
        if state == P_RECIP and rbit == 0:
            rc_end.next = addr == rrows_m1
        else:
            rc_end.next = addr == rrows_last

    @always_comb
    def ctl():
        out_free.next = m.ready or not out_valid
        row_end.next = ii == Q - 1
        ek_end.next = ek == B - 1
        blk_end.next = ii == Q - 1 and jj == B - 1
        last_blk.next = c == cl
        if state == P_SCORE:
            step.next = kvalid or phantom
        elif state == P_DRAIN:
            step.next = True
        else:
            step.next = False

    @always_comb
    def ctl2():
        # (with kvalid, step is 1 and phantom 0)
        k_take.next = state == P_SCORE and not kdone and (not kvalid or key_end)

    @always_comb
    def ports():
        s_hdr.ready.next = state == P_HDR
        s_q.ready.next = state == P_QLOAD
        s_k.ready.next = k_take
        m.valid.next = out_valid
        m.data.next = out_data

    # ---------------------------------------------------------------- lanes
    sh7 = usig(7)
    c0 = Signal(bool(0))
    sc_w = Signal(bool(0))
    key0 = Signal(bool(0))
    ek0 = Signal(bool(0))
    mw = Signal(bool(0))
    ml_w = Signal(bool(0))
    q_go = Signal(bool(0))
    lsel = usig(max(lr, 1))
    rc_on = Signal(bool(0))
    walk = Signal(bool(0))

    @always_comb
    def lane_ctl():
        c0.next = c[0]
        sc_w.next = state == P_SCORE and step and not ps
        key0.next = jj == 0
        ek0.next = ek == 0
        walk.next = step and not ps and (state == P_DRAIN or c != 0)
        q_go.next = state == P_QLOAD and s_q.valid
        rc_on.next = state == P_RECIP

    insts.append(zext(shift, sh7))

    @always_comb
    def lane_ctl2():
        mw.next = walk and ek0
        ml_w.next = walk and ek_end

    if r > 1:
        @always_comb
        def lane_sel():
            lsel.next = addr[lr:]

        idx_insts.append(lane_sel)

    # a step's controls, delayed to the lane stage that uses them (probe_lane's docstring); the
    # lanes' probabilities are at TP, their sum (one registered adder level per lane pair) at TV
    TX, TP = lane_stages(D)["x"], lane_stages(D)["p"]
    E = TX
    TV = TP + lr
    step_t = delay_taps(step, TV)
    insts.append(_delay_chain(clk, step_t))
    ridx_t = delay_taps(ridx, E + 4)
    insts.append(_delay_chain(clk, ridx_t))
    eridx_t = delay_taps(eridx, E + 7)
    insts.append(_delay_chain(clk, eridx_t))
    saddr_t = delay_taps(saddr, TX)
    insts.append(_delay_chain(clk, saddr_t))
    eaddr_t = delay_taps(eaddr, E - 1)
    insts.append(_delay_chain(clk, eaddr_t))
    c0_t = delay_taps(c0, TX)
    insts.append(_delay_chain(clk, c0_t))
    sc_w_t = delay_taps(sc_w, TX)
    insts.append(_delay_chain(clk, sc_w_t))
    key0_t = delay_taps(key0, TX)
    insts.append(_delay_chain(clk, key0_t))
    ek0_t = delay_taps(ek0, E + 5)
    insts.append(_delay_chain(clk, ek0_t))
    mw_t = delay_taps(mw, E + 1)
    insts.append(_delay_chain(clk, mw_t))
    ml_w_t = delay_taps(ml_w, E + 7)
    insts.append(_delay_chain(clk, ml_w_t))

    # the lanes' logits: two lanes' probe rows against the key in one logit_pipe_pair (one DSP for
    # two products); a lone lane (r = 1) through logit_pipe and one register, the same latency
    kr = usig(8 * D)

    @always(clk.posedge)
    def key_reg():
        kr.next = kreg

    insts.append(key_reg)
    lane_q = [usig(8 * D) for _ in range(r)]
    lane_x = [ssig(logit_bits) for _ in range(r)]
    if r == 1:
        x_pre = ssig(logit_bits)
        insts += [logit_pipe(clk, lane_q[0], kr, mult, sh7, x_pre, D, 8, len(mult), LF, logit_bits),
                  _reg_copy(clk, x_pre, lane_x[0])]
    else:
        for u in range(0, r, 2):
            insts.append(logit_pipe_pair(clk, lane_q[u], lane_q[u + 1], kr, mult, sh7, lane_x[u], lane_x[u + 1], D, 8,
                                         len(mult), LF, logit_bits))
    lane_p = [usig(PW) for _ in range(r)]
    lane_v = [Signal(bool(0)) for _ in range(r)]
    for u in range(r):
        q_we, ni = Signal(bool(0)), usig(iwn + 2)
        insts.append(_lane_ctl(q_go, lsel, nlw, ii, q_we, ni, u, r))
        insts.append(probe_lane(clk, lane_q[u], lane_x[u], ps, ridx, ridx_t[TX - 1], ridx_t[TX], ridx_t[E + 1],
                                ridx_t[E + 4], saddr_t[TX], sc_w_t[TX], c0_t[TX - 1], c0_t[TX], key0_t[TX],
                                eaddr_t[E - 1], eridx_t[E], eridx_t[E + 1], eridx_t[E + 4], eridx_t[E + 7],
                                ek0_t[E + 1], ek0_t[E + 5], mw_t[E + 1], step_t[E + 5], ml_w_t[E + 5],
                                ml_w_t[E + 7], q_we, q_idx, s_q.data, rc_on, rbit, rc_idx, jb1, ni, lane_p[u],
                                lane_v[u], block_size=B, head_dim=D, rows=Q, heads=S, max_n=max_n,
                                logit_frac=LF, logit_bits=logit_bits, exp_lut_bits=exp_lut_bits,
                                prob_frac=prob_frac, recip_frac=R, acc_frac=A))

    # ---------------------------------------------------------------- pass 2: vertical sums
    # psum = the r lanes' probabilities of the step (a key's rows r ii .. r ii + r - 1)
    level = lane_p
    width = PW
    while len(level) > 1:
        width += 1
        nxt = []
        for a in range(0, len(level), 2):
            s = usig(width)
            insts.append(_reg_sum(clk, level[a], level[a + 1], s))
            nxt.append(s)
        level = nxt
    psum = usig(AW)
    insts.append(zext(level[0], psum))
    vsum = usig(AW)
    first = Signal(bool(0))
    vw = Signal(bool(0))

    @always_comb
    def p_first():
        first.next = ii == 0
        vw.next = state == P_SCORE and step and ps and row_end

    first_t = delay_taps(first, TV)
    insts.append(_delay_chain(clk, first_t))
    vw_t = delay_taps(vw, TV)
    insts.append(_delay_chain(clk, vw_t))

    first_v, step_v = first_t[TV], step_t[TV]      # generators read plain names, not tuple items

    @always_comb
    def p_acc():
        if first_v:
            vsum.next = psum
        else:
            vsum.next = vacc + psum

    @always(clk.posedge)
    def p_acc_reg():
        if step_v:
            vacc.next = vsum

    vidx = usig(gw + iwn)
    if S > 1:
        @always_comb
        def bank_idx():
            vidx.next = concat(g, jlo)

        idx_insts.append(bank_idx)
    else:
        @always_comb
        def bank_idx():
            vidx.next = jlo

        idx_insts.append(bank_idx)

    # ---------------------------------------------------------------- outputs
    o_rd = usig(AW)
    o_s = usig(AW)
    # registered output reads at the address of the next cycle (oidx_nx): addr (and, S > 1, gout)
    # as the sequencing below moves them; in pass 2 addr stays 0, so the first word is read ahead
    OIW = len(oidx)
    a_nx = Signal(modbv(0)[iwn:])
    a_inc = Signal(modbv(0)[iwn:])     # alo + 1
    oidx_nx = usig(OIW)
    v_q = usig(AW)
    out_go = Signal(bool(0))

    @always_comb
    def out_step():
        out_go.next = (state == P_OUTV or state == P_OUTS) and out_free

    @always_comb
    def out_next():
        if out_go and out_end:
            a_nx.next = 0
        elif out_go:
            a_nx.next = a_inc
        else:
            a_nx.next = alo

    # the key register: loaded by k_take; emptied after its last step (with kvalid, step is 1 and
    # phantom 0); the pass's key count cleared while no pass is scoring (q load, reciprocal)
    @always_seq(clk.posedge, reset=rst)
    def keys():
        if k_take and s_k.valid:
            kreg.next = s_k.data
            kvalid.next = True
        elif state == P_SCORE and kvalid and key_end:
            kvalid.next = False
        if state == P_QLOAD or state == P_RECIP:
            kcount.next = 0
            kdone.next = False
        elif k_take and s_k.valid:
            kcount.next = kcount + 1
            if kcount == nlw:
                kdone.next = True

    # the output position's end flag and successor, registered (the wait before the output phase
    # holds addr at 0, so they are right from its start)
    e_inc = Signal(bool(0))
    e_zero = Signal(bool(0))

    @always_comb
    def out_ends():
        e_inc.next = a_inc == n_last
        e_zero.next = n_last == 0

    @always(clk.posedge)
    def out_ahead():
        # moved as addr moves in the output phase (the candidates compared in parallel); outside
        # it addr is 0 from the wait before the output phase on
        if out_go:
            if out_end:
                out_end.next = e_zero
                a_inc.next = 1
            else:
                out_end.next = e_inc
                a_inc.next = a_inc + 1
        elif not (state == P_OUTV or state == P_OUTS):
            out_end.next = e_zero
            a_inc.next = 1

    if S > 1:
        gout_nx = Signal(intbv(0, min=0, max=S))

        @always_comb
        def out_next_bank():
            gout_nx.next = gout
            if state == P_HDR:
                if s_hdr.valid:
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

    @always(clk.posedge)
    def out_read_v():
        v_q.next = vert[oidx_nx]

    # slash banks: bank b holds offsets d = b mod r at (g, d div r)
    BKW = gw + iwn - lr
    sc_rd = Signal(bool(0))
    s_wv = Signal(bool(0))
    clr_a = usig(BKW)
    o_a = usig(BKW)
    o_a_nx = usig(BKW)
    osel = usig(max(lr, 1))

    @always_comb
    def bank_ctl():
        sc_rd.next = state == P_SCORE and ps
        s_wv.next = state == P_SCORE and step and ps
        clr_a.next = addr[iwn + gw:lr]
        o_a.next = oidx[OIW:lr]
        o_a_nx.next = oidx_nx[OIW:lr]

    pall = ConcatSignal(*reversed(lane_p)) if r > 1 else lane_p[0]
    vall = ConcatSignal(*reversed(lane_v)) if r > 1 else lane_v[0]
    bank_rd = [usig(AW) for _ in range(r)]
    d0_t = delay_taps(d0, TP - 4)           # d0 is registered into stage 2
    insts.append(_delay_chain(clk, d0_t))
    d0_q = d0_t[TP - 4]
    d0_p = Signal(modbv(0)[iwn:])           # stage TP - 1 (a named register: the planted-bug tests patch its uses)

    @always(clk.posedge)
    def d0_stage():
        d0_p.next = d0_q
    g_p = None
    if g is not None:
        g_t = delay_taps(g, TP - 1)
        insts.append(_delay_chain(clk, g_t))
        g_p = g_t[TP - 1]
    sc_rd_t = delay_taps(sc_rd, TP)
    insts.append(_delay_chain(clk, sc_rd_t))
    s_wv_t = delay_taps(s_wv, TP)
    insts.append(_delay_chain(clk, s_wv_t))
    for b in range(r):
        clr_b, oclr_b = Signal(bool(0)), Signal(bool(0))
        insts.append(_bank_sel(state, out_free, addr, clr_b, oclr_b, b, r))
        insts.append(_slash_bank(clk, pall, vall, d0_p, g_p, sc_rd_t[TP], s_wv_t[TP], clr_b, clr_a, oclr_b,
                                 o_a, o_a_nx,
                                 bank_rd[b], b, r, VN // r))
    if r > 1:
        @always_comb
        def out_bank():
            osel.next = addr[lr:]

        idx_insts += [out_bank, pick(osel, tuple(bank_rd), o_s)]
    else:
        @always_comb
        def out_bank():
            o_s.next = bank_rd[0]

        idx_insts.append(out_bank)

    @always_comb
    def out_read():
        if state == P_OUTV:
            o_rd.next = v_q
        else:
            o_rd.next = o_s

    # the vertical sum of (head, key) written at stage TV (the wait after pass 2 lets the last one
    # land before the output reads it)
    vidx_t = delay_taps(vidx, TV)
    insts.append(_delay_chain(clk, vidx_t))

    vw_v, vidx_v = vw_t[TV], vidx_t[TV]

    @always(clk.posedge)
    def w_vert():
        if vw_v:
            vert[vidx_v].next = vsum

    # ---------------------------------------------------------------- sequencing
    # walk positions at the next edge: one step advances them; both passes start at 0. The
    # registered logit-buffer reads use the exp walk's as their address.
    @always_comb
    def next_idx():
        ii_nx.next = ii
        jj_nx.next = jj
        ek_nx.next = ek
        er_nx.next = er
        if (state == P_QLOAD and s_q.valid and qload_end) or (state == P_RECIP and rbit == 0 and rc_end):
            ii_nx.next = 0
            jj_nx.next = 0
            ek_nx.next = 0
            er_nx.next = 0
        elif (state == P_SCORE or state == P_DRAIN) and step:
            ii_nx.next = ii + 1
            if key_end:
                jj_nx.next = jj + 1
            ek_nx.next = ek + 1
            if erow_end:
                er_nx.next = er + 1

    @always_seq(clk.posedge, reset=rst)
    def control():
        ii.next = ii_nx
        jj.next = jj_nx
        ek.next = ek_nx
        er.next = er_nx
        if m.ready:
            out_valid.next = False
        if state == P_CLEAR:
            addr.next = addr + 1
            if clr_end:
                addr.next = 0
                state.next = P_HDR
        elif state == P_HDR:
            if s_hdr.valid:
                n_last.next = s_hdr.data[iwn:0]
                shift.next = s_hdr.data[iwn + 6:iwn]
                mult.next = s_hdr.data[iwn + 6 + mult_bits:iwn + 6]
                addr.next = 0
                state.next = P_QLOAD
        elif state == P_QLOAD:
            if s_q.valid:
                addr.next = addr + 1
                if qload_end:
                    addr.next = 0
                    ps.next = False
                    c.next = 0
                    state.next = P_SCORE
        elif state == P_SCORE or state == P_DRAIN:
            if step:
                if blk_all:
                    if state == P_DRAIN:
                        addr.next = 0
                        rbit.next = R + 2
                        wcnt.next = W1 - 1
                        state.next = P_WAIT
                    elif last_blk:
                        c.next = c + 1
                        if ps:
                            addr.next = 0
                            wcnt.next = W2 - 1
                            state.next = P_WAIT
                        else:
                            state.next = P_DRAIN
                    else:
                        c.next = c + 1
        elif state == P_WAIT:
            if wcnt == 0:
                if ps:
                    state.next = P_OUTV
                else:
                    state.next = P_RECIP
            else:
                wcnt.next = wcnt - 1
        elif state == P_RECIP:
            if rbit == 0:
                rbit.next = R + 2
                addr.next = addr + 1
                if rc_end:
                    addr.next = 0
                    ps.next = True
                    c.next = 0
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
            eg_nx.next = eg
            if state == P_QLOAD:
                if s_q.valid and qload_end:
                    g_nx.next = 0
                    eg_nx.next = 0
            elif state == P_SCORE or state == P_DRAIN:
                if step and row_end:
                    if g == hl:          # g_last, compared here so that no delta cycle sees g + 1 = S
                        g_nx.next = 0
                    else:
                        g_nx.next = g + 1
                if step and ek_end:
                    if eg == hl:
                        eg_nx.next = 0
                    else:
                        eg_nx.next = eg + 1
            elif state == P_RECIP:
                if rbit == 0 and rc_end:
                    g_nx.next = 0
                    eg_nx.next = 0

        @always_seq(clk.posedge, reset=rst)
        def heads_seq():
            g.next = g_nx
            eg.next = eg_nx
            gout.next = gout_nx
            if state == P_HDR:
                if s_hdr.valid:
                    hl.next = s_hdr.data[HF + gw:HF]

        idx_insts += [next_head, heads_seq]

    return (insts, idx_insts, d0_stage, addr_ends, keys, out_ends, out_ahead, key_index, key_low, row0, causal, causal2, causal3, ctl, ctl2, ports, lane_ctl, lane_ctl2, p_first, p_acc, p_acc_reg,
            out_step, out_next, out_read_v, bank_ctl, out_read, w_vert, next_idx, control)


@block
def _bank_sel(state, out_free, addr, clr, oclr, bank, lanes):
    """Slash bank ``bank``'s clear strobes: the power-on clear and the clear behind the output
    read, both at ``addr``, whose offset lies in bank ``addr mod r``."""
    lr = lanes.bit_length() - 1
    if lanes == 1:
        @always_comb
        def sel():
            clr.next = state == P_CLEAR
            oclr.next = state == P_OUTS and out_free
    else:
        @always_comb
        def sel():
            clr.next = state == P_CLEAR and addr[lr:] == bank
            oclr.next = state == P_OUTS and out_free and addr[lr:] == bank

    return sel
