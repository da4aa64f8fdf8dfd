"""Per-head block layouts at a context length, and the statistics the model needs from them.

Two sources (DESIGN.md section 7, docs/golden_model.md):

* ``minference``: the published per-(layer, head) vertical-and-slash budgets of Llama-3-8B and
  Qwen2.5-7B (``verify/golden/data/minference``), turned into block layouts by the golden
  ``minference`` module. The token positions need a probe over real q/k; we use a synthetic
  ``retrieval`` head (D = 16 for the probe only, one seed per budget) exactly as the KV-cache
  benchmark does. Heads share a handful of distinct budgets (5 for Llama, 6 for Qwen), so each
  distinct budget is laid out once per length and weighted by its head count.
* ``flexprefill``: the golden FlexPrefill float reference (gamma 0.95 for Llama-3, 0.9 for Qwen,
  tau 0.1, min budget 1024 tokens) on the four structured synthetic head kinds (sink, slash,
  retrieval, random), each kind a quarter of the heads (an assumption: real head mixes vary).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

GAMMA = {"llama-3-8b": 0.95, "qwen2.5-7b": 0.9}
KINDS = ("sink", "slash", "retrieval", "random")


@dataclass
class HeadStats:
    """One head class at one length. ``weight``: the share of the model's query heads it stands for."""

    label: str
    weight: float
    nb: int
    accesses: int            # sum over rows of the key blocks (SAE key blocks, KVC requests)
    sel_entries: int          # vertical blocks + slash offsets (list-builder selection beats)
    query_aware: bool
    reads: dict = field(default_factory=dict)   # HBM block reads per cache policy

    @property
    def density(self) -> float:
        return self.accesses / (self.nb * (self.nb + 1) / 2)


def _stats(label: str, weight: float, lists, sel_entries: int, query_aware: bool, pinned: int, managed: int,
           policies: bool) -> HeadStats:
    from ..verify.golden.cache_sim import belady_reads, liveness_reads, lru_reads, stream_of

    nb = len(lists)
    acc = int(sum(len(x) for x in lists))
    reads = {"liveness": liveness_reads(lists, pinned + managed, pinned), "none": acc}
    if policies:
        blocks = stream_of(lists)
        reads["lru"] = lru_reads(blocks, pinned + managed)
        reads["belady"] = belady_reads(blocks, pinned + managed)
    return HeadStats(label, weight, nb, acc, sel_entries, query_aware, reads)


def minference_heads(model: str, n: int, block: int, pinned: int, managed: int, policies: bool = False) -> list[HeadStats]:
    from ..verify.golden.minference import load_budgets, token_pattern_to_lists, vertical_slash_tokens
    from ..verify.golden.synthetic import make_head

    layers = load_budgets(model)
    counts = Counter((v, s) for layer in layers for (_, v, s, _) in layer.values())
    total = sum(counts.values())
    out = []
    for i, ((v, s), c) in enumerate(sorted(counts.items())):
        q, k, _ = make_head("retrieval", n, 16, seed=1000 + i)
        vt, sd = vertical_slash_tokens(q.astype(np.float32), k.astype(np.float32), v, s)
        lists = token_pattern_to_lists(vt, sd, n, block)
        nvb = len(np.unique(vt // block))
        nso = len(np.unique(np.concatenate([sd // block, -(-sd // block)])))
        out.append(_stats(f"v={v} s={s}", c / total, lists, nvb + nso, False, pinned, managed, policies))
    return out


def flexprefill_heads(model: str, n: int, block: int, pinned: int, managed: int, policies: bool = False,
                      head_dim: int = 128) -> list[HeadStats]:
    from ..verify.golden.float_ref import FlexPrefillParams, flexprefill_head_pattern
    from ..verify.golden.synthetic import make_head

    prm = FlexPrefillParams(block_size=block, gamma=GAMMA[model])
    out = []
    for i, kind in enumerate(KINDS):
        q, k, _ = make_head(kind, n, head_dim, seed=7 + i)
        pat = flexprefill_head_pattern(q, k, prm)
        lists = pat.rows()
        sel = len(pat.vertical) + len(pat.slash)
        out.append(_stats(kind, 1 / len(KINDS), lists, sel, bool(pat.query_aware) and not pat.dense, pinned,
                          managed, policies))
    return out


def heads(source: str, model: str, n: int, block: int, pinned: int, managed: int, policies: bool = False):
    if source == "minference":
        return minference_heads(model, n, block, pinned, managed, policies)
    if source == "flexprefill":
        return flexprefill_heads(model, n, block, pinned, managed, policies)
    raise ValueError(f"sparsity source {source!r} is not known: must be 'minference' or 'flexprefill'")
