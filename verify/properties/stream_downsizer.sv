// Properties of stream_downsizer (rtl/stream/downsizer.py), injected into the converted module.
// Parameters: `FP_WIDTH (output width), `FP_RATIO.
`ifdef FORMAL
localparam integer FV_W = `FP_WIDTH;
localparam integer FV_R = `FP_RATIO;
`include "common.svh"
`FP_START_IN_RESET(rst)
`FP_ASSUME_STREAM(rst, s_valid, s_ready, s_data)
`FP_ASSERT_STREAM(rst, m_valid, m_ready, m_data)
wire fv_past = fp_past_valid;

// Tracked input beat: it leaves as its FV_R slices, in order, right after the beat before it.
(* anyseq *) wire fv_pick;
reg fv_track = 0;
reg [FV_W*FV_R-1:0] fv_value;
reg [7:0] fv_next;     // next slice of the tracked beat to leave
always @(posedge clk)
  if (rst) fv_track <= 0;
  else if (!fv_track && s_valid && s_ready && fv_pick) begin
    fv_track <= 1; fv_value <= s_data; fv_next <= 0;
  end else if (fv_track && full && idx == fv_next && m_ready && held == (fv_value >> (FV_W * fv_next))) begin
    if (fv_next == FV_R - 1) fv_track <= 0;
    else fv_next <= fv_next + 1;
  end
always @(*)
  if (fv_past && !rst) begin
    assert(idx < FV_R);
    if (fv_track) begin
      // The tracked beat is the one held: the slice on the output is the expected one.
      assert(full && idx == fv_next);
      assert(held == (fv_value >> (FV_W * fv_next)));
      assert(m_data == fv_value[FV_W*fv_next +: FV_W]);
    end
  end

always @(posedge clk)
  if (fv_past && !rst) cover(fv_track && fv_next == FV_R - 1 && m_ready);
`endif
