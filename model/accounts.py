"""Stage 8, accounts: every cost item of the week, per commune, in euros.

Per-patient items are summed per block of patients, then over blocks in a fixed order, so totals do not depend on
the number of threads. Specialist visits and CPTS budgets are added per commune by the model.
"""

from __future__ import annotations

from numba import njit, prange

from territoire.agents.patients import DISEASES, OSTEOPOROSIS, WEEKS_PER_YEAR
from territoire.model.chunks import block_range, sum_blocks
from territoire.model.demography import stage_combo
from territoire.model.events_codes import (
    DIED, FOLLOWUP_DONE, FOLLOWUP_TELE, HOSPITALISED, MOBILE_VISIT, ROUTINE_DONE, ROUTINE_TELE, TRANSPORTED, URGENT_ED,
    URGENT_GP, URGENT_TELE,
)

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


@njit(cache=True, parallel=True)
def accounts_kernel(partial, alive, event, acute, stage, commune, enrolled, telemonitored,
                    gp_eur, tele_eur, emergency_eur, hospital_stay_eur, transport_eur, drugs_year, ambulatory_year,
                    other_hospital_year, programme_year, telemonitoring_year, transport_trip_eur):
    """Costs of the week, shape (communes, items); ``partial`` (blocks, communes, items) is scratch space.

    The number of blocks is fixed by the caller, never by the thread count, so the order of the
    floating-point sums, hence the result, is the same on any machine. (The model runs this pass
    fused with the counting one: ``tally.py``.)"""
    prices = (gp_eur, tele_eur, emergency_eur, hospital_stay_eur, transport_eur, drugs_year, ambulatory_year,
              other_hospital_year, programme_year, telemonitoring_year, transport_trip_eur)
    for b in prange(partial.shape[0]):
        out = partial[b]
        out[:] = 0.0
        lo, hi = block_range(b, partial.shape[0], alive.shape[0])
        for i in range(lo, hi):
            ev = event[i]
            if (alive[i] or (ev & DIED)) and pays(ev, enrolled[i], telemonitored[i], stage_combo(stage, i)):
                add_costs(out, i, ev, commune[i], acute, stage, enrolled, telemonitored, prices)
    return sum_blocks(partial)


@njit(cache=True, inline="always")
def pays(ev, enrolled, telemonitored, combo):
    """Whether a patient costs anything this week (~22 %): skipping the others' additions of 0.0 leaves the sums unchanged."""
    return ev != 0 or enrolled or telemonitored or combo != 0


@njit(cache=True, inline="always")
def add_costs(out, i, ev, k, acute, stage, enrolled, telemonitored, prices):
    """Add patient i's costs of the week (events ``ev``, commune row ``k``) to ``out`` (communes, items).
    ``prices``: ``accounts_kernel``'s arguments after ``telemonitored``, as a tuple."""
    (gp_eur, tele_eur, emergency_eur, hospital_stay_eur, transport_eur, drugs_year, ambulatory_year, other_hospital_year,
     programme_year, telemonitoring_year, transport_trip_eur) = prices
    visits = 0.0
    if (ev & URGENT_GP) and not (ev & URGENT_TELE):
        visits += 1.0
    if (ev & FOLLOWUP_DONE) and not (ev & FOLLOWUP_TELE):
        visits += 1.0
    if (ev & ROUTINE_DONE) and not (ev & ROUTINE_TELE):
        visits += 1.0
    if ev & MOBILE_VISIT:
        visits -= 1.0  # the mobile team is paid by its budget (lever running costs), not per visit
    out[k, GP_VISITS] += visits * gp_eur
    tele = (1.0 if ev & FOLLOWUP_TELE else 0.0) + (1.0 if ev & ROUTINE_TELE else 0.0) + (1.0 if ev & URGENT_TELE else 0.0)
    out[k, TELECONSULTATIONS] += tele * tele_eur
    if ev & URGENT_ED:
        out[k, EMERGENCY] += emergency_eur
    if ev & HOSPITALISED:
        out[k, HOSPITAL0 + acute[i]] += hospital_stay_eur[acute[i]]
        out[k, TRANSPORT] += transport_eur
    if ev & TRANSPORTED:
        out[k, TRANSPORT] += transport_trip_eur
    if enrolled[i]:
        out[k, PROGRAMME] += programme_year / WEEKS_PER_YEAR
    if telemonitored[i]:
        out[k, TELEMONITORING] += telemonitoring_year / WEEKS_PER_YEAR
    for d in range(stage.shape[1]):
        s = stage[i, d]
        if s == 0 or (d == OSTEOPOROSIS and s == 2):  # untreated osteoporosis costs nothing yet
            continue
        out[k, DRUGS0 + d] += drugs_year[d] / WEEKS_PER_YEAR
        out[k, AMBULATORY0 + d] += ambulatory_year[d] / WEEKS_PER_YEAR
        out[k, OTHER_HOSPITAL0 + d] += other_hospital_year[d] / WEEKS_PER_YEAR
