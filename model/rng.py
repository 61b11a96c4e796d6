"""Random numbers that give common random numbers across scenarios and identical results on any
thread count.

Two kinds:

* ``stream(seed, process)``: a ``numpy.random.Generator`` per named process, for building the
  initial population and providers (done once, in Python);
* ``uniform(key, patient, week, slot)``: a counter-based draw, a pure function of the process key,
  the patient slot, the week and a slot number, used inside numba kernels. A patient gets the same
  draw for the same decision in every scenario, however many draws other patients or other levers
  use, so a lever only changes what it touches (common random numbers), and the result cannot depend
  on how patients are split between threads.
"""

from __future__ import annotations

import hashlib

import numpy as np
from numba import njit, uint64

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def process_key(seed: int, process: str) -> np.uint64:
    """A 64-bit key for (seed, process): stable across runs, platforms and Python hash seeds."""
    digest = hashlib.sha256(f"{int(seed)}:{process}".encode()).digest()
    return np.uint64(int.from_bytes(digest[:8], "little"))


def stream(seed: int, process: str) -> np.random.Generator:
    """Independent generator for one named process of one run (e.g. ``"population.age"``)."""
    return np.random.default_rng(int(process_key(seed, process)))


@njit(cache=True, inline="always")
def splitmix64(x):
    """One splitmix64 finaliser step (Steele, Lea & Flood 2014): a bijective 64-bit mix."""
    z = x + uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> uint64(30))) * uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> uint64(27))) * uint64(0x94D049BB133111EB)
    return z ^ (z >> uint64(31))


@njit(cache=True, inline="always")
def uniform(key, patient, week, slot):
    """Uniform draw in [0, 1) keyed by (process key, patient slot, week, decision slot)."""
    h = splitmix64(key ^ uint64(patient))
    h = splitmix64(h ^ (uint64(week) << uint64(8)) ^ uint64(slot))
    return (h >> uint64(11)) * (1.0 / 9007199254740992.0)  # 53 random bits → [0, 1)


def uniform_np(key: np.uint64, patient: np.ndarray, week: int, slot: int) -> np.ndarray:
    """The same draws as ``uniform`` in plain numpy (for the readable reference and for tests)."""
    with np.errstate(over="ignore"):

        def mix(x):
            z = x + _GOLDEN
            z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
            z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
            return z ^ (z >> np.uint64(31))

        h = mix(np.uint64(key) ^ np.asarray(patient, dtype=np.uint64))
        h = mix(h ^ (np.uint64(week) << np.uint64(8)) ^ np.uint64(slot))
        return (h >> np.uint64(11)).astype(np.float64) * (1.0 / 9007199254740992.0)
