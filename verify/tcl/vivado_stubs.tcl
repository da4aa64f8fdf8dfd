# Static checker for Vivado/Vitis Tcl and XDC under plain tclsh (Vivado is not available here).
#
# The script under test runs in a child interpreter. Every Vivado command it may call is an alias
# to ::stub::call in this (master) interpreter, which
#   - checks the command against the allow-list below (unknown command: error),
#   - parses its arguments: every word that looks like a flag (-name) must be a flag of that
#     command, flags marked ":" take a value, required flags must be present, the number of
#     positional arguments must be in range,
#   - checks that files given to add_files/read_verilog/read_xdc/source/package_xo exist,
#   - checks every .xdc file it reads in "xdc" mode (below),
#   - records "command arg ..." to the log and returns a plausible dummy value.
# "tcl" mode: the child has all of Tcl plus the stubs. "xdc" mode: the child has only the commands
# that UG903 allows in an XDC file (timing, physical and object-query commands, set/list/expr);
# proc, if, foreach, source, puts, file ... are hidden, so procedural code in an .xdc fails.
#
# Usage: tclsh vivado_stubs.tcl MODE LOG SCRIPT [ARGS...]   (MODE: tcl or xdc)
# Exit 0 when the script ran to the end; 1 with "STUB-ERROR: ..." on stderr otherwise.

namespace eval ::stub {
    variable spec
    variable log {}
    variable made {}        ;# directories a stubbed command would create (ipx::package_project)
    variable board_parts {} ;# what get_board_parts returns (FAST_PREFILL_STUB_BOARD_PARTS)
    variable xdc_files {}   ;# every .xdc checked, in order
}

