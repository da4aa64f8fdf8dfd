"""``make vivado``: everything a user takes to a machine with Vivado/Vitis to build the U280 kernel.

``fast-prefill vivado [--preset u280] [--out build/vivado]`` writes

* ``hdl/``: the converted Verilog: ``fast_prefill.v`` (the kernel top level, module name
  ``RegisterMap().name``) once the block ``fast_prefill`` is registered; until then every registered
  block as ``<block>_<preset>.v`` so that the plain-Vivado project can build any of them,
* ``package_kernel.tcl``: Vitis RTL-kernel packaging (IP packaging, bus/clock association, register
  map, ``sdx_kernel``, integrity check, ``package_xo``),
* ``kernel.xml``: from the one register-map source (``rtl/top/regmap.toml``),
* ``link.cfg``: the v++ link configuration (``nk``, ``sp`` HBM pseudo-channels per ``m_axi`` port,
  ``slr``), and ``vitis_floorplan_hook.tcl`` for the per-unit SLR placement,
* ``vivado_project.tcl``: a plain-Vivado project (U280 part, board part when installed,
  out-of-context synthesis and implementation, utilisation by SLR and timing summary reports),
* ``constraints/``: the kernel clock for the preset, reset-synchroniser false paths, per-unit
  pblocks from ``constraints/floorplan.toml``, the U280 board pins, the Vitis placement hook,
* ``fast_prefill.core``: a FuseSoC CAPI2 core (lint, sim and U280 synthesis targets),
* ``README.md``: tool versions, platform, the exact commands.

Nothing here needs Vivado; :mod:`fast_prefill.verify.tcl` checks the scripts under ``tclsh``.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .config import DEFAULT_PRESET, PRESETS, AcceleratorConfig, ConfigError, U280_HBM_PSEUDO_CHANNELS, get_preset
from .tools import BUILD_DIR, REPO_ROOT

PART = "xcu280-fsvh2892-2L-e"
BOARD_PART = "xilinx.com:au280:part0:1.1"
PLATFORM = "xilinx_u280_gen3x16_xdma_1_202211_1"
VITIS_VERSION = "2022.2"
SLRS = ("SLR0", "SLR1", "SLR2")
TEMPLATES = REPO_ROOT / "scripts" / "vivado"
CONSTRAINTS = REPO_ROOT / "constraints"
FLOORPLAN_TOML = CONSTRAINTS / "floorplan.toml"
TOP_BLOCK = "fast_prefill"
STATIC_XDC = ("reset_sync.xdc", "u280_board.xdc")


# Floorplan -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Floorplan:
    kernel_slr: str
    budgets: dict[str, dict[str, float]]
    units: dict[str, tuple[tuple[str, ...], tuple[str, ...]]]  # unit -> (SLRs, cell patterns)

    def slrs_of(self, unit: str) -> tuple[str, ...]:
        return self.units.get(unit, ((self.kernel_slr,), ()))[0]


def load_floorplan(preset: str = DEFAULT_PRESET, path: Path = FLOORPLAN_TOML) -> Floorplan:
    data = tomllib.loads(Path(path).read_text())
    kernel_slr = data["kernel"]["slr"]
    budgets = {slr: dict(v) for slr, v in data["budget"].items()}
    override = data.get("preset", {}).get(preset, {})
    units = {}
    for unit, entry in data["unit"].items():
        slrs = tuple(entry["slr"])
        if "all_units" in override:
            slrs = (override["all_units"],)
        units[unit] = (slrs, tuple(entry.get("cells", ())))
    for slr in (kernel_slr, *(s for slrs, _ in units.values() for s in slrs)):
        if slr not in SLRS or slr not in budgets:
            raise ValueError(f"floorplan SLR {slr!r} is not allowed: must be one of {list(SLRS)} with a [budget.{slr}]")
    return Floorplan(kernel_slr, budgets, units)


def unit_of_block(spec) -> str:
    """The RTL unit (``rtl/<unit>/``) a registered block comes from."""
    parts = spec.factory.__module__.split(".")
    return parts[parts.index("rtl") + 1] if "rtl" in parts else "top"


# Generated texts -------------------------------------------------------------------------------
# The Tcl both scripts use to add the converted design: every file of hdl/<top>.f in order.
SOURCE_LIST_TCL = """# The converted design: every module file named by hdl/<top>.f (children first, the top last; one
# Verilog module per RTL block, fast_prefill/hierarchy.py).
proc source_list {hdl top} {
    set lst [file join $hdl ${top}.f]
    if {![file exists $lst]} { return [list [file join $hdl ${top}.v]] }
    set fh [open $lst r]
    set files {}
    foreach line [split [read $fh] "\\n"] {
        set line [string trim $line]
        if {$line ne ""} { lappend files [file join $hdl $line] }
    }
    close $fh
    return $files
}"""


def _fill(template: str, values: dict[str, str]) -> str:
    text = (TEMPLATES / template).read_text()
    for key, value in values.items():
        text = text.replace(f"@{key}@", value)
    left = re.findall(r"@[A-Z_]+@", text)
    if left:
        raise ValueError(f"template {template}: placeholders not filled: {sorted(set(left))}")
    return text


def m_axi_ports(rm) -> list[str]:
    """The kernel's ``m_axi`` ports: the ``port`` of every pointer argument in the register map."""
    return sorted({a.port for a in rm.args if a.kind == "pointer"})


