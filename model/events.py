"""Stage 6, events: acute episodes become hospital stays (more often when seen late, at the
emergency department; less often under telemonitoring), stays can worsen the disease or end in
death.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit, prange

from territoire.agents.patients import NO_GP
from territoire.model.chunks import CHUNK
from territoire.model.draws import ADMISSION, DEATH_IN_HOSPITAL, STAY_WORSENS
from territoire.model.events_codes import DIED, HOSPITALISED, URGENT, URGENT_ED
from territoire.model.rng import uniform


class EventsInputs(NamedTuple):
    """What the events stage reads besides the patients."""

    key: np.uint64  # draw stream of events
    # probability an acute episode seen by a GP ends in a stay, disease × stage
    hospitalisation_if_gp: np.ndarray
    emergency_rr: float  # on that probability when the episode went to the emergency department
    telemonitoring_rr: float  # on a heart-failure stay under telemonitoring
    death_in_hospital: np.ndarray  # probability a stay ends in death, by disease
    stay_worsens: float  # probability a stay moves the patient one stage up (where it may)
    # what is particular to each disease (``diseases.roles``; flat: numba's parallel loops refuse
    # a tuple inside a tuple)
    fracture_episode: np.ndarray  # bool by disease: the episode is the complication itself
    telemonitored_stays: np.ndarray  # bool by disease: telemonitoring lowers admissions
    stay_may_worsen: np.ndarray  # bool by disease: a stay may move the patient one stage up


def events_inputs(model) -> EventsInputs:
    dp, t = model.disease_params, model.dtables
    return EventsInputs(
        model.keys["events"],
        t["hospitalisation_if_gp"],
        dp.hospitalisation_if_emergency_rr * model.policy.emergency_hospitalisation_multiplier,
        dp.telemonitoring_hospitalisation_rr,
        t["death_in_hospital"],
        dp.hf_hospital_worsen,
        model.roles.fracture_episode,
        model.roles.telemonitored_stays,
        model.roles.stay_may_worsen,
    )


@njit(cache=True, parallel=True)
def events_kernel(week, people, x):
    """Acute episodes of the week become stays, stage changes and deaths (patient arrays updated in
    place).

    The loop body is a function of its own: numba 0.68 loses writes made through a ``NamedTuple``'s
    arrays directly inside a ``prange`` body (reads are fine), not those made in a called function.
    """
    n = people.alive.shape[0]
    for c in prange((n + CHUNK - 1) // CHUNK):
        events_chunk(c * CHUNK, min(n, (c + 1) * CHUNK), week, people, x)


@njit(cache=True)
def events_chunk(lo, hi, week, people, x):
    """Events of patient slots ``lo`` to ``hi - 1`` (the body of ``events_kernel``)."""
    for i in range(lo, hi):
        if not people.alive[i] or not (people.event[i] & URGENT):
            continue
        d = people.acute[i]
        s = people.stage[i, d]
        p = x.hospitalisation_if_gp[d, s]
        # a fracture's admission depends on the bone, not on who saw it first
        if not x.fracture_episode[d]:
            if people.event[i] & URGENT_ED:
                p *= x.emergency_rr
            if x.telemonitored_stays[d] and people.telemonitored[i]:
                p *= x.telemonitoring_rr
        else:
            people.stage[i, d] = 3  # after a fragility fracture
        if uniform(x.key, i, week, ADMISSION) < min(p, 0.95):
            people.event[i] |= HOSPITALISED
            people.weeks_since[i, d] = 0  # seen by the hospital team
            worse = x.stay_may_worsen[d] and s < 3
            if worse and uniform(x.key, i, week, STAY_WORSENS) < x.stay_worsens:
                people.stage[i, d] = s + 1
            if uniform(x.key, i, week, DEATH_IN_HOSPITAL) < x.death_in_hospital[d]:
                people.alive[i] = False
                people.gp[i] = NO_GP
                people.event[i] |= DIED
