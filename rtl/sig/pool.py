"""SIG block pooling: block sums of the probe's vertical and slash accumulators, and the total mass.

Computes the golden ``fixed_head_pattern`` pooling step: ``pv[b] = sum vert[j]`` over ``j // B == b``;
``ps[s] = sum slash[d]`` over ``nb - 1 - (N - 1 - d) // B == s`` (slash pooled by block offset);
``T = sum vert`` (the total mass the coverage target ``(T * gamma_fx) >> GF`` is taken of).

Ports (``IWN = bits(max_n - 1)``, ``AW`` = accumulator width, ``PW = AW + log2 B``,
``TW = AW + log2 max_n``): ``s_hdr``: ``N - 1`` (IWN bits); ``s``: the probe's output beats
``{kind, value[AW]}`` (``vert[0..N-1]`` then ``slash[0..N-1]``); ``m``: ``{kind[1:0], value[TW]}``:
``pv[0..nb-1]`` (kind 0), ``ps[0..nb-1]`` (kind 1), then ``T`` (kind 2).

Input beats whose kind does not match the phase (vertical first, then slash) are dropped.
One input beat per cycle (a pooled beat leaves in the cycle a group closes, so the output register
never stalls the input unless the sink does); ``2 N + 2`` cycles per head. No memory: three adders
(``T`` in two parts, the high part taking the low part's carry one edge later: ``T`` is read N
slash beats after its last addend).
"""

from __future__ import annotations

from myhdl import Signal, always_comb, always_seq, block, concat, enum, intbv, modbv

from ..common.carry_select import carry_select_add
from ..common.params import check_int
from ..common.signed import usig, zext
from ..common.widths import index_width

PoolState = enum("Q_HDR", "Q_VERT", "Q_SLASH", "Q_TOTAL")
Q_HDR, Q_VERT, Q_SLASH, Q_TOTAL = (getattr(PoolState, name) for name in PoolState._names)


def pool_widths(block_size: int, max_n: int, acc_width: int) -> dict:
    iwn = index_width(max_n)
    lb = block_size.bit_length() - 1
    return {"iwn": iwn, "in": acc_width + 1, "tw": acc_width + iwn, "out": acc_width + iwn + 2}


@block
def sig_pool(clk, rst, s_hdr, s, m, block_size=4, max_n=16, acc_width=20):
    for name, v, lo, hi in (("block_size", block_size, 2, 256), ("max_n", max_n, 2, 1 << 20),
                            ("acc_width", acc_width, 2, 48)):
        check_int("sig_pool", name, v, lo, hi)
    if block_size & (block_size - 1) or max_n % block_size:
        raise ValueError(f"sig_pool field 'block_size' = {block_size!r} is not allowed: must be a power of two "
                         f"dividing max_n={max_n}")
    w = pool_widths(block_size, max_n, acc_width)
    iwn, tw = w["iwn"], w["tw"]
    lb = block_size.bit_length() - 1
    for name, sig_, width in (("s_hdr_data", s_hdr.data, iwn), ("s_data", s.data, w["in"]),
                              ("m_data", m.data, w["out"])):
        if len(sig_) != width:
            raise ValueError(f"sig_pool field '{name}' width = {len(sig_)} is not allowed: must be {width}")

    state = Signal(Q_HDR)
    n_last = usig(iwn)
    idx = Signal(modbv(0)[iwn:])
    pw = acc_width + lb                  # a block's sum: at most B values of acc_width bits
    grp = usig(pw)
    # T in two parts (short carry chains): tot_lo + val, its carry added into tot_hi at the next
    # edge; T = {tot_hi, tot_lo} is read in Q_TOTAL, N slash beats after the last vertical beat
    tot_lo = usig(acc_width)
    tot_c = Signal(bool(0))
    tot_hi = usig(tw - acc_width)
    total = usig(tw)
    out_valid = Signal(bool(0))
    out_data = usig(tw + 2)

    val = usig(acc_width)
    val_w = usig(pw)
    grp_n = usig(pw)
    grp_w = usig(tw)
    tot_n = usig(acc_width + 1)
    val_c = usig(acc_width + 1)
    lo_c = usig(acc_width + 1)
    close = Signal(bool(0))
    last = Signal(bool(0))
    out_free = Signal(bool(0))
    lo_idx = usig(lb)
    lo_n = usig(lb)

    @always_comb
    def unpack():
        val.next = s.data[acc_width:0]
        lo_idx.next = idx[lb:]
        lo_n.next = n_last[lb:]

    ext = [zext(val, val_w), zext(grp_n, grp_w), zext(val, val_c), zext(tot_lo, lo_c)]
    # a block's running sum: carry-select (two half-width chains), as it feeds the output register
    # through a multiplexer in the same cycle
    grp_add = carry_select_add(grp, val_w, grp_n)

    @always_comb
    def sums():
        tot_n.next = lo_c + val_c

    @always_comb
    def total_join():
        total.next = concat(tot_hi, tot_lo)

    kbit = Signal(bool(0))
    kind_ok = Signal(bool(0))

    @always_comb
    def closing():
        kbit.next = state == Q_SLASH
        kind_ok.next = s.data[acc_width] == (state == Q_SLASH)
        last.next = idx == n_last
        if state == Q_VERT:
            close.next = lo_idx == block_size - 1 or idx == n_last
        else:
            close.next = lo_idx == lo_n

    @always_comb
    def ports():
        out_free.next = m.ready or not out_valid
        s_hdr.ready.next = state == Q_HDR
        s.ready.next = (state == Q_VERT or state == Q_SLASH) and out_free
        m.valid.next = out_valid
        m.data.next = out_data

    @always_seq(clk.posedge, reset=rst)
    def control():
        if m.ready:
            out_valid.next = False
        if state == Q_HDR:
            if s_hdr.valid:
                n_last.next = s_hdr.data
                idx.next = 0
                grp.next = 0
                tot_lo.next = 0
                state.next = Q_VERT
        elif state == Q_VERT or state == Q_SLASH:
            if s.valid and out_free and kind_ok:
                if state == Q_VERT:
                    tot_lo.next = tot_n[acc_width:]
                if close:
                    out_valid.next = True
                    out_data.next = concat(False, kbit, grp_w)
                    grp.next = 0
                else:
                    grp.next = grp_n
                idx.next = idx + 1
                if last:
                    idx.next = 0
                    state.next = Q_SLASH if state == Q_VERT else Q_TOTAL
        elif state == Q_TOTAL:
            if out_free:
                out_valid.next = True
                out_data.next = concat(intbv(2)[2:], total)
                state.next = Q_HDR

    @always_seq(clk.posedge, reset=rst)
    def carry():
        # the low part's carry out, added into the high part one edge later
        tot_c.next = state == Q_VERT and s.valid and out_free and kind_ok and tot_n[acc_width]
        if state == Q_HDR:
            if s_hdr.valid:
                tot_hi.next = 0
        elif tot_c:
            tot_hi.next = tot_hi + 1

    return unpack, ext, grp_add, sums, total_join, closing, ports, control, carry
