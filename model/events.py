"""Stage 6, events: acute episodes become hospital stays (more often when seen late, at the
emergency department; less often under telemonitoring), stays can worsen the disease or end in death.
"""

from __future__ import annotations

from numba import njit, prange

from territoire.agents.patients import HEART_FAILURE, NO_GP, OSTEOPOROSIS
from territoire.model.chunks import CHUNK
from territoire.model.events_codes import DIED, HOSPITALISED, URGENT, URGENT_ED
from territoire.model.rng import uniform


@njit(cache=True, parallel=True)
def events_kernel(
    week,
    key,
    alive,
    event,
    acute,
    stage,
    weeks_since,
    telemonitored,
    gp,
    hospitalisation_if_gp,
    emergency_rr,
    telemonitoring_rr,
    death_in_hospital,
    hf_hospital_worsen,
):
    n = alive.shape[0]
    for c in prange((n + CHUNK - 1) // CHUNK):
        for i in range(c * CHUNK, min(n, (c + 1) * CHUNK)):
            if not alive[i] or not (event[i] & URGENT):
                continue
            d = acute[i]
            s = stage[i, d]
            p = hospitalisation_if_gp[d, s]
            if (
                d != OSTEOPOROSIS
            ):  # a fracture's admission depends on the bone, not on who saw it first
                if event[i] & URGENT_ED:
                    p *= emergency_rr
                if d == HEART_FAILURE and telemonitored[i]:
                    p *= telemonitoring_rr
            if d == OSTEOPOROSIS:
                stage[i, d] = 3  # after a fragility fracture
            if uniform(key, i, week, 0) < min(p, 0.95):
                event[i] |= HOSPITALISED
                weeks_since[i, d] = 0  # seen by the hospital team
                if d == HEART_FAILURE and s < 3 and uniform(key, i, week, 2) < hf_hospital_worsen:
                    stage[i, d] = s + 1
                if uniform(key, i, week, 1) < death_in_hospital[d]:
                    alive[i] = False
                    gp[i] = NO_GP
                    event[i] |= DIED
