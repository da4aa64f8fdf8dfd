"""Planted bugs in the KV cache that the checkers must reject (tests/verify/test_kvc_planted_bugs.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..convert import ConversionError, Mutant

_KEY = re.compile(r"k = \{(\w*)nu\[i\], (\w*)tag\[i\]\};")


@dataclass(frozen=True)
class _KeyMutant(Mutant):
    """Edits the victim scan's key line. Inside kv_cache MyHDL prefixes the tag store's memories
    with an instance name (``kvc_tag_store0_nu``) that is not stable, so the line is matched by
    pattern; like :class:`Mutant`, it refuses to apply unless it matches exactly ``count`` times."""

    def apply(self, text: str) -> str:
        seen = len(_KEY.findall(text))
        if seen != self.count:
            raise ConversionError(f"mutant '{self.name}': expected {self.count} victim-key line(s), found {seen}")
        return _KEY.sub(lambda m: self.replace.format(prefix=m.group(2)), text)


def lru_like_eviction(tag_bits: int) -> Mutant:
    """The victim scan ignores liveness and evicts the managed block with the smallest index, the
    one used longest ago in a row-ordered sliding pattern (LRU-like): it evicts a live block while a
    dead one is resident."""
    nw = tag_bits + 1
    return _KeyMutant("kvc_lru_like_eviction", "k = {nu[i], tag[i]};",
                      "k = {{{{" + str(nw) + "{{1'b0}}}}, ~{prefix}tag[i]}};")
