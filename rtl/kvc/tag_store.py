"""KVC tag store: lines, tags, tier, next use, readers and loading state; one decision per request.

Computes, for the request at its input (``req_block``, ``req_next_use``, ``req_pinnable``), the line
the block will occupy and whether it is a miss, exactly as the golden policy
(``verify/golden/cache_sim.liveness_reads``):

* a hit (a valid line holds the tag) keeps its line; a managed line's next use is updated;
* a miss of a pinnable block goes to the first free pinned line while there is one; pinned lines
  are never evicted until reset (the end of the head);
* any other miss goes to the first free managed line, else evicts the managed line with the largest
  key ``{next_use, tag}``: ``next_use`` is the row of the block's next use with DEAD encoded as all
  ones, so a dead block is chosen before any live one, among live ones the farthest next use, and
  ties on the row go to the larger block index (the golden model's tie-break).

Lines ``0 .. pinned-1`` form the pinned tier, ``pinned .. pinned+managed-1`` the managed tier.

Hazard rule (what lets decisions run ahead of data delivery without changing the read count): a
victim line is never overwritten while a decided-but-undelivered request (a *reader*) still refers
to it (``pend[line] != 0``); the decision then waits (``req_ready`` low) instead of choosing another
line, so the sequence of decisions is exactly the golden one. ``rel_valid``/``rel_line`` retires a
reader; ``fill_valid``/``fill_line`` reports that a missed line's data has arrived;
``q_line``/``q_loading`` tell the delivery side whether a line is still loading.

Handshake: a decision happens in a cycle with ``req_valid and req_ready`` (``req_ready`` is
``room`` and "the chosen line is usable" and no write pending); ``dec_line``/``dec_miss`` are valid
in that cycle. The decision is written into the line state on the next edge, so there is at most
one decision every two cycles (a K/V block takes ``2 * half_beats / row_beats >= 2`` cycles to deliver, so this
never limits throughput). The victim scan is a combinational linear scan over the managed lines.

Invariants (proved in ``verify/properties/kvc_tag_store.sv``): at most one valid line per tag; a
pinned line, once valid, keeps its tag until reset; an eviction never takes a live line while a dead
one is resident and always takes the largest key; a line with readers is never overwritten.
"""

from __future__ import annotations

from myhdl import Signal, always, always_comb, block, concat, intbv


def _validate(pinned: int, managed: int, tag_bits: int, max_readers: int) -> None:
    for name, v, lo, hi in (("pinned", pinned, 1, 4096), ("managed", managed, 1, 4096),
                            ("tag_bits", tag_bits, 1, 20), ("max_readers", max_readers, 1, 256)):
        if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
            raise ValueError(f"kvc_tag_store field '{name}' = {v!r} is not allowed: must be an integer in [{lo}, {hi}]")


def line_bits(lines: int) -> int:
    return max(1, (lines - 1).bit_length())


