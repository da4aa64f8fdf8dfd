"""Kernel top level: register map, AXI4-Lite control slave, and (later) the fast_prefill kernel."""
