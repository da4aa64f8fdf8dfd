"""MAC lane (the MPU's PV lane kind): ``n`` multiply-accumulates that share one operand.

Computes, for ``i = 0 .. n-1``, ``y[i] <= (clr ? 0 : y[i]) + a[i] * b`` on every cycle with ``en``
(``y[i]`` holds otherwise): an outer product ``a b`` accumulated over time. In the attention engine
``a`` is the column of ``n`` probabilities ``e[p][j]`` of one key ``j`` (UQ1.P, unsigned, ``a_width =
P + 1`` bits) and ``b`` is element ``d`` of the value row ``v[j]`` (INT8): ``y[p]`` is then element
``d`` of ``sum_j e[p][j] * v[j]``, the P x V product of ``n`` query rows.

Why its own lane kind: the probability operand is ``P + 1 = 16`` bits, so two products sharing
``b`` cannot be packed into one DSP48E2 the way :mod:`dsp_pair_lane` packs two INT8 x INT8 products
(two 24-bit products need a 33-bit packed operand against the 27-bit port). Each MAC is one DSP48E2
instead: ``a`` on the 18-bit port (unsigned 16 bits), ``b`` on the 27-bit port and the running sum
in the 48-bit P register (``acc_width <= 48``).

Ports: ``clk``; ``a``: ``n`` unsigned fields, field ``i`` at bits ``[(i+1)*a_width-1 : i*a_width]``;
``b``: ``b_width`` bits, two's complement; ``en``, ``clr``: control, sampled with ``a`` and ``b``;
``y``: ``n`` fields of ``acc_width`` bits, two's complement, field ``i`` at ``[(i+1)*A-1 : i*A]``.
No reset, no handshake.

Latency: 2 cycles. Operands sampled at edge t: the product is registered at t (the DSP's M
register), added into ``y[i]`` at t+1 (the P register). One MAC per field per cycle, no stall. The
caller keeps ``acc_width`` large enough for its longest run of products (no overflow check here).
"""

from __future__ import annotations

from myhdl import ConcatSignal, Signal, always, always_comb, block, intbv

from ..common.params import int_checker
from ..common.signed import sext, sfield
from .parts import to_bus

LATENCY = 2


@block
def _mac(clk, a, b, en, clr, prod, acc):
    """One field: ``prod <= a * b``; ``acc <= (clr ? 0 : acc) + prod`` when ``en`` (delayed)."""
    pe = sext(prod, len(acc))

    @always(clk.posedge)
    def mac():
        prod.next = a * b
        if en:
            if clr:
                acc.next = pe.signed()
            else:
                acc.next = acc + pe.signed()

    return mac


@block
def _delay(clk, d, q):
    @always(clk.posedge)
    def step():
        q.next = d

    return step


@block
def _wire(d, q):
    @always_comb
    def wire():
        q.next = d

    return wire


def check_mac_params(n, a_width, b_width, acc_width) -> None:
    check = int_checker("mpu_mac_lane")
    check("n", n, 1, 256)
    check("a_width", a_width, 1, 26)
    check("b_width", b_width, 2, 26)
    check("acc_width", acc_width, a_width + b_width + 1, 48)


@block
def mpu_mac_lane(clk, a, b, en, clr, y, n=2, a_width=16, b_width=8, acc_width=32):
    check_mac_params(n, a_width, b_width, acc_width)
    for name, bus, want in (("a", a, n * a_width), ("b", b, b_width), ("y", y, n * acc_width)):
        if len(bus) != want:
            raise ValueError(f"mpu_mac_lane field '{name}' width = {len(bus)} is not allowed: must be {want}")
    plo, phi = -((1 << a_width) - 1) << (b_width - 1), ((1 << a_width) - 1) * ((1 << (b_width - 1)) - 1)
    pbits = a_width + b_width + 1
    en1, clr1 = Signal(bool(0)), Signal(bool(0))
    b_s = Signal(intbv(0, min=-(1 << (b_width - 1)), max=1 << (b_width - 1)))
    insts = [sfield(b, b_s, 0), _delay(clk, en, en1), _delay(clk, clr, clr1)]
    fields = []
    for i in range(n):
        a_i = a((i + 1) * a_width, i * a_width)
        a_s = Signal(intbv(0, min=0, max=1 << a_width))
        prod = Signal(intbv(0, min=-(1 << (pbits - 1)), max=1 << (pbits - 1)))
        assert plo >= prod.min and phi < prod.max
        acc = Signal(intbv(0, min=-(1 << (acc_width - 1)), max=1 << (acc_width - 1)))
        bits = Signal(intbv(0)[acc_width:])
        insts += [_wire(a_i, a_s), _mac(clk, a_s, b_s, en1, clr1, prod, acc), to_bus(acc, bits)]
        fields.append(bits)
    y_bus = ConcatSignal(*reversed(fields)) if n > 1 else fields[0]
    insts.append(_wire(y_bus, y))
    return insts
