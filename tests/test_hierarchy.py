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


def test_an_interface_argument_is_a_module_with_flat_port_names(kernel):
    """A block taking ``Stream`` objects (``stream_fifo(clk, rst, s, m)``) stays a module: the
    stub's ports are ``<argument>_<attribute>``, the names MyHDL gives the child's ports, and the
    parent connects them by name (``axi_stream_reader``'s FIFO, built on two ``Stream.of``)."""
    files = {f.name: f.read_text() for f in hierarchy.source_files(kernel)}
    reader = next(t for n, t in files.items() if n.startswith("axi_stream_reader_") and "stream_fifo0 (" in t)
    inst = reader[reader.index("stream_fifo0 ("):]
    inst = inst[:inst.index(");")]
    assert re.findall(r"\.(\w+)\(", inst) == ["clk", "rst", "s_valid", "s_ready", "s_data", "m_valid", "m_ready",
                                             "m_data"]
    assert ".s_data(m_axi_rdata)" in inst and ".m_valid(f_out_valid)" in inst
    fifo = next(t for n, t in files.items() if n.startswith("stream_fifo_"))
    assert re.search(r"^input \[\d+:0\] s_data;$", fifo, re.M) and re.search(r"^output m_valid;$", fifo, re.M)


def test_bind_flattens_an_interface_and_refuses_a_shared_signal():
    from myhdl import ResetSignal, Signal

    from fast_prefill.rtl.stream.fifo import stream_fifo
    from fast_prefill.rtl.stream.interface import Stream

    clk, rst = Signal(bool(0)), ResetSignal(0, active=1, isasync=False)
    s, m = Stream(4), Stream(4)
    params, ports, ifaces = hierarchy._bind(stream_fifo, (clk, rst, s, m), {"depth": 2})
    assert params == {"depth": 2} and list(ifaces) == ["s", "m"]
    assert list(ports) == ["clk", "rst", "s_valid", "s_ready", "s_data", "m_valid", "m_ready", "m_data"]
    assert ports["s_data"] is s.data
    # the same signal on two ports cannot be a module port list: the block is elaborated inline
    assert hierarchy._bind(stream_fifo, (clk, rst, s, Stream.of(m.valid, s.ready, m.data)), {}) is None


def test_bundle_ports_groups_flat_ports_into_streams():
    from fast_prefill.blocks import bundle_ports, clock_and_reset, stream_ports
    from fast_prefill.rtl.stream.fork import stream_fork

    ports = {**clock_and_reset(), **stream_ports("s", 4), **stream_ports("m_a", 4), **stream_ports("m_b", 4)}
    args = bundle_ports(stream_fork, ports)
    assert sorted(args) == ["clk", "m_a", "m_b", "rst", "s"]
    assert args["m_b"].ready is ports["m_b_ready"] and args["s"].width == 4
