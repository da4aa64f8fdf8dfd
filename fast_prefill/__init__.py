"""FAST-Prefill."""

from . import myhdl_speed as _myhdl_speed

_myhdl_speed.install()   # cheap stack look-ups for MyHDL's elaboration (fast_prefill/myhdl_speed.py)
