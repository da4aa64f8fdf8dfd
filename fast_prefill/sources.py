"""The key of every on-disk cache of generated designs: a hash of the Python sources that produce them.

Converted Verilog (:func:`fast_prefill.convert.convert_block`), compiled co-simulation models
(``fast_prefill.verify.cosim``) and the host's kernel Verilog are reused across processes and runs
while this key is unchanged. The key covers every Python file of the ``fast_prefill`` packages
(``fast_prefill/``, ``rtl/``, ``verify/``), the MyHDL version and, for a block defined elsewhere
(a test file), the file defining its factory and ports. It is ``None`` (no on-disk caching) when one
of those files changed after this process started, so a cached design always comes from the code
this process runs.
"""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import os
import shutil
import threading
import time
from pathlib import Path

import myhdl

_lock = threading.Lock()
_hashes: dict = {}


def _process_start() -> float:
    """When this process started (Linux ``/proc``), else now: files changed later are 'stale'."""
    try:
        fields = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
        btime = next(int(line.split()[1]) for line in Path("/proc/stat").read_text().splitlines()
                     if line.startswith("btime "))
        return btime + int(fields[19]) / os.sysconf("SC_CLK_TCK") - 1.0
    except (OSError, ValueError, IndexError, StopIteration):
        return time.time()


_PROCESS_START = _process_start()


def _files_hash(files) -> str | None:
    h = hashlib.sha1()
    for f in sorted(set(files)):
        try:
            if f.stat().st_mtime > _PROCESS_START:
                return None
            h.update(f"{f}\n".encode() + f.read_bytes())
        except OSError:
            return None
    return h.hexdigest()


def _package_roots() -> list[Path]:
    roots = []
    for name in ("fast_prefill", "fast_prefill.rtl", "fast_prefill.verify"):
        spec = importlib.util.find_spec(name)     # the folders only: nothing is imported
        roots += [Path(p) for p in (spec.submodule_search_locations or [])] if spec else []
    return roots


def source_hash(spec=None) -> str | None:
    """The cache key of designs made by this code (12 hex digits), for ``spec`` (a
    :class:`~fast_prefill.blocks.BlockSpec`) when given; ``None`` when a source changed after this
    process started."""
    with _lock:
        if "base" not in _hashes:
            base = _files_hash([f for root in _package_roots() for f in root.rglob("*.py")])
            _hashes["base"] = None if base is None else hashlib.sha1(
                f"{base} myhdl {myhdl.__version__}".encode()).hexdigest()
        base = _hashes["base"]
    if base is None or spec is None:
        return None if base is None else base[:12]
    extra = []
    for fn in (spec.factory, spec.ports):
        try:
            extra.append(Path(inspect.getsourcefile(getattr(fn, "func", fn))).resolve())  # @block: .func
        except (TypeError, OSError):
            return None
    own = _files_hash(extra)
    return None if own is None else hashlib.sha1(f"{base} {own}".encode()).hexdigest()[:12]


PRUNE_AGE_S = 3600


def prune_stale(folder: Path, pattern: str, keep: Path, age_s: float = PRUNE_AGE_S) -> None:
    """Remove the cache folders in ``folder`` matching ``pattern``, other than ``keep``, unused for
    ``age_s`` (each source edit would otherwise leave one more per design)."""
    now = time.time()
    for old in Path(folder).glob(pattern):
        try:
            if old != keep and old.is_dir() and now - old.stat().st_mtime > age_s:
                shutil.rmtree(old, ignore_errors=True)
        except OSError:
            pass
