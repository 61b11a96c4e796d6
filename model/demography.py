"""Stage 1, demography: newcomers fill the slots freed by last week's deaths, everyone ages a week,
and background plus disease excess mortality is drawn."""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from territoire.agents.patients import NO_GP, WEEKS_PER_YEAR
from territoire.model.chunks import CHUNK
from territoire.model.events_codes import ARRIVED, DIED
from territoire.model.rng import uniform

MAX_AGE_INDEX = 119  # ages beyond are treated as 119 in the tables


def log_survival_tables(gompertz_a, gompertz_b: float, floor: float, excess: np.ndarray):
    """log(1 - annual death probability): background by (sex, age) and excess by (disease, stage)."""
    ages = np.arange(MAX_AGE_INDEX + 1)
    q = np.minimum(0.6, np.asarray(gompertz_a)[:, None] * np.exp(gompertz_b * ages)[None, :]) + floor
    return np.ascontiguousarray(np.log1p(-q)), np.ascontiguousarray(np.log1p(-np.asarray(excess)))


@njit(cache=True, parallel=True)
def demography_kernel(week, key, key_newcomer, alive, age_weeks, sex, vulnerable, mobility, digital, stage,
                      weeks_since, gp, enrolled, telemonitored, pending_routine, event,
                      log_bg, log_ex, p_female, p_vulnerable, newcomer_mobility, newcomer_digital):
    """Updates the patient arrays in place and writes this week's ``event`` flags (reset here)."""
    n = alive.shape[0]
    for c in prange((n + CHUNK - 1) // CHUNK):
        for i in range(c * CHUNK, min(n, (c + 1) * CHUNK)):
            ev = 0
            if not alive[i]:
                # A newborn (assumption: births and arrivals replace deaths commune by commune).
                alive[i] = True
                age_weeks[i] = 0
                sex[i] = 1 if uniform(key_newcomer, i, week, 0) < p_female else 0
                vulnerable[i] = uniform(key_newcomer, i, week, 1) < p_vulnerable
                u = uniform(key_newcomer, i, week, 2)
                mobility[i] = 0 if u < newcomer_mobility[0] else (1 if u < newcomer_mobility[0] + newcomer_mobility[1] else 2)
                digital[i] = uniform(key_newcomer, i, week, 3) < newcomer_digital
                for d in range(stage.shape[1]):
                    stage[i, d] = 0
                    weeks_since[i, d] = 0
                gp[i] = NO_GP
                enrolled[i] = False
                telemonitored[i] = False
                pending_routine[i] = 0
                ev |= ARRIVED
            if age_weeks[i] < 32767:
                age_weeks[i] += 1
            age = min(age_weeks[i] // WEEKS_PER_YEAR, log_bg.shape[1] - 1)
            log_s = log_bg[sex[i], age]
            for d in range(stage.shape[1]):
                log_s += log_ex[d, stage[i, d]]
            if uniform(key, i, week, 0) < -np.expm1(log_s / WEEKS_PER_YEAR):
                alive[i] = False
                gp[i] = NO_GP
                ev |= DIED
            event[i] = ev
