"""Per-unit cycle and traffic formulas, each one held to the converted-Verilog simulation of its
unit (``tests/perf/test_calibration.py``; table in docs/performance.md).

Every function returns cycles of the unit running alone, with no idle input and no output
back-pressure, exactly as the unit's own documentation and benchmark state them:

* SIG ``sig_probe``, ``sig_pool``, ``sig_cover_count``, ``sig_top_m``, ``sig_list_builder``,
  ``sig_liveness`` (docs/sig.md),
* SAE ``sae_row_engine`` row jobs (what the kernel uses; docs/sae.md, ``RowGeometry.cycles`` and
  ``stream_cycles``) and the ``D``-lane ``sae_engine`` it replaced (``SaeGeometry.cycles``, the
  baseline),
* KV cache ``kv_cache`` (docs/kvc.md): an event model of its decide / fetch / deliver schedule
  (:func:`kvc_cycles`), fitted to and checked against the RTL, and its HBM bytes (exact: the RTL's
  block reads equal the golden ``liveness_reads``),
* MPU ``mpu_tile_engine`` (rtl/mpu/tile_engine.py).

Selection blocks (cover count, top-m) spend a data-dependent number of cycles scanning histogram
digits; the ``*_exact`` helpers compute it from the data (used for calibration), the plain
functions use the documented worst case (used for projections, where it is < 0.1 % of a head).
"""

from __future__ import annotations

import math

import numpy as np

INF = 1 << 62


