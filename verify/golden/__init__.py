"""Numpy golden model: the float algorithm reference and the bit-accurate hardware form."""
