"""Parameter validation shared by the RTL blocks: one wording for every refusal,
``<block> field '<name>' = <value> is not allowed: must be ...`` (the form of
``fast_prefill.config.ConfigError``). Every block checks its integer and power-of-two parameters
with these, before it makes any signal."""

from __future__ import annotations

from typing import Callable


def _refuse(block: str, name: str, value, allowed: str):
    raise ValueError(f"{block} field '{name}' = {value!r} is not allowed: {allowed}")


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_int(block: str, name: str, value, lo: int, hi: int | None = None) -> int:
    """``value`` when it is an integer in ``[lo, hi]`` (``hi`` None: ``>= lo``; a bool is not an
    integer here); else ``ValueError`` naming the block, the field, the value and the range."""
    if not _is_int(value) or value < lo or (hi is not None and value > hi):
        _refuse(block, name, value, f"must be an integer in [{lo}, {hi}]" if hi is not None
                else f"must be an integer >= {lo}")
    return value


def check_pow2(block: str, name: str, value, lo: int, hi: int, why: str = "") -> int:
    """``log2(value)`` when ``value`` is a power of two in ``[lo, hi]``; else ``ValueError`` in the
    same wording (``why``, when given, is added in parentheses: the reason for the range)."""
    if not _is_int(value) or not lo <= value <= hi or value & (value - 1):
        _refuse(block, name, value, f"must be a power of two in [{lo}, {hi}]" + (f" ({why})" if why else ""))
    return value.bit_length() - 1


def int_checker(block: str) -> Callable[..., int]:
    """:func:`check_int` for one block: ``check(name, value, lo, hi=None)``."""

    def check(name: str, value, lo: int, hi: int | None = None) -> int:
        return check_int(block, name, value, lo, hi)

    return check
