// Properties of axi_stream_reader (rtl/axi/stream_reader.py), injected into the converted module.
// Parameters: `FP_BURST_BEATS, `FP_FIFO_DEPTH, `FP_MAX_OUTSTANDING, `FP_DATA_WIDTH.
`ifdef FORMAL
localparam integer FV_BYTES = `FP_DATA_WIDTH / 8;
localparam integer FV_BURST_BYTES = `FP_BURST_BEATS * FV_BYTES;
`include "common.svh"
`FP_START_IN_RESET(rst)
wire fv_past = fp_past_valid;

// ---- Environment: commands obey the stream rules, burst-aligned, at least one beat.
always @(*) assume(s_cmd_addr % FV_BURST_BYTES == 0 && s_cmd_beats != 0);
`FP_ASSUME_STREAM(rst, s_cmd_valid, s_cmd_ready, {s_cmd_addr, s_cmd_beats})
// The slave answers only bursts it accepted, RLAST on each burst's last beat, with our ID.
reg [15:0] fv_rx_pending = 0;          // beats of accepted bursts not yet returned
always @(posedge clk)
  if (rst) fv_rx_pending <= 0;
  else fv_rx_pending <= fv_rx_pending + ((m_axi_arvalid && m_axi_arready) ? m_axi_arlen + 1 : 0)
                                      - ((m_axi_rvalid && m_axi_rready) ? 1 : 0);
// Lengths of the bursts in flight, oldest first (the proof runs with max_outstanding = 2).
reg [8:0] fv_q0 = 0, fv_q1 = 0;
reg [8:0] fv_beat = 0;                 // beats of the oldest burst already returned
wire fv_ar = m_axi_arvalid && m_axi_arready;
wire fv_r = m_axi_rvalid && m_axi_rready;
wire fv_rl = fv_r && m_axi_rlast;
always @(posedge clk)
  if (rst) begin
    fv_q0 <= 0; fv_q1 <= 0; fv_beat <= 0;
  end else begin
    fv_beat <= fv_rl ? 0 : fv_beat + fv_r;
    case ({fv_ar, fv_rl})
      2'b10: if (fv_bursts == 0) fv_q0 <= m_axi_arlen + 1; else fv_q1 <= m_axi_arlen + 1;
      2'b01: begin fv_q0 <= fv_q1; fv_q1 <= 0; end
      2'b11: if (fv_bursts == 1) fv_q0 <= m_axi_arlen + 1; else begin fv_q0 <= fv_q1; fv_q1 <= m_axi_arlen + 1; end
      default: ;
    endcase
  end
always @(*) begin
  if (fv_rx_pending == 0) assume(!m_axi_rvalid);
  assume(m_axi_rid == 0);
  if (m_axi_rvalid) assume(m_axi_rlast == (fv_beat + 1 == fv_q0));
end
// RRESP is free: an error only sets the sticky flag.
wire [$clog2(`FP_FIFO_DEPTH)-1:0] fv_fifo_fill = stream_fifo0_wr_ptr - stream_fifo0_rd_ptr;
reg [4:0] fv_bursts = 0;               // bursts accepted whose RLAST has not returned
always @(posedge clk)
  if (rst) fv_bursts <= 0;
  else fv_bursts <= fv_bursts + (m_axi_arvalid && m_axi_arready) - (m_axi_rvalid && m_axi_rready && m_axi_rlast);

// ---- AR channel: held and stable until accepted, bursts within 4 KiB, INCR, outstanding limit.
`FP_ASSERT_STREAM(rst, m_axi_arvalid, m_axi_arready, {m_axi_araddr, m_axi_arlen})
`FP_ASSERT_AXI_INCR_BURST(rst, m_axi_arvalid, m_axi_araddr, m_axi_arlen, m_axi_arburst, `FP_BURST_BEATS, FV_BYTES)
always @(*)
  if (fv_past && !rst) begin
    assert(in_flight <= `FP_MAX_OUTSTANDING);
    // Bursts start on burst boundaries (commands are burst aligned; only the last burst is short).
    if (busy && req_left != 0) assert(next_addr % FV_BURST_BYTES == 0);
    // the registered next burst length is min(req_left, burst_beats)
    assert(next_len == (req_left < `FP_BURST_BEATS ? req_left : `FP_BURST_BEATS));
    if (ar_valid) assert(ar_addr % FV_BURST_BYTES == 0 && in_flight < `FP_MAX_OUTSTANDING);
    // RREADY whenever a burst is in flight: the R channel never stalls the interconnect.
    if (fv_rx_pending != 0) assert(m_axi_rready);
    // Credits: every FIFO slot promised is either filled or still to come on R.
    // (the burst issued at the last edge is in res_pend until the next edge, while its AR waits)
    assert(reserved + res_pend == stream_fifo0_count + fv_rx_pending + (ar_valid ? ar_len + 1 : 0));
    assert(reserved + res_pend <= `FP_FIFO_DEPTH);
    if (res_pend != 0) assert(ar_valid && res_pend == ar_len + 1);
    // The FIFO's own bookkeeping (as proved for stream_fifo) and the command's beat accounting.
    assert(stream_fifo0_count <= `FP_FIFO_DEPTH);
    assert(fv_fifo_fill == stream_fifo0_count[$clog2(`FP_FIFO_DEPTH)-1:0]);
    assert(out_left == stream_fifo0_count + fv_rx_pending + (ar_valid ? ar_len + 1 : 0) + req_left);
    assert(rx_left == fv_rx_pending + (ar_valid ? ar_len + 1 : 0) + req_left);
    if (!busy) assert(out_left == 0);
    assert(in_flight == fv_bursts);
    // The master's own beat bookkeeping agrees with the bursts it issued.
    assert(fv_bursts <= 2);
    if (fv_bursts == 0) assert(fv_rx_pending == 0 && fv_beat == 0);
    if (fv_bursts >= 1) assert(fv_q0 >= 1 && fv_q0 <= `FP_BURST_BEATS && fv_beat < fv_q0);
    if (fv_bursts == 2) assert(fv_q1 >= 1 && fv_q1 <= `FP_BURST_BEATS);
    if (fv_bursts == 1) assert(fv_rx_pending == fv_q0 - fv_beat);
    if (fv_bursts == 2) assert(fv_rx_pending == fv_q0 - fv_beat + fv_q1);
    // Only a command's last burst is short: nothing is requested after it.
    if (fv_bursts == 2) assert(fv_q0 == `FP_BURST_BEATS);
    if (fv_bursts == 1 && fv_q0 < `FP_BURST_BEATS) assert(req_left == 0 && !ar_valid);
    if (fv_bursts == 2 && fv_q1 < `FP_BURST_BEATS) assert(req_left == 0 && !ar_valid);
    if (ar_valid && ar_len + 1 < `FP_BURST_BEATS) assert(req_left == 0);
    assert(beat_in_burst == fv_beat);
    if (m_axi_rvalid) assert(expect_last == (fv_beat + 1 == fv_q0));
    // Hence a returned beat always finds room.
    if (m_axi_rvalid && m_axi_rready) assert(f_in_ready);
  end

// ---- Output stream rules.
`FP_ASSERT_STREAM(rst, m_valid, m_ready, {m_data, m_last})

// ---- Covers: a two-burst command delivered, outstanding limit reached.
always @(posedge clk)
  if (fv_past && !rst) begin
    cover(m_valid && m_ready && m_last);
    cover(in_flight == `FP_MAX_OUTSTANDING);
  end
`endif
