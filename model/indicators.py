"""Stage 9, indicators: weekly counters per commune and vulnerability, from which every indicator of
the battery is derived at any level (commune, EPCI, zone, territory, vulnerable or not)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit, prange

from territoire.agents.patients import DISEASES, N_STAGES, NO_GP, WEEKS_PER_YEAR
from territoire.model.chunks import block_range, sum_blocks
from territoire.model.demography import stage_combo
from territoire.model.events_codes import (
    ARRIVED,
    BOOTH_VISIT,
    COUNTED,
    DIAGNOSED,
    DIED,
    FOLLOWUP,
    FOLLOWUP_DONE,
    FOLLOWUP_TELE,
    GAVE_UP,
    HOSPITALISED,
    MOBILE_VISIT,
    ONSET,
    OTHER_GP,
    ROUTINE,
    ROUTINE_DONE,
    ROUTINE_TELE,
    SNP_VISIT,
    TRANSPORTED,
    URGENT,
    URGENT_ED,
    URGENT_GP,
    URGENT_TELE,
)

COUNTERS = (
    "alive",
    "deaths",
    "arrivals",
    "without_gp",
    "urgent",
    "emergency",
    "followup_due",
    "followup_done",
    "followup_tele",
    "routine",
    "routine_done",
    "routine_tele",
    "gave_up",
    "other_gp",
    "hospitalised",
    "onsets",
    "urgent_tele",
    "transported",
    "mobile_visits",
    "booth_visits",
    "snp_visits",
    "adults",
    "aged_40_plus",
    "women_50_plus",
    "enrolled",
    "telemonitored",
    # what the accounts price (accounts.weekly_costs): acute episodes seen by a GP (or the CPTS
    # rota, or a nursing-home teleconsultation); the enrolled and telemonitored among those who died
    "urgent_gp",
    "died_enrolled",
    "died_telemonitored",
    "diagnoses",  # patients with a disease diagnosed this week (at a contact or in hospital)
)
N_FIXED_COUNTERS = len(COUNTERS)
# Then one block of counters per kind, a counter per disease in column order (``disease_counter``).
# Treated: patients treated for the disease (a silent stage 2 excluded), the living and those who
# died this week (the accounts price their drugs and care).
# Every block but ``undiagnosed`` and ``hospitalised`` counts diagnosed patients, as the
# published figures do. Under follow-up: living patients at a stage with a planned follow-up;
# overdue: those of them not seen for more than ``overdue_factor`` × their interval when the
# week's demand formed (``PatientArrays.overdue``; the rest are up to date). Undiagnosed: living
# patients with the disease, not diagnosed yet. Hospitalised: stays by the disease of the episode,
# diagnosed or not (a stay diagnoses it). Treated secondary: treated patients (living and dead, as
# ``treated``) also treated for a costlier disease (``cost_rank``), whose shared care the accounts
# count once.
DISEASE_COUNTERS = (
    "prevalent",
    "complicated",
    "hospitalised",
    "deaths_with",
    "treated",
    "under_followup",
    "overdue",
    "undiagnosed",
    "treated_secondary",
)
(
    PREVALENT,
    COMPLICATED,
    HOSPITALISED_WITH,
    DEATHS_WITH,
    TREATED,
    UNDER_FOLLOWUP,
    OVERDUE,
    UNDIAGNOSED,
    TREATED_SECONDARY,
) = range(len(DISEASE_COUNTERS))
COUNTERS += tuple(f"{kind}_{d}" for kind in DISEASE_COUNTERS for d in DISEASES)
C = {name: k for k, name in enumerate(COUNTERS)}
N_COUNTERS = len(COUNTERS)
_FLAG_COUNTERS = (
    (DIED, C["deaths"]),
    (ARRIVED, C["arrivals"]),
    (URGENT, C["urgent"]),
    (URGENT_ED, C["emergency"]),
    (FOLLOWUP, C["followup_due"]),
    (FOLLOWUP_DONE, C["followup_done"]),
    (FOLLOWUP_TELE, C["followup_tele"]),
    (ROUTINE, C["routine"]),
    (ROUTINE_DONE, C["routine_done"]),
    (ROUTINE_TELE, C["routine_tele"]),
    (GAVE_UP, C["gave_up"]),
    (OTHER_GP, C["other_gp"]),
    (HOSPITALISED, C["hospitalised"]),
    (ONSET, C["onsets"]),
    (URGENT_TELE, C["urgent_tele"]),
    (TRANSPORTED, C["transported"]),
    (MOBILE_VISIT, C["mobile_visits"]),
    (BOOTH_VISIT, C["booth_visits"]),
    (SNP_VISIT, C["snp_visits"]),
    (URGENT_GP, C["urgent_gp"]),
    (DIAGNOSED, C["diagnoses"]),
)
FLAG_BITS = np.array([f for f, _ in _FLAG_COUNTERS], np.int64)
FLAG_INDEX = np.array([k for _, k in _FLAG_COUNTERS], np.int64)
ALIVE, WITHOUT_GP, ADULTS, AGED_40, WOMEN_50, ENROLLED, TELEMONITORED = (
    C["alive"],
    C["without_gp"],
    C["adults"],
    C["aged_40_plus"],
    C["women_50_plus"],
    C["enrolled"],
    C["telemonitored"],
)
DIED_ENROLLED, DIED_TELEMONITORED = C["died_enrolled"], C["died_telemonitored"]


@njit(cache=True, inline="always")
def disease_counter(block, d, n_diseases):
    """Column of disease ``d``'s counter of a ``DISEASE_COUNTERS`` block. Computed from the number
    of diseases at run time rather than read from a constant: a compiled kernel in numba's cache
    then stays right for any disease registry."""
    return N_FIXED_COUNTERS + block * n_diseases + d


def unmet_demand(counts: np.ndarray) -> np.ndarray:
    """Follow-up and routine needs not met: ``(due - done) + (routine - routine done)``, on any
    array of counters whose last axis is ``COUNTERS`` (the one formula every report uses)."""
    c = counts
    return (c[..., C["followup_due"]] - c[..., C["followup_done"]]) + (
        c[..., C["routine"]] - c[..., C["routine_done"]]
    )


class TallyInputs(NamedTuple):
    """What the counting pass reads besides the patients."""

    flag_bits: np.ndarray  # event flags that each add to one counter (``FLAG_BITS``)
    flag_index: np.ndarray  # the counter of each (``FLAG_INDEX``)
    # bool, disease × stage: costs drugs and care (``diseases.treated_stages``)
    treated_stage: np.ndarray
    decrement: np.ndarray  # utility decrement, disease × stage
    followup_weeks: np.ndarray  # guideline interval, disease × stage, weeks (0: none)
    cost_rank: np.ndarray  # by disease, 0 for the costliest (``accounts.cost_rank``)


def tally_inputs(model) -> TallyInputs:
    return TallyInputs(
        flag_bits=FLAG_BITS,
        flag_index=FLAG_INDEX,
        treated_stage=model.treated_stage,
        decrement=model.utility_decrement,
        followup_weeks=model.ctables["followup_weeks"],
        cost_rank=model.cost_rank,
    )


@njit(cache=True, inline="always")
def count_secondary(flat, row, i, people, treated_stage, cost_rank):
    """For a patient treated for two diseases or more, add one to ``treated_secondary`` of each
    disease but the costliest (the lowest ``cost_rank``)."""
    stage, undiagnosed = people.stage, people.undiagnosed
    n_d = stage.shape[1]
    first, n_treated = -1, 0
    for d in range(n_d):
        if treated_stage[d, stage[i, d]] and not undiagnosed[i, d]:
            n_treated += 1
            if first < 0 or cost_rank[d] < cost_rank[first]:
                first = d
    if n_treated >= 2:
        for d in range(n_d):
            if d != first and treated_stage[d, stage[i, d]] and not undiagnosed[i, d]:
                flat[row + disease_counter(TREATED_SECONDARY, d, n_d)] += 1


@njit(cache=True, parallel=True)
def count_kernel(partial, people, x):
    """Counters of the week, shape (communes, 2 [not vulnerable, vulnerable], counters).

    ``partial`` (blocks, communes, 2, counters) is scratch: each block of patients is counted apart,
    then blocks are added in order. (The model runs this pass fused with the costing one:
    ``tally.py``.)
    """
    for b in prange(partial.shape[0]):
        # a row is (commune, vulnerable): flat offsets avoid a view per patient
        flat = partial[b].reshape(-1)
        flat[:] = 0
        lo, hi = block_range(b, partial.shape[0], people.alive.shape[0])
        for i in range(lo, hi):
            ev = people.event[i]
            if people.alive[i] or (ev & DIED):
                count(
                    flat,
                    counter_row(people.commune[i], people.vulnerable[i], partial.shape[3]),
                    i,
                    ev,
                    people,
                    x,
                )
    return sum_blocks(partial)


@njit(cache=True, inline="always")
def counter_row(commune, vulnerable, n_columns):
    """Offset of a (commune, vulnerable) row in a block's flattened counters."""
    return (commune * 2 + (1 if vulnerable else 0)) * n_columns


