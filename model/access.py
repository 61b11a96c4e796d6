"""Stage 5, access allocation: the core constraint.

Each week, demands are served in a fixed random order of patients rotated every week, in two
passes (``access_kernel``): acute episodes first reach their médecin traitant's same-day slot (or,
out of hours, no practice at all); then every other demand books a visit in that order, acute
episodes of patients without a médecin traitant, chronic follow-ups and routine needs competing for
the same slots. A demand tries the médecin traitant, then the other GPs within the patient's reach
(nearest first; on-demand transport extends a limited-mobility patient's reach to the car's);
some patients choose a teleconsultation first. Then

* an urgent need: the CPTS unscheduled-care rota (covered communes), a nursing-home teleconsultation
  (residents, when that lever is on), else SAS / the emergency department;
* a follow-up or routine need: a teleconsultation (digital patients who accept one), a pharmacy
  booth (anyone living near one), the mobile "aller-vers" team (vulnerable or limited-mobility
  patients of the communes it visits), each within its weekly capacity.

What is left is unmet: a follow-up stays due, a routine need is carried over and given up after
``give_up_weeks``. GP capacity is consumed one consultation at a time. The routine needs stand for
every other reason to see a GP, so GP time is shared with the demand the diseases do not represent.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit, prange

from territoire.agents.patients import NO_GP
from territoire.model.chunks import block_range, n_reduction_blocks
from territoire.model.demography import whole_years
from territoire.model.draws import (
    NURSING_HOME,
    OUT_OF_HOURS,
    REFERRAL,
    REFERRAL_BLOCK,
    TELE_CHOSEN,
    TELE_FOLLOWUP,
    TELE_ROUTINE,
    TRANSPORT,
    disease_slot,
)
from territoire.model.events_codes import (
    BOOTH_VISIT,
    DEMAND,
    FOLLOWUP,
    FOLLOWUP_DONE,
    FOLLOWUP_TELE,
    GAVE_UP,
    MOBILE_VISIT,
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
from territoire.model.rng import uniform

# pools (visits available this week) and commune flags of the levers
TELE, BOOTH, MOBILE, SNP = range(4)
NEAR_BOOTH, MOBILE_TEAM_VISITS, SNP_COVERED = 1, 2, 4
# assumption: nursing-home residents ≈ people aged 80+ without mobility
NURSING_HOME_AGE_WEEKS = 80 * 52


def rotation_offset(week: int, n: int) -> int:
    """Where this week's pass starts in the fixed order (golden-ratio stride: every slot gets its
    turn)."""
    return int((week * 0.6180339887498949 % 1.0) * n) if n else 0


class AccessInputs(NamedTuple):
    """What the access stage reads besides the patients (nothing here changes during the week)."""

    key: np.uint64  # draw stream of access (teleconsultation choice, referrals, out of hours)
    key_policy: np.uint64  # draw stream of the levers' eligibility (transport, nursing homes)
    order: np.ndarray  # int32, the fixed random service order of patients
    offset: int  # where this week's pass starts in ``order`` (``rotation_offset``)
    reach_by_mobility: np.ndarray  # minutes by road a patient travels to a GP, by mobility class
    followup_weeks: np.ndarray  # guideline interval, disease × stage, weeks (0: none)
    referral: np.ndarray  # probability a follow-up visit refers to the specialist, disease × stage
    gp_commune: np.ndarray  # commune row of each GP slot
    gp_sorted: np.ndarray  # per commune, GP slots nearest first (``gp_choice.gps_by_distance``)
    travel_min: np.ndarray  # commune × commune, minutes by road
    commune_flags: np.ndarray  # per commune, NEAR_BOOTH | MOBILE_TEAM_VISITS | SNP_COVERED
    tele_visit_cost: float  # share of a visit's GP time a teleconsultation takes
    tele_uptake: float  # share of digital patients without a visit who accept a teleconsultation
    # probability that a digital patient asks for a teleconsultation first, by whole year of age,
    # and its factor by commune (distance to the nearest GP)
    tele_choice_by_age: np.ndarray
    tele_choice_by_commune: np.ndarray
    transport_coverage: float  # share of limited-mobility patients on-demand transport carries
    nursing_home_coverage: float  # share of nursing-home residents with telemedicine
    out_of_hours_share: float  # share of acute episodes arising when practices are closed
    give_up_weeks: int  # a routine need unmet this many weeks is given up


class AccessLedger(NamedTuple):
    """What the access stage consumes and counts during the week (updated in place)."""

    gp_capacity: np.ndarray  # visits each GP slot has left this week
    tele_left: np.ndarray  # teleconsultation slots each GP still offers this week
    pools: np.ndarray  # visits left: TELE platform, BOOTH, MOBILE team, SNP rota
    referrals: np.ndarray  # int64, commune × disease, specialist referrals made
    turned_away: np.ndarray  # int64 by GP slot, patients of theirs they could not see
    asking: np.ndarray  # int32 scratch, one a patient, kept by the model between weeks (fresh
    # pages for a large array every week cost more than the pass over it)


def distance_factor(per_10_min: float, minutes_to_gp: np.ndarray) -> np.ndarray:
    """``per_10_min ^ (minutes to the nearest GP ÷ 10)`` by commune; a commune with no GP in the
    territory counts as 2 hours away."""
    minutes = np.minimum(np.asarray(minutes_to_gp, np.float64), 120.0)
    return np.ascontiguousarray(per_10_min ** (minutes / 10.0))


def access_inputs(model, gp: dict, week: int) -> tuple[AccessInputs, AccessLedger]:
    """This week's access inputs and a fresh ledger; ``gp``: this week's GP arrays
    (``TerritoryModel.gp_arrays``)."""
    cp, pol, t = model.care_params, model.policy, model.territory
    weekly = gp["activity"] / 52.0
    tele_uptake = cp.tele_uptake if pol.tele_uptake is None else pol.tele_uptake
    # a lever raising the uptake of teleconsultation raises its choice in the same proportion
    # (assumption: one willingness to use it)
    willingness = tele_uptake / cp.tele_uptake if cp.tele_uptake > 0 else 1.0
    inputs = AccessInputs(
        key=model.keys["access"],
        key_policy=model.keys["policy"],
        order=model.alloc_order,
        offset=rotation_offset(week, len(model.patients)),
        reach_by_mobility=model.reach_by_mobility,
        followup_weeks=model.ctables["followup_weeks"],
        referral=model.ctables["specialist_referral"],
        gp_commune=gp["commune"],
        gp_sorted=model.gp_sorted,
        travel_min=t.travel_min,
        commune_flags=pol.commune_flags,
        tele_visit_cost=cp.tele_visit_cost,
        tele_uptake=tele_uptake,
        tele_choice_by_age=model.tele_choice_by_age * willingness,
        tele_choice_by_commune=distance_factor(cp.tele_choice_per_10_min, model.minutes_to_gp),
        transport_coverage=pol.transport_coverage,
        nursing_home_coverage=pol.nursing_home_coverage,
        out_of_hours_share=cp.out_of_hours_share,
        give_up_weeks=cp.routine_give_up_weeks,
    )
    pools = np.array(
        [
            cp.tele_platform_per_week,
            pol.booth_visits_per_week,
            pol.mobile_visits_per_week,
            pol.snp_visits_per_week,
        ]
    )
    ledger = AccessLedger(
        gp_capacity=np.ascontiguousarray(weekly + gp["extra_capacity"]),
        tele_left=np.ascontiguousarray(weekly * gp["tele_share"]),
        pools=pools,
        referrals=np.zeros((t.n_communes, model.patients.stage.shape[1]), np.int64),
        turned_away=np.zeros(len(weekly), np.int64),
        asking=model.access_scratch,
    )
    return inputs, ledger


@njit(cache=True, parallel=True)
def demanders_in_order(order, offset, alive, event, mask, out):
    """The living patients whose ``event`` shares a bit with ``mask``, in the service ``order``
    rotated to start at ``offset``: written to ``out[:m]``; returns m.

    Reading ``order`` is sequential but each patient's flags are a scattered read, so blocks of the
    rotated order are scanned in parallel, each block's finds kept at its own place in ``out``, then
    moved together block after block: the same list as one scan, on any number of threads.
    """
    n = order.shape[0]
    blocks = n_reduction_blocks(n)
    found = np.zeros(blocks, np.int64)
    for b in prange(blocks):
        lo, hi = block_range(b, blocks, n)
        m = lo
        # two plain ranges rather than a modulo per patient
        for k in range(lo + offset, hi + offset):
            i = order[k] if k < n else order[k - n]
            if alive[i] and (event[i] & mask):
                out[m] = i
                m += 1
        found[b] = m - lo
    m = 0
    # each block's finds move left (to where the previous blocks' end), in order
    for b in range(blocks):
        lo = block_range(b, blocks, n)[0]
        for j in range(found[b]):
            out[m + j] = out[lo + j]
        m += found[b]
    return m


@njit(cache=True, inline="always")
def _find_gp(mt, own_first, c, reach, x, ledger, first_open):
    """GP index that sees a patient of commune ``c`` whose médecin traitant is ``mt`` now (capacity
    consumed), or -1: the médecin traitant first if ``own_first``, then the others within
    ``reach``, nearest first.

    ``first_open[c]``: GPs before this rank in commune c's nearest-first list are full for the week
    (capacity only goes down during the allocation), so the search starts there.
    """
    # the bundles' fields bound once: read through the tuple, numba reloads them at every use
    gp_sorted, travel_min, gp_commune = x.gp_sorted, x.travel_min, x.gp_commune
    gp_capacity, turned_away = ledger.gp_capacity, ledger.turned_away
    if own_first and mt != NO_GP:
        if gp_capacity[mt] >= 1.0:
            gp_capacity[mt] -= 1.0
            return mt
        turned_away[mt] += 1
    while first_open[c] < gp_sorted.shape[1] and gp_capacity[gp_sorted[c, first_open[c]]] < 1.0:
        first_open[c] += 1
    for r in range(first_open[c], gp_sorted.shape[1]):
        g = gp_sorted[c, r]
        if travel_min[c, gp_commune[g]] > reach:
            break
        if g != mt and gp_capacity[g] >= 1.0:
            gp_capacity[g] -= 1.0
            return g
    return -1


@njit(cache=True, inline="always")
def _find_tele_gp(mt, c, x, ledger, first_tele):
    """A GP offering teleconsultation with time left this week, at any distance; -1 if none.

    The médecin traitant first, then the others nearest first. A teleconsultation uses
    ``tele_visit_cost`` of a visit's time and one of the GP's teleconsultation slots.
    ``first_tele[c]``: as ``first_open`` in ``_find_gp``, for teleconsultation slots.
    """
    # the bundles' fields bound once: read through the tuple, numba reloads them at every use
    tele_visit_cost, gp_sorted = x.tele_visit_cost, x.gp_sorted
    tele_left, gp_capacity = ledger.tele_left, ledger.gp_capacity
    if mt != NO_GP and tele_left[mt] >= 1.0 and gp_capacity[mt] >= tele_visit_cost:
        tele_left[mt] -= 1.0
        gp_capacity[mt] -= tele_visit_cost
        return mt
    for r in range(first_tele[c], gp_sorted.shape[1]):
        g = gp_sorted[c, r]
        if tele_left[g] >= 1.0 and gp_capacity[g] >= tele_visit_cost:
            tele_left[g] -= 1.0
            gp_capacity[g] -= tele_visit_cost
            return g
        if r == first_tele[c]:
            first_tele[c] += 1  # this GP has no teleconsultation left this week
    return -1


@njit(cache=True, inline="always")
def _nothing_left(x, ledger):
    """True when no follow-up or routine need can be served any more this week: no GP has a visit
    left, nor a teleconsultation slot and the time for it, and the platform, booth and mobile-team
    pools are empty. Capacities and pools only go down during the week, so it stays true."""
    # the bundles' fields bound once: read through the tuple, numba reloads them at every use
    tele_visit_cost = x.tele_visit_cost
    pools, gp_capacity, tele_left = ledger.pools, ledger.gp_capacity, ledger.tele_left
    if pools[TELE] >= 1.0 or pools[BOOTH] >= 1.0 or pools[MOBILE] >= 1.0:
        return False
    for g in range(gp_capacity.shape[0]):
        if gp_capacity[g] >= 1.0 or (tele_left[g] >= 1.0 and gp_capacity[g] >= tele_visit_cost):
            return False
    return True


@njit(cache=True, inline="always")
def _carry_over(k, pending, give_up_weeks):
    """A routine need not met this week: carried over, or given up after ``give_up_weeks``.
    Returns the flag to add (``GAVE_UP`` or 0)."""
    if pending[k] + 1 >= give_up_weeks:
        pending[k] = 0
        return GAVE_UP
    pending[k] += 1
    return 0


@njit(cache=True, inline="always")
def _urgent_without_gp(i, mobility_class, flags, age_weeks, x, ledger):
    """Where an acute episode goes when no GP sees it: the CPTS unscheduled-care rota (covered
    communes, while its slots last), a nursing-home teleconsultation (residents, when that lever
    is on), else SAS / the emergency department. Returns the event flags to add."""
    pools = ledger.pools
    if (flags & SNP_COVERED) and pools[SNP] >= 1.0:
        pools[SNP] -= 1.0
        return URGENT_GP | SNP_VISIT
    if (
        mobility_class == 2
        and age_weeks >= NURSING_HOME_AGE_WEEKS
        and uniform(x.key_policy, i, 0, NURSING_HOME) < x.nursing_home_coverage
    ):
        return URGENT_GP | URGENT_TELE
    return URGENT_ED


@njit(cache=True)
def access_kernel(week, people, x, ledger):
    """Serve this week's demands; updates capacities, pools, flags, follow-up clocks, referrals in
    place. Two passes over the patients with a demand, in the week's service order:

    1. acute episodes: one arising out of hours (``out_of_hours_share``) finds no practice open and
       goes to ``_urgent_without_gp``; in opening hours the médecin traitant makes room for their
       own patient the same day, while they have any time left this week;
    2. every other demand, each patient's in turn: acute episodes of patients without a médecin
       traitant (or whose médecin traitant is full) look for another GP within reach, follow-ups
       and routine needs book a visit. They compete for the same slots, as appointments are booked
       in the order they are asked for: when GPs are short, chronic follow-up is missed as often as
       any other visit. A patient who prefers a teleconsultation (``tele_choice_by_age``) asks for
       one first, where a GP offers it.

    ``ledger`` holds what is left to offer and what is counted (``AccessLedger``), updated in place.
    """
    # the bundles' fields bound once: read through the tuple, numba reloads them at every use
    alive, event, commune, mobility = people.alive, people.event, people.commune, people.mobility
    gp, pending_routine, age_weeks = people.gp, people.pending_routine, people.age_weeks
    digital, vulnerable, stage = people.digital, people.vulnerable, people.stage
    weeks_since, undiagnosed = people.weeks_since, people.undiagnosed
    gp_sorted, order, offset, give_up_weeks = x.gp_sorted, x.order, x.offset, x.give_up_weeks
    reach_by_mobility, key_policy = x.reach_by_mobility, x.key_policy
    transport_coverage, key, out_of_hours_share = x.transport_coverage, x.key, x.out_of_hours_share
    travel_min, gp_commune, commune_flags = x.travel_min, x.gp_commune, x.commune_flags
    tele_uptake, tele_choice_by_age = x.tele_uptake, x.tele_choice_by_age
    tele_choice_by_commune = x.tele_choice_by_commune
    followup_weeks, referral = x.followup_weeks, x.referral
    asking, turned_away, pools = ledger.asking, ledger.turned_away, ledger.pools
    referrals, gp_capacity = ledger.referrals, ledger.gp_capacity
    first_open = np.zeros(gp_sorted.shape[0], np.int64)  # per commune: see _find_gp
    first_tele = np.zeros(gp_sorted.shape[0], np.int64)
    # asking[:m]: this week's patients with a demand
    m = demanders_in_order(order, offset, alive, event, DEMAND, asking)
    # Their attributes, gathered in service order. Serving a demand is a long chain of dependent
    # steps, so the processor can only wait for one patient's scattered slots at a time; a plain
    # gathering loop fetches many at once. The flags and routine counters are written back at the
    # end.
    ev = np.empty(m, event.dtype)
    home = np.empty(m, commune.dtype)
    mob = np.empty(m, mobility.dtype)
    mt = np.empty(m, gp.dtype)  # médecin traitant
    pending = np.empty(m, pending_routine.dtype)
    for k in range(m):
        i = asking[k]
        ev[k] = event[i]
        home[k] = commune[i]
        mob[k] = mobility[i]
        mt[k] = gp[i]
        pending[k] = pending_routine[i]
    # 1. acute episodes: out of hours, or the médecin traitant's same-day slot
    for k in range(m):
        if not (ev[k] & URGENT):
            continue
        i = asking[k]
        if uniform(key, i, week, OUT_OF_HOURS) < out_of_hours_share:
            ev[k] |= _urgent_without_gp(i, mob[k], commune_flags[home[k]], age_weeks[i], x, ledger)
        elif mt[k] != NO_GP:
            if gp_capacity[mt[k]] >= 1.0:
                gp_capacity[mt[k]] -= 1.0
                ev[k] |= URGENT_GP
            else:
                turned_away[mt[k]] += 1
    # 2. the other demands, patient after patient
    exhausted = False
    for k in range(m):
        if not exhausted and k % 64 == 0:
            exhausted = _nothing_left(x, ledger)
        e = ev[k]
        urgent_left = (e & URGENT) != 0 and (e & (URGENT_GP | URGENT_ED)) == 0
        if not urgent_left and not (e & (FOLLOWUP | ROUTINE)):
            continue
        i = asking[k]
        c = home[k]
        flags = commune_flags[c]
        reach = reach_by_mobility[mob[k]]
        carried = mob[k] > 0 and uniform(key_policy, i, 0, TRANSPORT) < transport_coverage
        if carried:
            reach = reach_by_mobility[0]
        if urgent_left:
            # the médecin traitant, if any, was full in pass 1: other GPs only
            g = NO_GP if exhausted else _find_gp(mt[k], False, c, reach, x, ledger, first_open)
            if g != NO_GP:
                e |= URGENT_GP | OTHER_GP
                if carried and travel_min[c, gp_commune[g]] > reach_by_mobility[mob[k]]:
                    e |= TRANSPORTED
            else:
                e |= _urgent_without_gp(i, mob[k], flags, age_weeks[i], x, ledger)
        for kind in (FOLLOWUP, ROUTINE):
            if not (e & kind):
                continue
            # in an under-served week, most needs: all that a refusal leaves is done here
            if exhausted:
                if mt[k] != NO_GP:
                    turned_away[mt[k]] += 1  # as _find_gp counts it
                if kind == ROUTINE:
                    e |= _carry_over(k, pending, give_up_weeks)
                continue
            tele = False
            g = NO_GP
            if digital[i]:
                age = min(whole_years(age_weeks[i]), tele_choice_by_age.shape[0] - 1)
                chosen = tele_choice_by_age[age] * tele_choice_by_commune[c]
                if uniform(key, i, week, TELE_CHOSEN) < chosen:
                    if _find_tele_gp(mt[k], c, x, ledger, first_tele) != NO_GP:
                        tele = True
                    elif pools[TELE] >= 1.0:
                        pools[TELE] -= 1.0
                        tele = True
            if not tele:
                g = _find_gp(mt[k], True, c, reach, x, ledger, first_open)
                if g != NO_GP:
                    if g != mt[k]:
                        e |= OTHER_GP
                    if carried and travel_min[c, gp_commune[g]] > reach_by_mobility[mob[k]]:
                        e |= TRANSPORTED
                else:
                    slot = TELE_ROUTINE if kind == ROUTINE else TELE_FOLLOWUP
                    if digital[i] and uniform(key, i, week, slot) < tele_uptake:
                        if _find_tele_gp(mt[k], c, x, ledger, first_tele) != NO_GP:
                            tele = True
                        elif pools[TELE] >= 1.0:
                            pools[TELE] -= 1.0
                            tele = True
                    if not tele and (flags & NEAR_BOOTH) and pools[BOOTH] >= 1.0:
                        pools[BOOTH] -= 1.0
                        tele = True
                        e |= BOOTH_VISIT
                    elif (
                        not tele
                        and (flags & MOBILE_TEAM_VISITS)
                        and (vulnerable[i] or mob[k] > 0)
                        and pools[MOBILE] >= 1.0
                    ):
                        pools[MOBILE] -= 1.0
                        g = -2  # seen in person by the mobile team, not by a GP's list
                        e |= MOBILE_VISIT
            served = g != NO_GP or tele
            if kind == FOLLOWUP:
                if served:
                    e |= FOLLOWUP_DONE | (FOLLOWUP_TELE if tele else 0)
                    for d in range(stage.shape[1]):
                        s = stage[i, d]
                        fu = followup_weeks[d, s]
                        if s > 0 and fu > 0 and not undiagnosed[i, d]:
                            # a late visit refers as often as the visits it replaces would have
                            late = weeks_since[i, d] / fu
                            weeks_since[i, d] = 0
                            if (
                                uniform(key, i, week, disease_slot(REFERRAL, REFERRAL_BLOCK, d))
                                < referral[d, s] * late
                            ):
                                referrals[c, d] += 1
            elif served:
                e |= ROUTINE_DONE | (ROUTINE_TELE if tele else 0)
                pending[k] = 0
            else:
                e |= _carry_over(k, pending, give_up_weeks)
        ev[k] = e
    for k in range(m):
        i = asking[k]
        event[i] = ev[k]
        pending_routine[i] = pending[k]
