"""Kernel-level cycle model: the schedule of the ``fast_prefill`` top level as the RTL has it.

Per run: ``KERNEL_RUN_START`` cycles (ap_start taken, 32 cycles of argument division, one check
cycle, the SIG issuer: docs/kernel.md), then the query heads through two stages, the SIG and the
attention path, joined by the access FIFO (``access_fifo_depth`` beats; :func:`schedule`)::

    first(h)      = sig_start(h) + sig_to_stream(h)             # its first access leaves the SIG
    path_start(h) = max(first(h) + FIFO_TO_PATH, path_end(h-1) + PATH_RESTART)
    path_end(h)   = path_start(h) + attention(h)
    sig_done(h)   = first(h) + L(h) + SIG_DONE                  # every access in the FIFO, or, when
                    L(h) > depth + 2, once the attention has taken L - depth - 2 of them
    sig_start(h+1)= sig_done(h) + SIG_RESTART                   # (without overlap: also after path_end(h))
    run           = path_end(H-1) + RUN_END

so the SIG of head h+1 runs while head h attends, and a run of H alike heads costs about
``sig + H max(sig, attention)`` instead of ``H (sig + attention)``.

* ``sig_to_stream``: from the SIG head's ``start`` to its first access beat. The attention phase
  starts once that beat is in the access FIFO: ``sig_liveness`` emits only after collecting all
  ``L`` accesses and its backward pass, so the head's whole selection comes before its attention;
  the emission (1 beat per cycle into the FIFO) frees the SIG for the next head.

  - sparse vertical-slash head (``tau_th = 0`` or the decision says no): probe start
    (``SIG_START``), the probe ``B + (2 nb + 1) B^2 + B (R + 1) + 2 N`` plus the first Q burst's
    AXI round trip (``SIG_PROBE_AXI``), two cover counts over ``N`` values (from the head's buffers),
    2 cycles (budget, header), two top-m over ``nb`` pooled values, the builder's scan
    ``nb (nb + 1) / 2`` after its selection beats, the liveness's collection ending with the scan
    and its backward pass ``L``, ``SIG_EMIT`` cycles to the first beat;
  - query-aware head (``tau_th != 0``, decision true): the probe, then ``sig_decision``
    (``1 + 1 + nb + (ceil(log2 D) + 6) + nb + 3 + R + 1 + nb (A + 2) + 10 + 1``: its logit, exp
    and JS pipelines' depths appear once each), then ``sig_pooled_select``
    (``1 + nb`` header and key sums, two passes ``3 T + nb (R + 5 + L)`` with ``T = nb (nb + 1) / 2``
    and the logit pipeline's ``L = ceil(log2 D) + 6``,
    its cover count and top-m over ``T`` probabilities of ``A + 2`` bits), the two top-m of the head
    (budgets = min_blocks) running meanwhile; no cover counts over N; then the builder and liveness
    as above. A head whose decision says "not query-aware" pays the decision and continues as a
    vertical-slash head;
  - dense head (``nb <= max(2, min_blocks)``): no reads, the builder emits every causal block;
    ``L = nb (nb + 1) / 2``;
  - shared K pass (``sig_heads_per_pass`` = S > 1; runs of ``h = min(S, rest of the group)``
    query heads): the run's first head pays the probe of all h heads,
    ``h B + (2 nb + 1) h B^2 + h B (R + 1) + 2 N`` (one score per cycle: sharing saves K reads,
    ``2 N D`` bytes per run instead of per head, not score cycles), the following heads only
    their bank's ``2 N`` output beats (``SIG_FOLLOW`` cycles of start before them); everything
    after the probe as above, per head.

* ``attention``: ``attention_path`` from the first access beat to ``done``: the row-parallel SAE's
  row jobs back to back (:func:`units.sae_rows_head_cycles`: ``G B^2 / P`` cycles a key block, or
  ``2 B + 1`` when that is more: the KV cache delivers one K/V row word a cycle from its tier RAMs;
  the first job's Q rows and first block at ``8 D / W`` AXI beats a row), or, when the head's
  misses need longer, the KV cache's ports (:func:`units.kvc_miss_port_cycles`: ``2 B D / (W / 8)``
  beats a fill, on one port or half on each of two: ``kv_read_ports``; misses are prefetched under
  the compute, so the slower of the two sets the pace),
  plus the first Q row's fetch (``B D / (W / 8)`` beats) and ``ATT_TAIL`` cycles (fork, the last O
  burst's response, done). The SIG of the next head shares the read ports (AXI ID arbitration);
  its reads are a small fraction of a port, and the model does not charge the attention for them.

Selection blocks (cover count, top-m) use their documented worst-case digit scans and emission
(``units.cover_count_cycles`` / ``units.top_m_cycles`` with ``scan=None``) in the projections, an
upper estimate by a few cycles per block; where a head's golden probe accumulators are known (the
calibration runs and the kernel tests: :func:`head_shape`), the vertical-slash
selection uses the exact scans and emission (the query-aware pooled selection keeps the worst case).

The constants below are hand-over cycles read off one waveform of the tiny kernel (N = 64, one
sink head; ``perf.kernel_sim`` with a trace): the FSM's steps between the units, not fitted to the
calibration points (which span other sizes, configurations, head kinds and GQA groups).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..config import AcceleratorConfig
from . import units as U

KERNEL_RUN_START = 35      # ap_start -> SIG start: 1 + 32 (division) + 1 (check) + 1 (SIG issuer)
SIG_START = 2              # SIG start -> probe header taken
SIG_PROBE_AXI = 7          # first Q burst: its address stages (2), AR through the read mux to the first R beat
SIG_AFTER_PROBE = 4        # probe's last output beat -> first cover count (vertical-slash) / decision (QA)
SIG_TARGET = 1             # vertical-slash: the cover target (T * gamma) takes one more edge before the first cover count
SIG_EMIT = 5               # liveness backward pass -> first access beat: 1 + drain 2 + emit pipeline 2
ATT_TAIL = 14              # fork + row command + last O burst's write response + done, beyond the Q row
KERNEL_HEAD_END = 2        # attention done -> next head's SIG start (or ap_done)
SIG_FOLLOW = 2             # shared pass, a following head: SIG start -> its bank's first beat
FIFO_TO_PATH = 4           # first access into the access FIFO -> taken by the attention path (FIFO, path start)
PATH_RESTART = 2           # attention done -> the next head's attention starts (its first access waiting)
SIG_DONE = 1               # last access into the FIFO -> the SIG's done
SIG_RESTART = 2            # SIG done -> the next head's SIG start
FIFO_SLACK = 2             # beats the access FIFO holds beyond its RAM (output registers)
RUN_END = 3                # last attention done -> path issuer idle -> run end -> ap_done

ACC_FRAC = 16              # A: the SIG's probability/accumulator fraction bits
HIST_BITS = 4              # the top-m's and the pooled selection's digit (the cover counts': cfg.sig_cover_hist_bits)


@dataclass(frozen=True)
class HeadShape:
    """What the kernel's schedule depends on, per query head."""
    nb: int
    accesses: int            # L: block accesses of the head's lists
    vertical: int            # selected vertical blocks (top-m count)
    slash: int               # selected slash offsets
    query_aware: bool = False
    dense: bool = False
    decision: bool = False   # tau_th != 0: the decision runs (query-aware or not)
    run_heads: int = 1       # heads served by this head's shared K pass (sig_heads_per_pass > 1)
    run_first: bool = True   # the run's first head (it runs the probe of all run_heads heads)
    misses: int = 0          # KV-cache block fills of the attention phase (golden liveness_reads)
    # the selection's data-dependent digit scans when the head's probe accumulators are known
    # (golden fixed-point pattern): cover counts (scan, early exit) and top-m (scan, last index)
    # of the vertical and the slash side; None: the worst case (the projections)
    cover_v: tuple | None = None
    cover_s: tuple | None = None
    top_v: tuple | None = None
    top_s: tuple | None = None


