// Top-level properties of kv_cache (rtl/kvc/kv_cache.py), docs/design.md section 4: "a hit returns that
// block's data" and "every request gets exactly one response, in order", injected into the converted
// module by fast_prefill.verify.formal. Parameters: `FP_TAG_BITS, `FP_AXI_WIDTH, `FP_PINNED,
// `FP_MANAGED, `FP_HALF_BEATS, `FP_BURST_BEATS, `FP_PREFETCH_DEPTH, `FP_MAX_OUTSTANDING, `FP_AXI_ID,
// `FP_ROW_BEATS (AXI beats per response word, dividing the burst: the fill packs them, the delivery
// reads one word a cycle).
// Internal names (req_full, tix, tq_line, fq_line, dbeat, ob_cnt, kvc_tag_store0_*, kvc_axi_read_master0_*,
// stream_fifo0_*, kvc_row_packer0_pk, kvc_tier_ram0_pinned_mem, kvc_tier_ram1_managed_mem) are those of the design flattened by
// yosys (verify/formal.py: flatten_for_proof names a child's signal <instance>_<signal>).
//
// Abstract data: the HBM slave returns, for beat i of a burst at address A, the word F(A + i * beat
// bytes) with F = the low `FP_AXI_WIDTH bits of the byte address. So the word at beat j of block b
// is f_word(b, j) = (j < half_beats ? k_base : v_base) + b * half_bytes + (j mod half_beats) * beat
// bytes: it encodes the block id, K or V, and the beat index, for every choice of the (free, constant)
// bases. A tracked symbolic request (any accepted request may be chosen by the free f_pick) records
// its block and the number of response beats owed before it; its 2 * half_beats response beats must
// leave exactly after those and carry f_word(block, 0 .. 2 * half_beats - 1), K then V, ROW_BEATS
// consecutive beats to a response word (f_row), the first in the low bits.
`ifdef FORMAL
// Every name below must exist in the converted module: an undeclared one is an error, not an
// implicit 1-bit wire (the instance prefixes kvc_tag_store0_, kvc_axi_read_master0_, stream_fifo0_ are
// reproducible: fast_prefill.convert resets MyHDL's instance naming before every conversion).
`default_nettype none
localparam integer F_TB = `FP_TAG_BITS;
localparam integer F_W = `FP_AXI_WIDTH;
localparam integer F_P = `FP_PINNED;
localparam integer F_M = `FP_MANAGED;
localparam integer F_L = F_P + F_M;
localparam integer F_HB = `FP_HALF_BEATS;
localparam integer F_BB = `FP_BURST_BEATS;
localparam integer F_NB = 2 * F_HB;                      // AXI beats per request (K then V)
localparam integer F_R = `FP_ROW_BEATS;                  // AXI beats per response word
localparam integer F_NW = F_NB / F_R;                    // response words per request
localparam integer F_NBURST = F_NB / F_BB;               // bursts per block
localparam integer F_T = `FP_PREFETCH_DEPTH + 1;         // tickets in flight
localparam integer F_MAXO = `FP_MAX_OUTSTANDING;
localparam integer F_BYTES = F_W / 8;                    // bytes per beat
localparam integer F_HALF_BYTES = F_HB * F_BYTES;
localparam integer F_TQW = ($clog2(F_T) > 1) ? $clog2(F_T) : 1;
localparam integer F_TQ = 1 << F_TQW;                    // ticket / fetch queue entries
localparam integer F_QW = ($clog2(F_MAXO) > 1) ? $clog2(F_MAXO) : 1;
localparam integer F_QD = 1 << F_QW;                     // AXI master in-flight queue entries
localparam integer F_OD = 4;                             // kv_cache.OUT_DEPTH
localparam integer F_KBW = $clog2(F_HB) + 1;             // beat index bits inside a line
localparam integer F_WBW = F_KBW - $clog2(F_R);          // response word index bits inside a line

`include "kvc_data.svh"

`include "common.svh"
`FP_START_IN_RESET(rst)

