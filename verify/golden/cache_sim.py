"""KV-cache simulators: HBM block reads (misses) of an access stream.

All policies are demand policies with the same total capacity ``C`` (in blocks): every requested
block is in the cache after its request (a miss reads it from HBM and inserts it, evicting one
block if full). The count returned is the number of HBM block reads.

* :func:`lru_reads` -- least recently used.
* :func:`belady_reads` -- Belady's MIN: evict the resident block whose next use is farthest
  (never used again counts as infinitely far); optimal among demand policies.
* :func:`liveness_reads` -- the liveness-driven dual-tier policy of docs/design.md: a pinned tier of
  ``pinned`` blocks and a managed tier of ``C - pinned`` blocks. A missing block that is
  pinnable goes into the pinned tier while it has room and is never evicted during the head;
  every other block goes into the managed tier, which evicts a dead block first, otherwise the
  one with the farthest next use. Next uses come from :mod:`.liveness` (row granularity); ties
  on the next-use row go to the larger block index, which is the later access in that row
  because rows are ascending -- so with ``pinned == 0`` the policy *is* Belady's MIN.

Guarantees (tested): ``belady <= liveness`` for every stream and split (MIN is optimal);
``liveness == belady <= lru`` for the single-tier split ``pinned == 0``. For ``pinned > 0`` the
dual-tier policy can lose to LRU on adversarial streams; see docs/golden_model.md.
"""

from __future__ import annotations

from collections import OrderedDict
from ._checks import check_int
from .liveness import DEAD, annotate

INF = 1 << 62


def _stream(lists):
    return [(r, int(b)) for r, lst in enumerate(lists) for b in lst]


def _next_positions(blocks: list[int]) -> list[int]:
    nxt = [INF] * len(blocks)
    seen: dict[int, int] = {}
    for i in range(len(blocks) - 1, -1, -1):
        nxt[i] = seen.get(blocks[i], INF)
        seen[blocks[i]] = i
    return nxt


def lru_reads(blocks, capacity: int) -> int:
    capacity = check_int("capacity", capacity, 1)
    cache: OrderedDict[int, None] = OrderedDict()
    reads = 0
    for b in blocks:
        if b in cache:
            cache.move_to_end(b)
            continue
        reads += 1
        if len(cache) >= capacity:
            cache.popitem(last=False)
        cache[b] = None
    return reads


def belady_reads(blocks, capacity: int) -> int:
    capacity = check_int("capacity", capacity, 1)
    blocks = list(blocks)
    nxt = _next_positions(blocks)
    res: dict[int, int] = {}  # block -> next use position
    reads = 0
    for i, b in enumerate(blocks):
        if b not in res:
            reads += 1
            if len(res) >= capacity:
                victim = max(res, key=lambda x: (res[x], x))
                del res[victim]
        res[b] = nxt[i]
    return reads


def optimal_reads_bruteforce(blocks, capacity: int) -> int:
    """Exhaustive search over every eviction choice (tiny streams only)."""
    capacity = check_int("capacity", capacity, 1)
    blocks = list(blocks)
    best = [INF]

    def go(i, cache: frozenset, reads):
        if reads >= best[0]:
            return
        if i == len(blocks):
            best[0] = reads
            return
        b = blocks[i]
        if b in cache:
            go(i + 1, cache, reads)
        elif len(cache) < capacity:
            go(i + 1, cache | {b}, reads + 1)
        else:
            for victim in cache:
                go(i + 1, (cache - {victim}) | {b}, reads + 1)

    go(0, frozenset(), 0)
    return best[0]


def liveness_reads(lists, capacity: int, pinned: int = 0, detail: bool = False):
    """HBM reads of a head's pattern under the liveness-driven dual-tier policy."""
    capacity = check_int("capacity", capacity, 1)
    pinned = check_int("pinned", pinned, 0, capacity - 1)
    managed_cap = capacity - pinned
    acc = annotate(lists)
    pin_tier: set[int] = set()
    man: dict[int, tuple[int, int]] = {}  # block -> (next-use row or INF, block) eviction key
    reads = 0
    for a in acc:
        b = a.block
        key = (INF if a.next_use == DEAD else a.next_use, b)
        if b in pin_tier:
            continue
        if b in man:
            man[b] = key
            continue
        reads += 1
        if a.pinnable and len(pin_tier) < pinned:
            pin_tier.add(b)
            continue
        if len(man) >= managed_cap:
            victim = max(man, key=lambda x: man[x])  # dead (INF) first, then farthest next use
            del man[victim]
        man[b] = key
    if detail:
        return reads, {"pinned": sorted(pin_tier)}
    return reads


def all_policies(lists, capacity: int, pinned: int) -> dict[str, int]:
    blocks = [b for _, b in _stream(lists)]
    return {"accesses": len(blocks), "compulsory": len(set(blocks)),
            "lru": lru_reads(blocks, capacity), "belady": belady_reads(blocks, capacity),
            "liveness": liveness_reads(lists, capacity, pinned),
            "liveness_single_tier": liveness_reads(lists, capacity, 0)}


def stream_of(lists) -> list[int]:
    return [b for _, b in _stream(lists)]


__all__ = ["lru_reads", "belady_reads", "liveness_reads", "optimal_reads_bruteforce",
           "all_policies", "stream_of"]
