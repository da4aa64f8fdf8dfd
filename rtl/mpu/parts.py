"""Small MyHDL building blocks shared by the MPU lanes (not registered on their own).

Every arithmetic node is its own tiny block whose ports are single signals with constant indices,
so the converted Verilog has no variable part-selects and no memories, and every intermediate has
an explicit width derived from its exact value range (docs/design.md section 5). Ranges are carried as
``(lo, hi)`` pairs (inclusive) next to the signals; :func:`sig` makes a signed signal that holds
exactly that range, and MyHDL's simulation raises if a value ever leaves it.
"""

from __future__ import annotations

from myhdl import ConcatSignal, Signal, always_comb, always_seq, block, concat, intbv

from ..common.params import check_int, check_pow2
from ..common.signed import sadd, sext


def sig(lo: int, hi: int) -> Signal:
    """A signed signal able to hold every integer in ``[lo, hi]`` (always at least one sign bit)."""
    bits = max((lo).bit_length(), (hi).bit_length()) + 1
    return Signal(intbv(0, min=-(1 << (bits - 1)), max=1 << (bits - 1)))


def srange(width: int) -> tuple[int, int]:
    """The value range of a ``width``-bit two's complement number."""
    return -(1 << (width - 1)), (1 << (width - 1)) - 1


def check_lane_params(name: str, k: int, data_width: int, acc_width: int) -> None:
    """Validate a lane's parameters with the project's error wording."""
    check_pow2(name, "k", k, 1, 256)
    check_int(name, "data_width", data_width, 2, 16)
    need = sum_width(k, data_width)
    if isinstance(acc_width, bool) or not isinstance(acc_width, int) or not need <= acc_width <= 64:
        raise ValueError(f"{name} field 'acc_width' = {acc_width!r} is not allowed: must be an integer in "
                         f"[{need}, 64] (a sum of {k} products of two signed {data_width}-bit operands)")


def dot_range(k: int, data_width: int) -> tuple[int, int]:
    """Exact range of a k-element dot product of signed ``data_width``-bit operands."""
    lo, hi = srange(data_width)
    return k * lo * hi, k * lo * lo


def sum_width(k: int, data_width: int) -> int:
    """Bits of the exact signed dot-product range: ``2*data_width + log2(k)``."""
    lo, hi = dot_range(k, data_width)
    return max(lo.bit_length(), hi.bit_length()) + 1


@block
def mul_reg(clk, a, b, p):
    """``p <= a * b``, signed: one DSP48E2 product with its M register (operands sign-extended to
    the product width; yosys ``wreduce`` narrows them back to ``W x W`` before DSP mapping)."""
    ae, be = sext(a, len(p)), sext(b, len(p))

    @always_seq(clk.posedge, reset=None)
    def product():
        p.next = ae.signed() * be.signed()

    return product


@block
def reg(clk, d, q):
    """``q <= d`` (no reset: datapath register). A narrower signed ``d`` is sign-extended; a wider
    one is cut to ``len(q)`` bits, which the caller uses only where the value provably fits (a
    register samples the settled value, never a delta-cycle glitch)."""
    n = len(q)
    if len(d) > n:
        @always_seq(clk.posedge, reset=None)
        def hold():
            q.next = d[n:].signed()
    else:
        de = sext(d, n)

        @always_seq(clk.posedge, reset=None)
        def hold():
            q.next = de.signed()

    return hold


@block
def and_plane(x, lo, w, bit, s):
    """``s = x[lo + W - 1 : lo] AND w[bit]``: the signed operand field of the packed ``x`` if the
    weight bit is set, else zero (an AND, no multiplier); ``W = len(s)``."""
    hi = lo + len(s)

    @always_comb
    def gate():
        if w[bit]:
            s.next = x[hi:lo].signed()
        else:
            s.next = 0

    return gate


@block
def shl(a, s, shift):
    """``s = a * 2**shift`` as a constant shift (a plane weight)."""
    ae = sext(a, len(s))

    @always_comb
    def scale():
        s.next = ae.signed() << shift

    return scale


