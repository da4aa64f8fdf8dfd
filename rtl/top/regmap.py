"""The kernel's register map, read from ``regmap.toml`` (its one source), and what it generates.

:class:`RegisterMap` gives

* ``words``: every 32-bit register word of ``s_axi_control`` with its byte offset and access,
* ``arg_words``: the read/write argument words in the order they are packed into the control
  block's ``args`` bus (word ``i`` at bits ``[32 i + 31 : 32 i]``),
* ``offsets``: host-side byte offsets of each argument (pointers: the low word),
* ``kernel_xml()``: the ``kernel.xml`` that ``package_xo`` needs,
* ``markdown_table()``: the documented table in README.md.

Fixed ap_ctrl_hs words (UG1393): 0x00 CTRL (bit 0 ap_start, 1 ap_done (clear on read), 2 ap_idle,
3 ap_ready (clear on read), 7 auto_restart), 0x04 GIE (bit 0), 0x08 IER (bit 0 ap_done, bit 1
ap_ready), 0x0C ISR (same bits, toggle on write of 1).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

REGMAP_TOML = Path(__file__).resolve().parent / "regmap.toml"

CTRL, GIE, IER, ISR = 0x00, 0x04, 0x08, 0x0C
ARG_BASE = 0x10
CTRL_AP_START, CTRL_AP_DONE, CTRL_AP_IDLE, CTRL_AP_READY, CTRL_AUTO_RESTART = 0, 1, 2, 3, 7


@dataclass(frozen=True)
class Word:
    offset: int
    name: str
    access: str        # "rw" argument word, "ro" status word, "ctrl" fixed ap_ctrl_hs word
    doc: str
    index: int = -1    # position in the args (rw) or status (ro) bus


@dataclass(frozen=True)
class Arg:
    name: str
    kind: str          # "pointer" (64 bit) or "scalar" (32 bit)
    offset: int
    port: str
    doc: str
    arg_id: int

    @property
    def size(self) -> int:
        return 8 if self.kind == "pointer" else 4


class RegisterMap:
    def __init__(self, path: Path = REGMAP_TOML):
        data = tomllib.loads(Path(path).read_text())
        self.name = data["kernel"]["name"]
        self.vlnv = data["kernel"]["vlnv"]
        self.addr_width = int(data["kernel"]["addr_width"])
        self.data_width = int(data["kernel"]["data_width"])
        if self.data_width != 32:
            raise ValueError(f"regmap field 'data_width' = {self.data_width} is not allowed: must be 32 (AXI4-Lite control)")
        self.error_codes: dict[int, str] = {}     # code -> meaning
        self.error_names: dict[str, int] = {}     # name -> code
        for key, entry in data.get("error_codes", {}).items():
            code, name, doc = int(key), entry.get("name", ""), entry.get("doc", "")
            if not re.fullmatch(r"[A-Z][A-Z0-9_]*", name) or name in self.error_names:
                raise ValueError(f"regmap field 'error_codes.{key}.name' = {name!r} is not allowed: must be a unique "
                                 "upper-case identifier")
            if not 1 <= code < (1 << 8) or not doc:
                raise ValueError(f"regmap field 'error_codes.{key}' is not allowed: the code must be in [1, 255] "
                                 "and have a doc")
            self.error_codes[code], self.error_names[name] = doc, code
        self.args: list[Arg] = []
        self.words: list[Word] = [
            Word(CTRL, "CTRL", "ctrl", "ap_start (0), ap_done (1, clear on read), ap_idle (2), ap_ready (3, clear on read), auto_restart (7)"),
            Word(GIE, "GIE", "ctrl", "global interrupt enable (0)"),
            Word(IER, "IER", "ctrl", "interrupt enable: ap_done (0), ap_ready (1)"),
            Word(ISR, "ISR", "ctrl", "interrupt status: ap_done (0), ap_ready (1); write 1 to toggle"),
        ]
        offset, rw = ARG_BASE, 0
        names = set()
        for i, a in enumerate(data["arg"]):
            name, kind = a["name"], a["kind"]
            if name in names or not name.isidentifier():
                raise ValueError(f"regmap arg 'name' = {name!r} is not allowed: must be a unique identifier")
            if kind not in ("pointer", "scalar"):
                raise ValueError(f"regmap arg '{name}' field 'kind' = {kind!r} is not allowed: must be 'pointer' or 'scalar'")
            names.add(name)
            self.args.append(Arg(name, kind, offset, a.get("port", "s_axi_control"), a["doc"], i))
            if kind == "pointer":
                self.words.append(Word(offset, f"{name}_lo", "rw", f"{a['doc']} (bits 31:0)", rw))
                self.words.append(Word(offset + 4, f"{name}_hi", "rw", f"{name} (bits 63:32)", rw + 1))
                rw, offset = rw + 2, offset + 12
            else:
                self.words.append(Word(offset, name, "rw", a["doc"], rw))
                rw, offset = rw + 1, offset + 8
        self.status_words = []
        for j, s in enumerate(data.get("status", [])):
            w = Word(offset, s["name"], "ro", s["doc"], j)
            self.words.append(w)
            self.status_words.append(w)
            offset += 8
        if offset > (1 << self.addr_width):
            raise ValueError(f"regmap field 'addr_width' = {self.addr_width} is not allowed: "
                             f"the map needs {offset:#x} bytes, more than 2**addr_width")
        self.arg_words = [w for w in self.words if w.access == "rw"]

    @property
    def offsets(self) -> dict[str, int]:
        """Host-side byte offset of each argument and status word."""
        out = {a.name: a.offset for a in self.args}
        out.update({w.name: w.offset for w in self.status_words})
        return out

    @property
    def args_width(self) -> int:
        return 32 * len(self.arg_words)

    @property
    def status_width(self) -> int:
        return 32 * max(1, len(self.status_words))

    def arg_field(self, name: str) -> tuple[int, int]:
        """``(lsb, width)`` of argument ``name`` in the ``args`` bus."""
        a = next(a for a in self.args if a.name == name)
        first = next(w.index for w in self.arg_words if w.offset == a.offset)
        return 32 * first, 8 * a.size

    def kernel_xml(self, m_axi_width: int = 256) -> str:
        """``kernel.xml`` for ``package_xo`` (Vitis RTL kernel, ap_ctrl_hs, interrupt)."""
        ports = [f'      <port name="s_axi_control" mode="slave" range="{1 << self.addr_width:#x}" '
                 f'dataWidth="32" portType="addressable" base="0x0"/>']
        for port in sorted({a.port for a in self.args if a.kind == "pointer"}):
            ports.append(f'      <port name="{port}" mode="master" range="0xFFFFFFFFFFFFFFFF" '
                         f'dataWidth="{m_axi_width}" portType="addressable" base="0x0"/>')
        args = []
        for a in self.args:
            if a.kind == "pointer":
                args.append(f'      <arg name="{a.name}" addressQualifier="1" id="{a.arg_id}" port="{a.port}" '
                            f'size="0x8" offset="{a.offset:#x}" type="void*" hostOffset="0x0" hostSize="0x8"/>')
            else:
                args.append(f'      <arg name="{a.name}" addressQualifier="0" id="{a.arg_id}" port="s_axi_control" '
                            f'size="0x4" offset="{a.offset:#x}" type="uint" hostOffset="0x0" hostSize="0x4"/>')
        return "\n".join([
            '<?xml version="1.0" encoding="UTF-8"?>',
            '<root versionMajor="1" versionMinor="6">',
            f'  <kernel name="{self.name}" language="ip_c" vlnv="{escape(self.vlnv)}" attributes="" '
            'preferredWorkGroupSizeMultiple="0" workGroupSize="1" interrupt="true" hwControlProtocol="ap_ctrl_hs">',
            "    <ports>", *ports, "    </ports>",
            "    <args>", *args, "    </args>",
            "  </kernel>", "</root>", ""])

    def error_code(self, name: str) -> int:
        """The status code called ``name`` in ``[error_codes]``."""
        if name not in self.error_names:
            raise ValueError(f"regmap field 'error_codes' has no code named {name!r}: the names are "
                             f"{sorted(self.error_names)}")
        return self.error_names[name]

    def markdown_table(self) -> str:
        """The register table and the error codes, as README.md shows them."""
        ctrl_access = {"CTRL": "R/W, bits 1 and 3 clear on read", "GIE": "R/W", "IER": "R/W", "ISR": "R, toggle on write"}
        lines = ["| offset | register | access | meaning |", "| --- | --- | --- | --- |"]
        for w in self.words:
            access = {"rw": "R/W", "ro": "R"}.get(w.access) or ctrl_access[w.name]
            lines.append(f"| `{w.offset:#04x}` | `{w.name}` | {access} | {w.doc} |")
        lines += ["", "| status code | name | meaning |", "| --- | --- | --- |"]
        by_code = {code: name for name, code in self.error_names.items()}
        lines += [f"| {code} | `{by_code[code]}` | {text} |" for code, text in sorted(self.error_codes.items())]
        return "\n".join(lines)

    def c_header(self) -> str:
        """``#define`` offsets for a C/C++ host program."""
        guard = f"{self.name.upper()}_REGS_H"
        out = [f"/* Generated from rtl/top/regmap.toml; do not edit. */", f"#ifndef {guard}", f"#define {guard}"]
        out += [f"#define {self.name.upper()}_{w.name.upper()} 0x{w.offset:02x}" for w in self.words]
        by_code = {code: name for name, code in self.error_names.items()}
        out += [f"#define {self.name.upper()}_ERR_{by_code[code]} {code} /* {text} */"
                for code, text in sorted(self.error_codes.items())]
        return "\n".join(out + [f"#endif /* {guard} */", ""])


def load() -> RegisterMap:
    return RegisterMap()
