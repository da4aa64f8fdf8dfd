"""A behavioural stand-in for ``sig_head`` (rtl/sig/head.py), MyHDL simulation only (it cannot convert).

Follows the agreed ``sig_head`` contract (ports, dense rule, golden pattern, ``reads_done``/``done``/
``err``/``query_aware`` timing) so the kernel top level can be simulated on MyHDL before the real SIG
head exists: on ``start`` it reads the head's Q (all of it: the query-aware pooled selection needs every row's block sum) through
``m_axi_q`` and all of K
through ``m_axi_k`` (one burst per block, one burst at a time), computes the golden
``fixed_head_pattern`` -> ``build_lists`` -> ``liveness.annotate`` from the integers it read, and
emits the access beats (``liveness_beat``) on ``m_*``. Dense heads read nothing.
"""

from __future__ import annotations

import math

import numpy as np
from myhdl import always, block

from fast_prefill.rtl.sig.formats import liveness_beat
from fast_prefill.verify.golden.block_lists import build_lists
from fast_prefill.verify.golden.fixed_point import (FixedPointConfig, HeadInts, fixed_head_pattern,
                                                    js_threshold, score_multiplier)
from fast_prefill.verify.golden.float_ref import FlexPrefillParams
from fast_prefill.verify.golden.liveness import annotate


def tau_of_threshold(th: int, fx: FixedPointConfig) -> float:
    """A tau whose golden ``js_threshold`` is ``th`` (checked)."""
    tau = math.sqrt(th * math.log(2) / 2 / 2.0 ** (fx.acc_frac + fx.log_frac))
    if js_threshold(tau, fx) != th:
        raise ValueError(f"tau_threshold {th} is not a js_threshold of any tau")
    return tau


def scales_of(mult: int, shift: int, fx: FixedPointConfig) -> tuple[float, float]:
    """Scales (s_q, s_k) whose golden score multiplier is ``(mult, shift)`` (checked)."""
    sq = mult / 2.0 ** shift * math.sqrt(fx.head_dim) / math.log2(math.e)
    if score_multiplier(sq * math.log2(math.e) / math.sqrt(fx.head_dim), fx) != (mult, shift):
        raise ValueError(f"(mult, shift) = {(mult, shift)} is not a golden score multiplier")
    return sq, 1.0


def pattern_beats(q_rows, k, nb, mult, shift, gamma, tau_th, min_blocks, max_blocks, fx, max_seq_blocks):
    """``(beats, query_aware)`` of one head as the SIG head must produce them."""
    B, D = fx.block_size, fx.head_dim
    n = nb * B
    sq, sk = scales_of(mult, shift, fx)
    q = np.asarray(q_rows, np.int64)
    params = FlexPrefillParams(block_size=B, gamma=gamma / 65536, tau=tau_of_threshold(tau_th, fx),
                               min_budget=min_blocks * B, max_budget=max_blocks * B, budget_divisor=128)
    pat = fixed_head_pattern(HeadInts(q, k, None, sq, sk, 1.0), params, fx)
    lists = build_lists(pat)
    acc = annotate(lists)
    beats = []
    for i, a in enumerate(acc):
        last = i == len(acc) - 1 or acc[i + 1].row != a.row
        beats.append(liveness_beat(a.row, a.block, last, last and a.row == nb - 1, a.next_use, a.pinnable,
                                   max_seq_blocks))
    return beats, bool(pat.query_aware)


def _int8_rows(words: list[int], wbytes: int, D: int) -> np.ndarray:
    raw = b"".join(w.to_bytes(wbytes, "little") for w in words)
    return np.frombuffer(raw, np.int8).astype(np.int64).reshape(-1, D)


