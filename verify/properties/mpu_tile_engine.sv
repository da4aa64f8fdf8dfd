// Properties of mpu_tile_engine (rtl/mpu/tile_engine.py), injected into the converted module by
// fast_prefill.verify.formal. Parameters: `FP_K, `FP_DATA_WIDTH, `FP_ACC_WIDTH, `FP_DSP_COLS,
// `FP_LUT_COLS, `FP_FIFO_DEPTH. Internal names (loaded, wcol, occ, v0..v2, fifo_*) are
// those of the generated Verilog.
`ifdef FORMAL
localparam integer F_N = `FP_DSP_COLS + `FP_LUT_COLS;
localparam integer F_D = `FP_FIFO_DEPTH;
localparam integer F_AW = $clog2(`FP_FIFO_DEPTH);
localparam integer F_KW = `FP_K * `FP_DATA_WIDTH;

`include "common.svh"
`FP_START_IN_RESET(rst)

// Input streams: the environment obeys the valid/ready rules on s_w and s_x.
`FP_ASSUME_STREAM(rst, s_w_valid, s_w_ready, s_w_data)
`FP_ASSUME_STREAM(rst, s_x_valid, s_x_ready, s_x_data)

// Output stream: valid stays high and data stable while stalled.
`FP_ASSERT_STREAM(rst, m_valid, m_ready, m_data)

// Invariants: every accepted row is in the pipeline or in the FIFO; the FIFO never overflows, so
// the never-stalling pipeline cannot lose a beat; one input stream at a time.
wire [F_AW-1:0] f_fill = fifo_wr - fifo_rd;
always @(*)
  if (f_past_valid) begin
    assert(occ == v0 + v1 + v2 + fifo_count);
    assert(occ <= F_D);
    assert(fifo_count <= F_D);
    assert(f_fill == fifo_count[F_AW-1:0]);
    assert(m_valid == (fifo_count != 0));
    assert(!(v2 && fifo_count == F_D));
    assert(!(s_w_ready && s_x_ready));
    assert(s_w_ready == !loaded);
    assert(wcol < F_N);
    assert(!(s_x_ready && occ >= F_D));
  end

// Cover: a whole tile passes through: N weight beats, at least two rows (the last one marked),
// and every row's result has left.
reg [3:0] f_wbeats = 4'd0, f_rows = 4'd0, f_outs = 4'd0;
reg f_last_seen = 1'b0;
always @(posedge clk)
  if (rst) begin
    f_wbeats <= 4'd0; f_rows <= 4'd0; f_outs <= 4'd0; f_last_seen <= 1'b0;
  end else begin
    if (s_w_valid && s_w_ready && f_wbeats != 4'hf) f_wbeats <= f_wbeats + 4'd1;
    if (s_x_valid && s_x_ready && f_rows != 4'hf) f_rows <= f_rows + 4'd1;
    if (s_x_valid && s_x_ready && s_x_data[F_KW]) f_last_seen <= 1'b1;
    if (m_valid && m_ready && f_outs != 4'hf) f_outs <= f_outs + 4'd1;
  end

always @(*)
  if (f_past_valid && !rst) begin
    cover(f_wbeats == F_N && f_rows >= 4'd2 && f_last_seen && f_outs == f_rows && !m_valid);
    cover(f_last_seen && s_w_valid && s_w_ready);   // the next tile starts loading
  end
`endif
