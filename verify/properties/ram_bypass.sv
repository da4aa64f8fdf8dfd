// Properties of ram_bypass (rtl/common/ram_bypass.py), injected into the converted module by
// fast_prefill.verify.formal. Parameters arrive as `FP_ADDR_WIDTH and `FP_WIDTH. The RAM is the
// ram_deep instance ram_deep0, whose hand-written memory mem_mem is ram_deep0_mem_mem once the
// design is flattened for the proof. No reset: the memory starts with any content.
`ifdef FORMAL
// The caller's contract: hit says that this edge's write lands at the address being read.
always @(*) assume(hit == (we && waddr == raddr));

// A tracked address (any, fixed for the run) and its word once written.
(* anyconst *) reg [`FP_ADDR_WIDTH-1:0] f_addr;
reg [`FP_WIDTH-1:0] f_word;
reg f_known = 1'b0;               // f_addr was written at least once
reg f_read = 1'b0;                // the last edge read f_addr
always @(posedge clk) begin
  if (we && waddr == f_addr) begin
    f_known <= 1'b1;
    f_word <= wdata;
  end
  f_read <= raddr == f_addr;
end

// The memory holds the last word written at f_addr; the read of the last edge returns it (the
// word written at that very edge included: the bypass), whatever the RAM's own read gave.
always @(*)
  if (f_known) begin
    assert(ram_deep0_mem_mem[f_addr] == f_word);
    if (f_read) assert(rdata == f_word);
  end

// Covers: a read that meets the write of the same edge returns the new word; a read of a word
// written earlier returns it.
reg f_bypassed = 1'b0;
always @(posedge clk) f_bypassed <= we && waddr == raddr && raddr == f_addr && f_known;
always @(*) cover(f_bypassed && rdata == f_word && hit_r);
always @(*) cover(f_read && f_known && !hit_r && rdata == f_word);
`endif
