# Kernel clock of the Vitis RTL kernel: 300 MHz by default (DESIGN.md section 6).
# In a Vitis flow the platform drives ap_clk; this constraint serves out-of-context synthesis and
# the plain-Vivado project. Regenerated per preset by the packaging scripts (issue 8).
create_clock -period 3.333 -name ap_clk [get_ports ap_clk]
