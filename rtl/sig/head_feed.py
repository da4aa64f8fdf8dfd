"""The SIG head's buffer feed position ``rp`` (a sub-block of ``sig_head``).

The head feeds its buffers (accumulator copies, pooled vectors, K block sums) to the cover counts,
the top-m searches, the decision and the pooled selection, one word a beat: ``rp`` is the feed
position (0: the header beat; ``i``: the word ``i - 1``). At each edge ``rp`` goes to 0
(``rs_zero``, and on ``rst`` or ``take``, a start), 1 (``rs_one``), ``rp + 1`` (``rs_inc``) or stays.

The buffers are read through registered ports at the address of the next cycle, ``rp_nx - 1``:
``rd_nx_dec`` (``rp_nx - 1``), chosen from registers (``rp``, ``rp_m1 = rp - 1`` kept beside it), so
no adder lies on the read address; ``rd_sel`` says which candidate was chosen (``RS_ZERO``,
``RS_ONE``, ``RS_INC``, ``RS_KEEP``), for the write-bypass compares. The position's compares are
registers set with it: ``rp_is0`` (``rp == 0``), ``rp_at_nb`` (``rp == nb``) and ``rp_at_n``
(``rp == N``), from ``nb``, ``n_val`` (N) and the registered ``nbm1_r`` (nb - 1) and ``nm1_r``
(N - 1). ``rp`` and ``rp_m1`` reset with ``rst`` (to 0 and -1).
"""

from __future__ import annotations

from myhdl import Signal, always, always_comb, always_seq, block, concat, intbv, modbv

from ..common.signed import usig

RS_KEEP, RS_ZERO, RS_ONE, RS_INC = range(4)   # the next position: rp, 0, 1, rp + 1


@block
def sig_head_feed(clk, rst, take, rs_zero, rs_one, rs_inc, nb, n_val, nbm1_r, nm1_r, rp, rp_m1, rd_sel, rd_nx_dec,
                  rp_is0, rp_at_nb, rp_at_n):
    W = len(rp)                                # iwn + 1
    iwn = W - 1
    for name, sig_ in (("rp_m1", rp_m1), ("rd_nx_dec", rd_nx_dec), ("n_val", n_val), ("nbm1_r", nbm1_r)):
        if len(sig_) != W:
            raise ValueError(f"sig_head_feed field '{name}' width = {len(sig_)} is not allowed: must be {W} (rp's)")
    if len(nm1_r) != iwn or len(rd_sel) != 2:
        raise ValueError(f"sig_head_feed field 'nm1_r' width = {len(nm1_r)} is not allowed: must be {iwn}, "
                         f"with a 2-bit rd_sel")
    ALL1 = (1 << W) - 1                        # -1 in W bits (a Python constant: a literal)
    rp_nx = usig(W)
    rs_rt = Signal(bool(0))

    @always_comb
    def restart():
        rs_rt.next = rst or take

    @always_comb
    def rp_next():
        # RS_ZERO = 1, RS_ONE = 2, RS_INC = 3; a start or a reset goes to 0 whatever else holds
        rd_sel.next = concat(not rs_rt and (rs_one or rs_inc), rs_rt or rs_zero or rs_inc)

    @always_comb
    def rp_pick():
        if rd_sel == RS_ZERO:
            rp_nx.next = 0
            rd_nx_dec.next = ALL1
        elif rd_sel == RS_ONE:
            rp_nx.next = 1
            rd_nx_dec.next = 0
        elif rd_sel == RS_INC:
            rp_nx.next = rp + 1
            rd_nx_dec.next = rp
        else:
            rp_nx.next = rp
            rd_nx_dec.next = rp_m1

    @always(clk.posedge)
    def rp_flags():
        # a start (and a reset) chooses RS_ZERO: the flags then follow the new arguments
        if rd_sel == RS_ZERO:
            rp_is0.next = True
            rp_at_nb.next = nb == 0
            rp_at_n.next = nb == 0
        elif rd_sel == RS_ONE:
            rp_is0.next = False
            rp_at_nb.next = nb == 1
            rp_at_n.next = n_val == 1
        elif rd_sel == RS_INC:
            rp_is0.next = False
            rp_at_nb.next = rp == nbm1_r
            rp_at_n.next = rp[iwn:0] == nm1_r and not rp[iwn]

    @always_seq(clk.posedge, reset=rst)
    def position():
        rp.next = rp_nx
        rp_m1.next = rd_nx_dec

    return restart, rp_next, rp_pick, rp_flags, position
