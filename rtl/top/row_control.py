"""Row controller of the attention path: per head, one SAE row command, one Q read command and one
O write command for every query-block row ``r = 0 .. nb-1``, and ``done`` once every O write of the
head has its write response.

Computes, after a ``start`` pulse (taken only while idle; ``nb``, ``q_base``, ``o_base``, ``mult``,
``shift`` held stable while ``busy``):

* ``m_cmd`` (SAE ``s_cmd``): ``{row r, shift, mult}`` for ``r = 0 .. nb-1``;
* ``m_q`` (Q reader command): ``addr = q_base + r * q_row_bytes``, ``beats = q_beats``;
* ``m_o`` (O writer command): ``addr = o_base + r * o_row_bytes``, ``beats = o_beats``;
* ``done``: a one-cycle pulse the cycle after the ``nb``-th ``o_done`` (the writer's per-command
  done, which it raises only once every write response of the command has returned), once all
  ``nb`` SAE and Q commands have been taken too; ``busy`` falls with it.

The three command streams are independent (each its own row counter, each in row order), so a
slow consumer of one never blocks another: the Q reader may fetch row ``r + 1`` while the SAE still
works on row ``r``, and the O writer takes row ``r``'s command as soon as it has finished row
``r - 1``. Addresses are running sums (no multiplier).

Cycle behaviour: ``start`` at edge ``t`` raises ``busy`` and ``head_rst`` (one cycle: the kernel
resets the head's blocks with it); commands are valid from the cycle after ``head_rst`` on. With
``nb = 0`` the head is done at once (``done`` two cycles after ``start``).

Invariants (proved, ``verify/properties/top_row_control.sv``): the command streams obey the
valid/ready rules; each issues exactly ``nb`` commands per head with the addresses above;
``done`` only after ``nb`` commands of each kind and ``nb`` write completions; nothing is valid
while idle or during ``head_rst``.
"""

from __future__ import annotations

from myhdl import Signal, always_comb, always_seq, block, concat, intbv, modbv

from ..common.params import check_pow2


def _pow2(name, v, lo, hi):
    check_pow2("top_row_control", name, v, lo, hi)


@block
def top_row_control(clk, rst, start, nb, q_base, o_base, mult, shift, m_cmd, m_q, m_o, o_done, busy, done, head_rst,
                    q_row_bytes=64, o_row_bytes=128, q_beats=8, o_beats=16):
    nw = len(nb)
    iw = nw - 1
    if iw < 1:
        raise ValueError(f"top_row_control field 'nb' width = {nw} is not allowed: must be >= 2")
    if len(m_cmd.data) != iw + len(shift) + len(mult):
        raise ValueError(f"top_row_control field 'm_cmd_data' width = {len(m_cmd.data)} is not allowed: "
                         f"must be {iw + len(shift) + len(mult)} (row, shift, mult)")
    _pow2("q_row_bytes", q_row_bytes, 1, 1 << 24)
    _pow2("o_row_bytes", o_row_bytes, 1, 1 << 24)
    for name, v, port in (("q_beats", q_beats, m_q.beats), ("o_beats", o_beats, m_o.beats)):
        if isinstance(v, bool) or not isinstance(v, int) or not 1 <= v < (1 << len(port)):
            raise ValueError(f"top_row_control field '{name}' = {v!r} is not allowed: must be in [1, {(1 << len(port)) - 1}]")
    aw = len(m_q.addr)
    if len(m_o.addr) != aw or len(q_base) != aw or len(o_base) != aw:
        raise ValueError(f"top_row_control field 'o_base' width = {len(o_base)} is not allowed: every address must have {aw} bits")

    busy_r = Signal(bool(0))
    head_r = Signal(bool(0))
    done_r = Signal(bool(0))
    n_cmd = Signal(intbv(0)[nw:])      # SAE row commands issued
    n_q = Signal(intbv(0)[nw:])        # Q read commands issued
    n_o = Signal(intbv(0)[nw:])        # O write commands issued
    n_done = Signal(intbv(0)[nw:])     # O write commands completed (writer done pulses)
    q_addr = Signal(modbv(0)[aw:])
    o_addr = Signal(modbv(0)[aw:])
    cmd_v = Signal(bool(0))
    q_v = Signal(bool(0))
    o_v = Signal(bool(0))
    row_f = Signal(intbv(0)[iw:])

    @always_comb
    def valids():
        go = busy_r and not head_r
        cmd_v.next = go and n_cmd < nb
        q_v.next = go and n_q < nb
        o_v.next = go and n_o < nb
        row_f.next = n_cmd[iw:]

    @always_comb
    def outputs():
        m_cmd.valid.next = cmd_v
        m_q.valid.next = q_v
        m_o.valid.next = o_v
        m_cmd.data.next = concat(row_f, shift, mult)
        m_q.addr.next = q_addr
        m_o.addr.next = o_addr
        m_q.beats.next = q_beats
        m_o.beats.next = o_beats
        busy.next = busy_r
        done.next = done_r
        head_rst.next = head_r

    @always_seq(clk.posedge, reset=rst)
    def control():
        done_r.next = False
        head_r.next = False
        if not busy_r:
            if start:
                busy_r.next = True
                head_r.next = True
                n_cmd.next = 0
                n_q.next = 0
                n_o.next = 0
                n_done.next = 0
                q_addr.next = q_base
                o_addr.next = o_base
        elif not head_r:
            if cmd_v and m_cmd.ready:
                n_cmd.next = n_cmd + 1
            if q_v and m_q.ready:
                n_q.next = n_q + 1
                q_addr.next = q_addr + q_row_bytes
            if o_v and m_o.ready:
                n_o.next = n_o + 1
                o_addr.next = o_addr + o_row_bytes
            if o_done and n_done < nb:
                n_done.next = n_done + 1
            if n_done == nb and n_cmd == nb and n_q == nb:
                busy_r.next = False
                done_r.next = True

    return valids, outputs, control
