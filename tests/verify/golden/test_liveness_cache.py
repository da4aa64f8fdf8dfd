"""Liveness annotator and cache simulators."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from fast_prefill.verify.golden import cache_sim as C
from fast_prefill.verify.golden.liveness import DEAD, Access, annotate, annotate_bruteforce


@st.composite
def layouts(draw, max_nb=10):
    nb = draw(st.integers(1, max_nb))
    vert = draw(st.lists(st.integers(0, nb - 1), max_size=3))
    out = []
    for r in range(nb):
        extra = draw(st.lists(st.integers(0, r), max_size=r + 1))
        out.append(np.unique(np.array([0, r] + extra + [v for v in vert if v <= r], np.int64)))
    return out


@given(layouts())
@settings(deadline=None)
def test_annotations_match_bruteforce(lists):
    assert annotate(lists) == annotate_bruteforce(lists)


def test_annotation_example_and_planted_bug():
    lists = [np.array([0]), np.array([0, 1]), np.array([0, 2]), np.array([0, 1, 3])]
    acc = annotate(lists)
    assert [(a.row, a.block, a.next_use, a.pinnable) for a in acc] == [
        (0, 0, 1, True), (1, 0, 2, True), (1, 1, 3, False), (2, 0, 3, True), (2, 2, DEAD, False),
        (3, 0, DEAD, True), (3, 1, DEAD, False), (3, 3, DEAD, True)]
    bad = list(acc)
    bad[2] = Access(1, 1, 2, False)
    assert bad != annotate_bruteforce(lists)


@given(layouts(), st.integers(1, 6), st.data())
@settings(deadline=None)
def test_policy_ordering(lists, cap, data):
    s = C.stream_of(lists)
    bel, lru = C.belady_reads(s, cap), C.lru_reads(s, cap)
    single = C.liveness_reads(lists, cap, 0)
    # single tier: the liveness policy is Belady's MIN, hence <= LRU
    assert single == bel <= lru
    pinned = data.draw(st.integers(0, cap - 1))
    # any split: never better than the optimum
    assert C.liveness_reads(lists, cap, pinned) >= bel
    assert bel >= len(set(s))


@given(st.lists(st.integers(0, 4), max_size=9), st.integers(1, 3))
@settings(deadline=None)
def test_belady_is_optimal_on_tiny_streams(stream, cap):
    assert C.belady_reads(stream, cap) == C.optimal_reads_bruteforce(stream, cap)
    assert C.lru_reads(stream, cap) >= C.belady_reads(stream, cap)


def test_lru_known_values():
    assert C.lru_reads([1, 2, 3, 1, 2, 3], 2) == 6
    assert C.belady_reads([1, 2, 3, 1, 2, 3], 2) == 4
    assert C.lru_reads([1, 2, 1, 2], 2) == 2


def test_dual_tier_counterexample_is_real():
    """Documented: a pinned tier bigger than what the pattern can use loses to LRU."""
    lists = [np.array(x) for x in ([0], [0, 1], [0, 2], [0, 2, 3], [0, 1, 4], [0, 3, 5])]
    s = C.stream_of(lists)
    assert C.liveness_reads(lists, 4, pinned=3) == 8
    assert C.lru_reads(s, 4) == 6 == C.belady_reads(s, 4) == C.liveness_reads(lists, 4, 0)


def test_pinned_blocks_are_never_evicted():
    lists = [np.array([0])] + [np.array([0, r]) for r in range(1, 8)]
    reads, det = C.liveness_reads(lists, 2, pinned=1, detail=True)
    assert det["pinned"] == [0] and reads == 8


def test_bad_capacity():
    with pytest.raises(ValueError, match="capacity"):
        C.lru_reads([1], 0)
    with pytest.raises(ValueError, match="pinned"):
        C.liveness_reads([np.array([0])], 2, pinned=2)
