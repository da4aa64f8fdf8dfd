// The Verilated model as the benches see it: an interface that names no design, so harness.cpp,
// stream_bench.cpp and cosim_bridge.cpp compile once (per Verilator version, tracing and
// optimisation) and link with any design. fast_prefill.verify.verilator.build generates
// model_gen.cpp per design: it includes V<top>.h, binds every port into the PortTable by name and
// implements make_model().
#pragma once

#include <verilated.h>
#if VM_TRACE_FST
#include <verilated_fst_c.h>
typedef VerilatedFstC TraceFile;   // built with --trace-fst: --trace writes FST
#elif VM_TRACE
#include <verilated_vcd_c.h>
typedef VerilatedVcdC TraceFile;   // built with --trace: --trace writes VCD
#endif

#include <memory>

#include "port_table.h"

struct Model {
    virtual ~Model() {}
    virtual void eval() = 0;
    virtual void final() = 0;
#if VM_TRACE
    virtual void trace(TraceFile* tfp, int levels) = 0;
#endif
};

// The design's model in ctx, every top-level port added to ports.
std::unique_ptr<Model> make_model(VerilatedContext* ctx, PortTable& ports);
