"""AXI4-Lite control slave of the Vitis RTL kernel: ap_ctrl_hs, interrupts and kernel arguments.

Computes: the ``s_axi_control`` register file described by ``rtl/top/regmap.toml`` (its one
source, see :mod:`.regmap`). Argument words are presented to the kernel core on ``args``
(word ``i`` of ``RegisterMap.arg_words`` at bits ``[32 i + 31 : 32 i]``); the core's error code
comes in on ``status`` and reads back at the ``status`` offset.

ap_ctrl_hs (UG1393): the host writes CTRL bit 0 to raise ``ap_start``; it stays high until the
core pulses ``ap_ready`` (unless ``auto_restart``, CTRL bit 7, is set). ``ap_done`` and ``ap_ready``
pulses from the core are latched into CTRL bits 1 and 3 and cleared when CTRL is read; bit 2
reads the core's ``ap_idle``. With IER bit ``b`` set, the same events set ISR bit ``b`` (0: done,
1: ready); writing 1 to an ISR bit toggles it. ``interrupt = GIE and ISR != 0``.

AXI4-Lite: write address and write data are accepted independently (each ``*ready`` is high while
its holding register is empty); the write happens the cycle both are held and no write response is
pending, and ``bvalid`` then stays high until ``bready``. A read address is accepted while no read
response is pending; ``rdata`` is captured at the handshake and held with ``rvalid`` until
``rready``. Responses are always OKAY; unmapped offsets read 0 and ignore writes.

Latency: write response two cycles after both address and data are accepted (one to hold, one to
write); read data one cycle after the read address handshake.
"""

from __future__ import annotations

from myhdl import ConcatSignal, Signal, always_comb, always_seq, block, intbv

from .regmap import CTRL, GIE, IER, ISR, RegisterMap

KIND_NONE, KIND_CTRL, KIND_GIE, KIND_IER, KIND_ISR, KIND_ARG, KIND_STATUS = range(7)


