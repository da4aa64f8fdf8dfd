"""A Python AXI4-Lite master for test benches, with random channel timing.

:func:`axil_master` is a MyHDL block that executes a list of operations on an ``s_axi_control``
style port (``<prefix>_awvalid`` ... ``<prefix>_rresp``) and appends each result to ``results``:
``("w", offset, bresp)`` or ``("r", offset, rdata, rresp)``. Operations are
``("w", offset, data, strobe)``, ``("r", offset)`` and ``("wait", cycles)``.

Timing is drawn from ``delays`` (a list of small integers, used cyclically): the cycles before
``awvalid``, before ``wvalid`` (independently, so data may come before its address), and before
``bready``/``rready``. The master also checks the slave's side of the protocol and records every
breach in ``violations``: a response before its request, ``bvalid``/``rvalid`` dropped or
``rdata`` changed before the handshake, more responses than requests, and (with
``response_timeout``) an accepted request with no response within that many cycles.

Reset (``rst``, sampled at the clock edge, as AXI's ARESETn) abandons the operation in progress:
every VALID and READY of the master drops at once, ``("reset", *op)`` is appended to ``results``,
and the master goes on with the next operation once the reset is released.
"""

from __future__ import annotations

from myhdl import always, block, instance


class _Reset(Exception):
    """The bench's reset was sampled during an operation."""


@block
def axil_master(clk, rst, port: dict, prefix: str, ops: list, results: list, delays: list,
                violations: list, done: list, response_timeout: int = 0):
    p = {name[len(prefix) + 1:]: sig for name, sig in port.items() if name.startswith(prefix + "_")}
    delays = list(delays) or [0]
    state = {"d": 0}

    def delay():
        d = delays[state["d"] % len(delays)]
        state["d"] += 1
        return d

    def quiet():
        for name in ("awvalid", "wvalid", "bready", "arvalid", "rready"):
            p[name].next = False

    def edge():
        """One clock edge; raises _Reset when the reset is sampled there (AXI: the master's
        requests are dropped at once and the operation is abandoned)."""
        yield clk.posedge
        if rst:
            quiet()
            raise _Reset

    def await_response(valid: str, what: str):
        waited = 0
        while True:
            yield from edge()
            if p[valid]:
                return
            waited += 1
            if response_timeout and waited == response_timeout:
                violations.append(f"no {valid} within {response_timeout} cycles of an accepted {what}: "
                                  "the request was lost")

    def one(op):
        if op[0] == "wait":
            for _ in range(op[1]):
                yield from edge()
        elif op[0] == "w":
            _, offset, data, strobe = op
            aw_wait, w_wait, b_wait = delay(), delay(), delay()
            aw_done = w_done = False
            cycle = 0
            while not (aw_done and w_done):
                p["awvalid"].next = (not aw_done) and cycle >= aw_wait
                p["awaddr"].next = offset
                p["wvalid"].next = (not w_done) and cycle >= w_wait
                p["wdata"].next = data
                p["wstrb"].next = strobe
                yield from edge()
                if p["awvalid"] and p["awready"]:
                    aw_done = True
                if p["wvalid"] and p["wready"]:
                    w_done = True
                cycle += 1
            p["awvalid"].next = False
            p["wvalid"].next = False
            for _ in range(b_wait):
                yield from edge()
            p["bready"].next = True
            yield from await_response("bvalid", f"write of {offset:#x}")
            results.append(("w", offset, int(p["bresp"])))
            p["bready"].next = False
        elif op[0] == "r":
            offset = op[1]
            for _ in range(delay()):
                yield from edge()
            p["arvalid"].next = True
            p["araddr"].next = offset
            yield from edge()
            while not p["arready"]:
                yield from edge()
            p["arvalid"].next = False
            for _ in range(delay()):
                yield from edge()
            p["rready"].next = True
            yield from await_response("rvalid", f"read of {offset:#x}")
            results.append(("r", offset, int(p["rdata"]), int(p["rresp"])))
            p["rready"].next = False
        else:
            raise ValueError(f"axil_master op {op!r} is not allowed: must be ('w', offset, data, strobe), "
                             "('r', offset) or ('wait', cycles)")

    @instance
    def run():
        yield clk.posedge  # reset is raised at time 0; wait until it has been released
        while rst:
            yield clk.posedge
        for op in ops:
            try:
                yield from one(op)
            except _Reset:
                # abandoned: recorded, and the program goes on once the reset is released
                results.append(("reset",) + tuple(op))
                while rst:
                    yield clk.posedge
        done.append(True)

    held = {"b": None, "r": None}
    seen = {"aw": 0, "w": 0, "b": 0, "ar": 0, "r": 0}

    @always(clk.posedge)
    def monitor():
        # Values read here are those of the cycle that ends at this edge; the counts cover the
        # handshakes of earlier edges, so a response must have a request counted before it.
        if rst:   # a reset ends every outstanding request
            seen.update(dict.fromkeys(seen, 0))
            held.update(b=None, r=None)
            return
        if p["bvalid"] and seen["b"] >= min(seen["aw"], seen["w"]):
            violations.append("bvalid before its write address and data were accepted")
        if p["rvalid"] and seen["r"] >= seen["ar"]:
            violations.append("rvalid before its read address was accepted")
        if held["b"] is not None and not p["bvalid"]:
            violations.append("bvalid dropped before bready")
        if held["r"] is not None and (not p["rvalid"] or int(p["rdata"]) != held["r"]):
            violations.append("rvalid dropped or rdata changed before rready")
        held["b"] = True if (p["bvalid"] and not p["bready"]) else None
        held["r"] = int(p["rdata"]) if (p["rvalid"] and not p["rready"]) else None
        for ch, valid, ready in (("aw", "awvalid", "awready"), ("w", "wvalid", "wready"), ("b", "bvalid", "bready"),
                                 ("ar", "arvalid", "arready"), ("r", "rvalid", "rready")):
            if p[valid] and p[ready]:
                seen[ch] += 1

    return run, monitor
