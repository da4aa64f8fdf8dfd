// Verilator test bench for any Vitis RTL kernel (ap_clk, ap_rst_n, s_axi_control_*, m_axi_<name>_*).
//
// The port list comes from the converted Verilog: fast_prefill.verify.verilator.build generates
// model_gen.cpp (make_model(): every top-level port by name, width and Verilated storage; model.h)
// and this file finds the AXI4 masters by their names. Nothing here knows the kernel, so it is
// compiled once and linked with each kernel's model.
//
// Models (all random choices from one seeded std::mt19937_64):
//   * per m_axi_<name> read master: an AXI4 read slave on a shared sparse byte memory. ARREADY low
//     with probability ar_stall; each burst visible after a latency in [0, max_latency]; RVALID
//     gaps with probability r_gap; bursts of one ID answered in order, and with --interleave the
//     oldest bursts of different IDs interleaved beat by beat at random (AXI4 A5.3; the kernel's
//     SIG and attention path share a port with IDs 1 and 0); beats whose address lies in an error
//     range answer RRESP = SLVERR.
//   * per m_axi_<name> write master: AWREADY/WREADY low with probability aw_stall/w_stall; BVALID
//     a latency in [0, max_latency] after the last beat; bursts touching an error range answer
//     BRESP = SLVERR. Planted bug (tests only): --drop-write-beat K ignores the K-th W beat's data.
//   * the AXI4-Lite master on s_axi_control runs a script (see below) with random gaps of up to
//     --axil-delay cycles before each VALID/READY.
//
// Protocol checks on the kernel's side (recorded as violations): ARVALID/AWVALID/WVALID dropped or
// fields changed before READY, bursts not INCR of the port's beat size, crossing 4 KiB, WLAST on the
// wrong beat, W beats without an address, RREADY/BREADY low is allowed (back-pressure).
//
// Cycle semantics (the same as the MyHDL models of verify/axi_memory.py): a model samples the
// kernel's outputs as they are just before a rising edge and its new outputs appear just after it.
//
// Script (one operation a line, numbers in C syntax):
//   w OFF VAL     AXI-Lite write of VAL at OFF (all strobes)
//   r OFF         AXI-Lite read; the value is reported in "reads"
//   start         write 1 to CTRL (ap_start); the kernel cycle count starts at this write's response
//   wait N        wait up to N cycles for `interrupt` (when the kernel has one and GIE/IER are set
//                 by the script) or, without it, poll CTRL until ap_done; timeout -> status "timeout"
//   idle N        N idle cycles
//   reset N       ap_rst_n low for N cycles (the models are reset with it), e.g. in the
//                 middle of a run; memory contents are kept
//   dump A L      L bytes at byte address A are written to the memory-out file
// Memory files: records of (u64 address, u64 length, bytes), little endian.
// Result: JSON (status, cycles, total_cycles, run_cycles: the cycles of every completed `wait`,
// bursts: every port's accepted bursts as [address, beats], reads, per-port transaction counts,
// violations, wall seconds, cycles per second). --writes-out FILE: every beat the kernel wrote, as
// it is in memory at the end (records as the memory files).

#include <verilated.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <map>
#include <set>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#define PORT_TABLE_DEFINE   // PortTable's out-of-line members, here once
#include "port_table.h"

#include "model.h"  // make_model(): the design, through an interface

// ---------------------------------------------------------------- options and memory

struct Options {
    uint64_t seed = 1;
    int max_latency = 0;
    double r_gap = 0, ar_stall = 0, aw_stall = 0, w_stall = 0;
    bool interleave = false;
    int axil_delay = 0;
    uint64_t rd_err_lo = 1, rd_err_hi = 0, wr_err_lo = 1, wr_err_hi = 0;  // empty ranges
    long drop_write_beat = -1;
    long max_cycles = 50000000;
    std::string trace;
};

struct Memory {
    std::unordered_map<uint64_t, std::vector<uint8_t>> pages;  // 4 KiB pages, zero when absent
    uint8_t* page(uint64_t a) {
        auto& p = pages[a >> 12];
        if (p.empty()) p.assign(4096, 0);
        return p.data();
    }
    uint8_t get(uint64_t a) {
        auto it = pages.find(a >> 12);
        return it == pages.end() ? 0 : it->second[a & 4095];
    }
    void set(uint64_t a, uint8_t v) { page(a)[a & 4095] = v; }
};