def hbm_ranges(ports: list[str], channels: int = U280_HBM_PSEUDO_CHANNELS) -> dict[str, tuple[int, int]]:
    """Disjoint HBM pseudo-channel ranges, one per port, covering all channels."""
    if not 1 <= len(ports) <= channels:
        raise ValueError(f"{len(ports)} m_axi ports is not allowed: must be in [1, {channels}]")
    out, n = {}, len(ports)
    for i, port in enumerate(ports):
        out[port] = (i * channels // n, (i + 1) * channels // n - 1)
    return out


def link_cfg(cfg: AcceleratorConfig, rm, floorplan: Floorplan) -> str:
    kernel = rm.name
    lines = [f"# v++ link configuration for {kernel} (preset {cfg.name}), generated by `make vivado`.",
             f"#   v++ -l -t hw --platform {PLATFORM} --config link.cfg -o {kernel}.xclbin {kernel}.xo",
             "# Each m_axi port reaches a disjoint range of the 32 HBM pseudo-channels (256 MB each);",
             "# pointer arguments that share a port share its range.",
             f"platform={PLATFORM}",
             f"kernel_frequency={cfg.clock_mhz}",
             "",
             "[connectivity]",
             f"nk={kernel}:1:{kernel}_1"]
    for port, (lo, hi) in hbm_ranges(m_axi_ports(rm)).items():
        lines.append(f"sp={kernel}_1.{port}:HBM[{lo}:{hi}]")
    lines.append(f"slr={kernel}_1:{floorplan.kernel_slr}")
    return "\n".join(lines) + "\n"


def parse_link_cfg(text: str) -> dict:
    """``{"nk": [...], "sp": {port: (lo, hi)}, "slr": [...], "platform": ...}`` from a link config."""
    out = {"nk": [], "sp": {}, "slr": [], "top": {}}
    section = ""
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, _, value = line.partition("=")
        if section == "":
            out["top"][key] = value
        elif section == "connectivity" and key == "sp":
            m = re.fullmatch(r"(\w+)\.(\w+):HBM\[(\d+)(?::(\d+))?\]", value)
            if not m:
                raise ValueError(f"link config: malformed sp line {value!r}")
            lo = int(m.group(3))
            out["sp"][m.group(2)] = (m.group(1), lo, int(m.group(4) or lo))
        elif section == "connectivity":
            out.setdefault(key, []).append(value)
    return out


def register_tcl(rm) -> str:
    """``ipx::add_register`` commands for every word of the register map."""
    ctrl_fields = [("AP_START", 0, 1, "read-write"), ("AP_DONE", 1, 1, "read-only"), ("AP_IDLE", 2, 1, "read-only"),
                   ("AP_READY", 3, 1, "read-only"), ("RESERVED_1", 4, 3, "read-only"),
                   ("AUTO_RESTART", 7, 1, "read-write"), ("RESERVED_2", 8, 24, "read-only")]
    out = []

    def reg(name, offset, size, doc):
        out.append(f"set reg [ipx::add_register {name} $addr_block]")
        out.append(f"set_property description {{{doc}}} $reg")
        out.append(f"set_property address_offset {offset:#05x} $reg")
        out.append(f"set_property size {size} $reg")

    fixed = {0x00: ("CTRL", "control: ap_start, ap_done, ap_idle, ap_ready, auto_restart"),
             0x04: ("GIER", "global interrupt enable"), 0x08: ("IP_IER", "IP interrupt enable"),
             0x0C: ("IP_ISR", "IP interrupt status")}
    for offset, (name, doc) in fixed.items():
        reg(name, offset, 32, doc)
        if name == "CTRL":
            for fname, bit, width, access in ctrl_fields:
                out.append(f"set field [ipx::add_field {fname} $reg]")
                out.append(f"set_property access {access} $field")
                out.append(f"set_property bit_offset {bit} $field")
                out.append(f"set_property bit_width {width} $field")
    for a in rm.args:
        doc = re.sub(r"[{}\[\]$\\\"]", "", a.doc)
        reg(a.name, a.offset, 8 * a.size, doc)
        if a.kind == "pointer":
            out.append("set param [ipx::add_register_parameter ASSOCIATED_BUSIF $reg]")
            out.append(f"set_property value {a.port} $param")
    for w in rm.status_words:
        reg(w.name, w.offset, 32, re.sub(r"[{}\[\]$\\\"]", "", w.doc))
    return "\n".join(out)


def pblocks_xdc(floorplan: Floorplan) -> str:
    lines = ["# Per-unit pblocks from constraints/floorplan.toml (generated by `make vivado`; XDC only).",
             "# Each unit takes hierarchical instances of the kernel (one module per RTL block), found at",
             "# the top (plain Vivado: the kernel is the top) or below a wrapper (Vitis); -quiet: a unit",
             "# that is not in this build has no cells."]
    for unit, (slrs, cells) in floorplan.units.items():
        if not cells:
            continue
        pb = f"pblock_{unit}"
        lines += ["", f"# {unit}: {' + '.join(slrs)}",
                  f"create_pblock {pb}",
                  f"resize_pblock [get_pblocks {pb}] -add {{{' '.join(slrs)}}}"]
        for path in cells:
            lines.append(f"add_cells_to_pblock -quiet [get_pblocks {pb}] [get_cells -quiet -hierarchical "
                         f"-filter {{NAME == \"{path}\" || NAME =~ \"*/{path}\"}}]")
    return "\n".join(lines) + "\n"


def kernel_clock_xdc(cfg: AcceleratorConfig) -> str:
    text = (CONSTRAINTS / "kernel_clock.xdc").read_text()
    period = f"{1000.0 / cfg.clock_mhz:.3f}"
    new, n = re.subn(r"(create_clock -period )[0-9.]+", rf"\g<1>{period}", text)
    if n != 1:
        raise ValueError("constraints/kernel_clock.xdc must hold exactly one create_clock -period")
    return new


def fusesoc_core(rm, cfg: AcceleratorConfig, hdl_files: list[str], top: str) -> str:
    files = "\n".join(f"      - {f}" for f in hdl_files) or "      []"
    return f"""CAPI=2:
# FuseSoC core of the {rm.name} Vitis RTL kernel (preset {cfg.name}), generated by `make vivado`.
#   fusesoc --cores-root build/vivado run --target lint {rm.vlnv}
name: {rm.vlnv}
description: FAST-Prefill sparse-attention prefill kernel for the Alveo U280 (converted from MyHDL)

filesets:
  rtl:
    files:
{files}
    file_type: verilogSource
  waivers:
    files:
      - lint_waivers.vlt
    file_type: vlt
  constraints:
    files:
      - constraints/kernel_clock.xdc
      - constraints/reset_sync.xdc
      - constraints/pblocks.xdc
    file_type: xdc
  ooc:
    files:
      - fusesoc_ooc.tcl
    file_type: tclSource

targets:
  default: &default
    filesets: [rtl]
    toplevel: {top}

  lint:
    <<: *default
    description: verilator --lint-only -Wall with the project's waivers
    filesets: [waivers, rtl]
    default_tool: verilator
    tools:
      verilator:
        mode: lint-only
        verilator_options: [-Wall]

  sim:
    <<: *default
    description: compile the kernel with Icarus Verilog (the test benches are the project's MyHDL co-simulation)
    default_tool: icarus
    tools:
      icarus:
        iverilog_options: [-g2012]

  synth:
    <<: *default
    description: out-of-context Vivado synthesis and implementation for the Alveo U280
    filesets: [rtl, constraints, ooc]
    default_tool: vivado
    tools:
      vivado:
        part: {PART}
        synth: vivado
        pnr: vivado
"""


def readme(cfg: AcceleratorConfig, rm, top_ready: bool, hdl_files: list[str], notes: list[str]) -> str:
    k = rm.name
    state = (f"`hdl/{k}.v` is the converted kernel top level." if top_ready else
             f"**The kernel top level `{k}` is not registered yet** (rtl/top/specs.py): `package_kernel.tcl` "
             f"stops with a clear error until `make vivado` is run again after it lands. `hdl/` holds every "
             f"registered block, which `vivado_project.tcl -tclargs <module>` builds out of context today.")
    note_text = "".join(f"\n- {n}" for n in notes)
    return f"""# {k}: Vivado/Vitis build for the Alveo U280 (preset `{cfg.name}`)

Generated by `make vivado` (`fast-prefill vivado --preset {cfg.name}`); do not edit, regenerate.

- Part `{PART}`, board part `{BOARD_PART}` (used only when installed), Vitis platform
  `{PLATFORM}`, kernel clock {cfg.clock_mhz} MHz.
- Written for Vivado/Vitis {VITIS_VERSION} (the platform's release); the commands are the ones
  documented in UG1393 and UG835 and are expected to work in later releases.
- {state}
- The project's tests run scripts generated the same way under `tclsh` with stub Vivado commands
  (allow-listed commands and flags, files checked, XDC legality); Vivado itself has not run them.{note_text}

## Vitis (the kernel on the card)

```sh
source /tools/Xilinx/Vitis/{VITIS_VERSION}/settings64.sh && source /opt/xilinx/xrt/setup.sh
cd build/vivado
vivado -mode batch -source package_kernel.tcl              # -> {k}.xo
v++ -l -t hw --platform {PLATFORM} --config link.cfg \\
    --vivado.prop run.impl_1.STEPS.OPT_DESIGN.TCL.PRE=$PWD/vitis_floorplan_hook.tcl \\
    -o {k}.xclbin {k}.xo
```

`link.cfg` maps every `m_axi` port to HBM pseudo-channels (`sp=`), names the compute unit
`{k}_1` (`nk=`) and places it in its home SLR (`slr=`); the hook moves the units that
`constraints/floorplan.toml` assigns elsewhere into that SLR's dynamic-region pblock.

## Plain Vivado (out-of-context synthesis and implementation, reports)

```sh
cd build/vivado
JOBS=8 vivado -mode batch -source vivado_project.tcl                 # the kernel top level
vivado -mode batch -source vivado_project.tcl -tclargs <module>      # any module in hdl/
```

Reports land in `reports/`: utilisation (total, by SLR, hierarchical), timing summary, clocks.

## FuseSoC

```sh
fusesoc --cores-root build/vivado run --target lint {rm.vlnv}    # verilator lint
fusesoc --cores-root build/vivado run --target synth {rm.vlnv}   # Vivado, U280 part
```

## Files

| file | what |
| --- | --- |
| `hdl/` | {", ".join(f"`{f}`" for f in hdl_files) or "(none)"} |
| `kernel.xml` | kernel description for `package_xo`, from `rtl/top/regmap.toml` |
| `package_kernel.tcl` | Vitis RTL-kernel packaging, `package_xo` |
| `link.cfg` | v++ link: `nk`, `sp` (HBM), `slr` |
| `vitis_floorplan_hook.tcl` | v++ pre-opt hook: per-unit SLR placement |
| `vivado_project.tcl` | plain-Vivado project, OOC runs, reports |
| `constraints/` | kernel clock, reset-synchroniser false paths, pblocks, U280 board pins, Vitis hook |
| `fast_prefill.core`, `fusesoc_ooc.tcl`, `lint_waivers.vlt` | FuseSoC CAPI2 core: lint, sim, synth (out of context) targets |
"""


# The writer ------------------------------------------------------------------------------------
@dataclass
class VivadoBuild:
    out: Path
    top_ready: bool
    files: list[Path] = field(default_factory=list)
    hdl: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def generate(cfg: AcceleratorConfig, out: Path | None = None, blocks: dict | None = None,
             convert_blocks: bool = True, progress=print, jobs: int = 0) -> VivadoBuild:
    """Write ``out`` (default ``build/vivado``) for ``cfg``. ``blocks`` defaults to the registry."""
    from .blocks import BLOCKS
    from .convert import ConversionError, convert_block
    from .hierarchy import source_files
    from .rtl.top.regmap import RegisterMap

    blocks = BLOCKS if blocks is None else blocks
    out = Path(out) if out else BUILD_DIR / "vivado"
    rm = RegisterMap()
    kernel = rm.name
    floorplan = load_floorplan(cfg.name)
    for stale in ("hdl", "constraints"):
        shutil.rmtree(out / stale, ignore_errors=True)
    (out / "hdl").mkdir(parents=True, exist_ok=True)
    (out / "constraints").mkdir(parents=True, exist_ok=True)
    build = VivadoBuild(out, TOP_BLOCK in blocks)

    # Verilog: the kernel top level alone once it exists, else every registered block.
    if build.top_ready:
        progress(f"converting {kernel} (preset {cfg.name})")
        spec = blocks[TOP_BLOCK]
        # every module of the kernel's hierarchy, children first, the top last (its source list)
        build.hdl.extend(source_files(convert_block(spec, spec.params(cfg), out / "hdl", kernel, jobs=jobs)))
    elif convert_blocks:
        done: dict = {}
        for i, (name, spec) in enumerate(blocks.items(), 1):
            module = spec.module_name(cfg.name)
            progress(f"[{i}/{len(blocks)}] converting {module} (kernel top level '{kernel}' not registered yet)")
            try:
                top = convert_block(spec, spec.params(cfg), out / "hdl", module, done=done)
                build.hdl.extend(p for p in source_files(top) if p not in build.hdl)
            except (ConversionError, Exception) as exc:  # another unit's work in progress must not stop packaging
                build.notes.append(f"block `{name}` did not convert and is not in `hdl/`: {str(exc).splitlines()[0][:200]}")

    def write(rel: str, text: str) -> Path:
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        build.files.append(path)
        return path

    vendor, library, _, version = rm.vlnv.split(":")
    ports = m_axi_ports(rm)
    values = {"SOURCE_LIST_PROC": SOURCE_LIST_TCL,
              "KERNEL": kernel, "PRESET": cfg.name, "PART": PART, "BOARD_PART": BOARD_PART,
              "VENDOR": vendor, "LIBRARY": library, "VERSION": version,
              "FREQ_HZ": str(cfg.clock_mhz * 1_000_000), "RANGE": str(1 << rm.addr_width),
              "ASSOCIATE": "\n".join(f"ipx::associate_bus_interfaces -busif {p} -clock ap_clk $core"
                                     for p in [*ports, "s_axi_control"]),
              "REGISTERS": register_tcl(rm),
              "XDC_FILES": " ".join(f"[file join $here constraints {x}]"
                                    for x in ("kernel_clock.xdc", "reset_sync.xdc", "pblocks.xdc")),
              "UNITS": " ".join(f"{u} {{{{{' '.join(s)}}} {{{' '.join(c)}}}}}"
                                for u, (s, c) in floorplan.units.items() if c)}
    write("constraints/kernel_clock.xdc", kernel_clock_xdc(cfg))
    for name in STATIC_XDC:
        write(f"constraints/{name}", (CONSTRAINTS / name).read_text())
    write("constraints/pblocks.xdc", pblocks_xdc(floorplan))
    write("constraints/vitis_floorplan.tcl", (CONSTRAINTS / "vitis_floorplan.tcl").read_text())
    write("kernel.xml", rm.kernel_xml(m_axi_width=m_axi_data_width(build.hdl[-1].read_text(), cfg)
                                      if build.top_ready else cfg.hbm_data_width))
    write("package_kernel.tcl", _fill("package_kernel.tcl", values))
    write("vivado_project.tcl", _fill("vivado_project.tcl", values))
    write("vitis_floorplan_hook.tcl", _fill("vitis_floorplan_hook.tcl", values))
    write("link.cfg", link_cfg(cfg, rm, floorplan))
    write("fusesoc_ooc.tcl", "# Sourced by the FuseSoC synth target's Vivado project (file_type tclSource):\n"
          "# the kernel is synthesised and implemented out of context, as in vivado_project.tcl.\n"
          "set_property -name {STEPS.SYNTH_DESIGN.ARGS.MORE OPTIONS} -value {-mode out_of_context} "
          "-objects [get_runs synth_1]\n")
    write("lint_waivers.vlt", (REPO_ROOT / "verify" / "lint_waivers.vlt").read_text())
    hdl_rel = [f"hdl/{p.name}" for p in build.hdl]
    write("fast_prefill.core", fusesoc_core(rm, cfg, hdl_rel, kernel if build.top_ready else
                                            (build.hdl[-1].stem if build.hdl else kernel)))
    write("README.md", readme(cfg, rm, build.top_ready, [p.name for p in build.hdl], build.notes))
    return build


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="fast-prefill vivado", description=__doc__.split("\n\n")[0])
    parser.add_argument("--preset", default=DEFAULT_PRESET, help=f"one of {sorted(PRESETS)} (default {DEFAULT_PRESET})")
    parser.add_argument("--out", default=None, help="output folder (default build/vivado)")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    try:
        cfg = get_preset(args.preset)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    build = generate(cfg, args.out, jobs=os.cpu_count() or 1)
    for path in build.files + build.hdl:
        rel = path.relative_to(REPO_ROOT) if path.is_relative_to(REPO_ROOT) else path
        print(f"wrote {rel}")
    for note in build.notes:
        print(f"note: {note}", file=sys.stderr)
    if not build.top_ready:
        print(f"note: the kernel top level '{TOP_BLOCK}' is not registered yet: package_kernel.tcl will stop "
              f"with that message; vivado_project.tcl -tclargs <module> builds any block in hdl/", file=sys.stderr)
    print(f"\n{build.out}: see README.md there for the Vivado/Vitis commands")
    return 0


