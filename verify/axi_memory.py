"""A Python AXI4 read slave (memory model) for MyHDL test benches, with a rule checker.

:func:`axi_read_slave` answers the ``m_axi_ar*``/``m_axi_r*`` ports of a read master from an
:class:`AxiMemory` and is driven by the same clock as the block under test (MyHDL model or its
Verilog under Icarus). It is adversarial on purpose, all from one seeded ``random.Random``:

* ARREADY is low at random (``ar_stall``), so ARVALID must be held with a stable address;
* each accepted burst becomes visible only after a random latency in ``[0, max_latency]`` cycles;
* RVALID has random gaps (``r_gap``) inside and between bursts; bursts of one ID return in order;
  with ``interleave``, bursts of different IDs return interleaved beat by beat in random order
  (AXI4 A5.3: only bursts of the same ID are ordered);
* bursts whose address is in ``error_bursts`` return RRESP = SLVERR (2) on every beat.

It records every burst (address, length) and checks the master's side of the protocol: ARVALID held
and AR fields stable until ARREADY, INCR bursts of the configured size that never cross 4 KiB,
the number of bursts in flight, and that RREADY is high whenever a beat is offered for a burst in
flight. Violations are collected as strings in :attr:`AxiLog.violations`.
"""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass, field

from myhdl import always

SLVERR = 2


class AxiMemory:
    """Word-addressed contents: ``word(addr)`` for an ``width``-bit aligned word at byte ``addr``.

    The default contents are a fixed hash of the address, so any word read from the wrong place
    shows up; ``words`` overrides single words.
    """

    def __init__(self, width: int, words: dict[int, int] | None = None, seed: int = 0):
        self.width = width
        self.bytes = width // 8
        self.mask = (1 << width) - 1
        self.words = dict(words or {})
        self.seed = seed

    def word(self, addr: int) -> int:
        if addr in self.words:
            return self.words[addr]
        x = (addr * 0x9E3779B97F4A7C15 + self.seed * 0xD1B54A32D192ED03) & ((1 << 64) - 1)
        out = 0
        for i in range(0, self.width, 64):
            x ^= x >> 29
            x = (x * 0xBF58476D1CE4E5B9 + i + 1) & ((1 << 64) - 1)
            out |= (x ^ (x >> 31)) << i
        return out & self.mask


@dataclass
class AxiLog:
    bursts: list[tuple[int, int]] = field(default_factory=list)   # (address, beats) accepted
    beats: int = 0                                                 # R beats accepted by the master
    max_in_flight: int = 0
    violations: list[str] = field(default_factory=list)
    beat_bytes: int = 0

    @property
    def bytes_read(self) -> int:
        return sum(n for _, n in self.bursts) * self.beat_bytes


def axi_read_slave(clk, rst, ports: dict, mem: AxiMemory, rng: random.Random, log: AxiLog,
                   max_latency: int = 8, r_gap: float = 0.3, ar_stall: float = 0.3,
                   error_bursts: frozenset = frozenset(), axi_id: int | frozenset | None = None,
                   max_outstanding: int | None = None, interleave: bool = False):
    """The slave as a MyHDL generator on ``ports`` (keys ``m_axi_ar*``, ``m_axi_r*``). ``axi_id``:
    the ARID (or the set of ARIDs) the masters may use; ``max_outstanding``: bursts in flight per ID."""
    ids = None if axi_id is None else frozenset([axi_id] if isinstance(axi_id, int) else axi_id)
    arvalid, arready, araddr = ports["m_axi_arvalid"], ports["m_axi_arready"], ports["m_axi_araddr"]
    arlen, arsize, arburst, arid = ports["m_axi_arlen"], ports["m_axi_arsize"], ports["m_axi_arburst"], ports["m_axi_arid"]
    rvalid, rready, rdata = ports["m_axi_rvalid"], ports["m_axi_rready"], ports["m_axi_rdata"]
    rresp, rlast, rid = ports["m_axi_rresp"], ports["m_axi_rlast"], ports["m_axi_rid"]
    beat_bytes = len(rdata) // 8
    log.beat_bytes = beat_bytes
    size_code = beat_bytes.bit_length() - 1
    st = {"cycle": 0, "pending": deque(), "cur": None, "held_ar": None, "in_flight": {}, "offered": None}

    @always(clk.posedge)
    def slave():
        c = st["cycle"]
        st["cycle"] += 1
        if rst:
            arready.next = False
            rvalid.next = False
            st.update(pending=deque(), cur=None, held_ar=None, in_flight={}, offered=None)
            return
        # ---- AR channel (values sampled before this edge) ----
        fields = (int(araddr), int(arlen), int(arsize), int(arburst), int(arid))
        if st["held_ar"] is not None:
            if not arvalid:
                log.violations.append(f"cycle {c}: ARVALID dropped before ARREADY")
            elif fields != st["held_ar"]:
                log.violations.append(f"cycle {c}: AR fields changed while ARVALID waited: {st['held_ar']} -> {fields}")
        if arvalid and arready:
            addr, ln, size, burst, bid = fields
            n = ln + 1
            if burst != 1 or size != size_code:
                log.violations.append(f"cycle {c}: burst type {burst} size {size}: expected INCR of {beat_bytes}-byte beats")
            if addr % beat_bytes or (addr // 4096) != ((addr + n * beat_bytes - 1) // 4096):
                log.violations.append(f"cycle {c}: burst at {addr:#x} of {n} beats is unaligned or crosses 4 KiB")
            if ids is not None and bid not in ids:
                log.violations.append(f"cycle {c}: ARID {bid} not in {sorted(ids)}")
            log.bursts.append((addr, n))
            st["pending"].append([addr, n, 0, c + 1 + rng.randint(0, max_latency), bid])
            fl = st["in_flight"][bid] = st["in_flight"].get(bid, 0) + 1
            log.max_in_flight = max(log.max_in_flight, fl)
            if max_outstanding is not None and fl > max_outstanding:
                log.violations.append(f"cycle {c}: {fl} bursts of ID {bid} in flight > {max_outstanding}")
            st["held_ar"] = None
        elif arvalid:
            st["held_ar"] = fields
        else:
            st["held_ar"] = None
        arready.next = rng.random() >= ar_stall
        # ---- R channel ----
        if rvalid:
            if rready:
                log.beats += 1
                b = st["offered"]
                b[2] += 1
                if b[2] == b[1]:
                    st["pending"].remove(b)
                    st["in_flight"][b[4]] -= 1
            else:
                log.violations.append(f"cycle {c}: RREADY low while a beat of a burst in flight was offered")
                return  # hold the beat: RVALID and RDATA stay unchanged
        # the oldest burst of each ID is a candidate once its latency has passed
        heads, seen = [], set()
        for e in st["pending"]:
            if e[4] not in seen:
                seen.add(e[4])
                if e[3] <= c:
                    heads.append(e)
            if not interleave:
                break
        if heads and rng.random() >= r_gap:
            b = st["offered"] = rng.choice(heads) if interleave else heads[0]
            addr, n, k, _, bid = b
            rvalid.next = True
            rdata.next = mem.word(addr + k * beat_bytes)
            rlast.next = k == n - 1
            rresp.next = SLVERR if addr in error_bursts else 0
            rid.next = bid
        else:
            rvalid.next = False

    return slave
