"""Every package folder imports under the one `fast_prefill` name, as setup.py installs it."""

import importlib
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAPPING = {"fast_prefill": "fast_prefill", "rtl": "fast_prefill.rtl", "verify": "fast_prefill.verify"}


def test_every_package_folder_imports_as_fast_prefill():
    for top, pkg in MAPPING.items():
        for init in (ROOT / top).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / top).parts
            module = importlib.import_module(".".join((pkg, *rel)))
            assert Path(module.__file__).resolve() == init.resolve()


def test_no_generic_top_level_names(tmp_path):
    """Outside the repository, `rtl` and `verify` are not importable: nothing generic was installed."""
    import subprocess
    import sys

    for name in ("rtl", "verify"):
        proc = subprocess.run([sys.executable, "-c", f"import {name}"], cwd=tmp_path, capture_output=True, text=True)
        assert proc.returncode != 0 and "ModuleNotFoundError" in proc.stderr, name
    proc = subprocess.run([sys.executable, "-c", "import fast_prefill.rtl, fast_prefill.verify"], cwd=tmp_path)
    assert proc.returncode == 0


def test_console_entry_point():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert project["project"]["scripts"]["fast-prefill"] == "fast_prefill.cli:main"