if __name__ == "__main__":
    sys.exit(main())


# Cross-checks used by the tests (and usable on a Vivado host before a long build) ----------------
def verilog_ports(text: str) -> dict[str, str]:
    """``{port: "input"|"output"}`` of the (first) module in MyHDL-converted Verilog."""
    return {m.group(2): m.group(1) for m in
            re.finditer(r"^\s*(input|output)\s+(?:wire\s+|reg\s+|signed\s+)*(?:\[[^\]]*\]\s*)?(\w+)\s*;", text, re.M)}


def m_axi_data_width(verilog_text: str, cfg: AcceleratorConfig) -> int:
    """The ``m_axi`` data width of the converted top level (its ``*_rdata`` ports; all must agree)."""
    widths = {int(m.group(1)) + 1 for m in
              re.finditer(r"^\s*input\s+(?:wire\s+)?\[(\d+):0\]\s*m_axi_\w+_rdata\s*;", verilog_text, re.M)}
    if len(widths) > 1:
        raise ValueError(f"the m_axi ports of the top level have different data widths {sorted(widths)}: "
                         "kernel.xml gives one width to every port")
    return widths.pop() if widths else cfg.hbm_data_width


def m_axi_prefixes(ports) -> list[str]:
    """The ``m_axi_<name>`` bundles among ``ports`` (any port ending in ``_arvalid`` or ``_awvalid``)."""
    return sorted({re.sub(r"_(ar|aw)valid$", "", p) for p in ports
                   if p.startswith("m_axi_") and re.search(r"_(ar|aw)valid$", p)})


