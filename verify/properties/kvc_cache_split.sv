// Properties of kv_cache with the split fill (rtl/kvc/kv_cache.py, kv_read_ports = 2: a missed
// block's K half on m_axi_*, its V half on m_axi_v_*, two tier RAMs per tier), checked by BOUNDED
// model checking from reset (job kvc_cache_split_bmc: every run of `prove_depth` cycles), not by
// k-induction: the split adds a second read master and the K/V fill pairing, and the inductive
// invariants of kvc_cache.sv are not extended to them. Parameters as kvc_cache.sv.
//
// Same abstract data as kvc_cache.sv: both HBM slaves return, for beat i of a burst at address A, the
// word F(A + i * beat bytes) (F = the low `FP_AXI_WIDTH bits), so the word at beat j of block b is
// f_word(b, j), K then V; a tracked symbolic request's response words must carry f_row(block, 0 ..).
// Internal names (req_full, tix, dbeat, ob_cnt, fk_valid, fv_valid, fdiff) are the converted
// module's; the design is flattened by yosys (verify/formal.py).
`ifdef FORMAL
`default_nettype none
localparam integer F_TB = `FP_TAG_BITS;
localparam integer F_W = `FP_AXI_WIDTH;
localparam integer F_HB = `FP_HALF_BEATS;
localparam integer F_BB = `FP_BURST_BEATS;
localparam integer F_NB = 2 * F_HB;                      // AXI beats per request (K then V)
localparam integer F_R = `FP_ROW_BEATS;                  // AXI beats per response word
localparam integer F_NW = F_NB / F_R;                    // response words per request
localparam integer F_MAXO = `FP_MAX_OUTSTANDING;
localparam integer F_BYTES = F_W / 8;
localparam integer F_HALF_BYTES = F_HB * F_BYTES;
initial assert(F_MAXO <= 4);

`include "kvc_data.svh"

`include "common.svh"
`FP_START_IN_RESET(rst)

// ---- environment: the request stream and constant bases ----
`include "kvc_env.svh"

// ---- the two AXI slaves (K port m_axi_*, V port m_axi_v_*): ARREADY free; R beats only for
// accepted bursts, in order, RLAST on each burst's last beat, OKAY, the right ID, payload held while
// RREADY is low, data F(A + i * beat bytes) ----
`FP_KVC_READ_SLAVE(fk, m_axi, 2)        // F_MAXO <= 4 bursts in flight
`FP_KVC_READ_SLAVE(fv, m_axi_v, 2)

// ---- the tracked symbolic request (as kvc_cache.sv) ----
wire [F_W-1:0] f_kb = k_base[F_W-1:0];
wire [F_W-1:0] f_vb = v_base[F_W-1:0];
wire f_acc = s_valid && s_ready && !in_bad;
wire f_out = m_valid && m_ready;
reg [7:0] f_owe = 8'd0;
always @(posedge clk)
  if (rst) f_owe <= 0;
  else f_owe <= f_owe + (f_acc ? F_NW : 0) - f_out;
(* anyseq *) wire f_pick;
reg f_trk = 1'b0;
reg [F_TB-1:0] f_blk;
reg [7:0] f_ahead, f_done;
reg f_hit = 1'b0;
wire [7:0] f_owe_now = f_owe - f_out;
wire [7:0] f_pipe = ob_cnt + tix * F_NW - dbeat;
always @(posedge clk)
  if (rst) begin
    f_trk <= 1'b0;
  end else if (!f_trk) begin
    if (f_acc && f_pick) begin
      f_trk <= 1'b1;
      f_blk <= in_block;
      f_ahead <= f_owe_now;
      f_done <= 0;
      f_hit <= 1'b0;
    end
  end else begin
    if (dec_fire && req_full && req_block == f_blk && f_ahead + F_NW - f_done == f_pipe + F_NW && !dec_miss)
      f_hit <= 1'b1;
    if (f_out) begin
      if (f_ahead != 0) f_ahead <= f_ahead - 1'b1;
      else if (f_done == F_NW - 1) f_trk <= 1'b0;
      else f_done <= f_done + 1'b1;
    end
  end

// ---- the properties ----
wire [F_W-1:0] fk_off = m_axi_araddr[F_W-1:0] - f_kb;     // a burst's offset from its half's base
wire [F_W-1:0] fv_off = m_axi_v_araddr[F_W-1:0] - f_vb;
always @(*)
  if (f_past_valid && !rst) begin
    // no response word without an owed request; the owed words are those in the pipeline
    assert(!m_valid || f_owe != 0);
    assert(f_owe == (req_full ? F_NW : 0) + f_pipe);
    // the tracked request's words carry its block's K then V rows
    if (f_trk && f_ahead == 0 && m_valid) assert(m_data == f_row(f_blk, f_done, f_kb, f_vb));
    // each port's bursts in flight within the limit; K and V fills pair up (|K done - V done|
    // never beyond the lines that can be loading)
    assert(fk_outs <= F_MAXO && fv_outs <= F_MAXO);
    assert(fdiff <= `FP_PINNED + `FP_MANAGED && -fdiff <= `FP_PINNED + `FP_MANAGED);
    // K bursts only from the K master on the K port, V bursts on the V port
    if (fk_ar) assert(fk_off < F_HB * F_BYTES * (1 << F_TB));
    if (fv_ar) assert(fv_off < F_HB * F_BYTES * (1 << F_TB));
  end
always @(posedge clk)
  if (f_past_valid && !rst && $past(m_valid && !m_ready && !rst)) begin
    assert(m_valid);
    assert(m_data == $past(m_data));
  end

// ---- the pairing: a line is marked loaded (fill_valid) only once both its halves are in ----
localparam integer F_L = `FP_PINNED + `FP_MANAGED;
wire f_alloc = kvc_tag_store0_fire && kvc_tag_store0_miss;   // a miss decision takes a line
reg [7:0] f_kw [0:F_L-1];                                    // K / V beats written since
reg [7:0] f_vw [0:F_L-1];
reg [7:0] f_fk, f_fv;                                        // the filled line's, with this cycle's beat
integer fl;
always @(posedge clk)
  for (fl = 0; fl < F_L; fl = fl + 1)
    if (rst || (f_alloc && kvc_tag_store0_choose == fl)) begin
      f_kw[fl] <= 0;
      f_vw[fl] <= 0;
    end else begin
      if (wr_en && wr_line == fl) f_kw[fl] <= f_kw[fl] + 1'b1;
      if (v_wr_en && v_wr_line == fl) f_vw[fl] <= f_vw[fl] + 1'b1;
    end
always @(*) begin
  f_fk = 0;
  f_fv = 0;
  for (fl = 0; fl < F_L; fl = fl + 1)
    if (fill_line == fl) begin
      f_fk = f_kw[fl] + (wr_en && wr_line == fl);
      f_fv = f_vw[fl] + (v_wr_en && v_wr_line == fl);
    end
end
always @(*)
  if (f_past_valid && !rst && fill_valid) assert(f_fk == F_HB && f_fv == F_HB);

// ---- covers: the pairing's three cases and a tracked hit delivered ----
always @(*)
  if (f_past_valid && !rst) begin
    cover(fv_valid && fdiff > 0 && !fk_valid);      // V completes a line whose K came first
    cover(fk_valid && fdiff < 0 && !fv_valid);      // K completes a line whose V came first
    cover(fk_valid && fv_valid && fdiff == 0);      // both halves in the same cycle
    cover(f_trk && f_hit && f_ahead == 0 && f_done == F_NW - 1 && f_out);   // a tracked hit's last word
  end
`endif