# name {flags} {min_positional max_positional} return-kind {which positionals are files} {required flags}
# A flag ending in ":" takes a value. max -1: unbounded. Files: "all" or a list of indices.
set ::stub::table {
    create_project          {-force -part: -in_memory -ip -rtl_kernel -quiet -verbose} {0 2} project {} {}
    open_project            {-part: -read_only -quiet -verbose} {1 1} project all {}
    close_project           {-delete -quiet -verbose} {0 0} none {} {}
    current_project         {-quiet -verbose} {0 1} project {} {}
    save_project_as         {-force -exclude_run_results -include_local_ip_cache -scan_for_includes -quiet -verbose} {1 2} project {} {}
    set_property            {-dict: -name: -value: -objects: -quiet -verbose} {0 -1} none {} {}
    get_property            {-min -max -quiet -verbose} {2 2} value {} {}
    set_param               {-quiet -verbose} {2 2} none {} {}
    set_msg_config          {-id: -string: -new_severity: -severity: -limit: -suppress -quiet -verbose} {0 0} none {} {}
    add_files               {-fileset: -of_objects: -norecurse -scan_for_includes -copy_to: -force -quiet -verbose} {1 -1} files all {}
    import_files            {-fileset: -of_objects: -norecurse -flat -relative_to: -force -quiet -verbose} {0 -1} files all {}
    read_verilog            {-library: -sv -quiet -verbose} {1 -1} files all {}
    read_xdc                {-cells: -ref: -mode: -unmanaged -no_add -quiet -verbose} {1 -1} files all {}
    create_fileset          {-constrset -simset -blockset -define_from: -clone_properties: -quiet -verbose} {1 1} fileset {} {}
    get_filesets            {-regexp -nocase -filter: -of_objects: -quiet -verbose} {0 -1} list {} {}
    current_fileset         {-constrset -simset -quiet -verbose} {0 1} fileset {} {}
    get_files               {-regexp -nocase -filter: -of_objects: -compile_order: -used_in: -all -quiet -verbose} {0 -1} list {} {}
    update_compile_order    {-fileset: -quiet -verbose} {0 0} none {} {}
    get_parts               {-regexp -nocase -filter: -of_objects: -quiet -verbose} {0 -1} list {} {}
    get_board_parts         {-regexp -nocase -filter: -of_objects: -latest_hw_revision -latest_file_version -quiet -verbose} {0 -1} board_parts {} {}
    create_run              {-constrset: -parent_run: -flow: -strategy: -report_strategy: -quiet -verbose} {1 1} run {} {-flow:}
    get_runs                {-regexp -nocase -filter: -of_objects: -quiet -verbose} {0 -1} list {} {}
    reset_run               {-prev_step -from_step: -quiet -verbose} {1 1} none {} {}
    launch_runs             {-jobs: -scripts_only -lsf: -to_step: -next_step -host: -remote_cmd: -email_to: -email_all -pre_launch_script: -post_launch_script: -force -quiet -verbose} {1 -1} none {} {}
    wait_on_run             {-timeout: -quiet -verbose} {1 1} none {} {}
    wait_on_runs            {-timeout: -exit_condition: -quiet -verbose} {1 -1} none {} {}
    open_run                {-name: -pr_config: -quiet -verbose} {1 1} design {} {}
    synth_design            {-name: -part: -top: -mode: -flatten_hierarchy: -directive: -include_dirs: -generic: -verilog_define: -retiming -no_lc -keep_equivalent_registers -max_dsp: -max_bram: -max_uram: -quiet -verbose} {0 0} design {} {}
    opt_design              {-directive: -quiet -verbose} {0 0} none {} {}
    place_design            {-directive: -quiet -verbose} {0 0} none {} {}
    phys_opt_design         {-directive: -quiet -verbose} {0 0} none {} {}
    route_design            {-directive: -quiet -verbose} {0 0} none {} {}
    write_checkpoint        {-force -cell: -incremental_synth -quiet -verbose} {1 1} none {} {}
    report_utilization      {-file: -json: -append -pblocks: -evaluate_pblock -exclude_child_pblocks -exclude_non_assigned -cells: -return_string -slr -packthru -name: -no_primitives -omit_locs -hierarchical -hierarchical_depth: -hierarchical_percentages -quiet -verbose} {0 0} none {} {}
    report_timing_summary   {-check_timing_verbose -delay_type: -no_detailed_paths -setup -hold -max_paths: -nworst: -unique_pins -path_type: -report_unconstrained -warn_on_violation -significant_digits: -no_header -file: -append -name: -return_string -rpx: -quiet -verbose} {0 0} none {} {}
    report_clock_utilization {-file: -append -return_string -name: -quiet -verbose} {0 0} none {} {}
    report_drc              {-name: -file: -append -return_string -ruledecks: -checks: -quiet -verbose} {0 0} none {} {}
    package_xo              {-kernel_name: -force -kernel_xml: -output_kernel_xml: -design_xml: -ip_directory: -parent_ip_directory: -kernel_files: -kernel_xml_args: -kernel_xml_pipes: -kernel_xml_connections: -ctrl_protocol: -xo_path: -quiet -verbose} {0 0} none {} {-kernel_name: -xo_path:}
    ipx::package_project    {-root_dir: -vendor: -library: -taxonomy: -import_files -set_current: -force -force_update_compile_order -module: -generated_files -quiet -verbose} {0 0} core {} {-root_dir:}
    ipx::unload_core        {-quiet -verbose} {0 1} none all {}
    ipx::edit_ip_in_project {-name: -directory: -upgrade: -quiet -verbose} {1 1} project all {}
    ipx::current_core       {-quiet -verbose} {0 1} core {} {}
    ipx::associate_bus_interfaces {-busif: -clock: -reset: -remove -clear -quiet -verbose} {1 1} none {} {-clock:}
    ipx::get_bus_interfaces {-of_objects: -regexp -nocase -filter: -quiet -verbose} {0 -1} list {} {}
    ipx::add_bus_parameter  {-quiet -verbose} {2 2} object {} {}
    ipx::get_user_parameters {-of_objects: -regexp -nocase -filter: -quiet -verbose} {0 -1} empty {} {}
    ipx::remove_user_parameter {-quiet -verbose} {2 2} none {} {}
    ipx::add_memory_map     {-quiet -verbose} {2 2} object {} {}
    ipx::add_address_block  {-quiet -verbose} {2 2} object {} {}
    ipx::add_register       {-quiet -verbose} {2 2} object {} {}
    ipx::add_register_parameter {-quiet -verbose} {2 2} object {} {}
    ipx::add_field          {-quiet -verbose} {2 2} object {} {}
    ipx::infer_bus_interface {-quiet -verbose} {3 3} object {} {}
    ipx::create_xgui_files  {-quiet -verbose} {1 1} none {} {}
    ipx::update_checksums   {-quiet -verbose} {1 1} none {} {}
    ipx::update_source_project_archive {-component: -quiet -verbose} {0 0} none {} {}
    ipx::check_integrity    {-kernel -xrt -quiet -verbose} {1 1} none {} {}
    ipx::save_core          {-quiet -verbose} {1 1} none {} {}
    create_clock            {-period: -name: -waveform: -add -quiet -verbose} {0 1} clock {} {-period:}
    create_generated_clock  {-name: -source: -edges: -divide_by: -multiply_by: -combinational -duty_cycle: -invert -edge_shift: -add -master_clock: -quiet -verbose} {1 1} clock {} {}
    set_false_path          {-setup -hold -rise -fall -reset_path -from: -rise_from: -fall_from: -to: -rise_to: -fall_to: -through: -rise_through: -fall_through: -quiet -verbose} {0 0} none {} {}
    set_max_delay           {-rise -fall -reset_path -from: -rise_from: -fall_from: -to: -rise_to: -fall_to: -through: -datapath_only -quiet -verbose} {1 1} none {} {}
    set_multicycle_path     {-setup -hold -rise -fall -start -end -reset_path -from: -to: -through: -quiet -verbose} {1 1} none {} {}
    set_clock_groups        {-name: -logically_exclusive -physically_exclusive -asynchronous -group: -quiet -verbose} {0 0} none {} {}
    set_input_delay         {-clock: -reference_pin: -clock_fall -rise -fall -max -min -add_delay -network_latency_included -source_latency_included -quiet -verbose} {2 2} none {} {}
    set_output_delay        {-clock: -reference_pin: -clock_fall -rise -fall -max -min -add_delay -network_latency_included -source_latency_included -quiet -verbose} {2 2} none {} {}
    create_pblock           {-quiet -verbose} {1 1} pblock {} {}
    add_cells_to_pblock     {-top -add_primitives -clear_locs -quiet -verbose} {1 2} none {} {}
    resize_pblock           {-add: -remove: -from: -to: -replace -locs: -quiet -verbose} {1 1} none {} {}
    current_instance        {-quiet -verbose} {0 1} none {} {}
    get_ports               {-regexp -nocase -filter: -of_objects: -scoped_to_current_instance -prop_thru_buffers -quiet -verbose} {0 -1} list {} {}
    get_pins                {-hierarchical -hier -regexp -nocase -filter: -of_objects: -match_style: -leaf -include_replicated_objects -quiet -verbose} {0 -1} list {} {}
    get_cells               {-hierarchical -hier -regexp -nocase -filter: -of_objects: -match_style: -include_replicated_objects -quiet -verbose} {0 -1} list {} {}
    get_nets                {-hierarchical -hier -regexp -nocase -filter: -of_objects: -match_style: -top_net_of_hierarchical_group -segments -boundary_type: -include_replicated_objects -quiet -verbose} {0 -1} list {} {}
    get_clocks              {-regexp -nocase -filter: -of_objects: -match_style: -include_generated_clocks -quiet -verbose} {0 -1} list {} {}
    get_pblocks             {-regexp -nocase -filter: -of_objects: -include_nested_pblocks -quiet -verbose} {0 -1} list {} {}
    get_slrs                {-regexp -nocase -filter: -of_objects: -quiet -verbose} {0 -1} list {} {}
    get_sites               {-regexp -nocase -filter: -of_objects: -range: -quiet -verbose} {0 -1} list {} {}
    get_iobanks             {-regexp -nocase -filter: -of_objects: -quiet -verbose} {0 -1} list {} {}
    all_clocks              {-quiet -verbose} {0 0} list {} {}
    filter                  {-regexp -nocase -quiet -verbose} {2 2} list {} {}
}

