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
``room`` and "the scans have settled" and "the chosen line is usable"); ``dec_line``/``dec_miss``
are valid in that cycle, and the request must be held until then (stream rule). The scans (lookup,
first free pinned and managed line, victim) are trees of registered 2-input nodes, one level a
cycle; they settle ``settle_cycles(pinned, managed)`` cycles after the line state and the request
last changed. The decision is written into the line state on the next edge, so decisions are
``settle_cycles + 2`` cycles apart at best (9 at u280; a K/V block takes ``2 * half_beats /
row_beats`` cycles to deliver, 256 at u280, so this never limits throughput). docs/kvc.md.

Invariants (proved in ``verify/properties/kvc_tag_store.sv``): at most one valid line per tag; a
pinned line, once valid, keeps its tag until reset; an eviction never takes a live line while a dead
one is resident and always takes the largest key; a line with readers is never overwritten.
"""

from __future__ import annotations

from myhdl import Signal, always, always_comb, block, concat, instances, intbv

from ..common.params import check_int


def _validate(pinned: int, managed: int, tag_bits: int, max_readers: int) -> None:
    for name, v, lo, hi in (("pinned", pinned, 1, 4096), ("managed", managed, 1, 4096),
                            ("tag_bits", tag_bits, 1, 20), ("max_readers", max_readers, 1, 256)):
        check_int("kvc_tag_store", name, v, lo, hi)


def line_bits(lines: int) -> int:
    return max(1, (lines - 1).bit_length())


def stages(leaves: int) -> int:
    """Registered levels of a 2-input tree over ``leaves`` leaves (at least one)."""
    return max(1, (leaves - 1).bit_length())


def settle_cycles(pinned: int, managed: int) -> int:
    """Cycles from stable inputs (line state and request) to a decision: the deepest scan tree, the
    victim's reader count one cycle after its tree."""
    return max(stages(pinned + managed), stages(pinned), stages(managed) + 1)


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

    # The four scans are trees of registered 2-input nodes, one level a cycle (``stages``): the
    # lookup over all lines (the line holding the requested tag), the first free pinned line, the
    # first free managed line, and the managed line with the largest key. A tree of ``2**S`` leaves
    # has its leaf pairs in ``*_lp`` (level 1) and its inner nodes in ``*_in`` (heap order, root 1).
    SL, SP, SM = stages(L), stages(P), stages(managed)
    HL, HP, HM = 1 << (SL - 1), 1 << (SP - 1), 1 << (SM - 1)   # nodes of level 1
    DS = settle_cycles(pinned, managed)
    # per-line updates loop over chunks of at most 64 lines (Verilator unrolls loops of up to 64
    # iterations); indices past the last line are wrapped into range and not used
    CH = min(L, 64)
    NCH = (L + CH - 1) // CH

    def flags(n):
        return [Signal(bool(0)) for _ in range(n)]

    def lines(n):
        return [Signal(intbv(0)[lw:]) for _ in range(n)]

    def keys(n):
        return [Signal(intbv(0)[kw:]) for _ in range(n)]

    lk_lp_f, lk_lp_i, pf_lp_f, pf_lp_i = flags(HL), lines(HL), flags(HP), lines(HP)
    mf_lp_f, mf_lp_i, vt_lp_k, vt_lp_i = flags(HM), lines(HM), keys(HM), lines(HM)
    if HL > 1:
        lk_in_f, lk_in_i = flags(HL), lines(HL)
    if HP > 1:
        pf_in_f, pf_in_i = flags(HP), lines(HP)
    if HM > 1:
        mf_in_f, mf_in_i, vt_in_k, vt_in_i = flags(HM), lines(HM), keys(HM), lines(HM)

    hit = Signal(bool(0))
    hit_line = Signal(intbv(0)[lw:])
    pin_free = Signal(bool(0))
    pin_line = Signal(intbv(0)[lw:])
    man_free = Signal(bool(0))
    man_line = Signal(intbv(0)[lw:])
    victim = Signal(intbv(P)[lw:])
    victim_busy = Signal(bool(0))
    settle = Signal(intbv(0, min=0, max=DS + 1))
    fresh = Signal(bool(0))
    choose = Signal(intbv(0)[lw:])
    miss = Signal(bool(0))
    usable = Signal(bool(0))
    fire = Signal(bool(0))
    w_valid = Signal(bool(0))
    w_line = Signal(intbv(0)[lw:])
    w_block = Signal(intbv(0)[tag_bits:])
    w_nu = Signal(intbv(0)[nw:])
    w_miss = Signal(bool(0))

    # Level 1 of each tree: leaf pairs read from the line state. Leaf indices past the tree's
    # lines are padding (never chosen); their state reads are wrapped into range and not used.
    @always(clk.posedge)
    def lookup_leaves():
        la = intbv(0)[lw + 2:]
        lb = intbv(1)[lw + 2:]
        for n in range(HL):
            if 2 * n < L and lv[(2 * n) % L] and tag[(2 * n) % L] == req_block:
                lk_lp_f[n].next = True
                lk_lp_i[n].next = la[lw:]
            elif 2 * n + 1 < L and lv[(2 * n + 1) % L] and tag[(2 * n + 1) % L] == req_block:
                lk_lp_f[n].next = True
                lk_lp_i[n].next = lb[lw:]
            else:
                lk_lp_f[n].next = False
                lk_lp_i[n].next = la[lw:]
            la[:] = la + 2
            lb[:] = lb + 2

    @always(clk.posedge)
    def free_pinned_leaves():
        la = intbv(0)[lw + 2:]
        lb = intbv(1)[lw + 2:]
        for n in range(HP):
            if 2 * n < P and not lv[(2 * n) % L]:
                pf_lp_f[n].next = True
                pf_lp_i[n].next = la[lw:]
            elif 2 * n + 1 < P and not lv[(2 * n + 1) % L]:
                pf_lp_f[n].next = True
                pf_lp_i[n].next = lb[lw:]
            else:
                pf_lp_f[n].next = False
                pf_lp_i[n].next = la[lw:]
            la[:] = la + 2
            lb[:] = lb + 2

    @always(clk.posedge)
    def free_managed_leaves():
        la = intbv(P)[lw + 2:]
        lb = intbv(P + 1)[lw + 2:]
        for n in range(HM):
            if P + 2 * n < L and not lv[(P + 2 * n) % L]:
                mf_lp_f[n].next = True
                mf_lp_i[n].next = la[lw:]
            elif P + 2 * n + 1 < L and not lv[(P + 2 * n + 1) % L]:
                mf_lp_f[n].next = True
                mf_lp_i[n].next = lb[lw:]
            else:
                mf_lp_f[n].next = False
                mf_lp_i[n].next = la[lw:]
            la[:] = la + 2
            lb[:] = lb + 2

    # Ties go to the lower line (the left leaf), as in a linear scan for the first largest key;
    # a padding leaf has key 0 and is always on the right, so it never wins.
    @always(clk.posedge)
    def victim_leaves():
        la = intbv(P)[lw + 2:]
        lb = intbv(P + 1)[lw + 2:]
        ka = intbv(0)[kw:]
        kb = intbv(0)[kw:]
        for n in range(HM):
            ka[:] = concat(nu[(P + 2 * n) % L], tag[(P + 2 * n) % L])
            kb[:] = concat(nu[(P + 2 * n + 1) % L], tag[(P + 2 * n + 1) % L])
            if P + 2 * n + 1 < L and kb > ka:
                vt_lp_k[n].next = kb
                vt_lp_i[n].next = lb[lw:]
            elif P + 2 * n < L:
                vt_lp_k[n].next = ka
                vt_lp_i[n].next = la[lw:]
            else:
                vt_lp_k[n].next = 0
                vt_lp_i[n].next = la[lw:]
            la[:] = la + 2
            lb[:] = lb + 2

    # Inner levels: node n (1 .. H-1, heap order) combines nodes 2n and 2n+1, which are level-1
    # nodes (2n - H in *_lp) from 2n >= H on. Node 0 of *_in is unused.
    if HL > 1:
        @always(clk.posedge)
        def lookup_inner():
            for n in range(1, HL):
                if 2 * n >= HL:
                    if lk_lp_f[(2 * n) % HL]:
                        lk_in_f[n].next = True
                        lk_in_i[n].next = lk_lp_i[(2 * n) % HL]
                    else:
                        lk_in_f[n].next = lk_lp_f[(2 * n + 1) % HL]
                        lk_in_i[n].next = lk_lp_i[(2 * n + 1) % HL]
                elif lk_in_f[(2 * n) % HL]:
                    lk_in_f[n].next = True
                    lk_in_i[n].next = lk_in_i[(2 * n) % HL]
                else:
                    lk_in_f[n].next = lk_in_f[(2 * n + 1) % HL]
                    lk_in_i[n].next = lk_in_i[(2 * n + 1) % HL]

    if HP > 1:
        @always(clk.posedge)
        def free_pinned_inner():
            for n in range(1, HP):
                if 2 * n >= HP:
                    if pf_lp_f[(2 * n) % HP]:
                        pf_in_f[n].next = True
                        pf_in_i[n].next = pf_lp_i[(2 * n) % HP]
                    else:
                        pf_in_f[n].next = pf_lp_f[(2 * n + 1) % HP]
                        pf_in_i[n].next = pf_lp_i[(2 * n + 1) % HP]
                elif pf_in_f[(2 * n) % HP]:
                    pf_in_f[n].next = True
                    pf_in_i[n].next = pf_in_i[(2 * n) % HP]
                else:
                    pf_in_f[n].next = pf_in_f[(2 * n + 1) % HP]
                    pf_in_i[n].next = pf_in_i[(2 * n + 1) % HP]

    if HM > 1:
        @always(clk.posedge)
        def free_managed_inner():
            for n in range(1, HM):
                if 2 * n >= HM:
                    if mf_lp_f[(2 * n) % HM]:
                        mf_in_f[n].next = True
                        mf_in_i[n].next = mf_lp_i[(2 * n) % HM]
                    else:
                        mf_in_f[n].next = mf_lp_f[(2 * n + 1) % HM]
                        mf_in_i[n].next = mf_lp_i[(2 * n + 1) % HM]
                elif mf_in_f[(2 * n) % HM]:
                    mf_in_f[n].next = True
                    mf_in_i[n].next = mf_in_i[(2 * n) % HM]
                else:
                    mf_in_f[n].next = mf_in_f[(2 * n + 1) % HM]
                    mf_in_i[n].next = mf_in_i[(2 * n + 1) % HM]

    if HM > 1:
        @always(clk.posedge)
        def victim_inner():
            for n in range(1, HM):
                if 2 * n >= HM:
                    if vt_lp_k[(2 * n + 1) % HM] > vt_lp_k[(2 * n) % HM]:
                        vt_in_k[n].next = vt_lp_k[(2 * n + 1) % HM]
                        vt_in_i[n].next = vt_lp_i[(2 * n + 1) % HM]
                    else:
                        vt_in_k[n].next = vt_lp_k[(2 * n) % HM]
                        vt_in_i[n].next = vt_lp_i[(2 * n) % HM]
                elif vt_in_k[(2 * n + 1) % HM] > vt_in_k[(2 * n) % HM]:
                    vt_in_k[n].next = vt_in_k[(2 * n + 1) % HM]
                    vt_in_i[n].next = vt_in_i[(2 * n + 1) % HM]
                else:
                    vt_in_k[n].next = vt_in_k[(2 * n) % HM]
                    vt_in_i[n].next = vt_in_i[(2 * n) % HM]

    if HL == 1:
        @always_comb
        def lookup_root():
            hit.next = lk_lp_f[0]
            hit_line.next = lk_lp_i[0]
    else:
        @always_comb
        def lookup_root():
            hit.next = lk_in_f[1]
            hit_line.next = lk_in_i[1]

    if HP == 1:
        @always_comb
        def free_pinned_root():
            pin_free.next = pf_lp_f[0]
            pin_line.next = pf_lp_i[0]
    else:
        @always_comb
        def free_pinned_root():
            pin_free.next = pf_in_f[1]
            pin_line.next = pf_in_i[1]

    if HM == 1:
        @always_comb
        def managed_roots():
            man_free.next = mf_lp_f[0]
            man_line.next = mf_lp_i[0]
            victim.next = vt_lp_i[0]
    else:
        @always_comb
        def managed_roots():
            man_free.next = mf_in_f[1]
            man_line.next = mf_in_i[1]
            victim.next = vt_in_i[1]

    # The victim's readers, one cycle after the victim root: counts only fall while nothing is
    # decided (a reader is added by a decision), so a zero read a cycle ago is still zero.
    @always(clk.posedge)
    def victim_state():
        victim_busy.next = pend[victim] != 0

    # The trees' inputs (line state and request) are stable from ``settle = 0`` on: a decision and
    # its write, or no request, start the count again. The roots are current at ``settle = DS``.
    @always(clk.posedge)
    def settling():
        if rst or fire or w_valid or not req_valid:
            settle.next = 0
        elif settle < DS:
            settle.next = settle + 1

    @always_comb
    def freshness():
        fresh.next = settle == DS

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
        req_ready.next = room and usable and fresh and not w_valid and not rst
        fire.next = req_valid and room and usable and fresh and not w_valid and not rst
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

    # Line flags, each bit from its own decode (a write's line, a fill's line): a write wins over a
    # fill of the same line.
    @always(clk.posedge)
    def state():
        n = intbv(0)[lw + 1:]
        if rst:
            lv.next = 0
            loading.next = 0
        else:
            for c in range(NCH):
                for j in range(CH):
                    if c * CH + j < L:
                        if w_valid and w_line == n[lw:]:
                            lv.next[(c * CH + j) % L] = 1
                            if w_miss:
                                loading.next[(c * CH + j) % L] = 1
                            elif fill_valid and fill_line == n[lw:]:
                                loading.next[(c * CH + j) % L] = 0
                        elif fill_valid and fill_line == n[lw:]:
                            loading.next[(c * CH + j) % L] = 0
                        n[:] = n + 1

    @always(clk.posedge)
    def memories():
        if w_valid:
            tag[w_line].next = w_block
            nu[w_line].next = w_nu

    # Reader counts per line, each updated from its own decode (no read-modify-write through a
    # line-indexed read): a write sets (miss) or counts up (hit), a retirement counts down, both on
    # one line leave a hit's count as it is.
    @always(clk.posedge)
    def readers():
        n = intbv(0)[lw + 1:]
        if not rst:
            for c in range(NCH):
                for j in range(CH):
                    if c * CH + j < L:
                        if w_valid and w_line == n[lw:]:
                            if w_miss:
                                pend[(c * CH + j) % L].next = 1
                            elif not (rel_valid and rel_line == n[lw:]):
                                pend[(c * CH + j) % L].next = pend[(c * CH + j) % L] + 1
                        elif rel_valid and rel_line == n[lw:]:
                            pend[(c * CH + j) % L].next = pend[(c * CH + j) % L] - 1
                        n[:] = n + 1

    return instances()
