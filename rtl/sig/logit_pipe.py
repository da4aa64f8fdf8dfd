"""Pipelined block-mean logit: ``x = sat(rsr(a . b * mult, shift7 - LF), LW)``, one per cycle.

The golden ``logits(a . b, mult, shift7)`` (``sat(rsr(v mult, shift7 - LF), LW)``) as in the probe's lanes
(``rtl/sig/probe_lane.py``, one cycle there), with a register after every step so that each
stage is within the timing proxy's 6 logic levels at the U280 preset (docs/sig.md):

1. the D products ``a[d] b[d]`` (one DSP each);
2. the adder tree, one registered level per pair-wise addition (``ceil(log2 D)`` stages; an odd
   leftover waits one register); sums wider than 24 bits use ``carry_select_add``;
3. ``root * mult`` as two partial products (the low 17 bits of ``root`` unsigned, the rest signed;
   one DSP each);
4. their sum;
5. the arithmetic shift by ``shift7 - LF - 1``;
6. ``+ 1`` (the rounding half of ``rsr``);
7. ``>> 1`` and saturation to ``LW`` bits by testing the bits above the result.

Latency :func:`logit_latency` ``= ceil(log2 D) + 6`` edges (an input at edge ``c`` is at ``x``
after edge ``c + latency - 1``). No handshake and no reset: the caller carries a valid bit beside
the pipeline. ``mult`` and ``shift7`` must be stable from one edge before an input's edge until its
result (they are a head's constants): the shift amount is registered.
"""

from __future__ import annotations

from myhdl import Signal, always, always_comb, block, concat, modbv

from ..common.params import int_checker
from ..common.signed import sfield, ssig, usig
from ..mpu.dsp_pair import LATENCY as PAIR_LATENCY, MAX_DATA_WIDTH, mpu_dsp_pair
from .pipe_parts import _increment, _reg_copy, _reg_mul, _reg_sum

ROOT_LO = 17         # the low part of the root in the multiplication: one 18 x 27 signed DSP per partial product

_check = int_checker("logit_pipe")


def tree_stages(head_dim: int) -> int:
    return (head_dim - 1).bit_length()


def logit_latency(head_dim: int) -> int:
    """Edges from an input to its logit at ``x``."""
    return tree_stages(head_dim) + 6


@block
def logit_pipe(clk, a_bus, b_bus, mult, shift7, x, head_dim, elem_bits, mult_bits, logit_frac, logit_bits):
    """``a_bus``, ``b_bus``: D signed elements of ``elem_bits`` (element d at bits ``EB d``);
    ``mult`` unsigned ``mult_bits``; ``shift7`` 7 bits with ``shift7 - LF >= 1``; ``x`` signed ``LW``."""
    _check("head_dim", head_dim, 1, 256)
    _check("elem_bits", elem_bits, 2, 24)
    _check("mult_bits", mult_bits, 4, 24)
    _check("logit_frac", logit_frac, 1, 12)
    _check("logit_bits", logit_bits, 12, 32)
    D, EB, LF, LW = head_dim, elem_bits, logit_frac, logit_bits
    for name, sig, width in (("a_bus", a_bus, D * EB), ("b_bus", b_bus, D * EB), ("mult", mult, mult_bits),
                             ("shift7", shift7, 7), ("x", x, LW)):
        if len(sig) != width:
            raise ValueError(f"logit_pipe field '{name}' width = {len(sig)} is not allowed: must be {width}")
    insts = []

    # 1. products
    prods = []
    for d in range(D):
        aa, bb, pr = ssig(EB), ssig(EB), ssig(2 * EB)
        insts += [sfield(a_bus, aa, EB * d), sfield(b_bus, bb, EB * d), _reg_mul(clk, aa, bb, pr)]
        prods.append(pr)
    root, ops = _tree(prods, EB)
    for op in ops:
        insts.append(_reg_sum(clk, *op) if len(op) == 3 else _reg_copy(clk, *op))
    insts.append(_logit_tail(clk, root, mult, shift7, x, mult_bits, LF, LW))
    return insts


#: edges the paired pipeline (:func:`logit_pipe_pair`) takes beyond :func:`logit_latency`
PAIR_EXTRA = PAIR_LATENCY - 1


@block
def logit_pipe_pair(clk, a0_bus, a1_bus, b_bus, mult, shift7, x0, x1, head_dim, elem_bits, mult_bits, logit_frac,
                    logit_bits):
    """Two :func:`logit_pipe` results that share ``b_bus`` (two probe rows scored against one key):
    ``x0`` of ``a0_bus . b_bus``, ``x1`` of ``a1_bus . b_bus``, each element pair's two products
    from one multiplier (``rtl/mpu/dsp_pair.py``: one DSP48E2 for two INT8 products, proved exact),
    so the D products of both cost D multipliers. Latency ``logit_latency(head_dim) + PAIR_EXTRA``
    (the pair's split and correction take one register more than a plain product)."""
    _check("head_dim", head_dim, 1, 256)
    _check("elem_bits", elem_bits, 2, MAX_DATA_WIDTH)
    _check("mult_bits", mult_bits, 4, 24)
    _check("logit_frac", logit_frac, 1, 12)
    _check("logit_bits", logit_bits, 12, 32)
    D, EB, LF, LW = head_dim, elem_bits, logit_frac, logit_bits
    for name, sig, width in (("a0_bus", a0_bus, D * EB), ("a1_bus", a1_bus, D * EB), ("b_bus", b_bus, D * EB),
                             ("mult", mult, mult_bits), ("shift7", shift7, 7), ("x0", x0, LW), ("x1", x1, LW)):
        if len(sig) != width:
            raise ValueError(f"logit_pipe_pair field '{name}' width = {len(sig)} is not allowed: must be {width}")
    insts = []
    prods0, prods1 = [], []
    for d in range(D):
        a0, a1, bb = ssig(EB), ssig(EB), ssig(EB)
        p0b, p1b = usig(2 * EB), usig(2 * EB)
        p0, p1 = ssig(2 * EB), ssig(2 * EB)
        insts += [sfield(a0_bus, a0, EB * d), sfield(a1_bus, a1, EB * d), sfield(b_bus, bb, EB * d),
                  mpu_dsp_pair(clk, a0, a1, bb, p0b, p1b, data_width=EB), sfield(p0b, p0, 0), sfield(p1b, p1, 0)]
        prods0.append(p0)
        prods1.append(p1)
    for prods, x in ((prods0, x0), (prods1, x1)):
        root, ops = _tree(prods, EB)
        for op in ops:
            insts.append(_reg_sum(clk, *op) if len(op) == 3 else _reg_copy(clk, *op))
        insts.append(_logit_tail(clk, root, mult, shift7, x, mult_bits, LF, LW))
    return insts


