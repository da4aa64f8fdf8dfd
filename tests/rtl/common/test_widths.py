"""The shared width rule: the index of ``count`` entries, at least one bit; used by the SIG and the
SAE for block indices and memory addresses (one implementation, rtl/common/widths.py)."""

import pytest

from fast_prefill.rtl.common.widths import index_width


@pytest.mark.parametrize("count, bits", [(1, 1), (2, 1), (3, 2), (4, 2), (5, 3), (1024, 10), (1025, 11),
                                         (1 << 20, 20)])
def test_index_width(count, bits):
    assert index_width(count) == bits
    assert count - 1 < (1 << bits)            # every index fits
    assert bits == 1 or count - 1 >= (1 << (bits - 1))   # and no bit is spare


@pytest.mark.parametrize("count", [0, -3, 2.0, True])
def test_index_width_refuses_a_count_that_is_not_a_positive_integer(count):
    with pytest.raises(ValueError, match=rf"index_width field 'count' = {count!r} is not allowed: must be an integer >= 1"):
        index_width(count)


def test_the_units_use_the_shared_rule():
    from fast_prefill.rtl.sae import engine
    from fast_prefill.rtl.sig import list_builder

    assert engine.index_width is index_width and list_builder.index_width is index_width
