"""Every Python package folder is listed in pyproject.toml, under the one `fast_prefill` name."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAPPING = {"fast_prefill": "fast_prefill", "rtl": "fast_prefill.rtl", "verify": "fast_prefill.verify"}


def test_all_packages_listed():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    listed = set(project["tool"]["setuptools"]["packages"])
    found = set()
    for top, pkg in MAPPING.items():
        for init in (ROOT / top).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / top).parts
            found.add(".".join((pkg, *rel)))
    assert found == listed


def test_console_entry_point():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert project["project"]["scripts"]["fast-prefill"] == "fast_prefill.cli:main"
