"""Stage 8, accounts: every cost item of the week, per commune, in euros.

Each per-patient item is a count of the week (visits, teleconsultations, stays, trips, treated or
enrolled patients: ``indicators.COUNTERS``) times its price. Specialist visits, CPTS budgets and the
levers' running costs are added per commune by the model.
"""

from __future__ import annotations

import numpy as np

from territoire.agents.patients import DISEASES, WEEKS_PER_YEAR
from territoire.model.indicators import C

ITEMS = (
    "gp_visits", "teleconsultations", "specialist_visits", "emergency", "transport", "programme", "telemonitoring",
    "coordination", "levers",
    *(f"hospital_{d}" for d in DISEASES),
    *(f"drugs_{d}" for d in DISEASES),
    *(f"ambulatory_{d}" for d in DISEASES),
    *(f"other_hospital_{d}" for d in DISEASES),
)
GP_VISITS, TELECONSULTATIONS, SPECIALIST_VISITS, EMERGENCY, TRANSPORT, PROGRAMME, TELEMONITORING, COORDINATION, POLICY = range(9)
HOSPITAL0 = 9
DRUGS0 = HOSPITAL0 + len(DISEASES)
AMBULATORY0 = DRUGS0 + len(DISEASES)
OTHER_HOSPITAL0 = AMBULATORY0 + len(DISEASES)
N_ITEMS = len(ITEMS)


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
    (gp_eur, tele_eur, emergency_eur, hospital_stay_eur, transport_eur, drugs_year, ambulatory_year, other_hospital_year,
     programme_year, telemonitoring_year, transport_trip_eur) = prices
    c = counts.sum(axis=1)  # communes, counters (both vulnerability classes)

    def n(name: str) -> np.ndarray:
        return c[:, C[name]].astype(np.float64)

    tele = n("followup_tele") + n("routine_tele") + n("urgent_tele")
    gp_visits = n("urgent_gp") + n("followup_done") + n("routine_done") - tele - n("mobile_visits")
    out = np.zeros((c.shape[0], N_ITEMS))
    out[:, GP_VISITS] = gp_visits * gp_eur
    out[:, TELECONSULTATIONS] = tele * tele_eur
    out[:, EMERGENCY] = n("emergency") * emergency_eur
    out[:, TRANSPORT] = n("hospitalised") * transport_eur + n("transported") * transport_trip_eur
    out[:, PROGRAMME] = (n("enrolled") + n("died_enrolled")) * (programme_year / WEEKS_PER_YEAR)
    out[:, TELEMONITORING] = (n("telemonitored") + n("died_telemonitored")) * (telemonitoring_year / WEEKS_PER_YEAR)
    for d, disease in enumerate(DISEASES):
        out[:, HOSPITAL0 + d] = n(f"hospitalised_{disease}") * hospital_stay_eur[d]
        treated = n(f"treated_{disease}")
        out[:, DRUGS0 + d] = treated * (drugs_year[d] / WEEKS_PER_YEAR)
        out[:, AMBULATORY0 + d] = treated * (ambulatory_year[d] / WEEKS_PER_YEAR)
        out[:, OTHER_HOSPITAL0 + d] = treated * (other_hospital_year[d] / WEEKS_PER_YEAR)
    return out
