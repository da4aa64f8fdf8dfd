# Vitis link hook (procedural, hence .tcl and not .xdc): move the kernel units that the floorplan
# (constraints/floorplan.toml) assigns away from the kernel's home SLR into the platform's
# dynamic-region pblock of that SLR. v++ runs it before opt_design through
#   [vivado] prop=run.impl_1.STEPS.OPT_DESIGN.TCL.PRE=<build/vivado>/vitis_floorplan_hook.tcl
# which sets ::fast_prefill_units (unit -> {SLRs cell-patterns}) and sources this file.
# Units with several SLRs stay where the placer puts them inside those SLRs: only single-SLR
# units are pinned (a cell belongs to one pblock).

proc fast_prefill_floorplan {kernel_ref units} {
    set kernels [get_cells -quiet -hierarchical -filter "REF_NAME =~ ${kernel_ref}*"]
    if {[llength $kernels] == 0} {
        puts "fast_prefill floorplan: no instance of ${kernel_ref} found; nothing to place"
        return
    }
    foreach kernel $kernels {
        dict for {unit entry} $units {
            lassign $entry slrs patterns
            if {[llength $slrs] != 1} { continue }
            set pblock [get_pblocks -quiet "pblock_dynamic_[lindex $slrs 0]"]
            if {[llength $pblock] == 0} {
                puts "fast_prefill floorplan: platform pblock pblock_dynamic_[lindex $slrs 0] not found; $unit left to the placer"
                continue
            }
            foreach pattern $patterns {
                set cells [get_cells -quiet -hierarchical -filter "NAME =~ ${kernel}/*${pattern}"]
                if {[llength $cells] > 0} {
                    add_cells_to_pblock -quiet $pblock $cells
                    puts "fast_prefill floorplan: [llength $cells] cell(s) of $unit ($pattern) -> $pblock"
                }
            }
        }
    }
}
