# False paths into reset synchronisers (XDC only: no procedural Tcl in this file).
#
# ap_rst_n is synchronous to ap_clk in a Vitis kernel and is timed normally. A reset that comes
# from another clock domain or from a pin (the plain-Vivado board flow: CPU_RESET_FPGA) enters the
# kernel through a two-stage synchroniser whose registers are named rst_sync_s0 / rst_sync_s1 and
# carry ASYNC_REG; only the path into the first stage is false. -quiet: a build without such a
# synchroniser has nothing to constrain.
set_false_path -to [get_pins -quiet -hierarchical -filter {NAME =~ "*rst_sync_s0_reg*/D"}]
set_property ASYNC_REG TRUE [get_cells -quiet -hierarchical -filter {NAME =~ "*rst_sync_s0_reg*" || NAME =~ "*rst_sync_s1_reg*"}]
