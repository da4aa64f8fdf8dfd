"""Tile engine: a streaming signed GEMM tile, ``y = x @ B``, on DSP and bit-plane lanes.

Computes, for a stationary ``k x N`` tile ``B`` (``N = dsp_cols + lut_cols`` output columns) and
each streamed row vector ``x`` (``k`` elements), the row ``y = x @ B`` exactly: ``y[j] = sum_i
x[i] * B[i, j]`` in signed ``acc_width``-bit arithmetic (no overflow: ``acc_width >= 2*W +
log2(k)`` is enforced). Columns ``0 .. dsp_cols-1`` run on DSP48E2 multipliers, two columns to one
pair lane (:mod:`dsp_pair_lane`: the row element shared, ``k`` DSPs for two columns) when
``data_width <= 8``, an odd last one (or all, for wider data) on a DSP lane (:mod:`dsp_lane`);
columns ``dsp_cols .. N-1`` on bit-plane LUT lanes (:mod:`bitplane_lane`). All give identical
results.

Streams (valid/ready, AXI-Stream rules, back-pressure on every port):

``s_w``  the stationary tile, ``k*W`` bits a beat, one beat per output column ``j = 0 .. N-1``
         in order: element ``i`` of the beat is ``B[i, j]`` at bits ``[(i+1)*W-1 : i*W]``.
``s_x``  row vectors, ``k*W + 1`` bits: element ``i`` of ``x`` at bits ``[(i+1)*W-1 : i*W]``, and
         bit ``k*W`` is ``last``: this row is the last one for the current tile.
``m``    results, ``N*acc_width`` bits: ``y[j]`` at bits ``[(j+1)*A-1 : j*A]``, two's complement.

Protocol: after reset the engine accepts exactly ``N`` beats on ``s_w`` (``s_x_ready`` low), then
rows on ``s_x`` (``s_w_ready`` low) until a row with ``last`` set is accepted; then the next tile.
One output beat leaves per accepted row, in order.

Pipeline (latency): a row accepted at edge ``t`` is registered (stage 0), the lanes form products or
plane sums at ``t+1`` and the dot products at ``t+2``; the result enters the output FIFO at ``t+3``
and can leave at edge ``t+4`` (4 cycles). The pipeline never stalls: ``s_x_ready`` is given only
while the rows in flight plus those in the output FIFO (``occ``) are fewer than ``fifo_depth``, so
the output FIFO (the logic of ``rtl/stream/fifo.py``, inline so its state has stable names for
the proof) always has room and back-pressure on ``m`` stops the input
cleanly without losing a beat. With ``fifo_depth >= 5`` (default 8) and no back-pressure one row
enters and one result leaves every cycle: ``k*N`` MACs per cycle in steady state. A new tile's
first weight beat can be written in the cycle after the last row is accepted; that row's products
are formed in the same edge from the old weights, so tiles follow each other with no gap beyond
the ``N`` load beats.

Invariants (``verify/properties/mpu_tile_engine.sv``): ``occ == v0 + v1 + v2 + fifo_count <=
fifo_depth``; ``fifo_count == fifo_wr - fifo_rd`` (mod depth); ``s_w_ready`` and ``s_x_ready`` never both high; the output stream obeys the
valid/ready rules.
"""

from __future__ import annotations

from myhdl import ConcatSignal, Signal, always, always_comb, always_seq, block, intbv, modbv

from ..common.params import check_int
from .bitplane_lane import mpu_bitplane_lane
from .dsp_lane import LATENCY as LANE_LATENCY
from .dsp_lane import mpu_dsp_lane
from .dsp_pair import MAX_DATA_WIDTH as PAIR_MAX_DATA_WIDTH
from .dsp_pair_lane import LATENCY as PAIR_LANE_LATENCY
from .dsp_pair_lane import mpu_dsp_pair_lane
from .parts import check_lane_params

LATENCY = LANE_LATENCY + 2   # stage 0 input register + lanes + FIFO write; accepted at t, leaves at t+4
assert PAIR_LANE_LATENCY == LANE_LATENCY   # every column's result enters the FIFO in the same cycle


def _check(k, data_width, acc_width, dsp_cols, lut_cols, fifo_depth):
    check_lane_params("mpu_tile_engine", k, data_width, acc_width)
    for name, v in (("dsp_cols", dsp_cols), ("lut_cols", lut_cols)):
        check_int("mpu_tile_engine", name, v, 0, 4096)
    if dsp_cols + lut_cols < 1:
        raise ValueError(f"mpu_tile_engine field 'lut_cols' = {lut_cols!r} is not allowed: must be >= 1 when dsp_cols is 0")
    if isinstance(fifo_depth, bool) or not isinstance(fifo_depth, int) or fifo_depth < 2 or fifo_depth > 1024 \
            or fifo_depth & (fifo_depth - 1):
        raise ValueError(f"mpu_tile_engine field 'fifo_depth' = {fifo_depth!r} is not allowed: "
                         "must be a power of two in [2, 1024] (>= 8 for full throughput)")