def unmapped_m_axi(verilog_text: str, link_text: str, kernel: str = TOP_BLOCK) -> list[str]:
    """The top level's ``m_axi`` ports that the link configuration does not map to HBM."""
    sp = parse_link_cfg(link_text)["sp"]
    return [p for p in m_axi_prefixes(verilog_ports(verilog_text))
            if p not in sp or sp[p][0] != f"{kernel}_1"]


def register_mismatches(xml_text: str, rm, roms, ipx_offsets: dict[str, int] | None = None) -> list[str]:
    """Disagreements between kernel.xml, the RTL decode ROMs, the host offsets and (optionally) the
    ``ipx::add_register`` offsets of the packaging script. Empty when all agree."""
    import xml.etree.ElementTree as ET

    from .rtl.top.axil_control import KIND_ARG, KIND_CTRL, KIND_GIE, KIND_IER, KIND_ISR, KIND_STATUS

    kind, index = roms
    bad = []
    xml_args = {a.get("name"): a for a in ET.fromstring(xml_text).iter("arg")}
    host = rm.offsets
    arg_words = {w.offset: w.index for w in rm.arg_words}
    if set(xml_args) != {a.name for a in rm.args}:
        bad.append(f"kernel.xml args {sorted(xml_args)} != register map args {[a.name for a in rm.args]}")
    for a in rm.args:
        x = xml_args.get(a.name)
        if x is None:
            continue
        xoff, xsize = int(x.get("offset"), 0), int(x.get("size"), 0)
        if xoff != host[a.name]:
            bad.append(f"{a.name}: kernel.xml offset {xoff:#x} != host offset {host[a.name]:#x}")
        if xsize != a.size:
            bad.append(f"{a.name}: kernel.xml size {xsize} != {a.size}")
        if x.get("port") != (a.port if a.kind == "pointer" else "s_axi_control"):
            bad.append(f"{a.name}: kernel.xml port {x.get('port')} != {a.port}")
        for word in range(xsize // 4):
            off = xoff + 4 * word
            if off >> 2 >= len(kind) or kind[off >> 2] != KIND_ARG:
                bad.append(f"{a.name}: RTL decode at {off:#x} is not an argument word")
            elif arg_words.get(off) != index[off >> 2]:
                bad.append(f"{a.name}: RTL decode at {off:#x} selects args word {index[off >> 2]}, "
                           f"register map says {arg_words.get(off)}")
        if ipx_offsets is not None and ipx_offsets.get(a.name) != xoff:
            bad.append(f"{a.name}: package_kernel.tcl register offset {ipx_offsets.get(a.name)} != kernel.xml {xoff:#x}")
    for off, k in ((0x00, KIND_CTRL), (0x04, KIND_GIE), (0x08, KIND_IER), (0x0C, KIND_ISR)):
        if kind[off >> 2] != k:
            bad.append(f"RTL decode at {off:#x} is not the fixed ap_ctrl_hs word")
    for w in rm.status_words:
        if kind[w.offset >> 2] != KIND_STATUS or host.get(w.name) != w.offset:
            bad.append(f"{w.name}: status word at {w.offset:#x} disagrees between RTL decode and host offsets")
        if ipx_offsets is not None and ipx_offsets.get(w.name) != w.offset:
            bad.append(f"{w.name}: package_kernel.tcl register offset {ipx_offsets.get(w.name)} != {w.offset:#x}")
    if ipx_offsets is not None:
        for name, off in (("CTRL", 0), ("GIER", 4), ("IP_IER", 8), ("IP_ISR", 12)):
            if ipx_offsets.get(name) != off:
                bad.append(f"package_kernel.tcl register {name} at {ipx_offsets.get(name)} != {off:#x}")
    return bad