// ---------------------------------------------------------------------------------------------
// Environment
// ---------------------------------------------------------------------------------------------
// Request stream: valid held and data stable while it waits. The bases are constant during a head.
`include "kvc_env.svh"

// AXI slave. ARREADY is free. Bursts in flight are tracked here (reset with the master: a head's
// reset also resets the HBM side); an R beat only for an accepted burst, in order (one ID), RLAST on
// the last beat of each burst, RRESP OKAY, RID correct, payload held while RREADY is low, and the data
// of beat i of the burst at address A is F(A + i * beat bytes).
`FP_KVC_READ_SLAVE(f, m_axi, F_QW)

// ---------------------------------------------------------------------------------------------
// Effective line state (a decision is written into the tag store one edge after it is taken)
// ---------------------------------------------------------------------------------------------
wire f_w = kvc_tag_store0_w_valid;
wire [F_W-1:0] f_kb = k_base[F_W-1:0];
wire [F_W-1:0] f_vb = v_base[F_W-1:0];
reg [F_L-1:0] f_elv, f_eload;
reg [F_TB-1:0] f_etag [0:F_L-1];
integer fl0;
always @(*)
  for (fl0 = 0; fl0 < F_L; fl0 = fl0 + 1) begin
    f_elv[fl0] = kvc_tag_store0_lv[fl0] || (f_w && kvc_tag_store0_w_line == fl0);
    f_eload[fl0] = kvc_tag_store0_loading[fl0] || (f_w && kvc_tag_store0_w_miss && kvc_tag_store0_w_line == fl0);
    f_etag[fl0] = (f_w && kvc_tag_store0_w_line == fl0) ? kvc_tag_store0_w_block : kvc_tag_store0_tag[fl0];
  end

// Per line: words written since the line was allocated (f_wcnt) and bursts issued (f_arcnt); both
// restart when a miss decision takes the line.
wire f_alloc = kvc_tag_store0_fire && kvc_tag_store0_miss;
reg [7:0] f_wcnt [0:F_L-1];
reg [7:0] f_arcnt [0:F_L-1];
integer fl1;
always @(posedge clk)
  for (fl1 = 0; fl1 < F_L; fl1 = fl1 + 1)
    if (rst || (f_alloc && kvc_tag_store0_choose == fl1)) begin
      f_wcnt[fl1] <= 0;
      f_arcnt[fl1] <= 0;
    end else begin
      if (wr_en && wr_line == fl1) f_wcnt[fl1] <= f_wcnt[fl1] + 1'b1;
      if (kvc_axi_read_master0_ar_fire && kvc_axi_read_master0_c_line == fl1) f_arcnt[fl1] <= f_arcnt[fl1] + 1'b1;
    end

// Per line: tickets naming it, fetch-queue entries, bursts in flight and their beats still to come.
reg [7:0] f_tcnt [0:F_L-1];
reg [7:0] f_fqn [0:F_L-1];
reg [7:0] f_ifn [0:F_L-1];
reg [7:0] f_inb [0:F_L-1];
reg [F_TQW-1:0] f_tpos [0:F_TQ-1];   // queue position of each physical ticket / fetch entry
reg [F_TQW-1:0] f_fpos [0:F_TQ-1];
reg [F_QW-1:0] f_qpos [0:F_QD-1];    // position of each physical in-flight entry
integer fl2, fi2;
always @(*)
  for (fl2 = 0; fl2 < F_L; fl2 = fl2 + 1) begin
    f_tcnt[fl2] = 0;
    f_fqn[fl2] = 0;
    f_ifn[fl2] = 0;
    f_inb[fl2] = 0;
    for (fi2 = 0; fi2 < F_TQ; fi2 = fi2 + 1) begin
      if (f_tpos[fi2] < tix && tq_line[fi2] == fl2) f_tcnt[fl2] = f_tcnt[fl2] + 1;
      if (f_fpos[fi2] < fq_cnt && fq_line[fi2] == fl2) f_fqn[fl2] = f_fqn[fl2] + 1;
    end
    for (fi2 = 0; fi2 < F_QD; fi2 = fi2 + 1)
      if (f_qpos[fi2] < kvc_axi_read_master0_outs && kvc_axi_read_master0_q_line[fi2] == fl2) begin
        f_ifn[fl2] = f_ifn[fl2] + 1;
        f_inb[fl2] = f_inb[fl2] + F_BB - ((f_qpos[fi2] == 0) ? kvc_axi_read_master0_beat : 0);
      end
  end
