"""Verilator fast simulation path for Vitis RTL kernels (harness.cpp + build/run in build.py)."""
