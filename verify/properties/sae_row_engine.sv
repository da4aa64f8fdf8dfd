// Properties of sae_row_engine (rtl/sae/row_engine.py), injected into the converted module by
// fast_prefill.verify.formal, for the proof job's parameters (rtl/sae/specs.py: B = 4, P = 2,
// R = 4): the internal names below are those of that conversion. Stage words (`_ctrl_pipeN_q`, in
// instantiation order): a1..a6 = 0..5 (QK side), b1..b4 = 6..9 ({v, j, tb, r, first, last, diag}),
// c1..c3 = 10..12 ({v, first, last, addr}), then the output flags o1..o5 = 13..17 and fifo_we (o6).
`ifdef FORMAL
localparam integer F_B = `FP_BLOCK_SIZE;
localparam integer F_P = `FP_ROWS;
localparam integer F_F = 16;          // the output FIFO's depth at these parameters (RowGeometry.fifo_depth)

`include "common.svh"
`FP_START_IN_RESET(rst)

// Input streams: the environment obeys the valid/ready rules.
`FP_ASSUME_STREAM(rst, s_cmd_valid, s_cmd_ready, s_cmd_data)
`FP_ASSUME_STREAM(rst, s_q_valid, s_q_ready, s_q_data)
`FP_ASSUME_STREAM(rst, s_blk_valid, s_blk_ready, s_blk_data)
`FP_ASSUME_STREAM(rst, s_kv_valid, s_kv_ready, s_kv_data)

// Output stream: valid stays high and data stable while stalled.
`FP_ASSERT_STREAM(rst, m_o_valid, m_o_ready, m_o_data)

// Rows reserved in the output FIFO and not yet written into it, from the pipeline's state: a
// last-block task's P rows while its P x V runs and while its last key is in b1..b4, then the
// drain's rows not yet past c0, one per valid last-block row in c1..c3 and in the output flags.
wire [7:0] f_b1 = _ctrl_pipe6_q, f_b2 = _ctrl_pipe7_q, f_b3 = _ctrl_pipe8_q, f_b4 = _ctrl_pipe9_q;
function automatic integer f_blast(input [7:0] w);   // the last key of a last-block task
  f_blast = (w[7] && w[6:5] == F_B - 1 && w[1]) ? F_P : 0;
endfunction
function automatic integer f_crow(input [4:0] w);
  f_crow = (w[4] && w[2]) ? 1 : 0;
endfunction
wire [7:0] f_pend = ((pv_run && pv_last) ? F_P : 0) + f_blast(f_b1) + f_blast(f_b2) + f_blast(f_b3) + f_blast(f_b4)
                    + ((dr_run && dr_last) ? F_P - dr_k : 0)
                    + f_crow(_ctrl_pipe10_q) + f_crow(_ctrl_pipe11_q) + f_crow(_ctrl_pipe12_q)
                    + _ctrl_pipe13_q + _ctrl_pipe14_q + _ctrl_pipe15_q + _ctrl_pipe16_q + _ctrl_pipe17_q + fifo_we;

// A key's stage words are one cycle apart: at most one last key of a task in b1..b4 (B >= 4),
// and none while the P x V side is on key j < 4 - stage... simply: the drain of a task has
// finished before the next task's last key reaches b4 (tasks are B >= P cycles apart).
always @(*)
  if (f_past_valid && !rst) begin
    assert(cred + fifo_count + f_pend == F_F);
    assert(fifo_count <= F_F);
    assert(((fifo_wr - fifo_rd) & (F_F - 1)) == (fifo_count & (F_F - 1)));
    if (fifo_we) assert(fifo_count < F_F || pop);
    assert(dr_k < F_P);
    // the b stages hold the keys the P x V side issued in the last cycles, in order
    if (f_b1[7] && f_b1[6:5] != 0) assert(f_b2[7] && f_b2[6:5] == f_b1[6:5] - 1);
    if (f_b2[7] && f_b2[6:5] != 0) assert(f_b3[7] && f_b3[6:5] == f_b2[6:5] - 1);
    if (f_b3[7] && f_b3[6:5] != 0) assert(f_b4[7] && f_b4[6:5] == f_b3[6:5] - 1);
    if (pv_run && pv_j != 0) assert(f_b1[7] && f_b1[6:5] == pv_j - 1 && f_b1[1] == pv_last);
    if (f_b1[7] && f_b1[6:5] != 0) assert(f_b2[1] == f_b1[1]);
    if (f_b2[7] && f_b2[6:5] != 0) assert(f_b3[1] == f_b2[1]);
    if (f_b3[7] && f_b3[6:5] != 0) assert(f_b4[1] == f_b3[1]);
    // a drain in progress has P - dr_k rows left, which end before the next task's last key
    // reaches b4: that key is at least B - 1 - (cycles left) behind
    if (dr_run) begin
      if (f_b4[7] && f_b4[6:5] == F_B - 1) assert(dr_k == F_P - 1);
      if (f_b3[7] && f_b3[6:5] == F_B - 1) assert(dr_k >= F_P - 2);
    end
  end

// Covers: a row job's last output row leaves, and output rows leave while the sink stalls at times.
reg [7:0] f_nout = 0;
always @(posedge clk)
  if (rst) f_nout <= 0;
  else if (m_o_valid && m_o_ready && f_nout != 8'hff) f_nout <= f_nout + 1;
always @(posedge clk)
  if (f_past_valid && !rst) begin
    cover(f_nout == 4 * `FP_GROUP);
    cover(f_nout >= 2 && m_o_valid && !m_o_ready);
  end
`endif