@njit(cache=True, inline="always")
def count(flat, row, i, ev, people, x):
    """Add patient i (alive, or died this week) to the counters at ``flat[row:]``."""
    if ev & COUNTED:  # ~6 % of patients a week
        count_events(flat, row, i, ev, people, x)
        if ev & DIED:
            return
    count_living(flat, row, i, people)
    if stage_combo(people.stage, i) != 0:  # ~18 % have one of the four diseases
        n_d = people.stage.shape[1]
        for d in range(n_d):
            if people.undiagnosed[i, d]:
                flat[row + disease_counter(UNDIAGNOSED, d, n_d)] += 1
                continue
            s = people.stage[i, d]
            flat[row + disease_counter(PREVALENT, d, n_d)] += s > 0
            flat[row + disease_counter(COMPLICATED, d, n_d)] += s == 3
            flat[row + disease_counter(TREATED, d, n_d)] += x.treated_stage[d, s]
            flat[row + disease_counter(UNDER_FOLLOWUP, d, n_d)] += x.followup_weeks[d, s] > 0
            flat[row + disease_counter(OVERDUE, d, n_d)] += (np.int64(people.overdue[i]) >> d) & 1
        count_secondary(flat, row, i, people, x.treated_stage, x.cost_rank)


@njit(cache=True, inline="always")
def count_events(flat, row, i, ev, people, x):
    """The counters of patient i's flags of the week (``ev``), and for a death, what they died
    with."""
    for f in range(x.flag_bits.shape[0]):
        if ev & x.flag_bits[f]:
            flat[row + x.flag_index[f]] += 1
    n_d = people.stage.shape[1]
    if ev & HOSPITALISED:
        flat[row + disease_counter(HOSPITALISED_WITH, people.acute[i], n_d)] += 1
    if ev & DIED:
        for d in range(n_d):
            s = people.stage[i, d]
            if s > 0 and not people.undiagnosed[i, d]:
                flat[row + disease_counter(DEATHS_WITH, d, n_d)] += 1
                flat[row + disease_counter(TREATED, d, n_d)] += x.treated_stage[d, s]
        count_secondary(flat, row, i, people, x.treated_stage, x.cost_rank)
        flat[row + DIED_ENROLLED] += people.enrolled[i]
        flat[row + DIED_TELEMONITORED] += people.telemonitored[i]


