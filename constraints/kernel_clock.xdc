# Kernel clock of the Vitis RTL kernel: 300 MHz by default (DESIGN.md section 6, config.clock_mhz).
# In a Vitis flow the platform drives ap_clk; this constraint serves out-of-context synthesis and
# the plain-Vivado project. `make vivado` writes a copy with the preset's period into
# build/vivado/constraints/ (a test keeps this file in step with the u280 preset).
create_clock -period 3.333 -name ap_clk [get_ports ap_clk]