@block
def kvc_tag_store(clk, rst, req_valid, req_ready, req_block, req_next_use, req_pinnable, room,
                  dec_line, dec_miss, rel_valid, rel_line, fill_valid, fill_line, q_line, q_loading,
                  pinned=2, managed=4, max_readers=3):
    tag_bits = len(req_block)
    _validate(pinned, managed, tag_bits, max_readers)
    nw = len(req_next_use)
    if nw != tag_bits + 1:
        raise ValueError(f"kvc_tag_store field 'req_next_use' width = {nw} is not allowed: must be tag_bits + 1 = {tag_bits + 1}")
    L = pinned + managed
    lw = line_bits(L)
    kw = nw + tag_bits
    P = pinned
    for name, sig in (("dec_line", dec_line), ("rel_line", rel_line), ("fill_line", fill_line), ("q_line", q_line)):
        if len(sig) != lw:
            raise ValueError(f"kvc_tag_store field '{name}' width = {len(sig)} is not allowed: must be {lw} for {L} lines")

    # Per-line state (memories: indexed by line number).
    lv = Signal(intbv(0)[L:])                                   # bit per line: line holds a block
    tag = [Signal(intbv(0)[tag_bits:]) for _ in range(L)]       # block index
    nu = [Signal(intbv(0)[nw:]) for _ in range(L)]              # next use row (DEAD = all ones)
    loading = Signal(intbv(0)[L:])                              # bit per line: miss issued, data incomplete
    # Undelivered readers per line. No reset: a line is (re)allocated only when it is free or has no
    # readers, and allocation sets the count to 1, so stale counts of free lines are never read.
    pend = [Signal(intbv(0, min=0, max=max_readers + 1)) for _ in range(L)]

    hit = Signal(bool(0))
    hit_line = Signal(intbv(0)[lw:])
    pin_free = Signal(bool(0))
    pin_line = Signal(intbv(0)[lw:])
    man_free = Signal(bool(0))
    man_line = Signal(intbv(0)[lw:])
    victim = Signal(intbv(P)[lw:])
    victim_busy = Signal(bool(0))
    choose = Signal(intbv(0)[lw:])
    miss = Signal(bool(0))
    usable = Signal(bool(0))
    fire = Signal(bool(0))
    w_valid = Signal(bool(0))
    w_line = Signal(intbv(0)[lw:])
    w_block = Signal(intbv(0)[tag_bits:])
    w_nu = Signal(intbv(0)[nw:])
    w_miss = Signal(bool(0))

    @always_comb
    def lookup():
        h = False
        hl = intbv(0)[lw:]
        n = intbv(0)[lw + 1:]
        for i in range(L):
            if lv[i] and tag[i] == req_block:
                h = True
                hl[:] = n[lw:]
            n[:] = n + 1
        hit.next = h
        hit_line.next = hl

    @always_comb
    def free_pinned():
        f = False
        fl = intbv(0)[lw:]
        n = intbv(0)[lw + 1:]
        for i in range(P):
            if not lv[i] and not f:
                f = True
                fl[:] = n[lw:]
            n[:] = n + 1
        pin_free.next = f
        pin_line.next = fl

    @always_comb
    def free_managed():
        f = False
        fl = intbv(0)[lw:]
        n = intbv(P)[lw + 1:]
        for i in range(P, L):
            if not lv[i] and not f:
                f = True
                fl[:] = n[lw:]
            n[:] = n + 1
        man_free.next = f
        man_line.next = fl

    @always_comb
    def victim_scan():
        bk = intbv(0)[kw:]
        bi = intbv(P)[lw:]
        k = intbv(0)[kw:]
        n = intbv(P)[lw + 1:]
        for i in range(P, L):
            k[:] = concat(nu[i], tag[i])
            if k > bk:
                bk[:] = k
                bi[:] = n[lw:]
            n[:] = n + 1
        victim.next = bi

    @always_comb
    def victim_state():
        victim_busy.next = pend[victim] != 0

    @always_comb
    def decide():
        if hit:
            choose.next = hit_line
            miss.next = False
            usable.next = True
        elif req_pinnable and pin_free:
            choose.next = pin_line
            miss.next = True
            usable.next = True
        elif man_free:
            choose.next = man_line
            miss.next = True
            usable.next = True
        else:
            choose.next = victim
            miss.next = True
            usable.next = not victim_busy

    @always_comb
    def outputs():
        req_ready.next = room and usable and not w_valid and not rst
        fire.next = req_valid and room and usable and not w_valid and not rst
        dec_line.next = choose
        dec_miss.next = miss
        q_loading.next = loading[q_line] or (w_valid and w_miss and w_line == q_line)

    # Decisions are written one cycle later (w_*): every memory write address is a register, and no
    # decision is taken while a write is pending, so a decision always sees the state of all earlier ones.
    @always(clk.posedge)
    def capture():
        if rst:
            w_valid.next = False
        else:
            w_valid.next = fire
            if fire:
                w_line.next = choose
                w_block.next = req_block
                w_nu.next = req_next_use
                w_miss.next = miss

    @always(clk.posedge)
    def state():
        if rst:
            lv.next = 0
            loading.next = 0
        else:
            if fill_valid:
                loading.next[fill_line] = 0
            if w_valid:
                lv.next[w_line] = 1
                if w_miss:
                    loading.next[w_line] = 1

    @always(clk.posedge)
    def memories():
        if w_valid:
            tag[w_line].next = w_block
            nu[w_line].next = w_nu

    @always(clk.posedge)
    def readers():
        if not rst:
            if rel_valid and not (w_valid and w_line == rel_line):
                pend[rel_line].next = pend[rel_line] - 1
            if w_valid:
                if w_miss:
                    pend[w_line].next = 1
                elif not (rel_valid and w_line == rel_line):
                    pend[w_line].next = pend[w_line] + 1

    return lookup, free_pinned, free_managed, victim_scan, victim_state, decide, outputs, capture, state, memories, readers
