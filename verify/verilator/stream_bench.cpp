// Verilator stream test bench for any block with valid/ready streams (clk, rst, s_<x>_valid/ready/data
// inputs, m_<y>_valid/ready/data outputs): the same bench as fast_prefill.verify.streams
// (run_stream_bench) on MyHDL and Icarus, cycle for cycle, without a process switch per cycle.
//
// Port binding comes from model_gen.cpp (model.h, fast_prefill.verify.verilator.build); nothing here
// knows the block, so it is compiled once and linked with each block's model.
//
// Cycle semantics (those of verify/streams.py): edges are numbered from 0; rst is high at edges
// 0 .. reset-1. At each edge every source and sink samples the block's outputs as they are just
// before the edge, and its own new outputs appear just after it:
//   source: in reset valid <= 0; else a beat moves when valid && ready (its edge recorded); a stalled
//           beat holds; the next beat is offered unless idle[edge % len(idle)].
//   sink:   in reset ready <= 0; else a beat moves when valid && ready (data and edge recorded); a beat
//           that was stalled must still be valid with the same data (else a violation);
//           ready <= !stall[edge % len(stall)].
// At each edge e >= reset, before the sources and sinks, the run checks completion (every sink has its
// expected count of beats moved at earlier edges); 4 edges later (that edge included) it stops there,
// before the bench acts. Otherwise it stops after `max_cycles` such checks.
//
// Input (whitespace separated; `-` for an empty pattern; values in hex without 0x):
//   reset R  max_cycles M
//   inputs K   then K x (name value)            other input ports, held at these values
//   sources S  then S x (name nbeats pattern beat...)
//   sinks T    then T x (name expected pattern)
// Output: "in NAME n edge..." per source; "out NAME n" then n lines "value edge" per sink;
//   "violation TEXT" lines; "cycles C finished F".

#include <verilated.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#define PORT_TABLE_DEFINE   // PortTable's out-of-line members, here once
#include "port_table.h"
#include "model.h"  // make_model(): the design, through an interface

typedef std::vector<uint32_t> Words;

static Words parse_hex(const std::string& s) {
    Words w;
    int n = (int)s.size();
    for (int end = n; end > 0; end -= 8) {
        int start = end - 8 < 0 ? 0 : end - 8;
        w.push_back((uint32_t)std::stoul(s.substr(start, end - start), nullptr, 16));
    }
    if (w.empty()) w.push_back(0);
    return w;
}

static std::string to_hex(const Words& w) {
    std::string out;
    char buf[16];
    bool lead = true;
    for (int i = (int)w.size() - 1; i >= 0; i--) {
        if (lead) {
            if (w[i] == 0 && i > 0) continue;
            snprintf(buf, sizeof buf, "%x", w[i]);
            lead = false;
        } else {
            snprintf(buf, sizeof buf, "%08x", w[i]);
        }
        out += buf;
    }
    return out;
}

static std::vector<bool> parse_pattern(const std::string& s) {
    std::vector<bool> p;
    if (s != "-")
        for (char c : s) p.push_back(c == '1');
    return p;
}

struct Source {
    std::string name;
    Sig valid, ready, data;
    std::vector<Words> beats;
    std::vector<bool> idle;
    size_t i = 0;
    bool v = false;           // the valid this bench drives
    std::vector<long> moved;
};

struct Sink {
    std::string name;
    Sig valid, ready, data;
    long expected = 0;
    std::vector<bool> stall;
    bool r = false;           // the ready this bench drives
    bool held = false;
    Words held_data;
    std::vector<std::pair<Words, long>> got;
};

static std::vector<std::string> violations;

int main(int argc, char** argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s INPUT OUTPUT [--trace FILE]\n", argv[0]);
        return 2;
    }
    std::string trace_path = argc >= 5 && std::string(argv[3]) == "--trace" ? argv[4] : "";
    std::ifstream in(argv[1]);
    if (!in) { fprintf(stderr, "stream_bench: cannot read %s\n", argv[1]); return 2; }

    auto ctx = std::make_unique<VerilatedContext>();
    PortTable ports;
    std::unique_ptr<Model> top = make_model(ctx.get(), ports);
    Sig clk = ports.need("clk"), rst = ports.need("rst");

    std::string key, name, pat, val;
    long reset = 2, max_cycles = 10000, k = 0;
    std::vector<Source> sources;
    std::vector<Sink> sinks;
    in >> key >> reset >> key >> max_cycles;
    in >> key >> k;
    for (long j = 0; j < k; j++) {
        in >> name >> val;
        ports.need(name).set_words(parse_hex(val));
    }
    in >> key >> k;
    for (long j = 0; j < k; j++) {
        Source s;
        long n = 0;
        in >> s.name >> n >> pat;
        s.idle = parse_pattern(pat);
        for (long b = 0; b < n; b++) { in >> val; s.beats.push_back(parse_hex(val)); }
        s.valid = ports.need(s.name + "_valid"); s.ready = ports.need(s.name + "_ready");
        s.data = ports.need(s.name + "_data");
        sources.push_back(s);
    }
    in >> key >> k;
    for (long j = 0; j < k; j++) {
        Sink s;
        in >> s.name >> s.expected >> pat;
        s.stall = parse_pattern(pat);
        s.valid = ports.need(s.name + "_valid"); s.ready = ports.need(s.name + "_ready");
        s.data = ports.need(s.name + "_data");
        sinks.push_back(s);
    }
    if (!in) { fprintf(stderr, "stream_bench: malformed input %s\n", argv[1]); return 2; }

