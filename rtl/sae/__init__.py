"""Sparse Attention Engine (SAE): block-sparse causal attention with the golden model's
fixed-point online softmax (docs/sae.md)."""
