"""Stage 4, demand: chronic follow-up visits falling due, acute episodes, routine GP needs."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit, prange

from territoire.agents.patients import WEEKS_PER_YEAR
from territoire.model.chunks import CHUNK
from territoire.model.demography import stage_combo, whole_years
from territoire.model.draws import ACUTE_EPISODE, ACUTE_EPISODE_BLOCK, ROUTINE_NEED, disease_slot
from territoire.model.events_codes import FOLLOWUP, ROUTINE, URGENT
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


def demand_inputs(model) -> DemandInputs:
    dp = model.disease_params
    return DemandInputs(
        key=model.keys["demand"],
        followup_weeks=model.ctables["followup_weeks"],
        acute_rate=model.dtables["acute_rate"],
        acute_missed_rr=dp.acute_missed_followup_rr,
        acute_enrolled_rr=dp.acute_enrolled_rr,
        overdue_factor=dp.overdue_factor,
        routine_weekly_by_age=model.routine_weekly,
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
    routine_weekly_by_age = x.routine_weekly_by_age
    for i in range(lo, hi):
        acute[i] = NO_EPISODE
        if not alive[i]:
            continue
        ev = event[i]
        if stage_combo(stage, i) != 0:  # ~18 % have one of the four diseases
            episode = NO_EPISODE
            for d in range(stage.shape[1]):
                s = stage[i, d]
                if s == 0:
                    continue
                fu = followup_weeks[d, s]
                if fu > 0:
                    if weeks_since[i, d] < 32767:
                        weeks_since[i, d] += 1
                    if weeks_since[i, d] >= fu:
                        ev |= FOLLOWUP
                if episode == NO_EPISODE:
                    overdue = fu > 0 and weeks_since[i, d] > overdue_factor * fu
                    rate = (
                        acute_rate[d, s]
                        * (acute_missed_rr if overdue else 1.0)
                        * (acute_enrolled_rr if enrolled[i] else 1.0)
                    )
                    if uniform(key, i, week, acute_slot(d)) < rate / WEEKS_PER_YEAR:
                        episode = d
                        ev |= URGENT
            acute[i] = episode
        if pending_routine[i] > 0:
            ev |= ROUTINE
        else:
            age = min(whole_years(age_weeks[i]), routine_weekly_by_age.shape[0] - 1)
            if uniform(key, i, week, ROUTINE_NEED) < routine_weekly_by_age[age]:
                ev |= ROUTINE
        event[i] = ev
