"""The fast paths of the performance report give the same statistics as the plain ones: layouts for
several models from shared synthetic q/k, the on-disk layout cache, and the parallel computation
(worker processes) against the serial one. Small lengths only (a few seconds)."""

import json

import pytest

from fast_prefill.config import get_preset
from fast_prefill.perf import report, sparsity
from fast_prefill.perf.model import MODELS

CFG = get_preset("u280")
GEOM = (CFG.block_size, CFG.pinned_tier_blocks, CFG.managed_tier_blocks)


@pytest.fixture
def cache_in_tmp(tmp_path, monkeypatch):
    monkeypatch.setattr(sparsity, "cache_dir", lambda: tmp_path / "cache")
    return tmp_path / "cache"


@pytest.mark.parametrize("source", ["minference", "flexprefill"])
def test_shared_layouts_equal_separate_ones(source, cache_in_tmp, monkeypatch):
    from fast_prefill.verify.golden import float_ref

    n = 2048
    calls = []
    original = float_ref.probe_scores
    monkeypatch.setattr(float_ref, "probe_scores", lambda *a: calls.append(1) or original(*a))
    together = sparsity.heads_for_models(source, list(MODELS), n, *GEOM, policies=True, use_cache=False)
    if source == "flexprefill":   # one probe per head kind, shared by the two models
        assert len(calls) == len(sparsity.KINDS)
        part = sparsity.heads_for_models(source, list(MODELS), n, *GEOM, policies=True, use_cache=False,
                                         part="slash")
        assert {m: part[m] for m in MODELS} == {m: [h for h in together[m] if h.label == "slash"] for m in MODELS}
    else:
        with pytest.raises(ValueError, match="field 'part'"):
            sparsity.heads(source, "llama-3-8b", n, *GEOM, part="slash")
    for model in MODELS:
        sparsity._qk.cache_clear()
        alone = sparsity.heads(source, model, n, *GEOM, policies=True)
        assert together[model] == alone
    assert not cache_in_tmp.exists()


def test_layout_cache_round_trip_and_key(cache_in_tmp, monkeypatch):
    n = 1024
    first = sparsity.heads_for_models("minference", list(MODELS), n, *GEOM, policies=True, use_cache=True)
    files = sorted(cache_in_tmp.glob("*.json"))
    assert len(files) == len(MODELS)
    # a read-back must not recompute: make recomputation fail
    monkeypatch.setattr(sparsity, "heads", lambda *a, **k: pytest.fail("layout recomputed despite the cache"))
    again = sparsity.heads_for_models("minference", list(MODELS), n, *GEOM, policies=True, use_cache=True)
    assert again == first
    # a different cache geometry or a changed golden model is a different key
    assert sparsity._cache_path("minference", "llama-3-8b", n, *GEOM, True, "a") != \
        sparsity._cache_path("minference", "llama-3-8b", n, *GEOM, True, "b")
    assert sparsity._cache_path("minference", "llama-3-8b", n, 64, 2, 6, True, "a") != \
        sparsity._cache_path("minference", "llama-3-8b", n, 64, 2, 8, True, "a")
    # a corrupt entry is recomputed, not trusted
    monkeypatch.undo()
    monkeypatch.setattr(sparsity, "cache_dir", lambda: cache_in_tmp)
    files[0].write_text("{not json")
    fixed = sparsity.heads_for_models("minference", list(MODELS), n, *GEOM, policies=True, use_cache=True)
    assert fixed == first
    json.loads(files[0].read_text())


def test_parallel_report_computation_equals_serial(cache_in_tmp):
    lengths = (1024,)
    _, serial = report.compute(lengths, calibration=False, jobs=1, use_cache=False, log=lambda s: None)
    _, parallel = report.compute(lengths, calibration=False, jobs=2, use_cache=False, log=lambda s: None)
    assert set(serial) == {(s, n) for s in ("minference", "flexprefill") for n in lengths}
    assert parallel == serial


def test_jobs_must_be_positive():
    with pytest.raises(SystemExit):
        report.main(["--jobs", "0", "--no-calibration", "--quick"])
