// Properties of mpu_mac_lane (rtl/mpu/mac_lane.py), injected into the converted module by
// fast_prefill.verify.formal. Parameters arrive as `FP_N, `FP_A_WIDTH, `FP_B_WIDTH, `FP_ACC_WIDTH.
//
// The operands a, b and the controls en, clr are free in every cycle (any values). A reference
// model keeps n accumulators of its own, updated from the operands sampled one edge earlier:
// acc[i] <= (clr ? 0 : acc[i]) + a[i] * b when en. Once the model's sums are defined (the first
// enabled clear: the lane's sums have no reset, like a DSP48E2's P register), every field of y
// equals the model's in every cycle, for all operand values: the product, its sign extension, the
// clear and the accumulation are exact.
`ifdef FORMAL
localparam integer F_N = `FP_N;
localparam integer F_AW = `FP_A_WIDTH;
localparam integer F_BW = `FP_B_WIDTH;
localparam integer F_A = `FP_ACC_WIDTH;

reg [F_N*F_AW-1:0] f_a1;
reg [F_BW-1:0] f_b1;
reg f_en1 = 1'b0, f_clr1 = 1'b0, f_def = 1'b0;
reg [F_N*F_A-1:0] f_acc;
integer f_i;
always @(posedge clk) begin
  f_a1 <= a; f_b1 <= b; f_en1 <= en; f_clr1 <= clr;
  if (f_en1) begin
    for (f_i = 0; f_i < F_N; f_i = f_i + 1)
      f_acc[f_i*F_A +: F_A] <= (f_clr1 ? $signed({F_A{1'b0}}) : $signed(f_acc[f_i*F_A +: F_A]))
                               + $signed({1'b0, f_a1[f_i*F_AW +: F_AW]}) * $signed(f_b1);
    if (f_clr1) f_def <= 1'b1;
  end
end

always @(*)
  if (f_def)
    for (f_i = 0; f_i < F_N; f_i = f_i + 1)
      assert(y[f_i*F_A +: F_A] == f_acc[f_i*F_A +: F_A]);

// Covers: a sum built from more than one product that is negative, and the largest product
// ((2^AW - 1) x -2^(BW-1)) accumulated twice.
always @(*)
  if (f_def) begin
    cover($signed(y[F_A-1:0]) < -(((1 << F_AW) - 1) << (F_BW - 1)));
    cover($signed(y[F_A-1:0]) == -2 * (((1 << F_AW) - 1) << (F_BW - 1)));
  end
`endif