def _tree(prods, elem_bits):
    """The registered adder tree over the D products (each in ``[-2^(EB-1) (2^(EB-1) - 1), 2^(2 EB - 2)]``):
    ``ceil(log2 D)`` stages, an odd leftover waits one register. Returns ``(root, ops)``: the caller
    instantiates each op, ``(a, b, s)`` as ``_reg_sum`` and ``(a, d)`` as ``_reg_copy``."""
    big = 1 << (elem_bits - 1)
    level = [(pr, -big * (big - 1), big * big) for pr in prods]
    ops = []
    while len(level) > 1:
        nxt = []
        for k in range(0, len(level) - 1, 2):
            (a, alo, ahi), (b, blo, bhi) = level[k], level[k + 1]
            lo, hi = alo + blo, ahi + bhi
            s = ssig(max(lo.bit_length(), hi.bit_length()) + 1)
            ops.append((a, b, s))
            nxt.append((s, lo, hi))
        if len(level) % 2:
            a = level[-1][0]
            d = ssig(len(a))
            ops.append((a, d))
            nxt.append((d,) + level[-1][1:])
        level = nxt
    return level[0][0], ops


@block
def _logit_tail(clk, root, mult, shift7, x, mult_bits, LF, LW):
    """Stages 3 to 7 of :func:`logit_pipe` on the tree's ``root``: ``x = sat(rsr(root mult, shift7 - LF), LW)``."""
    XMIN, XMAX = -(1 << (LW - 1)), (1 << (LW - 1)) - 1
    RW = len(root)
    insts = []

    # 3. root * mult as two partial products, 4. their sum
    PRW = RW + mult_bits + 2
    prod = ssig(PRW)
    if RW <= ROOT_LO + 1:
        insts.append(_reg_mul(clk, root, mult, prod))
        prod1 = ssig(PRW)
        insts.append(_reg_copy(clk, prod, prod1))
    else:
        RL = ROOT_LO
        r_lo, r_hi = usig(RL), ssig(RW - RL)
        insts += [sfield(root, r_hi, RL)]

        @always_comb
        def root_lo():
            r_lo.next = root[RL:]

        insts.append(root_lo)
        p_lo, p_hi = usig(RL + mult_bits), ssig(RW - RL + mult_bits + 1)
        insts += [_reg_mul(clk, r_lo, mult, p_lo), _reg_mul(clk, r_hi, mult, p_hi)]
        p_carry = usig(mult_bits)        # the low product's bits above RL
        hi_sum = ssig(PRW - RL)
        low_r = usig(RL)

        @always_comb
        def lo_split():
            p_carry.next = p_lo[RL + mult_bits:RL]

        insts += [lo_split, _reg_sum(clk, p_hi, p_carry, hi_sum)]

        @always(clk.posedge)
        def low_bits():
            low_r.next = p_lo[RL:]

        prod1 = ssig(PRW)

        @always_comb
        def join():
            prod1.next = concat(hi_sum[PRW - RL:], low_r).signed()

        insts += [low_bits, join]

    # 5. shift by shift7 - LF - 1 (registered: shift7 is a head constant)
    km1 = Signal(modbv(0)[7:])
    t1 = ssig(PRW)

    @always(clk.posedge)
    def shift_amount():
        km1.next = shift7 - (LF + 1)

    @always(clk.posedge)
    def shift():
        t1.next = prod1 >> km1

    # 6. + 1, 7. >> 1 and saturate
    t1u = usig(PRW)
    t2u = usig(PRW)
    t2_rnd = usig(PRW)
    insts.append(_increment(t1u, t2u))

    @always_comb
    def t1_bits():
        t1u.next = t1[PRW:]

    @always(clk.posedge)
    def rnd():
        t2_rnd.next = t2u

    # bits t2_rnd[PRW-1 : LW] all equal the sign when the result fits; ``t2n_hi`` tests the all-ones case
    t2n_hi = usig(PRW - LW)

    @always_comb
    def t2_inverse():
        t2n_hi.next = ~t2_rnd[PRW:LW]

    @always(clk.posedge)
    def saturate():
        if not t2_rnd[PRW - 1] and t2_rnd[PRW:LW] != 0:
            x.next = XMAX
        elif t2_rnd[PRW - 1] and t2n_hi != 0:
            x.next = XMIN
        else:
            x.next = t2_rnd[LW + 1:1].signed()

    return insts, shift_amount, shift, t1_bits, rnd, t2_inverse, saturate
