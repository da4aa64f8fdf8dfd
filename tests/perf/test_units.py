"""The model's formulas against hand-computed small cases (each number below worked out by hand)."""

import numpy as np
import pytest

from fast_prefill.perf import units as U
from fast_prefill.perf.model import MODELS, ModelParams, port_bandwidth, mpu_peak_macs
from fast_prefill.perf.sparsity import HeadStats
from fast_prefill.config import get_preset
from fast_prefill.verify.golden.liveness import DEAD


def test_probe_hand():
    # B=4, D=2, N=16: nb=4; waits: TP = 1 + (1 + 6 + 1) + 7 = 16 after pass 1, 16 + 0 + 1 after pass 2
    assert U.probe_pipe_waits(2, 1) == (16, 17)
    # 4 + 9*16 + 4*(16+3) + 32 + 33 = 289
    assert U.probe_cycles(16, 4, 16, 1, 2) == 289
    # partial last block: N=17 -> nb=5: 4 + 11*16 + 76 + 34 + 33 = 323
    assert U.probe_cycles(17, 4, 16, 1, 2) == 323
    # r = 2 lanes of Q = 2 rows: 4 + 9*4*2 + 2*19 + 32 + (16 + 18) = 180
    assert U.probe_cycles(16, 4, 16, 2, 2) == 180
    # two heads in one pass: the per-head part twice, the waits once
    assert U.probe_cycles(16, 4, 16, 2, 2, heads=2) == 2 * (180 - 34) + 34
    # u280, N = 4K, D = 128, r = 8: 128 + 65*128*16 + 16*19 + 8192 + (22 + 26)
    assert U.probe_cycles(4096, 128, 16, 8, 128) == 128 + 133120 + 304 + 8192 + 48
    # r = 16 (the paired lanes' option): 128 + 65*128*8 + 8*19 + 8192 + (22 + 27)
    assert U.probe_cycles(4096, 128, 16, 16, 128) == 128 + 66560 + 152 + 8192 + 49


def test_pool_builder_liveness_hand():
    assert U.pool_cycles(64) == 130
    assert U.list_builder_cycles(4, 3) == 1 + 3 + 10
    assert U.liveness_cycles(10, 8) == 42
    assert U.liveness_cycles(10, 8, span_only=True) == 35


def test_liveness_cycles_equal_the_rtl():
    from fast_prefill.rtl.sig.liveness import liveness_cycles
    for acc, mb in ((1, 2), (10, 8), (36, 8), (524800, 1024)):
        for span in (False, True):
            assert U.liveness_cycles(acc, mb, span) == liveness_cycles(acc, mb, span)


def test_sae_row_hand():
    # B=4, G=1, R=16: 1 + 4 + n (1 + 8 + 4*17) + 4*20 = 85 + 77 n
    assert U.sae_row_cycles(0, 4) == 85
    assert U.sae_row_cycles(3, 4) == 85 + 3 * 77
    # K/V rows at 4 beats each: the load phase 8 -> 32 cycles
    assert U.sae_row_cycles(1, 4, kv_beats_per_row=4) == 85 + 1 + 32 + 68
    # whole head: 3 rows, 6 blocks in all
    assert U.sae_head_cycles(3, 6, 4) == 3 * 85 + 6 * 77
    # the engine's own formula (docs/sae.md, G=4, B=128): 135,937 cycles per key block
    assert U.sae_row_cycles(2, 128, 4) - U.sae_row_cycles(1, 128, 4) == 135_937


def test_selection_hand():
    # cover count, n=8, width 4, hist 4 (one pass), max_n 8 (IW=3): load 1 + 8 (the pass's
    # histogram with it), compare 1, the pass's drain and read 4, worst scan 16 digits at 2 cycles,
    # division 1 + 5, result 1; width 8: a second pass of 8 + 4 and 16 more digits
    assert U.cover_count_cycles(8, 4, 4, 8) == 1 + 8 + 1 + 4 + 2 * 16 + 1 + 5 + 1
    assert U.cover_count_cycles(8, 8, 4, 8) == 1 + 8 + 1 + 4 + (8 + 4) + 2 * 32 + 1 + 5 + 1
    assert U.cover_count_cycles(8, 4, 4, 8, early_exit=True) == 11
    # values 0..7, target 20: digits scanned from 15 down: 15..8 empty (8 digits), 7 (sum 7), 6 (13),
    # 5 (18), 4: 18 + 4 = 22 > 20 -> chosen, 12 digits scanned
    assert U.cover_scan_exact(list(range(8)), 20, 4, 4) == (12, False)
    # top-m: m=3 of [9, 1, 5, 7, 2]: index 0 forced, two more: 7 (idx 3) and 5 (idx 2): last index 3;
    # one pass of width 4: digits 15..7 scanned (9 digits): above=1 at 7 -> 5 at digit 5 (11 digits)
    scan, last = U.top_m_scan_exact([9, 1, 5, 7, 2], 3, 4, 4)
    assert (scan, last) == (11, 3)
    # load 1 + 5, start 1, the pass 4 + 4 (drain and read), 11 digits at 2 cycles, fill 2, emission 4
    assert U.top_m_cycles(5, 4, 4, 3, scan, last) == 1 + 5 + 1 + (4 + 4) + 2 * 11 + 2 + 4


