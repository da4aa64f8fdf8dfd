"""Planted bugs in the KV cache that the checkers must reject (tests/verify/test_kvc_planted_bugs.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..convert import ConversionError, Mutant

_KEY = re.compile(r"(k[ab]) = \{(\w*)nu\[([^\]]*)\], (\w*)tag\[([^\]]*)\]\};")


@dataclass(frozen=True)
class _KeyMutant(Mutant):
    """Edits the victim tree's two leaf-key lines (``ka``, ``kb``). Inside kv_cache MyHDL prefixes
    the tag store's memories with an instance name (``kvc_tag_store0_nu``) that is not stable, so
    the lines are matched by pattern; like :class:`Mutant`, it refuses to apply unless it matches
    exactly ``count`` times. ``replace`` is formatted with ``var``, ``prefix`` (of ``tag``) and
    ``index`` (the line index expression)."""

    def apply(self, text: str) -> str:
        seen = len(_KEY.findall(text))
        if seen != self.count:
            raise ConversionError(f"mutant '{self.name}': expected {self.count} victim-key line(s), found {seen}")
        return _KEY.sub(lambda m: self.replace.format(var=m.group(1), prefix=m.group(4), index=m.group(5)), text)


def lru_like_eviction(tag_bits: int) -> Mutant:
    """The victim scan ignores liveness and evicts the managed block with the smallest index, the
    one used longest ago in a row-ordered sliding pattern (LRU-like): it evicts a live block while a
    dead one is resident."""
    nw = tag_bits + 1
    return _KeyMutant("kvc_lru_like_eviction", "ka/kb = {nu[line], tag[line]};",
                      "{var} = {{{{" + str(nw) + "{{1'b0}}}}, ~{prefix}tag[{index}]}};", count=2)


def managed_read_wrong_line(managed: int) -> Mutant:
    """The delivery path addresses the managed tier with the line number instead of the tier-local
    index (it forgets to subtract ``pinned``), so a block held in a managed line, hit or miss, is
    served from another line's words: the response carries the wrong block's data."""
    mlw = max(1, (managed - 1).bit_length())
    return Mutant("kvc_managed_read_wrong_line", f"m_raddr = {{rd_local[{mlw}-1:0], dbeat}};",
                  f"m_raddr = {{head_line[{mlw}-1:0], dbeat}};")


def last_beat_skipped(half_beats: int) -> Mutant:
    """A ticket is retired one beat early: the last V beat of every block is never sent (and the
    next block starts at the wrong beat), so a request is not answered with exactly its 2 *
    half_beats beats."""
    last = 2 * half_beats - 1
    return Mutant("kvc_last_beat_skipped", f"rel_valid = (go && (dbeat == {last}));",
                  f"rel_valid = (go && (dbeat == {last - 1}));")


def row_lanes_swapped() -> Mutant:
    """The fill packs a word's beats in the wrong order (the last beat in the low bits): every K/V
    row word reaches the engine with its ``axi_width`` lanes swapped (``row_beats = 2``)."""
    return Mutant("kvc_row_lanes_swapped", "assign word = {data, pk};", "assign word = {pk, data};")


def split_pair_wrong_line() -> Mutant:
    """The split fill (``kv_read_ports = 2``) pairs a line's V completion with the K master's
    current line instead of the V master's: when K runs a line ahead, the line whose V just arrived
    stays loading and the K master's newer line is marked loaded before its V is in, so a response
    carries stale V words (or the stream hangs)."""
    return Mutant("kvc_split_pair_wrong_line", "fill_line = fv_line;", "fill_line = fk_line;")


def stale_scan(pinned: int, managed: int) -> Mutant:
    """The tag store decides one cycle before its scan trees have settled: the roots still show the
    line state of before the last decision, so a block just allocated can be found missing again
    (a second copy of its tag) or a line just filled can be taken as free."""
    from ..rtl.kvc.tag_store import settle_cycles

    ds = settle_cycles(pinned, managed)
    return Mutant("kvc_stale_scan", f"assign fresh = (settle == {ds});", f"assign fresh = (settle == {ds - 1});")
