"""Stage 4, demand: chronic follow-up visits falling due, acute episodes, routine GP needs."""

from __future__ import annotations

from numba import njit, prange

from territoire.agents.patients import WEEKS_PER_YEAR
from territoire.model.chunks import CHUNK
from territoire.model.demography import stage_combo, whole_years
from territoire.model.events_codes import FOLLOWUP, ROUTINE, URGENT
from territoire.model.rng import uniform

NO_EPISODE = -1
ROUTINE_SLOT = 8  # draw slot of the routine need (slots 0-3: acute episode per disease)


@njit(cache=True, parallel=True)
def demand_kernel(
    week,
    key,
    alive,
    age_weeks,
    stage,
    weeks_since,
    enrolled,
    pending_routine,
    event,
    acute,
    followup_weeks,
    acute_rate,
    acute_missed_rr,
    acute_enrolled_rr,
    overdue_factor,
    routine_weekly_by_age,
):
    """Sets URGENT / FOLLOWUP / ROUTINE flags and ``acute`` (disease of the week's episode, or -1)."""
    n = alive.shape[0]
    for c in prange((n + CHUNK - 1) // CHUNK):
        demand_chunk(
            c * CHUNK,
            min(n, (c + 1) * CHUNK),
            week,
            key,
            alive,
            age_weeks,
            stage,
            weeks_since,
            enrolled,
            pending_routine,
            event,
            acute,
            followup_weeks,
            acute_rate,
            acute_missed_rr,
            acute_enrolled_rr,
            overdue_factor,
            routine_weekly_by_age,
        )


@njit(cache=True)
def demand_chunk(
    lo,
    hi,
    week,
    key,
    alive,
    age_weeks,
    stage,
    weeks_since,
    enrolled,
    pending_routine,
    event,
    acute,
    followup_weeks,
    acute_rate,
    acute_missed_rr,
    acute_enrolled_rr,
    overdue_factor,
    routine_weekly_by_age,
):
    """Demand of patient slots ``lo`` to ``hi - 1`` (the body of ``demand_kernel``)."""
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
                    if uniform(key, i, week, d) < rate / WEEKS_PER_YEAR:
                        episode = d
                        ev |= URGENT
            acute[i] = episode
        if pending_routine[i] > 0:
            ev |= ROUTINE
        else:
            age = min(whole_years(age_weeks[i]), routine_weekly_by_age.shape[0] - 1)
            if uniform(key, i, week, ROUTINE_SLOT) < routine_weekly_by_age[age]:
                ev |= ROUTINE
        event[i] = ev
