"""KV cache (KVC): liveness-driven dual-tier cache with an AXI4 HBM read master (docs/kvc.md)."""
