"""Stages 1 to 4 in one parallel pass: each chunk of patients goes through demography, onset,
progression and demand while its slots are in the core's cache (a chunk is ~150 kB), and the threads
start and join once a week instead of four times.

These stages only touch the patient's own slot (and read shared tables), so running them chunk by
chunk gives exactly what running them stage by stage gives; the model runs the stage kernels one
by one with ``kernels="reference"`` and the tests compare the two. Arguments: the week, the
patients, and each stage's inputs (``DemographyInputs``, ``OnsetInputs``, …).
"""

from __future__ import annotations

from numba import njit, prange

from territoire.model.chunks import CHUNK
from territoire.model.demand import demand_chunk
from territoire.model.demography import demography_chunk
from territoire.model.onset import onset_chunk
from territoire.model.progression import progression_chunk


@njit(cache=True, parallel=True)
def patient_week_kernel(week, people, demography, onset, progression, demand):
    n = people.alive.shape[0]
    for c in prange((n + CHUNK - 1) // CHUNK):
        lo, hi = c * CHUNK, min(n, (c + 1) * CHUNK)
        demography_chunk(lo, hi, week, people, demography)
        onset_chunk(lo, hi, week, people, onset)
        progression_chunk(lo, hi, week, people, progression)
        demand_chunk(lo, hi, week, people, demand)
