"""Hypothesis profiles, chosen by FAST_PREFILL_PROFILE (default: ``ci`` when CI is set, else ``dev``).

``dev``      quick local runs
``ci``       derandomized (same examples every run), no deadline, what .ci/run uses; 25 examples per
             property (plus every explicit ``@example``); the converted Verilog runs every example,
             the MyHDL model every fourth run of a test (verify/backend_rule.py)
``nightly``  400 examples, MyHDL beside every Verilog run, for `make test-all PROFILE=nightly`
"""

import os

from hypothesis import HealthCheck, settings

_common = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("dev", max_examples=40, **_common)
settings.register_profile("ci", max_examples=25, derandomize=True, print_blob=True, **_common)
settings.register_profile("nightly", max_examples=400, **_common)
_profile = os.environ.get("FAST_PREFILL_PROFILE") or ("ci" if os.environ.get("CI") else "dev")
settings.load_profile(_profile)
if _profile == "nightly":   # the nightly run simulates MyHDL beside every Verilog run (verify/backend_rule.py)
    os.environ.setdefault("FAST_PREFILL_MYHDL_EVERY", "1")


import json
import time
from pathlib import Path

import pytest

from fast_prefill.myhdl_speed import fewer_gc_passes

fewer_gc_passes()   # each xdist worker imports this file: the setting holds in every test process


@pytest.fixture(autouse=True)
def _fresh_myhdl_signals():
    """Each test starts with MyHDL's global signal list empty: its simulations do not walk the signals
    of every earlier test in this worker (fast_prefill/myhdl_speed.py)."""
    from fast_prefill.myhdl_speed import forget_signals
    from fast_prefill.verify.backend_rule import start_test

    forget_signals()
    start_test()    # MyHDL beside the Verilog on this test's runs 0, 4, 8, ... (verify/backend_rule.py)
    yield


@pytest.fixture(scope="session", autouse=True)
def _private_formal_dir(tmp_path_factory):
    """Proof jobs run by tests work under this process's pytest temporary folder (one per xdist
    worker), never in the shared build/formal/ that `make formal` and other test runs also use."""
    from fast_prefill.verify import formal

    saved = formal.FORMAL_DIR
    formal.FORMAL_DIR = tmp_path_factory.mktemp("formal")
    yield
    formal.FORMAL_DIR = saved


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    """With FAST_PREFILL_TIMINGS set (`make test-profile`), one record per test: its wall time
    (setup, call and teardown) and the harness's phases (fast_prefill/profile.py), appended to
    ``<folder>/<xdist worker>.jsonl``."""
    from fast_prefill import profile

    folder = os.environ.get("FAST_PREFILL_TIMINGS")
    profile.take()
    t0 = time.perf_counter()
    yield
    if folder:
        rec = {"test": item.nodeid, "seconds": time.perf_counter() - t0, "phases": profile.take()}
        path = Path(folder) / f"{os.environ.get('PYTEST_XDIST_WORKER', 'main')}.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a") as f:
            f.write(json.dumps(rec) + "\n")