# The commands UG903 ("Valid Commands in an XDC File") allows; the Tcl built-ins among them run as
# Tcl, the rest are stubs. Everything else is hidden in xdc mode.
set ::stub::xdc_builtins {set list expr}
set ::stub::xdc_commands {
    create_clock create_generated_clock set_false_path set_max_delay set_multicycle_path
    set_clock_groups set_input_delay set_output_delay create_pblock add_cells_to_pblock
    resize_pblock current_instance set_property get_property get_ports get_pins get_cells
    get_nets get_clocks get_pblocks get_slrs get_sites get_iobanks all_clocks filter
}

foreach {name flags npos ret files required} $::stub::table {
    set ::stub::spec($name) [list $flags $npos $ret $files $required]
}

proc ::stub::fail {msg} {
    return -code error -errorcode STUB "STUB-ERROR: $msg"
}

proc ::stub::flag_names {flags} {
    set out {}
    foreach f $flags { lappend out [string trimright $f :] }
    return $out
}

# Check one call against the allow-list; record it; return a dummy value.
proc ::stub::call {child mode name args} {
    variable spec
    variable log
    variable made
    if {![info exists spec($name)]} {
        fail "unknown Vivado command '$name' (not in the allow-list of verify/tcl/vivado_stubs.tcl)"
    }
    if {$mode eq "xdc" && [lsearch -exact $::stub::xdc_commands $name] < 0} {
        fail "'$name' is not a valid XDC command (UG903); put it in a .tcl constraints file"
    }
    lassign $spec($name) flags npos ret filepos required
    set names [flag_names $flags]
    set positional {}
    set given {}
    for {set i 0} {$i < [llength $args]} {incr i} {
        set a [lindex $args $i]
        if {[regexp {^-[A-Za-z_][A-Za-z0-9_]*$} $a]} {
            set k [lsearch -exact $names $a]
            if {$k < 0} {
                fail "$name: unknown flag '$a' (allowed: [join $names { }])"
            }
            set f [lindex $flags $k]
            if {[string index $f end] eq ":"} {
                incr i
                if {$i >= [llength $args]} { fail "$name: flag '$a' needs a value" }
                dict set given $a [lindex $args $i]
            } else {
                dict set given $a 1
            }
        } else {
            lappend positional $a
        }
    }
    foreach r $required {
        set r [string trimright $r :]
        if {![dict exists $given $r]} { fail "$name: required flag '$r' is missing" }
    }
    lassign $npos lo hi
    set n [llength $positional]
    if {$n < $lo || ($hi >= 0 && $n > $hi)} {
        fail "$name: $n positional argument(s) '$positional', expected [expr {$hi < 0 ? "at least $lo" : "$lo to $hi"}]"
    }
    # Files that must exist (relative names are relative to the child's current directory, which
    # is the real current directory: the child shares the process).
    set files {}
    if {$filepos eq "all"} {
        foreach p $positional { foreach f $p { lappend files $f } }
    } else {
        foreach k $filepos { foreach f [lindex $positional $k] { lappend files $f } }
    }
    if {$name eq "package_xo"} {
        foreach key {-kernel_xml} { if {[dict exists $given $key]} { lappend files [dict get $given $key] } }
        if {[dict exists $given -ip_directory]} {
            set d [file normalize [dict get $given -ip_directory]]
            if {[lsearch -exact $made $d] < 0 && ![file isdirectory $d]} {
                fail "package_xo: -ip_directory '$d' was not packaged by ipx::package_project -root_dir"
            }
        }
    }
    foreach f $files {
        if {[string first * $f] >= 0} { fail "$name: glob pattern '$f' (name every file)" }
        if {![file exists $f] && ![made_by_stub $f]} { fail "$name: file '$f' does not exist (cwd [pwd])" }
    }
    if {$name eq "ipx::package_project"} { lappend made [file normalize [dict get $given -root_dir]] }
    lappend log [concat [list $name] $args]
    # .xdc files read by the script are checked as XDC.
    if {$name in {read_xdc add_files import_files}} {
        foreach f $files {
            if {[string match *.xdc $f]} { check_xdc $f }
        }
    }
    return [dummy $ret $name $positional $given]
}

