// Macros shared by the property files (copied next to every proof by fast_prefill.verify.formal).
// Include once per property file: `include "common.svh"
`ifndef FP_COMMON_SVH
`define FP_COMMON_SVH

// fp_past_valid (and its alias f_past_valid): low in the first cycle only. The run starts in
// reset (synchronous, active high); later resets are free (rst is an unconstrained input).
`define FP_START_IN_RESET(rst) \
  reg fp_past_valid = 1'b0; \
  wire f_past_valid = fp_past_valid; \
  always @(posedge clk) fp_past_valid <= 1'b1; \
  always @(*) if (!fp_past_valid) assume(rst);

// An input stream obeys the valid/ready rules: once valid without ready, valid stays high and
// the payload stays unchanged until the beat moves.
`define FP_ASSUME_STREAM(rst, valid, ready, payload) \
  always @(posedge clk) \
    if (fp_past_valid && $past((valid) && !(ready) && !(rst))) begin \
      assume(valid); \
      assume((payload) == $past(payload)); \
    end

// An output stream obeys the same rules (asserted).
`define FP_ASSERT_STREAM(rst, valid, ready, payload) \
  always @(posedge clk) \
    if (fp_past_valid && $past((valid) && !(ready) && !(rst))) begin \
      assert(valid); \
      assert((payload) == $past(payload)); \
    end

// An AXI4 burst address channel (AR or AW) of a master: INCR bursts of at most max_beats beats
// that stay within one 4 KiB page (AMBA AXI4 A3.4.1); beat_bytes: bytes per data beat.
`define FP_ASSERT_AXI_INCR_BURST(rst, valid, addr, len, burst, max_beats, beat_bytes) \
  always @(*) \
    if (fp_past_valid && !(rst) && (valid)) begin \
      assert((burst) == 2'b01 && (len) < (max_beats)); \
      assert(((addr) % 4096) + ((len) + 1) * (beat_bytes) <= 4096); \
    end

// The slave of an AXI4 read master: an R beat only while a burst it accepted is in flight.
// name (bits wide) counts those bursts: accepted on AR, less RLAST beats taken.
`define FP_ASSUME_AXI_R_IN_FLIGHT(rst, name, bits, arvalid, arready, rvalid, rready, rlast) \
  reg [(bits)-1:0] name = 0; \
  always @(posedge clk) \
    if (rst) name <= 0; \
    else name <= name + ((arvalid) && (arready)) - ((rvalid) && (rready) && (rlast)); \
  always @(*) assume(!(rvalid) || name != 0);

// A tracked symbolic beat of a first-in first-out block: any accepted beat may be chosen (f_pick
// is free). f_ahead (ahead_bits wide) counts the beats in front of it, from total - pop at its
// push edge (total: the beats inside the block before that edge) down by one a pop; it leaves at
// the pop where f_ahead is 0. Declares f_pick, f_tracking, f_ahead, f_value (width bits); the
// including file asserts where the beat is held and that it leaves unchanged.
`define FP_TRACK_BEAT(rst, push, pop, data, width, ahead_bits, total) \
  (* anyseq *) wire f_pick; \
  reg f_tracking = 1'b0; \
  reg [(ahead_bits)-1:0] f_ahead; \
  reg [(width)-1:0] f_value; \
  always @(posedge clk) \
    if (rst) begin \
      f_tracking <= 1'b0; \
    end else if (!f_tracking) begin \
      if ((push) && f_pick) begin \
        f_tracking <= 1'b1; \
        f_value <= (data); \
        f_ahead <= (total) - (pop); \
      end \
    end else if (pop) begin \
      if (f_ahead == 0) f_tracking <= 1'b0; \
      else f_ahead <= f_ahead - 1'b1; \
    end

`endif
