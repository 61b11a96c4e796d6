"""Stage 3, progression: stage transitions, slowed by timely follow-up, the programme, practice
nurses and telemonitoring, accelerated by missed follow-up (an overdue follow-up multiplies
worsening and complication by ``missed_rr`` and divides regaining control by it).

Yearly rates become weekly probabilities as ``rate × modifiers ÷ 52`` (rates are small; a week is
short).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit, prange

from territoire.agents.patients import NO_GP, WEEKS_PER_YEAR
from territoire.model.chunks import CHUNK
from territoire.model.demography import stage_combo
from territoire.model.draws import PROGRESSION, PROGRESSION_BLOCK, disease_slot
from territoire.model.rng import uniform


class ProgressionInputs(NamedTuple):
    """What the progression stage reads besides the patients. Rates per year, the rest ratios."""

    key: np.uint64  # draw stream of progression
    gp_has_nurse: np.ndarray  # bool by GP slot: works with a practice nurse (ASALEE-type)
    followup_weeks: np.ndarray  # guideline interval, disease × stage, weeks (0: none)
    worsen: np.ndarray  # 1 → 2 per year, by disease (levers may scale it)
    regain: np.ndarray  # 2 → 1 per year, by disease
    complicate: np.ndarray  # 2 → 3 per year, by disease
    osteoporosis_diagnosis: float  # per year, undiagnosed osteoporosis found and treated
    missed_rr: float  # on worsening and complication (÷ on regaining) when follow-up is overdue
    overdue_factor: float  # follow-up is overdue past this × its interval
    enrolled_rr: float  # on worsening and complication in the programme
    enrolled_regain_rr: float  # on regaining control in the programme
    nurse_regain_rr: float  # on regaining control with a practice nurse
    telemonitoring_rr: float  # on complication under telemonitoring (where the registry says so)
    # what is particular to each disease (``diseases.roles``; flat: numba's parallel loops refuse
    # a tuple inside a tuple)
    silent_stage: np.ndarray  # bool by disease: stage 2 is untreated, found by diagnosis
    telemonitored_complications: np.ndarray  # bool by disease: telemonitoring lowers 2 → 3


def progression_inputs(model, gp: dict) -> ProgressionInputs:
    """``gp``: this week's GP arrays (``TerritoryModel.gp_arrays``)."""
    dp, t, pol = model.disease_params, model.dtables, model.policy
    return ProgressionInputs(
        key=model.keys["progression"],
        gp_has_nurse=gp["has_nurse"],
        followup_weeks=model.ctables["followup_weeks"],
        worsen=t["worsen"] * pol.worsen_multiplier,
        regain=t["regain"],
        complicate=t["complicate"],
        osteoporosis_diagnosis=dp.osteoporosis_diagnosis + pol.osteoporosis_screening_per_year,
        missed_rr=dp.missed_followup_rr,
        overdue_factor=dp.overdue_factor,
        enrolled_rr=dp.enrolled_rr,
        enrolled_regain_rr=dp.enrolled_regain_rr,
        nurse_regain_rr=dp.nurse_regain_rr,
        telemonitoring_rr=dp.telemonitoring_complication_rr,
        silent_stage=model.roles.silent_stage,
        telemonitored_complications=model.roles.telemonitored_complications,
    )


@njit(cache=True, parallel=True)
def progression_kernel(week, people, x):
    n = people.alive.shape[0]
    for c in prange((n + CHUNK - 1) // CHUNK):
        progression_chunk(c * CHUNK, min(n, (c + 1) * CHUNK), week, people, x)


@njit(cache=True)
def progression_chunk(lo, hi, week, people, x):
    """Progression of patient slots ``lo`` to ``hi - 1`` (the body of ``progression_kernel``)."""
    # the bundles' fields bound once: read through the tuple, numba reloads them at every use
    alive, stage, gp, weeks_since = people.alive, people.stage, people.gp, people.weeks_since
    enrolled, telemonitored, undiagnosed = people.enrolled, people.telemonitored, people.undiagnosed
    gp_has_nurse, key, silent_stage = x.gp_has_nurse, x.key, x.silent_stage
    osteoporosis_diagnosis, worsen = x.osteoporosis_diagnosis, x.worsen
    followup_weeks, overdue_factor, missed_rr = x.followup_weeks, x.overdue_factor, x.missed_rr
    enrolled_rr, telemonitoring_rr = x.enrolled_rr, x.telemonitoring_rr
    telemonitored_complications, complicate = x.telemonitored_complications, x.complicate
    regain, enrolled_regain_rr, nurse_regain_rr = x.regain, x.enrolled_regain_rr, x.nurse_regain_rr
    for i in range(lo, hi):
        if not alive[i] or stage_combo(stage, i) == 0:  # ~82 % have none of the four
            continue
        nurse = gp[i] != NO_GP and gp_has_nurse[gp[i]]
        for d in range(stage.shape[1]):
            s = stage[i, d]
            if s == 0 or s == 3:
                continue
            u = uniform(key, i, week, disease_slot(PROGRESSION, PROGRESSION_BLOCK, d))
            if silent_stage[d]:
                if s == 2 and u < osteoporosis_diagnosis / WEEKS_PER_YEAR:
                    stage[i, d] = 1  # diagnosed and treated
                elif s == 1 and u < worsen[d] / WEEKS_PER_YEAR:
                    stage[i, d] = 2  # treatment stopped
                continue
            fu = followup_weeks[d, s]
            # untreated: an undiagnosed case progresses as one whose follow-up is overdue
            overdue = undiagnosed[i, d] or (fu > 0 and weeks_since[i, d] > overdue_factor * fu)
            bad = (missed_rr if overdue else 1.0) * (enrolled_rr if enrolled[i] else 1.0)
            if s == 1:
                if u < worsen[d] * bad / WEEKS_PER_YEAR:
                    stage[i, d] = 2
            else:
                tele = (
                    telemonitoring_rr
                    if (telemonitored[i] and telemonitored_complications[d])
                    else 1.0
                )
                p_complicate = complicate[d] * bad * tele / WEEKS_PER_YEAR
                p_regain = (
                    regain[d]
                    / (missed_rr if overdue else 1.0)
                    * (enrolled_regain_rr if enrolled[i] else 1.0)
                    * (nurse_regain_rr if nurse else 1.0)
                    / WEEKS_PER_YEAR
                )
                if u < p_complicate:
                    stage[i, d] = 3
                elif u < p_complicate + p_regain:
                    stage[i, d] = 1
