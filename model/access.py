"""Stage 5, access allocation: the core constraint.

Each week, demands are served by priority (urgent, then follow-up, then routine) and patients in a
fixed random order rotated every week. A demand tries the médecin traitant, then the other GPs
within the patient's reach (nearest first), then a teleconsultation (digital patients who accept
one, within the week's tele capacity), then, for an urgent need, SAS / the emergency department.
What is left is unmet: a follow-up stays due, a routine need is carried over and given up after
``give_up_weeks``. GP capacity is consumed one consultation at a time.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from territoire.agents.patients import NO_GP
from territoire.model.events_codes import (
    DEMAND, FOLLOWUP, FOLLOWUP_DONE, FOLLOWUP_TELE, GAVE_UP, OTHER_GP, ROUTINE, ROUTINE_DONE, ROUTINE_TELE, URGENT, URGENT_ED, URGENT_GP,
)
from territoire.model.rng import uniform

TELE_SLOT, REFERRAL_SLOT = 12, 16  # draw slots (per demand kind / per disease)


def rotation_offset(week: int, n: int) -> int:
    """Where this week's pass starts in the fixed order (golden-ratio stride: every slot gets its turn)."""
    return int((week * 0.6180339887498949 % 1.0) * n) if n else 0


@njit(cache=True)
def _find_gp(i, commune, reach, gp, gp_commune, gp_capacity, gp_sorted, travel_min, turned_away):
    """GP index that sees patient i now (capacity consumed), or -1."""
    mt = gp[i]
    c = commune[i]
    if mt != NO_GP:
        if gp_capacity[mt] >= 1.0:
            gp_capacity[mt] -= 1.0
            return mt
        turned_away[mt] += 1
    for r in range(gp_sorted.shape[1]):
        g = gp_sorted[c, r]
        if travel_min[c, gp_commune[g]] > reach:
            break
        if g != mt and gp_capacity[g] >= 1.0:
            gp_capacity[g] -= 1.0
            return g
    return -1


@njit(cache=True)
def access_kernel(week, key, order, offset, alive, event, commune, mobility, digital, gp, stage, weeks_since,
                  pending_routine, reach_by_mobility, followup_weeks, referral, gp_commune, gp_capacity, gp_sorted,
                  travel_min, tele_pool, tele_uptake, give_up_weeks, referrals, turned_away):
    """Serve this week's demands; updates capacities, flags, follow-up clocks, referrals in place."""
    n = order.shape[0]
    asking = np.empty(n, np.int64)  # this week's patients with a demand, in service order
    m = 0
    for k in range(n):
        i = order[(k + offset) % n]
        if alive[i] and (event[i] & DEMAND):
            asking[m] = i
            m += 1
    for kind in (URGENT, FOLLOWUP, ROUTINE):
        for k in range(m):
            i = asking[k]
            if not (event[i] & kind):
                continue
            reach = reach_by_mobility[mobility[i]]
            g = _find_gp(i, commune, reach, gp, gp_commune, gp_capacity, gp_sorted, travel_min, turned_away)
            if g != NO_GP and g != gp[i]:
                event[i] |= OTHER_GP
            if kind == URGENT:
                event[i] |= URGENT_GP if g != NO_GP else URGENT_ED
                continue
            tele = False
            if g == NO_GP and digital[i] and tele_pool[0] >= 1.0 and uniform(key, i, week, TELE_SLOT + (1 if kind == ROUTINE else 0)) < tele_uptake:
                tele_pool[0] -= 1.0
                tele = True
            served = g != NO_GP or tele
            if kind == FOLLOWUP:
                if served:
                    event[i] |= FOLLOWUP_DONE | (FOLLOWUP_TELE if tele else 0)
                    for d in range(stage.shape[1]):
                        s = stage[i, d]
                        if s > 0 and followup_weeks[d, s] > 0:
                            weeks_since[i, d] = 0
                            if uniform(key, i, week, REFERRAL_SLOT + d) < referral[d, s]:
                                referrals[commune[i], d] += 1
            else:
                if served:
                    event[i] |= ROUTINE_DONE | (ROUTINE_TELE if tele else 0)
                    pending_routine[i] = 0
                elif pending_routine[i] + 1 >= give_up_weeks:
                    pending_routine[i] = 0
                    event[i] |= GAVE_UP
                else:
                    pending_routine[i] += 1


def empty_referrals(n_communes: int, n_diseases: int) -> np.ndarray:
    return np.zeros((n_communes, n_diseases), np.int64)
