"""Accuracy and sparsity report: ``python -m fast_prefill.verify.golden.report`` (CLI:
``fast-prefill accuracy-report``).

For each N and each synthetic head kind (one head, D=128, B=128, published defaults): block
density of the float layout, fixed-vs-float layout agreement (blocks added / missed by the
fixed-point layout), output error of float sparse vs dense and of fixed-point sparse (fixed
layout, fixed attention) vs float sparse, HBM block reads (LRU / Belady / liveness dual-tier),
and wall times. Errors are relative Frobenius norms over sampled query-block rows (the last
row block and evenly spaced others, ``--sample-rows``) so the dense reference stays cheap.
Prints a Markdown table and writes JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np

from . import cache_sim, fixed_point as X, float_ref as F, synthetic as S
from .block_lists import density, lists_to_mask


def _rel(a, b) -> float:
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-30))


def run_case(kind: str, n: int, d: int, bsz: int, seed: int, sample_rows: int, cache_blocks: int,
             pinned: int) -> dict:
    prm = F.FlexPrefillParams(block_size=bsz)
    cfg = X.FixedPointConfig(block_size=bsz, head_dim=d, max_seq_len=max(n, 2))
    q, k, v = S.make_head(kind, n, d, seed)
    t0 = time.perf_counter()
    pf = F.flexprefill_head_pattern(q, k, prm)
    lf = pf.rows()
    t_layout = time.perf_counter() - t0
    nb = pf.nb
    h = X.quantize_head(q, k, v)
    t0 = time.perf_counter()
    px = X.fixed_head_pattern(h, prm, cfg)
    lx = px.rows()
    t_fixed_layout = time.perf_counter() - t0
    mf, mx = lists_to_mask(lf, nb), lists_to_mask(lx, nb)
    rows = sorted(set(np.linspace(0, nb - 1, min(sample_rows, nb)).round().astype(int).tolist()))
    q3, k3, v3 = q[:, None], k[:, None], v[:, None]
    t0 = time.perf_counter()
    o_sparse = F.block_sparse_attention(q3, k3, v3, [lf], bsz, row_blocks=rows)[:, 0]
    t_sparse_sample = time.perf_counter() - t0
    o_dense = F.dense_attention(q3, k3, v3, block_size=bsz, row_blocks=rows)[:, 0]
    o_fixed = X.dequantize_output(X.sparse_attention_fixed(h, lx, cfg, row_blocks=rows), h, cfg)
    sel = np.concatenate([np.arange(r * bsz, min(r * bsz + bsz, n)) for r in rows])
    pol = cache_sim.all_policies(lf, cache_blocks, pinned)
    return {
        "kind": kind, "n": n, "d": d, "block": bsz, "nb": nb, "query_aware": pf.query_aware,
        "dense_short": pf.dense, "density": density(lf, nb), "blocks": int(mf.sum()),
        "fixed_added": int((mx & ~mf).sum()), "fixed_missed": int((mf & ~mx).sum()),
        "fixed_query_aware": px.query_aware,
        "err_sparse_vs_dense": _rel(o_sparse[sel], o_dense[sel]),
        "err_fixed_vs_float_sparse": _rel(o_fixed[sel], o_sparse[sel]),
        "sampled_row_blocks": len(rows), "t_float_layout_s": t_layout,
        "t_fixed_layout_s": t_fixed_layout, "t_float_sparse_sampled_s": t_sparse_sample,
        "cache": pol, "cache_blocks": cache_blocks, "pinned": pinned,
    }


def time_full_head(n: int, d: int, bsz: int, seed: int, kind: str = "sink") -> dict:
    """Wall time of the float reference on one head: layout + block-sparse attention, all rows."""
    q, k, v = S.make_head(kind, n, d, seed)
    t0 = time.perf_counter()
    pat = F.flexprefill_head_pattern(q, k, F.FlexPrefillParams(block_size=bsz))
    lay = pat.rows()
    t1 = time.perf_counter()
    F.block_sparse_attention(q[:, None], k[:, None], v[:, None], [lay], bsz)
    t2 = time.perf_counter()
    return {"kind": kind, "n": n, "d": d, "density": density(lay, pat.nb),
            "t_layout_s": t1 - t0, "t_attention_s": t2 - t1, "t_total_s": t2 - t0}


def format_table(rows: list[dict]) -> str:
    hdr = ("| N | head | QA | density | blocks | fixed +/- | err sparse vs dense | "
           "err fixed vs float | HBM reads LRU / MIN / liveness |")
    out = [hdr, "|" + "---|" * 9]
    for r in rows:
        c = r["cache"]
        qa = "yes" if r["query_aware"] else "no"
        if r["fixed_query_aware"] != r["query_aware"]:
            qa += " (fixed: differs)"
        out.append(
            f"| {r['n']} | {r['kind']} | {qa} | {r['density']:.3f} | {r['blocks']} | "
            f"+{r['fixed_added']} / -{r['fixed_missed']} | {r['err_sparse_vs_dense']:.2e} | "
            f"{r['err_fixed_vs_float_sparse']:.2e} | {c['lru']} / {c['belady']} / {c['liveness']} |")
    return "\n".join(out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="fast-prefill accuracy-report", description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, nargs="+", default=[4096, 8192, 16384, 32768],
                    help="sequence lengths (default: 4096 8192 16384 32768)")
    ap.add_argument("--d", type=int, default=128, help="head dim (default 128)")
    ap.add_argument("--block", type=int, default=128, help="block size B (default 128)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--kinds", nargs="+", default=list(S.KINDS), choices=list(S.KINDS))
    ap.add_argument("--sample-rows", type=int, default=8,
                    help="query-block rows sampled for the output errors (default 8)")
    ap.add_argument("--cache-blocks", type=int, default=32, help="cache capacity in blocks")
    ap.add_argument("--pinned", type=int, default=8, help="pinned-tier blocks of the liveness cache")
    ap.add_argument("--time-n", type=int, default=32768,
                    help="N of the full one-head timing run (0 to skip; default 32768)")
    ap.add_argument("--quick", action="store_true", help="N = 2048 4096, no 32K timing")
    ap.add_argument("--out", default=os.path.join("build", "reports", "accuracy.json"))
    a = ap.parse_args(argv)
    if a.quick:
        a.n, a.time_n = [2048, 4096], 0
    for name in ("d", "block", "sample_rows", "cache_blocks"):
        if getattr(a, name) < 1:
            ap.error(f"--{name.replace('_', '-')}={getattr(a, name)} must be >= 1")
    if any(n < 1 for n in a.n):
        ap.error(f"--n values must be positive, got {a.n}")
    if not 0 <= a.pinned < a.cache_blocks:
        ap.error(f"--pinned={a.pinned} must be in [0, --cache-blocks - 1 = {a.cache_blocks - 1}]")
    rows = []
    for n in a.n:
        for kind in a.kinds:
            rows.append(run_case(kind, n, a.d, a.block, a.seed, a.sample_rows, a.cache_blocks,
                                 a.pinned))
            print(f"  done N={n} {kind}", file=sys.stderr, flush=True)
    timing = time_full_head(a.time_n, a.d, a.block, a.seed) if a.time_n > 0 else None
    table = format_table(rows)
    print(table)
    if timing:
        print(f"\nFull float reference, one {timing['kind']} head, N={timing['n']}, D={timing['d']}: "
              f"layout {timing['t_layout_s']:.2f} s + sparse attention {timing['t_attention_s']:.2f} s "
              f"= {timing['t_total_s']:.2f} s (density {timing['density']:.3f})")
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out, "w") as f:
        json.dump({"args": vars(a), "rows": rows, "timing": timing, "table": table}, f, indent=2)
    print(f"\nwrote {a.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
