"""Stage 4, demand: chronic follow-up visits falling due and sought, acute episodes, routine GP
needs.

A follow-up that is due is not always sought at once: each week the patient asks for it with a
probability (``followup_seeking``) that is lower without a médecin traitant and far from a GP, and
higher with a practice nurse or in the coordinated care programme. A follow-up left undone goes
overdue, and an overdue follow-up raises acute episodes here and worsening in ``progression.py``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit, prange

from territoire.agents.patients import NO_GP, WEEKS_PER_YEAR
from territoire.model.access import distance_factor
from territoire.model.chunks import CHUNK
from territoire.model.demography import stage_combo, whole_years
from territoire.model.draws import (
    ACUTE_EPISODE,
    ACUTE_EPISODE_BLOCK,
    FOLLOWUP_SOUGHT,
    ROUTINE_NEED,
    disease_slot,
)
from territoire.model.events_codes import FOLLOWUP, HAS_UNDIAGNOSED, ROUTINE, URGENT
from territoire.model.rng import uniform

NO_EPISODE = -1


@njit(cache=True, inline="always")
def acute_slot(d):
    return disease_slot(ACUTE_EPISODE, ACUTE_EPISODE_BLOCK, d)


class DemandInputs(NamedTuple):
    """What the demand stage reads besides the patients."""

    key: np.uint64  # draw stream of demand
    followup_weeks: np.ndarray  # guideline interval, disease × stage, weeks (0: none)
    acute_rate: np.ndarray  # acute episodes per year, disease × stage
    acute_missed_rr: float  # on acute episodes when follow-up is overdue
    acute_enrolled_rr: float  # on acute episodes in the programme
    overdue_factor: float  # follow-up is overdue past this × its interval
    routine_weekly_by_age: np.ndarray  # probability of a new routine need a week, by age
    # weekly probability that a due follow-up is sought, by commune (distance to the nearest GP
    # included, ``followup_seeking``)
    seek_by_commune: np.ndarray
    seek_without_gp_rr: float  # on it without a médecin traitant
    seek_nurse_rr: float  # on it for the patients of a GP working with a practice nurse
    seek_enrolled_rr: float  # on it in the coordinated care programme
    gp_has_nurse: np.ndarray  # bool by GP slot


def followup_seeking(care, minutes_to_gp: np.ndarray) -> np.ndarray:
    """Weekly probability that a patient with a médecin traitant asks for a due follow-up, by
    commune: ``followup_seek_per_week × followup_seek_per_10_min ^ (minutes to the nearest GP ÷
    10)``."""
    factor = distance_factor(care.followup_seek_per_10_min, minutes_to_gp)
    return np.ascontiguousarray(np.minimum(1.0, care.followup_seek_per_week * factor))


def demand_inputs(model, gp: dict) -> DemandInputs:
    """``gp``: this week's GP arrays (``TerritoryModel.gp_arrays``)."""
    dp = model.disease_params
    return DemandInputs(
        key=model.keys["demand"],
        followup_weeks=model.ctables["followup_weeks"],
        acute_rate=model.dtables["acute_rate"],
        acute_missed_rr=dp.acute_missed_followup_rr,
        acute_enrolled_rr=dp.acute_enrolled_rr,
        overdue_factor=dp.overdue_factor,
        routine_weekly_by_age=model.routine_weekly,
        seek_by_commune=followup_seeking(model.care_params, model.minutes_to_gp),
        seek_without_gp_rr=model.care_params.followup_seek_without_gp_rr,
        seek_nurse_rr=dp.nurse_followup_rr,
        seek_enrolled_rr=dp.enrolled_followup_rr,
        gp_has_nurse=gp["has_nurse"],
    )


@njit(cache=True, parallel=True)
def demand_kernel(week, people, x):
    """Sets URGENT / FOLLOWUP / ROUTINE flags and ``acute`` (disease of the week's episode,
    or -1)."""
    n = people.alive.shape[0]
    for c in prange((n + CHUNK - 1) // CHUNK):
        demand_chunk(c * CHUNK, min(n, (c + 1) * CHUNK), week, people, x)


@njit(cache=True)
def demand_chunk(lo, hi, week, people, x):
    """Demand of patient slots ``lo`` to ``hi - 1`` (the body of ``demand_kernel``)."""
    # the bundles' fields bound once: read through the tuple, numba reloads them at every use
    acute, alive, event, stage = people.acute, people.alive, people.event, people.stage
    weeks_since, enrolled = people.weeks_since, people.enrolled
    pending_routine, age_weeks = people.pending_routine, people.age_weeks
    followup_weeks, overdue_factor, acute_rate = x.followup_weeks, x.overdue_factor, x.acute_rate
    acute_missed_rr, acute_enrolled_rr, key = x.acute_missed_rr, x.acute_enrolled_rr, x.key
    routine_weekly_by_age, seek_by_commune = x.routine_weekly_by_age, x.seek_by_commune
    seek_without_gp_rr, seek_nurse_rr = x.seek_without_gp_rr, x.seek_nurse_rr
    seek_enrolled_rr, gp_has_nurse = x.seek_enrolled_rr, x.gp_has_nurse
    commune, gp, undiagnosed, overdue_bits = (
        people.commune,
        people.gp,
        people.undiagnosed,
        people.overdue,
    )
    for i in range(lo, hi):
        acute[i] = NO_EPISODE
        if not alive[i]:
            continue
        ev = event[i]
        if stage_combo(stage, i) != 0:  # ~18 % have one of the four diseases
            episode = NO_EPISODE
            due = False
            late = 0  # bits of the diagnosed diseases whose follow-up is overdue
            for d in range(stage.shape[1]):
                s = stage[i, d]
                if s == 0:
                    continue
                hidden = undiagnosed[i, d]
                if hidden:
                    ev |= HAS_UNDIAGNOSED
                fu = followup_weeks[d, s]
                if fu > 0:
                    if weeks_since[i, d] < 32767:
                        weeks_since[i, d] += 1
                    if weeks_since[i, d] >= fu and not hidden:
                        due = True
                overdue = fu > 0 and weeks_since[i, d] > overdue_factor * fu
                if overdue and not hidden:
                    late |= 1 << d
                if episode == NO_EPISODE:
                    # untreated: an undiagnosed case has episodes as if its follow-up were overdue
                    overdue = overdue or hidden
                    rate = (
                        acute_rate[d, s]
                        * (acute_missed_rr if overdue else 1.0)
                        * (acute_enrolled_rr if enrolled[i] else 1.0)
                    )
                    if uniform(key, i, week, acute_slot(d)) < rate / WEEKS_PER_YEAR:
                        episode = d
                        ev |= URGENT
            acute[i] = episode
            overdue_bits[i] = late
            if due:
                mt = gp[i]
                seek = seek_by_commune[commune[i]]
                if mt == NO_GP:
                    seek *= seek_without_gp_rr
                elif gp_has_nurse[mt]:
                    seek *= seek_nurse_rr
                if enrolled[i]:
                    seek *= seek_enrolled_rr
                if uniform(key, i, week, FOLLOWUP_SOUGHT) < seek:
                    ev |= FOLLOWUP
        if pending_routine[i] > 0:
            ev |= ROUTINE
        else:
            age = min(whole_years(age_weeks[i]), routine_weekly_by_age.shape[0] - 1)
            if uniform(key, i, week, ROUTINE_NEED) < routine_weekly_by_age[age]:
                ev |= ROUTINE
        event[i] = ev
