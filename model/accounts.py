"""Stage 8, accounts: every cost item of the week, per commune, in euros.

Each per-patient item is a count of the week (visits, teleconsultations, stays, trips, treated or
enrolled patients: ``indicators.COUNTERS``) times its price. Specialist visits, CPTS budgets and the
levers' running costs are added per commune by the model.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from territoire.agents.patients import DISEASES, WEEKS_PER_YEAR
from territoire.model.indicators import (
    HOSPITALISED_WITH,
    TREATED,
    TREATED_SECONDARY,
    C,
    disease_counter,
)

ITEMS = (
    "gp_visits",
    "teleconsultations",
    "specialist_visits",
    "emergency",
    "transport",
    "programme",
    "telemonitoring",
    "coordination",
    "levers",
)
N_FIXED_ITEMS = len(ITEMS)
(
    GP_VISITS,
    TELECONSULTATIONS,
    SPECIALIST_VISITS,
    EMERGENCY,
    TRANSPORT,
    PROGRAMME,
    TELEMONITORING,
    COORDINATION,
    POLICY,
) = range(N_FIXED_ITEMS)
# Then one block of items per kind, an item per disease (``disease_item``): the kernels compute
# the columns from the number of diseases, so a cached kernel stays right for any registry.
DISEASE_ITEMS = ("hospital", "drugs", "ambulatory", "other_hospital")
HOSPITAL, DRUGS, AMBULATORY, OTHER_HOSPITAL = range(len(DISEASE_ITEMS))
ITEMS += tuple(f"{kind}_{d}" for kind in DISEASE_ITEMS for d in DISEASES)
N_ITEMS = len(ITEMS)


class Prices(NamedTuple):
    """The week's prices, in euros (``*_year``: per patient and year; by disease where an array)."""

    gp_eur: float  # a GP visit
    tele_eur: float  # a teleconsultation
    emergency_eur: float  # an emergency-department visit
    hospital_stay_eur: np.ndarray  # a stay, by disease
    transport_eur: float  # transport to and from a stay
    drugs_year: np.ndarray  # drugs of a treated patient, by disease
    ambulatory_year: np.ndarray  # other ambulatory care of a treated patient, by disease
    other_hospital_year: np.ndarray  # other hospital care of a treated patient, by disease
    programme_year: float  # the coordinated care programme, per enrolled patient
    telemonitoring_year: float  # telemonitoring, per patient
    transport_trip_eur: float  # an on-demand transport trip
    # share of a disease's other ambulatory and hospital care counted for a patient also treated
    # for a costlier disease (``CostParams.multimorbid_other_share``)
    secondary_share: float


def cost_rank(costtables: dict) -> np.ndarray:
    """Rank of each disease by its all-cause care per treated patient-year (drugs, other
    ambulatory, other hospital), 0 for the costliest (ties: column order): for a patient treated for
    several, the costliest is counted in full (``Prices.secondary_share``)."""
    total = (
        costtables["drugs_per_year"]
        + costtables["other_ambulatory_per_year"]
        + costtables["other_hospital_per_year"]
    )
    order = np.argsort(-total, kind="stable")
    rank = np.empty(total.size, np.int64)
    rank[order] = np.arange(total.size)
    return rank


def prices(model) -> Prices:
    """The model's prices this week (the levers may change ambulatory costs)."""
    cp, ct = model.cost_params, model.costtables
    return Prices(
        gp_eur=float(cp.gp_consultation_eur),
        tele_eur=float(cp.teleconsultation_eur),
        emergency_eur=float(cp.emergency_visit_eur),
        hospital_stay_eur=_floats(ct["hospital_stay"]),
        transport_eur=float(cp.transport_per_stay_eur),
        drugs_year=_floats(ct["drugs_per_year"]),
        ambulatory_year=_floats(
            ct["other_ambulatory_per_year"] * model.policy.ambulatory_cost_multiplier
        ),
        other_hospital_year=_floats(ct["other_hospital_per_year"]),
        programme_year=float(cp.programme_per_patient_year_eur),
        telemonitoring_year=float(cp.telemonitoring_per_patient_year_eur),
        transport_trip_eur=float(cp.transport_trip_eur),
        secondary_share=float(cp.multimorbid_other_share),
    )


def weekly_costs(counts: np.ndarray, prices: Prices) -> np.ndarray:
    """The week's per-patient cost items, shape (communes, items), in euros: each item is a count of
    the week (``counts``: communes × 2 × counters, from ``indicators``) times its price.

    A patient who dies during the week is billed the week (drugs, programme…) like the living; a
    teleconsultation is not also a GP visit; a mobile-team visit is paid by the team's budget (lever
    running costs), not per visit. Specialist visits, coordination and lever budgets are added by
    the model. (Counting first and pricing once costs less than adding euros patient by patient, and
    a product rounds once where a long sum rounds at every step; ``reference.accounts_kernel`` bills
    patient by patient and the tests compare.)
    """
    return price_counts(counts, prices)


