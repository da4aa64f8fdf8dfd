"""The AXI address of the KV cache fill's current burst (a sub-block of ``kvc_axi_read_master``).

``next_addr = base + block * 2^lb_half_bytes + i * 2^lb_burst_bytes``: ``base`` is ``v_base`` when
the top bit of the burst index ``c_burst`` is set (a V burst), else ``k_base``; ``i`` is the burst
index inside its half (the low bits of ``c_burst``). The block and burst fields do not overlap, so
the offset is their OR; the sum is added in two registered halves (the low half with its carry,
then the high half: no adder wider than ``aw / 2`` bits in one cycle), so ``next_addr`` is valid
two edges after its operands settle (the parent waits ``ADDR_CYCLES``).
"""

from __future__ import annotations

from myhdl import Signal, always, always_comb, block, concat, intbv, modbv


@block
def kvc_burst_address(clk, c_block, c_burst, k_base, v_base, next_addr, lb_half_bytes=0, lb_burst_bytes=0):
    aw, tag_bits, bw = len(next_addr), len(c_block), len(c_burst)
    lb_hb = bw - 1                                   # bits of the burst index inside a half
    LO = aw // 2
    off = Signal(intbv(0)[aw:])
    addr_lo = Signal(intbv(0)[LO + 1:])
    addr_hi = Signal(modbv(0)[aw - LO:])
    block_off = Signal(intbv(0)[aw:])
    burst_off = Signal(intbv(0)[aw:])

    PAD_HI = aw - tag_bits - lb_half_bytes
    if lb_half_bytes == 0:
        @always_comb
        def address():
            block_off.next = concat(intbv(0)[PAD_HI:], c_block)
    else:
        PAD_LO = lb_half_bytes

        @always_comb
        def address():
            block_off.next = concat(intbv(0)[PAD_HI:], c_block, intbv(0)[PAD_LO:])

    BO_HI = aw - lb_hb - lb_burst_bytes
    BO_LO = lb_burst_bytes
    insts = [address]
    if lb_hb == 0:   # one burst per half: the burst index is just K (0) or V (1)
        @always_comb
        def address_offset():
            off.next = block_off

        insts.append(address_offset)
    else:
        @always_comb
        def address_burst():
            burst_off.next = concat(intbv(0)[BO_HI:], c_burst[lb_hb:], intbv(0)[BO_LO:])

        @always_comb
        def address_offset():   # the block and burst fields do not overlap: a sum without carries
            off.next = block_off | burst_off

        insts += [address_burst, address_offset]

    # base + offset in two registered halves (the operands are stable while the parent waits: the
    # bases during a head, the command until its last AR handshake)
    @always(clk.posedge)
    def address_low():
        if c_burst[bw - 1]:
            addr_lo.next = concat(False, v_base[LO:]) + concat(False, off[LO:])
        else:
            addr_lo.next = concat(False, k_base[LO:]) + concat(False, off[LO:])

    @always(clk.posedge)
    def address_high():
        if c_burst[bw - 1]:
            addr_hi.next = v_base[aw:LO] + off[aw:LO] + concat(intbv(0)[aw - LO - 1:], addr_lo[LO])
        else:
            addr_hi.next = k_base[aw:LO] + off[aw:LO] + concat(intbv(0)[aw - LO - 1:], addr_lo[LO])

    @always_comb
    def address_sum():
        next_addr.next = concat(addr_hi, addr_lo[LO:])

    return insts, address_low, address_high, address_sum
