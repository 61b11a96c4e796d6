"""Stage 3, progression: stage transitions, slowed by timely follow-up, the programme, practice
nurses and telemonitoring, accelerated by missed follow-up.

Yearly rates become weekly probabilities as ``rate × modifiers ÷ 52`` (rates are small; a week is short).
"""

from __future__ import annotations

from numba import njit, prange

from territoire.agents.patients import DIABETES, HEART_FAILURE, NO_GP, OSTEOPOROSIS, WEEKS_PER_YEAR
from territoire.model.chunks import CHUNK
from territoire.model.demography import stage_combo
from territoire.model.rng import uniform


@njit(cache=True, parallel=True)
def progression_kernel(
    week,
    key,
    alive,
    stage,
    weeks_since,
    enrolled,
    telemonitored,
    gp,
    gp_has_nurse,
    followup_weeks,
    worsen,
    regain,
    complicate,
    osteoporosis_diagnosis,
    missed_rr,
    overdue_factor,
    enrolled_rr,
    enrolled_regain_rr,
    nurse_regain_rr,
    telemonitoring_rr,
):
    n = alive.shape[0]
    for c in prange((n + CHUNK - 1) // CHUNK):
        progression_chunk(
            c * CHUNK,
            min(n, (c + 1) * CHUNK),
            week,
            key,
            alive,
            stage,
            weeks_since,
            enrolled,
            telemonitored,
            gp,
            gp_has_nurse,
            followup_weeks,
            worsen,
            regain,
            complicate,
            osteoporosis_diagnosis,
            missed_rr,
            overdue_factor,
            enrolled_rr,
            enrolled_regain_rr,
            nurse_regain_rr,
            telemonitoring_rr,
        )


@njit(cache=True)
def progression_chunk(
    lo,
    hi,
    week,
    key,
    alive,
    stage,
    weeks_since,
    enrolled,
    telemonitored,
    gp,
    gp_has_nurse,
    followup_weeks,
    worsen,
    regain,
    complicate,
    osteoporosis_diagnosis,
    missed_rr,
    overdue_factor,
    enrolled_rr,
    enrolled_regain_rr,
    nurse_regain_rr,
    telemonitoring_rr,
):
    """Progression of patient slots ``lo`` to ``hi - 1`` (the body of ``progression_kernel``)."""
    for i in range(lo, hi):
        if not alive[i] or stage_combo(stage, i) == 0:  # ~82 % have none of the four
            continue
        nurse = gp[i] != NO_GP and gp_has_nurse[gp[i]]
        for d in range(stage.shape[1]):
            s = stage[i, d]
            if s == 0 or s == 3:
                continue
            u = uniform(key, i, week, d)
            if d == OSTEOPOROSIS:
                if s == 2 and u < osteoporosis_diagnosis / WEEKS_PER_YEAR:
                    stage[i, d] = 1  # diagnosed and treated
                elif s == 1 and u < worsen[d] / WEEKS_PER_YEAR:
                    stage[i, d] = 2  # treatment stopped
                continue
            fu = followup_weeks[d, s]
            overdue = fu > 0 and weeks_since[i, d] > overdue_factor * fu
            bad = (missed_rr if overdue else 1.0) * (enrolled_rr if enrolled[i] else 1.0)
            if s == 1:
                if u < worsen[d] * bad / WEEKS_PER_YEAR:
                    stage[i, d] = 2
            else:
                tele = (
                    telemonitoring_rr
                    if (telemonitored[i] and (d == HEART_FAILURE or d == DIABETES))
                    else 1.0
                )
                p_complicate = complicate[d] * bad * tele / WEEKS_PER_YEAR
                p_regain = 0.0
                if not overdue:
                    p_regain = (
                        regain[d]
                        * (enrolled_regain_rr if enrolled[i] else 1.0)
                        * (nurse_regain_rr if nurse else 1.0)
                        / WEEKS_PER_YEAR
                    )
                if u < p_complicate:
                    stage[i, d] = 3
                elif u < p_complicate + p_regain:
                    stage[i, d] = 1
