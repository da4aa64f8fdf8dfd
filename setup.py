"""Package discovery for the `fast_prefill` import name (everything else is in pyproject.toml).

The repository keeps the owner's top-level folders `rtl/` and `verify/`; they install as
`fast_prefill.rtl` and `fast_prefill.verify`. setuptools' static `packages.find` cannot remap
nested folders, so the package list is computed here from every folder with an `__init__.py`, plus
the data-only folders whose files pyproject.toml's package-data installs.
"""

from setuptools import find_packages, setup

ROOTS = {"fast_prefill": "fast_prefill", "fast_prefill.rtl": "rtl", "fast_prefill.verify": "verify"}

packages = []
for name, folder in ROOTS.items():
    packages.append(name)
    packages += [f"{name}.{sub}" for sub in find_packages(folder)]
packages += ["fast_prefill.verify.properties", "fast_prefill.verify.golden.data",
             "fast_prefill.verify.golden.data.minference"]   # data only (no __init__.py)

setup(packages=packages, package_dir=ROOTS)
