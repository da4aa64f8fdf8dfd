// Properties of mpu_dsp_pair (rtl/mpu/dsp_pair.py), injected into the converted module by
// fast_prefill.verify.formal. Parameter: `FP_DATA_WIDTH.
//
// The operands a0, a1, b are free in every cycle (any values). Two cycles after they are sampled,
// p0 and p1 equal the two separate signed products a0 * b and a1 * b, for every operand value: the
// one packed multiplication, its split and its correction term are exact.
`ifdef FORMAL
localparam integer F_W = `FP_DATA_WIDTH;

reg [1:0] f_cycles = 2'd0;
always @(posedge clk) if (f_cycles != 2'd3) f_cycles <= f_cycles + 2'd1;

reg signed [F_W-1:0] f_a0_1, f_a0_2, f_a1_1, f_a1_2, f_b_1, f_b_2;
always @(posedge clk) begin
  f_a0_1 <= a0; f_a0_2 <= f_a0_1;
  f_a1_1 <= a1; f_a1_2 <= f_a1_1;
  f_b_1 <= b; f_b_2 <= f_b_1;
end
wire signed [2*F_W-1:0] f_e0 = f_a0_2 * f_b_2;
wire signed [2*F_W-1:0] f_e1 = f_a1_2 * f_b_2;

always @(*)
  if (f_cycles >= 2'd2) begin
    assert($signed(p0) == f_e0);
    assert($signed(p1) == f_e1);
  end

// Covers: a negative low product (the correction term at work) and both extremes.
always @(*)
  if (f_cycles >= 2'd2) begin
    cover($signed(p0) < 0 && $signed(p1) > 0);
    cover($signed(p1) == (1 << (2 * F_W - 2)) && $signed(p0) == -((1 << (F_W - 1)) * ((1 << (F_W - 1)) - 1)));
  end
`endif