static std::mt19937_64 rng;
static double urand() { return std::uniform_real_distribution<double>(0.0, 1.0)(rng); }
static int irand(int hi) { return hi <= 0 ? 0 : (int)std::uniform_int_distribution<int>(0, hi)(rng); }

static std::vector<std::string> violations;
static long cycle = 0;

static void violation(const std::string& port, const std::string& what) {
    if (violations.size() < 50) violations.push_back("cycle " + std::to_string(cycle) + " " + port + ": " + what);
}

static std::set<uint64_t> written;   // start addresses of the W beats written to memory (--writes-out)

static bool overlaps(uint64_t a, uint64_t n, uint64_t lo, uint64_t hi) { return lo < hi && a < hi && a + n > lo; }

// ---------------------------------------------------------------- AXI4 address channel (AR or AW)

// The slave's side of one address channel, shared by the read and the write slave: the five fields
// as the kernel drives them just before an edge, the rule that VALID and the fields hold until READY,
// and the legality of an accepted burst (INCR of the port's beat size, aligned, inside one 4 KiB page).
struct AddrChannel {
    Sig valid, ready, addr, len, size, burst, id;
    bool held = false;                        // VALID was high without READY at the last edge
    uint64_t held_f[5] = {0, 0, 0, 0, 0};
    uint64_t f[5] = {0, 0, 0, 0, 0};          // this edge's addr, len, size, burst, id

    void bind(const PortTable& t, const std::string& p) {  // p: "<port>_ar" or "<port>_aw"
        valid = t.need(p + "valid"); ready = t.need(p + "ready"); addr = t.need(p + "addr");
        len = t.need(p + "len"); size = t.get(p + "size"); burst = t.get(p + "burst"); id = t.get(p + "id");
    }
    void reset() { held = false; }
    int beats() const { return (int)f[1] + 1; }
    // Sample the channel at an edge; true when a burst moves (its fields in f). Records a violation
    // `dropped` (VALID fell before READY) or `changed` (fields changed before READY) on `port`.
    bool sample(const std::string& port, int beat_bytes, const char* dropped, const char* changed) {
        uint64_t g[5] = {addr.get(), len.get(), size.valid() ? size.get() : 0, burst.valid() ? burst.get() : 1,
                         id.valid() ? id.get() : 0};
        memcpy(f, g, sizeof f);
        bool v = valid.get();
        if (held) {
            if (!v) violation(port, dropped);
            else if (memcmp(f, held_f, sizeof f)) violation(port, changed);
        }
        if (v && ready.get()) {
            int size_code = 0;
            while ((1 << size_code) < beat_bytes) size_code++;
            if ((size.valid() && (int)f[2] != size_code) || f[3] != 1)
                violation(port, "burst is not INCR of the port's beat size");
            if (f[0] % beat_bytes || (f[0] >> 12) != ((f[0] + (uint64_t)beats() * beat_bytes - 1) >> 12))
                violation(port, "burst unaligned or crossing 4 KiB");
            held = false;
            return true;
        }
        held = v;
        memcpy(held_f, f, sizeof f);
        return false;
    }
};

// ---------------------------------------------------------------- AXI4 read slave

struct ReadSlave {
    std::string name;
    AddrChannel ar;
    Sig rvalid, rready, rdata, rresp, rlast, rid;
    int beat_bytes = 0;
    struct Burst { uint64_t addr; int n, k; long ready_at; uint64_t id; };
    std::deque<Burst> pending;
    size_t cur = 0;           // the pending burst whose beat is offered (an index into pending)
    // next outputs
    bool n_arready = false, n_rvalid = false, n_rlast = false;
    std::vector<uint8_t> n_rdata;
    int n_rresp = 0;
    uint64_t n_rid = 0;
    bool hold_r = false;
    long bursts = 0, beats = 0, err_beats = 0, bytes = 0;
    std::vector<std::pair<uint64_t, int>> log;   // (address, beats) of every accepted burst
    long out_of_order = 0;    // beats offered from a burst that is not the oldest pending (--interleave)

