"""Blocks and helpers shared by the RTL units."""
