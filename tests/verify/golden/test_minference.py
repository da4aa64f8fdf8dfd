"""MInference vertical-and-slash source."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from fast_prefill.verify.golden import minference as M
from fast_prefill.verify.golden import synthetic as S
from fast_prefill.verify.golden.block_lists import check_lists


def test_budgets_load_for_both_models():
    ll = M.load_budgets("llama-3-8b")
    qw = M.load_budgets("qwen2.5-7b")
    assert len(ll) == 32 and all(len(x) == 32 for x in ll)
    assert len(qw) == 28 and all(len(x) == 28 for x in qw)
    assert ll[0][0][:3] == ("vertical_and_slash", 1000, 6096)
    assert qw[0][0][:3] == ("vertical_and_slash", 3500, 100)
    with pytest.raises(ValueError, match="model"):
        M.load_budgets("gpt-2")


@given(n=st.integers(1, 300), bsz=st.sampled_from([4, 8, 16]), nv=st.integers(0, 60),
       ns=st.integers(0, 200), seed=st.integers(0, 100))
@settings(deadline=None)
def test_block_lists_cover_the_token_pattern(n, bsz, nv, ns, seed):
    q, k, _ = S.make_head("slash", n, 8, seed)
    vt, sd = M.vertical_slash_tokens(q, k, nv, ns)
    assert len(vt) == min(n, max(nv, 30)) and len(sd) == min(n, max(ns, 50))
    assert set(range(min(n, 30))) <= set(vt.tolist()) and set(range(min(n, 100, len(sd)))) <= set(sd.tolist())
    lists = M.token_pattern_to_lists(vt, sd, n, bsz)
    check_lists(lists)
    covered = np.zeros((n, n), bool)
    for r, lst in enumerate(lists):
        for c in lst:
            covered[r * bsz:(r + 1) * bsz, c * bsz:(c + 1) * bsz] = True
    i, j = np.tril_indices(n)
    need = np.isin(j, vt) | np.isin(i - j, sd)
    assert covered[i[need], j[need]].all()
    # minimal: every listed block other than 0 and r holds a needed entry
    needed_blocks = set(zip((i[need] // bsz).tolist(), (j[need] // bsz).tolist()))
    for r, lst in enumerate(lists):
        for c in lst:
            assert c in (0, r) or (r, int(c)) in needed_blocks


def test_published_budgets_drive_a_layout():
    q, k, _ = S.make_head("sink", 2048, 16, 0)
    budgets = M.load_budgets("qwen2.5-7b")
    _, v, s, _ = budgets[0][0]
    pat = M.minference_head_pattern(q, k, v, s, 128)
    check_lists(pat.rows())
