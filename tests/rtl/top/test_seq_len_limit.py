"""The kernel's sequence-length refusal rule (argument check 1, ``rtl/top/fast_prefill.py``
``seq_len_limit``) against the SIG liveness buffer sizing (``rtl/sig/specs.py``
``liveness_max_accesses``), in pure Python (no simulation): the limit is exact, that is the kernel
accepts precisely the N whose dense head (``nb (nb + 1) / 2`` accesses) fits the buffer; the tiny
build accepts every legal N up to max_seq_len = 1024, the u280 build every legal N up to 131072: the
buffer holds a dense head at the largest context."""

from __future__ import annotations

import pytest

from fast_prefill.config import get_preset
from fast_prefill.rtl.sig.liveness import _validate as validate_liveness
from fast_prefill.rtl.sig.specs import head_params, liveness_max_accesses
from fast_prefill.rtl.top.fast_prefill import seq_len_limit
from fast_prefill.rtl.top.specs import kernel_params


def dense_accesses(nb: int) -> int:
    return nb * (nb + 1) // 2


def brute_limit(block_size: int, max_seq_len: int, max_accesses: int) -> int:
    """The largest multiple of B up to max_seq_len whose dense head fits, by enumeration."""
    ok = [n for n in range(block_size, max_seq_len + 1, block_size)
          if dense_accesses(n // block_size) <= max_accesses]
    return max(ok, default=0)


def kernel_limit(preset: str) -> tuple[int, int]:
    """(max_accesses the kernel's SIG head is built with, the kernel's N limit) at a preset."""
    cfg = get_preset(preset)
    sp = dict(kernel_params(cfg)["sig_params"])
    return sp["max_accesses"], seq_len_limit(cfg.block_size, cfg.max_seq_len, sp["max_accesses"])


def test_tiny_accepts_every_legal_n_up_to_1024():
    cfg = get_preset("tiny")
    acc, limit = kernel_limit("tiny")
    assert cfg.max_blocks == 128 and dense_accesses(128) == 8256
    assert acc == 8256                     # a dense head of 128 blocks, exactly
    assert limit == cfg.max_seq_len == 1024
    assert head_params(cfg)["max_accesses"] == acc


def test_u280_accepts_every_legal_n_up_to_128k():
    cfg = get_preset("u280")
    acc, limit = kernel_limit("u280")
    assert cfg.max_blocks == 1024 and acc == dense_accesses(1024) == 524800
    assert limit == cfg.max_seq_len == 131072
    assert head_params(cfg)["max_accesses"] == acc


@pytest.mark.parametrize("preset", ["tiny", "u280"])
def test_limit_is_exact_for_the_preset(preset):
    """Every N (multiple of B, up to max_seq_len) is accepted iff its dense head fits the buffer."""
    cfg = get_preset(preset)
    acc, limit = kernel_limit(preset)
    assert limit == brute_limit(cfg.block_size, cfg.max_seq_len, acc)
    for n in range(cfg.block_size, cfg.max_seq_len + 1, cfg.block_size):
        assert (n <= limit) == (dense_accesses(n // cfg.block_size) <= acc), n


@pytest.mark.parametrize("block_size,max_seq_len", [(1, 64), (2, 256), (8, 256), (8, 1024), (16, 8192), (128, 4096)])
def test_limit_is_exact_for_any_buffer(block_size, max_seq_len):
    """Exact for any buffer size, not only the presets' (including the boundaries nb(nb+1)/2 +- 1)."""
    nb_max = max_seq_len // block_size
    sizes = {1, 2, 3, 4, 5, 1 << 30} | {dense_accesses(nb) + d for nb in range(1, nb_max + 2) for d in (-1, 0, 1)}
    for acc in sorted(s for s in sizes if s >= 1):
        assert seq_len_limit(block_size, max_seq_len, acc) == brute_limit(block_size, max_seq_len, acc), acc
    assert seq_len_limit(block_size, max_seq_len, None) == max_seq_len


@pytest.mark.parametrize("max_blocks", [2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096])
def test_liveness_sizing(max_blocks):
    """Exactly the dense worst case, a value sig_liveness accepts, up to the 1024 blocks of a 128K
    context at B = 128 (its limit is 2^20 entries: 1448 blocks)."""
    acc = liveness_max_accesses(max_blocks)
    assert acc == dense_accesses(max_blocks)
    if acc <= 1 << 20:
        validate_liveness(max_blocks, acc)
    else:
        with pytest.raises(ValueError, match="max_accesses"):
            validate_liveness(max_blocks, acc)


def test_planted_off_by_one_limits_are_caught():
    """The exactness check rejects the rule's likely mistakes: a strict ``<`` (refuses a dense head
    that exactly fills the buffer) and counting ``nb + 1`` rows (the old loop's bound shifted)."""
    import math

    def strict(b, msl, acc):          # nb (nb + 1) / 2 < acc
        nb = next(nb for nb in range(msl // b + 1, -1, -1) if nb == 0 or dense_accesses(nb) < acc)
        return min(nb, msl // b) * b

    def shifted(b, msl, acc):         # (nb + 1) (nb + 2) / 2 <= acc
        return min(msl // b, (math.isqrt(8 * acc + 1) - 1) // 2 - 1) * b

    for bad in (strict, shifted):
        assert any(bad(8, 1024, acc) != brute_limit(8, 1024, acc) for acc in (dense_accesses(nb) for nb in (1, 90)))
