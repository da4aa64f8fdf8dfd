// Properties of top_row_control (rtl/top/row_control.py), injected into the converted module.
// Parameters: `FP_ROW_BITS, `FP_ADDR_BITS, `FP_Q_ROW_BYTES, `FP_O_ROW_BYTES, `FP_Q_BEATS, `FP_O_BEATS.
`ifdef FORMAL
`include "common.svh"
`FP_START_IN_RESET(rst)
wire fv_past = fp_past_valid;

// ---- Environment: the head parameters are held from the start edge while busy; nb fits the
// build (N = nb * B <= max_seq_len); the writer reports a command done only after it took it.
always @(*) assume(nb <= (1 << `FP_ROW_BITS));
always @(posedge clk)
  if (fv_past && !$past(rst) && busy_r)
    assume(nb == $past(nb) && q_base == $past(q_base) && o_base == $past(o_base)
           && mult == $past(mult) && shift == $past(shift));

// Independent counts of the handshakes of this head (cleared when a head starts).
reg [3:0] fv_cmd = 0, fv_q = 0, fv_o = 0, fv_done = 0;
wire fv_start = start && !busy_r;
always @(posedge clk)
  if (rst || fv_start) begin
    fv_cmd <= 0; fv_q <= 0; fv_o <= 0; fv_done <= 0;
  end else begin
    fv_cmd <= fv_cmd + (m_cmd_valid && m_cmd_ready);
    fv_q <= fv_q + (m_q_valid && m_q_ready);
    fv_o <= fv_o + (m_o_valid && m_o_ready);
    fv_done <= fv_done + (o_done && busy_r && !head_r);
  end
always @(*) if (!rst) assume(!o_done || fv_o > fv_done);

// ---- The three command streams obey the valid/ready rules.
`FP_ASSERT_STREAM(rst, m_cmd_valid, m_cmd_ready, m_cmd_data)
`FP_ASSERT_STREAM(rst, m_q_valid, m_q_ready, {m_q_addr, m_q_beats})
`FP_ASSERT_STREAM(rst, m_o_valid, m_o_ready, {m_o_addr, m_o_beats})

// ---- Command counts and contents: row r's commands carry row r and base + r * stride.
wire [`FP_ADDR_BITS-1:0] fv_qa = q_base + n_q * `FP_Q_ROW_BYTES;
wire [`FP_ADDR_BITS-1:0] fv_oa = o_base + n_o * `FP_O_ROW_BYTES;
always @(*)
  if (fv_past && !rst) begin
    // nothing is valid while idle or while the head's blocks are being reset
    if (m_cmd_valid || m_q_valid || m_o_valid) assert(busy && !head_rst);
    if (head_rst) assert(busy);
    if (done) assert(!busy);
    if (busy_r) begin
      assert(fv_cmd == n_cmd && fv_q == n_q && fv_o == n_o && fv_done == n_done);
      assert(n_cmd <= nb && n_q <= nb && n_o <= nb && n_done <= n_o);
      assert(q_addr == fv_qa && o_addr == fv_oa);
      if (head_r) assert(n_cmd == 0 && n_q == 0 && n_o == 0 && n_done == 0);
    end
    if (m_cmd_valid) assert(m_cmd_data == {n_cmd[`FP_ROW_BITS-1:0], shift, mult});
    if (m_q_valid) assert(m_q_beats == `FP_Q_BEATS);
    if (m_o_valid) assert(m_o_beats == `FP_O_BEATS);
  end

// busy falls only with done; a head starts only from idle, with the head reset pulse.
always @(posedge clk)
  if (fv_past && !$past(rst)) begin
    if ($past(busy) && !busy) assert(done);
    // done: exactly nb commands of each kind and nb write completions in this head (nb of the
    // head: it may change in the done cycle, when busy is already low)
    if (done) assert(fv_cmd == $past(nb) && fv_q == $past(nb) && fv_o == $past(nb) && fv_done == $past(nb));
    if (!$past(busy) && busy) assert(head_rst && $past(start));
    if (head_rst) assert(!$past(busy));
  end

// ---- Covers: heads complete (empty, two rows, four rows), and commands wait under back-pressure.
always @(posedge clk)
  if (fv_past && !rst) begin
    cover(done && $past(nb) == 0);
    cover(done && $past(nb) == 2);
    cover(done && $past(nb) == (1 << `FP_ROW_BITS));
    cover($past(m_o_valid && !m_o_ready) && m_o_valid && fv_o == 1);
  end
`endif