    void bind(const PortTable& t, const std::string& p) {
        name = p;
        ar.bind(t, p + "_ar");
        rvalid = t.need(p + "_rvalid"); rready = t.need(p + "_rready");
        rdata = t.need(p + "_rdata"); rresp = t.need(p + "_rresp"); rlast = t.need(p + "_rlast");
        rid = t.get(p + "_rid");
        beat_bytes = rdata.width / 8;
        n_rdata.assign(beat_bytes, 0);
    }
    void reset() {
        pending.clear(); ar.reset(); hold_r = false;
        n_arready = n_rvalid = n_rlast = false; n_rresp = 0;
    }
    // Sample the kernel's outputs (just before the edge) and compute the next outputs.
    void step(Memory& mem, const Options& o) {
        if (ar.sample(name, beat_bytes, "ARVALID dropped before ARREADY", "AR fields changed while ARVALID waited")) {
            pending.push_back(Burst{ar.f[0], ar.beats(), 0, cycle + 1 + irand(o.max_latency), ar.f[4]});
            log.push_back({ar.f[0], ar.beats()});
            bursts++;
        }
        n_arready = urand() >= o.ar_stall;
        // R channel
        if (rvalid.get()) {
            if (rready.get()) {
                beats++;
                bytes += beat_bytes;
                Burst& b = pending[cur];
                if (++b.k == b.n) pending.erase(pending.begin() + (long)cur);
                hold_r = false;
            } else {
                hold_r = true;
                return;  // the beat stays on the bus
            }
        }
        // candidates: the oldest burst of each ID whose latency has passed (only the oldest of all
        // without --interleave)
        std::vector<size_t> cand;
        std::vector<uint64_t> seen;
        for (size_t i = 0; i < pending.size(); i++) {
            bool first_of_id = std::find(seen.begin(), seen.end(), pending[i].id) == seen.end();
            if (first_of_id) {
                seen.push_back(pending[i].id);
                if (pending[i].ready_at <= cycle) cand.push_back(i);
            }
            if (!o.interleave) break;
        }
        if (!cand.empty() && urand() >= o.r_gap) {
            cur = o.interleave ? cand[(size_t)irand((int)cand.size() - 1)] : cand[0];
            if (cur != 0) out_of_order++;
            Burst& b = pending[cur];
            uint64_t a = b.addr + (uint64_t)b.k * beat_bytes;
            for (int i = 0; i < beat_bytes; i++) n_rdata[i] = mem.get(a + i);
            n_rvalid = true;
            n_rlast = b.k == b.n - 1;
            n_rresp = overlaps(a, beat_bytes, o.rd_err_lo, o.rd_err_hi) ? 2 : 0;
            if (n_rresp) err_beats++;
            n_rid = b.id;
        } else {
            n_rvalid = false;
        }
    }
    void apply() {
        ar.ready.set(n_arready);
        if (hold_r) return;
        rvalid.set(n_rvalid);
        rdata.set_bytes(n_rdata.data());
        rlast.set(n_rlast);
        rresp.set(n_rresp);
        if (rid.valid()) rid.set(n_rid);
    }
};

// ---------------------------------------------------------------- AXI4 write slave

struct WriteSlave {
    std::string name;
    AddrChannel aw;
    Sig wvalid, wready, wdata, wstrb, wlast, bvalid, bready, bresp, bid;
    int beat_bytes = 0;
    struct Burst { uint64_t addr; int n, k; uint64_t id; bool err; };
    struct Resp { long at; int resp; uint64_t id; };
    std::deque<Burst> bursts_open;
    std::deque<Resp> responses;
    bool held_w = false, b_busy = false;
    std::vector<uint8_t> held_wdata;
    bool n_awready = false, n_wready = false, n_bvalid = false;
    int n_bresp = 0;
    uint64_t n_bid = 0;
    long bursts = 0, beats = 0, responses_done = 0, err_resps = 0, bytes = 0, dropped = 0;
    std::vector<std::pair<uint64_t, int>> log;   // (address, beats) of every accepted burst

