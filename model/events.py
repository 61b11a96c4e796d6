"""Stage 6, events: what the week's care did. A contact with care (a visit, a teleconsultation,
the rota) may diagnose an undiagnosed disease; acute episodes become hospital stays (more often
when seen late, at the emergency department, and without a médecin traitant; less often under
telemonitoring), which diagnose their disease and can worsen it or end in death.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit, prange

from territoire.agents.patients import NO_GP
from territoire.model.chunks import CHUNK
from territoire.model.draws import (
    ADMISSION,
    DEATH_IN_HOSPITAL,
    DIAGNOSIS,
    DIAGNOSIS_BLOCK,
    STAY_WORSENS,
    disease_slot,
)
from territoire.model.events_codes import (
    DIAGNOSED,
    DIED,
    FOLLOWUP_DONE,
    HAS_UNDIAGNOSED,
    HOSPITALISED,
    ROUTINE_DONE,
    URGENT,
    URGENT_ED,
    URGENT_GP,
)
from territoire.model.rng import uniform

# a contact with care this week: an acute episode seen by a GP (or the rota, a nursing-home
# teleconsultation), a follow-up or routine visit done (in person, teleconsultation, booth, team)
CONTACT = URGENT_GP | FOLLOWUP_DONE | ROUTINE_DONE


class EventsInputs(NamedTuple):
    """What the events stage reads besides the patients."""

    key: np.uint64  # draw stream of events
    # probability an acute episode seen by a GP ends in a stay, disease × stage
    hospitalisation_if_gp: np.ndarray
    emergency_rr: float  # on that probability when the episode went to the emergency department
    telemonitoring_rr: float  # on a heart-failure stay under telemonitoring
    no_gp_rr: float  # on that probability without a médecin traitant (no continuity of care)
    death_in_hospital: np.ndarray  # probability a stay ends in death, by disease
    stay_worsens: float  # probability a stay moves the patient one stage up (where it may)
    # what is particular to each disease (``diseases.roles``; flat: numba's parallel loops refuse
    # a tuple inside a tuple)
    fracture_episode: np.ndarray  # bool by disease: the episode is the complication itself
    telemonitored_stays: np.ndarray  # bool by disease: telemonitoring lowers admissions
    stay_may_worsen: np.ndarray  # bool by disease: a stay may move the patient one stage up
    # by disease: probability that a contact with care diagnoses an undiagnosed case
    detection_per_visit: np.ndarray


def events_inputs(model) -> EventsInputs:
    dp, t = model.disease_params, model.dtables
    return EventsInputs(
        key=model.keys["events"],
        hospitalisation_if_gp=t["hospitalisation_if_gp"],
        emergency_rr=dp.hospitalisation_if_emergency_rr
        * model.policy.emergency_hospitalisation_multiplier,
        telemonitoring_rr=dp.telemonitoring_hospitalisation_rr,
        no_gp_rr=dp.no_gp_admission_rr,
        death_in_hospital=t["death_in_hospital"],
        stay_worsens=dp.hf_hospital_worsen,
        fracture_episode=model.roles.fracture_episode,
        telemonitored_stays=model.roles.telemonitored_stays,
        stay_may_worsen=model.roles.stay_may_worsen,
        detection_per_visit=t["detection_per_visit"] * model.policy.detection_multiplier,
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
    # the bundles' fields bound once: read through the tuple, numba reloads them at every use
    alive, event, acute, stage = people.alive, people.event, people.acute, people.stage
    telemonitored, weeks_since, gp = people.telemonitored, people.weeks_since, people.gp
    undiagnosed = people.undiagnosed
    hospitalisation_if_gp, fracture_episode = x.hospitalisation_if_gp, x.fracture_episode
    emergency_rr, telemonitored_stays = x.emergency_rr, x.telemonitored_stays
    telemonitoring_rr, key, stay_may_worsen = x.telemonitoring_rr, x.key, x.stay_may_worsen
    stay_worsens, death_in_hospital, no_gp_rr = x.stay_worsens, x.death_in_hospital, x.no_gp_rr
    detection_per_visit = x.detection_per_visit
    for i in range(lo, hi):
        ev = event[i]
        # one test for the ~94 % with nothing to do: no episode, no undiagnosed disease
        if not (ev & (URGENT | HAS_UNDIAGNOSED)) or not alive[i]:
            continue
        if (ev & HAS_UNDIAGNOSED) and (ev & CONTACT):
            for e in range(undiagnosed.shape[1]):
                if undiagnosed[i, e]:
                    slot = disease_slot(DIAGNOSIS, DIAGNOSIS_BLOCK, e)
                    if uniform(key, i, week, slot) < detection_per_visit[e]:
                        undiagnosed[i, e] = False
                        weeks_since[i, e] = 0  # seen: the follow-up clock starts
                        event[i] |= DIAGNOSED
        if not (event[i] & URGENT):
            continue
        d = acute[i]
        s = stage[i, d]
        p = hospitalisation_if_gp[d, s]
        # a fracture's admission depends on the bone, not on who saw it first
        if not fracture_episode[d]:
            if event[i] & URGENT_ED:
                p *= emergency_rr
            if telemonitored_stays[d] and telemonitored[i]:
                p *= telemonitoring_rr
            if gp[i] == NO_GP:
                p *= no_gp_rr
        else:
            stage[i, d] = 3  # after a fragility fracture
        if uniform(key, i, week, ADMISSION) < min(p, 0.95):
            event[i] |= HOSPITALISED
            weeks_since[i, d] = 0  # seen by the hospital team
            if undiagnosed[i, d]:
                undiagnosed[i, d] = False  # diagnosed in hospital
                event[i] |= DIAGNOSED
            worse = stay_may_worsen[d] and s < 3
            if worse and uniform(key, i, week, STAY_WORSENS) < stay_worsens:
                stage[i, d] = s + 1
            if uniform(key, i, week, DEATH_IN_HOSPITAL) < death_in_hospital[d]:
                alive[i] = False
                gp[i] = NO_GP
                event[i] |= DIED
