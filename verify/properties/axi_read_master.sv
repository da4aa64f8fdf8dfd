// AXI4 read-master rules of kvc_axi_read_master (rtl/kvc/axi_read_master.py), injected into the
// converted module by fast_prefill.verify.formal. Parameters: `FP_MAX_OUTSTANDING, `FP_HALF_BEATS,
// `FP_BURST_BEATS. The slave side (ARREADY, R channel) is free within the AXI4 slave rules.
`ifdef FORMAL
localparam integer F_MAXO = `FP_MAX_OUTSTANDING;

`include "common.svh"
`FP_START_IN_RESET(rst)

// Command source keeps its beat while it waits; bases are constant during a head.
`FP_ASSUME_STREAM(rst, cmd_valid, cmd_ready, {cmd_line, cmd_block})
always @(posedge clk)
  if (f_past_valid && !$past(rst))
    assume(k_base == $past(k_base) && v_base == $past(v_base));

// Slave: an R beat only for a burst in flight (outstanding count of the property, not the design's).
`FP_ASSUME_AXI_R_IN_FLIGHT(rst, f_outs, 8, m_axi_arvalid, m_axi_arready, m_axi_rvalid, m_axi_rready, m_axi_rlast)
// RLAST on the last beat of each burst of `FP_BURST_BEATS beats.
reg [8:0] f_beat = 9'd0;
always @(posedge clk)
  if (rst) f_beat <= 0;
  else if (m_axi_rvalid && m_axi_rready) f_beat <= m_axi_rlast ? 9'd0 : f_beat + 1'b1;
always @(*) assume(!m_axi_rvalid || m_axi_rlast == (f_beat == `FP_BURST_BEATS - 1));
// RVALID held with stable payload until RREADY.
`FP_ASSUME_STREAM(rst, m_axi_rvalid, m_axi_rready, {m_axi_rdata, m_axi_rlast, m_axi_rresp, m_axi_rid})

// ARVALID held, AR fields stable until ARREADY.
`FP_ASSERT_STREAM(rst, m_axi_arvalid, m_axi_arready, {m_axi_araddr, m_axi_arlen, m_axi_arsize, m_axi_arburst, m_axi_arid})

always @(*)
  if (f_past_valid && !rst) begin
    // never more bursts in flight than configured; the design's count is the true one
    assert(f_outs <= F_MAXO);
    assert(outs == f_outs);
    assert(!arvalid || outs < F_MAXO);
    assert(!arvalid || busy);
    assert(beat == f_beat[$bits(beat)-1:0] && f_beat < `FP_BURST_BEATS);
    // RREADY exactly while a burst is in flight
    assert(m_axi_rready == (f_outs != 0));
    // INCR bursts of the configured length
    assert(m_axi_arburst == 2'b01 && m_axi_arlen == `FP_BURST_BEATS - 1);
  end

// Sticky error: once set it stays until reset; an error response always sets it.
always @(posedge clk)
  if (f_past_valid && !$past(rst) && !rst) begin
    if ($past(err)) assert(err);
    if ($past(m_axi_rvalid && m_axi_rready && m_axi_rresp != 0)) assert(err);
  end

always @(posedge clk)
  if (f_past_valid && !rst) begin
    cover(outs == F_MAXO);
    cover(fill_valid);
    cover(err);
  end
`endif
