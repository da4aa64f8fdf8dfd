"""The shared parameter check: one wording for every block's refusal (rtl/common/params.py), used by
the SIG blocks in place of five identical private copies."""

import pytest

from fast_prefill.rtl.common.params import check_int, int_checker


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
    from fast_prefill.blocks import get_block

    spec = get_block("sig_top_m")
    p = {"max_n": 1, "width": 8, "hist_bits": 4, "div_shift": 0, "min_m": 1, "max_m": 8}
    with pytest.raises(ValueError, match=r"sig_top_m field 'max_n' = 1 is not allowed: must be an integer in \[2, 1048576\]"):
        spec.factory(**spec.ports({**p, "max_n": 8}), **p)
