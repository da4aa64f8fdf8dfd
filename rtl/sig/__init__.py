"""Sparse Index Generator (SIG): block-list builder, liveness annotator, coverage select, probe."""