#if VM_TRACE
    std::unique_ptr<TraceFile> tfp;
    if (!trace_path.empty()) {
        ctx->traceEverOn(true);
        tfp = std::make_unique<TraceFile>();
        top->trace(tfp.get(), 99);
        tfp->open(trace_path.c_str());
    }
#endif
    uint64_t t = 0;
    auto dump = [&]() {
#if VM_TRACE
        if (tfp) tfp->dump(t);
#endif
        t += 5;
    };

    clk.set(0);
    rst.set(1);
    for (auto& s : sources) s.valid.set(0);
    for (auto& s : sinks) s.ready.set(0);
    top->eval();
    dump();

    // The bench's outputs decided at an edge, applied just after it.
    std::vector<bool> s_next_v(sources.size()), s_set_d(sources.size()), k_next_r(sinks.size());
    std::vector<Words> s_next_d(sources.size());
    long cycles = 0, drain = -1;
    bool finished = false;
    for (long edge = 0; edge < reset + max_cycles; edge++) {
        bool in_reset = edge < reset;
        if (!in_reset) {
            if (edge == reset + max_cycles - 1 && drain != 1) { cycles = edge; break; }   // out of cycles
            // The run's control looks first, at the beats moved before this edge (as in MyHDL, where
            // it runs before the sinks at an edge and ends the run there).
            cycles = edge;
            bool done = true;
            for (auto& s : sinks) done = done && (long)s.got.size() >= s.expected;
            if (done && drain < 0) drain = 4;
            if (drain >= 0 && --drain == 0) { finished = true; break; }
        }
        // Every bench process samples the outputs as they are just before the edge.
        for (size_t j = 0; j < sources.size(); j++) {
            Source& s = sources[j];
            s_next_v[j] = s.v;
            s_set_d[j] = false;
            if (in_reset) { s_next_v[j] = false; continue; }
            if (s.v && s.ready.get()) {
                s.moved.push_back(edge);
                s.i++;
            } else if (s.v) {
                continue;  // stalled: hold valid and data
            }
            if (s.i < s.beats.size() && !(!s.idle.empty() && s.idle[edge % s.idle.size()])) {
                s_next_v[j] = true;
                s_next_d[j] = s.beats[s.i];
                s_set_d[j] = true;
            } else {
                s_next_v[j] = false;
            }
        }
        for (size_t j = 0; j < sinks.size(); j++) {
            Sink& s = sinks[j];
            if (in_reset) { k_next_r[j] = false; s.held = false; continue; }
            bool v = s.valid.get();
            Words d = s.data.words();
            if (s.held) {
                if (!v)
                    violations.push_back(s.name + ": valid dropped at cycle " + std::to_string(edge) +
                                         " while a beat was stalled");
                else if (d != s.held_data)
                    violations.push_back(s.name + ": data changed at cycle " + std::to_string(edge) +
                                         " while stalled (0x" + to_hex(s.held_data) + " -> 0x" + to_hex(d) + ")");
            }
            if (v && s.r) {
                s.got.push_back({d, edge});
                s.held = false;
            } else if (v) {
                s.held = true;
                s.held_data = d;
            } else {
                s.held = false;
            }
            k_next_r[j] = !(!s.stall.empty() && s.stall[edge % s.stall.size()]);
        }
        // The edge: the block's registers take the values sampled above.
        clk.set(1);
        top->eval();
        // Just after it: the bench's new outputs and the reset for the next edge.
        for (size_t j = 0; j < sources.size(); j++) {
            sources[j].v = s_next_v[j];
            sources[j].valid.set(s_next_v[j]);
            if (s_set_d[j]) sources[j].data.set_words(s_next_d[j]);
        }
        for (size_t j = 0; j < sinks.size(); j++) {
            sinks[j].r = k_next_r[j];
            sinks[j].ready.set(k_next_r[j]);
        }
        rst.set(edge + 1 < reset);
        top->eval();
        dump();
        clk.set(0);
        top->eval();
        dump();
    }
#if VM_TRACE
    if (tfp) tfp->close();
#endif
    top->final();

    FILE* out = fopen(argv[2], "w");
    if (!out) { fprintf(stderr, "stream_bench: cannot write %s\n", argv[2]); return 2; }
    for (auto& s : sources) {
        fprintf(out, "in %s %zu", s.name.c_str(), s.moved.size());
        for (long c : s.moved) fprintf(out, " %ld", c);
        fprintf(out, "\n");
    }
    for (auto& s : sinks) {
        fprintf(out, "out %s %zu\n", s.name.c_str(), s.got.size());
        for (auto& g : s.got) fprintf(out, "%s %ld\n", to_hex(g.first).c_str(), g.second);
    }
    for (auto& v : violations) fprintf(out, "violation %s\n", v.c_str());
    fprintf(out, "cycles %ld finished %d\n", cycles, finished ? 1 : 0);
    fclose(out);
    return 0;
}