integer fi3;
always @(*) begin
  for (fi3 = 0; fi3 < F_TQ; fi3 = fi3 + 1) begin
    f_tpos[fi3] = fi3 - tq_rd;
    f_fpos[fi3] = fi3 - fq_rd;
  end
end
integer fi4;
always @(*)
  for (fi4 = 0; fi4 < F_QD; fi4 = fi4 + 1)
    f_qpos[fi4] = fi4 - kvc_axi_read_master0_q_rd;

// For each in-flight entry: the effective tag of its line, its line's bursts issued, and the number
// of in-flight entries of the same line from it on (itself included).
reg [F_TB-1:0] f_qtag [0:F_QD-1];
reg [7:0] f_qarc [0:F_QD-1];
reg [7:0] f_qlater [0:F_QD-1];
integer fi5, fj5, fl5;
always @(*)
  for (fi5 = 0; fi5 < F_QD; fi5 = fi5 + 1) begin
    f_qtag[fi5] = 0;
    f_qarc[fi5] = 0;
    for (fl5 = 0; fl5 < F_L; fl5 = fl5 + 1)
      if (kvc_axi_read_master0_q_line[fi5] == fl5) begin
        f_qtag[fi5] = f_etag[fl5];
        f_qarc[fi5] = f_arcnt[fl5];
      end
    f_qlater[fi5] = 0;
    for (fj5 = 0; fj5 < F_QD; fj5 = fj5 + 1)
      if (f_qpos[fj5] < kvc_axi_read_master0_outs && f_qpos[fj5] >= f_qpos[fi5]
          && kvc_axi_read_master0_q_line[fj5] == kvc_axi_read_master0_q_line[fi5])
        f_qlater[fi5] = f_qlater[fi5] + 1;
  end

// The effective tag / residency of each ticket's and fetch entry's line, and of the master's line.
reg [F_TB-1:0] f_ttag [0:F_TQ-1];
reg [F_TQ-1:0] f_tlv;
reg [F_TQ-1:0] f_fload;
reg [F_TB-1:0] f_ftag [0:F_TQ-1];
reg [F_TB-1:0] f_ctag;
reg [7:0] f_carc, f_cwcnt;
integer fi6, fl6;
always @(*) begin
  for (fi6 = 0; fi6 < F_TQ; fi6 = fi6 + 1) begin
    f_ttag[fi6] = 0;
    f_tlv[fi6] = 0;
    f_ftag[fi6] = 0;
    f_fload[fi6] = 0;
    for (fl6 = 0; fl6 < F_L; fl6 = fl6 + 1) begin
      if (tq_line[fi6] == fl6) begin
        f_ttag[fi6] = f_etag[fl6];
        f_tlv[fi6] = f_elv[fl6];
      end
      if (fq_line[fi6] == fl6) begin
        f_ftag[fi6] = f_etag[fl6];
        f_fload[fi6] = f_eload[fl6];
      end
    end
  end
  f_ctag = 0;
  f_carc = 0;
  f_cwcnt = 0;
  for (fl6 = 0; fl6 < F_L; fl6 = fl6 + 1)
    if (kvc_axi_read_master0_c_line == fl6) begin
      f_ctag = f_etag[fl6];
      f_carc = f_arcnt[fl6];
      f_cwcnt = f_wcnt[fl6];
    end
end

// ---------------------------------------------------------------------------------------------
// Request / response bookkeeping and the tracked symbolic request
// ---------------------------------------------------------------------------------------------
wire f_acc = s_valid && s_ready && !in_bad;              // a legal request accepted
wire f_out = m_valid && m_ready;                         // a response beat taken
reg [7:0] f_owe = 8'd0;                                  // response beats owed
always @(posedge clk)
  if (rst) f_owe <= 0;
  else f_owe <= f_owe + (f_acc ? F_NW : 0) - f_out;

