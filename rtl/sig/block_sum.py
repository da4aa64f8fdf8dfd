"""SIG block sum: the D signed column sums of every block of B rows of INT8 vectors.

Computes ``x.reshape(-1, B, D).sum(axis=1)`` (the golden model's block sums of ``q`` and ``k`` in
``pooled_selection_fixed`` and the probe-query / key block sums of the query-aware decision in
``fixed_head_pattern``), exactly: a sum of B values in [-128, 127] lies in [-128 B, 127 B] and
fits ``8 + log2 B`` signed bits. Used three times by the SIG (Q block sums, K block sums, the probe
query sum); the rows arrive as they do on ``sig_probe``'s ``s_k``.

Ports:

* ``s`` (``8 D`` bits): one row per beat, element ``d`` (signed INT8) at ``[8d+7 : 8d]``.
* ``m`` (``D (8 + log2 B)`` bits): one beat per B rows, column sum ``d`` (signed) at
  ``[(8+lb)(d+1)-1 : (8+lb) d]`` (``lb = log2 B``).

Cycles: one row per cycle, no bubbles (the B-th row of a block goes straight into the output
register, the accumulators restart); the output beat leaves one cycle after the block's last row.
An input beat that closes a block waits while the previous block's sum is still held by the sink.
The stream is endless: a caller that streams N rows (N a multiple of B) gets N / B beats.

Registers: D accumulators of ``8 + log2 B`` bits and the output register; no memory.
"""

from __future__ import annotations

from myhdl import ConcatSignal, Signal, always_comb, always_seq, block, intbv, modbv

from ..common.params import check_pow2, int_checker
from ..common.signed import sadd, sfield, ssig, usig


_check = int_checker("sig_block_sum")


def block_sum_widths(block_size: int, head_dim: int) -> dict:
    lb = block_size.bit_length() - 1
    return {"in": 8 * head_dim, "elem": 8 + lb, "out": head_dim * (8 + lb)}


@block
def _column(clk, rst, take, close, x, acc, s):
    """One column: ``s = acc + x`` (combinational); on ``take`` the accumulator becomes ``s``, or 0
    when the beat closes the block."""
    add = sadd(acc, x, s)

    @always_seq(clk.posedge, reset=rst)
    def reg():
        if take:
            if close:
                acc.next = 0
            else:
                acc.next = s

    return add, reg


@block
def _bits(a, u):
    @always_comb
    def view():
        u.next = a[len(a):]

    return view


@block
def sig_block_sum(clk, rst, s, m, block_size=4, head_dim=2):
    check_pow2("sig_block_sum", "block_size", block_size, 2, 256)
    _check("head_dim", head_dim, 1, 256)
    w = block_sum_widths(block_size, head_dim)
    for name, sig_, width in (("s_data", s.data, w["in"]), ("m_data", m.data, w["out"])):
        if len(sig_) != width:
            raise ValueError(f"sig_block_sum field '{name}' width = {len(sig_)} is not allowed: must be {width}")
    D, EW = head_dim, w["elem"]
    lb = block_size.bit_length() - 1

    cnt = Signal(modbv(0)[lb:])
    take = Signal(bool(0))
    close = Signal(bool(0))
    out_valid = Signal(bool(0))
    out_data = Signal(intbv(0)[w["out"]:])
    xs = [ssig(8) for _ in range(D)]
    accs = [ssig(EW) for _ in range(D)]
    sums = [ssig(EW) for _ in range(D)]
    insts = []
    for d in range(D):
        insts += [sfield(s.data, xs[d], 8 * d), _column(clk, rst, take, close, xs[d], accs[d], sums[d])]
    if D > 1:
        colsums = ConcatSignal(*reversed(sums))
    else:  # one column: its bits, unsigned
        colsums = usig(EW)
        insts.append(_bits(sums[0], colsums))

    @always_comb
    def ctl():
        close.next = cnt == block_size - 1
        if cnt != block_size - 1:
            take.next = s.valid
        else:
            take.next = s.valid and (m.ready or not out_valid)

    @always_comb
    def ports():
        if cnt != block_size - 1:
            s.ready.next = True
        else:
            s.ready.next = m.ready or not out_valid
        m.valid.next = out_valid
        m.data.next = out_data

    @always_seq(clk.posedge, reset=rst)
    def seq():
        if m.ready:
            out_valid.next = False
        if take:
            cnt.next = cnt + 1
            if close:
                out_valid.next = True
                out_data.next = colsums

    return insts, ctl, ports, seq
