// Properties of axi_burst_address (rtl/axi/burst_address.py), injected into the converted module
// by fast_prefill.verify.formal. Parameter: `FP_STEP_BYTES. Internal names (hi, hi_inc) are those
// of the generated Verilog.
//
// For every load address and every pattern of loads and steps (steps at least two cycles apart,
// the block's rule), addr equals a plain full-width adder's result: the low half's carry reaches
// the high half exactly when it should.
`ifdef FORMAL
localparam integer F_AW = $bits(addr);
localparam integer F_HW = F_AW - F_AW / 2;
reg f_past = 1'b0;
always @(posedge clk) f_past <= 1'b1;
always @(*) if (!f_past) assume(rst);

// ---- environment: the block's rule, steps at least two cycles apart
reg f_stepped = 1'b0;   // the last edge was a step (not a load, not reset)
reg f_was_rst = 1'b1;
always @(posedge clk) begin
  f_stepped <= step && !load && !rst;
  f_was_rst <= rst;
end
always @(*) if (f_stepped) assume(!step || load);

// ---- reference: a plain adder
reg [F_AW-1:0] f_addr = 0;
always @(posedge clk)
  if (rst) f_addr <= 0;
  else if (load) f_addr <= load_addr;
  else if (step) f_addr <= f_addr + `FP_STEP_BYTES;

always @(*)
  if (f_past) begin
    assert(addr == f_addr);
    // the high half's successor is current unless a step just moved the high half
    if (!f_stepped && !f_was_rst) assert(hi_inc == hi + 1'b1);
  end

// ---- covers: the low half's carry into the high half; a load after steps
always @(posedge clk)
  if (f_past && !rst) begin
    cover(f_stepped && addr[F_AW-1:F_AW/2] != $past(addr[F_AW-1:F_AW/2]));
    cover($past(load) && $past(addr) != 0 && addr != $past(addr) + `FP_STEP_BYTES);
  end
`endif
