// Properties of axi_read_arbiter (rtl/axi/read_arbiter.py), injected into the converted module by
// fast_prefill.verify.formal. Parameters arrive as `FP_DATA_WIDTH and `FP_B_ID.
// Internal names (grant_b, hold, held, last_b) are those of the generated Verilog.
`ifdef FORMAL
localparam [3:0] F_B_ID = `FP_B_ID;

`include "common.svh"
`FP_START_IN_RESET(rst)

// ---- Environment ----
// Both masters obey the AR rules (ARVALID held, payload stable until ARREADY) and use their IDs:
// side b exactly b_id, side a any other.
wire [80:0] f_a_ar = {a_araddr, a_arlen, a_arsize, a_arburst, a_arid};
wire [80:0] f_b_ar = {b_araddr, b_arlen, b_arsize, b_arburst, b_arid};
wire [80:0] f_m_ar = {m_araddr, m_arlen, m_arsize, m_arburst, m_arid};
`FP_ASSUME_STREAM(rst, a_arvalid, a_arready, f_a_ar)
`FP_ASSUME_STREAM(rst, b_arvalid, b_arready, f_b_ar)
always @(*) begin
  assume(a_arid != F_B_ID);
  assume(b_arid == F_B_ID);
end

// The slave keeps an offered R beat until it is taken and returns beats only for bursts it
// accepted and has not finished (per ID: f_out_a for the IDs of side a, f_out_b for b_id); it
// accepts at most 7 bursts per side (the counters' range).
wire [`FP_DATA_WIDTH+6:0] f_m_r = {m_rdata, m_rresp, m_rlast, m_rid};
`FP_ASSUME_STREAM(rst, m_rvalid, m_rready, f_m_r)
wire f_m_ar_hs = m_arvalid && m_arready;
wire f_m_rl = m_rvalid && m_rready && m_rlast;
reg [2:0] f_out_a = 3'd0, f_out_b = 3'd0;
always @(posedge clk)
  if (rst) begin
    f_out_a <= 3'd0;
    f_out_b <= 3'd0;
  end else begin
    f_out_a <= f_out_a + (f_m_ar_hs && m_arid != F_B_ID) - (f_m_rl && m_rid != F_B_ID);
    f_out_b <= f_out_b + (f_m_ar_hs && m_arid == F_B_ID) - (f_m_rl && m_rid == F_B_ID);
  end
always @(*) begin
  if (m_rvalid) assume(m_rid == F_B_ID ? f_out_b != 0 : f_out_a != 0);
  if (f_out_a == 3'd7 || f_out_b == 3'd7) assume(!m_arready);
end

// ---- The shared port's AR channel obeys the handshake rules ----
`FP_ASSERT_STREAM(rst, m_arvalid, m_arready, f_m_ar)

// ---- Each handshake on the shared port is exactly one side's, with that side's request ----
wire f_a_hs = a_arvalid && a_arready;
wire f_b_hs = b_arvalid && b_arready;
always @(*)
  if (f_past_valid && !rst) begin
    assert(!(a_arready && b_arready));
    assert(f_m_ar_hs == (f_a_hs || f_b_hs));
    if (f_a_hs) assert(f_m_ar == f_a_ar);
    if (f_b_hs) assert(f_m_ar == f_b_ar);
    assert(m_arvalid == (grant_b ? b_arvalid : a_arvalid));
  end

// ---- R: a beat goes to side b iff its RID is b_id, unchanged; RREADY is the addressed side's ----
wire [`FP_DATA_WIDTH+6:0] f_a_r = {a_rdata, a_rresp, a_rlast, a_rid};
wire [`FP_DATA_WIDTH+6:0] f_b_r = {b_rdata, b_rresp, b_rlast, b_rid};
`FP_ASSERT_STREAM(rst, a_rvalid, a_rready, f_a_r)
`FP_ASSERT_STREAM(rst, b_rvalid, b_rready, f_b_r)
always @(*)
  if (f_past_valid && !rst) begin
    assert(!(a_rvalid && b_rvalid));
    assert(b_rvalid == (m_rvalid && m_rid == F_B_ID));
    assert(a_rvalid == (m_rvalid && m_rid != F_B_ID));
    if (m_rvalid) assert(m_rready == (m_rid == F_B_ID ? b_rready : a_rready));
    assert(f_a_r == f_m_r && f_b_r == f_m_r);
    // a side sees beats of its own outstanding bursts only
    if (a_rvalid) assert(f_out_a != 0);
    if (b_rvalid) assert(f_out_b != 0);
  end

// ---- Fairness: while a side waits with ARVALID, the other side gets at most one handshake ----
// f_a_skips: handshakes of b since a's ARVALID rose and was not yet accepted (and the same for b).
reg [1:0] f_a_skips = 2'd0, f_b_skips = 2'd0;
always @(posedge clk)
  if (rst) begin
    f_a_skips <= 2'd0;
    f_b_skips <= 2'd0;
  end else begin
    if (!a_arvalid || a_arready) f_a_skips <= 2'd0;
    else if (f_b_hs && f_a_skips != 2'd3) f_a_skips <= f_a_skips + 1'b1;
    if (!b_arvalid || b_arready) f_b_skips <= 2'd0;
    else if (f_a_hs && f_b_skips != 2'd3) f_b_skips <= f_b_skips + 1'b1;
  end
always @(*)
  if (f_past_valid && !rst) begin
    assert(f_a_skips <= 2'd1);
    assert(f_b_skips <= 2'd1);
    // after one skip the waiting side holds the grant until its handshake
    if (f_a_skips != 0) assert(!grant_b);
    if (f_b_skips != 0) assert(grant_b);
    // the state behind it: the last handshake was the other side's, a held grant is the waiter's
    if (f_a_skips != 0) assert(last_b && !(hold && held));
    if (f_b_skips != 0) assert(!last_b && !(hold && !held));
    assert(!(f_a_skips != 0 && f_b_skips != 0));
  end

// ---- Covers: both sides served, beats routed to both, round robin seen with both waiting ----
always @(posedge clk)
  if (f_past_valid && !rst) begin
    cover(f_a_hs);
    cover(f_b_hs);
    cover(a_rvalid && a_rready && f_out_b != 0);   // a beat of side a while b has a burst in flight
    cover(b_rvalid && b_rready && f_out_a != 0);
    cover(f_a_skips == 2'd1 && f_a_hs);            // a waited through one handshake of b, then won
    cover(f_b_skips == 2'd1 && f_b_hs);
  end
`endif
