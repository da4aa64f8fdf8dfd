// Properties of stream_fork (rtl/stream/fork.py), injected into the converted module.
`ifdef FORMAL
reg fv_past = 1'b0;
always @(posedge clk) fv_past <= 1'b1;
always @(*) if (!fv_past) assume(rst);

always @(posedge clk)
  if (fv_past && $past(s_valid && !s_ready && !rst)) begin
    assume(s_valid);
    assume(s_data == $past(s_data));
  end

// Both outputs obey the stream rules.
always @(posedge clk)
  if (fv_past && !$past(rst)) begin
    if ($past(m_a_valid && !m_a_ready)) assert(m_a_valid && m_a_data == $past(m_a_data));
    if ($past(m_b_valid && !m_b_ready)) assert(m_b_valid && m_b_data == $past(m_b_data));
  end

// Exactly once each, in order: count beats in and out on each side.
reg [3:0] fv_in = 0, fv_a = 0, fv_b = 0;
always @(posedge clk)
  if (rst) begin
    fv_in <= 0; fv_a <= 0; fv_b <= 0;
  end else begin
    fv_in <= fv_in + (s_valid && s_ready);
    fv_a <= fv_a + (m_a_valid && m_a_ready);
    fv_b <= fv_b + (m_b_valid && m_b_ready);
  end
always @(*)
  if (fv_past && !rst) begin
    // An output is at most the current (not yet released) beat ahead of the input count.
    assert(fv_a == fv_in + done_a);
    assert(fv_b == fv_in + done_b);
    if (done_a || done_b) assert(s_valid);
    // The beat an output takes is the input's current beat.
    if (m_a_valid) assert(m_a_data == s_data);
    if (m_b_valid) assert(m_b_data == s_data);
  end

// Covers: the two outputs take one beat in different cycles.
always @(posedge clk)
  if (fv_past && !rst) cover($past(done_a && !done_b) && s_valid && s_ready);
`endif