def test_mpu_hand():
    assert U.mpu_tiles_cycles([10, 10], 4) == 2 * 14 + 4
    # 8x8 by 8x8 on k=4, 4 cols: 2*2 tiles of (4 + 8) cycles + 4
    assert U.mpu_gemm_cycles(8, 8, 8, 4, 4) == 4 * 12 + 4


def test_kvc_event_model_hand():
    # two hits on one pinned block after its miss: hb=2 (4 beats a block), prefetch 2
    req = [(0, 0, 1, True), (1, 0, 2, True), (2, 0, DEAD, True)]
    assert U.kvc_decisions(req, 1, 2) == [(False, 0), (True, 0), (True, 0)]
    cyc, miss = U.kvc_cycles(req, 1, 2, 2, 2)
    # 3 lines: the tag store's trees settle in 2 cycles, decisions 4 apart
    assert U.kvc_decision_gap(1, 2) == (2, 4)
    # decision 0 at t=2; fill starts at 8 (KVC_FILL_START 6), 4 beats + 1 -> ready 13; delivered
    # 13..17; hits decided at 6, 10, delivered back to back: 21, 25; + T0 (8) = 33
    assert (cyc, miss) == (33, 1)
    # all-dead misses wait for the reader of the victim line (the newest line)
    req = [(r, r, DEAD, False) for r in range(4)]
    dec = U.kvc_decisions(req, 0, 2)
    assert dec == [(False, 0), (False, 1), (False, 1), (False, 1)]


def test_u280_constants():
    cfg = get_preset("u280")
    assert port_bandwidth(cfg) == pytest.approx(14.375e9)       # 512 bits x 300 MHz, capped at one pseudo-channel
    assert mpu_peak_macs(cfg) == 32 * 208
    assert MODELS["llama-3-8b"].linear_macs_per_token() == 32 * (2 * 4096 * 4096 + 2 * 4096 * 1024 + 3 * 4096 * 14336)