def head_shape(pattern, lists, tau: float, min_blocks: int, cfg: AcceleratorConfig | None = None) -> HeadShape:
    """The schedule's view of one head; with ``cfg``, its KV-cache misses (golden ``liveness_reads``
    with the configuration's tiers); with ``cfg`` and a golden fixed-point pattern that carries its
    probe accumulators, pooled vectors and coverage target (``info``), the selection's exact digit
    scans (``units.cover_scan_exact``, ``units.top_m_scan_exact``) instead of the worst case."""
    from ..verify.golden.cache_sim import liveness_reads

    nb = pattern.nb
    dense = nb <= max(2, min_blocks)
    misses = 0 if cfg is None else liveness_reads(lists, cfg.pinned_tier_blocks + cfg.managed_tier_blocks,
                                                  cfg.pinned_tier_blocks)
    h = HeadShape(nb, sum(len(x) for x in lists), len(pattern.vertical), len(pattern.slash),
                  bool(pattern.query_aware) and not dense, dense, tau > 0 and not dense, misses=misses)
    info = getattr(pattern, "info", None) or {}
    if cfg is None or dense or "cover_target" not in info:
        return h
    from dataclasses import replace

    aw = _aw(cfg)
    pw = aw + U.log2i(cfg.block_size)
    target = info["cover_target"]
    cb = cfg.sig_cover_hist_bits
    return replace(h, cover_v=U.cover_scan_exact(info["vertical_acc"], target, aw, cb),
                   cover_s=U.cover_scan_exact(info["slash_acc"], target, aw, cb),
                   top_v=U.top_m_scan_exact(info["pooled_vertical"], h.vertical, pw, HIST_BITS),
                   top_s=U.top_m_scan_exact(info["pooled_slash"], h.slash, pw, HIST_BITS))


