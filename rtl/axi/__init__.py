"""AXI4 masters shared by the kernel: stream reader (command -> read bursts -> data stream) and
stream writer (command + data stream -> write bursts)."""
