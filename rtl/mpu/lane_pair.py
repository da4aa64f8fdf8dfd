"""Lane pair: a DSP lane and a bit-plane lane on the same operands (the equivalence proof's top).

Computes: ``y_dsp`` and ``y_lut``, the k-element dot product ``x . w`` of :mod:`dsp_lane` and of
:mod:`bitplane_lane`, both from the same ``x`` and ``w`` in the same cycle. With free inputs in
every cycle, ``verify/properties/mpu_lane_pair.sv`` proves ``y_dsp == y_lut`` once the pipelines
have filled (k-induction, for all operand values), which is the formal form of the contract
"DSP-lane and bit-plane-lane products are equal" (docs/design.md section 4).

Ports: ``clk``; ``x``, ``w`` packed as in the lanes; ``y_dsp``, ``y_lut`` (``acc_width`` bits).
Latency 2 cycles for both outputs, one result per cycle.
"""

from __future__ import annotations

from myhdl import block

from .bitplane_lane import mpu_bitplane_lane
from .dsp_lane import mpu_dsp_lane


@block
def mpu_lane_pair(clk, x, w, y_dsp, y_lut, k=2, data_width=8):
    dsp = mpu_dsp_lane(clk, x, w, y_dsp, k=k, data_width=data_width)
    lut = mpu_bitplane_lane(clk, x, w, y_lut, k=k, data_width=data_width)
    return dsp, lut