def _aw(cfg: AcceleratorConfig) -> int:
    return ACC_FRAC + 1 + U.log2i(cfg.block_size)


def _cover_max_n(cfg: AcceleratorConfig) -> int:
    return cfg.max_seq_len


def probe_phase(cfg: AcceleratorConfig, nb: int, recip_frac: int = 16, run_heads: int = 1,
                run_first: bool = True) -> int:
    """From the SIG head's start to its bank's last probe beat: the probe of ``run_heads`` heads
    (one pass pair over K) for a run's first head, the bank's ``2 N`` beats for the others."""
    n, b = nb * cfg.block_size, cfg.block_size
    if not run_first:
        return SIG_FOLLOW + 2 * n
    run = U.probe_cycles(n, b, recip_frac, cfg.sig_probe_rows, cfg.head_dim, heads=run_heads)
    return SIG_START + SIG_PROBE_AXI + run - (run_heads - 1) * 2 * n      # up to the first bank's last beat


def run_positions(heads: int, kv_heads: int, heads_per_pass: int) -> list[tuple[int, bool]]:
    """Per query head (grouped GQA order, as the kernel runs them): ``(run_heads, run_first)``
    of the shared K pass it belongs to (runs of up to ``heads_per_pass`` heads of one group)."""
    g = heads // kv_heads
    out = []
    for h in range(heads):
        pos = h % g
        start = pos - pos % heads_per_pass
        out.append((min(heads_per_pass, g - start), pos == start))
    return out


def logit_stages(head_dim: int) -> int:
    """``logit_pipe``'s latency (rtl/sig/logit_pipe.py): ``ceil(log2 D) + 6``."""
    return (head_dim - 1).bit_length() + 6


DEC_EXP = 3                # sig_decision: the exp's registered difference and its 2-stage pipeline
DEC_TAIL = 10              # sig_decision: a block's JS tail (p + q, three 4-stage log2, differences, products, sums)


