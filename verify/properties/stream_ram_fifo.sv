// Properties of stream_ram_fifo (rtl/stream/ram_fifo.py), injected into the converted module by
// fast_prefill.verify.formal. Parameters arrive as `FP_WIDTH and `FP_DEPTH.
// Internal names (wr_ptr, rd_ptr, ram_count, in_flight, out_count, out0, out1, push, pop, issue,
// rdata) are those of the generated Verilog; the RAM is the ram_deep instance ram_deep0, whose
// hand-written memory fifo_mem is ram_deep0_fifo_mem once the design is flattened for the proof.
`ifdef FORMAL
localparam integer F_DEPTH = `FP_DEPTH;
localparam integer F_AW = $clog2(`FP_DEPTH);

`include "common.svh"
`FP_START_IN_RESET(rst)
`FP_ASSUME_STREAM(rst, s_valid, s_ready, s_data)
`FP_ASSERT_STREAM(rst, m_valid, m_ready, m_data)

// Occupancy: ram_count matches the pointers and never overflows or underflows; the output
// registers and the read in flight never hold more than two beats; the handshakes follow.
wire [F_AW-1:0] f_fill = wr_ptr - rd_ptr;
wire [F_AW+2:0] f_total = ram_count + out_count + in_flight;   // beats in the FIFO
always @(*)
  if (f_past_valid) begin
    assert(ram_count <= F_DEPTH);
    assert(ram_full == (ram_count == F_DEPTH));
    assert(ram_has == (ram_count != 0));
    assert(f_fill == ram_count[F_AW-1:0]);
    assert(out_count + in_flight <= 2);
    assert(m_valid == (out_count != 0));
    assert(s_ready == (ram_count < F_DEPTH));
    assert(!(push && ram_count == F_DEPTH));
    assert(!(issue && ram_count == 0));
    assert(!(pop && out_count == 0));
  end

// Tracked symbolic beat: any accepted beat may be chosen (f_pick is free). f_ahead counts the
// beats in front of it: the first out_count are in the output registers (out0, out1), then the
// word in flight (rdata, when in_flight), then the RAM words from rd_ptr on. Wherever it is, it
// holds the value written, and it leaves exactly after the f_ahead beats in front of it, unchanged:
// nothing lost, duplicated or reordered.
`FP_TRACK_BEAT(rst, push, pop, s_data, `FP_WIDTH, F_AW + 3, f_total)
wire [F_AW+2:0] f_in_ram = f_ahead - out_count - in_flight;   // its place in the RAM, when there
wire [F_AW-1:0] f_addr = rd_ptr + f_in_ram[F_AW-1:0];

always @(*)
  if (f_past_valid && f_tracking) begin
    assert(f_ahead < f_total);
    if (f_ahead == 0 && out_count != 0) assert(m_valid && m_data == f_value);   // out0: it leaves next
    if (f_ahead == 1 && out_count == 2) assert(out1 == f_value);
    if (f_ahead == out_count && in_flight) assert(rdata == f_value);
    if (f_ahead >= out_count + in_flight) begin
      assert(f_in_ram < ram_count);
      assert(ram_deep0_fifo_mem[f_addr] == f_value);
    end
  end

// Covers: the RAM and both output registers fill up; the FIFO drains again after having been
// full; one beat in and one out in the same cycle with a read in flight (full throughput).
reg f_was_full = 1'b0;
always @(posedge clk)
  if (rst) f_was_full <= 1'b0;
  else if (ram_count == F_DEPTH && out_count == 2) f_was_full <= 1'b1;

always @(posedge clk)
  if (f_past_valid && !rst) begin
    cover(ram_count == F_DEPTH && out_count == 2);
    cover(f_was_full && f_total == 0);
    cover(push && pop && issue && in_flight);
  end
`endif
