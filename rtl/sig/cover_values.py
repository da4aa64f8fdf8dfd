"""The coverage count's value memory and its walks (a sub-block of ``sig_cover_count``).

``load_h`` (the header is taken) and ``load_v`` (a value is taken; ``in_last`` on the vector's last)
write the values at indices 0, 1, ...; each ``hist`` cycle (a histogram pass after the first) moves
the read index by one, back to 0 after the last value. ``v_mem`` is the registered read (block RAM
or UltraRAM, ``ram_deep``) of the index the walk moves to at that edge, so in a ``hist`` cycle it
holds the value at the walk's index; ``at_last`` says that index is the vector's last (registered);
``n_last`` is the last index of the vector loaded. The flags come from the parent's states, at most
one of them at a time. Latency: the registered read, one edge.

The first histogram pass runs with the load: ``v_hist`` is ``v_mem`` except in the cycle after a
value is taken (``on_ld``), when it is that value, registered; every value is a candidate in the
first pass, so the pass needs no read of the memory.
"""

from __future__ import annotations

from myhdl import Signal, always, always_comb, always_seq, block, intbv, modbv

from ..common.ram import ram_deep


@block
def cover_values(clk, rst, load_h, load_v, in_last, in_val, hist, v_hist, on_ld, at_last, n_last, max_n=8):
    iw = len(n_last)
    v_mem = Signal(intbv(0)[len(in_val):])
    v_in = Signal(intbv(0)[len(in_val):])
    idx = Signal(modbv(0)[iw:])
    idx_nx = Signal(modbv(0)[iw:])
    nl_m1 = Signal(modbv(0)[iw:])      # n_last - 1

    @always_comb
    def idx_next():
        # the value ``idx`` takes at the next edge: the address of the registered value read
        idx_nx.next = idx
        if rst or load_h:
            idx_nx.next = 0
        elif load_v:
            if in_last:
                idx_nx.next = 0
            else:
                idx_nx.next = idx + 1
        elif hist:
            if at_last:
                idx_nx.next = 0
            else:
                idx_nx.next = idx + 1

    @always(clk.posedge)
    def last_flag():
        # idx == n_last for the next idx: a histogram step moves idx to idx + 1 (or 0 after the
        # last); every histogram pass starts at idx 0, a cycle or more after n_last is set
        if hist:
            if at_last:
                at_last.next = n_last == 0
            else:
                at_last.next = idx == nl_m1
        else:
            at_last.next = n_last == 0

    @always_seq(clk.posedge, reset=rst)
    def walk():
        idx.next = idx_nx
        if load_v and in_last:
            n_last.next = idx
            nl_m1.next = idx - 1

    @always(clk.posedge)
    def load_reg():
        v_in.next = in_val
        on_ld.next = load_v

    @always_comb
    def value_src():
        v_hist.next = v_mem
        if on_ld:
            v_hist.next = v_in

    return (idx_next, last_flag, walk, load_reg, value_src,
            ram_deep(clk, load_v, idx, in_val, idx_nx, v_mem, depth=max_n, tag="values"))