    void bind(const PortTable& t, const std::string& p) {
        name = p;
        aw.bind(t, p + "_aw");
        wvalid = t.need(p + "_wvalid"); wready = t.need(p + "_wready");
        wdata = t.need(p + "_wdata"); wstrb = t.get(p + "_wstrb"); wlast = t.need(p + "_wlast");
        bvalid = t.need(p + "_bvalid"); bready = t.need(p + "_bready"); bresp = t.need(p + "_bresp");
        bid = t.get(p + "_bid");
        beat_bytes = wdata.width / 8;
        held_wdata.assign(beat_bytes, 0);
    }
    void reset() {
        bursts_open.clear(); responses.clear(); aw.reset(); held_w = b_busy = false;
        n_awready = n_wready = n_bvalid = false;
    }
    void step(Memory& mem, const Options& o, long& write_beat_counter) {
        const char* aw_rule = "AWVALID dropped or AW fields changed before AWREADY";
        if (aw.sample(name, beat_bytes, aw_rule, aw_rule)) {
            int n = aw.beats();
            bool err = overlaps(aw.f[0], (uint64_t)n * beat_bytes, o.wr_err_lo, o.wr_err_hi);
            bursts_open.push_back(Burst{aw.f[0], n, 0, aw.f[4], err});
            log.push_back({aw.f[0], n});
            bursts++;
        }
        bool wv = wvalid.get();
        std::vector<uint8_t> d(beat_bytes);
        wdata.get_bytes(d.data());
        if (held_w && (!wv || d != held_wdata)) violation(name, "WVALID dropped or WDATA changed before WREADY");
        if (wv && wready.get()) {
            held_w = false;
            if (bursts_open.empty()) {
                violation(name, "W beat before its burst address");
            } else {
                Burst& b = bursts_open.front();
                uint64_t a = b.addr + (uint64_t)b.k * beat_bytes;
                bool drop = write_beat_counter++ == o.drop_write_beat;  // planted bug (tests only)
                if (drop) dropped++;
                for (int i = 0; i < beat_bytes && !drop; i++)
                    if (!wstrb.valid() || wstrb.bit(i)) mem.set(a + i, d[i]);
                if (!drop) written.insert(a);
                beats++;
                bytes += beat_bytes;
                b.k++;
                if ((bool)wlast.get() != (b.k == b.n)) violation(name, "WLAST on the wrong beat");
                if (b.k == b.n) {
                    responses.push_back(Resp{cycle + 1 + irand(o.max_latency), b.err ? 2 : 0, b.id});
                    bursts_open.pop_front();
                }
            }
        } else {
            held_w = wv;
            held_wdata = d;
        }
        n_awready = urand() >= o.aw_stall;
        n_wready = urand() >= o.w_stall;
        if (b_busy) {
            if (bready.get()) {
                b_busy = false;
                responses_done++;
            } else {
                return;
            }
        }
        if (!responses.empty() && responses.front().at <= cycle) {
            Resp r = responses.front();
            responses.pop_front();
            n_bvalid = true;
            n_bresp = r.resp;
            n_bid = r.id;
            if (r.resp) err_resps++;
            b_busy = true;
        } else {
            n_bvalid = false;
        }
    }
    void apply() {
        aw.ready.set(n_awready);
        wready.set(n_wready);
        bvalid.set(n_bvalid);
        bresp.set(n_bresp);
        if (bid.valid()) bid.set(n_bid);
    }
};

// ---------------------------------------------------------------- AXI4-Lite master with a script

struct Op { std::string kind; uint64_t a = 0, b = 0; };

struct LiteMaster {
    Sig awvalid, awready, awaddr, wvalid, wready, wdata, wstrb, bvalid, bready, bresp, arvalid, arready,
        araddr, rvalid, rready, rdata, rresp, interrupt;
    std::vector<Op> ops;
    size_t pc = 0;
    // state of the current operation
    int phase = 0;
    long wait_until = 0, deadline = 0;
    int d_aw = 0, d_w = 0, d_b = 0;
    long t0 = 0;
    bool aw_done = false, w_done = false;
    bool n_awvalid = false, n_wvalid = false, n_bready = false, n_arvalid = false, n_rready = false;
    uint64_t n_awaddr = 0, n_wdata = 0, n_araddr = 0;
    std::vector<std::pair<uint64_t, uint64_t>> reads;
    std::string status = "ok";
    long start_cycle = -1, done_cycle = -1;
    std::vector<long> run_cycles;     // start write's response -> done, for every completed `wait`
    bool use_irq = false, gie = false, ier = false;
    bool poll_pending = false;
    bool finished = false;
    long reset_req = 0;
    int axil_delay = 0;
    long writes = 0, nreads = 0, bad_resp = 0;

