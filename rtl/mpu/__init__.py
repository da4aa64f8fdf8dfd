"""Hybrid Matrix Processing Unit (MPU): streaming signed INT8 GEMM tiles on DSP and LUT bit-plane lanes."""
