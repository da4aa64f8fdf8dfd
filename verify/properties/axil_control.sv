// Properties of axil_control (rtl/top/axil_control.py), injected into the converted module by
// fast_prefill.verify.formal. Internal names are those of the generated Verilog.
`ifdef FORMAL
`include "common.svh"
`FP_START_IN_RESET(rst)

// ---- The master obeys AXI4-Lite: valid held until ready, payload stable meanwhile.
`FP_ASSUME_STREAM(rst, s_axi_control_awvalid, s_axi_control_awready, s_axi_control_awaddr)
`FP_ASSUME_STREAM(rst, s_axi_control_wvalid, s_axi_control_wready, {s_axi_control_wdata, s_axi_control_wstrb})
`FP_ASSUME_STREAM(rst, s_axi_control_arvalid, s_axi_control_arready, s_axi_control_araddr)

// ---- The slave's responses are held until accepted.
`FP_ASSERT_STREAM(rst, s_axi_control_bvalid, s_axi_control_bready, s_axi_control_bresp)
`FP_ASSERT_STREAM(rst, s_axi_control_rvalid, s_axi_control_rready, {s_axi_control_rdata, s_axi_control_rresp})

// ---- One response per request, never before its address and data: outstanding counts.
reg [2:0] f_aw_out = 0, f_w_out = 0, f_ar_out = 0;
wire f_aw = s_axi_control_awvalid && s_axi_control_awready;
wire f_w  = s_axi_control_wvalid && s_axi_control_wready;
wire f_b  = s_axi_control_bvalid && s_axi_control_bready;
wire f_ar = s_axi_control_arvalid && s_axi_control_arready;
wire f_r  = s_axi_control_rvalid && s_axi_control_rready;
always @(posedge clk)
  if (rst) begin
    f_aw_out <= 0; f_w_out <= 0; f_ar_out <= 0;
  end else begin
    f_aw_out <= f_aw_out + f_aw - f_b;
    f_w_out <= f_w_out + f_w - f_b;
    f_ar_out <= f_ar_out + f_ar - f_r;
  end

always @(*)
  if (f_past_valid && !rst) begin
    assert(f_aw_out == aw_hold + b_valid);
    assert(f_w_out == w_hold + b_valid);
    assert(f_ar_out == r_valid);
    if (s_axi_control_bvalid) assert(f_aw_out >= 1 && f_w_out >= 1);
    if (s_axi_control_rvalid) assert(f_ar_out == 1);
    assert(s_axi_control_bresp == 0 && s_axi_control_rresp == 0);
  end

// ---- Register file: any one argument word holds exactly what was last written to it.
(* anyconst *) reg [4:0] f_idx;
reg [31:0] f_shadow = 0;
always @(*) assume(f_idx < `FP_N_ARGS);
always @(posedge clk)
  if (rst) f_shadow <= 0;
  else if (arg_write && w_index == f_idx) f_shadow <= (f_shadow & ~w_mask) | (w_data & w_mask);
always @(*)
  if (f_past_valid && !rst) assert(arg_regs[f_idx] == f_shadow);

// ---- ap_ctrl_hs: ap_start rises only on a host write of CTRL bit 0, and stays high until the
// core signals ap_ready (without auto_restart).
always @(posedge clk)
  if (f_past_valid && !$past(rst) && !rst) begin
    if (!$past(ap_start) && ap_start)
      assert($past(do_write && w_kind == 1 && w_strb[0] && w_data[0]));
    if ($past(ap_start && !ap_ready))
      assert(ap_start);
  end
always @(*) if (f_past_valid) assert(interrupt == (gie && isr != 0));

// ---- Covers: a write and a read complete, the kernel is started, an interrupt is raised.
always @(posedge clk)
  if (f_past_valid && !rst) begin
    cover(f_b);
    cover(f_r && s_axi_control_rdata != 0);
    cover(ap_start);
    cover(interrupt);
  end
`endif
