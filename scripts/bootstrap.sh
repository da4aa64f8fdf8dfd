#!/usr/bin/env bash
# Bootstrap everything the project needs, idempotently:
#   1. the Debian packages iverilog and verilator (apt-get, when missing and running as root),
#   2. a .venv with the pinned Python packages and the project installed in editable mode.
# Called by the Makefile; safe to run by hand.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}

missing=()
for exe in iverilog iverilog-vpi vvp verilator; do
  command -v "$exe" >/dev/null 2>&1 || missing+=("$exe")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "bootstrap: installing Debian packages iverilog verilator (missing: ${missing[*]})"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq iverilog verilator g++ make >/dev/null
  else
    echo "bootstrap: missing ${missing[*]}: install the Debian packages 'iverilog verilator' (sudo apt-get install iverilog verilator)" >&2
    exit 1
  fi
fi

command -v tclsh >/dev/null 2>&1 || { if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then echo "bootstrap: installing Debian package tcl (tclsh: static checks of the Vivado scripts)"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tcl >/dev/null; else echo "bootstrap: missing tclsh: install the Debian package 'tcl' (sudo apt-get install tcl)" >&2; fi; }

if ! "$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then
  echo "bootstrap: Python >= 3.11 is required, $PYTHON is $("$PYTHON" --version 2>&1)" >&2
  exit 1
fi

if [ ! -x "$VENV/bin/python" ]; then
  echo "bootstrap: creating $VENV"
  "$PYTHON" -m venv "$VENV"
fi
echo "bootstrap: installing pinned Python packages into $VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
# --no-compile: no .pyc for all of numpy/matplotlib/hypothesis up front (10 s of a fresh clone's
# bootstrap); Python compiles the modules the project imports when it first imports them.
"$VENV/bin/python" -m pip install -q --no-compile -e ".[test]"
echo "bootstrap: done ($("$VENV/bin/python" -c 'import myhdl; print("myhdl", myhdl.__version__)'), $(iverilog -V 2>/dev/null | head -n1 | cut -d' ' -f1-4), $(verilator --version))"
