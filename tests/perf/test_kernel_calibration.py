"""Kernel-level calibration: the model's per-run cycle count (``fast_prefill.perf.kernel``) stays
within 5 % of the converted-Verilog simulation of the whole ``fast_prefill`` kernel (Verilator through
the host driver's lower layers, zero-latency deterministic AXI model, ``perf.kernel_sim``), for
dense, vertical-slash and query-aware heads, one head and GQA groups; the tiny preset by default,
a larger configuration (B = D = 16) in the slow run. Every run's O is checked against the golden
kernel reference first. A planted formula error (a dropped term) is rejected by the same check.
"""

import pytest

from fast_prefill.perf import kernel as K
from fast_prefill.perf import units as U
from fast_prefill.perf.calibration import TOLERANCE, cal_kernel, kernel_cases
from fast_prefill.perf.kernel_sim import config


@pytest.fixture(scope="module")
def tiny_points():
    return cal_kernel(kernel_cases()["tiny"], keep=True)


def _bad(points):
    return [f"{p.config}: sim {p.sim}, model {p.model} ({100 * p.error:+.2f}%)" for p in points
            if abs(p.error) > TOLERANCE]


def test_kernel_calibration_tiny(tiny_points):
    assert len(tiny_points) == len(kernel_cases()["tiny"])
    kinds = " ".join(p.config for p in tiny_points)
    for kind in ("dense", "vertical-slash", "query-aware", "H=2 Hkv=1", "H=4 Hkv=2"):
        assert kind in kinds, f"tiny kernel calibration lacks a {kind} case"
    bad = _bad(tiny_points)
    assert not bad, "kernel model outside 5% of the Verilator simulation:\n" + "\n".join(bad)


@pytest.mark.slow
def test_kernel_calibration_larger():
    pts = cal_kernel(kernel_cases()["b16d16"])
    bad = _bad(pts)
    assert not bad, "kernel model outside 5% of the Verilator simulation (B = D = 16):\n" + "\n".join(bad)


def test_overlap_shortens_the_verilator_run(tiny_points):
    """The 4-head run (2 KV heads, query-aware and vertical-slash heads) on the converted kernel
    under Verilator (O exact) is shorter than the sum of its heads' phases, each head's SIG and
    attention one after the other (the model's per-head phases, within the tolerance of the
    kernel built without overlap: ``test_overlap_against_the_sequential_kernel``)."""
    (pt,) = [p for p in tiny_points if "H=4 Hkv=2" in p.config]
    sim, ref, case, cfg = pt.kept
    minb = case.min_budget or cfg.block_size
    shapes = [K.head_shape(p, l, case.tau, U.cdiv(minb, cfg.block_size), cfg) for p, l in zip(ref.patterns, ref.lists)]
    phases = K.KERNEL_RUN_START + sum(sum(K.head_cycles(cfg, h).values()) for h in shapes)
    assert sim < 0.9 * phases, (sim, phases)


@pytest.mark.slow   # a second Verilator build of the kernel (about 45 s): make test-all
def test_overlap_against_the_sequential_kernel(tiny_points):
    """The same 4-head run on the kernel built with ``overlap=False`` (its SIG waits for the
    previous head's attention): more cycles than the overlapped kernel, O exact, and within the
    tolerance of the model's schedule without overlap."""
    from fast_prefill.perf.kernel_sim import simulate

    (pt,) = [p for p in tiny_points if "H=4 Hkv=2" in p.config]
    sim, ref, case, cfg = pt.kept
    seq = simulate(case, cfg, overlap=False)
    serial_model = K.run_cycles_of_reference(cfg, ref, case.tau, case.min_budget or cfg.block_size, overlap=False)
    assert sim < seq.cycles, (sim, seq.cycles)
    assert abs(serial_model / seq.cycles - 1) <= TOLERANCE, (serial_model, seq.cycles)


def _remodel(points):
    """The model's cycles again for the kept simulations (after a perturbation)."""
    out = []
    for p in points:
        sim, ref, case, cfg = p.kept
        out.append(type(p)(p.unit, p.config, sim,
                           K.run_cycles_of_reference(cfg, ref, case.tau, case.min_budget or cfg.block_size)))
    return out


