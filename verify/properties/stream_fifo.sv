// Properties of stream_fifo (rtl/stream/fifo.py), injected into the converted module by
// fast_prefill.verify.formal. Parameters arrive as `FP_WIDTH and `FP_DEPTH.
// Internal names (count, wr_ptr, rd_ptr, mem, push, pop) are those of the generated Verilog.
`ifdef FORMAL
localparam integer F_DEPTH = `FP_DEPTH;
localparam integer F_AW = $clog2(`FP_DEPTH);

`include "common.svh"
`FP_START_IN_RESET(rst)
`FP_ASSUME_STREAM(rst, s_valid, s_ready, s_data)
`FP_ASSERT_STREAM(rst, m_valid, m_ready, m_data)

// Occupancy: count matches the pointers, never overflows or underflows, drives the handshakes.
wire [F_AW-1:0] f_fill = wr_ptr - rd_ptr;
always @(*)
  if (f_past_valid) begin
    assert(count <= F_DEPTH);
    assert(f_fill == count[F_AW-1:0]);
    assert(s_ready == (count < F_DEPTH));
    assert(m_valid == (count != 0));
    assert(!(push && count == F_DEPTH));
    assert(!(pop && count == 0));
  end

// Tracked symbolic beat: any accepted beat may be chosen (f_pick is free). It must leave exactly
// after the f_ahead beats that were in front of it, unchanged: nothing lost, duplicated or reordered.
`FP_TRACK_BEAT(rst, push, pop, s_data, `FP_WIDTH, F_AW + 1, count)
wire [F_AW-1:0] f_addr = rd_ptr + f_ahead[F_AW-1:0];

always @(*)
  if (f_past_valid && f_tracking) begin
    assert(f_ahead < count);
    assert(mem[f_addr] == f_value);
    if (f_ahead == 0) assert(m_valid && m_data == f_value);
  end

// Covers: the FIFO fills up, and drains again after having been full.
reg f_was_full = 1'b0;
always @(posedge clk)
  if (rst) f_was_full <= 1'b0;
  else if (count == F_DEPTH) f_was_full <= 1'b1;

always @(posedge clk)
  if (f_past_valid && !rst) begin
    cover(count == F_DEPTH);
    cover(f_was_full && count == 0);
  end
`endif
