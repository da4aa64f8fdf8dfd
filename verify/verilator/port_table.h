// Generic access to a Verilated model's ports by name (shared by the three benches).
// fast_prefill.verify.verilator.build generates model_gen.cpp, whose make_model() adds every top-level
// port to a PortTable with its width and Verilated storage (CData/SData/IData/QData or VlWide words).
#pragma once

#include <verilated.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

struct Sig {
    int kind = 0;  // 1: CData, 2: SData, 4: IData, 8: QData, 0: wide (words)
    void* ptr = nullptr;
    int width = 0;
    bool valid() const { return ptr != nullptr; }
    uint64_t get() const {
        switch (kind) {
            case 1: return *static_cast<uint8_t*>(ptr);
            case 2: return *static_cast<uint16_t*>(ptr);
            case 4: return *static_cast<uint32_t*>(ptr);
            case 8: return *static_cast<uint64_t*>(ptr);
            default: {
                const uint32_t* w = static_cast<uint32_t*>(ptr);
                return (uint64_t)w[0] | ((uint64_t)w[1] << 32);
            }
        }
    }
    void set(uint64_t v) {
        switch (kind) {
            case 1: *static_cast<uint8_t*>(ptr) = (uint8_t)v; break;
            case 2: *static_cast<uint16_t*>(ptr) = (uint16_t)v; break;
            case 4: *static_cast<uint32_t*>(ptr) = (uint32_t)v; break;
            case 8: *static_cast<uint64_t*>(ptr) = v; break;
            default: {
                uint32_t* w = static_cast<uint32_t*>(ptr);
                int n = (width + 31) / 32;
                for (int i = 0; i < n; i++) w[i] = 0;
                w[0] = (uint32_t)v;
                if (n > 1) w[1] = (uint32_t)(v >> 32);
            }
        }
    }
    // Little-endian bytes of the value (width/8 bytes).
    void get_bytes(uint8_t* out) const {
        int nb = width / 8;
        if (kind != 0) {
            uint64_t v = get();
            for (int i = 0; i < nb; i++) out[i] = (uint8_t)(v >> (8 * i));
        } else {
            const uint32_t* w = static_cast<uint32_t*>(ptr);
            for (int i = 0; i < nb; i++) out[i] = (uint8_t)(w[i / 4] >> (8 * (i % 4)));
        }
    }
    void set_bytes(const uint8_t* in) {
        int nb = width / 8;
        if (kind != 0) {
            uint64_t v = 0;
            for (int i = 0; i < nb; i++) v |= (uint64_t)in[i] << (8 * i);
            set(v);
        } else {
            uint32_t* w = static_cast<uint32_t*>(ptr);
            int n = (width + 31) / 32;
            for (int i = 0; i < n; i++) w[i] = 0;
            for (int i = 0; i < nb; i++) w[i / 4] |= (uint32_t)in[i] << (8 * (i % 4));
        }
    }
    // The value as 32-bit words, least significant first ((width + 31) / 32 of them).
    std::vector<uint32_t> words() const {
        int n = (width + 31) / 32;
        std::vector<uint32_t> w(n, 0);
        if (kind != 0) {
            uint64_t v = get();
            w[0] = (uint32_t)v;
            if (n > 1) w[1] = (uint32_t)(v >> 32);
        } else {
            const uint32_t* p = static_cast<uint32_t*>(ptr);
            for (int i = 0; i < n; i++) w[i] = p[i];
        }
        return w;
    }
    void set_words(const std::vector<uint32_t>& w) {
        if (kind != 0) {
            set((uint64_t)(w.size() > 0 ? w[0] : 0) | ((uint64_t)(w.size() > 1 ? w[1] : 0) << 32));
        } else {
            uint32_t* p = static_cast<uint32_t*>(ptr);
            int n = (width + 31) / 32;
            for (int i = 0; i < n; i++) p[i] = i < (int)w.size() ? w[i] : 0;
        }
    }
    // Bit i of a (possibly wide) value, for write strobes.
    bool bit(int i) const {
        if (kind != 0) return (get() >> i) & 1;
        return (static_cast<uint32_t*>(ptr)[i / 32] >> (i % 32)) & 1;
    }
};

// The adds are defined out of line, once, in the bench's translation unit (PORT_TABLE_DEFINE, below):
// each design's model_gen.cpp then only calls them. Inline, the std::map code they instantiate was
// 60 % of compiling model_gen.cpp (0.4 s of a small design's 1.1 s build).
struct PortTable {
    std::map<std::string, Sig> sigs;
    void add(const char* n, uint8_t* p, int w);
    void add(const char* n, uint16_t* p, int w);
    void add(const char* n, uint32_t* p, int w);
    void add(const char* n, uint64_t* p, int w);
    void add_wide(const char* n, uint32_t* words, int w);
    template <std::size_t N>
    void add(const char* n, VlWide<N>* p, int w) { add_wide(n, p->data(), w); }
    Sig get(const std::string& n) const {
        auto it = sigs.find(n);
        return it == sigs.end() ? Sig{} : it->second;
    }
    Sig need(const std::string& n) const {
        auto it = sigs.find(n);
        if (it == sigs.end()) {
            fprintf(stderr, "harness: the kernel has no port '%s'\n", n.c_str());
            exit(3);
        }
        return it->second;
    }
};

#ifdef PORT_TABLE_DEFINE   // in exactly one translation unit of each bench (its .cpp)
void PortTable::add(const char* n, uint8_t* p, int w) { sigs[n] = Sig{1, p, w}; }
void PortTable::add(const char* n, uint16_t* p, int w) { sigs[n] = Sig{2, p, w}; }
void PortTable::add(const char* n, uint32_t* p, int w) { sigs[n] = Sig{4, p, w}; }
void PortTable::add(const char* n, uint64_t* p, int w) { sigs[n] = Sig{8, p, w}; }
void PortTable::add_wide(const char* n, uint32_t* words, int w) { sigs[n] = Sig{0, words, w}; }
#endif
