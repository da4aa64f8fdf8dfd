"""Interface objects: a named group of signals passed to a block as one argument.

A :class:`Bundle` subclass lists its signals in ``SIGNALS`` (in port order). A block that takes a
bundle argument ``m_axi`` reads ``m_axi.arvalid`` and so on; MyHDL converts it to ports named
``m_axi_arvalid``, ..., in ``SIGNALS`` order, the names the flat ports had, and the hierarchical
conversion (``fast_prefill/hierarchy.py``) instantiates such a block by those names. The registry
(``fast_prefill/blocks.bundle_ports``) groups a flat port dictionary into bundles, so benches and
proofs keep naming ports one by one. :meth:`Bundle.of` wraps existing signals without copying them.
"""

from __future__ import annotations


class Bundle:
    """Base of the interface classes: ``SIGNALS``, the attribute names in port order."""

    SIGNALS: tuple[str, ...] = ()

    @classmethod
    def of(cls, *signals):
        """A bundle made of ``signals`` themselves (in ``SIGNALS`` order), not copies."""
        if len(signals) != len(cls.SIGNALS):
            raise ValueError(f"{cls.__name__.lower()} field 'signals' = {len(signals)} signals is not allowed: "
                             f"must be {len(cls.SIGNALS)} ({', '.join(cls.SIGNALS)})")
        obj = cls.__new__(cls)
        for name, sig in zip(cls.SIGNALS, signals):
            setattr(obj, name, sig)
        return obj

    def ports(self) -> tuple:
        """The signals in ``SIGNALS`` order."""
        return tuple(getattr(self, n) for n in self.SIGNALS)