def _floats(values) -> np.ndarray:
    return np.ascontiguousarray(values, dtype=np.float64)


# Counter columns the accounts price (numba reads module constants, not the ``C`` dict).
(
    _FOLLOWUP_TELE,
    _ROUTINE_TELE,
    _URGENT_TELE,
    _URGENT_GP,
    _FOLLOWUP_DONE,
    _ROUTINE_DONE,
    _MOBILE_VISITS,
    _EMERGENCY,
    _HOSPITALISED,
    _TRANSPORTED,
    _ENROLLED,
    _DIED_ENROLLED,
    _TELEMONITORED,
    _DIED_TELEMONITORED,
) = (
    C[name]
    for name in (
        "followup_tele",
        "routine_tele",
        "urgent_tele",
        "urgent_gp",
        "followup_done",
        "routine_done",
        "mobile_visits",
        "emergency",
        "hospitalised",
        "transported",
        "enrolled",
        "died_enrolled",
        "telemonitored",
        "died_telemonitored",
    )
)


@njit(cache=True)
def price_counts(counts, prices):
    """``weekly_costs`` commune by commune (a loop instead of ~40 numpy operations on columns, which
    cost more than the arithmetic): each item is the same product of a count and a price."""
    n_d = prices.hospital_stay_eur.shape[0]
    out = np.zeros((counts.shape[0], N_FIXED_ITEMS + len(DISEASE_ITEMS) * n_d))
    for k in range(counts.shape[0]):
        tele = (
            _n(counts, k, _FOLLOWUP_TELE)
            + _n(counts, k, _ROUTINE_TELE)
            + _n(counts, k, _URGENT_TELE)
        )
        gp_visits = (
            _n(counts, k, _URGENT_GP)
            + _n(counts, k, _FOLLOWUP_DONE)
            + _n(counts, k, _ROUTINE_DONE)
            - tele
            - _n(counts, k, _MOBILE_VISITS)
        )
        out[k, GP_VISITS] = gp_visits * prices.gp_eur
        out[k, TELECONSULTATIONS] = tele * prices.tele_eur
        out[k, EMERGENCY] = _n(counts, k, _EMERGENCY) * prices.emergency_eur
        out[k, TRANSPORT] = (
            _n(counts, k, _HOSPITALISED) * prices.transport_eur
            + _n(counts, k, _TRANSPORTED) * prices.transport_trip_eur
        )
        out[k, PROGRAMME] = (_n(counts, k, _ENROLLED) + _n(counts, k, _DIED_ENROLLED)) * (
            prices.programme_year / WEEKS_PER_YEAR
        )
        out[k, TELEMONITORING] = (
            _n(counts, k, _TELEMONITORED) + _n(counts, k, _DIED_TELEMONITORED)
        ) * (prices.telemonitoring_year / WEEKS_PER_YEAR)
        for d in range(n_d):
            stays = _n(counts, k, disease_counter(HOSPITALISED_WITH, d, n_d))
            out[k, disease_item(HOSPITAL, d, n_d)] = stays * prices.hospital_stay_eur[d]
            treated = _n(counts, k, disease_counter(TREATED, d, n_d))
            secondary = _n(counts, k, disease_counter(TREATED_SECONDARY, d, n_d))
            # care shared with a costlier disease counted at secondary_share
            full, shared = treated - secondary, secondary * prices.secondary_share
            out[k, disease_item(DRUGS, d, n_d)] = treated * (prices.drugs_year[d] / WEEKS_PER_YEAR)
            out[k, disease_item(AMBULATORY, d, n_d)] = (full + shared) * (
                prices.ambulatory_year[d] / WEEKS_PER_YEAR
            )
            out[k, disease_item(OTHER_HOSPITAL, d, n_d)] = (full + shared) * (
                prices.other_hospital_year[d] / WEEKS_PER_YEAR
            )
    return out


@njit(cache=True, inline="always")
def disease_item(block, d, n_diseases):
    """Column of disease ``d``'s item of a ``DISEASE_ITEMS`` block."""
    return N_FIXED_ITEMS + block * n_diseases + d


@njit(cache=True, inline="always")
def _n(counts, k, column):
    """Count of commune ``k`` in ``column``, both vulnerability classes, as a float."""
    return np.float64(counts[k, 0, column] + counts[k, 1, column])
