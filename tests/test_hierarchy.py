"""Hierarchical conversion (fast_prefill/hierarchy.py): one module per file, a complete ordered
source list, shared sub-modules converted once, the same bytes in-process and forked."""

import re

import pytest

from fast_prefill import hierarchy
from fast_prefill.blocks import BLOCKS
from fast_prefill.config import get_preset
from fast_prefill.convert import convert_block


@pytest.fixture(scope="module")
def kernel(tmp_path_factory):
    spec = BLOCKS["fast_prefill"]
    out = tmp_path_factory.mktemp("hier")
    return convert_block(spec, spec.params(get_preset("tiny")), out, "fast_prefill_tiny")


def test_source_list_is_complete_and_ordered(kernel):
    files = hierarchy.source_files(kernel)
    assert files[-1] == kernel and len(files) > 20
    assert hierarchy.source_list_problems(kernel) == []
    for f in files:
        assert len(re.findall(r"^\s*module\s", f.read_text(), re.M)) == 1, f
    # the kernel instantiates its units by module name
    top = kernel.read_text()
    assert re.search(r"^sig_head_[0-9a-f]{8} sig_head0 \($", top, re.M)
    assert re.search(r"^attention_path_[0-9a-f]{8} attention_path0 \($", top, re.M)


def test_identical_sub_blocks_are_one_module(kernel):
    paths = hierarchy.instance_paths(kernel)
    cols = {m for p, m in paths.items() if re.fullmatch(r"attention_path0/sae_row_engine0/sae_pv_column\d+", p)}
    n = sum(1 for p in paths if re.fullmatch(r"attention_path0/sae_row_engine0/sae_pv_column\d+", p))
    assert n == get_preset("tiny").head_dim and len(cols) == 1
    rows = {m for p, m in paths.items() if re.fullmatch(r"attention_path0/sae_row_engine0/sae_row_softmax\d+", p)}
    n_rows = sum(1 for p in paths if re.fullmatch(r"attention_path0/sae_row_engine0/sae_row_softmax\d+", p))
    assert n_rows == get_preset("tiny").sae_rows and len(rows) == 1
    adapters = {m for p, m in paths.items() if p.rsplit("/", 1)[-1].startswith("sae_kv_adapter")}
    assert len([p for p in paths if p.rsplit("/", 1)[-1].startswith("sae_kv_adapter")]) == 4 and len(adapters) == 1


def test_the_checker_catches_a_missing_a_duplicate_and_a_misordered_module(kernel, tmp_path):
    """Planted faults in a copy of the source list: each one is reported."""
    import shutil

    for f in hierarchy.source_files(kernel) + [hierarchy.source_list_path(kernel)]:
        shutil.copy(f, tmp_path / f.name)
    top = tmp_path / kernel.name
    lst = hierarchy.source_list_path(top)
    lines = lst.read_text().splitlines()
    lane = next(x for x in lines if x.startswith("sae_pv_column_"))
    lst.write_text("\n".join(x for x in lines if x != lane) + "\n")
    assert any("which no listed file defines" in p for p in hierarchy.source_list_problems(top))
    lst.write_text("\n".join(lines + [lines[0]]) + "\n")
    assert any("defined twice" in p for p in hierarchy.source_list_problems(top))
    lst.write_text("\n".join([lines[-1]] + lines[:-1]) + "\n")
    problems = hierarchy.source_list_problems(top)
    assert any("listed after its parent" in p for p in problems) and any("not the last" in p for p in problems)
    (tmp_path / lane).write_text((tmp_path / lane).read_text() * 2)
    lst.write_text("\n".join(lines) + "\n")
    assert any("expected exactly" in p for p in hierarchy.source_list_problems(top))


def test_forked_conversion_gives_the_same_bytes(tmp_path):
    """jobs=2 (make verilog: every sub-module converted in a forked process) and in-process
    conversion write the same files, byte for byte, and the same source list."""
    spec = BLOCKS["kv_cache"]
    params = spec.params(get_preset("tiny"))
    a = convert_block(spec, params, tmp_path / "a", "kvc", cache=False)
    b = convert_block(spec, params, tmp_path / "b", "kvc", jobs=2, cache=False)
    fa, fb = hierarchy.source_files(a), hierarchy.source_files(b)
    assert [f.name for f in fa] == [f.name for f in fb] and len(fa) > 3
    for x, y in zip(fa, fb):
        assert x.read_bytes() == y.read_bytes(), x.name
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == sorted([f.name for f in fb] + ["kvc.f"])


def test_a_failing_sub_module_fails_the_conversion_and_writes_nothing(tmp_path):
    """A MyHDL error inside a forked sub-module conversion reaches the caller; nothing is left."""
    from fast_prefill.convert import ConversionError

    spec = BLOCKS["kv_cache"]
    params = dict(spec.params(get_preset("tiny")))
    bad = hierarchy.Stub.factory

    def broken(self):
        if self.deco.func.__name__ == "kvc_tag_store":
            raise RuntimeError("planted failure in kvc_tag_store")
        return bad(self)
    hierarchy.Stub.factory = broken
    try:
        with pytest.raises(ConversionError, match="planted failure in kvc_tag_store"):
            convert_block(spec, params, tmp_path / "x", "kvc", jobs=2, cache=False)
    finally:
        hierarchy.Stub.factory = bad
    assert list((tmp_path / "x").iterdir()) == []


def test_jobs_must_be_positive():
    with pytest.raises(ValueError, match="'jobs' = 0 is not allowed"):
        hierarchy.Workers(0)
