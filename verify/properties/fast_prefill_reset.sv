// Reset rules on every AXI port of the kernel top level fast_prefill (rtl/top/fast_prefill.py),
// injected into the converted top by fast_prefill.verify.formal. The SIG head, the attention path and
// the two read muxes are black boxes (their outputs are free: cutpoint); the control slave
// axil_control is kept, so that its responses can be tied to the host's requests.
//
// ap_rst_n is a free input (AMBA AXI4 A3.1.2: sampled at the rising edge of ap_clk, active low):
// 1. every VALID output is low in the cycle after ap_rst_n is sampled low;
// 2. every VALID and READY output is low while the logic is still in its synchronised reset
//    (the two cycles after ap_rst_n is sampled high again), so no handshake is taken then;
// 3. every s_axi_control address handshake is answered: per channel, the requests accepted since
//    the last reset minus the responses given equal the control slave's pending response, and a
//    pending response is shown on the port (RVALID / BVALID high) whenever reset is not pending.
// Internal names: axil_control0_{aw_hold, w_hold, b_valid, r_valid} (the control slave's state,
// flattened). No assumption is made on the host's behaviour.
`ifdef FORMAL
reg f_past_valid = 1'b0;
always @(posedge ap_clk) f_past_valid <= 1'b1;
// the run starts with the host holding reset (as Vitis does): two cycles, so the synchroniser is known
reg [1:0] f_t = 0;
always @(posedge ap_clk) if (f_t != 2'd3) f_t <= f_t + 1;
always @(*) if (f_t < 2) assume(!ap_rst_n);

// reset as the host sees it: sampled low at the last edge (then the core must be quiet next cycle),
// and the two cycles after it was (the synchronised reset still reaching the logic)
reg f_rst1 = 1'b1, f_rst2 = 1'b1;
always @(posedge ap_clk) begin
  f_rst1 <= !ap_rst_n;
  f_rst2 <= f_rst1;
end
wire f_quiet = f_rst1 || f_rst2;

wire [6:0] f_valids = {s_axi_control_bvalid, s_axi_control_rvalid, m_axi_q_arvalid, m_axi_kv_arvalid,
                       m_axi_v_arvalid, m_axi_o_awvalid, m_axi_o_wvalid};
wire [6:0] f_readys = {s_axi_control_awready, s_axi_control_wready, s_axi_control_arready, m_axi_q_rready,
                       m_axi_kv_rready, m_axi_v_rready, m_axi_o_bready};

// ---- 1 and 2: nothing moves in the cycle after reset is sampled, nor until the logic is out of it
always @(*)
  if (f_t >= 2) begin
    if (f_rst1) assert(f_valids == 0);
    if (f_quiet) assert(f_valids == 0 && f_readys == 0);
  end

// ---- 3: requests accepted since the last reset, less responses, by channel (on the ports)
reg [2:0] f_aw = 0, f_w = 0, f_ar = 0;
wire f_aw_hs = s_axi_control_awvalid && s_axi_control_awready;
wire f_w_hs = s_axi_control_wvalid && s_axi_control_wready;
wire f_b_hs = s_axi_control_bvalid && s_axi_control_bready;
wire f_ar_hs = s_axi_control_arvalid && s_axi_control_arready;
wire f_r_hs = s_axi_control_rvalid && s_axi_control_rready;
always @(posedge ap_clk)
  if (!ap_rst_n) begin
    f_aw <= 0; f_w <= 0; f_ar <= 0;
  end else begin
    f_aw <= f_aw + f_aw_hs - f_b_hs;
    f_w <= f_w + f_w_hs - f_b_hs;
    f_ar <= f_ar + f_ar_hs - f_r_hs;
  end

always @(*)
  if (f_t >= 2) begin
    // while reset is pending nothing is owed (the host is free: no assumption on its behaviour)
    if (f_quiet) assert(f_aw == 0 && f_w == 0 && f_ar == 0);
    if (!f_quiet) begin
      // every accepted request is owed exactly the slave's pending response ...
      assert(f_ar == axil_control0_r_valid);
      assert(f_aw == axil_control0_aw_hold + axil_control0_b_valid);
      assert(f_w == axil_control0_w_hold + axil_control0_b_valid);
      // ... and a pending response is on the port, held until taken: none is ever lost
      assert(s_axi_control_rvalid == axil_control0_r_valid);
      assert(s_axi_control_bvalid == axil_control0_b_valid);
    end
  end

// ---- covers: a read accepted in the first cycle after reset has reached the logic (its answer is
// owed by the assertions above); a reset while a read response waits on the port
always @(posedge ap_clk)
  if (f_past_valid && f_t >= 2) begin
    cover(f_ar_hs && $past(f_rst2) && !f_quiet);
    cover($past(s_axi_control_rvalid) && !ap_rst_n);
  end
`endif