(* anyseq *) wire f_pick;
reg f_trk = 1'b0;                                        // a chosen request is being tracked
reg [F_TB-1:0] f_blk;                                    // its block
reg [7:0] f_ahead;                                       // response beats owed before its first
reg [7:0] f_done;                                        // its beats already returned
reg f_hit, f_behind;                                     // for the covers
wire [7:0] f_end = f_ahead + F_NW - f_done;              // end of its beats in the owed sequence
wire [7:0] f_pipe = ob_cnt + tix * F_NW - dbeat;         // owed beats not in the request register
wire f_trk_in_out = f_end <= ob_cnt;                     // where the tracked request is: output path,
wire f_trk_in_req = req_full && f_end == f_pipe + F_NW;  // request register, or a ticket (below)
wire [7:0] f_owe_now = f_owe - f_out;
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
      f_behind <= f_owe_now >= F_NW;
    end
  end else begin
    if (dec_fire && f_trk_in_req && !dec_miss) f_hit <= 1'b1;
    if (f_out) begin
      if (f_ahead != 0) f_ahead <= f_ahead - 1'b1;
      else if (f_done == F_NW - 1) f_trk <= 1'b0;
      else f_done <= f_done + 1'b1;
    end
  end

reg f_trk_in_tq;
integer fi7;
always @(*) begin
  f_trk_in_tq = 1'b0;
  for (fi7 = 0; fi7 < F_TQ; fi7 = fi7 + 1)
    if (f_tpos[fi7] < tix && f_end == ob_cnt + (f_tpos[fi7] + 1) * F_NW - dbeat) f_trk_in_tq = 1'b1;
end

// ---------------------------------------------------------------------------------------------
// The properties
// ---------------------------------------------------------------------------------------------
wire [7:0] f_fcnt = stream_fifo0_count;
wire [F_TQW-1:0] f_tdiff = tq_wr - tq_rd;
wire [F_TQW-1:0] f_fdiff = fq_wr - fq_rd;
wire [F_QW-1:0] f_qdiff = kvc_axi_read_master0_q_wr - kvc_axi_read_master0_q_rd;
reg f_wlv;                                               // the current state of the line being written
reg [F_TB-1:0] f_wtag;
integer fl8;
always @(*) begin
  f_wlv = 0;
  f_wtag = 0;
  for (fl8 = 0; fl8 < F_L; fl8 = fl8 + 1)
    if (kvc_tag_store0_w_line == fl8) begin
      f_wlv = kvc_tag_store0_lv[fl8];
      f_wtag = kvc_tag_store0_tag[fl8];
    end
end
always @(*)
  if (f_past_valid && !rst) begin
    // no response beat without an outstanding request; the owed beats are exactly those in the
    // pipeline (request register, tickets less what the head already read, output path)
    assert(!m_valid || f_owe != 0);
    assert(f_owe == (req_full ? F_NW : 0) + f_pipe);
    if (f_trk) begin
      // the tracked request's beats follow all earlier requests' beats (f_ahead of them)
      assert(f_done < F_NW);
      assert(f_ahead == 0 || f_done == 0);
      assert(f_ahead < f_owe && f_end <= f_owe);
      assert(f_trk_in_out || f_trk_in_tq || f_trk_in_req);
      if (f_trk_in_req) assert(req_block == f_blk && f_done == 0);
      // its beat at the front of the response stream carries its block's data (K then V)
      if (f_ahead == 0 && m_valid) assert(m_data == f_row(f_blk, f_done, f_kb, f_vb));
    end
  end

// Output stream: valid stays high and data stable while stalled.
always @(posedge clk)
  if (f_past_valid && !rst && $past(m_valid && !m_ready && !rst)) begin
    assert(m_valid);
    assert(m_data == $past(m_data));
  end

