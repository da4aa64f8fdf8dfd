// A Verilated model as the far end of MyHDL's Cosimulation: the lock-step protocol of MyHDL's VPI
// module (share/myhdl/cosimulation/icarus/myhdl.c), spoken by a C++ main instead of a Verilog
// simulator, so any Python bench that drives a block through MyHDL signals (the AXI memory models,
// the SIG head and attention path benches) runs against the converted Verilog under Verilator,
// cycle for cycle as under Icarus.
//
// Usage (by fast_prefill.verify.cosim.dut): MyHDL's Cosimulation starts `Vharness PORTS_FILE` with
// the pipe descriptors in MYHDL_TO_PIPE (we write) and MYHDL_FROM_PIPE (we read). PORTS_FILE has one
// line per top-level port: `in NAME WIDTH` or `out NAME WIDTH`.
//
// Protocol (as myhdl.c):
//   -> "FROM 0 name width ..." (the inputs MyHDL drives)      <- "OK"
//   -> "TO 0 name width ..."   (the outputs MyHDL reads)      <- "OK"
//   -> "START"                                                <- "OK"
//   then at every time step and delta: -> "T name hex ..." (the outputs that changed since the last
//   report; all of them the first time), <- "T' [hex of every input, in FROM order]". T' > T
//   advances time (values sent with it are ignored, as myhdl.c does); T' == T is a delta: the input
//   values are applied and the model evaluated. An end of file on the pipe ends the run.
// The model has no delays of its own: a clock is an input like any other, and an edge is seen when
// its new value is applied and the model evaluated.

#include <verilated.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#define PORT_TABLE_DEFINE   // PortTable's out-of-line members, here once
#include "port_table.h"

#include "model.h"  // make_model(): the design, through an interface

static const size_t MAXLINE = 4096;   // MyHDL reads at most this many bytes a message

static std::string hex_of(const Sig& s) {
    std::vector<uint32_t> w = s.words();
    int top = (int)w.size() - 1;
    while (top > 0 && w[top] == 0) top--;
    char buf[16];
    std::snprintf(buf, sizeof buf, "%x", w[top]);
    std::string out = buf;
    for (int i = top - 1; i >= 0; i--) {
        std::snprintf(buf, sizeof buf, "%08x", w[i]);
        out += buf;
    }
    return out;
}

static void set_hex(Sig& s, const std::string& h) {
    int n = (s.width + 31) / 32;
    std::vector<uint32_t> w(n, 0);
    int bit = 0;
    for (int i = (int)h.size() - 1; i >= 0 && bit < 32 * n; i--, bit += 4) {
        char c = h[i];
        uint32_t v = c >= 'a' ? c - 'a' + 10 : c >= 'A' ? c - 'A' + 10 : c - '0';
        w[bit / 32] |= v << (bit % 32);
    }
    if (s.width % 32) w[n - 1] &= (1u << (s.width % 32)) - 1;
    s.set_words(w);
}

static void put(int fd, const std::string& msg) {
    if (msg.size() >= MAXLINE) {
        fprintf(stderr, "cosim bridge: a message of %zu bytes is over MyHDL's %zu\n", msg.size(), MAXLINE);
        exit(4);
    }
    if (write(fd, msg.data(), msg.size()) != (ssize_t)msg.size()) exit(4);
}

static bool get(int fd, std::string& out) {
    char buf[MAXLINE + 1];
    ssize_t n = read(fd, buf, MAXLINE);
    if (n <= 0) return false;
    buf[n] = '\0';
    out = buf;
    return true;
}

int main(int argc, char** argv) {
    const char* to = getenv("MYHDL_TO_PIPE");
    const char* from = getenv("MYHDL_FROM_PIPE");
    if (argc < 2 || !to || !from) {
        fprintf(stderr, "cosim bridge: run by MyHDL's Cosimulation with a ports file argument\n");
        return 2;
    }
    int wfd = atoi(to), rfd = atoi(from);
    auto ctx = std::make_unique<VerilatedContext>();
    PortTable table;
    std::unique_ptr<Model> top = make_model(ctx.get(), table);

    std::vector<std::string> in_names, out_names;
    std::vector<Sig> ins, outs;
    {
        std::ifstream pf(argv[1]);
        std::string dir, name;
        int width;
        while (pf >> dir >> name >> width) {
            Sig s = table.need(name);
            if (dir == "in") { in_names.push_back(name); ins.push_back(s); }
            else { out_names.push_back(name); outs.push_back(s); }
        }
    }
    std::string reply, msg = "FROM 0 ";
    for (size_t i = 0; i < ins.size(); i++) msg += in_names[i] + " " + std::to_string(ins[i].width) + " ";
    put(wfd, msg);
    if (!get(rfd, reply)) return 0;
    msg = "TO 0 ";
    for (size_t i = 0; i < outs.size(); i++) msg += out_names[i] + " " + std::to_string(outs[i].width) + " ";
    put(wfd, msg);
    if (!get(rfd, reply)) return 0;
    put(wfd, "START");
    if (!get(rfd, reply)) return 0;

    top->eval();
    std::vector<std::string> last(outs.size());
    bool first = true;
    unsigned long long t = 0;
    for (;;) {
        std::string report = std::to_string(t) + " ";
        for (size_t i = 0; i < outs.size(); i++) {
            std::string h = hex_of(outs[i]);
            if (first || h != last[i]) {
                report += out_names[i] + " " + h + " ";
                last[i] = h;
            }
        }
        first = false;
        put(wfd, report);
        if (!get(rfd, reply)) break;
        std::istringstream rs(reply);
        unsigned long long next;
        rs >> next;
        if (next > t) {          // a new time step: nothing to apply (myhdl.c drops values sent with it)
            t = next;
            continue;
        }
        std::string h;
        for (size_t i = 0; i < ins.size() && (rs >> h); i++) set_hex(ins[i], h);
        top->eval();
    }
    top->final();
    return 0;
}
