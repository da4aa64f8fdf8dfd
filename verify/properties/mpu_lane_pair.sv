// Properties of mpu_lane_pair (rtl/mpu/lane_pair.py), injected into the converted module by
// fast_prefill.verify.formal. Parameters arrive as `FP_K, `FP_DATA_WIDTH and `FP_ACC_WIDTH.
//
// The inputs x and w are free in every cycle (any operand values). Once both 2-cycle pipelines
// have filled, the bit-plane lane (AND + adder trees, no multiplier) equals the DSP lane (the plain
// signed products `*`): for every operand value, in every cycle.
`ifdef FORMAL
localparam integer F_K = `FP_K;
localparam integer F_W = `FP_DATA_WIDTH;
localparam integer F_A = `FP_ACC_WIDTH;

reg [1:0] f_cycles = 2'd0;
always @(posedge clk) if (f_cycles != 2'd3) f_cycles <= f_cycles + 2'd1;

always @(*)
  if (f_cycles >= 2'd2) begin
    assert(y_lut == y_dsp);
  end

// Covers: the extremes reach the outputs (k products of -2^(W-1) x -2^(W-1), and the minimum).
always @(*)
  if (f_cycles >= 2'd2) begin
    cover($signed(y_lut) == F_K * (1 << (2 * F_W - 2)));
    cover($signed(y_lut) == -F_K * (1 << (F_W - 1)) * ((1 << (F_W - 1)) - 1));
  end
`endif
