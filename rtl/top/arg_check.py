"""The kernel's argument checks (a sub-block of ``fast_prefill``): the status code of the first
illegal argument, in ``rtl/top/regmap.toml``'s code order, or 0.

Combinational, from the argument registers (held while the kernel runs) and two values the kernel
computes from them: ``rem`` (``H % Hkv`` from its divider) and ``nd`` (``N * D`` bytes). The codes
(docs/kernel.md, "Argument checks"):

1. ``N = 0``, ``N > seq_max`` or ``N`` not a multiple of ``B``;
2. ``H = 0``, ``Hkv = 0``, ``Hkv > H`` or ``H % Hkv != 0``;
3. ``gamma = 0`` or ``gamma > gamma_one``;
4. ``min_budget = 0`` or ``max_budget < min_budget``;
5. a pointer not ``POINTER_ALIGN`` aligned, or (``Hkv > 1``, or ``H > 1`` with ``tau != 0``) ``N * D``
   not a multiple of the SIG head's read burst (``kv_align_mask + 1`` bytes);
8. ``mult = 0`` or ``mult >= mult_lim``; ``shift <= logit_frac`` or ``> SHIFT_MAX``; with ``tau != 0``
   also ``shift > shift_qa``;
9. ``tau != 0`` while the build has no query-aware unit (``qa_unit``).

The codes and their names have one source, ``regmap.toml`` ``[error_codes]``: ``E_<name>`` here.
"""

from __future__ import annotations

from myhdl import always_comb, block, intbv

from ..common.params import check_int
from .regmap import RegisterMap

POINTER_ALIGN = 4096       # every pointer argument: 4 KiB (a burst never crosses 4 KiB)
ALIGN_BITS = POINTER_ALIGN.bit_length() - 1   # the pointer's low bits that must be zero
SHIFT_MAX = 62             # golden score_multiplier saturates the shift at 62

# error codes, by name from rtl/top/regmap.toml [error_codes] (one source for the RTL, the driver
# and the C header; a name missing there is an error at import)
ERROR_NAMES = ("SEQ_LEN", "HEADS", "GAMMA", "BUDGET", "POINTER", "AXI_READ", "AXI_WRITE", "MULT", "TAU", "INTERNAL")
(E_SEQ_LEN, E_HEADS, E_GAMMA, E_BUDGET, E_POINTER, E_AXI_READ, E_AXI_WRITE, E_MULT, E_TAU,
 E_INTERNAL) = (RegisterMap().error_code(name) for name in ERROR_NAMES)


@block
def kernel_arg_check(a_n, a_h, a_hkv, a_gamma, a_minb, a_maxb, a_q, a_k, a_v, a_o, a_tau, a_mult, a_shift, rem, nd,
                     err_code, block_size=8, seq_max=1024, gamma_one=1 << 16, mult_bits=16, logit_frac=8,
                     shift_qa=56, kv_align_mask=511, qa_unit=False):
    check_int("kernel_arg_check", "block_size", block_size, 2, 256)
    check_int("kernel_arg_check", "seq_max", seq_max, 1)
    check_int("kernel_arg_check", "kv_align_mask", kv_align_mask, 0, POINTER_ALIGN - 1)
    low_b = block_size - 1
    mult_lim = 1 << mult_bits
    lf = logit_frac
    qa = bool(qa_unit)

    @always_comb
    def check():
        code = intbv(0)[8:]
        if a_n == 0 or a_n > seq_max or (a_n & low_b) != 0:
            code[:] = E_SEQ_LEN
        elif a_h == 0 or a_hkv == 0 or a_hkv > a_h or rem != 0:
            code[:] = E_HEADS
        elif a_gamma == 0 or a_gamma > gamma_one:
            code[:] = E_GAMMA
        elif a_minb == 0 or a_maxb < a_minb:
            code[:] = E_BUDGET
        elif (a_q[ALIGN_BITS:0] != 0 or a_k[ALIGN_BITS:0] != 0 or a_v[ALIGN_BITS:0] != 0 or a_o[ALIGN_BITS:0] != 0
              or ((a_hkv > 1 or (a_h > 1 and a_tau != 0)) and (nd & kv_align_mask) != 0)):
            code[:] = E_POINTER
        elif (a_mult == 0 or a_mult >= mult_lim or a_shift <= lf or a_shift > SHIFT_MAX
              or (a_tau != 0 and a_shift > shift_qa)):
            code[:] = E_MULT
        elif a_tau != 0 and not qa:
            code[:] = E_TAU
        err_code.next = code

    return check