# A file inside a directory that an earlier stubbed command would have created.
proc ::stub::made_by_stub {f} {
    set f [file normalize $f]
    foreach d $::stub::made {
        if {[string first "$d/" $f] == 0} { return 1 }
    }
    return 0
}

proc ::stub::dummy {ret name positional given} {
    switch -- $ret {
        none { return "" }
        empty { return {} }
        list { return [list "${name}([join $positional ,])"] }
        board_parts { return $::stub::board_parts }
        value {
            set prop [string toupper [lindex $positional 0]]
            switch -- $prop {
                PROGRESS { return "100%" }
                STATUS { return "route_design Complete!" }
                NEEDS_REFRESH { return 0 }
                default { return "value($prop)" }
            }
        }
        default { return "${ret}([join $positional ,])" }
    }
}

# Make a child interpreter for MODE with every stub aliased into it.
proc ::stub::make_child {mode} {
    set child [interp create]
    foreach name [array names ::stub::spec] {
        if {[string match *::* $name]} {
            $child eval [list namespace eval [namespace qualifiers $name] {}]
        }
        interp alias $child $name {} ::stub::call $child $mode $name
    }
    interp alias $child unknown {} ::stub::unknown_cmd
    if {$mode eq "xdc"} {
        set keep [concat $::stub::xdc_builtins $::stub::xdc_commands [array names ::stub::spec] unknown]
        foreach c [$child eval {info commands}] {
            if {[lsearch -exact $keep $c] < 0} { interp hide $child $c }
        }
    } else {
        interp hide $child source
        interp alias $child source {} ::stub::source_cmd $child
        interp hide $child exit
        interp alias $child exit {} ::stub::exit_cmd
    }
    return $child
}

