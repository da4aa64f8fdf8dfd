"""Per-head block layouts at a context length, and the statistics the model needs from them.

Two sources (docs/design.md section 7, docs/golden_model.md):

* ``minference``: the published per-(layer, head) vertical-and-slash budgets of Llama-3-8B and
  Qwen2.5-7B (``verify/golden/data/minference``), turned into block layouts by the golden
  ``minference`` module. The token positions need a probe over real q/k; we use a synthetic
  ``retrieval`` head (D = 16 for the probe only, one seed per budget) exactly as the KV-cache
  benchmark does. Heads share a handful of distinct budgets (5 for Llama, 6 for Qwen), so each
  distinct budget is laid out once per length and weighted by its head count.
* ``flexprefill``: the golden FlexPrefill float reference (gamma 0.95 for Llama-3, 0.9 for Qwen,
  tau 0.1, min budget 1024 tokens) on the four structured synthetic head kinds (sink, slash,
  retrieval, random), each kind a quarter of the heads (an assumption: real head mixes vary).

Speed (the statistics are unchanged, every head is still laid out exactly): the synthetic q/k of a
head depend only on (kind, N, D, seed), not on the model, so :func:`heads_for_models` lays out both
models' heads at one length from one generation of each q/k; :func:`cached_heads` keeps the
statistics of each (source, model, N, cache geometry) on disk under ``build/cache/perf/``, keyed
by a hash of the golden model's sources and data and of this file, so a rerun with unchanged
sources reads them back instead of recomputing (``FAST_PREFILL_PERF_CACHE=0`` turns the cache off).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

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


@lru_cache(maxsize=8)
def _qk(kind: str, n: int, d: int, seed: int):
    """``(q, k)`` of the golden ``make_head`` (its v is not used here), kept for the next model at
    the same length. Read-only: a layout must never write into them."""
    from ..verify.golden.synthetic import make_head

    q, k, _ = make_head(kind, n, d, seed=seed)
    q.flags.writeable = False
    k.flags.writeable = False
    return q, k


def minference_heads(model: str, n: int, block: int, pinned: int, managed: int, policies: bool = False) -> list[HeadStats]:
    from ..verify.golden.minference import load_budgets, token_pattern_to_lists, vertical_slash_tokens

    layers = load_budgets(model)
    counts = Counter((v, s) for layer in layers for (_, v, s, _) in layer.values())
    total = sum(counts.values())
    out = []
    for i, ((v, s), c) in enumerate(sorted(counts.items())):
        q, k = _qk("retrieval", n, 16, 1000 + i)
        vt, sd = vertical_slash_tokens(q.astype(np.float32), k.astype(np.float32), v, s)
        lists = token_pattern_to_lists(vt, sd, n, block)
        nvb = len(np.unique(vt // block))
        nso = len(np.unique(np.concatenate([sd // block, -(-sd // block)])))
        out.append(_stats(f"v={v} s={s}", c / total, lists, nvb + nso, False, pinned, managed, policies))
    return out


def flexprefill_heads(model: str, n: int, block: int, pinned: int, managed: int, policies: bool = False,
                      head_dim: int = 128, kinds=KINDS) -> list[HeadStats]:
    """One :class:`HeadStats` per head kind (``kinds``: a subset, in ``KINDS`` order, same seeds)."""
    from ..verify.golden.float_ref import FlexPrefillParams, flexprefill_head_pattern

    unknown = set(kinds) - set(KINDS)
    if unknown:
        raise ValueError(f"flexprefill_heads field 'kinds' = {sorted(unknown)} is not allowed: must be among {KINDS}")
    prm = FlexPrefillParams(block_size=block, gamma=GAMMA[model])
    out = []
    for i, kind in enumerate(KINDS):
        if kind not in kinds:
            continue
        q, k = _qk(kind, n, head_dim, 7 + i)
        pat = flexprefill_head_pattern(q, k, prm)
        lists = pat.rows()
        sel = len(pat.vertical) + len(pat.slash)
        out.append(_stats(kind, 1 / len(KINDS), lists, sel, bool(pat.query_aware) and not pat.dense, pinned,
                          managed, policies))
    return out


def head_order(source: str, model: str, stats, heads_per_layer: int) -> list[list[int]]:
    """Per layer, the classes (indices into ``stats``, as :func:`heads` returns them) of its
    ``heads_per_layer`` query heads in the order the kernel runs them (head 0 first).
    ``minference``: each layer's heads by their published budget (``v={v} s={s}`` labels), every
    layer of the model. ``flexprefill``: one layer with the synthetic kinds in rotation (sink, slash,
    retrieval, random, sink, ...; the kinds present in ``stats``): an assumption, like the kinds."""
    index = {h.label: i for i, h in enumerate(stats)}
    if source == "minference":
        from ..verify.golden.minference import load_budgets

        out = []
        for layer in load_budgets(model):
            labels = [f"v={v} s={s}" for _, (_, v, s, _) in sorted(layer.items())]
            missing = sorted(set(labels) - set(index))
            if missing or len(labels) != heads_per_layer:
                raise ValueError(f"head_order field 'stats' does not match {model}'s budgets: {len(labels)} heads "
                                 f"a layer, classes {missing} missing; must be {heads_per_layer} heads of known classes")
            out.append([index[x] for x in labels])
        return out
    if source == "flexprefill":
        kinds = [index[k] for k in KINDS if k in index]
        if not kinds:
            raise ValueError(f"head_order field 'stats' has no FlexPrefill kind ({[h.label for h in stats]}): "
                             f"must hold some of {KINDS}")
        return [[kinds[i % len(kinds)] for i in range(heads_per_layer)]]
    raise ValueError(f"sparsity source {source!r} is not known: must be 'minference' or 'flexprefill'")


def heads(source: str, model: str, n: int, block: int, pinned: int, managed: int, policies: bool = False,
          part: str | None = None):
    """The head classes of ``model`` at length ``n``. ``part``: one FlexPrefill head kind only (the
    report computes the kinds in parallel); ``None``: all of them."""
    if source == "minference":
        if part is not None:
            raise ValueError(f"heads field 'part' = {part!r} is not allowed for source 'minference': must be None")
        return minference_heads(model, n, block, pinned, managed, policies)
    if source == "flexprefill":
        return flexprefill_heads(model, n, block, pinned, managed, policies,
                                 kinds=KINDS if part is None else (part,))
    raise ValueError(f"sparsity source {source!r} is not known: must be 'minference' or 'flexprefill'")


# ---------------------------------------------------------------------------- cache and batching

CACHE_VERSION = 1


def _golden_hash() -> str:
    """Hash of everything the statistics depend on: the golden model's Python sources and data
    (``verify/golden``) and this file."""
    from ..verify import golden

    root = Path(golden.__file__).resolve().parent
    files = sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    h = hashlib.sha1(f"v{CACHE_VERSION} numpy {np.__version__}".encode())
    for f in files + [Path(__file__).resolve()]:
        h.update(f"{f.relative_to(f.parent.parent)}\n".encode() + f.read_bytes())
    return h.hexdigest()


def cache_dir() -> Path:
    from ..tools import BUILD_DIR

    return BUILD_DIR / "cache" / "perf"


def _cache_path(source: str, model: str, n: int, block: int, pinned: int, managed: int, policies: bool,
                golden: str, part: str | None = None) -> Path:
    key = hashlib.sha1(f"{source} {model} {n} {block} {pinned} {managed} {policies} {part} {golden}".encode())
    return cache_dir() / f"{source}-{model}-{n}{'-' + part if part else ''}-{key.hexdigest()[:16]}.json"


def _cache_enabled() -> bool:
    return os.environ.get("FAST_PREFILL_PERF_CACHE", "1") not in ("0", "", "no", "off")


def _read(path: Path):
    try:
        return [HeadStats(**d) for d in json.loads(path.read_text())]
    except (OSError, ValueError, TypeError):
        return None


def _write(path: Path, stats) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps([asdict(h) for h in stats]))
    tmp.replace(path)   # atomic: a concurrent reader sees the old file or the new one


@contextmanager
def _shared_probe():
    """Inside: the golden ``float_ref.probe_scores`` remembers its result for the very same q/k
    arrays (held, read-only, so identity is equality), so the second model's FlexPrefill layout of a
    head reuses the probe of the first (the probe does not depend on the model's gamma)."""
    from ..verify.golden import float_ref

    original = float_ref.probe_scores
    memo: dict = {}

    def probe_scores(qh, kh, probe_rows):
        key = (id(qh), id(kh), probe_rows)
        hit = memo.get(key)
        if hit is None or hit[0] is not qh or hit[1] is not kh or qh.flags.writeable or kh.flags.writeable:
            vert, slash = original(qh, kh, probe_rows)
            vert.flags.writeable = False
            slash.flags.writeable = False
            hit = memo[key] = (qh, kh, (vert, slash))
        return hit[2]

    float_ref.probe_scores = probe_scores
    try:
        yield
    finally:
        float_ref.probe_scores = original


def heads_for_models(source: str, models, n: int, block: int, pinned: int, managed: int,
                     policies: bool = False, use_cache: bool | None = None, part: str | None = None) -> dict:
    """``{model: [HeadStats]}`` for several models at one length: read from the on-disk cache
    where present, otherwise laid out (sharing each synthetic q/k, and the FlexPrefill probe of it,
    between the models) and stored. Identical to calling :func:`heads` per model."""
    use_cache = _cache_enabled() if use_cache is None else use_cache
    golden = _golden_hash() if use_cache else ""
    out = {}
    try:
        with _shared_probe():
            for model in models:
                path = (_cache_path(source, model, n, block, pinned, managed, policies, golden, part)
                        if use_cache else None)
                stats = _read(path) if path is not None and path.exists() else None
                if stats is None:
                    stats = heads(source, model, n, block, pinned, managed, policies, part)
                    if path is not None:
                        _write(path, stats)
                out[model] = stats
    finally:
        _qk.cache_clear()   # up to 4 heads of N x 128 floats: do not keep them past this length
    return out


def cached_heads(source: str, model: str, n: int, block: int, pinned: int, managed: int, policies: bool = False):
    """:func:`heads` through the on-disk cache."""
    return heads_for_models(source, [model], n, block, pinned, managed, policies)[model]
