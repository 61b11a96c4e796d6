"""Stage 1, demography: newcomers fill the slots freed by last week's deaths, everyone ages a week,
and background plus disease excess mortality is drawn."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit, prange

from territoire.agents.patients import N_STAGES, NO_GP, WEEKS_PER_YEAR
from territoire.model.chunks import CHUNK
from territoire.model.draws import (
    DEATH,
    NEWCOMER_DIGITAL,
    NEWCOMER_MOBILITY,
    NEWCOMER_SEX,
    NEWCOMER_VULNERABLE,
)
from territoire.model.events_codes import ARRIVED, DIED
from territoire.model.rng import uniform

MAX_AGE_INDEX = 119  # ages beyond are treated as 119 in the tables


def weekly_death_table(
    gompertz_a, gompertz_b: float, floor: float, excess: np.ndarray
) -> np.ndarray:
    """Weekly death probability by sex, age and stage combination ``Σ_d stage_d · 4^d`` (2 × ages ×
    4^diseases).

    Background (Gompertz) and disease excess mortality combine as independent yearly risks:
    ``1 − (1 − q_bg) Π_d (1 − q_d)``, turned into a weekly probability with the same survival.
    """
    ages = np.arange(MAX_AGE_INDEX + 1)
    q = (
        np.minimum(0.6, np.asarray(gompertz_a)[:, None] * np.exp(gompertz_b * ages)[None, :])
        + floor
    )
    log_bg = np.log1p(-q)  # sex, age
    log_ex = np.log1p(-np.asarray(excess, float))  # disease, stage
    n_d, n_s = log_ex.shape
    combos = np.arange(n_s**n_d)
    stages = (combos[:, None] // n_s ** np.arange(n_d)[None, :]) % n_s  # combo, disease
    log_disease = log_ex[np.arange(n_d)[None, :], stages].sum(axis=1)
    return np.ascontiguousarray(
        -np.expm1((log_bg[:, :, None] + log_disease[None, None, :]) / WEEKS_PER_YEAR)
    )


@njit(cache=True, inline="always")
def whole_years(age_weeks):
    """Completed years of an age in weeks. Ages are never negative, so an unsigned division does it:
    about half the cost of Python's floor division on a signed integer (which the kernels do for
    every patient three times a week)."""
    return np.int64(np.uint32(age_weeks) // np.uint32(WEEKS_PER_YEAR))


@njit(cache=True, inline="always")
def stage_combo(stage, i):
    """Index of patient i's stages in ``weekly_death_table``: ``Σ_d stage_d · N_STAGES^d`` (0: none
    of the diseases)."""
    if stage.shape[1] == 4:  # the registry's four diseases: unrolled, ~1 ms a week less (bench)
        return stage[i, 0] + 4 * stage[i, 1] + 16 * stage[i, 2] + 64 * stage[i, 3]
    combo = 0
    for d in range(stage.shape[1] - 1, -1, -1):
        combo = combo * N_STAGES + stage[i, d]
    return combo


class DemographyInputs(NamedTuple):
    """What the demography stage reads besides the patients."""

    key: np.uint64  # draw stream: who dies
    # draw stream: a newcomer's sex, vulnerability, mobility, digital access
    key_newcomer: np.uint64
    death_table: np.ndarray  # weekly death probability, sex × age × stage combination
    p_female: float  # share of girls among newborns
    p_vulnerable: float  # share of newcomers in precarity or isolation
    newcomer_mobility: np.ndarray  # shares of newcomers by mobility class (car, limited, none)
    newcomer_digital: float  # share of newcomers able to use a teleconsultation


def demography_inputs(model) -> DemographyInputs:
    pp = model.population_params
    return DemographyInputs(
        key=model.keys["demography"],
        key_newcomer=model.keys["newcomer"],
        death_table=model.death_table,
        p_female=float(pp.female_share_by_age[0][1]),
        p_vulnerable=float(pp.p_vulnerable),
        newcomer_mobility=np.asarray(pp.mobility_by_age[0][1], np.float64),
        newcomer_digital=float(pp.digital_by_age[0][1]),
    )


@njit(cache=True, parallel=True)
def demography_kernel(week, people, x):
    """Updates the patient arrays in place and writes this week's ``event`` flags (reset here)."""
    n = people.alive.shape[0]
    for c in prange((n + CHUNK - 1) // CHUNK):
        demography_chunk(c * CHUNK, min(n, (c + 1) * CHUNK), week, people, x)


@njit(cache=True)
def demography_chunk(lo, hi, week, people, x):
    """Demography of patient slots ``lo`` to ``hi - 1`` (the body of ``demography_kernel``)."""
    # the bundles' fields bound once: read through the tuple, numba reloads them at every use
    alive, age_weeks, sex = people.alive, people.age_weeks, people.sex
    vulnerable, mobility, digital = people.vulnerable, people.mobility, people.digital
    stage, weeks_since, gp, enrolled = people.stage, people.weeks_since, people.gp, people.enrolled
    telemonitored, pending_routine = people.telemonitored, people.pending_routine
    event, undiagnosed = people.event, people.undiagnosed
    key_newcomer, p_female, p_vulnerable = x.key_newcomer, x.p_female, x.p_vulnerable
    newcomer_mobility, newcomer_digital = x.newcomer_mobility, x.newcomer_digital
    death_table, key = x.death_table, x.key
    for i in range(lo, hi):
        ev = 0
        if not alive[i]:
            # A newborn (assumption: births and arrivals replace deaths commune by commune).
            alive[i] = True
            age_weeks[i] = 0
            sex[i] = 1 if uniform(key_newcomer, i, week, NEWCOMER_SEX) < p_female else 0
            vulnerable[i] = uniform(key_newcomer, i, week, NEWCOMER_VULNERABLE) < p_vulnerable
            u = uniform(key_newcomer, i, week, NEWCOMER_MOBILITY)
            mobility[i] = (
                0
                if u < newcomer_mobility[0]
                else (1 if u < newcomer_mobility[0] + newcomer_mobility[1] else 2)
            )
            digital[i] = uniform(key_newcomer, i, week, NEWCOMER_DIGITAL) < newcomer_digital
            for d in range(stage.shape[1]):
                stage[i, d] = 0
                weeks_since[i, d] = 0
                undiagnosed[i, d] = False
            gp[i] = NO_GP
            enrolled[i] = False
            telemonitored[i] = False
            pending_routine[i] = 0
            ev |= ARRIVED
        if age_weeks[i] < 32767:
            age_weeks[i] += 1
        age = min(whole_years(age_weeks[i]), death_table.shape[1] - 1)
        if uniform(key, i, week, DEATH) < death_table[sex[i], age, stage_combo(stage, i)]:
            alive[i] = False
            gp[i] = NO_GP
            ev |= DIED
        event[i] = ev