def cdiv(a: int, b: int) -> int:
    return -(-a // b)


def log2i(x: int) -> int:
    return x.bit_length() - 1


# ---------------------------------------------------------------------------------------------
# SIG


PROBE_LANE_TAIL = 7     # sig_probe's lanes: stages from a step's logit to its probability (rtl/sig/probe_lane.py)
PROBE_PAIR_EXTRA = 1    # the lanes' logits from logit_pipe_pair: one register more than logit_pipe


def probe_pipe_waits(head_dim: int, rows: int) -> tuple[int, int]:
    """``sig_probe``'s two pipeline waits (rtl/sig/probe.py ``probe_waits``): ``TP`` after pass 1
    (the lanes' last l write) and ``TP + log2 r + 1`` after pass 2 (the last vertical sum), where
    ``TP = 1 + (ceil(log2 D) + 6 + 1) + 7`` is the stage of a step's probability (the logit pair
    pipeline's ``ceil(log2 D) + 7`` edges)."""
    tp = 1 + (head_dim - 1).bit_length() + 6 + PROBE_PAIR_EXTRA + PROBE_LANE_TAIL
    return tp, tp + log2i(rows) + 1


def probe_cycles(n: int, b: int, recip_frac: int, rows: int, head_dim: int, heads: int = 1) -> int:
    """``sig_probe`` for one K pass of ``heads`` query heads with ``rows`` = r lanes (``Q = B / r``
    rows each), per head: B query beats, ``(2 nb + 1) B Q`` score/exp steps (pass 1 in lockstep
    with the exp walk, then pass 2), ``Q (R + 3)`` reciprocal cycles (the lanes divide in parallel:
    read l, negate it, R + 1 non-restoring steps), ``2 N`` output beats; once a pass, the two
    pipeline waits (:func:`probe_pipe_waits`)."""
    nb = cdiv(n, b)
    q = b // rows
    w1, w2 = probe_pipe_waits(head_dim, rows)
    return heads * (b + (2 * nb + 1) * b * q + q * (recip_frac + 3) + 2 * n) + w1 + w2


def pool_cycles(n: int) -> int:
    """``sig_pool``: one cycle per accumulator beat in (``2 N``) plus header and total."""
    return 2 * n + 2


def _passes(width: int, hist_bits: int) -> int:
    return cdiv(width, hist_bits)


def cover_count_cycles(n: int, width: int, hist_bits: int, max_n: int, scan: int | None = None,
                       early_exit: bool = False) -> int:
    """``sig_cover_count`` for one vector of ``n`` values (rtl/sig/cover_count.py, the same formula,
    tested equal): header + ``n`` load cycles (the first pass histograms the values as they load),
    the total's compare, 4 of drain and read per pass, ``n`` histogram cycles for each pass after
    the first, two per digit scanned, then ``1 + (IW + 2)`` division cycles and the result.
    ``scan``: total digits scanned over all passes (data dependent); ``None``: the worst case
    ``P 2^h``. ``early_exit``: the total does not exceed the target (no passes)."""
    iw = max(1, (max_n - 1).bit_length())
    if early_exit:
        return 1 + n + 1 + 1
    p = _passes(width, hist_bits)
    scan = p * (1 << min(hist_bits, width)) if scan is None else scan
    return 1 + n + 1 + 4 + (p - 1) * (n + 4) + 2 * scan + 1 + (iw + 2) + 1


def top_m_cycles(n: int, width: int, hist_bits: int, m: int, scan: int | None = None,
                 last_index: int | None = None) -> int:
    """``sig_top_m`` for one vector (rtl/sig/top_m.py, the same formula, tested equal): header +
    ``n`` load cycles and a start cycle; per pass ``n - 1`` histogram cycles (index 0 is forced,
    not searched), 4 of drain and read and two per digit scanned; then the emission pipeline's fill
    (2) and the ascending emission up to the last selected index. ``scan`` / ``last_index``: data
    dependent; ``None``: worst case (``P 2^h`` digits, emission over all ``n``)."""
    last_index = n - 1 if last_index is None else last_index
    if min(m, n) <= 1:
        return 1 + n + 1 + 2 + 1
    p = _passes(width, hist_bits)
    scan = p * (1 << min(hist_bits, width)) if scan is None else scan
    return 1 + n + 1 + p * (n - 1 + 4) + 2 * scan + 2 + last_index + 1


def cover_scan_exact(values, target: int, width: int, hist_bits: int):
    """``(scan digits, early_exit)`` of ``sig_cover_count`` on ``values`` (the golden radix search)."""
    v = np.asarray(values, np.int64)
    if int(v.sum()) <= target:
        return 0, True
    prefix, above_s, scan = 0, 0, 0
    for p in range(_passes(width, hist_bits)):
        lo = max(width - (p + 1) * hist_bits, 0)
        nbits = width - p * hist_bits - lo
        top = lo + nbits
        cand = (v >> top) == (prefix >> top)
        digit = (v[cand] >> lo) & ((1 << nbits) - 1)
        hs = np.bincount(digit, weights=v[cand].astype(np.float64), minlength=1 << nbits)
        for d in range((1 << nbits) - 1, -1, -1):
            scan += 1
            bs = int(round(hs[d]))
            if above_s + bs > target or d == 0:
                prefix |= d << lo
                break
            above_s += bs
    return scan, False


def top_m_scan_exact(values, m: int, width: int, hist_bits: int):
    """``(scan digits, last selected index)`` of ``sig_top_m`` (golden ``top_m_select``, index 0
    forced)."""
    v = np.asarray(values, np.int64)
    n = len(v)
    m = min(m, n)
    rest = v.copy()
    rest[0] = -1
    m_rest = m - 1
    if m_rest <= 0:
        return 0, 0
    ok = rest >= 0
    prefix, above, scan = 0, 0, 0
    for p in range(_passes(width, hist_bits)):
        lo = max(width - (p + 1) * hist_bits, 0)
        nbits = width - p * hist_bits - lo
        top = lo + nbits
        cand = ok & ((rest >> top) == (prefix >> top))
        hc = np.bincount((rest[cand] >> lo) & ((1 << nbits) - 1), minlength=1 << nbits)
        for d in range((1 << nbits) - 1, -1, -1):
            scan += 1
            if above + int(hc[d]) >= m_rest or d == 0:
                prefix |= d << lo
                break
            above += int(hc[d])
    need_eq = m_rest - above
    last = 0
    for i in range(1, n):
        if rest[i] > prefix or (rest[i] == prefix and need_eq > 0):
            if rest[i] == prefix:
                need_eq -= 1
            last = i
    return scan, last


def list_builder_cycles(nb: int, sel_entries: int) -> int:
    """``sig_list_builder``: the header and ``sel_entries`` selection beats (vertical blocks and
    slash offsets), then one scan candidate per cycle over the ``nb (nb + 1) / 2`` causal blocks."""
    return 1 + sel_entries + nb * (nb + 1) // 2


def liveness_cycles(accesses: int, max_blocks: int, span_only: bool = False) -> int:
    """``sig_liveness`` per head (rtl/sig/liveness.py, the same formula, tested equal): collect ``L``,
    backward pass ``L + 1``, drain 2, emission ``L + 1``, then the per-block table is cleared
    (``max_blocks`` cycles) before the next head. ``span_only``: first input beat to last output beat
    (what a stand-alone simulation of one head measures: ``3 L + 5``)."""
    return 3 * accesses + 5 if span_only else 3 * accesses + 4 + max_blocks


# ---------------------------------------------------------------------------------------------
# SAE


def sae_row_cycles(n_blocks: int, b: int, g: int = 1, recip_frac: int = 16, kv_beats_per_row: int = 1) -> int:
    """``sae_engine`` row job with ``n_blocks`` key blocks (``SaeGeometry.cycles``): command, ``G B``
    query rows, per key block 1 list beat + ``2 B`` K/V rows + ``G B (2B + 9)`` compute, then
    ``G B (R + 4)`` normalisation/output. ``kv_beats_per_row`` > 1 models K/V rows arriving from
    the KV cache through ``sae_kv_adapter`` (``8 D / hbm_data_width`` beats per row), which
    stretches the ``2 B`` load phase (modelled, not simulated together)."""
    gb = g * b
    load = 2 * b * max(1, kv_beats_per_row)
    return 1 + gb + n_blocks * (1 + load + gb * (2 * b + 9)) + gb * (recip_frac + 4)


def sae_rows_block_cycles(b: int, g: int, rows: int, kv_beats_per_row: int = 1) -> int:
    """``sae_row_engine`` in steady state: cycles per key block, ``G B / P`` tasks of ``B`` cycles,
    unless the K/V feed is slower (``2 B`` rows of ``kv_beats_per_row`` cycles each and the list
    beat: the engine loads the next block while it computes this one, so the slower of the two
    sets the pace). The kernel's KV cache delivers one row word a cycle (``kv_beats_per_row = 1``)."""
    return max(g * b * b // rows, 2 * b * max(1, kv_beats_per_row) + 1)


def sae_rows_head_cycles(nb: int, accesses: int, b: int, g: int, rows: int, recip_frac: int = 16,
                         load_beats_per_row: int = 1, kv_beats_per_row: int = 1) -> int:
    """All ``nb`` row jobs of one head back to back on ``sae_row_engine`` (``accesses`` key blocks
    in all), from the first command to the last output row: ``RowGeometry.stream_cycles``, the
    first job's Q and first block load (``load_beats_per_row`` AXI beats a row: the Q rows come
    through the Q reader, the first block from HBM), every block at the steady pace
    (:func:`sae_rows_block_cycles`), the last task's drain, reciprocal and output (``nb`` only sets
    the first load, which the sum does not need)."""
    from ..rtl.sae.row_engine import first_load_cycles, last_drain_cycles

    return (first_load_cycles(g * b, b, max(1, load_beats_per_row))
            + accesses * sae_rows_block_cycles(b, g, rows, kv_beats_per_row)
            + last_drain_cycles(b, rows, recip_frac))


def kvc_miss_port_cycles(misses: int, b: int, d: int, data_width: int, axi_width: int, ports: int = 1) -> int:
    """Cycles the KV cache's AXI read ports are busy with ``misses`` block fills: ``2 half_beats``
    R beats each (K and V, one beat a cycle at best) on one port, or ``half_beats`` on each of two
    (``kv_read_ports = 2``: K and V at once). When the misses of a head need longer than its
    compute, the ports set the pace of the attention phase."""
    return misses * 2 * kvc_half_beats(b, d, data_width, axi_width) // ports


def sae_head_cycles(nb: int, accesses: int, b: int, g: int = 1, recip_frac: int = 16, kv_beats_per_row: int = 1) -> int:
    """All ``nb`` row jobs of one head (``accesses`` = total key blocks over the rows): the row
    formula is affine in ``n_blocks``, so the sum needs only the totals."""
    return nb * sae_row_cycles(0, b, g, recip_frac) + accesses * (
        sae_row_cycles(1, b, g, recip_frac, kv_beats_per_row) - sae_row_cycles(0, b, g, recip_frac))


# ---------------------------------------------------------------------------------------------
# KV cache

# Event-model constants, fitted once to the converted Verilog (tests/perf/test_calibration.py
# keeps the fit within 5 %): decision -> first AXI beat of the fill (KVC_FILL_START), extra cycles
# per fill (KVC_FILL_EXTRA), fixed start-up (KVC_T0). The cycles between decisions are the tag
# store's (:func:`kvc_decision_gap`).
KVC_FILL_START = 6   # 4 with a one-cycle address; the read master's two address stages add 2
KVC_FILL_EXTRA = 1
KVC_T0 = 8


def kvc_decision_gap(pinned: int, managed: int) -> tuple[int, int]:
    """``(first, gap)``: the tag store decides a request ``first`` cycles after it arrives (its scan
    trees settle: ``rtl/kvc/tag_store.settle_cycles``) and the next one ``gap`` cycles later (the
    decision's write and the next request's load, two cycles, then the trees again)."""
    from ..rtl.kvc.tag_store import settle_cycles

    ds = settle_cycles(pinned, managed)
    return ds, ds + 2


def kvc_decisions(requests, pinned: int, managed: int) -> list[tuple[bool, int]]:
    """``(hit, line)`` per request ``(row, block, next_use, pinnable)``, the RTL's tag store: a
    pinnable miss takes the first free pinned line; any other miss the first free managed line,
    else evicts the managed line with the largest ``{next_use, block}`` (dead = all ones first).
    The miss count equals the golden ``cache_sim.liveness_reads``."""
    from ..verify.golden.liveness import DEAD

    lines: dict[int, int] = {}
    where: dict[int, int] = {}
    key: dict[int, tuple[int, int]] = {}
    out = []
    for _, b, nu, pin in requests:
        k = (INF if nu == DEAD else nu, b)
        if b in where:
            line = where[b]
            if line >= pinned:
                key[line] = k
            out.append((True, line))
            continue
        free_p = [x for x in range(pinned) if x not in lines]
        if pin and free_p:
            line = free_p[0]
        else:
            free_m = [x for x in range(pinned, pinned + managed) if x not in lines]
            if free_m:
                line = free_m[0]
            else:
                line = max(range(pinned, pinned + managed), key=lambda x: key[x])
                del where[lines[line]]
        lines[line] = b
        where[b] = line
        if line >= pinned:
            key[line] = k
        out.append((False, line))
    return out


def kvc_fill_cycles(half_beats: int, ports: int = 1, latency: int = 0, beat_cycles: float = 1):
    """One block's fill: ``2 half_beats`` R beats on one port or ``half_beats`` on each of two
    (``ports``), ``beat_cycles`` a beat, plus ``KVC_FILL_EXTRA`` and the AR-to-R ``latency``."""
    return 2 * half_beats // ports * beat_cycles + KVC_FILL_EXTRA + latency


def kvc_cycles(requests, pinned: int, managed: int, half_beats: int, prefetch_depth: int,
               latency: int = 0, beat_cycles: float = 1.0, ports: int = 1) -> tuple[int, int]:
    """``(cycles, misses)`` of ``kv_cache`` serving one head's requests, no idles or back-pressure.

    Event model of the RTL schedule: one decision per :func:`kvc_decision_gap` cycles, at most
    ``prefetch_depth + 1`` undelivered tickets; a miss whose victim line an undelivered earlier
    request still reads waits for that delivery; fills are serial on the AXI master
    (``2 half_beats`` beats, ``beat_cycles`` per beat: 1 when HBM keeps up with the port; with
    ``ports`` = 2 the K and V halves at once, ``half_beats`` beats on each port); deliveries are in
    order, ``2 half_beats`` beats each, a miss only after its fill."""
    dec = kvc_decisions(requests, pinned, managed)
    last_reader: dict[int, int] = {}
    dend: list[float] = []
    first, gap = kvc_decision_gap(pinned, managed)
    prev_dec, fill_free, prev_end = first - gap, 0.0, 0.0
    fill = kvc_fill_cycles(half_beats, ports, latency, beat_cycles)
    for i, (hit, line) in enumerate(dec):
        t = prev_dec + gap
        if i > prefetch_depth:
            t = max(t, dend[i - prefetch_depth - 1])
        if not hit and line in last_reader:   # the victim's reader count is read a cycle late
            t = max(t, dend[last_reader[line]] + 1)
        prev_dec = t
        if hit:
            ready = t
        else:
            fill_free = max(t + KVC_FILL_START, fill_free) + fill
            ready = fill_free
        prev_end = max(prev_end, ready) + 2 * half_beats
        dend.append(prev_end)
        last_reader[line] = i
    misses = sum(1 for h, _ in dec if not h)
    return (int(math.ceil(dend[-1])) + KVC_T0 if dend else KVC_T0), misses


def kvc_half_beats(b: int, d: int, data_width: int, hbm_data_width: int) -> int:
    return b * d * cdiv(data_width, 8) * 8 // hbm_data_width


def row_beats(d: int, data_width: int, hbm_data_width: int) -> int:
    """AXI beats of one Q, K or V row (``D`` elements), at least 1: the Q gatherer's beats a row and
    the KV cache's beats packed into one row word (``rtl/kvc/specs.geometry``'s ``row_beats``)."""
    return max(1, d * cdiv(data_width, 8) * 8 // hbm_data_width)


# ---------------------------------------------------------------------------------------------
# MPU


MPU_LATENCY = 4  # rtl/mpu/tile_engine.py: a row accepted at t leaves at t + 4


def mpu_tiles_cycles(rows_per_tile, n_cols: int) -> int:
    """``mpu_tile_engine``: each tile loads ``n_cols`` weight beats, then one row per cycle; tiles
    follow each other with no gap; the last result leaves ``MPU_LATENCY`` cycles after its row."""
    rows_per_tile = list(rows_per_tile)
    return sum(n_cols + r for r in rows_per_tile) + MPU_LATENCY


def mpu_gemm_cycles(m: int, k: int, n: int, mpu_k: int, n_cols: int) -> int:
    """An ``M x K`` by ``K x N`` INT8 GEMM as ``ceil(K / k) ceil(N / cols)`` stationary tiles each
    streaming all ``M`` rows (partial sums over K accumulated outside the tile engine: not built,
    assumed free)."""
    tiles = cdiv(k, mpu_k) * cdiv(n, n_cols)
    return tiles * (n_cols + m) + MPU_LATENCY
