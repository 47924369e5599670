"""Random streams: every random result is a pure function of its seed.

A user seed (an int, a ``SeedSequence`` or ``None`` for fresh entropy) is turned into a
``SeedSequence``; independent streams for chunks of work are spawned from it, and each
stream seeds a xoshiro256** state used inside the kernels. Chunks, not threads, own the
streams, so results are identical for any number of threads or processes.
"""

from __future__ import annotations

import numpy as np

from maxent._util.errors import ValidationError

__all__ = ["as_seed_sequence", "seed_value", "stream_states"]


def as_seed_sequence(seed) -> np.random.SeedSequence:
    """Return a ``SeedSequence`` for ``seed`` (int >= 0, SeedSequence, Generator or None)."""
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if isinstance(seed, np.random.Generator):
        return np.random.SeedSequence(seed.integers(0, 2**63))
    if seed is None:
        return np.random.SeedSequence()
    try:
        value = int(seed)
    except (TypeError, ValueError):
        raise ValidationError("seed", f"must be a non-negative integer (got {seed!r})") from None
    if value < 0 or value != seed:
        raise ValidationError("seed", f"must be a non-negative integer (got {seed!r})")
    return np.random.SeedSequence(value)


def seed_value(seq: np.random.SeedSequence) -> int:
    """The integer root seed of ``seq`` to report with a result (0 if it has none)."""
    return int(seq.entropy) if isinstance(seq.entropy, int) else 0


def stream_states(seq: np.random.SeedSequence, count: int, start: int = 0) -> np.ndarray:
    """xoshiro256** states for streams ``start .. start+count-1`` spawned from ``seq``.

    Stream ``i`` is always the child with spawn key ``seq.spawn_key + (i,)``, so a
    prefix of the work (the first draws) does not depend on how much work follows.
    """
    states = np.empty((count, 4), dtype=np.uint64)
    for j in range(count):
        child = np.random.SeedSequence(
            entropy=seq.entropy, spawn_key=(*seq.spawn_key, start + j), pool_size=seq.pool_size
        )
        st = child.generate_state(4, np.uint64)
        if not st.any():  # the all-zero state is the one fixed point of xoshiro
            st[0] = 1
        states[j] = st
    return states
