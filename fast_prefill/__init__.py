"""FAST-Prefill."""

from . import myhdl_frames as _myhdl_frames

_myhdl_frames.install()   # cheap stack look-ups for MyHDL's elaboration (fast_prefill/myhdl_frames.py)
