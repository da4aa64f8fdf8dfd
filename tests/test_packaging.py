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


TEST_TOOLS = ("hypothesis", "pytest", "_pytest", "xdist", "execnet")

# Run in a fresh interpreter: every module of the package imported while the test tools cannot be
# imported at all (a finder at the front of sys.meta_path refuses them), then `fast-prefill --help`.
_IMPORT_WITHOUT_TEST_TOOLS = """
import importlib, pkgutil, sys
BLOCKED = set(sys.argv[1].split(","))
class Refuse:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {name!r} (blocked: a test tool)")
sys.meta_path.insert(0, Refuse())
import fast_prefill
skip = {"fast_prefill.verify.strategies"}   # the Hypothesis strategies: test code, by design
names = []
for pkg in ("fast_prefill", "fast_prefill.rtl", "fast_prefill.verify"):
    mod = importlib.import_module(pkg)
    names += [m.name for m in pkgutil.walk_packages(mod.__path__, pkg + ".")]
for name in sorted(set(names) - skip):
    importlib.import_module(name)
from fast_prefill.cli import main
try:
    main(["--help"])
except SystemExit as exc:
    assert exc.code == 0, exc.code
print("imported", len(set(names) - skip))
"""


def test_the_package_imports_without_the_test_tools(tmp_path):
    """Hypothesis and pytest are the `test` extra: every module of the package except the strategy
    module imports without them, and the command runs (the benches live in verify/bench/, not in
    rtl/, and carry no Hypothesis code)."""
    import subprocess
    import sys

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    deps = " ".join(project["dependencies"])
    assert not any(tool in deps for tool in ("hypothesis", "pytest", "execnet"))
    assert {d.split("==")[0] for d in project["optional-dependencies"]["test"]} == {
        "hypothesis", "pytest", "pytest-xdist", "execnet"}
    proc = subprocess.run([sys.executable, "-c", _IMPORT_WITHOUT_TEST_TOOLS, ",".join(TEST_TOOLS)], cwd=tmp_path,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert int(proc.stdout.split()[-1]) > 80
    # the check can fail: the strategy module itself needs Hypothesis
    proc = subprocess.run([sys.executable, "-c", _IMPORT_WITHOUT_TEST_TOOLS.replace(
        'skip = {"fast_prefill.verify.strategies"}', "skip = set()"), ",".join(TEST_TOOLS)], cwd=tmp_path,
        capture_output=True, text=True)
    assert proc.returncode != 0 and "blocked: a test tool" in proc.stderr


def _package_data_globs() -> list[str]:
    """pyproject.toml's package-data as repository-relative globs (fast_prefill.rtl.top -> rtl/top/...)."""
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    out = []
    for pkg, patterns in data.items():
        parts = pkg.split(".")[1:]   # below fast_prefill; rtl and verify are top-level folders here
        rel = Path(*parts) if parts and parts[0] in ("rtl", "verify") else Path("fast_prefill", *parts)
        out += [str(rel / p) for p in patterns]
    return out


def test_every_data_file_the_package_reads_is_installed():
    """Each tracked non-Python file under the package folders (the register map, the property files,
    the Verilator benches, the Tcl stubs, the lint waivers, the pattern data) matches a package-data
    glob of pyproject.toml, so an installed package has it beside its modules."""
    import fnmatch
    import subprocess

    tracked = subprocess.run(["git", "ls-files", *MAPPING], cwd=ROOT, capture_output=True, text=True,
                             check=True).stdout.split()
    data = [f for f in tracked if not f.endswith(".py")]
    assert "rtl/top/regmap.toml" in data and "verify/verilator/harness.cpp" in data
    globs = _package_data_globs()
    missing = [f for f in data if not any(fnmatch.fnmatchcase(f, g) for g in globs)]
    assert not missing, f"not in pyproject.toml's package-data: {missing}"


def test_package_data_check_catches_a_missing_glob():
    """The check above fails when a data folder is left out (the Verilator benches, as before)."""
    import fnmatch

    globs = [g for g in _package_data_globs() if "verilator" not in g]
    assert not any(fnmatch.fnmatchcase("verify/verilator/harness.cpp", g) for g in globs)
    assert any(fnmatch.fnmatchcase("verify/verilator/harness.cpp", g) for g in _package_data_globs())


# Each module imported as if first: every fast_prefill module is dropped from sys.modules before the
# next import (MyHDL and numpy stay loaded), so an import cycle that only bites when a module is the
# first one imported shows (a unit's specs module imported alone failed so: fast_prefill.blocks
# collected the registry while that specs module was half-imported).
_IMPORT_EACH_FIRST = """
import importlib, pkgutil, sys
names = []
import fast_prefill
for pkg in ("fast_prefill", "fast_prefill.rtl", "fast_prefill.verify"):
    mod = importlib.import_module(pkg)
    names += [m.name for m in pkgutil.walk_packages(mod.__path__, pkg + ".")]
bad = []
for name in sorted(set(names)):
    for k in [k for k in sys.modules if k == "fast_prefill" or k.startswith("fast_prefill.")]:
        del sys.modules[k]
    try:
        importlib.import_module(name)
    except Exception as exc:
        bad.append(f"{name}: {exc!r}")
print(len(names))
print("\\n".join(bad))
"""


def test_every_module_imports_as_the_first_one():
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-c", _IMPORT_EACH_FIRST], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    count, *bad = proc.stdout.splitlines()
    assert int(count) > 100
    assert not [b for b in bad if b], "\n".join(bad)
