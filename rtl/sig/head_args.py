"""The SIG head's argument decoding and its probe-read address (a sub-block of ``sig_head``).

From the head's arguments (held stable from ``start`` to ``done``):

* ``nb_m1 = nb - 1``, ``n_m1 = N - 1`` and ``n_val = N`` (``N = nb B``), ``k_beats`` (the AXI words of
  one pass over K, ``nb B D 8 / hbm_data_width``), ``maxb_eff = min(max_blocks, nb)`` and ``dense``
  (``nb <= 2`` or ``nb <= min_blocks``): combinational;
* ``nm1_r`` and ``nbm1_r``: ``N - 1`` and ``nb - 1`` registered (the head's position compares);
* ``q_addr = q_base + (nb - 1) B D (+ q_step)``: the probe rows' address, in registered stages so no
  64-bit carry chain lies in one cycle: the offset (``q_off``; with ``q_step``, a shared pass, the
  offset registered first and then ``+ q_step``), then the low 32 bits of ``q_base`` plus it with
  the carry beside the high half and its successor, then the choice. ``q_addr`` holds the address
  of the current arguments 3 edges after they settle (4 with ``q_step``; ``sig_head``'s
  ``QA_STAGES``).

Parameters: ``block_size`` B, ``head_dim`` D, ``blk_beats`` (AXI words of B rows, a power of two),
``qoff_bits`` (bits of the probe rows' offset, at most 32), ``beats_bits`` (width of ``k_beats``).
"""

from __future__ import annotations

from myhdl import Signal, always, always_comb, block, concat, intbv, modbv

from ..common.params import check_int, check_pow2
from ..common.signed import usig


@block
def sig_head_args(clk, nb, min_blocks, max_blocks, q_base, q_step, nb_m1, n_m1, n_val, dense, maxb_eff, k_beats,
                  nm1_r, nbm1_r, q_addr, block_size=8, head_dim=8, blk_beats=8, qoff_bits=16, beats_bits=9):
    lb = check_pow2("sig_head_args", "block_size", block_size, 2, 256)
    lg_row_bytes = lb + check_pow2("sig_head_args", "head_dim", head_dim, 1, 256)
    lg_blk_beats = check_pow2("sig_head_args", "blk_beats", blk_beats, 1, 1 << 16)
    iw = len(nb) - 1
    iwn = iw + lb
    check_int("sig_head_args", "qoff_bits", qoff_bits, iw + lg_row_bytes, 32)
    check_int("sig_head_args", "beats_bits", beats_bits, iw + 1 + lg_blk_beats, 64)
    YW = qoff_bits
    nb_dec = Signal(modbv(0)[iw + 1:])

    @always_comb
    def decode():
        nb_dec.next = nb - 1
        if max_blocks < nb:
            maxb_eff.next = max_blocks
        else:
            maxb_eff.next = nb
        dense.next = nb <= 2 or nb <= min_blocks

    @always_comb
    def decode2():
        nb_m1.next = nb_dec[iw:0]
        n_m1.next = concat(nb_m1, intbv((1 << lb) - 1)[lb:])
        n_val.next = concat(nb, intbv(0)[lb:])
        k_beats.next = concat(intbv(0)[beats_bits - iw - 1 - lg_blk_beats:], nb, intbv(0)[lg_blk_beats:]) \
            if lg_blk_beats > 0 else concat(intbv(0)[beats_bits - iw - 1:], nb)

    # registered copies of nb - 1 and N - 1 for the position compares: the arguments stay put from
    # start to done, and no such compare is used in the cycle after a start
    @always(clk.posedge)
    def arg_regs():
        nm1_r.next = n_m1
        nbm1_r.next = concat(intbv(0)[lb + 1:], nb_m1)

    q_off = usig(YW)

    @always_comb
    def qoff():
        q_off.next = concat(intbv(0)[YW - iw - lg_row_bytes:], nb_m1, intbv(0)[lg_row_bytes:])

    y_r = Signal(modbv(0)[YW:])
    y_lo = usig(33)
    qb_lo = usig(33)
    lo_r = usig(33)
    hi0_r = usig(32)
    hi1_r = Signal(modbv(0)[32:])

    @always_comb
    def qaddr_ext():
        y_lo.next = concat(intbv(0)[33 - YW:], y_r)
        qb_lo.next = concat(False, q_base[32:0])

    if q_step is not None:
        qoff_r = Signal(modbv(0)[YW:])

        @always(clk.posedge)
        def qaddr_off():
            qoff_r.next = q_off
            y_r.next = qoff_r + q_step[YW:]
    else:
        @always(clk.posedge)
        def qaddr_off():
            y_r.next = q_off

    @always(clk.posedge)
    def qaddr_sum():
        lo_r.next = qb_lo + y_lo
        hi0_r.next = q_base[64:32]
        hi1_r.next = q_base[64:32] + 1
        if lo_r[32]:
            q_addr.next = concat(hi1_r, lo_r[32:0])
        else:
            q_addr.next = concat(hi0_r, lo_r[32:0])

    return decode, decode2, arg_regs, qoff, qaddr_ext, qaddr_off, qaddr_sum
