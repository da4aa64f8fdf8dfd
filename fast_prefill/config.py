"""The accelerator's configuration: one typed, validated object with named presets.

Every field is checked when the object is built. An illegal value raises :class:`ConfigError`
naming the field, the value and the allowed range, before any conversion or simulation starts.

Presets:

``u280``
    Realistic sizes for the AMD Alveo U280 (the default).
``tiny``
    Small sizes that simulate quickly; used by the default test run.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, fields

# U280 totals (docs/design.md section 6; AMD DS963 and UG1314).
U280_LUT = 1_303_680
U280_FF = 2_607_360
U280_DSP = 9_024
U280_BRAM36 = 2_016
U280_URAM = 960
U280_HBM_PSEUDO_CHANNELS = 32


class ConfigError(ValueError):
    """An illegal configuration value. ``field``, ``value`` and ``allowed`` say which and why."""

    def __init__(self, field_name: str, value, allowed: str):
        self.field = field_name
        self.value = value
        self.allowed = allowed
        super().__init__(f"config field '{field_name}' = {value!r} is not allowed: {allowed}")


def _is_pow2(x: int) -> bool:
    return x > 0 and (x & (x - 1)) == 0


def _check_int(name: str, value, lo: int, hi: int, pow2: bool = False) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(name, value, f"must be an integer in [{lo}, {hi}]")
    if pow2 and not (lo <= value <= hi and _is_pow2(value)):
        raise ConfigError(name, value, f"must be a power of two in [{lo}, {hi}]")
    if not lo <= value <= hi:
        raise ConfigError(name, value, f"must be in [{lo}, {hi}]")


# (low, high, power of two) for every integer field. Cross-field rules live in __post_init__.
_RANGES: dict[str, tuple[int, int, bool]] = {
    "block_size": (4, 256, True),
    "head_dim": (4, 256, True),
    "data_width": (4, 16, False),
    "acc_width": (16, 64, False),
    "mpu_k": (1, 256, True),
    "mpu_dsp_cols": (0, 4096, False),
    "mpu_lut_cols": (0, 4096, False),
    "pinned_tier_blocks": (1, 4096, False),
    "managed_tier_blocks": (1, 4096, False),
    "hbm_ports": (1, U280_HBM_PSEUDO_CHANNELS, False),
    "hbm_data_width": (32, 512, True),
    "clock_mhz": (10, 500, False),
    "max_seq_len": (8, 1 << 20, True),
    "fifo_depth": (2, 1024, True),
    "prefetch_depth": (0, 64, False),
    "max_outstanding_bursts": (1, 64, False),
    "kv_read_ports": (1, 2, False),
    "sig_heads_per_pass": (1, 16, False),
    "sig_probe_rows": (1, 128, True),
    "sig_cover_hist_bits": (1, 8, False),
    "access_fifo_depth": (4, 1 << 20, True),
    "sae_rows": (2, 256, True),
    "sae_qk_lut_rows": (0, 256, False),
}


@dataclass(frozen=True)
class AcceleratorConfig:
    """Sizes and widths of one build of the accelerator.

    Fields (units in brackets):
      name                    preset name; carried into generated file names
      block_size              B, tokens per sparse block (power of two)
      head_dim                D, elements per head vector (power of two)
      data_width              signed operand width in bits (INT8 by default)
      acc_width               signed accumulator width in bits
      mpu_k                   MPU inner-product length per cycle (power of two)
      mpu_dsp_cols            MPU output columns computed on DSP48E2 multipliers
      mpu_lut_cols            MPU output columns computed by LUT bit-plane lanes
      pinned_tier_blocks      KV-cache pinned tier capacity [blocks of K and V]
      managed_tier_blocks     KV-cache managed tier capacity [blocks of K and V]
      hbm_ports               AXI4 masters to HBM pseudo-channels
      hbm_data_width          AXI4 data width [bits]
      clock_mhz               kernel clock [MHz]
      max_seq_len             largest context N the on-chip state is sized for [tokens]
      fifo_depth              default depth of inter-unit stream FIFOs [beats]
      prefetch_depth          KV-cache misses issued ahead of use [requests]
      max_outstanding_bursts  AXI4 read bursts in flight per master
      kv_read_ports           AXI4 read ports of the KV cache's fill: 1 (K and V of a block on
                              m_axi_kv) or 2 (K on m_axi_kv, V on m_axi_v: twice the fill bandwidth
                              of one HBM pseudo-channel; docs/kvc.md)
      sig_heads_per_pass      query heads of one GQA group whose SIG probes share one K pass
                              (1 = one pass pair per query head; S > 1 costs S - 1 more
                              vertical/slash accumulator banks in sig_probe: docs/sig.md)
      sig_probe_rows          r, probe rows the SIG score pipeline scores against each key per cycle
                              (power of two, <= block_size / 2): r D MAC a cycle on r D / 2 DSPs
                              (two lanes' products share a DSP; u280: 8, why not 16: docs/sig.md)
      sig_cover_hist_bits     digit bits of the SIG coverage counts' radix passes: ceil(acc / bits)
                              passes over the N accumulator values, 2^bits bins each (u280: 6, four
                              passes of the 24-bit values; 8 is over the timing proxy: docs/sig.md)
      access_fifo_depth       beats of the access-stream FIFO between the SIG and the attention path
                              (power of two): once a head's accesses are all in it, the SIG of the
                              next head runs while this head attends (docs/kernel.md)
      sae_rows                P, query rows the attention engine computes together (power of two,
                              <= block_size / 2): 2 P D useful MAC a cycle (docs/sae.md)
      sae_qk_lut_rows         of the P rows, how many run QK^T on LUT bit-plane lanes (the rest on
                              DSP48E2 pair lanes, two INT8 products per DSP)
    """

    name: str = "u280"
    block_size: int = 128
    head_dim: int = 128
    data_width: int = 8
    acc_width: int = 32
    mpu_k: int = 32
    mpu_dsp_cols: int = 144
    mpu_lut_cols: int = 64
    pinned_tier_blocks: int = 64
    managed_tier_blocks: int = 64
    hbm_ports: int = 4
    hbm_data_width: int = 512
    clock_mhz: int = 300
    max_seq_len: int = 131072
    fifo_depth: int = 32
    prefetch_depth: int = 4
    max_outstanding_bursts: int = 8
    kv_read_ports: int = 2
    sig_heads_per_pass: int = 1
    sig_probe_rows: int = 8
    sig_cover_hist_bits: int = 6
    access_fifo_depth: int = 65536
    sae_rows: int = 32
    sae_qk_lut_rows: int = 4

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name.isidentifier():
            raise ConfigError("name", self.name, "must be a Python identifier such as 'u280'")
        for f in fields(self):
            if f.name in _RANGES:
                lo, hi, pow2 = _RANGES[f.name]
                _check_int(f.name, getattr(self, f.name), lo, hi, pow2)
        self._check_cross_field()

    def _check_cross_field(self) -> None:
        # A dot product of head_dim products of two data_width operands must fit the accumulator.
        need = 2 * self.data_width + (self.head_dim - 1).bit_length()
        if self.acc_width < need:
            raise ConfigError(
                "acc_width", self.acc_width,
                f"must be in [{need}, 64] so that {self.head_dim} products of two "
                f"{self.data_width}-bit operands cannot overflow",
            )
        if self.mpu_k > self.head_dim:
            raise ConfigError("mpu_k", self.mpu_k, f"must be a power of two in [1, head_dim={self.head_dim}]")
        if self.mpu_dsp_cols + self.mpu_lut_cols < 1:
            raise ConfigError("mpu_lut_cols", self.mpu_lut_cols,
                              "must be >= 1 when mpu_dsp_cols is 0 (the MPU needs at least one column)")
        if self.dsp_estimate > U280_DSP:
            from .rtl.mpu.tile_engine import dsp_pair_columns

            per_dsp = max(1, dsp_pair_columns(2, self.data_width))   # columns per mpu_k DSP48E2
            raise ConfigError(
                "mpu_dsp_cols", self.mpu_dsp_cols,
                f"must be in [0, {per_dsp * (U280_DSP // self.mpu_k)}] at mpu_k={self.mpu_k}, "
                f"data_width={self.data_width}: {self.dsp_estimate} DSP48E2 exceed the U280's {U280_DSP}",
            )
        if self.sig_probe_rows > self.block_size // 2:
            raise ConfigError("sig_probe_rows", self.sig_probe_rows,
                              f"must be a power of two in [1, block_size/2={self.block_size // 2}]")
        if self.sae_rows > self.block_size // 2:
            raise ConfigError("sae_rows", self.sae_rows,
                              f"must be a power of two in [2, block_size/2={self.block_size // 2}]")
        if self.sae_qk_lut_rows > self.sae_rows:
            raise ConfigError("sae_qk_lut_rows", self.sae_qk_lut_rows, f"must be in [0, sae_rows={self.sae_rows}]")
        if self.max_seq_len < 2 * self.block_size:
            raise ConfigError("max_seq_len", self.max_seq_len,
                              f"must be a power of two in [{2 * self.block_size}, {1 << 20}] (at least two blocks)")
        if self.hbm_data_width < self.data_width:
            raise ConfigError("hbm_data_width", self.hbm_data_width,
                              f"must be a power of two in [{max(32, self.data_width)}, 512]")

    # Derived quantities -------------------------------------------------------------------
    @property
    def max_blocks(self) -> int:
        """Largest number of key blocks in one head (``max_seq_len / block_size``)."""
        return self.max_seq_len // self.block_size

    @property
    def dsp_estimate(self) -> int:
        """DSP48E2 slices used by the MPU's DSP columns: ``mpu_k`` per pair lane (two columns, two
        INT8 products per DSP) and per single DSP lane (an odd last column, or data wider than 8
        bits); the rule is ``rtl/mpu/tile_engine.dsp_pair_columns``."""
        from .rtl.mpu.tile_engine import dsp_pair_columns

        paired = dsp_pair_columns(self.mpu_dsp_cols, self.data_width)
        return self.mpu_k * (paired // 2 + self.mpu_dsp_cols - paired)

    @property
    def block_bytes(self) -> int:
        """Bytes of one K block plus one V block."""
        return 2 * self.block_size * self.head_dim * ((self.data_width + 7) // 8)

    def replace(self, **changes) -> "AcceleratorConfig":
        """A copy with some fields changed, validated like a new object."""
        return dataclasses.replace(self, **changes)

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


PRESETS: dict[str, AcceleratorConfig] = {
    "u280": AcceleratorConfig(),
    "tiny": AcceleratorConfig(
        name="tiny", block_size=8, head_dim=8, data_width=8, acc_width=24, mpu_k=4,
        mpu_dsp_cols=2, mpu_lut_cols=2, pinned_tier_blocks=2, managed_tier_blocks=4,
        hbm_ports=1, hbm_data_width=64, clock_mhz=300, max_seq_len=1024, fifo_depth=4,
        prefetch_depth=2, max_outstanding_bursts=2, sae_rows=2, sae_qk_lut_rows=1,
        sig_probe_rows=2, sig_cover_hist_bits=4, access_fifo_depth=64,
    ),
}

DEFAULT_PRESET = "u280"


def get_preset(name: str) -> AcceleratorConfig:
    """The preset called ``name``; an unknown name is refused with the list of known ones."""
    try:
        return PRESETS[name]
    except KeyError:
        raise ConfigError("preset", name, f"must be one of {sorted(PRESETS)}") from None
