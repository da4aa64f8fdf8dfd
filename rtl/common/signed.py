"""Small combinational arithmetic blocks with explicit widths everywhere (the SIG and MPU datapaths).

Every operand is extended to the result width by an explicit concatenation before the operation
(docs/design.md section 5: MyHDL computes on unbounded integers, Verilog on context-sized ones, and
``verilator -Wall`` wants equal widths), so the MyHDL model and the converted Verilog agree bit for
bit. Signed signals are ``intbv`` with ``min < 0``.
"""

from __future__ import annotations

from myhdl import ConcatSignal, Signal, always_comb, block, intbv


def ssig(bits: int) -> Signal:
    """A signed ``bits``-bit signal."""
    return Signal(intbv(0, min=-(1 << (bits - 1)), max=1 << (bits - 1)))


def usig(bits: int, val: int = 0) -> Signal:
    return Signal(intbv(val)[bits:])


def extend(a, n: int, signed: bool):
    """``a`` extended to ``n`` bits (sign bit repeated when ``signed``, zeros otherwise), as a shadow
    signal (a concatenation of slices of ``a``: every part updates in the same delta, so the value
    is never a mix of old and new bits); read a signed one with ``.signed()``."""
    m = len(a)
    if n < m:
        raise ValueError(f"extension field 'n' = {n} is not allowed: must be >= the operand width {m}")
    # a one-bit operand is used whole: its slice a(1, 0) converts to an index chain Icarus refuses
    whole = a if m == 1 else a(m, 0)
    if n == m:
        return whole
    if not signed:
        return ConcatSignal(intbv(0)[n - m:], whole)
    return ConcatSignal(*[a(m - 1)] * (n - m), whole)


def sext(a, n: int):
    """``a`` sign-extended to ``n`` bits (:func:`extend`)."""
    return extend(a, n, True)


def is_signed(a) -> bool:
    """Whether ``a`` holds a two's complement value (an ``intbv`` with a negative ``min``)."""
    return a.min is not None and a.min < 0


@block
def sfield(bus, out, lo):
    """``out`` = the two's complement field ``bus[lo + len(out) - 1 : lo]``."""
    hi = lo + len(out)

    @always_comb
    def field():
        out.next = bus[hi:lo].signed()

    return field


@block
def sadd(a, b, s):
    """``s = a + b``, signed (``s`` wide enough)."""
    ae, be = extend(a, len(s), is_signed(a)), extend(b, len(s), is_signed(b))

    @always_comb
    def node():
        s.next = ae.signed() + be.signed()

    return node


@block
def ssub(a, b, s):
    """``s = a - b``, signed (``s`` wide enough)."""
    ae, be = extend(a, len(s), is_signed(a)), extend(b, len(s), is_signed(b))

    @always_comb
    def node():
        s.next = ae.signed() - be.signed()

    return node


@block
def smul(a, b, p):
    """``p = a * b``, signed operands (an unsigned operand is zero-extended), ``p`` wide enough."""
    ae, be = extend(a, len(p), is_signed(a)), extend(b, len(p), is_signed(b))

    @always_comb
    def node():
        p.next = ae.signed() * be.signed()

    return node


@block
def umul(a, b, p):
    """``p = a * b``, unsigned."""
    ae, be = extend(a, len(p), False), extend(b, len(p), False)

    @always_comb
    def node():
        p.next = ae * be

    return node


@block
def uadd(a, b, s):
    """``s = a + b``, unsigned."""
    ae, be = extend(a, len(s), False), extend(b, len(s), False)

    @always_comb
    def node():
        s.next = ae + be

    return node


@block
def zext(a, s):
    """``s = a`` zero-extended."""
    ae = extend(a, len(s), False)

    @always_comb
    def node():
        s.next = ae

    return node


def adder_tree(leaves, nodes):
    """Pairwise adder tree over ``(signal, lo, hi)`` leaves; appends ``(a, b, sum)`` to ``nodes``.

    The calling block instantiates ``sadd(a, b, sum)`` for every node itself (MyHDL requires
    sub-blocks to be created in the body of the block that returns them). Every node gets the width
    of the interval of its children's sums (MyHDL's simulation checks it, also in delta cycles where
    one child is already new and the other still old). Returns ``(root, lo, hi)``."""
    level = list(leaves)
    while len(level) > 1:
        nxt = []
        for k in range(0, len(level) - 1, 2):
            (a, alo, ahi), (b, blo, bhi) = level[k], level[k + 1]
            lo, hi = alo + blo, ahi + bhi
            bits = max(lo.bit_length(), hi.bit_length()) + 1
            s = ssig(bits)
            nodes.append((a, b, s))
            nxt.append((s, lo, hi))
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0]