@njit(cache=True, inline="always")
def count_living(flat, row, i, people):
    """The counters every living patient i adds to (the diseases apart).

    Unconditional additions of 0 or 1, because branches on age, list or sex are unpredictable and a
    mispredicted branch costs more than an addition."""
    age = people.age_weeks[i]  # in weeks: comparing with whole years of weeks needs no division
    flat[row + ALIVE] += 1
    flat[row + WITHOUT_GP] += people.gp[i] == NO_GP
    flat[row + ADULTS] += age >= 18 * WEEKS_PER_YEAR
    flat[row + AGED_40] += age >= 40 * WEEKS_PER_YEAR
    flat[row + WOMEN_50] += (age >= 50 * WEEKS_PER_YEAR) & (people.sex[i] == 1)
    flat[row + ENROLLED] += people.enrolled[i]
    flat[row + TELEMONITORED] += people.telemonitored[i]


@njit(cache=True, inline="always")
def stage_bin(d, s, overdue):
    """Bin of a (disease, stage, follow-up overdue or not) in a row of ``count_stages``."""
    return 2 * (N_STAGES * d + s) + overdue


@njit(cache=True, inline="always")
def count_stages(flat, row, stages_row, treated_stage, followup_weeks):
    """Add to the disease counters at ``flat[row:]`` the living patients by (disease, stage,
    overdue) ``stages_row[stage_bin(d, s, overdue)]`` (what ``count`` adds patient by patient)."""
    n_d = treated_stage.shape[0]
    for d in range(n_d):
        for s in range(1, N_STAGES):
            late = stages_row[stage_bin(d, s, 1)]
            patients = stages_row[stage_bin(d, s, 0)] + late
            flat[row + disease_counter(PREVALENT, d, n_d)] += patients
            flat[row + disease_counter(COMPLICATED, d, n_d)] += patients * (s == 3)
            flat[row + disease_counter(TREATED, d, n_d)] += patients * treated_stage[d, s]
            planned = followup_weeks[d, s] > 0
            flat[row + disease_counter(UNDER_FOLLOWUP, d, n_d)] += patients * planned
            flat[row + disease_counter(OVERDUE, d, n_d)] += late