def decode_roms(rm: RegisterMap) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Per word address (byte offset / 4): the register kind and the index within its bus."""
    n = 1 << (rm.addr_width - 2)
    kind, index = [KIND_NONE] * n, [0] * n
    fixed = {CTRL: KIND_CTRL, GIE: KIND_GIE, IER: KIND_IER, ISR: KIND_ISR}
    for w in rm.words:
        a = w.offset >> 2
        if w.access == "ctrl":
            kind[a] = fixed[w.offset]
        elif w.access == "rw":
            kind[a], index[a] = KIND_ARG, w.index
        else:
            kind[a], index[a] = KIND_STATUS, w.index
    return tuple(kind), tuple(index)


@block
def _arg_word(clk, rst, write, index, value, reg, my_index):
    """One argument register: reset to 0, loaded when ``write`` targets ``my_index``."""

    @always_seq(clk.posedge, reset=rst)
    def load():
        if write and index == my_index:
            reg.next = value

    return load


@block
def axil_control(clk, rst, s_axi_control, interrupt, ap_start, ap_done, ap_ready, ap_idle, args, status):
    rm = RegisterMap()
    aw = rm.addr_width
    for name, sig, width in (("s_axi_control_awaddr", s_axi_control.awaddr, aw),
                             ("s_axi_control_araddr", s_axi_control.araddr, aw),
                             ("s_axi_control_wdata", s_axi_control.wdata, 32),
                             ("s_axi_control_rdata", s_axi_control.rdata, 32),
                             ("s_axi_control_wstrb", s_axi_control.wstrb, 4),
                             ("args", args, rm.args_width), ("status", status, 32)):
        if len(sig) != width:
            raise ValueError(f"axil_control field '{name}' width = {len(sig)} is not allowed: must be {width}")
    if len(rm.status_words) != 1:
        raise ValueError(f"axil_control supports exactly one status word, the register map has {len(rm.status_words)}")

    kind_rom, index_rom = decode_roms(rm)
    n_args = len(rm.arg_words)
    iw = max(1, (n_args - 1).bit_length())

    # Argument registers: one 32-bit word each (reset to 0), packed onto the args bus.
    arg_regs = [Signal(intbv(0)[32:]) for _ in range(n_args)]
    args_bus = ConcatSignal(*reversed(arg_regs))

    # Write channel state.
    aw_hold = Signal(bool(0))
    aw_word = Signal(intbv(0)[aw - 2:])
    w_hold = Signal(bool(0))
    w_data = Signal(intbv(0)[32:])
    w_strb = Signal(intbv(0)[4:])
    b_valid = Signal(bool(0))
    do_write = Signal(bool(0))
    w_kind = Signal(intbv(0, min=0, max=8))
    w_index = Signal(intbv(0)[iw:])
    w_mask = Signal(intbv(0)[32:])
    w_merged = Signal(intbv(0)[32:])

    # Read channel state.
    r_valid = Signal(bool(0))
    r_data = Signal(intbv(0)[32:])
    ar_word = Signal(intbv(0)[aw - 2:])
    r_kind = Signal(intbv(0, min=0, max=8))
    r_index = Signal(intbv(0)[iw:])
    rd_value = Signal(intbv(0)[32:])
    do_read = Signal(bool(0))
    read_ctrl = Signal(bool(0))

    # ap_ctrl_hs and interrupt state.
    start_r = Signal(bool(0))
    done_r = Signal(bool(0))
    ready_r = Signal(bool(0))
    auto_restart = Signal(bool(0))
    gie = Signal(bool(0))
    ier = Signal(intbv(0)[2:])
    isr = Signal(intbv(0)[2:])

    @always_comb
    def handshakes():
        s_axi_control.awready.next = not aw_hold
        s_axi_control.wready.next = not w_hold
        s_axi_control.bvalid.next = b_valid
        s_axi_control.bresp.next = 0
        s_axi_control.arready.next = not r_valid
        s_axi_control.rvalid.next = r_valid
        s_axi_control.rdata.next = r_data
        s_axi_control.rresp.next = 0
        do_write.next = aw_hold and w_hold and not b_valid
        do_read.next = s_axi_control.arvalid and not r_valid
        ar_word.next = s_axi_control.araddr[aw:2]
        interrupt.next = gie and isr != 0
        ap_start.next = start_r
        args.next = args_bus

    @always_comb
    def decode():
        w_kind.next = kind_rom[aw_word]
        w_index.next = index_rom[aw_word]
        r_kind.next = kind_rom[ar_word]
        r_index.next = index_rom[ar_word]

    @always_comb
    def strobes():
        m = intbv(0)[32:]
        if w_strb[0]:
            m[8:0] = 0xFF
        if w_strb[1]:
            m[16:8] = 0xFF
        if w_strb[2]:
            m[24:16] = 0xFF
        if w_strb[3]:
            m[32:24] = 0xFF
        w_mask.next = m

    @always_comb
    def merge():
        w_merged.next = (arg_regs[w_index] & ~w_mask) | (w_data & w_mask)

    @always_comb
    def read_mux():
        v = intbv(0)[32:]
        if r_kind == KIND_CTRL:
            v[0] = start_r
            v[1] = done_r
            v[2] = ap_idle
            v[3] = ready_r
            v[7] = auto_restart
        elif r_kind == KIND_GIE:
            v[0] = gie
        elif r_kind == KIND_IER:
            v[2:0] = ier
        elif r_kind == KIND_ISR:
            v[2:0] = isr
        elif r_kind == KIND_ARG:
            v[:] = arg_regs[r_index]
        elif r_kind == KIND_STATUS:
            v[:] = status
        rd_value.next = v
        read_ctrl.next = do_read and r_kind == KIND_CTRL

    @always_seq(clk.posedge, reset=rst)
    def write_channel():
        if s_axi_control.awvalid and not aw_hold:
            aw_hold.next = True
            aw_word.next = s_axi_control.awaddr[aw:2]
        if s_axi_control.wvalid and not w_hold:
            w_hold.next = True
            w_data.next = s_axi_control.wdata
            w_strb.next = s_axi_control.wstrb
        if do_write:
            aw_hold.next = False
            w_hold.next = False
            b_valid.next = True
        elif b_valid and s_axi_control.bready:
            b_valid.next = False

    arg_write = Signal(bool(0))

    @always_comb
    def arg_write_enable():
        arg_write.next = do_write and w_kind == KIND_ARG

    words = [_arg_word(clk, rst, arg_write, w_index, w_merged, arg_regs[i], i) for i in range(n_args)]

    @always_seq(clk.posedge, reset=rst)
    def read_channel():
        if do_read:
            r_valid.next = True
            r_data.next = rd_value
        elif r_valid and s_axi_control.rready:
            r_valid.next = False

    @always_seq(clk.posedge, reset=rst)
    def control():
        ctrl_write = do_write and w_kind == KIND_CTRL and w_strb[0]
        # ap_start: set by the host, held until the core is ready (unless auto_restart).
        if ctrl_write and w_data[0]:
            start_r.next = True
        elif ap_ready and not auto_restart:
            start_r.next = False
        if ctrl_write:
            auto_restart.next = w_data[7]
        # ap_done / ap_ready: latched, cleared by a read of CTRL; a new event wins.
        if ap_done:
            done_r.next = True
        elif read_ctrl:
            done_r.next = False
        if ap_ready:
            ready_r.next = True
        elif read_ctrl:
            ready_r.next = False
        if do_write and w_kind == KIND_GIE and w_strb[0]:
            gie.next = w_data[0]
        if do_write and w_kind == KIND_IER and w_strb[0]:
            ier.next = w_data[2:0]
        # ISR: events set their bit (when enabled); a write of 1 toggles it.
        nxt = intbv(0)[2:]
        nxt[:] = isr
        if do_write and w_kind == KIND_ISR and w_strb[0]:
            nxt[:] = nxt ^ w_data[2:0]
        if ap_done and ier[0]:
            nxt[0] = True
        if ap_ready and ier[1]:
            nxt[1] = True
        isr.next = nxt

    return handshakes, decode, strobes, merge, read_mux, write_channel, arg_write_enable, words, read_channel, control