@block
def sig_standin(clk, rst, start, nb, q_base, k_base, mult, shift, gamma, min_blocks, max_blocks, tau_th,
                m_axi_q_arvalid, m_axi_q_arready, m_axi_q_araddr, m_axi_q_arlen, m_axi_q_arsize,
                m_axi_q_arburst, m_axi_q_arid, m_axi_q_rvalid, m_axi_q_rready, m_axi_q_rdata,
                m_axi_q_rresp, m_axi_q_rlast, m_axi_q_rid,
                m_axi_k_arvalid, m_axi_k_arready, m_axi_k_araddr, m_axi_k_arlen, m_axi_k_arsize,
                m_axi_k_arburst, m_axi_k_arid, m_axi_k_rvalid, m_axi_k_rready, m_axi_k_rdata,
                m_axi_k_rresp, m_axi_k_rlast, m_axi_k_rid,
                m_valid, m_ready, m_data, busy, reads_done, done, err, query_aware,
                block_size=8, head_dim=8, max_seq_len=1024, **_sig_head_only):
    fx = FixedPointConfig(block_size=block_size, head_dim=head_dim, max_seq_len=max_seq_len)
    B, D = block_size, head_dim
    wbytes = len(m_axi_q_rdata) // 8
    blk_beats = B * D // wbytes
    max_seq_blocks = max_seq_len // B
    ports = {"q": (m_axi_q_arvalid, m_axi_q_arready, m_axi_q_araddr, m_axi_q_arlen, m_axi_q_arsize,
                   m_axi_q_arburst, m_axi_q_arid, m_axi_q_rvalid, m_axi_q_rready, m_axi_q_rdata, m_axi_q_rresp,
                   m_axi_q_rlast),
             "k": (m_axi_k_arvalid, m_axi_k_arready, m_axi_k_araddr, m_axi_k_arlen, m_axi_k_arsize,
                   m_axi_k_arburst, m_axi_k_arid, m_axi_k_rvalid, m_axi_k_rready, m_axi_k_rdata, m_axi_k_rresp,
                   m_axi_k_rlast)}
    st = {"state": "idle"}

    def finish_reads():
        n = st["nb"] * B
        qr = _int8_rows(st["data"]["q"], wbytes, D)
        kk = _int8_rows(st["data"]["k"], wbytes, D)
        assert qr.shape == (n, D) and kk.shape == (n, D)
        st["beats"], st["qa"] = pattern_beats(qr, kk, st["nb"], *st["args"], fx, max_seq_blocks)

    def begin_emit():
        st["i"] = 0
        st["state"] = "emit"
        reads_done.next = True
        m_valid.next = True
        m_data.next = st["beats"][0]

    def issue(nxt):
        port, addr = nxt
        p = ports[port]
        p[0].next = True
        p[2].next = addr
        p[3].next = blk_beats - 1
        p[4].next = wbytes.bit_length() - 1
        p[5].next = 1
        p[6].next = 0
        st["cur"] = port
        st["state"] = "ar"

    @always(clk.posedge)
    def run():
        if rst:
            st["state"] = "idle"
            for p in ports.values():
                p[0].next = False
                p[8].next = False
            m_valid.next = False
            busy.next = reads_done.next = done.next = err.next = query_aware.next = False
            return
        done.next = False
        for p in ports.values():
            p[8].next = True                                 # RREADY always high
        s = st["state"]
        if s == "idle":
            if start:
                nbv = int(nb)
                st.update(nb=nbv, args=(int(mult), int(shift), int(gamma), int(tau_th), int(min_blocks),
                                        int(max_blocks)), data={"q": [], "k": []})
                busy.next = True
                reads_done.next = False
                err.next = False
                dense = nbv <= max(2, int(min_blocks))
                if dense:
                    st["beats"], st["qa"] = pattern_beats(np.zeros((nbv * B, D), np.int64), np.zeros((nbv * B, D), np.int64),
                                                          nbv, *st["args"], fx, max_seq_blocks)
                    begin_emit()
                else:
                    qb, kb = int(q_base), int(k_base)
                    st["todo"] = [("q", qb + j * B * D) for j in range(nbv)] + [("k", kb + j * B * D) for j in range(nbv)]
                    issue(st["todo"].pop(0))
        elif s == "ar":
            p = ports[st["cur"]]
            if p[0] and p[1]:
                p[0].next = False
                st["state"] = "r"
        elif s == "r":
            p = ports[st["cur"]]
            if p[7] and p[8]:
                st["data"][st["cur"]].append(int(p[9]))
                if int(p[10]) != 0:
                    err.next = True
                if p[11]:
                    if st["todo"]:
                        issue(st["todo"].pop(0))
                    else:
                        finish_reads()
                        begin_emit()
        elif s == "emit":
            if m_valid and m_ready:
                st["i"] += 1
                if st["i"] == len(st["beats"]):
                    m_valid.next = False
                    done.next = True
                    busy.next = False
                    query_aware.next = st["qa"]
                    st["state"] = "idle"
                else:
                    m_data.next = st["beats"][st["i"]]

    return run
