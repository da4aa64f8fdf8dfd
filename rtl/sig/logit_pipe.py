"""Pipelined block-mean logit: ``x = sat(rsr(a . b * mult, shift7 - LF), LW)``, one per cycle.

The same value as the combinational ``logit_unit`` (rtl/sig/decision.py) and the golden
``logits(a . b, mult, shift7 - 2 log2 B ...)``, with a register after every step so that each
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

from ..common.carry_select import carry_select_add
from ..common.params import int_checker
from .arith import _ext, _signed, sfield, ssig, usig

CS_MIN = 25          # sums of at least this many bits use carry_select_add (a plain 24-bit chain is 4.5 levels)
ROOT_LO = 17         # the low part of the root in the multiplication: one 18 x 27 signed DSP per partial product

_check = int_checker("logit_pipe")


def tree_stages(head_dim: int) -> int:
    return (head_dim - 1).bit_length()


def logit_latency(head_dim: int) -> int:
    """Edges from an input to its logit at ``x``."""
    return tree_stages(head_dim) + 6


@block
def _reg_sum(clk, a, b, s):
    """``s <=`` the signed sum ``a + b`` (``s`` wide enough), through a carry-select adder when wide."""
    w = len(s)
    ae, be = _ext(a, w, _signed(a)), _ext(b, w, _signed(b))
    if w < CS_MIN:
        @always(clk.posedge)
        def add():
            s.next = ae.signed() + be.signed()

        return add
    au, bu, u = usig(w), usig(w), usig(w)      # plain signals for the adder's ports

    @always_comb
    def operands():
        au.next = ae
        bu.next = be

    cs = carry_select_add(au, bu, u)

    @always(clk.posedge)
    def reg():
        s.next = u.signed()

    return operands, cs, reg


@block
def _reg_copy(clk, a, s):
    @always(clk.posedge)
    def reg():
        s.next = a

    return reg


@block
def _reg_mul(clk, a, b, p):
    """``p <= a * b`` (an unsigned operand is zero-extended)."""
    ae, be = _ext(a, len(p), _signed(a)), _ext(b, len(p), _signed(b))

    @always(clk.posedge)
    def mul():
        p.next = ae.signed() * be.signed()

    return mul


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
    XMIN, XMAX = -(1 << (LW - 1)), (1 << (LW - 1)) - 1
    insts = []

    # 1. products
    big = 1 << (EB - 1)
    level = []
    for d in range(D):
        aa, bb, pr = ssig(EB), ssig(EB), ssig(2 * EB)
        insts += [sfield(a_bus, aa, EB * d), sfield(b_bus, bb, EB * d), _reg_mul(clk, aa, bb, pr)]
        level.append((pr, -big * (big - 1), big * big))

    # 2. registered adder tree
    while len(level) > 1:
        nxt = []
        for k in range(0, len(level) - 1, 2):
            (a, alo, ahi), (b, blo, bhi) = level[k], level[k + 1]
            lo, hi = alo + blo, ahi + bhi
            s = ssig(max(lo.bit_length(), hi.bit_length()) + 1)
            insts.append(_reg_sum(clk, a, b, s))
            nxt.append((s, lo, hi))
        if len(level) % 2:
            a = level[-1][0]
            d = ssig(len(a))
            insts.append(_reg_copy(clk, a, d))
            nxt.append((d,) + level[-1][1:])
        level = nxt
    root = level[0][0]
    RW = len(root)

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
    t2 = usig(PRW)
    insts.append(_increment(t1u, t2u))

    @always_comb
    def t1_bits():
        t1u.next = t1[PRW:]

    @always(clk.posedge)
    def rnd():
        t2.next = t2u

    HI = PRW - LW                 # bits t2[PRW-1 : LW]: all equal to the sign when the result fits
    ones = (1 << HI) - 1

    @always(clk.posedge)
    def saturate():
        if not t2[PRW - 1] and t2[PRW:LW] != 0:
            x.next = XMAX
        elif t2[PRW - 1] and t2[PRW:LW] != ones:
            x.next = XMIN
        else:
            x.next = t2[LW + 1:1].signed()

    return insts, shift_amount, shift, t1_bits, rnd, saturate


@block
def _increment(a, s):
    """``s = (a + 1) mod 2^W`` in two halves: the high half takes its ``+ 1`` when the low half is all ones."""
    w = len(a)
    sp = (w + 1) // 2
    ones = (1 << sp) - 1
    lo = Signal(modbv(0)[sp:])
    hi1 = Signal(modbv(0)[w - sp:])

    @always_comb
    def halves():
        lo.next = a[sp:] + 1
        hi1.next = a[w:sp] + 1

    @always_comb
    def pick():
        if a[sp:] == ones:
            s.next = concat(hi1, lo)
        else:
            s.next = concat(a[w:sp], lo)

    return halves, pick
