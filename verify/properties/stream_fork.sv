// Properties of stream_fork (rtl/stream/fork.py), injected into the converted module.
`ifdef FORMAL
`include "common.svh"
`FP_START_IN_RESET(rst)
`FP_ASSUME_STREAM(rst, s_valid, s_ready, s_data)
// Both outputs obey the stream rules.
`FP_ASSERT_STREAM(rst, m_a_valid, m_a_ready, m_a_data)
`FP_ASSERT_STREAM(rst, m_b_valid, m_b_ready, m_b_data)
wire fv_past = fp_past_valid;

// Exactly once each, in order: count beats in and out on each side.
reg [3:0] fv_in = 0, fv_a = 0, fv_b = 0;
always @(posedge clk)
  if (rst) begin
    fv_in <= 0; fv_a <= 0; fv_b <= 0;
  end else begin
    fv_in <= fv_in + (s_valid && s_ready);
    fv_a <= fv_a + (m_a_valid && m_a_ready);
    fv_b <= fv_b + (m_b_valid && m_b_ready);
  end
always @(*)
  if (fv_past && !rst) begin
    // An output is at most the current (not yet released) beat ahead of the input count.
    assert(fv_a == fv_in + done_a);
    assert(fv_b == fv_in + done_b);
    if (done_a || done_b) assert(s_valid);
    // The beat an output takes is the input's current beat.
    if (m_a_valid) assert(m_a_data == s_data);
    if (m_b_valid) assert(m_b_data == s_data);
  end

// Covers: the two outputs take one beat in different cycles.
always @(posedge clk)
  if (fv_past && !rst) cover($past(done_a && !done_b) && s_valid && s_ready);
`endif