def decision_cycles(nb: int, head_dim: int, recip_frac: int = 16) -> int:
    """``sig_decision`` (rtl/sig/decision.py): logits (``ceil(log2 D) + 6``-stage pipeline), pooled
    scores (exp pipeline), reciprocal, per-block divisions (A + 2 each), the last block's JS tail,
    the comparison."""
    return 1 + 1 + nb + logit_stages(head_dim) + nb + DEC_EXP + recip_frac + 1 + nb * (ACC_FRAC + 2) + DEC_TAIL + 1


def pooled_select_cycles(nb: int, max_blocks: int, head_dim: int, recip_frac: int = 16) -> int:
    """``sig_pooled_select`` (rtl/sig/pooled_select.py), worst-case selection scans; each row's
    logits wait for the ``ceil(log2 D) + 6``-stage logit pipeline's drain, and its exps for the
    3-stage exp pipeline's."""
    logit = logit_stages(head_dim)
    t = nb * (nb + 1) // 2
    vw = ACC_FRAC + 2
    nc = max_blocks * (max_blocks + 1) // 2
    passes = 2 * (3 * t + nb * (recip_frac + 5 + logit))
    return 1 + nb + passes + U.cover_count_cycles(t, vw, HIST_BITS, nc + 1) + U.top_m_cycles(t, vw, HIST_BITS, t)


def sig_to_stream(cfg: AcceleratorConfig, h: HeadShape, recip_frac: int = 16) -> dict:
    """Cycles of the SIG head from ``start`` to its first access beat, by phase."""
    nb, b = h.nb, cfg.block_size
    n = nb * b
    out = {}
    if h.dense:
        out["SIG dense lists"] = SIG_START + U.list_builder_cycles(nb, 0)
    else:
        out["SIG probe"] = probe_phase(cfg, nb, recip_frac, h.run_heads, h.run_first) + SIG_AFTER_PROBE
        aw = _aw(cfg)
        pw = aw + U.log2i(b)
        if h.top_v is None:
            top = 2 * U.top_m_cycles(nb, pw, HIST_BITS, max(h.vertical, h.slash))
        else:
            top = (U.top_m_cycles(nb, pw, HIST_BITS, h.vertical, *h.top_v)
                   + U.top_m_cycles(nb, pw, HIST_BITS, h.slash, *h.top_s))
        if h.decision:
            out["SIG decision"] = decision_cycles(nb, cfg.head_dim, recip_frac)
        if h.query_aware:
            out["SIG pooled selection"] = max(pooled_select_cycles(nb, cfg.max_blocks, cfg.head_dim, recip_frac), top)
        else:
            if h.cover_v is None:
                cover = 2 * U.cover_count_cycles(n, aw, cfg.sig_cover_hist_bits, _cover_max_n(cfg))
            else:
                cover = sum(U.cover_count_cycles(n, aw, cfg.sig_cover_hist_bits, _cover_max_n(cfg), scan, early)
                            for scan, early in (h.cover_v, h.cover_s))
            out["SIG selection"] = SIG_TARGET + cover + 2 + top
        if h.query_aware:   # the builder's scan runs with the pooled selection's output walk
            out["SIG lists"] = 1 + h.vertical + h.slash
        else:
            out["SIG lists"] = U.list_builder_cycles(nb, h.vertical + h.slash)
    out["SIG liveness"] = h.accesses + SIG_EMIT
    return out


def attention_cycles(cfg: AcceleratorConfig, h: HeadShape, recip_frac: int = 16) -> int:
    b, d = cfg.block_size, cfg.head_dim
    beats = U.row_beats(d, cfg.data_width, cfg.hbm_data_width)
    q_row = U.cdiv(b * d * U.cdiv(cfg.data_width, 8) * 8, cfg.hbm_data_width)
    compute = U.sae_rows_head_cycles(h.nb, h.accesses, b, 1, cfg.sae_rows, recip_frac, beats)
    port = U.kvc_miss_port_cycles(h.misses, b, d, cfg.data_width, cfg.hbm_data_width, cfg.kv_read_ports)
    return max(compute, port) + q_row + ATT_TAIL


