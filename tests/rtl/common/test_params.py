"""The shared parameter checks: one wording for every block's refusal (rtl/common/params.py), used by
every RTL block in place of its own copy."""

import pytest

from fast_prefill.rtl.common.params import check_int, check_pow2, int_checker


def test_check_int_accepts_the_range_and_names_everything_when_it_refuses():
    assert check_int("blk", "depth", 4, 2, 8) == 4
    for value in (1, 9, 4.0, True, "4"):
        with pytest.raises(ValueError, match=rf"blk field 'depth' = {value!r} is not allowed: must be an integer in \[2, 8\]"):
            check_int("blk", "depth", value, 2, 8)


def test_int_checker_binds_the_block_name():
    check = int_checker("sig_top_m")
    with pytest.raises(ValueError, match=r"sig_top_m field 'max_n' = 1 is not allowed: must be an integer in \[2, 4\]"):
        check("max_n", 1, 2, 4)


def test_a_sig_block_refuses_with_the_shared_wording():
    from fast_prefill.blocks import bundle_ports, get_block

    spec = get_block("sig_top_m")
    p = {"max_n": 1, "width": 8, "hist_bits": 4, "div_shift": 0, "min_m": 1, "max_m": 8}
    with pytest.raises(ValueError, match=r"sig_top_m field 'max_n' = 1 is not allowed: must be an integer in \[2, 1048576\]"):
        spec.factory(**bundle_ports(spec.factory, spec.ports({**p, "max_n": 8})), **p)


def test_check_int_without_an_upper_bound():
    assert check_int("index_width", "count", 1 << 40, 1) == 1 << 40
    for value in (0, -3, True, 2.0):
        with pytest.raises(ValueError, match=rf"index_width field 'count' = {value!r} is not allowed: must be an integer >= 1$"):
            check_int("index_width", "count", value, 1)


def test_check_pow2_returns_the_log_and_names_the_range():
    assert check_pow2("stream_fifo", "depth", 64, 2, 1024) == 6
    for value in (1, 3, 2048, True, 4.0):
        with pytest.raises(ValueError, match=rf"stream_fifo field 'depth' = {value!r} is not allowed: must be a power of two in \[2, 1024\]$"):
            check_pow2("stream_fifo", "depth", value, 2, 1024)
    with pytest.raises(ValueError, match=r"in \[1, 8\] \(a burst of at most 4 KiB\)$"):
        check_pow2("axi_stream_reader", "burst_beats", 16, 1, 8, why="a burst of at most 4 KiB")


@pytest.mark.parametrize("block, params, message", [
    ("stream_fifo", {"width": 4, "depth": 3}, r"stream_fifo field 'depth' = 3 is not allowed: must be a power of two in \[2, 1024\]"),
    ("kvc_tag_store", {"tag_bits": 3, "pinned": 0, "managed": 2, "max_readers": 2},
     r"kvc_tag_store field 'pinned' = 0 is not allowed: must be an integer in \[1, 4096\]"),
    ("mpu_tile_engine", {"k": 3, "data_width": 4, "acc_width": 10, "dsp_cols": 1, "lut_cols": 1, "fifo_depth": 8},
     r"mpu_tile_engine field 'k' = 3 is not allowed: must be a power of two in \[1, 256\]"),
])
def test_blocks_refuse_through_the_shared_checks(block, params, message):
    """Blocks of three units (stream, KV cache, MPU) refuse a bad parameter before elaborating, in the
    shared wording."""
    from fast_prefill.blocks import bundle_ports, get_block

    spec = get_block(block)
    with pytest.raises(ValueError, match=message):
        spec.instantiate(params)
