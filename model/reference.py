"""A readable reference of the weekly step, in plain numpy (and one plain Python loop for access).

Each function has the signature of the numba kernel of the same name and must give the same result
for the same inputs: ``TerritoryModel(kernels="reference")`` runs the model with these instead of
the kernels, and the tests compare the two. Written for clarity, not speed: use it on small
territories. Random draws are the same counter-based draws (``uniform_np``), so equality is exact.
"""

from __future__ import annotations

import numpy as np

from territoire.agents.patients import DIABETES, HEART_FAILURE, NO_GP, OSTEOPOROSIS, WEEKS_PER_YEAR
from territoire.agents.providers import WEEKS_OF_ACTIVITY
from territoire.model import accounts as acc
from territoire.model.access import (
    BOOTH,
    MOBILE,
    MOBILE_TEAM_VISITS,
    NEAR_BOOTH,
    NURSING_HOME_AGE_WEEKS,
    NURSING_HOME_SLOT,
    OUT_OF_HOURS_SLOT,
    REFERRAL_SLOT,
    SNP,
    SNP_COVERED,
    TELE,
    TELE_SLOT,
    TRANSPORT_SLOT,
)
from territoire.model.demand import NO_EPISODE, ROUTINE_SLOT
from territoire.model.events_codes import (
    ARRIVED,
    BOOTH_VISIT,
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
from territoire.model.indicators import (
    ADULTS,
    AGED_40,
    ALIVE,
    COMPLICATED0,
    DEATHS_WITH0,
    DIED_ENROLLED,
    DIED_TELEMONITORED,
    ENROLLED,
    HOSPITALISED0,
    PREVALENT0,
    TELEMONITORED,
    TREATED0,
    WITHOUT_GP,
    WOMEN_50,
)
from territoire.model.rng import uniform_np
from territoire.model.workforce import OVERLOAD_MEMORY_WEEKS

N_DISEASES = 4


def _draw(key, slots, week, slot):
    return uniform_np(key, slots, week, slot)


def demography_kernel(
    week,
    key,
    key_newcomer,
    alive,
    age_weeks,
    sex,
    vulnerable,
    mobility,
    digital,
    stage,
    weeks_since,
    gp,
    enrolled,
    telemonitored,
    pending_routine,
    event,
    death_table,
    p_female,
    p_vulnerable,
    newcomer_mobility,
    newcomer_digital,
):
    everyone = np.arange(alive.size)
    new = ~alive
    slots = everyone[new]
    # Newborns fill the empty slots.
    alive[new] = True
    age_weeks[new] = 0
    sex[new] = _draw(key_newcomer, slots, week, 0) < p_female
    vulnerable[new] = _draw(key_newcomer, slots, week, 1) < p_vulnerable
    u = _draw(key_newcomer, slots, week, 2)
    mobility[new] = np.where(
        u < newcomer_mobility[0], 0, np.where(u < newcomer_mobility[0] + newcomer_mobility[1], 1, 2)
    )
    digital[new] = _draw(key_newcomer, slots, week, 3) < newcomer_digital
    stage[new] = 0
    weeks_since[new] = 0
    gp[new] = NO_GP
    enrolled[new] = False
    telemonitored[new] = False
    pending_routine[new] = 0
    ev = np.where(new, ARRIVED, 0)
    # Everyone ages one week; the yearly death probability becomes a weekly one.
    age_weeks[age_weeks < 32767] += 1
    age = np.minimum(age_weeks // WEEKS_PER_YEAR, death_table.shape[1] - 1)
    s = stage.astype(np.int64)
    combo = s[:, 0] + 4 * s[:, 1] + 16 * s[:, 2] + 64 * s[:, 3]
    dies = _draw(key, everyone, week, 0) < death_table[sex, age, combo]
    alive[dies] = False
    gp[dies] = NO_GP
    event[:] = ev | np.where(dies, DIED, 0)


def onset_kernel(
    week,
    key,
    alive,
    age_weeks,
    sex,
    stage,
    weeks_since,
    event,
    onset_table,
    onset_stage2_share,
    onset_multiplier,
):
    everyone = np.arange(alive.size)
    age = np.minimum(age_weeks // WEEKS_PER_YEAR, onset_table.shape[2] - 1)
    u = _draw(key, everyone, week, 0)
    window = (u * N_DISEASES).astype(np.int64)  # the disease whose window the draw falls in
    for d in range(N_DISEASES):
        row = np.full(alive.size, d)
        if d == HEART_FAILURE:
            row = np.where(
                stage[:, DIABETES] > 0, N_DISEASES, d
            )  # diabetics have their own HF hazard row
        hazard = np.minimum(onset_table[row, sex, age] * onset_multiplier[d], 1.0 / N_DISEASES)
        new_case = (
            alive & (window == d) & (stage[:, d] == 0) & (u - d * (1.0 / N_DISEASES) < hazard)
        )
        uncontrolled = _draw(key, everyone, week, 1 + d) < onset_stage2_share[d]
        stage[new_case, d] = np.where(uncontrolled[new_case], 2, 1)
        weeks_since[new_case, d] = 0
        event[new_case] |= ONSET


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
    everyone = np.arange(alive.size)
    nurse = (
        (gp != NO_GP) & gp_has_nurse[np.maximum(gp, 0)]
        if gp_has_nurse.size
        else np.zeros(alive.size, bool)
    )
    for d in range(N_DISEASES):
        s = stage[:, d].copy()
        u = _draw(key, everyone, week, d)
        if d == OSTEOPOROSIS:
            diagnosed = alive & (s == 2) & (u < osteoporosis_diagnosis / WEEKS_PER_YEAR)
            stopped = alive & (s == 1) & (u < worsen[d] / WEEKS_PER_YEAR)
            stage[diagnosed, d] = 1
            stage[stopped, d] = 2
            continue
        fu = followup_weeks[d, s]
        overdue = (fu > 0) & (weeks_since[:, d] > overdue_factor * fu)
        bad = np.where(overdue, missed_rr, 1.0) * np.where(enrolled, enrolled_rr, 1.0)
        worsens = alive & (s == 1) & (u < worsen[d] * bad / WEEKS_PER_YEAR)
        tele = telemonitored & (d in (HEART_FAILURE, DIABETES))
        p_complicate = complicate[d] * bad * np.where(tele, telemonitoring_rr, 1.0) / WEEKS_PER_YEAR
        p_regain = np.where(
            overdue,
            0.0,
            regain[d]
            * np.where(enrolled, enrolled_regain_rr, 1.0)
            * np.where(nurse, nurse_regain_rr, 1.0)
            / WEEKS_PER_YEAR,
        )
        complicates = alive & (s == 2) & (u < p_complicate)
        regains = alive & (s == 2) & ~complicates & (u < p_complicate + p_regain)
        stage[worsens, d] = 2
        stage[complicates, d] = 3
        stage[regains, d] = 1


def demand_kernel(
    week,
    key,
    alive,
    age_weeks,
    stage,
    weeks_since,
    enrolled,
    pending_routine,
    event,
    acute,
    followup_weeks,
    acute_rate,
    acute_missed_rr,
    acute_enrolled_rr,
    overdue_factor,
    routine_weekly_by_age,
):
    everyone = np.arange(alive.size)
    acute[:] = NO_EPISODE
    for d in range(N_DISEASES):
        s = stage[:, d]
        fu = followup_weeks[d, s]
        planned = alive & (s > 0) & (fu > 0)
        weeks_since[planned & (weeks_since[:, d] < 32767), d] += 1
        event[planned & (weeks_since[:, d] >= fu)] |= FOLLOWUP
        overdue = (fu > 0) & (weeks_since[:, d] > overdue_factor * fu)
        rate = (
            acute_rate[d, s]
            * np.where(overdue, acute_missed_rr, 1.0)
            * np.where(enrolled, acute_enrolled_rr, 1.0)
        )
        episode = (
            alive
            & (s > 0)
            & (acute == NO_EPISODE)
            & (_draw(key, everyone, week, d) < rate / WEEKS_PER_YEAR)
        )
        acute[episode] = d  # one episode a week at most: the first disease in order
        event[episode] |= URGENT
    age = np.minimum(age_weeks // WEEKS_PER_YEAR, routine_weekly_by_age.shape[0] - 1)
    new_need = _draw(key, everyone, week, ROUTINE_SLOT) < routine_weekly_by_age[age]
    event[alive & ((pending_routine > 0) | new_need)] |= ROUTINE


def access_kernel(
    week,
    key,
    key_policy,
    order,
    offset,
    alive,
    event,
    commune,
    mobility,
    digital,
    vulnerable,
    age_weeks,
    gp,
    stage,
    weeks_since,
    pending_routine,
    reach_by_mobility,
    followup_weeks,
    referral,
    gp_commune,
    gp_capacity,
    gp_sorted,
    travel_min,
    pools,
    commune_flags,
    tele_left,
    tele_visit_cost,
    tele_uptake,
    transport_coverage,
    nursing_home_coverage,
    out_of_hours_share,
    give_up_weeks,
    referrals,
    turned_away,
    asking,
):
    """Plain Python: the order of service matters, so this one is a loop, patient after patient.
    (``asking`` is the numba kernel's scratch space, unused here.)"""

    def find_tele_gp(i):
        first = [gp[i]] if gp[i] != NO_GP else []  # the médecin traitant first
        for g in first + list(gp_sorted[commune[i]]):
            if tele_left[g] >= 1.0 and gp_capacity[g] >= tele_visit_cost:
                tele_left[g] -= 1.0
                gp_capacity[g] -= tele_visit_cost
                return g
        return NO_GP

    def find_gp(i, reach):
        mt, c = gp[i], commune[i]
        if mt != NO_GP:
            if gp_capacity[mt] >= 1.0:
                gp_capacity[mt] -= 1.0
                return mt
            turned_away[mt] += 1
        for g in gp_sorted[c]:
            if travel_min[c, gp_commune[g]] > reach:
                break
            if g != mt and gp_capacity[g] >= 1.0:
                gp_capacity[g] -= 1.0
                return g
        return NO_GP

    def draw(i, slot, k=key, w=week):
        return uniform_np(k, np.array([i]), w, slot)[0]

    n = order.size
    for kind in (URGENT, FOLLOWUP, ROUTINE):
        for k in range(n):
            i = order[(k + offset) % n]
            if not alive[i] or not event[i] & kind:
                continue
            own_reach = reach_by_mobility[mobility[i]]
            carried = (
                mobility[i] > 0 and draw(i, TRANSPORT_SLOT, key_policy, 0) < transport_coverage
            )
            closed = (
                kind == URGENT and draw(i, OUT_OF_HOURS_SLOT) < out_of_hours_share
            )  # practices closed
            g = NO_GP if closed else find_gp(i, reach_by_mobility[0] if carried else own_reach)
            if g != NO_GP and g != gp[i]:
                event[i] |= OTHER_GP
            if g != NO_GP and carried and travel_min[commune[i], gp_commune[g]] > own_reach:
                event[i] |= TRANSPORTED
            flags = commune_flags[commune[i]]
            if kind == URGENT:
                if g != NO_GP:
                    event[i] |= URGENT_GP
                elif flags & SNP_COVERED and pools[SNP] >= 1.0:
                    pools[SNP] -= 1.0
                    event[i] |= URGENT_GP | SNP_VISIT
                elif (
                    mobility[i] == 2
                    and age_weeks[i] >= NURSING_HOME_AGE_WEEKS
                    and draw(i, NURSING_HOME_SLOT, key_policy, 0) < nursing_home_coverage
                ):
                    event[i] |= URGENT_GP | URGENT_TELE
                else:
                    event[i] |= URGENT_ED
                continue
            tele = False
            if g == NO_GP:
                if digital[i] and draw(i, TELE_SLOT + (kind == ROUTINE)) < tele_uptake:
                    if find_tele_gp(i) != NO_GP:
                        tele = True
                    elif pools[TELE] >= 1.0:
                        pools[TELE] -= 1.0
                        tele = True
                if not tele and flags & NEAR_BOOTH and pools[BOOTH] >= 1.0:
                    pools[BOOTH] -= 1.0
                    tele = True
                    event[i] |= BOOTH_VISIT
                elif (
                    not tele
                    and flags & MOBILE_TEAM_VISITS
                    and (vulnerable[i] or mobility[i] > 0)
                    and pools[MOBILE] >= 1.0
                ):
                    pools[MOBILE] -= 1.0
                    g = -2  # seen in person by the mobile team
                    event[i] |= MOBILE_VISIT
            if kind == FOLLOWUP:
                if g != NO_GP or tele:
                    event[i] |= FOLLOWUP_DONE | (FOLLOWUP_TELE if tele else 0)
                    for d in range(N_DISEASES):
                        s = stage[i, d]
                        if s > 0 and followup_weeks[d, s] > 0:
                            weeks_since[i, d] = 0
                            if draw(i, REFERRAL_SLOT + d) < referral[d, s]:
                                referrals[commune[i], d] += 1
            elif g != NO_GP or tele:
                event[i] |= ROUTINE_DONE | (ROUTINE_TELE if tele else 0)
                pending_routine[i] = 0
            elif pending_routine[i] + 1 >= give_up_weeks:
                pending_routine[i] = 0
                event[i] |= GAVE_UP
            else:
                pending_routine[i] += 1


def events_kernel(
    week,
    key,
    alive,
    event,
    acute,
    stage,
    weeks_since,
    telemonitored,
    gp,
    hospitalisation_if_gp,
    emergency_rr,
    telemonitoring_rr,
    death_in_hospital,
    hf_hospital_worsen,
):
    everyone = np.arange(alive.size)
    episode = alive & (event & URGENT != 0)
    d = np.where(episode, acute, 0).astype(np.int64)
    s = stage[everyone, d]
    p = hospitalisation_if_gp[d, s]
    p = np.where((d != OSTEOPOROSIS) & (event & URGENT_ED != 0), p * emergency_rr, p)
    p = np.where((d == HEART_FAILURE) & telemonitored, p * telemonitoring_rr, p)
    fracture = episode & (d == OSTEOPOROSIS)
    stage[fracture, OSTEOPOROSIS] = 3
    admitted = episode & (_draw(key, everyone, week, 0) < np.minimum(p, 0.95))
    event[admitted] |= HOSPITALISED
    weeks_since[admitted, d[admitted]] = 0
    worse = (
        admitted
        & (d == HEART_FAILURE)
        & (s < 3)
        & (_draw(key, everyone, week, 2) < hf_hospital_worsen)
    )
    stage[worse, HEART_FAILURE] = s[worse] + 1
    dies = admitted & (_draw(key, everyone, week, 1) < death_in_hospital[d])
    alive[dies] = False
    gp[dies] = NO_GP
    event[dies] |= DIED


def accounts_kernel(
    partial,
    alive,
    event,
    acute,
    stage,
    commune,
    enrolled,
    telemonitored,
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
    """The week's per-patient cost items (communes, items), billed patient by patient: what
    ``accounts.weekly_costs`` computes from the counts (the tests compare). ``partial``: its shape only."""
    counted = alive | (event & DIED != 0)
    out = np.zeros(partial.shape[1:])
    ev = event

    def add(item, mask, amount):
        np.add.at(
            out,
            (commune[counted & mask], item),
            np.broadcast_to(amount, mask.shape)[counted & mask],
        )

    visits = (
        ((ev & URGENT_GP != 0) & (ev & URGENT_TELE == 0)).astype(float)
        + ((ev & FOLLOWUP_DONE != 0) & (ev & FOLLOWUP_TELE == 0))
        + ((ev & ROUTINE_DONE != 0) & (ev & ROUTINE_TELE == 0))
        - (ev & MOBILE_VISIT != 0)
    )  # mobile-team visits are paid by the team's budget
    add(acc.GP_VISITS, np.ones(alive.size, bool), visits * gp_eur)
    tele = (ev & FOLLOWUP_TELE != 0) * 1.0 + (ev & ROUTINE_TELE != 0) + (ev & URGENT_TELE != 0)
    add(acc.TELECONSULTATIONS, np.ones(alive.size, bool), tele * tele_eur)
    add(acc.EMERGENCY, ev & URGENT_ED != 0, emergency_eur)
    admitted = ev & HOSPITALISED != 0
    cause = np.maximum(acute, 0)
    for d in range(N_DISEASES):
        add(acc.HOSPITAL0 + d, admitted & (cause == d), hospital_stay_eur[d])
    add(acc.TRANSPORT, admitted, transport_eur)
    add(acc.TRANSPORT, ev & TRANSPORTED != 0, transport_trip_eur)
    add(acc.PROGRAMME, enrolled, programme_year / WEEKS_PER_YEAR)
    add(acc.TELEMONITORING, telemonitored, telemonitoring_year / WEEKS_PER_YEAR)
    for d in range(N_DISEASES):
        treated = (stage[:, d] > 0) & ~((d == OSTEOPOROSIS) & (stage[:, d] == 2))
        add(acc.DRUGS0 + d, treated, drugs_year[d] / WEEKS_PER_YEAR)
        add(acc.AMBULATORY0 + d, treated, ambulatory_year[d] / WEEKS_PER_YEAR)
        add(acc.OTHER_HOSPITAL0 + d, treated, other_hospital_year[d] / WEEKS_PER_YEAR)
    return out


def count_kernel(
    partial,
    alive,
    event,
    acute,
    age_weeks,
    sex,
    stage,
    commune,
    vulnerable,
    gp,
    enrolled,
    telemonitored,
    flag_bits,
    flag_index,
):
    out = np.zeros(partial.shape[1:], np.int64)
    died = event & DIED != 0
    seen = alive | died
    v = vulnerable.astype(np.int64)

    def count(k, mask):
        np.add.at(out, (commune[seen & mask], v[seen & mask], k), 1)

    for bit, k in zip(flag_bits, flag_index):
        count(k, event & bit != 0)
    for d in range(N_DISEASES):
        count(HOSPITALISED0 + d, (event & HOSPITALISED != 0) & (acute == d))
        count(DEATHS_WITH0 + d, died & (stage[:, d] > 0))
    age = age_weeks // WEEKS_PER_YEAR
    living = alive & ~died
    count(ALIVE, living)
    count(WITHOUT_GP, living & (gp == NO_GP))
    count(ADULTS, living & (age >= 18))
    count(AGED_40, living & (age >= 40))
    count(WOMEN_50, living & (age >= 50) & (sex == 1))
    count(ENROLLED, living & enrolled)
    count(TELEMONITORED, living & telemonitored)
    for d in range(N_DISEASES):
        count(PREVALENT0 + d, living & (stage[:, d] > 0))
        count(COMPLICATED0 + d, living & (stage[:, d] == 3))
        count(
            TREATED0 + d, (stage[:, d] > 0) & ~((d == OSTEOPOROSIS) & (stage[:, d] == 2))
        )  # the living and the dead
    count(DIED_ENROLLED, died & enrolled)
    count(DIED_TELEMONITORED, died & telemonitored)
    return out


def workload_kernel(active, activity_per_year, used, turned_away, workload, weeks_worked):
    """Each working GP's workload, an exponential average over ~26 weeks of (consultations given +
    requests turned away) ÷ weekly capacity, started at the first week seen."""
    capacity = activity_per_year / WEEKS_OF_ACTIVITY
    working = active & (capacity > 0)
    load = np.divide(used + turned_away, capacity, out=np.zeros_like(capacity), where=working)
    first = working & (weeks_worked == 0)
    later = working & ~first
    workload[first] = load[first]
    workload[later] += (load[later] - workload[later]) / OVERLOAD_MEMORY_WEEKS
    weeks_worked[working] += 1


def departures_kernel(
    week,
    key,
    active,
    age,
    newly_installed,
    installed_week,
    workload,
    retirement_from_age,
    retirement_per_year,
    retirement_multiplier,
    overload_threshold,
    overload_departure_per_week,
):
    """Active GPs age a week; each stops with the yearly retirement probability of the last age band
    they have reached (÷ 52, × the multiplier), plus the overload departure if overloaded."""
    age[active] += 1.0 / WEEKS_PER_YEAR
    newly_installed[active & newly_installed & (week - installed_week >= WEEKS_PER_YEAR)] = False
    yearly = np.zeros_like(age)
    for start, per_year in zip(retirement_from_age, retirement_per_year):
        yearly[age >= start] = per_year
    p = yearly / WEEKS_PER_YEAR * retirement_multiplier
    p[workload > overload_threshold] += overload_departure_per_week
    return np.flatnonzero(active & (_draw(key, np.arange(active.size), week, 0) < p))
