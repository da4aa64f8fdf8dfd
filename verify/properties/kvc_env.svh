// The KV cache proofs' request environment (kvc_cache.sv, kvc_cache_split.sv): the request stream
// keeps valid high and its data stable while it waits, and the bases are constant during a head.
// Include after f_past_valid is declared.
`ifndef FP_KVC_ENV_SVH
`define FP_KVC_ENV_SVH
always @(posedge clk)
  if (f_past_valid) begin
    if ($past(s_valid && !s_ready && !rst)) begin
      assume(s_valid);
      assume(s_data == $past(s_data));
    end
    if (!rst) assume(k_base == $past(k_base) && v_base == $past(v_base));
  end
`endif
