// Cache-liveness properties of kvc_tag_store (rtl/kvc/tag_store.py), docs/design.md section 4, injected
// into the converted module by fast_prefill.verify.formal. Parameters: `FP_PINNED, `FP_MANAGED,
// `FP_TAG_BITS, `FP_MAX_READERS. Internal names (lv, tag, nu, pend, loading, choose, miss, fire, ...)
// are those of the generated Verilog. The environment (request source, ticket retirement, line
// fills) is free within the rules assumed below, a superset of what kv_cache does.
`ifdef FORMAL
localparam integer F_P = `FP_PINNED;
localparam integer F_M = `FP_MANAGED;
localparam integer F_L = F_P + F_M;
localparam integer F_R = `FP_MAX_READERS;
localparam integer F_TB = `FP_TAG_BITS;
localparam [F_TB:0] F_DEAD = {(F_TB + 1){1'b1}};

`include "common.svh"
`FP_START_IN_RESET(rst)

// ---- environment ----
// The request is held (valid and fields) while it waits.
`FP_ASSUME_STREAM(rst, req_valid, req_ready, {req_block, req_next_use, req_pinnable})
// Readers are retired only for lines that have some; fills only for lines that are loading.
always @(*) begin
  assume(!rel_valid || (rel_line < F_L && lv[rel_line] && pend[rel_line] != 0));
  assume(!fill_valid || (fill_line < F_L && loading[fill_line]));
  assume(q_line < F_L);
end
// At most F_R undelivered readers in all (kv_cache: tickets <= prefetch_depth + 1).
reg [7:0] f_readers;
integer fa;
always @(*) begin
  f_readers = w_valid ? 8'd1 : 8'd0;  // the decision being written
  for (fa = 0; fa < F_L; fa = fa + 1)
    if (lv[fa]) f_readers = f_readers + pend[fa];
end
always @(*) assume(!room || f_readers < F_R);

// ---- what a decision did ----
// The chosen line's fields, read with constant addresses only: yosys's smt2 back end treats a
// memory as one node, so reading tag[choose] (choose depends on tag reads) would be a false loop.
reg [F_TB:0] f_vnu;
reg [F_TB-1:0] f_vtag;
reg [7:0] f_vpend;
integer fc;
always @(*) begin
  f_vnu = 0;
  f_vtag = 0;
  f_vpend = 0;
  for (fc = 0; fc < F_L; fc = fc + 1)
    if (choose == fc) begin
      f_vnu = nu[fc];
      f_vtag = tag[fc];
      f_vpend = pend[fc];
    end
end
wire f_evict = fire && miss && lv[choose];         // the chosen line held another block
wire [2*F_TB:0] f_vkey = {f_vnu, f_vtag};
reg f_dead_resident, f_man_free, f_pin_free, f_present, f_dup;
integer fi, fj, fk;  // one loop variable per always block (shared ones make yosys loops)
always @(*) begin
  f_dup = 1'b0;
  for (fk = 0; fk < F_L; fk = fk + 1)
    for (fj = fk + 1; fj < F_L; fj = fj + 1)
      if (lv[fk] && lv[fj] && tag[fk] == tag[fj]) f_dup = 1'b1;
end
always @(*) begin
  f_dead_resident = 1'b0;
  f_man_free = 1'b0;
  f_pin_free = 1'b0;
  f_present = 1'b0;
  for (fi = 0; fi < F_L; fi = fi + 1) begin
    if (fi >= F_P && lv[fi] && nu[fi] == F_DEAD) f_dead_resident = 1'b1;
    if (fi >= F_P && !lv[fi]) f_man_free = 1'b1;
    if (fi < F_P && !lv[fi]) f_pin_free = 1'b1;
    if (lv[fi] && tag[fi] == req_block) f_present = 1'b1;
  end
end

genvar gi;
generate
  for (gi = 0; gi < F_L; gi = gi + 1) begin : f_line
    always @(*)
      if (f_past_valid && !rst) begin
        // loading lines are resident; reader counts stay in range
        assert(!loading[gi] || lv[gi]);
        if (lv[gi]) assert(pend[gi] <= F_R);
        // eviction: among live blocks the farthest next use (ties: larger block), so never a
        // live block while a dead one is resident
        if (f_evict && gi >= F_P && lv[gi])
          assert({nu[gi], tag[gi]} <= f_vkey);
      end
    // pinned blocks are never evicted during a head
    if (gi < F_P) begin : f_pinned
      always @(posedge clk)
        if (f_past_valid && !rst && !$past(rst) && $past(lv[gi])) begin
          assert(lv[gi]);
          assert(tag[gi] == $past(tag[gi]));
        end
    end
  end
endgenerate

// at most one copy of any tag
always @(*) if (f_past_valid && !rst) assert(!f_dup);

always @(*)
  if (f_past_valid && !rst && fire) begin
    assert(choose < F_L);
    // a hit is a real hit, a miss a real miss
    if (!miss) assert(lv[choose] && f_vtag == req_block);
    if (miss) assert(!f_present);
    // never evict a live block while a dead one is resident
    if (f_evict && f_dead_resident) assert(f_vnu == F_DEAD);
    // evictions only in the managed tier, only when it is full, never over undelivered readers
    if (f_evict) assert(choose >= F_P && !f_man_free && f_vpend == 0);
    // pinned lines are only ever filled while free, by pinnable blocks; pinnable blocks use them first
    if (miss && choose < F_P) assert(req_pinnable && !lv[choose]);
    if (miss && req_pinnable && f_pin_free) assert(choose < F_P);
  end

// ---- covers: a miss, a hit, an eviction of a dead block, an eviction of a live block ----
always @(posedge clk)
  if (f_past_valid && !rst) begin
    cover(fire && miss && !lv[choose]);
    cover(fire && !miss);
    cover(f_evict && f_vnu == F_DEAD);
    cover(f_evict && f_vnu != F_DEAD);
  end
`endif
