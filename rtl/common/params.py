"""Parameter validation shared by the RTL blocks: one wording for every refusal,
``<block> field '<name>' = <value> is not allowed: must be ...`` (the form of
``fast_prefill.config.ConfigError``)."""

from __future__ import annotations

from typing import Callable


def check_int(block: str, name: str, value, lo: int, hi: int) -> int:
    """``value`` when it is an integer in ``[lo, hi]`` (not a bool); else ``ValueError`` naming the
    block, the field, the value and the range."""
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ValueError(f"{block} field '{name}' = {value!r} is not allowed: must be an integer in [{lo}, {hi}]")
    return value


def int_checker(block: str) -> Callable[[str, object, int, int], int]:
    """:func:`check_int` for one block: ``check(name, value, lo, hi)``."""

    def check(name: str, value, lo: int, hi: int) -> int:
        return check_int(block, name, value, lo, hi)

    return check
