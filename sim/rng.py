"""Named, seeded random streams: one ``numpy.random.Generator`` per component.

Each stream is derived from the scenario seed and the component's scope name
(``"link.client_to_gateway"``) through a stable hash (BLAKE2b, never Python's
``hash()``), so adding a component never changes another component's draws and
the same seed gives the same draws in any process on any machine.
"""

from __future__ import annotations

import hashlib

import numpy as np


def stable_key(name: str) -> int:
    """Return a 64-bit integer derived from ``name`` that never changes between runs."""
    return int.from_bytes(hashlib.blake2b(name.encode("utf-8"), digest_size=8).digest(), "little")


class RandomStreams:
    """Factory of independent generators keyed by scope name, all derived from one seed."""

    def __init__(self, seed: int) -> None:
        if seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed}")
        self.seed = seed
        self._streams: dict[str, np.random.Generator] = {}

    def stream(self, name: str) -> np.random.Generator:
        """Return the generator for ``name``; the same object for repeated calls."""
        generator = self._streams.get(name)
        if generator is None:
            sequence = np.random.SeedSequence(entropy=self.seed, spawn_key=(stable_key(name),))
            generator = np.random.Generator(np.random.PCG64(sequence))
            self._streams[name] = generator
        return generator

    def names(self) -> list[str]:
        """Names of the streams handed out so far, sorted."""
        return sorted(self._streams)
