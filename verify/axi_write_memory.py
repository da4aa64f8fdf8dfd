"""A Python AXI4 write slave (memory model) for MyHDL test benches, with a rule checker.

:func:`axi_write_slave` answers ``m_axi_aw*``/``m_axi_w*``/``m_axi_b*`` ports of a write master and
stores every beat into an :class:`~fast_prefill.verify.axi_memory.AxiMemory` (``mem.words``). It is
adversarial, from one seeded ``random.Random``: AWREADY and WREADY are low at random, each burst's
response comes after a random latency, and bursts at addresses in ``error_bursts`` answer
BRESP = SLVERR.

It checks the master's side: AWVALID/WVALID held and AW fields / WDATA / WLAST stable until ready;
INCR bursts of the port's beat size that never cross 4 KiB; WLAST exactly on each burst's last beat;
W beats only for bursts whose address was accepted; no more than ``max_outstanding`` bursts
without a response. Violations are collected in :attr:`WriteLog.violations`.
"""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass, field

from myhdl import always

from .axi_memory import SLVERR, AxiMemory


@dataclass
class WriteLog:
    bursts: list[tuple[int, int]] = field(default_factory=list)
    beats: int = 0
    responses: int = 0
    violations: list[str] = field(default_factory=list)


def axi_write_slave(clk, rst, ports: dict, mem: AxiMemory, rng: random.Random, log: WriteLog,
                    max_latency: int = 6, aw_stall: float = 0.3, w_stall: float = 0.3,
                    error_bursts: frozenset = frozenset(), max_outstanding: int | None = None):
    p = {k[len("m_axi_"):]: v for k, v in ports.items() if k.startswith("m_axi_")}
    beat_bytes = len(p["wdata"]) // 8
    size_code = beat_bytes.bit_length() - 1
    st = {"cycle": 0, "bursts": deque(), "responses": deque(), "held_aw": None, "held_w": None,
          "open": 0, "b_busy": False}

    @always(clk.posedge)
    def slave():
        c = st["cycle"]
        st["cycle"] += 1
        if rst:
            p["awready"].next = False
            p["wready"].next = False
            p["bvalid"].next = False
            st.update(bursts=deque(), responses=deque(), held_aw=None, held_w=None, open=0, b_busy=False)
            return
        aw = (int(p["awaddr"]), int(p["awlen"]), int(p["awsize"]), int(p["awburst"]), int(p["awid"]))
        if st["held_aw"] is not None and (not p["awvalid"] or aw != st["held_aw"]):
            log.violations.append(f"cycle {c}: AWVALID dropped or AW fields changed before AWREADY")
        if p["awvalid"] and p["awready"]:
            addr, ln, size, burst, bid = aw
            n = ln + 1
            if burst != 1 or size != size_code:
                log.violations.append(f"cycle {c}: burst type {burst} size {size}: expected INCR of {beat_bytes}-byte beats")
            if addr % beat_bytes or addr // 4096 != (addr + n * beat_bytes - 1) // 4096:
                log.violations.append(f"cycle {c}: burst at {addr:#x} of {n} beats is unaligned or crosses 4 KiB")
            log.bursts.append((addr, n))
            st["bursts"].append([addr, n, 0, bid])
            st["open"] += 1
            if max_outstanding is not None and st["open"] > max_outstanding:
                log.violations.append(f"cycle {c}: {st['open']} bursts without a response > {max_outstanding}")
            st["held_aw"] = None
        else:
            st["held_aw"] = aw if p["awvalid"] else None
        w = (int(p["wdata"]), int(p["wstrb"]), bool(p["wlast"]))
        if st["held_w"] is not None and (not p["wvalid"] or w != st["held_w"]):
            log.violations.append(f"cycle {c}: WVALID dropped or W fields changed before WREADY")
        if p["wvalid"] and p["wready"]:
            st["held_w"] = None
            if not st["bursts"]:
                log.violations.append(f"cycle {c}: W beat before its burst address")
            else:
                b = st["bursts"][0]
                addr = b[0] + b[2] * beat_bytes
                data, strb, last = w
                old = mem.word(addr)
                mask = sum(0xFF << (8 * i) for i in range(beat_bytes) if strb >> i & 1)
                mem.words[addr] = (old & ~mask) | (data & mask)
                log.beats += 1
                b[2] += 1
                if last != (b[2] == b[1]):
                    log.violations.append(f"cycle {c}: WLAST={int(last)} on beat {b[2]} of a {b[1]}-beat burst")
                if b[2] == b[1]:
                    st["bursts"].popleft()
                    resp = SLVERR if b[0] in error_bursts else 0
                    st["responses"].append((c + 1 + rng.randint(0, max_latency), resp, b[3]))
        else:
            st["held_w"] = w if p["wvalid"] else None
        p["awready"].next = rng.random() >= aw_stall
        p["wready"].next = rng.random() >= w_stall
        # B channel: one response at a time, held until BREADY.
        if st["b_busy"]:
            if p["bready"]:
                st["b_busy"] = False
                st["open"] -= 1
                log.responses += 1
            else:
                return
        if st["responses"] and st["responses"][0][0] <= c:
            _, resp, bid = st["responses"].popleft()
            p["bvalid"].next = True
            p["bresp"].next = resp
            p["bid"].next = bid
            st["b_busy"] = True
        else:
            p["bvalid"].next = False

    return slave