@pytest.mark.parametrize("planted", ["probe_pass2_dropped", "sae_drain_dropped", "liveness_wait_dropped"])
def test_planted_formula_error_is_caught(tiny_points, monkeypatch, planted):
    """A model with one term dropped disagrees with the simulation by more than the tolerance."""
    assert not _bad(_remodel(tiny_points))               # the kept runs re-model identically
    if planted == "probe_pass2_dropped":                 # (2 nb + 1) B Q -> (nb + 1) B Q
        real = U.probe_cycles
        monkeypatch.setattr(U, "probe_cycles", lambda n, b, r, rows, d, heads=1:
                            real(n, b, r, rows, d, heads) - heads * (n // b) * b * (b // rows))
    elif planted == "sae_drain_dropped":                 # the last task's P x V, drain, reciprocal and output
        real_head = U.sae_rows_head_cycles
        monkeypatch.setattr(U, "sae_rows_head_cycles", lambda nb, acc, b, g, rows, r=16, k=1:
                            real_head(nb, acc, b, g, rows, r, k) - (b + rows + r + 6))
    else:                                                # attention overlapping the SIG's selection
        real_sig = K.sig_to_stream
        monkeypatch.setattr(K, "sig_to_stream", lambda cfg, h, r=16: {
            k: v for k, v in real_sig(cfg, h, r).items() if k in ("SIG probe", "SIG dense lists")})
    assert _bad(_remodel(tiny_points)), f"planted formula error {planted} not caught"


def test_kernel_model_hand_computed():
    """A dense head of nb = 3 at tiny (L = 6), by hand: SIG start at 35, first access at 35 + [2 +
    (1 + 0 + 6)] + (6 + 5) = 55, attention from 55 + 4 for (max(8, 16) + 2) + 6 * (8 * 8 / 2) +
    (6 + 1 + 8 + 4 + 2 + 3 + 17 + 2) + 8 + 14 = 275 cycles, ap_done 3 later: 337 (the simulation:
    347)."""
    cfg = config("tiny")
    h = K.HeadShape(nb=3, accesses=6, vertical=0, slash=0, dense=True)
    assert K.run_cycles(cfg, [h]) == 35 + 9 + 11 + 4 + (18 + 6 * 32 + 43 + 8 + 14) + 3 == 337
    # two heads overlapped: the second SIG starts when the first's 6 accesses are in the FIFO (55 + 6
    # + 1 + 2 = 64), its first access is ready at 84, long before the first attention ends at 334:
    # the second attention starts at 336
    sched = K.schedule(cfg, [h, h])
    assert [x["sig_start"] for x in sched] == [35, 64] and [x["path_start"] for x in sched] == [59, 336]
    assert K.run_cycles(cfg, [h, h]) == 336 + 275 + 3 == 614
    # without overlap the second SIG waits for the first attention: 336 + 20 + 4 + 275 + 3
    assert K.run_cycles(cfg, [h, h], overlap=False) == 336 + 20 + 4 + 275 + 3 == 638
    # a FIFO smaller than the head's accesses: the SIG is done only when the attention has taken
    # L - (depth + 2) of them (here 6 - (4 + 2) = 0: no wait; at depth 4 with L = 10: 4 accesses in)
    small = cfg.replace(access_fifo_depth=4)
    h10 = K.HeadShape(nb=4, accesses=10, vertical=0, slash=0, dense=True)
    one = K.schedule(small, [h10])[0]
    att = one["path_end"] - one["path_start"]
    assert one["sig_done"] == max(one["first"] + 10, one["path_start"] + att * 4 // 10) + 1
    # sparse head: the probe and the selection come before the first access
    s = K.HeadShape(nb=8, accesses=15, vertical=1, slash=1)
    parts = K.head_cycles(cfg, s)
    # the probe at r = 2 lanes of Q = 4 rows: B + (2 nb + 1) B Q + Q (R + 3) + 2 N, and its two
    # pipeline waits at D = 8: TP = 1 + (3 + 6 + 1) + 7 = 18 and TP + log2 r + 1 = 20
    assert parts["SIG probe"] == 2 + 7 + (8 + 17 * 32 + 4 * 19 + 128) + (18 + 20) + 4
    assert parts["SIG lists"] == 1 + 2 + 36 and parts["SIG liveness"] == 20
    qa = K.HeadShape(nb=8, accesses=15, vertical=1, slash=1, query_aware=True, decision=True)
    pq = K.head_cycles(cfg, qa)
    # tiny: D = 8, a logit pipeline of 3 + 6 stages, the exp's 3, the JS tail's 10
    assert pq["SIG decision"] == 1 + 1 + 8 + 9 + 8 + 3 + 16 + 1 + 8 * 18 + 10 + 1
    assert "SIG selection" not in pq and pq["SIG lists"] == 3
