"""Helpers shared by the RTL units (no blocks of their own yet)."""