// ---- invariants that make k-induction close ----
// pipeline counters and pointers
always @(*)
  if (f_past_valid && !rst) begin
    assert(tix <= F_T);
    assert(tix != 0 || dbeat == 0);
    assert(dbeat < F_NW);
    assert(f_tdiff == tix[F_TQW-1:0]);
    assert(fq_cnt <= F_TQ);
    assert(f_fdiff == fq_cnt[F_TQW-1:0]);
    assert(ob_cnt <= F_OD);
    assert(ob_cnt == f_fcnt + rd_vld);
    assert(stream_fifo0_count <= F_OD);
    assert(stream_fifo0_wr_ptr - stream_fifo0_rd_ptr == stream_fifo0_count[1:0]);
    assert(!f_w || !req_full);
    assert(!f_w || (tix != 0 && tq_line[tq_wr - 1'b1] == kvc_tag_store0_w_line));
    assert(!f_w || kvc_tag_store0_w_line < F_L);
    assert(!f_w || kvc_tag_store0_w_miss || (f_wlv && f_wtag == kvc_tag_store0_w_block));
    // AXI master: the slave's view equals the master's
    assert(f_outs == kvc_axi_read_master0_outs);
    assert(f_outs <= F_MAXO);
    assert(f_aqr == kvc_axi_read_master0_q_rd && f_aqw == kvc_axi_read_master0_q_wr);
    assert(f_qdiff == f_outs[F_QW-1:0]);
    assert(f_beat == kvc_axi_read_master0_beat && f_beat < F_BB);
    assert(f_outs != 0 || f_beat == 0);
    assert(!kvc_axi_read_master0_arvalid || (kvc_axi_read_master0_busy && f_outs < F_MAXO));
    assert(!kvc_axi_read_master0_busy || kvc_axi_read_master0_c_line < F_L);
  end

// tickets: every ticket names a resident line; reader counts equal the tickets per line
genvar gt;
generate
  for (gt = 0; gt < F_TQ; gt = gt + 1) begin : f_tq
    always @(*)
      if (f_past_valid && !rst) begin
        if (f_tpos[gt] < tix) assert(tq_line[gt] < F_L && f_tlv[gt]);
        if (f_fpos[gt] < fq_cnt) assert(fq_line[gt] < F_L && f_fload[gt] && fq_block[gt] == f_ftag[gt]);
        // the tracked request's ticket names a line holding its block
        if (f_trk && f_tpos[gt] < tix && f_end == ob_cnt + (f_tpos[gt] + 1) * F_NW - dbeat)
          assert(f_ttag[gt] == f_blk);
      end
  end
endgenerate

// per line: fetch state, write progress, readers, and the data memory contents
genvar gl, gj;
generate
  for (gl = 0; gl < F_L; gl = gl + 1) begin : f_line
    wire f_chas = kvc_axi_read_master0_busy && kvc_axi_read_master0_c_line == gl;
    always @(*)
      if (f_past_valid && !rst) begin
        // a line is loading exactly while its fetch is queued, in the master or in flight
        assert(f_eload[gl] == (f_fqn[gl] != 0 || f_chas || f_ifn[gl] != 0));
        assert(!f_eload[gl] || f_elv[gl]);
        assert(!f_eload[gl] || f_tcnt[gl] != 0);
        assert(!f_eload[gl] || f_wcnt[gl] < F_NB);
        assert(!kvc_tag_store0_lv[gl] || f_eload[gl] || f_wcnt[gl] == F_NB);
        assert(f_fqn[gl] <= 1);
        if (f_fqn[gl] != 0) assert(!f_chas && f_ifn[gl] == 0 && f_arcnt[gl] == 0 && f_wcnt[gl] == 0);
        if (f_eload[gl]) begin
          assert(f_arcnt[gl] * F_BB == f_wcnt[gl] + f_inb[gl]);
          if (f_fqn[gl] == 0 && !f_chas) assert(f_arcnt[gl] == F_NBURST);
        end
        if (f_chas) assert(kvc_axi_read_master0_c_burst == f_arcnt[gl] && f_arcnt[gl] < F_NBURST
                           && kvc_axi_read_master0_c_block == f_etag[gl]);
        // readers
        if (kvc_tag_store0_lv[gl])
          assert(kvc_tag_store0_pend[gl] + ((f_w && kvc_tag_store0_w_line == gl) ? 1 : 0) == f_tcnt[gl]);
        else
          assert(f_tcnt[gl] == ((f_w && kvc_tag_store0_w_line == gl) ? 1 : 0));
        if (f_w && kvc_tag_store0_w_miss && kvc_tag_store0_w_line == gl) assert(f_tcnt[gl] == 1);
      end
    for (gj = 0; gj < F_NW; gj = gj + 1) begin : f_word_of
      wire [F_R*F_W-1:0] f_mem_word;
      if (gl < F_P) begin : f_pin
        assign f_mem_word = kvc_tier_ram0_pinned_mem[gl * (1 << F_WBW) + gj];
      end else begin : f_man
        assign f_mem_word = kvc_tier_ram1_managed_mem[(gl - F_P) * (1 << F_WBW) + gj];
      end
      // a word is written with the beat that completes it
      always @(*)
        if (f_past_valid && !rst && kvc_tag_store0_lv[gl] && (gj + 1) * F_R <= f_wcnt[gl])
          assert(f_mem_word == f_row(kvc_tag_store0_tag[gl], gj, f_kb, f_vb));
    end
  end
endgenerate

// the fill's packer (ROW_BEATS > 1): words never straddle bursts (F_R divides F_BB), so the beats
// of the word being packed are the first (beat mod F_R) beats written of the head burst's line, the
// newest in the top lane of the packer's pk
generate
  if (F_R > 1) begin : f_packer
    reg [F_TB-1:0] f_htag;
    reg [7:0] f_hwcnt;
    integer fl9;
    always @(*) begin
      f_htag = 0;
      f_hwcnt = 0;
      for (fl9 = 0; fl9 < F_L; fl9 = fl9 + 1)
        if (kvc_axi_read_master0_q_line[kvc_axi_read_master0_q_rd] == fl9) begin
          f_htag = f_etag[fl9];
          f_hwcnt = f_wcnt[fl9];
        end
    end
    genvar gk;
    for (gk = 0; gk < F_R - 1; gk = gk + 1) begin : f_lane
      always @(*)
        if (f_past_valid && !rst && f_outs != 0 && gk < f_beat % F_R)
          assert(kvc_row_packer0_pk[(F_R - 1 - gk) * F_W - 1 -: F_W] == f_word(f_htag, f_hwcnt - 1 - gk, f_kb, f_vb));
    end
  end
endgenerate

// in-flight bursts: their address and burst index
genvar gq;
generate
  for (gq = 0; gq < F_QD; gq = gq + 1) begin : f_inflight
    always @(*)
      if (f_past_valid && !rst && f_qpos[gq] < f_outs) begin
        assert(kvc_axi_read_master0_q_line[gq] < F_L);
        assert(kvc_axi_read_master0_q_burst[gq] + f_qlater[gq] == f_qarc[gq]);
        assert(f_aq[gq] == f_word(f_qtag[gq], kvc_axi_read_master0_q_burst[gq] * F_BB, f_kb, f_vb));
      end
  end
endgenerate

// the AR address being offered is that of the master's block and burst
always @(*)
  if (f_past_valid && !rst && kvc_axi_read_master0_arvalid)
    assert(m_axi_araddr == (kvc_axi_read_master0_c_burst >= F_NBURST / 2 ? v_base : k_base)
                           + kvc_axi_read_master0_c_block * F_HALF_BYTES
                           + ((kvc_axi_read_master0_c_burst * F_BB) & (F_HB - 1)) * F_BYTES);

// the output path: beats of the tracked request in the FIFO and in the RAM read stage
genvar go;
generate
  for (go = 0; go < F_OD; go = go + 1) begin : f_ob
    wire [1:0] f_pos = go - stream_fifo0_rd_ptr;
    always @(*)
      if (f_past_valid && !rst && f_trk && f_pos < stream_fifo0_count && f_pos >= f_ahead && f_pos < f_end)
        assert(stream_fifo0_mem[go] == f_row(f_blk, f_done + f_pos - f_ahead, f_kb, f_vb));
  end
endgenerate
always @(*)
  if (f_past_valid && !rst && f_trk && rd_vld && f_fcnt >= f_ahead && f_fcnt < f_end)
    assert(ob_data == f_row(f_blk, f_done + f_fcnt - f_ahead, f_kb, f_vb));

// ---- covers: a hit whose data is returned; two requests answered in order ----
always @(posedge clk)
  if (f_past_valid && !rst) begin
    cover(f_trk && f_hit && f_out && f_ahead == 0 && f_done == F_NW - 1);
    cover(f_trk && f_behind && f_out && f_ahead == 0 && f_done == F_NW - 1);
  end
`default_nettype wire
`endif
