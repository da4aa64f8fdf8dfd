"""AcceleratorConfig: presets are legal, and every illegal value gets a precise message."""

import pytest

from fast_prefill.config import PRESETS, AcceleratorConfig, ConfigError, get_preset


def test_presets_are_valid_and_named():
    assert get_preset("u280").name == "u280" and get_preset("tiny").name == "tiny"
    assert get_preset("u280").block_size == 128 and get_preset("u280").clock_mhz == 300
    for cfg in PRESETS.values():
        assert AcceleratorConfig(**cfg.as_dict()) == cfg


@pytest.mark.parametrize("field, value, message", [
    ("block_size", 100, "config field 'block_size' = 100 is not allowed: must be a power of two in [4, 256]"),
    ("block_size", 512, "config field 'block_size' = 512 is not allowed: must be a power of two in [4, 256]"),
    ("head_dim", 2, "config field 'head_dim' = 2 is not allowed: must be a power of two in [4, 256]"),
    ("data_width", 3, "config field 'data_width' = 3 is not allowed: must be in [4, 16]"),
    ("data_width", 8.0, "config field 'data_width' = 8.0 is not allowed: must be an integer in [4, 16]"),
    ("hbm_ports", 33, "config field 'hbm_ports' = 33 is not allowed: must be in [1, 32]"),
    ("kv_read_ports", 3, "config field 'kv_read_ports' = 3 is not allowed: must be in [1, 2]"),
    ("clock_mhz", 0, "config field 'clock_mhz' = 0 is not allowed: must be in [10, 500]"),
    ("fifo_depth", True, "config field 'fifo_depth' = True is not allowed: must be an integer in [2, 1024]"),
    ("acc_width", 20, "config field 'acc_width' = 20 is not allowed: must be in [23, 64] so that 128 products of two 8-bit operands cannot overflow"),
    ("mpu_dsp_cols", 600, "config field 'mpu_dsp_cols' = 600 is not allowed: must be in [0, 564] at mpu_k=32, data_width=8: 9600 DSP48E2 exceed the U280's 9024"),
    ("mpu_k", 256, "config field 'mpu_k' = 256 is not allowed: must be a power of two in [1, head_dim=128]"),
    ("name", "u 280", "config field 'name' = 'u 280' is not allowed: must be a Python identifier such as 'u280'"),
    ("sae_rows", 24, "config field 'sae_rows' = 24 is not allowed: must be a power of two in [2, 256]"),
    ("sae_rows", 128, "config field 'sae_rows' = 128 is not allowed: must be a power of two in [2, block_size/2=64]"),
    ("sig_probe_rows", 3, "config field 'sig_probe_rows' = 3 is not allowed: must be a power of two in [1, 128]"),
    ("sig_probe_rows", 128, "config field 'sig_probe_rows' = 128 is not allowed: must be a power of two in [1, block_size/2=64]"),
    ("sae_qk_lut_rows", 33, "config field 'sae_qk_lut_rows' = 33 is not allowed: must be in [0, sae_rows=32]"),
])
def test_illegal_values_name_field_value_and_range(field, value, message):
    with pytest.raises(ConfigError) as info:
        get_preset("u280").replace(**{field: value})
    assert str(info.value) == message
    assert info.value.field == field and info.value.value == value


def test_cross_field_rules():
    with pytest.raises(ConfigError, match=r"'mpu_lut_cols' = 0 .* at least one column"):
        AcceleratorConfig(mpu_dsp_cols=0, mpu_lut_cols=0)
    with pytest.raises(ConfigError, match=r"'max_seq_len' = 128 .* \[256, 1048576\]"):
        AcceleratorConfig(max_seq_len=128)


def test_unknown_preset():
    with pytest.raises(ConfigError, match=r"config field 'preset' = 'vu9p' is not allowed: must be one of \['tiny', 'u280'\]"):
        get_preset("vu9p")


def test_derived_quantities():
    cfg = get_preset("u280")
    assert cfg.max_blocks == 1024
    assert cfg.dsp_estimate == 32 * 144 // 2          # 144 DSP columns on 72 pair lanes
    assert cfg.replace(mpu_dsp_cols=5).dsp_estimate == 32 * 3            # two pairs and a single lane
    assert cfg.block_bytes == 2 * 128 * 128
