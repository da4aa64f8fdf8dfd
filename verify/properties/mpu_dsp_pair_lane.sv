// Properties of mpu_dsp_pair_lane (rtl/mpu/dsp_pair_lane.py), injected into the converted module by
// fast_prefill.verify.formal. Parameters arrive as `FP_K, `FP_DATA_WIDTH and `FP_ACC_WIDTH.
//
// The operand vectors x, w0, w1 are free in every cycle (any values). Once the 2-cycle pipeline has
// filled, y0 and y1 equal the plain signed dot products x . w0 and x . w1 of the operands sampled
// two edges before, for every operand value: k packed multiplications, their splits with the
// correction terms and both adder trees are exact.
`ifdef FORMAL
localparam integer F_K = `FP_K;
localparam integer F_W = `FP_DATA_WIDTH;
localparam integer F_A = `FP_ACC_WIDTH;

reg [1:0] f_cycles = 2'd0;
always @(posedge clk) if (f_cycles != 2'd3) f_cycles <= f_cycles + 2'd1;

reg [F_K*F_W-1:0] f_x_1, f_x_2, f_w0_1, f_w0_2, f_w1_1, f_w1_2;
always @(posedge clk) begin
  f_x_1 <= x; f_x_2 <= f_x_1;
  f_w0_1 <= w0; f_w0_2 <= f_w0_1;
  f_w1_1 <= w1; f_w1_2 <= f_w1_1;
end

reg signed [F_A-1:0] f_e0, f_e1;
integer f_i;
always @(*) begin
  f_e0 = 0;
  f_e1 = 0;
  for (f_i = 0; f_i < F_K; f_i = f_i + 1) begin
    f_e0 = f_e0 + $signed(f_x_2[f_i*F_W +: F_W]) * $signed(f_w0_2[f_i*F_W +: F_W]);
    f_e1 = f_e1 + $signed(f_x_2[f_i*F_W +: F_W]) * $signed(f_w1_2[f_i*F_W +: F_W]);
  end
end

always @(*)
  if (f_cycles >= 2'd2) begin
    assert($signed(y0) == f_e0);
    assert($signed(y1) == f_e1);
  end

// Covers: a negative low product under a positive high one (the correction at work) and the
// extreme sum of y1 (every product -2^(W-1) x -2^(W-1)).
always @(*)
  if (f_cycles >= 2'd2) begin
    cover($signed(y0) < 0 && $signed(y1) > 0);
    cover($signed(y1) == F_K * (1 << (2 * F_W - 2)));
  end
`endif
