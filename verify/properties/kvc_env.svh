// The KV cache proofs' request environment (kvc_cache.sv, kvc_cache_split.sv): the request stream
// keeps valid high and its data stable while it waits, and the bases are constant during a head.
// Include after common.svh, F_W, F_BB, F_BYTES and f_past_valid are declared.
`ifndef FP_KVC_ENV_SVH
`define FP_KVC_ENV_SVH
`FP_ASSUME_STREAM(rst, s_valid, s_ready, s_data)
always @(posedge clk)
  if (f_past_valid && !rst) assume(k_base == $past(k_base) && v_base == $past(v_base));

// An AXI read slave on master port "port" (kvc_cache.sv: m_axi; kvc_cache_split.sv: m_axi and
// m_axi_v): ARREADY free; R beats only for accepted bursts, in order (one ID), RLAST on the last
// beat of each burst of F_BB beats, RRESP OKAY, RID FP_AXI_ID, payload held while RREADY is low, and
// the data of beat i of the burst at address A is A + i * F_BYTES (low F_W bits). Its state is
// named f_*: f_outs (bursts in flight), f_beat, the address queue f_aq (2**qw entries, pointers
// f_aqw, f_aqr) and the expected word f_rword.
`define FP_KVC_READ_SLAVE(f, port, qw) \
wire f``_ar = port``_arvalid && port``_arready; \
wire f``_r = port``_rvalid && port``_rready; \
reg [7:0] f``_outs = 8'd0, f``_beat = 8'd0; \
reg [(qw)-1:0] f``_aqw = 0, f``_aqr = 0; \
reg [F_W-1:0] f``_aq [0:(1 << (qw))-1]; \
wire [F_W-1:0] f``_rword = f``_aq[f``_aqr] + f``_beat * F_BYTES; \
always @(posedge clk) \
  if (rst) begin \
    f``_outs <= 0; f``_beat <= 0; f``_aqw <= 0; f``_aqr <= 0; \
  end else begin \
    f``_outs <= f``_outs + f``_ar - (f``_r && port``_rlast); \
    if (f``_ar) begin \
      f``_aq[f``_aqw] <= port``_araddr[F_W-1:0]; \
      f``_aqw <= f``_aqw + 1'b1; \
    end \
    if (f``_r) begin \
      f``_beat <= port``_rlast ? 8'd0 : f``_beat + 1'b1; \
      if (port``_rlast) f``_aqr <= f``_aqr + 1'b1; \
    end \
  end \
always @(*) \
  if (port``_rvalid) begin \
    assume(f``_outs != 0); \
    assume(port``_rlast == (f``_beat == F_BB - 1)); \
    assume(port``_rresp == 2'b00 && port``_rid == `FP_AXI_ID); \
    assume(port``_rdata == f``_rword); \
  end \
always @(posedge clk) \
  if (f_past_valid && !rst && $past(port``_rvalid && !port``_rready && !rst)) \
    assume(port``_rvalid && port``_rdata == $past(port``_rdata) && port``_rlast == $past(port``_rlast));
`endif
