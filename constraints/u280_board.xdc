# Alveo U280 board pins for the plain-Vivado flow (not used by Vitis, whose platform owns the pins).
# Only a board-level wrapper around the kernel uses these ports; the project script puts this file
# in the constraint set "constrs_board", which the out-of-context runs do not use.
# Pins: UG1314 (Alveo U280 user guide) and the U280 master XDC.

# SYSCLK0: 100 MHz LVDS reference, bank 65 (the clock the HBM reference and MMCM use).
set_property PACKAGE_PIN BJ43 [get_ports sysclk0_clk_p]
set_property PACKAGE_PIN BJ44 [get_ports sysclk0_clk_n]
set_property IOSTANDARD LVDS [get_ports {sysclk0_clk_p sysclk0_clk_n}]
set_property DQS_BIAS TRUE [get_ports sysclk0_clk_p]
create_clock -period 10.000 -name sysclk0 [get_ports sysclk0_clk_p]

# SYSCLK1: 100 MHz LVDS reference, bank 69.
set_property PACKAGE_PIN BH6 [get_ports sysclk1_clk_p]
set_property PACKAGE_PIN BJ6 [get_ports sysclk1_clk_n]
set_property IOSTANDARD LVDS [get_ports {sysclk1_clk_p sysclk1_clk_n}]
set_property DQS_BIAS TRUE [get_ports sysclk1_clk_p]
create_clock -period 10.000 -name sysclk1 [get_ports sysclk1_clk_p]

# CPU_RESET_FPGA: active-low push button (SW1), bank 75; asynchronous, so not timed.
set_property PACKAGE_PIN L30 [get_ports cpu_reset_fpga]
set_property IOSTANDARD LVCMOS18 [get_ports cpu_reset_fpga]
set_false_path -from [get_ports cpu_reset_fpga]

# HBM_CATTRIP must be driven (low, or the OR of the HBM IP's CATTRIP outputs): left floating the
# card's satellite controller reads a catastrophic HBM temperature and powers the card down.
set_property PACKAGE_PIN D32 [get_ports hbm_cattrip]
set_property IOSTANDARD LVCMOS18 [get_ports hbm_cattrip]
set_property PULLTYPE PULLDOWN [get_ports hbm_cattrip]
