// Properties of sae_engine (rtl/sae/engine.py), injected into the converted module by
// fast_prefill.verify.formal. Parameters arrive as `FP_BLOCK_SIZE, `FP_GROUP, `FP_RECIP_FRAC, ...
// Internal names (state, wcnt, gi, cnt, dcnt) are those of the generated Verilog; the state codes
// are MyHDL's binary enum encoding in declaration order (IDLE = 0 ... EMIT = 13).
`ifdef FORMAL
localparam integer F_B = `FP_BLOCK_SIZE;
localparam integer F_GB = `FP_GROUP * `FP_BLOCK_SIZE;
localparam integer F_R = `FP_RECIP_FRAC;
localparam [3:0] S_IDLE = 4'd0, S_QLOAD = 4'd1, S_BLK = 4'd2, S_KLOAD = 4'd3, S_VLOAD = 4'd4,
                 S_PASSA = 4'd5, S_ALPHA = 4'd6, S_SCALE = 4'd7, S_PASSB = 4'd8, S_WRITE = 4'd9,
                 S_OPREP = 4'd10, S_DIV = 4'd11, S_OMUL = 4'd12, S_EMIT = 4'd13;

`include "common.svh"
`FP_START_IN_RESET(rst)

// Input streams: the environment obeys the valid/ready rules.
`FP_ASSUME_STREAM(rst, s_cmd_valid, s_cmd_ready, s_cmd_data)
`FP_ASSUME_STREAM(rst, s_q_valid, s_q_ready, s_q_data)
`FP_ASSUME_STREAM(rst, s_blk_valid, s_blk_ready, s_blk_data)
`FP_ASSUME_STREAM(rst, s_kv_valid, s_kv_ready, s_kv_data)

// Output stream: valid stays high and data stable while stalled.
`FP_ASSERT_STREAM(rst, m_o_valid, m_o_ready, m_o_data)

// Beat bookkeeping: per row job one command, G*B query rows, 2B K/V rows after each list beat,
// G*B output rows; a beat moves only in its phase (nothing lost, nothing duplicated).
wire f_cmd = s_cmd_valid && s_cmd_ready;
wire f_q   = s_q_valid && s_q_ready;
wire f_blk = s_blk_valid && s_blk_ready;
wire f_kv  = s_kv_valid && s_kv_ready;
wire f_o   = m_o_valid && m_o_ready;
reg [15:0] f_nq = 0, f_nkv = 0, f_no = 0;
always @(posedge clk)
  if (rst) begin
    f_nq <= 0; f_nkv <= 0; f_no <= 0;
  end else begin
    if (f_cmd) begin f_nq <= 0; f_no <= 0; end
    else begin
      if (f_q) f_nq <= f_nq + 1;
      if (f_o) f_no <= f_no + 1;
    end
    if (f_blk) f_nkv <= 0;
    else if (f_kv) f_nkv <= f_nkv + 1;
  end

always @(*)
  if (f_past_valid && !rst) begin
    // handshakes belong to their phase
    assert(s_cmd_ready == (state == S_IDLE));
    assert(s_q_ready == (state == S_QLOAD));
    assert(s_blk_ready == (state == S_BLK));
    assert(s_kv_ready == (state == S_KLOAD || state == S_VLOAD));
    assert(m_o_valid == (state == S_EMIT));
    assert(state <= S_EMIT);
    // counters stay inside their phase's range
    if (state == S_QLOAD) assert(wcnt < F_GB);
    else if (state == S_KLOAD || state == S_VLOAD) assert(wcnt < F_B);
    else assert(wcnt == 0);
    if (state == S_PASSA) assert(cnt <= F_B + 3);
    else if (state == S_PASSB) assert(cnt <= F_B + 1);
    else assert(cnt == 0);
    if (state == S_DIV) assert(dcnt <= F_R);
    assert(gi < F_GB);
    // beat counts
    if (state == S_QLOAD) assert(f_nq == wcnt);
    else if (state != S_IDLE) assert(f_nq == F_GB);
    if (state == S_KLOAD) assert(f_nkv == wcnt);
    if (state == S_VLOAD) assert(f_nkv == F_B + wcnt);
    if (state >= S_PASSA && state <= S_EMIT) assert(f_nkv == 2 * F_B);
    if (state >= S_OPREP && state <= S_EMIT) assert(f_no == gi);
    else if (state != S_IDLE) assert(f_no == 0);
    if (state == S_IDLE && f_nq != 0) assert(f_no == F_GB);
  end

// Covers: a row job runs through (its last output row leaves), and a second command is taken.
reg f_job_done = 1'b0;
always @(posedge clk)
  if (rst) f_job_done <= 1'b0;
  else if (f_o && gi == F_GB - 1) f_job_done <= 1'b1;

always @(posedge clk)
  if (f_past_valid && !rst) begin
    cover(f_o && gi == F_GB - 1);
    cover(f_job_done && f_cmd);
  end
`endif
