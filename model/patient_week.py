"""Stages 1 to 4 in one parallel pass: each chunk of patients goes through demography, onset,
progression and demand while its slots are in the core's cache (a chunk is ~150 kB), and the threads
start and join once a week instead of four times.

These stages only touch the patient's own slot (and read shared tables), so running them chunk by
chunk gives exactly what running them stage by stage gives; the model runs the stage kernels one
by one with ``kernels="reference"`` and the tests compare the two. Arguments are the stage kernels'
own, as tuples (without ``week``, which comes first).
"""

from __future__ import annotations

from numba import njit, prange

from territoire.model.chunks import CHUNK
from territoire.model.demand import demand_chunk
from territoire.model.demography import demography_chunk
from territoire.model.onset import onset_chunk
from territoire.model.progression import progression_chunk


@njit(cache=True, parallel=True)
def patient_week_kernel(n, week, demography, onset, progression, demand):
    for c in prange((n + CHUNK - 1) // CHUNK):
        lo, hi = c * CHUNK, min(n, (c + 1) * CHUNK)
        demography_chunk(lo, hi, week, *demography)
        onset_chunk(lo, hi, week, *onset)
        progression_chunk(lo, hi, week, *progression)
        demand_chunk(lo, hi, week, *demand)