@njit(cache=True, parallel=True)
def utility_kernel(partial, people, decrement):
    """Sum of health utilities (QALY weights) of the living, per commune: 1 minus the decrements of
    each disease's stage, floored at 0.05. ``partial`` (blocks, communes) is scratch.

    Patients without any of the four diseases (~82 %) weigh ``healthy_utility(decrement)`` each:
    they are counted, and their weight is multiplied in once per block (fewer floating-point
    additions)."""
    healthy_weight = healthy_utility(decrement)
    for b in prange(partial.shape[0]):
        partial[b] = 0.0
        healthy = np.zeros(partial.shape[1], np.int64)
        lo, hi = block_range(b, partial.shape[0], people.alive.shape[0])
        for i in range(lo, hi):
            if not people.alive[i]:
                continue
            if stage_combo(people.stage, i) == 0:
                healthy[people.commune[i]] += 1
            else:
                partial[b, people.commune[i]] += utility(people.stage, i, decrement)
        partial[b] += healthy * healthy_weight
    return sum_blocks(partial)


@njit(cache=True, inline="always")
def utility(stage, i, decrement):
    """Health utility of patient i: 1 minus the decrement of each disease's stage, floored at
    0.05."""
    u = 1.0
    for d in range(stage.shape[1]):
        u -= decrement[d, stage[i, d]]
    return max(u, 0.05)


@njit(cache=True)
def utility_by_combo(decrement):
    """``utility`` of each stage combination ``Σ_d stage_d · 4^d`` (256), for the tally's table."""
    n_d, n_s = decrement.shape
    out = np.empty(n_s**n_d)
    stages = np.empty((1, n_d), np.int64)
    for combo in range(out.shape[0]):
        for d in range(n_d):
            stages[0, d] = (combo // n_s**d) % n_s
        out[combo] = utility(stages, 0, decrement)
    return out


@njit(cache=True)
def healthy_utility(decrement):
    """Utility of a patient without any of the four diseases."""
    u = 1.0
    for d in range(decrement.shape[0]):
        u -= decrement[d, 0]
    return max(u, 0.05)