proc ::stub::unknown_cmd {args} {
    fail "unknown command '[lindex $args 0]' (not Tcl, not in the Vivado allow-list)"
}

proc ::stub::exit_cmd {{code 0}} {
    if {$code != 0} { fail "script called exit $code" }
    return -code error -errorcode STUB_EXIT "exit 0"
}

proc ::stub::source_cmd {child args} {
    set args [lsearch -all -inline -not -exact $args -notrace]
    if {[llength $args] != 1} { fail "source: expected one file, got '$args'" }
    set f [lindex $args 0]
    if {![file exists $f]} { fail "source: file '$f' does not exist (cwd [pwd])" }
    lappend ::stub::log [list source $f]
    if {[string match *.xdc $f]} { check_xdc $f }
    return [interp invokehidden $child source $f]
}

proc ::stub::check_xdc {path} {
    lappend ::stub::xdc_files $path
    set child [make_child xdc]
    set code [catch {interp invokehidden $child source $path} res opts]
    interp delete $child
    if {$code == 1} {
        set where ""
        regexp {\(file "[^"]*" line ([0-9]+)\)} [dict get $opts -errorinfo] -> where
        if {$where ne ""} { set where " line $where" }
        fail "in XDC file '$path'$where: [string map {{STUB-ERROR: } {}} $res]"
    }
}

proc ::stub::main {argv} {
    lassign $argv mode logfile script
    set rest [lrange $argv 3 end]
    if {$mode ni {tcl xdc}} { puts stderr "usage: tclsh vivado_stubs.tcl tcl|xdc LOG SCRIPT ARGS..."; exit 2 }
    if {[info exists ::env(FAST_PREFILL_STUB_BOARD_PARTS)]} {
        set ::stub::board_parts $::env(FAST_PREFILL_STUB_BOARD_PARTS)
    }
    if {$mode eq "xdc"} {
        set code [catch {check_xdc $script} res]
    } else {
        if {![file exists $script]} { set code 1; set res "STUB-ERROR: script '$script' does not exist" } else {
            set child [make_child tcl]
            $child eval [list set argv $rest]
            $child eval [list set argc [llength $rest]]
            $child eval [list set argv0 $script]
            set code [catch {interp invokehidden $child source $script} res opts]
            if {$code == 1 && [dict get $opts -errorcode] eq "STUB_EXIT"} { set code 0 }
            if {$code == 1} { set res "$res\n[dict get $opts -errorinfo]" }
        }
    }
    set fh [open $logfile w]
    foreach entry $::stub::log { puts $fh $entry }
    close $fh
    if {$code == 1} {
        if {![string match STUB-ERROR:* $res]} { set res "STUB-ERROR: Tcl error: $res" }
        puts stderr $res
        exit 1
    }
    exit 0
}

::stub::main $argv
