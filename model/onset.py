"""Stage 2, onset: new cases of each disease by age and sex; diabetes raises the heart-failure risk.

The weekly hazards keep the age profile of prevalence in a steady state: at each age, new cases
replace those who died with the disease and follow the rise of prevalence with age,
``h(a) = [P(a+1) − P(a) + P(a)·m(a)] / (1 − P(a))`` per year, where ``m`` is the mean excess
mortality of the prevalent (initial stage mix). Heart failure: ×RR for diabetics, normalised so
that the mean hazard at each age is unchanged.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit, prange

from territoire.agents.patients import WEEKS_PER_YEAR
from territoire.model.chunks import CHUNK
from territoire.model.demography import whole_years
from territoire.model.draws import (
    ONSET_UNCONTROLLED,
    ONSET_UNCONTROLLED_BLOCK,
    ONSET_WHICH,
    disease_slot,
)
from territoire.model.events_codes import ONSET
from territoire.model.rng import uniform


def onset_hazard_table(
    prevalence: np.ndarray,
    excess_mortality: np.ndarray,
    stage_mix: np.ndarray,
    raised_by: np.ndarray,
    rr_if_raised: np.ndarray,
    max_age_index: int,
) -> np.ndarray:
    """Weekly onset probability, shape (2 × diseases, 2, ages): row d for patients without the
    disease that raises d's hazard (``raised_by[d]``, -1: none), row diseases + d for those with it
    (× ``rr_if_raised[d]``); both normalised so that the mean hazard at each age is unchanged."""
    n_d, n_s, n_a = prevalence.shape
    p = np.zeros((n_d, n_s, max_age_index + 1))
    p[:, :, :n_a] = prevalence
    p[:, :, n_a:] = prevalence[:, :, -1:]
    # mean excess mortality of the prevalent, per year
    m = (stage_mix * excess_mortality[:, 1:]).sum(axis=1)
    rise = np.maximum(np.diff(p, axis=2, append=p[:, :, -1:]), 0.0)
    annual = (rise + p * m[:, None, None]) / np.maximum(1.0 - p, 1e-6)
    out = np.zeros((2 * n_d, n_s, max_age_index + 1))
    out[:n_d] = np.minimum(annual, 0.5) / WEEKS_PER_YEAR
    out[n_d:] = out[:n_d]
    for d in range(n_d):
        if raised_by[d] >= 0:
            rr_mean = 1.0 + (rr_if_raised[d] - 1.0) * p[raised_by[d]]
            out[n_d + d] = out[d] * rr_if_raised[d] / rr_mean
            out[d] = out[d] / rr_mean
    return np.ascontiguousarray(out)


class OnsetInputs(NamedTuple):
    """What the onset stage reads besides the patients."""

    key: np.uint64  # draw stream of onset
    # weekly onset probability, (2 × diseases) × sex × age (``onset_hazard_table``)
    onset_table: np.ndarray
    onset_stage2_share: np.ndarray  # share of new cases found uncontrolled, by disease
    onset_multiplier: np.ndarray  # by disease, from the prevention levers (1: no change)
    raised_by: np.ndarray  # int64 by disease: the disease whose patients have its raised hazard, -1
    diagnosis_phase: np.ndarray  # bool by disease: new cases start undiagnosed
    # by disease, the highest hazard any patient can have this week: a draw above it starts nothing
    hazard_bound: np.ndarray


def onset_inputs(model) -> OnsetInputs:
    table, multiplier = model.onset_table, model.policy.onset_multiplier
    n_d = len(multiplier)
    # The kernel's hazard is min(table · multiplier, 1 / n_d) for one of these entries: rounding is
    # monotonic, so no hazard exceeds this bound, and skipping the draws above it changes nothing.
    highest = np.maximum(table[:n_d].max(axis=(1, 2)), table[n_d:].max(axis=(1, 2)))
    bound = np.minimum(highest * np.maximum(multiplier, 0.0), 1.0 / n_d)
    return OnsetInputs(
        key=model.keys["onset"],
        onset_table=table,
        onset_stage2_share=model.dtables["onset_stage2_share"],
        onset_multiplier=multiplier,
        raised_by=model.roles.onset_raised_by,
        diagnosis_phase=model.diagnosis_phase,
        hazard_bound=np.ascontiguousarray(bound),
    )


@njit(cache=True, parallel=True)
def onset_kernel(week, people, x):
    """New cases (stage 1, or 2 with ``onset_stage2_share``), undiagnosed where the disease has a
    diagnosis phase; ``onset_multiplier`` per disease (prevention levers).

    One draw per patient: disease d starts when the draw falls in its own window
    ``[d / 4, d / 4 + hazard_d)`` (weekly hazards are far below 1/4). Windows never move, so a lever
    on one disease's hazard does not change who gets another disease (common random numbers), and
    at most one disease starts in a week (two at once has a probability of ~1e-8).
    """
    n = people.alive.shape[0]
    for c in prange((n + CHUNK - 1) // CHUNK):
        onset_chunk(c * CHUNK, min(n, (c + 1) * CHUNK), week, people, x)


@njit(cache=True)
def onset_chunk(lo, hi, week, people, x):
    """Onset for patient slots ``lo`` to ``hi - 1`` (the body of ``onset_kernel``).

    A draw above the highest hazard its disease can have this week (``hazard_bound``: nearly every
    patient) starts nothing, and the hazard is not looked up. The others look it up and test it
    once: a branch almost never taken costs less than the unpredictable ones (alive? already ill?)
    it replaces.
    """
    # the bundles' fields bound once: read through the tuple, numba reloads them at every use
    stage, age_weeks, sex, alive = people.stage, people.age_weeks, people.sex, people.alive
    weeks_since, event, undiagnosed = people.weeks_since, people.event, people.undiagnosed
    key, onset_table, raised_by = x.key, x.onset_table, x.raised_by
    diagnosis_phase = x.diagnosis_phase
    hazard_bound = x.hazard_bound
    onset_multiplier, onset_stage2_share = x.onset_multiplier, x.onset_stage2_share
    n_d = stage.shape[1]
    width = 1.0 / n_d
    for i in range(lo, hi):
        u = uniform(key, i, week, ONSET_WHICH)
        d = int(u * n_d)
        if u - d * width >= hazard_bound[d]:
            continue  # above any hazard of d this week (most patients): no new case
        age = min(whole_years(age_weeks[i]), onset_table.shape[2] - 1)
        # the row of patients who have the disease that raises d's hazard (no branch: the draw
        # makes d unpredictable)
        e = raised_by[d]
        row = d + n_d * ((e >= 0) & (stage[i, max(e, 0)] > 0))
        hazard = min(onset_table[row, sex[i], age] * onset_multiplier[d], width)
        if alive[i] & (stage[i, d] == 0) & (u - d * width < hazard):
            uncontrolled_slot = disease_slot(ONSET_UNCONTROLLED, ONSET_UNCONTROLLED_BLOCK, d)
            stage[i, d] = (
                2 if uniform(key, i, week, uncontrolled_slot) < onset_stage2_share[d] else 1
            )
            weeks_since[i, d] = 0
            undiagnosed[i, d] = diagnosis_phase[d]
            event[i] |= ONSET