def dsp_pair_columns(dsp_cols: int, data_width: int) -> int:
    """How many of the DSP columns run two to a pair lane (:mod:`dsp_pair_lane`: one DSP48E2 per
    element for two columns): all but an odd last one, when ``data_width`` fits the packing."""
    return dsp_cols - dsp_cols % 2 if data_width <= PAIR_MAX_DATA_WIDTH else 0


@block
def _column_write(clk, accept, wcol, col, d, q):
    """``q <= d`` when a weight beat is accepted for column ``col``."""

    @always(clk.posedge)
    def write():
        if accept and wcol == col:
            q.next = d

    return write


@block
def mpu_tile_engine(clk, rst, s_w, s_x, m, k=4, data_width=8, acc_width=24, dsp_cols=2, lut_cols=2,
                    fifo_depth=8):
    _check(k, data_width, acc_width, dsp_cols, lut_cols, fifo_depth)
    n = dsp_cols + lut_cols
    kw = k * data_width
    for name, bus, want in (("s_w_data", s_w.data, kw), ("s_x_data", s_x.data, kw + 1), ("m_data", m.data, n * acc_width)):
        if len(bus) != want:
            raise ValueError(f"mpu_tile_engine field '{name}' width = {len(bus)} is not allowed: must be {want}")

    loaded = Signal(bool(0))                       # a full tile is held: rows may enter
    wcol = Signal(intbv(0, min=0, max=n))          # next column to load
    occ = Signal(intbv(0, min=0, max=fifo_depth + 1))  # rows accepted and not yet output
    v0, v1, v2 = Signal(bool(0)), Signal(bool(0)), Signal(bool(0))
    acc_w = Signal(bool(0))
    acc_x = Signal(bool(0))
    pop = Signal(bool(0))
    x_reg = Signal(intbv(0)[kw:])
    weights = [Signal(intbv(0)[kw:]) for _ in range(n)]
    ys = [Signal(intbv(0)[acc_width:]) for _ in range(n)]
    ybus = ConcatSignal(*reversed(ys)) if n > 1 else ys[0]
    # Output FIFO (the logic of rtl/stream/fifo.py, written here so that its state has stable
    # top-level names for the proof: MyHDL names sub-instances by how many were built before).
    aw = fifo_depth.bit_length() - 1
    fifo_mem = [Signal(intbv(0)[n * acc_width:]) for _ in range(fifo_depth)]
    fifo_wr = Signal(modbv(0)[aw:])
    fifo_rd = Signal(modbv(0)[aw:])
    fifo_count = Signal(intbv(0, min=0, max=fifo_depth + 1))

    @always_comb
    def handshake():
        s_w.ready.next = not loaded
        s_x.ready.next = loaded and occ < fifo_depth
        acc_w.next = s_w.valid and not loaded
        acc_x.next = s_x.valid and loaded and occ < fifo_depth
        m.valid.next = fifo_count != 0
        pop.next = m.ready and fifo_count != 0

    @always_seq(clk.posedge, reset=rst)
    def control():
        if acc_w:
            if wcol == n - 1:
                wcol.next = 0
                loaded.next = True
            else:
                wcol.next = wcol + 1
        elif acc_x and s_x.data[kw]:
            loaded.next = False
        if acc_x and not pop:
            occ.next = occ + 1
        elif pop and not acc_x:
            occ.next = occ - 1
        v0.next = acc_x
        v1.next = v0
        v2.next = v1
        # v2 is the FIFO's push; it never finds the FIFO full because occ counts it.
        if v2:
            fifo_wr.next = fifo_wr + 1
        if pop:
            fifo_rd.next = fifo_rd + 1
        if v2 and not pop:
            fifo_count.next = fifo_count + 1
        elif pop and not v2:
            fifo_count.next = fifo_count - 1

    @always(clk.posedge)
    def stage0():
        if acc_x:
            x_reg.next = s_x.data[kw:]

    @always(clk.posedge)
    def fifo_write():
        if v2:
            fifo_mem[fifo_wr].next = ybus

    @always_comb
    def fifo_read():
        m.data.next = fifo_mem[fifo_rd]

    insts = [handshake, control, stage0, fifo_write, fifo_read]
    pairs = dsp_pair_columns(dsp_cols, data_width)
    for j in range(n):
        insts.append(_column_write(clk, acc_w, wcol, j, s_w.data, weights[j]))
    for j in range(0, pairs, 2):
        insts.append(mpu_dsp_pair_lane(clk, x_reg, weights[j], weights[j + 1], ys[j], ys[j + 1], k=k,
                                       data_width=data_width))
    for j in range(pairs, n):
        lane = mpu_dsp_lane if j < dsp_cols else mpu_bitplane_lane
        insts.append(lane(clk, x_reg, weights[j], ys[j], k=k, data_width=data_width))
    return insts