    void bind(const PortTable& t) {
        std::string p = "s_axi_control";
        awvalid = t.need(p + "_awvalid"); awready = t.need(p + "_awready"); awaddr = t.need(p + "_awaddr");
        wvalid = t.need(p + "_wvalid"); wready = t.need(p + "_wready"); wdata = t.need(p + "_wdata");
        wstrb = t.get(p + "_wstrb"); bvalid = t.need(p + "_bvalid"); bready = t.need(p + "_bready");
        bresp = t.get(p + "_bresp"); arvalid = t.need(p + "_arvalid"); arready = t.need(p + "_arready");
        araddr = t.need(p + "_araddr"); rvalid = t.need(p + "_rvalid"); rready = t.need(p + "_rready");
        rdata = t.need(p + "_rdata"); rresp = t.get(p + "_rresp");
        interrupt = t.get("interrupt");
    }
    int delay() { return axil_delay > 0 ? irand(axil_delay) : 0; }

    // Begin a register write or read (sub-operations of start/wait too).
    void begin_write(uint64_t off, uint64_t val) {
        phase = 1; t0 = cycle; aw_done = w_done = false;
        d_aw = delay(); d_w = delay(); d_b = delay();
        n_awaddr = off; n_wdata = val;
    }
    void begin_read(uint64_t off) {
        phase = 11; t0 = cycle + delay();
        n_araddr = off;
    }
    void next_op() {
        phase = 0;
        pc++;
    }
    // Sample (just before the edge) and compute the next outputs. Returns false when the script ended.
    void step() {
        if (finished) return;
        // handshakes that complete at this edge
        if (phase == 1 || phase == 2) {
            if (n_awvalid && awready.get()) aw_done = true;
            if (n_wvalid && wready.get()) w_done = true;
        }
        if (phase == 12 && n_arvalid && arready.get()) { phase = 13; t0 = cycle + delay(); }
        bool b_hs = n_bready && bvalid.get();
        bool r_hs = n_rready && rvalid.get();
        uint64_t rd = rdata.get();
        if (b_hs && bresp.valid() && bresp.get()) bad_resp++;
        if (r_hs && rresp.valid() && rresp.get()) bad_resp++;

        n_awvalid = n_wvalid = n_bready = n_arvalid = n_rready = false;
        for (;;) {
            if (pc >= ops.size()) { finished = true; return; }
            Op& op = ops[pc];
            if (phase == 0) {
                if (op.kind == "w") {
                    begin_write(op.a, op.b);
                    if (op.a == 0x04) gie = op.b & 1;
                    if (op.a == 0x08) ier = op.b & 1;
                } else if (op.kind == "start") {
                    begin_write(0x00, 1);
                } else if (op.kind == "r") {
                    begin_read(op.a);
                } else if (op.kind == "idle") {
                    phase = 30; wait_until = cycle + (long)op.a;
                } else if (op.kind == "reset") {
                    reset_req = op.a > 0 ? (long)op.a : 1;
                    next_op();
                    return;  // outputs idle; the main loop holds the kernel and the models in reset
                } else if (op.kind == "wait") {
                    deadline = cycle + (long)op.a;
                    use_irq = interrupt.valid() && gie && ier;
                    phase = use_irq ? 40 : 41;
                    if (!use_irq) begin_read(0x00), phase = 11, poll_pending = true;
                } else {  // dump and unknown ops are handled elsewhere
                    next_op();
                    continue;
                }
            }
            // ---- write: AW and W independently after their delays, then B
            if (phase == 1) {
                if (aw_done && w_done) {
                    writes++;
                    phase = 2; t0 = cycle + d_b;
                } else {
                    n_awvalid = !aw_done && cycle >= t0 + d_aw;
                    n_wvalid = !w_done && cycle >= t0 + d_w;
                    setw();
                    return;
                }
            }
            if (phase == 2) {
                if (b_hs) {
                    // the kernel's cycle count starts at the start write's response (B handshake)
                    if (op.kind == "start") start_cycle = cycle;
                    b_hs = false;
                    next_op();
                    continue;
                }
                n_bready = cycle >= t0;
                setw();
                return;
            }
            // ---- read: AR after a delay, then R
            if (phase == 11) {
                if (cycle >= t0) phase = 12;
                else return;
            }
            if (phase == 12) { n_arvalid = true; return; }
            if (phase == 13) {
                if (r_hs) {
                    r_hs = false;
                    nreads++;
                    if (poll_pending) {
                        poll_pending = false;
                        if (rd & 2) { run_done(); next_op(); continue; }
                        if (cycle >= deadline) { status = "timeout"; finished = true; return; }
                        begin_read(0x00); poll_pending = true; phase = 11;
                        continue;
                    }
                    reads.push_back({op.a, rd});
                    next_op();
                    continue;
                }
                n_rready = cycle >= t0;
                return;
            }
            if (phase == 30) {
                if (cycle >= wait_until) { next_op(); continue; }
                return;
            }
            if (phase == 40) {
                if (interrupt.get()) { run_done(); next_op(); continue; }
                if (cycle >= deadline) { status = "timeout"; finished = true; }
                return;
            }
            return;
        }
    }
    void run_done() {
        done_cycle = cycle;
        if (start_cycle >= 0) run_cycles.push_back(done_cycle - start_cycle);
    }
    void setw() {
        // address and data stay stable while VALID waits for READY
    }
    void apply() {
        awvalid.set(n_awvalid); awaddr.set(n_awaddr);
        wvalid.set(n_wvalid); wdata.set(n_wdata);
        if (wstrb.valid()) wstrb.set(0xF);
        bready.set(n_bready);
        arvalid.set(n_arvalid); araddr.set(n_araddr);
        rready.set(n_rready);
    }
};