def test_attention_scales_with_accesses_and_overlap():
    from fast_prefill.perf.model import attention

    cfg = get_preset("tiny")
    shape = MODELS["llama-3-8b"]
    nb = 8
    dense = HeadStats("d", 1.0, nb, nb * (nb + 1) // 2, 0, False, {"liveness": nb, "none": 36})
    half = HeadStats("h", 1.0, nb, 18, 2, False, {"liveness": nb, "none": 18})
    a = attention(shape, 64, [dense], cfg, ModelParams())
    b = attention(shape, 64, [half], cfg, ModelParams())
    assert b["seconds"] < a["seconds"]
    serial = attention(shape, 64, [dense], cfg, ModelParams(overlap="serial"))
    assert a["seconds"] < serial["seconds"]
    # the built schedule by hand (kernel.pipeline): at tiny the SIG (S) is longer than the attention
    # (A), so head h's first access leaves the SIG at f_h = start + S + h (S + L + 3) (its L accesses
    # emitted, done, restart), its attention runs f_h + 4 .. f_h + 4 + A, the run ends 3 cycles
    # after the last head's attention (or its SIG's done)
    from fast_prefill.perf import kernel as K
    from fast_prefill.perf.model import head_cost

    c = head_cost(dense, 64, cfg, ModelParams())
    S, A, L, H = c.sig_first, c.cycles["SAE + KVC"], dense.accesses, shape.heads
    assert S > A + 2 and L <= cfg.access_fifo_depth + 2
    f_last = 35 + S + (H - 1) * (S + L + 3)
    layer = f_last + max(4 + A, L + 1) + 3
    f = cfg.clock_mhz * 1e6
    assert a["layer_seconds"] == pytest.approx(layer / f, rel=1e-12)
    sig_t = sum(v for k, v in c.cycles.items() if k.startswith("SIG")) * H
    assert serial["layer_seconds"] == pytest.approx((sig_t + H * A) / f, rel=1e-12)
    assert a["sig_exposed_share"] == pytest.approx(max(0, layer - H * A) / layer)
    # a FIFO of 4 beats: the SIG keeps each head until its attention has taken 36 - 6 accesses
    small = cfg.replace(access_fifo_depth=4)
    c4 = attention(shape, 64, [dense], small, ModelParams())
    run4 = K.pipeline_end(K.pipeline([(S, A, L)] * H, 6))
    assert c4["layer_seconds"] == pytest.approx(run4 / f, rel=1e-12) and run4 > layer
    s = attention(shape, 64, [dense], cfg, ModelParams(overlap="sig_sae"))
    assert s["seconds"] < serial["seconds"]
    with pytest.raises(ValueError, match="overlap"):
        ModelParams(overlap="magic")
    with pytest.raises(ValueError, match="'heads' is not allowed with sae_group"):
        attention(shape, 64, [dense], cfg, ModelParams(sae_group=4))


def test_head_order_sets_how_much_of_the_sig_the_attention_hides():
    """Per layer the heads run through ``kernel.pipeline`` in the given order: the SIG runs ahead
    of long attention phases while the FIFO holds their accesses. With one attention-bound kind and
    one SIG-bound kind, the attention-bound heads first hide the most (Johnson's rule for two
    stages), the SIG-bound heads first hide the least (about the old per-head bound, the first SIG
    plus every head's max(SIG, attention)), alternating lies between; every order is at least
    ``max(sum SIG, sum attention)``. A bad order is refused with the field named."""
    from fast_prefill.perf.model import attention, default_order, head_cost

    cfg = get_preset("u280")
    shape = MODELS["llama-3-8b"]
    nb = 32
    long = HeadStats("long", 0.5, nb, nb * (nb + 1) // 2, 0, False, {"liveness": nb})
    short = HeadStats("short", 0.5, nb, 2 * nb, 4, False, {"liveness": nb})
    cl, cs = (head_cost(h, nb * 128, cfg, ModelParams()) for h in (long, short))
    sl, al, ss, as_ = cl.sig_first, cl.cycles["SAE + KVC"], cs.sig_first, cs.cycles["SAE + KVC"]
    assert al > sl and as_ < ss            # one head kind attention-bound, the other SIG-bound
    H, half = shape.heads, shape.heads // 2
    assert default_order([long, short], H) == [[0] * half + [1] * half]
    f = cfg.clock_mhz * 1e6

    def layer(order=None):
        return attention(shape, nb * 128, [long, short], cfg, ModelParams(), order)["layer_seconds"] * f

    good, bad, alt = layer(), layer([[1] * half + [0] * half]), layer([[i % 2 for i in range(H)]])
    low = max(half * (sl + ss), half * (al + as_))
    per_head = max(long.accesses, short.accesses) + 3 + 4 + 2      # emission, done, restart, hand-overs
    high = max(sl, ss) + half * (max(sl, al) + max(ss, as_)) + 35 + 3 + H * per_head
    assert low < good < alt < bad < high
    assert bad > 0.97 * high and good < 1.01 * low + al
    with pytest.raises(ValueError, match="attention field 'order' has a layer of 3 heads"):
        attention(shape, nb * 128, [long, short], cfg, ModelParams(), [[0, 1, 0]])
    with pytest.raises(ValueError, match=r"must be 32 indices in \[0, 1\]"):
        attention(shape, nb * 128, [long, short], cfg, ModelParams(), [[2] * H])


def test_head_order_of_the_sources():
    """MInference: every layer's heads by their published budget class; FlexPrefill: the four
    synthetic kinds in rotation."""
    from fast_prefill.perf.sparsity import KINDS, head_order
    from fast_prefill.verify.golden.minference import load_budgets

    flex = [HeadStats(k, 0.25, 4, 4, 0, False) for k in reversed(KINDS)]
    order = head_order("flexprefill", "llama-3-8b", flex, 32)
    assert order == [[3, 2, 1, 0] * 8]
    layers = load_budgets("qwen2.5-7b")
    classes = sorted({(v, s) for layer in layers for (_, v, s, _) in layer.values()})
    stats = [HeadStats(f"v={v} s={s}", 0.0, 4, 4, 0, False) for v, s in classes]
    order = head_order("minference", "qwen2.5-7b", stats, 28)
    assert len(order) == len(layers) == 28
    for got, layer in zip(order, layers):
        assert [stats[i].label for i in got] == [f"v={layer[h][1]} s={layer[h][2]}" for h in sorted(layer)]
    with pytest.raises(ValueError, match="does not match qwen2.5-7b's budgets"):
        head_order("minference", "qwen2.5-7b", stats[1:], 28)
    with pytest.raises(ValueError, match="no FlexPrefill kind"):
        head_order("flexprefill", "llama-3-8b", stats, 32)


def test_design_roofline_and_projection_summary():
    """The attention's design roofline: useful MACs (SIG probe + SAE) at every attention lane's
    peak (2 P D + r D a cycle), its ratio to the modelled time, and the flat report summary; a
    denser head costs more time at the same peak."""
    from fast_prefill.perf.baselines import GPUS, gpu_roofline
    from fast_prefill.perf.model import attention, project, projection_summary, u280_int8_peak_mac_per_cycle

    cfg = get_preset("u280")
    shape = MODELS["llama-3-8b"]
    nb = 32
    dense = HeadStats("d", 1.0, nb, nb * (nb + 1) // 2, 0, False, {"liveness": nb})
    a = attention(shape, nb * 128, [dense], cfg, ModelParams())
    peak = 2 * 32 * 128 + 8 * 128
    assert a["design_peak_mac_per_cycle"] == peak == 9216
    assert a["roofline_design_s"] == a["macs"] / (peak * 300e6)
    assert 0 < a["efficiency_vs_design"] == a["roofline_design_s"] / a["seconds"] < 1
    assert u280_int8_peak_mac_per_cycle() == 2 * 9024
    p = project("llama-3-8b", nb * 128, [dense], cfg)
    g = gpu_roofline(GPUS["A5000"], shape, nb * 128)
    gs = gpu_roofline(GPUS["A5000"], shape, nb * 128, density=0.5)
    s = projection_summary(p, g, gs, cfg)
    assert s["attention_s"] == p["attention"]["seconds"]
    assert s["roofline_u280_s"] == p["attention"]["macs"] / (18048 * 300e6) < s["roofline_design_s"]
    assert s["a5000_dense_attention_s"] == g["attention_seconds"] > s["a5000_sparse_attention_s"]
    assert s["efficiency_vs_design"] == a["efficiency_vs_design"]
    # the GPU at FlashAttention-2's best measured efficiency (73 % of peak): slower than its roofline
    assert s["a5000_dense_attention_fa2_s"] == pytest.approx(g["attention_seconds"] / 0.73)
    # energy per attention layer: the U280 at 225 W for the layer's attention time, the A5000 at 230 W
    assert s["energy_attention_per_layer_j"] == pytest.approx(p["attention"]["seconds"] / 32 * 225.0)
    assert s["a5000_dense_attention_energy_per_layer_j"] == pytest.approx(g["attention_seconds"] / 32 * 230.0)
    # A5000 memory: FP16 weights (15.0 GB for Llama-3-8B, embedding not counted) + FP16 K/V (128 KB a token): at 4K it
    # fits 24 GB, at 128K the K/V alone is 17.2 GB and the sum does not
    assert 15.0 < s["a5000_memory_gb"] < 15.6 and s["a5000_fits"]
    big = projection_summary(project("llama-3-8b", 131072, [HeadStats("d", 1.0, 1024, 1024, 0, False,
                                                                        {"liveness": 1024})], cfg), g, gs, cfg)
    kv_128k = 2 * 2 * 131072 * 8 * 128 * 32 / 1e9
    assert big["a5000_memory_gb"] == pytest.approx(s["a5000_memory_gb"] + kv_128k - 2 * 2 * 4096 * 8 * 128 * 32 / 1e9)
    assert not big["a5000_fits"]


def test_model_ports_are_the_kernels_and_two_fill_ports_feed_a_missing_head():
    """The model's traffic classes sit on the kernel's own AXI ports (the register map's); a head
    that misses on most accesses at 128K (FlexPrefill-like: 85 %) is bound by its one fill port with
    K and V on m_axi_kv, and compute-bound with V on m_axi_v (kv_read_ports = 2)."""
    from fast_prefill.perf.model import PORT_OF, attention
    from fast_prefill.rtl.top.regmap import RegisterMap
    from fast_prefill.vivado import m_axi_ports

    assert set(PORT_OF.values()) == set(m_axi_ports(RegisterMap()))
    cfg = get_preset("u280")
    shape = MODELS["llama-3-8b"]
    nb = 1024
    acc = int(0.45 * nb * (nb + 1) / 2)
    head = HeadStats("miss", 1.0, nb, acc, 64, False, {"liveness": int(0.85 * acc)})
    two = attention(shape, nb * 128, [head], cfg, ModelParams())
    one = attention(shape, nb * 128, [head], cfg.replace(kv_read_ports=1), ModelParams())
    assert cfg.kv_read_ports == 2
    assert one["bound"] == "memory" and two["bound"] == "compute"
    assert one["port_bytes"]["m_axi_kv"] > 2 * two["port_bytes"]["m_axi_v"] > 0
    assert two["seconds"] < one["seconds"] and two["efficiency_vs_design"] > 0.85 > one["efficiency_vs_design"]
