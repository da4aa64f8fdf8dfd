"""The SIG head's vertical and slash budgets (a sub-block of ``sig_head``).

The golden ``fixed_head_pattern``'s budgets: from each coverage count ``c`` (``count``, taken with
``ld_v`` for the vertical count, ``ld_s`` for the slash count), ``(c >> div_shift) + 1``, then at
``ld_n`` clamped to ``[min_blocks, min(max_blocks, nb)]`` (``maxb_eff``; when the range is empty,
the upper end) into ``nv`` and ``ns``; a query-aware head (``qa``) takes ``min_blocks`` for both.
``maxb_eff`` is registered once (the arguments stay put from start to done), so the clamp's compares
start from registers. Registers reset to 0 with ``rst``.
"""

from __future__ import annotations

from myhdl import always, always_comb, always_seq, block

from ..common.params import check_int
from ..common.signed import usig, zext


@block
def _clamp(bud, cmin, cmax, maxb_r, min_blocks, out):
    """``out = bud`` clamped to ``[cmin, cmax]`` (``cmin``, ``cmax``: ``min_blocks`` and ``maxb_r``
    widened to ``bud``'s width); an empty range (``cmin > cmax``) gives ``maxb_r``."""
    bw = len(out)

    @always_comb
    def clamp():
        if bud < cmin:
            if cmin > cmax:
                out.next = maxb_r
            else:
                out.next = min_blocks
        elif bud > cmax:
            out.next = maxb_r
        else:
            out.next = bud[bw:0]

    return clamp


@block
def sig_head_budgets(clk, rst, count, ld_v, ld_s, ld_n, qa, min_blocks, maxb_eff, nv, ns, div_shift=7):
    check_int("sig_head_budgets", "div_shift", div_shift, 0, 16)
    bw = len(nv)
    for name, sig_ in (("ns", ns), ("min_blocks", min_blocks), ("maxb_eff", maxb_eff)):
        if len(sig_) != bw:
            raise ValueError(f"sig_head_budgets field '{name}' width = {len(sig_)} is not allowed: must be {bw}")
    CB = len(count) + 1
    bud_in = usig(CB)                          # (count >> div_shift) + 1 of the count arriving
    bud_v, bud_s = usig(CB), usig(CB)          # registered as each count arrives
    cmin, cmax = usig(CB), usig(CB)
    nv_c, ns_c = usig(bw), usig(bw)
    cx_co = usig(CB)
    maxb_r = usig(bw)                          # min(max_blocks, nb), registered
    zc1 = zext(count, cx_co)
    zmin = zext(min_blocks, cmin)
    zmax = zext(maxb_r, cmax)
    ds = div_shift

    @always_comb
    def budget_raw():
        bud_in.next = (cx_co >> ds) + 1

    @always(clk.posedge)
    def budget_regs():
        maxb_r.next = maxb_eff

    clamps = [_clamp(bud_v, cmin, cmax, maxb_r, min_blocks, nv_c), _clamp(bud_s, cmin, cmax, maxb_r, min_blocks, ns_c)]

    @always_seq(clk.posedge, reset=rst)
    def budget_load():
        if ld_v:
            bud_v.next = bud_in
        if ld_s:
            bud_s.next = bud_in
        if ld_n:
            if qa:
                nv.next = min_blocks
                ns.next = min_blocks
            else:
                nv.next = nv_c
                ns.next = ns_c

    return zc1, zmin, zmax, budget_raw, budget_regs, clamps, budget_load