@block
def neg_shl(a, s, shift):
    """``s = -(a * 2**shift)``: the sign plane's negative weight ``-2**(W-1)``."""
    ae = sext(a, len(s))

    @always_comb
    def scale():
        s.next = -(ae.signed() << shift)

    return scale


@block
def to_bus(a, bus):
    """``bus`` = two's complement bits of the signed ``a`` (same width)."""
    n = len(bus)

    @always_comb
    def bits():
        bus.next = a[n:]

    return bits


def pair_pack_range(data_width: int, shift: int) -> tuple[int, int]:
    """Range of the packed operand ``a1 * 2**shift + a0`` of two signed ``data_width``-bit values."""
    lo, hi = srange(data_width)
    return lo * (1 << shift) + lo, hi * (1 << shift) + hi


def pair_product_range(data_width: int, shift: int) -> tuple[int, int]:
    """Range of the packed operand times a signed ``data_width``-bit value (the one multiplication)."""
    lo, hi = srange(data_width)
    big = max(abs(x * y) for x in pair_pack_range(data_width, shift) for y in (lo, hi))
    return -big, big


@block
def pack_pair(a0, a1, a_pack, shift):
    """``a_pack = a1 * 2**shift + a0`` for signed ``a0``, ``a1`` of one width ``W``: the packed
    operand of a shared-operand product pair, as a concatenation without a wide adder:
    ``{a1 - a0[W-1], a0 sign-extended to shift bits}`` (a negative ``a0`` in the low field is
    ``a0 + 2**shift``, so the high field gives one back: a ``W + 1``-bit decrement).
    ``len(a_pack) == shift + W + 1``."""
    W = len(a0)
    if len(a_pack) != shift + W + 1:
        raise ValueError(f"pack_pair field 'a_pack' width = {len(a_pack)} is not allowed: must be shift + W + 1 = "
                         f"{shift + W + 1}")
    lo, hi = srange(W)
    top = Signal(intbv(0, min=lo - 1, max=hi + 1))     # a1 - (a0 < 0): W + 1 bits
    a1_ext = sext(a1, W + 1)
    a0_neg = ConcatSignal(intbv(0)[W:], a0(W - 1))      # a0's sign bit, zero-extended to W + 1 bits
    a0_low = sext(a0, shift)

    @always_comb
    def decrement():
        top.next = a1_ext.signed() - a0_neg.signed()

    @always_comb
    def pack_operands():
        a_pack.next = concat(top[W + 1:], a0_low).signed()

    return decrement, pack_operands


@block
def split_fields(prod, p0, high, corr, shift):
    """The fields of ``prod = (a1 * 2**shift + a0) * b``: ``p0 = a0 * b``, the low ``shift`` bits read
    as a signed number; ``high = prod >>> shift``, which is ``a1 * b`` when ``p0 >= 0`` and one less
    when ``p0 < 0`` (the negative low product borrowed from it); ``corr``, the correction term
    ``a1 * b - high``: the low field's sign bit, as a signed 0 or 1 (``corr`` two bits wide)."""
    S, n = shift, len(prod)

    @always_comb
    def split():
        p0.next = prod[S:].signed()
        high.next = prod[n:S].signed()
        corr.next = concat(False, prod[S - 1]).signed()

    return split


def high_field(prod, shift) -> Signal:
    """A signal for ``prod >>> shift`` (:func:`split_fields`)."""
    n = len(prod)
    return Signal(intbv(0, min=-(1 << (n - shift - 1)), max=1 << (n - shift - 1)))


def correction_bit() -> Signal:
    """A signal for a correction term of :func:`split_fields` (a signed 0 or 1)."""
    return Signal(intbv(0, min=-2, max=2))


@block
def split_pair(prod, p0, p1, shift):
    """Both products inside ``prod = (a1 * 2**shift + a0) * b``: ``p0 = a0 * b`` and ``p1 = a1 * b =
    (prod >>> shift) + prod[shift-1]`` (:func:`split_fields` and the correction added)."""
    high, corr = high_field(prod, shift), correction_bit()
    return split_fields(prod, p0, high, corr, shift), sadd(high, corr, p1)
