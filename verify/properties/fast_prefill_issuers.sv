// The head issuers of the kernel top level fast_prefill (rtl/top/fast_prefill.py), injected into the
// converted top by fast_prefill.verify.formal. The SIG head, the attention path, the access FIFO and
// the read arbiters are black boxes: their outputs (busy, done, the FIFO's m_valid, ...) are free,
// so every property below holds whatever the units do. The control slave axil_control is kept.
//
// 1. the attention path never runs a head whose SIG has not started: hp <= hs, and hp < hs while
//    the path issuer starts or waits for a head;
// 2. no SIG starts past the last head (hs <= H while running) nor after an error was seen;
// 3. the run ends (ap_done) only once every started head has attended, with both issuers idle;
// 4. outside a run both issuers are idle (a reset or an error ends nothing half-issued).
// Covers: the SIG two heads ahead of the attention (the overlap), and a run ending with an error
// while a started head still had to attend.
// Internal names (the converted fast_prefill's own registers and wires): state, ss, ps, hs, hp,
// stop, run_end, a_h (H), args (axil_control's argument register, kept).
`ifdef FORMAL
localparam [2:0] F_IDLE = 3'd0, F_RUN = 3'd3, F_FINISH = 3'd4;      // enum S, in declaration order
localparam [1:0] F_SIDLE = 2'd0, F_SSTART = 2'd1, F_SWAIT = 2'd2;   // enums SS and PS

reg f_past_valid = 1'b0;
always @(posedge ap_clk) f_past_valid <= 1'b1;
reg [1:0] f_t = 0;
always @(posedge ap_clk) if (f_t != 2'd3) f_t <= f_t + 1;
always @(*) if (f_t < 2) assume(!ap_rst_n);
// the host keeps the arguments while a run is on (docs/kernel.md: they must not be written while
// ap_idle is low)
always @(posedge ap_clk)
  if (f_past_valid && $past(state != F_IDLE) && state != F_IDLE) assume($stable(a_h));

always @(*)
  if (f_t >= 2 && !rst) begin
    // 4: issuers idle outside a run
    if (state != F_RUN) assert(ss == F_SIDLE && ps == F_SIDLE);
    // 1: the path's head has had its SIG started
    assert(hp <= hs);
    if (ps != F_SIDLE) assert(hp < hs);
    // 2: within the run's heads
    if (state == F_RUN) begin
      assert(hs <= a_h);
      if (ss == F_SSTART) assert(hs < a_h);
    end
  end

always @(posedge ap_clk)
  if (f_past_valid && f_t >= 2 && !rst && !$past(rst)) begin
    // 2: a SIG start follows a cycle without an error seen
    if (ss == F_SSTART) assert($past(ss == F_SIDLE && !stop));
    // 3: the run ends only with every started head attended and both issuers idle
    if (state == F_FINISH && $past(state == F_RUN))
      assert($past(hp == hs && ss == F_SIDLE && ps == F_SIDLE && run_end));
  end

// covers: the SIG two heads ahead; an error ending a run after a head that started before it
always @(posedge ap_clk)
  if (f_past_valid && f_t >= 2 && !rst) begin
    cover(state == F_RUN && hs == hp + 2);
    cover(state == F_FINISH && $past(stop) && $past(hs) >= 2);
  end
`endif