def head_cycles(cfg: AcceleratorConfig, h: HeadShape, recip_frac: int = 16) -> dict:
    """Per-phase cycles of one query head in the kernel, as if it ran alone (their sum is the head's
    share of a run without overlap)."""
    out = sig_to_stream(cfg, h, recip_frac)
    out["attention path"] = attention_cycles(cfg, h, recip_frac)
    out["hand-over"] = KERNEL_HEAD_END
    return out


def pipeline(heads, cap: int, overlap: bool = True, start: int = KERNEL_RUN_START) -> list[dict]:
    """The two-stage recurrence of the kernel (module docstring) over ``heads``, each
    ``(sig, attention, accesses)``: the SIG's cycles from its start to the head's first access beat,
    the attention path's cycles, and the head's ``L``; ``cap`` = the beats the access FIFO holds.
    Per head the cycles (from ap_start) at which its SIG starts (``sig_start``), its first access
    leaves the SIG (``first``), its attention starts and ends (``path_start``, ``path_end``) and its
    SIG is done (``sig_done``). With ``overlap`` the next head's SIG starts ``SIG_RESTART`` cycles
    after ``sig_done``, so the SIG runs ahead of the attention by as many heads as the FIFO holds;
    without it, also not before this head's attention has ended."""
    out = []
    s, e_prev = start, None
    for sig, att, acc in heads:
        f = s + sig
        p = f + FIFO_TO_PATH if e_prev is None else max(f + FIFO_TO_PATH, e_prev + PATH_RESTART)
        e = p + att
        emit_end = f + acc
        if acc > cap:   # the FIFO fills: the SIG's last beats wait for the attention to take theirs
            emit_end = max(emit_end, p + att * (acc - cap) // acc)
        d = emit_end + SIG_DONE
        out.append({"sig_start": s, "first": f, "path_start": p, "path_end": e, "sig_done": d})
        s = d + SIG_RESTART if overlap else max(d + SIG_RESTART, e + KERNEL_HEAD_END)
        e_prev = e
    return out


def pipeline_end(sched: list[dict]) -> int:
    """ap_done's cycle of a run scheduled by :func:`pipeline`."""
    if not sched:
        return KERNEL_RUN_START + RUN_END
    return max(sched[-1]["path_end"], sched[-1]["sig_done"]) + RUN_END


def schedule(cfg: AcceleratorConfig, heads, recip_frac: int = 16, overlap: bool = True) -> list[dict]:
    """:func:`pipeline` over the query heads ``heads`` (:class:`HeadShape`) of one run."""
    return pipeline([(sum(sig_to_stream(cfg, h, recip_frac).values()), attention_cycles(cfg, h, recip_frac),
                      h.accesses) for h in heads], cfg.access_fifo_depth + FIFO_SLACK, overlap)


def run_cycles(cfg: AcceleratorConfig, heads, recip_frac: int = 16, overlap: bool = True) -> int:
    """Modelled cycles of one kernel run (ap_start to done) over the query heads ``heads``."""
    return pipeline_end(schedule(cfg, list(heads), recip_frac, overlap))


def run_cycles_of_reference(cfg: AcceleratorConfig, ref, tau: float, min_budget: int, overlap: bool = True) -> int:
    """Modelled cycles of a run from its golden ``kernel_reference`` (patterns and lists per head),
    with the shared K passes of ``cfg.sig_heads_per_pass``."""
    from dataclasses import replace

    minb = U.cdiv(min_budget, cfg.block_size)
    shapes = [head_shape(p, l, tau, minb, cfg) for p, l in zip(ref.patterns, ref.lists)]
    hkv = len(set(ref.kv_of))
    runs = run_positions(len(shapes), hkv, cfg.sig_heads_per_pass)
    return run_cycles(cfg, [replace(s, run_heads=r, run_first=f) for s, (r, f) in zip(shapes, runs)],
                      overlap=overlap)
