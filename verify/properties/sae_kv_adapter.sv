// Properties of sae_kv_adapter (rtl/sae/kv_adapter.py). Parameters: `FP_IN_WIDTH, `FP_OUT_WIDTH.
`ifdef FORMAL
localparam integer F_RATIO = `FP_OUT_WIDTH / `FP_IN_WIDTH;

`include "common.svh"
`FP_START_IN_RESET(rst)

// Input stream rules (environment).
`FP_ASSUME_STREAM(rst, s_valid, s_ready, s_data)

// Output stream rules.
`FP_ASSERT_STREAM(rst, m_valid, m_ready, m_data)

// Beat accounting: rows out * ratio + beats held == beats in (nothing lost or duplicated).
reg [7:0] f_in = 0, f_out = 0;
always @(posedge clk)
  if (rst) begin f_in <= 0; f_out <= 0; end
  else begin
    if (s_valid && s_ready) f_in <= f_in + 1;
    if (m_valid && m_ready) f_out <= f_out + 1;
  end

// The last beat in is the top slice of the row being gathered.
always @(posedge clk)
  if (f_past_valid && !$past(rst) && $past(s_valid && s_ready))
    assert(m_data[`FP_OUT_WIDTH-1:`FP_OUT_WIDTH-`FP_IN_WIDTH] == $past(s_data));

// (all modulo 256, like the counters)
wire [7:0] f_held = m_valid ? F_RATIO[7:0] : 8'd0;
wire [7:0] f_gathering = (F_RATIO > 1) ? {6'd0, cnt} : 8'd0;
wire [7:0] f_expect = f_out * F_RATIO[7:0] + f_gathering + f_held;
always @(*)
  if (f_past_valid && !rst) begin
    assert(s_ready == (!m_valid || m_ready));
    assert(f_in == f_expect);
    if (F_RATIO > 1) assert(cnt < F_RATIO);
    if (F_RATIO > 1 && m_valid) assert(cnt == 0);
  end

always @(posedge clk)
  if (f_past_valid && !rst) begin
    cover(m_valid && !m_ready);
    cover(f_out == 2);
  end
`endif