// ---------------------------------------------------------------- files

static bool read_memory(const std::string& path, Memory& mem) {
    std::ifstream f(path, std::ios::binary);
    if (!f) return false;
    for (;;) {
        uint64_t hdr[2];
        if (!f.read(reinterpret_cast<char*>(hdr), sizeof hdr)) break;
        std::vector<char> buf(hdr[1]);
        if (!f.read(buf.data(), (std::streamsize)hdr[1])) return false;
        for (uint64_t i = 0; i < hdr[1]; i++) mem.set(hdr[0] + i, (uint8_t)buf[i]);
    }
    return true;
}

static std::string json_str(const std::string& s) {
    std::string o = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') o += '\\';
        o += c;
    }
    return o + "\"";
}

static uint64_t num(const std::string& s) { return std::strtoull(s.c_str(), nullptr, 0); }

static void parse_range(const char* s, uint64_t& lo, uint64_t& hi) {
    std::string t(s);
    auto c = t.find(':');
    lo = num(t.substr(0, c));
    hi = num(t.substr(c + 1));
}

int main(int argc, char** argv) {
    Options o;
    std::string mem_in, script_path, out_json = "result.json", mem_out, writes_out;
    for (int i = 1; i < argc; i++) {
        std::string a = argv[i];
        auto val = [&]() -> const char* {
            if (i + 1 >= argc) { fprintf(stderr, "harness: %s needs a value\n", a.c_str()); exit(2); }
            return argv[++i];
        };
        if (a == "--mem-in") mem_in = val();
        else if (a == "--script") script_path = val();
        else if (a == "--out") out_json = val();
        else if (a == "--mem-out") mem_out = val();
        else if (a == "--writes-out") writes_out = val();
        else if (a == "--seed") o.seed = num(val());
        else if (a == "--max-latency") o.max_latency = (int)num(val());
        else if (a == "--r-gap") o.r_gap = atof(val());
        else if (a == "--ar-stall") o.ar_stall = atof(val());
        else if (a == "--interleave") o.interleave = true;
        else if (a == "--aw-stall") o.aw_stall = atof(val());
        else if (a == "--w-stall") o.w_stall = atof(val());
        else if (a == "--axil-delay") o.axil_delay = (int)num(val());
        else if (a == "--rd-error") parse_range(val(), o.rd_err_lo, o.rd_err_hi);
        else if (a == "--wr-error") parse_range(val(), o.wr_err_lo, o.wr_err_hi);
        else if (a == "--drop-write-beat") o.drop_write_beat = (long)num(val());
        else if (a == "--max-cycles") o.max_cycles = (long)num(val());
        else if (a == "--trace") o.trace = val();
        else if (a.rfind("+verilator", 0) == 0) continue;
        else { fprintf(stderr, "harness: unknown option %s\n", a.c_str()); return 2; }
    }
    rng.seed(o.seed);
    Memory mem;
    if (!mem_in.empty() && !read_memory(mem_in, mem)) {
        fprintf(stderr, "harness: cannot read memory image %s\n", mem_in.c_str());
        return 2;
    }
    LiteMaster lite;
    std::vector<std::pair<uint64_t, uint64_t>> dumps;
    {
        std::ifstream sf(script_path);
        if (!sf) { fprintf(stderr, "harness: cannot read script %s\n", script_path.c_str()); return 2; }
        std::string line;
        while (std::getline(sf, line)) {
            std::istringstream ls(line);
            Op op;
            std::string x, y;
            if (!(ls >> op.kind) || op.kind[0] == '#') continue;
            if (ls >> x) op.a = num(x);
            if (ls >> y) op.b = num(y);
            if (op.kind == "dump") dumps.push_back({op.a, op.b});
            else lite.ops.push_back(op);
        }
    }
    lite.axil_delay = o.axil_delay;

    auto ctx = std::make_unique<VerilatedContext>();
    ctx->commandArgs(argc, argv);
    PortTable ports;
    std::unique_ptr<Model> top = make_model(ctx.get(), ports);
    Sig clk = ports.need("ap_clk"), rstn = ports.need("ap_rst_n");
    lite.bind(ports);
    std::vector<ReadSlave> rd;
    std::vector<WriteSlave> wr;
    for (auto& kv : ports.sigs) {
        const std::string& n = kv.first;
        if (n.rfind("m_axi_", 0) != 0) continue;
        auto ends = [&](const char* s) {
            size_t l = strlen(s);
            return n.size() > l && n.compare(n.size() - l, l, s) == 0;
        };
        if (ends("_arvalid")) { rd.emplace_back(); rd.back().bind(ports, n.substr(0, n.size() - 8)); }
        if (ends("_awvalid")) { wr.emplace_back(); wr.back().bind(ports, n.substr(0, n.size() - 8)); }
    }

#if VM_TRACE
    std::unique_ptr<TraceFile> tfp;
    if (!o.trace.empty()) {
        ctx->traceEverOn(true);
        tfp = std::make_unique<TraceFile>();
        top->trace(tfp.get(), 99);
        tfp->open(o.trace.c_str());
    }
#else
    if (!o.trace.empty()) fprintf(stderr, "harness: built without tracing; --trace ignored\n");
#endif
    uint64_t t = 0;
    auto dump_wave = [&]() {
#if VM_TRACE
        if (tfp) tfp->dump(t);
#endif
        t += 5;
    };

    // ap_rst_n low for 4 cycles; the models (memories, AXI-Lite master) are reset by ap_rst_n itself,
    // as AXI's ARESETn (the kernel keeps its ports quiet until its synchronised reset is over; as
    // verify/kernel_bench.py)
    const int reset_cycles = 4, model_reset_cycles = reset_cycles;
    auto wall0 = std::chrono::steady_clock::now();
    long write_beat_counter = 0;
    rstn.set(0);
    clk.set(0);
    top->eval();
    long reset_until = -1;  // end of a scripted reset (`reset N`)
    for (cycle = 0; cycle < o.max_cycles; cycle++) {
        bool in_reset = cycle < model_reset_cycles || cycle < reset_until;
        clk.set(0);
        top->eval();
        dump_wave();
        if (in_reset) {
            for (auto& r : rd) r.reset();
            for (auto& w : wr) w.reset();
        } else {
            for (auto& r : rd) r.step(mem, o);
            for (auto& w : wr) w.step(mem, o, write_beat_counter);
            lite.step();
        }
        clk.set(1);
        top->eval();
        dump_wave();
        if (lite.reset_req) {
            reset_until = cycle + 1 + lite.reset_req;
            lite.reset_req = 0;
        }
        rstn.set(cycle + 1 >= reset_cycles && cycle + 1 >= reset_until);
        for (auto& r : rd) r.apply();
        for (auto& w : wr) w.apply();
        lite.apply();
        if (lite.finished) break;
    }
    clk.set(0);
    top->eval();
    dump_wave();
    double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
    if (!lite.finished) lite.status = "timeout";
    top->final();
#if VM_TRACE
    if (tfp) tfp->close();
#endif

    if (!mem_out.empty()) {
        std::ofstream f(mem_out, std::ios::binary);
        for (auto& d : dumps) {
            uint64_t hdr[2] = {d.first, d.second};
            f.write(reinterpret_cast<char*>(hdr), sizeof hdr);
            std::vector<char> buf(d.second);
            for (uint64_t i = 0; i < d.second; i++) buf[i] = (char)mem.get(d.first + i);
            f.write(buf.data(), (std::streamsize)buf.size());
        }
    }
    if (!writes_out.empty()) {   // every written beat as it is in memory now, records as --mem-out
        std::ofstream f(writes_out, std::ios::binary);
        uint64_t wb = wr.empty() ? 0 : (uint64_t)wr[0].beat_bytes;
        for (uint64_t a : written) {
            uint64_t hdr[2] = {a, wb};
            f.write(reinterpret_cast<char*>(hdr), sizeof hdr);
            for (uint64_t i = 0; i < wb; i++) f.put((char)mem.get(a + i));
        }
    }
    std::ofstream j(out_json);
    long kcycles = (lite.start_cycle >= 0 && lite.done_cycle >= 0) ? lite.done_cycle - lite.start_cycle : -1;
    j << "{\n  \"status\": " << json_str(lite.status) << ",\n";
    j << "  \"cycles\": " << kcycles << ",\n  \"total_cycles\": " << cycle << ",\n";
    j << "  \"start_cycle\": " << lite.start_cycle << ",\n  \"done_cycle\": " << lite.done_cycle << ",\n";
    j << "  \"wall_s\": " << wall << ",\n  \"cycles_per_s\": " << (wall > 0 ? cycle / wall : 0) << ",\n";
    j << "  \"run_cycles\": [";
    for (size_t i = 0; i < lite.run_cycles.size(); i++) j << (i ? ", " : "") << lite.run_cycles[i];
    j << "],\n  \"bursts\": {";
    auto burst_log = [&](const std::string& name, const std::vector<std::pair<uint64_t, int>>& log, bool first) {
        j << (first ? "" : ", ") << json_str(name) << ": [";
        for (size_t i = 0; i < log.size(); i++) j << (i ? ", " : "") << "[" << log[i].first << ", " << log[i].second << "]";
        j << "]";
    };
    for (size_t i = 0; i < rd.size(); i++) burst_log(rd[i].name, rd[i].log, i == 0);
    for (size_t i = 0; i < wr.size(); i++) burst_log(wr[i].name, wr[i].log, rd.empty() && i == 0);
    j << "},\n  \"reads\": [";
    for (size_t i = 0; i < lite.reads.size(); i++)
        j << (i ? ", " : "") << "[" << lite.reads[i].first << ", " << lite.reads[i].second << "]";
    j << "],\n  \"axil\": {\"writes\": " << lite.writes << ", \"reads\": " << lite.nreads
      << ", \"error_responses\": " << lite.bad_resp << "},\n";
    j << "  \"read_ports\": {";
    for (size_t i = 0; i < rd.size(); i++)
        j << (i ? ", " : "") << json_str(rd[i].name) << ": {\"bursts\": " << rd[i].bursts << ", \"beats\": "
          << rd[i].beats << ", \"bytes\": " << rd[i].bytes << ", \"error_beats\": " << rd[i].err_beats
          << ", \"out_of_order_beats\": " << rd[i].out_of_order << ", \"beat_bytes\": " << rd[i].beat_bytes << "}";
    j << "},\n  \"write_ports\": {";
    for (size_t i = 0; i < wr.size(); i++)
        j << (i ? ", " : "") << json_str(wr[i].name) << ": {\"bursts\": " << wr[i].bursts << ", \"beats\": "
          << wr[i].beats << ", \"bytes\": " << wr[i].bytes << ", \"responses\": " << wr[i].responses_done
          << ", \"error_responses\": " << wr[i].err_resps << ", \"dropped_beats\": " << wr[i].dropped
          << ", \"beat_bytes\": " << wr[i].beat_bytes << "}";
    j << "},\n  \"violations\": [";
    for (size_t i = 0; i < violations.size(); i++) j << (i ? ", " : "") << json_str(violations[i]);
    j << "]\n}\n";
    return 0;
}
