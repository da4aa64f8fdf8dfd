// Properties of sig_list_builder (rtl/sig/list_builder.py), injected into the converted module by
// fast_prefill.verify.formal. Parameter: `FP_MAX_BLOCKS. Internal names (state, r_cnt, c_cnt,
// last_row, out_valid, out_end, out_row, out_blk, out_last, vert_rd, slash_rd, x_hit, dense, step, take)
// are those of the generated Verilog. States: 0 CLEAR, 1 HEADER, 2 LOAD, 3 SCAN, 4 FLUSH, 5 DRAIN.
//
// The index-ordering contract (docs/design.md section 4) is stated on the output port alone:
// within a row the blocks strictly increase, every block is <= row, block 0 opens and block `row`
// closes each row, `last` (the row-end marker) is set exactly on block == row, rows arrive in order
// 0 .. nb-1 (nb from the head's header beat), a head is complete before the next header is taken,
// and no beat appears outside a head. The invariants below tie the scan counters and the output
// register to the last emitted beat so that k-induction closes.
`ifdef FORMAL
localparam integer F_IW = $clog2(`FP_MAX_BLOCKS);

`include "common.svh"
`FP_START_IN_RESET(rst)

// ---- input streams obey the valid/ready rules
`FP_ASSUME_STREAM(rst, s_sel_valid, s_sel_ready, s_sel_data)
`FP_ASSUME_STREAM(rst, s_extra_valid, s_extra_ready, s_extra_data)

// ---- output stream rules
`FP_ASSERT_STREAM(rst, m_valid, m_ready, m_data)

// ---- interface-level tracking (no internal signal): heads, last emitted beat
wire [F_IW-1:0] f_row = m_data[2*F_IW:F_IW+1];
wire [F_IW-1:0] f_blk = m_data[F_IW:1];
wire f_last = m_data[0];
wire f_head_end = m_data[2*F_IW+1];
wire [F_IW-1:0] f_sel_val = s_sel_data[F_IW-1:0];
wire f_sel_last = s_sel_data[F_IW+2];
wire f_sel_go = s_sel_valid && s_sel_ready;
wire f_out_go = m_valid && m_ready;

reg f_expect_hdr;            // the next s_sel beat is a header
reg f_pending;               // a head was accepted and its final row-end has not left yet
reg f_started;               // a beat of the pending head has left
reg [F_IW-1:0] f_head_last;  // nb - 1 of the pending head
reg [F_IW-1:0] f_prow, f_pblk;
reg f_plast;
wire f_hdr = f_sel_go && f_expect_hdr;

always @(posedge clk)
  if (rst) begin
    f_expect_hdr <= 1'b1;
    f_pending <= 1'b0;
    f_started <= 1'b0;
  end else begin
    if (f_sel_go) f_expect_hdr <= f_sel_last;
    if (f_out_go) begin
      f_prow <= f_row;
      f_pblk <= f_blk;
      f_plast <= f_last;
      f_started <= 1'b1;
      if (f_last && f_row == f_head_last) begin
        f_pending <= 1'b0;
        f_started <= 1'b0;
      end
    end
    if (f_hdr) begin
      f_pending <= 1'b1;
      f_head_last <= f_sel_val;
    end
  end

// ---- the index-ordering contract, on every presented beat
always @(*)
  if (f_past_valid && !rst) begin
    if (f_hdr) assert(!f_pending);           // the previous head is complete
    if (m_valid) begin
      assert(f_pending);                     // no beat outside a head
      assert(f_blk <= f_row);                // every block <= row
      assert(f_row <= f_head_last);          // rows within the head
      assert(f_last == (f_blk == f_row));    // row-end marker exactly on the diagonal block
      assert(f_head_end == (f_last && f_row == f_head_last));  // head-end marker on the final beat
      if (!f_started) begin
        assert(f_row == 0 && f_blk == 0);    // a head starts with row 0, block 0
      end else if (f_plast) begin
        assert({1'b0, f_row} == {1'b0, f_prow} + 1'b1);  // rows in order
        assert(f_blk == 0);                  // block 0 opens every row
      end else begin
        assert(f_row == f_prow);             // a row continues until its marker
        assert(f_blk > f_pblk);              // strictly increasing
      end
    end
  end

// ---- invariants for k-induction
wire f_L_any = out_valid || f_started;
wire [F_IW-1:0] f_L_row = out_valid ? out_row : f_prow;
wire [F_IW-1:0] f_L_blk = out_valid ? out_blk : f_pblk;
wire f_L_last = out_valid ? out_last : f_plast;

always @(*)
  if (f_past_valid && !rst) begin
    assert(state <= 5);
    assert(m_valid == out_valid);
    if (out_valid) assert(out_end == (out_last && out_row == last_row));
    assert(f_expect_hdr == (state != 2));
    if (f_started) begin
      assert(f_pending);
      assert(f_pblk <= f_prow && f_prow <= f_head_last);
      assert(f_plast == (f_pblk == f_prow));
      if (f_plast) assert(f_prow < f_head_last);
    end
    if (state <= 2) assert(!out_valid && !f_started);
    if (state <= 1) assert(!f_pending);
    if (state >= 2) assert(last_row == f_head_last);
    if (state == 2 || state == 3) assert(f_pending);
    if (state == 2) assert(r_cnt == 0 && c_cnt == 0);
    if (state >= 4) begin
      if (f_pending) assert(out_valid && out_row == last_row && out_last);
      else assert(!out_valid);
    end
    if (state == 3) begin
      assert(c_cnt <= r_cnt && r_cnt <= last_row);
      if (c_cnt == 0) begin
        if (r_cnt == 0) assert(!f_L_any);
        else assert(f_L_any && {1'b0, f_L_row} + 1'b1 == {1'b0, r_cnt} && f_L_last);
      end else begin
        assert(f_L_any && f_L_row == r_cnt && f_L_blk < c_cnt && !f_L_last);
      end
    end
  end

// ---- covers: a row with three or more blocks; a complete query-aware head whose lists contain a
// block that only the query-aware stream selected
reg [F_IW:0] f_in_row;
reg f_qa_block;
always @(posedge clk)
  if (rst) begin
    f_in_row <= 0;
    f_qa_block <= 1'b0;
  end else begin
    if (f_out_go) f_in_row <= f_last ? 0 : f_in_row + 1'b1;
    if (f_hdr) f_qa_block <= 1'b0;
    else if (state == 3 && step && x_hit && !vert_rd && !slash_rd && !dense && c_cnt != 0 && c_cnt != r_cnt)
      f_qa_block <= 1'b1;
  end

always @(posedge clk)
  if (f_past_valid && !rst) begin
    cover(f_out_go && f_last && f_in_row >= 2);
    cover(f_out_go && f_last && f_row == f_head_last && f_row >= 2 && f_qa_block);
  end
`endif
