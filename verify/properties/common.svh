// Macros shared by the property files (copied next to every proof by fast_prefill.verify.formal).
// Include once per property file: `include "common.svh"
`ifndef FP_COMMON_SVH
`define FP_COMMON_SVH

// fp_past_valid: low in the first cycle only. The run starts in reset (synchronous, active high).
`define FP_START_IN_RESET(rst) \
  reg fp_past_valid = 1'b0; \
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

`endif
