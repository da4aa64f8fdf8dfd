"""The SIG head's shared-K-pass bookkeeping (a sub-block of ``sig_head``, ``heads_per_pass`` = S > 1).

A run is up to S query heads of one GQA group that share one pair of K passes (docs/sig.md,
"Shared K pass"). Its first head (``run_first`` at ``take``, a start) reads the probe rows of all
``run_heads_m1 + 1`` heads, ``N D`` bytes apart (``q_step``: the offset of the next probe read,
advanced by ``nb B D`` at each probe command ``q_cmd``); the others (followers, ``fol_in``) read
neither probe rows nor K. Here:

* ``fol_in = not run_first``; ``p_rst``: the probe's reset, also pulsed by a non-dense first head
  while banks of the previous run are still untaken (an abandoned run);
* ``qp_more``: another probe read of the run is to be issued; ``q_inc``: a Q read that the head
  counts was delivered (``q_last``, a last R beat, after the ``qp_skip`` reads of the other heads);
* the run's probe-row block sums (``qs_we``/``qs_data``, in read order) and this head's
  (``qsum_d``, by its position in the run); the probe's header ``ph_data`` (``{run_heads_m1,
  mult, shift, N - 1}``).

Registers reset with ``rst``. No latency of its own: every output is a register or a function of
registers and inputs.
"""

from __future__ import annotations

from myhdl import Signal, always, always_comb, always_seq, block, concat, intbv

from ..common.params import check_int, check_pow2
from ..common.signed import usig


@block
def sig_head_run(clk, rst, take, dense, run_first, run_heads_m1, nb, mult, shift, n_m1, q_cmd, q_last, qs_we,
                 qs_data, fol_in, p_rst, qp_more, q_inc, ph_data, qsum_d, q_step, block_size=8, head_dim=8,
                 heads_per_pass=2):
    S = check_int("sig_head_run", "heads_per_pass", heads_per_pass, 2, 16)
    lb = check_pow2("sig_head_run", "block_size", block_size, 2, 256)
    lg_d = check_pow2("sig_head_run", "head_dim", head_dim, 1, 256)
    iw = len(nb) - 1
    if len(qsum_d) != len(qs_data):
        raise ValueError(f"sig_head_run field 'qsum_d' width = {len(qsum_d)} is not allowed: "
                         f"must equal qs_data's ({len(qs_data)})")
    run_pos = Signal(intbv(0, min=0, max=S))      # this head's index in its run
    qp_left = Signal(intbv(0, min=0, max=S + 1))  # probe Q reads still to issue
    qp_skip = Signal(intbv(0, min=0, max=S))      # probe Q reads to deliver before one counts
    banks = Signal(intbv(0, min=0, max=S))        # followers of the run still to take their bank
    qs_i = Signal(intbv(0, min=0, max=S))         # next probe-row block sum of the run
    qsmem = [usig(len(qs_data)) for _ in range(S)]
    QW = len(q_step)
    nd_bytes = usig(QW)                           # nb B D
    ZND = QW - (iw + 1) - lb - lg_d
    if ZND < 1:
        raise ValueError(f"sig_head_run field 'q_step' width = {QW} is not allowed: must be wider than nb B D "
                         f"({iw + 1 + lb + lg_d} bits)")

    @always_comb
    def run_in():
        fol_in.next = not run_first
        p_rst.next = rst or (take and run_first and not dense and banks != 0)
        nd_bytes.next = concat(intbv(0)[ZND:], nb, intbv(0)[lb + lg_d:])

    @always_comb
    def run_flags():
        qp_more.next = qp_left > 1
        q_inc.next = q_last and qp_skip == 0
        ph_data.next = concat(run_heads_m1, mult, shift, n_m1)
        qsum_d.next = qsmem[run_pos]

    @always(clk.posedge)
    def w_qsum():
        if qs_we:
            qsmem[qs_i].next = qs_data

    @always_seq(clk.posedge, reset=rst)
    def run_seq():
        if take:
            if run_first:
                run_pos.next = 0
                qs_i.next = 0
                q_step.next = 0
                if dense:                  # no pass: pending banks of an abandoned run stay pending
                    qp_left.next = 0
                    qp_skip.next = 0
                else:
                    qp_left.next = run_heads_m1 + 1
                    qp_skip.next = run_heads_m1
                    banks.next = run_heads_m1
            else:
                qp_left.next = 0
                qp_skip.next = 0
                if run_pos < S - 1:
                    run_pos.next = run_pos + 1
                if banks != 0 and not dense:
                    banks.next = banks - 1
        else:
            if q_cmd:
                qp_left.next = qp_left - 1
                q_step.next = q_step + nd_bytes
            if q_last and qp_skip != 0:
                qp_skip.next = qp_skip - 1
            if qs_we and qs_i < S - 1:
                qs_i.next = qs_i + 1

    return run_in, run_flags, w_qsum, run_seq
