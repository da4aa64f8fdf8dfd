"""verify/bench/sig/head_trace.py: the per-cycle port trace of sig_head is reproducible, equals the
recorded trace for the cheapest run, and changes under a planted bug (so it can fail)."""

from fast_prefill.verify import mutants_sig
from fast_prefill.verify.bench.sig.head_trace import first_difference, trace

# sink6 as traced after the coverage counts' first pass moved into their load (2026-12-08; at
# cda603a..4a2c2a1, through the sig_head refactoring, it was 1832 cycles, trace 1fff4281c3ad)
SINK6 = {"cycles": 1736, "done": [1735],
         "trace": "b8d2f092689f"}


def test_trace_is_reproducible_matches_the_recorded_one_and_catches_a_planted_bug():
    a = trace("verilator", names={"sink6"})
    b = trace("verilator", names={"sink6"})
    assert first_difference(a, b) is None
    assert a["sink6"]["cycles"] == SINK6["cycles"] and a["sink6"]["done"] == SINK6["done"]
    assert a["sink6"]["trace"].startswith(SINK6["trace"])
    bad = trace("icarus", names={"sink6"}, mutant=mutants_sig.head_header_skipped())
    assert first_difference(a, bad) == "run 'sink6': 'cycles' differs"
