"""Host side of the kernel: an XRT-shaped driver running against the simulated kernel."""

from .driver import ArgumentError, Buffer, Device, Kernel, KernelError, Run

__all__ = ["ArgumentError", "Buffer", "Device", "Kernel", "KernelError", "Run"]
