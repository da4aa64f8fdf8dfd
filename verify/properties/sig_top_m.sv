// Properties of sig_top_m (rtl/sig/top_m.py), injected into the converted module by
// fast_prefill.verify.formal. Parameters: `FP_MAX_N, `FP_WIDTH, `FP_HIST_BITS, `FP_DIV_SHIFT,
// `FP_MIN_M, `FP_MAX_M. States: 0 LOAD_H, 1 LOAD_V, 2 START, 3 HIST, 4-6 DRAIN, 7 READ, 8 PA, 9 PB
// (the digit scan), 10 FILL, 11 EMIT (the emission pipeline; `ei` the index decided), 12 DONE.
//
// The selection-output contract, stated on the ports: per vector, the emitted indices strictly
// increase, the first is 0 (the forced sink block / diagonal offset), every index is < n, exactly
// min(clamp((count >> DIV_SHIFT) + 1, MIN_M, MAX_M), n) indices leave, `last` exactly on the final
// one, no beat outside a vector, a vector's output is complete before the next header is taken.
`ifdef FORMAL
localparam integer F_IW = $clog2(`FP_MAX_N);
localparam integer F_CW = F_IW + 1 + `FP_DIV_SHIFT;
localparam integer F_PW = (`FP_WIDTH > F_CW) ? `FP_WIDTH : F_CW;
localparam integer F_MMAX = (`FP_MAX_M < `FP_MAX_N) ? `FP_MAX_M : `FP_MAX_N;

`include "common.svh"
`FP_START_IN_RESET(rst)

`FP_ASSUME_STREAM(rst, s_valid, s_ready, s_data)
`FP_ASSERT_STREAM(rst, m_valid, m_ready, m_data)

// ---- interface tracking
wire f_in_go = s_valid && s_ready;
wire f_in_last = s_data[F_PW];
wire [F_IW+1:0] f_mraw = {1'b0, s_data[F_CW-1:`FP_DIV_SHIFT]} + 1'b1;
wire [F_IW+1:0] f_mclamp = (f_mraw < `FP_MIN_M) ? `FP_MIN_M : (f_mraw > F_MMAX) ? F_MMAX : f_mraw;
wire f_out_go = m_valid && m_ready;
wire [F_IW-1:0] f_idx = m_data[F_IW-1:0];
wire f_last = m_data[F_IW];

reg f_expect_hdr, f_loading, f_pending, f_started;
reg [F_IW+1:0] f_mc;        // clamped budget from the header
reg [F_IW+1:0] f_m;         // min(budget, n): beats owed for the pending vector
reg [F_IW:0] f_nv;          // value beats taken so far
reg [F_IW-1:0] f_nlast;     // n - 1
reg [F_IW+1:0] f_emit;      // beats emitted for the pending vector
reg [F_IW-1:0] f_pidx;
wire f_hdr = f_in_go && f_expect_hdr;

always @(posedge clk)
  if (rst) begin
    f_expect_hdr <= 1'b1;
    f_loading <= 1'b0;
    f_pending <= 1'b0;
    f_started <= 1'b0;
    f_emit <= 0;
  end else begin
    if (f_out_go) begin
      f_pidx <= f_idx;
      f_started <= 1'b1;
      f_emit <= f_emit + 1'b1;
      if (f_last) begin
        f_pending <= 1'b0;
        f_started <= 1'b0;
        f_emit <= 0;
      end
    end
    if (f_hdr) begin
      f_expect_hdr <= 1'b0;
      f_loading <= 1'b1;
      f_mc <= f_mclamp;
      f_nv <= 0;
    end else if (f_in_go) begin
      f_nv <= f_nv + 1'b1;
      if (f_in_last) begin
        f_expect_hdr <= 1'b1;
        f_loading <= 1'b0;
        f_pending <= 1'b1;
        f_nlast <= f_nv[F_IW-1:0];
        f_m <= (f_mc > f_nv + 1'b1) ? f_nv + 1'b1 : f_mc;
      end
    end
  end

// the environment sends at most MAX_N values per vector
always @(*) if (f_loading && f_nv == `FP_MAX_N - 1 && s_valid) assume(f_in_last);

// ---- the contract
always @(*)
  if (f_past_valid && !rst) begin
    if (f_hdr) assert(!f_pending && !f_loading);
    if (m_valid) begin
      assert(f_pending);
      assert(f_idx <= f_nlast);
      assert(f_last == (f_emit + 1'b1 == f_m));
      if (!f_started) assert(f_idx == 0);
      else assert(f_idx > f_pidx);
    end
  end

// ---- invariants for k-induction
always @(*)
  if (f_past_valid && !rst) begin
    assert(state <= 12);
    if (f_loading || f_pending) assert(f_mc >= `FP_MIN_M && f_mc <= F_MMAX);
    assert(m_valid == out_valid);
    assert(f_started == (f_emit != 0));
    if (f_started) assert(f_pending && f_emit < f_m && f_pidx <= f_nlast);
    if (state <= 1) assert(!f_pending && !out_valid);
    assert(f_loading == (state == 1));
    assert(f_expect_hdr == (state != 1));
    if (state == 1) assert(idx == f_nv[F_IW-1:0] && f_nv < `FP_MAX_N && m_eff == f_mc);
    if (state >= 2) assert(f_pending || (state == 12 && !out_valid));
    if (state >= 2 && f_pending) assert(n_last == f_nlast);
    if (state >= 3 && f_pending) assert(m_eff == f_m && f_m >= 1 && f_m <= f_nlast + 1);
    if (state == 2) assert(m_eff == f_mc && nl_p1 == n_last + 1'b1);   // cut by n in the start cycle
    if (state >= 2) assert(nl_m1 == n_last - 1'b1);
    if (state >= 2 && state <= 10) assert(!out_valid && !f_started);
    if (state >= 3 && state <= 11) assert(m_rest == m_eff - 1);
    if (state >= 3 && state <= 9) assert(m_eff >= 2);
    if (state == 3) assert(idx >= 1 && idx <= n_last && h_last == (idx == n_last));
    if (state >= 4 && state <= 9) assert(idx == 1 && h_last == (n_last == 1));   // the next pass starts at 1
    if (state == 2) assert(idx == 1);
    if (state == 10) assert(fcnt < 2);
    if (state == 11) begin
      assert(ei <= n_last);
      assert(emitted == f_emit + out_valid);
      assert(emitted < m_eff);
      if (ei == 0) assert(emitted == 0);
      else assert(emitted != 0 && (out_valid ? out_idx : f_pidx) < ei);
      assert(m_rest == m_eff - 1);
      assert(m_eff + {2'b0, ei} <= emitted + {2'b0, n_last} + 1'b1);  // owed <= indices left
      // the decision's counters and flags, tied to what they stand for
      assert(owed == m_eff - emitted);
      assert(slack == $signed({3'b0, n_last}) - $signed({3'b0, ei}) - $signed({1'b0, owed}));
      assert(first == (ei == 0));
      assert(e_last == (ei == n_last));
      assert(ne_nz == (need_eq != 0));
      assert(mr_nz == (m_rest != 0));
    end
    if (state == 12 && f_pending) assert(out_valid && out_last && f_emit + 1'b1 == f_m);
    if (out_valid) assert(out_last == (emitted == m_eff));
  end

// ---- covers: a vector with ties at the threshold and several indices selected; a budget cut by n
always @(posedge clk)
  if (f_past_valid && !rst) begin
    cover(f_out_go && f_last && f_emit >= 2 && need_eq == 0 && m_rest > above);
    cover(f_out_go && f_last && f_m < f_mc && f_m >= 2);
  end
`endif
