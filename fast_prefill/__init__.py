"""FAST-Prefill."""
