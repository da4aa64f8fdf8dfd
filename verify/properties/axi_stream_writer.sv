// Properties of axi_stream_writer (rtl/axi/stream_writer.py), injected into the converted module.
// Parameters: `FP_BURST_BEATS, `FP_MAX_OUTSTANDING, `FP_DATA_WIDTH.
`ifdef FORMAL
localparam integer FV_BYTES = `FP_DATA_WIDTH / 8;
localparam integer FV_BURST_BYTES = `FP_BURST_BEATS * FV_BYTES;
`include "common.svh"
`FP_START_IN_RESET(rst)
wire fv_past = fp_past_valid;

// ---- Environment: command and data streams obey the rules; commands burst aligned.
always @(*) assume(s_cmd_addr % FV_BURST_BYTES == 0 && s_cmd_beats != 0);
`FP_ASSUME_STREAM(rst, s_cmd_valid, s_cmd_ready, {s_cmd_addr, s_cmd_beats})
`FP_ASSUME_STREAM(rst, s_valid, s_ready, s_data)
// The slave responds once per burst whose data is complete, with our ID, held until BREADY.
reg [4:0] fv_aw_open = 0;       // bursts whose address was accepted, no response yet
reg [4:0] fv_w_done = 0;        // bursts whose last W beat was accepted, no response yet
reg [8:0] fv_w_left = 0;        // W beats still owed to the oldest burst without all its data
wire fv_aw = m_axi_awvalid && m_axi_awready;
wire fv_w = m_axi_wvalid && m_axi_wready;
wire fv_b = m_axi_bvalid && m_axi_bready;
always @(posedge clk)
  if (rst) begin
    fv_aw_open <= 0; fv_w_done <= 0; fv_w_left <= 0;
  end else begin
    fv_aw_open <= fv_aw_open + fv_aw - fv_b;
    fv_w_done <= fv_w_done + (fv_w && m_axi_wlast) - fv_b;
    if (fv_aw) fv_w_left <= m_axi_awlen + 1;
    else if (fv_w) fv_w_left <= fv_w_left - 1;
  end
always @(*) begin
  if (fv_w_done == 0) assume(!m_axi_bvalid);
  assume(m_axi_bid == 0);
end

// ---- AW and W channels: held and stable until accepted.
`FP_ASSERT_STREAM(rst, m_axi_awvalid, m_axi_awready, {m_axi_awaddr, m_axi_awlen})
`FP_ASSERT_STREAM(rst, m_axi_wvalid, m_axi_wready, {m_axi_wdata, m_axi_wlast})
`FP_ASSERT_AXI_INCR_BURST(rst, m_axi_awvalid, m_axi_awaddr, m_axi_awlen, m_axi_awburst, `FP_BURST_BEATS, FV_BYTES)

always @(*)
  if (fv_past && !rst) begin
    if (m_axi_awvalid) assert(fv_w_left == 0);   // one burst's data at a time, after its address
    // W beats only for an accepted address, WLAST exactly on the burst's last beat.
    if (m_axi_wvalid) begin
      assert(fv_w_left != 0);
      assert(m_axi_wlast == (fv_w_left == 1));
    end
    assert(fv_w_left == (state == 2 ? burst_left : 0));
    assert(fv_aw_open <= `FP_MAX_OUTSTANDING && fv_w_done <= `FP_MAX_OUTSTANDING);
    if (state == 1 || state == 2) assert(next_addr % FV_BURST_BYTES == 0 || left == 0);
    if (state == 1 && !aw_valid) assert(left != 0);
    if (aw_valid) assert(burst_left == aw_len + 1 && pending_b < `FP_MAX_OUTSTANDING);
    if (aw_valid) assert(aw_addr % FV_BURST_BYTES == 0 && aw_len < `FP_BURST_BEATS);
    assert(fv_aw_open == pending_b);
    // Bursts whose address was accepted: all their data sent, except the one being written.
    assert(fv_w_done + (state == 2) == fv_aw_open);
    assert(state != 2 || burst_left != 0);
    assert(!aw_valid || state == 1);
    assert(state != 0 || pending_b == 0);
    assert(m_axi_bready);
    // done only once every response of the command is back.
    if (done_r) assert(fv_aw_open == 0);
  end

// ---- Covers: a command of two bursts completes; the outstanding limit is reached.
always @(posedge clk)
  if (fv_past && !rst) begin
    cover(done && $past(pending_b) != 0);
    cover(pending_b == `FP_MAX_OUTSTANDING);
  end
`endif
