// Properties of stream_skid_buffer (rtl/stream/skid_buffer.py), injected into the converted
// module by fast_prefill.verify.formal. Parameters arrive as `FP_WIDTH.
// Internal names (out_valid, out_data, skid_valid, skid_data) are those of the generated Verilog.
`ifdef FORMAL
`include "common.svh"
`FP_START_IN_RESET(rst)
`FP_ASSUME_STREAM(rst, s_valid, s_ready, s_data)
`FP_ASSERT_STREAM(rst, m_valid, m_ready, m_data)

// Structure: ready comes from the skid register; the skid is only used behind a full output.
wire [1:0] f_count = {1'b0, out_valid} + {1'b0, skid_valid};
wire f_push = s_valid && s_ready;
wire f_pop = m_valid && m_ready;
always @(*)
  if (f_past_valid) begin
    assert(s_ready == !skid_valid);
    assert(!skid_valid || out_valid);
  end

// Tracked symbolic beat: it leaves after exactly the beats ahead of it, unchanged.
`FP_TRACK_BEAT(rst, f_push, f_pop, s_data, `FP_WIDTH, 2, f_count)

always @(*)
  if (f_past_valid && f_tracking) begin
    assert(f_ahead < f_count);
    if (f_ahead == 0) assert(out_valid && out_data == f_value);
    if (f_ahead == 1) assert(skid_valid && skid_data == f_value);
  end

// Covers: both registers full; a beat passes while the sink stalls and is then released.
always @(posedge clk)
  if (f_past_valid && !rst) begin
    cover(skid_valid);
    cover(f_past_valid && $past(skid_valid) && !skid_valid && m_valid && m_ready);
  end
`endif
