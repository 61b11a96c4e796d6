"""Stage 8, accounts: every cost item of the week, per commune, in euros.

Each per-patient item is a count of the week (visits, teleconsultations, stays, trips, treated or
enrolled patients: ``indicators.COUNTERS``) times its price. Specialist visits, CPTS budgets and the
levers' running costs are added per commune by the model.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from territoire.agents.patients import DISEASES, WEEKS_PER_YEAR
from territoire.model.indicators import HOSPITALISED0, TREATED0, C

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
    *(f"hospital_{d}" for d in DISEASES),
    *(f"drugs_{d}" for d in DISEASES),
    *(f"ambulatory_{d}" for d in DISEASES),
    *(f"other_hospital_{d}" for d in DISEASES),
)
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
) = range(9)
HOSPITAL0 = 9
DRUGS0 = HOSPITAL0 + len(DISEASES)
AMBULATORY0 = DRUGS0 + len(DISEASES)
OTHER_HOSPITAL0 = AMBULATORY0 + len(DISEASES)
N_ITEMS = len(ITEMS)
N_DISEASES = len(DISEASES)


def weekly_costs(counts: np.ndarray, prices: tuple) -> np.ndarray:
    """The week's per-patient cost items, shape (communes, items), in euros: each item is a count of
    the week (``counts``: communes × 2 × counters, from ``indicators``) times its price.

    ``prices``: ``(gp_eur, tele_eur, emergency_eur, hospital_stay_eur[d], transport_eur, drugs_year[d],
    ambulatory_year[d], other_hospital_year[d], programme_year, telemonitoring_year, transport_trip_eur)``.
    A patient who dies during the week is billed the week (drugs, programme…) like the living; a
    teleconsultation is not also a GP visit; a mobile-team visit is paid by the team's budget (lever
    running costs), not per visit. Specialist visits, coordination and lever budgets are added by the
    model. (Counting first and pricing once costs less than adding euros patient by patient, and a
    product rounds once where a long sum rounds at every step; ``reference.accounts_kernel`` bills
    patient by patient and the tests compare.)
    """
    (
        gp_eur,
        tele_eur,
        emergency_eur,
        hospital_stay_eur,
        transport_eur,
        drugs_year,
        ambulatory_year,
        other_hospital_year,
        programme_year,
        telemonitoring_year,
        transport_trip_eur,
    ) = prices
    return price_counts(
        counts,
        float(gp_eur),
        float(tele_eur),
        float(emergency_eur),
        _floats(hospital_stay_eur),
        float(transport_eur),
        _floats(drugs_year),
        _floats(ambulatory_year),
        _floats(other_hospital_year),
        float(programme_year),
        float(telemonitoring_year),
        float(transport_trip_eur),
    )


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
def price_counts(
    counts,
    gp_eur,
    tele_eur,
    emergency_eur,
    hospital_stay_eur,
    transport_eur,
    drugs_year,
    ambulatory_year,
    other_hospital_year,
    programme_year,
    telemonitoring_year,
    transport_trip_eur,
):
    """``weekly_costs`` commune by commune (a loop instead of ~40 numpy operations on columns, which
    cost more than the arithmetic): each item is the same product of a count and a price."""
    out = np.zeros((counts.shape[0], N_ITEMS))
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
        out[k, GP_VISITS] = gp_visits * gp_eur
        out[k, TELECONSULTATIONS] = tele * tele_eur
        out[k, EMERGENCY] = _n(counts, k, _EMERGENCY) * emergency_eur
        out[k, TRANSPORT] = (
            _n(counts, k, _HOSPITALISED) * transport_eur
            + _n(counts, k, _TRANSPORTED) * transport_trip_eur
        )
        out[k, PROGRAMME] = (_n(counts, k, _ENROLLED) + _n(counts, k, _DIED_ENROLLED)) * (
            programme_year / WEEKS_PER_YEAR
        )
        out[k, TELEMONITORING] = (
            _n(counts, k, _TELEMONITORED) + _n(counts, k, _DIED_TELEMONITORED)
        ) * (telemonitoring_year / WEEKS_PER_YEAR)
        for d in range(N_DISEASES):
            out[k, HOSPITAL0 + d] = _n(counts, k, HOSPITALISED0 + d) * hospital_stay_eur[d]
            treated = _n(counts, k, TREATED0 + d)
            out[k, DRUGS0 + d] = treated * (drugs_year[d] / WEEKS_PER_YEAR)
            out[k, AMBULATORY0 + d] = treated * (ambulatory_year[d] / WEEKS_PER_YEAR)
            out[k, OTHER_HOSPITAL0 + d] = treated * (other_hospital_year[d] / WEEKS_PER_YEAR)
    return out


@njit(cache=True, inline="always")
def _n(counts, k, column):
    """Count of commune ``k`` in ``column``, both vulnerability classes, as a float."""
    return np.float64(counts[k, 0, column] + counts[k, 1, column])
