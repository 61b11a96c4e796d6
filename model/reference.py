"""A readable reference of the weekly step, in plain numpy (and one plain Python loop for access).

Each function has the signature of the numba kernel of the same name and must give the same result
for the same inputs: ``TerritoryModel(kernels="reference")`` runs the model with these instead of
the kernels, and the tests compare the two. Written for clarity, not speed: use it on small
territories. Random draws are the same counter-based draws (``uniform_np``), so equality is exact.
"""

from __future__ import annotations

import numpy as np

from territoire.agents.patients import DISEASES, N_STAGES, NO_GP, WEEKS_PER_YEAR
from territoire.agents.providers import WEEKS_OF_ACTIVITY
from territoire.model import accounts as acc
from territoire.model import draws
from territoire.model.access import (
    BOOTH,
    MOBILE,
    MOBILE_TEAM_VISITS,
    NEAR_BOOTH,
    NURSING_HOME_AGE_WEEKS,
    SNP,
    SNP_COVERED,
    TELE,
)
from territoire.model.demand import NO_EPISODE
from territoire.model.events_codes import (
    ARRIVED,
    BOOTH_VISIT,
    DEMAND,
    DIAGNOSED,
    DIED,
    FOLLOWUP,
    FOLLOWUP_DONE,
    FOLLOWUP_TELE,
    GAVE_UP,
    HAS_UNDIAGNOSED,
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
    DIED_ENROLLED,
    DIED_TELEMONITORED,
    ENROLLED,
    TELEMONITORED,
    WITHOUT_GP,
    WOMEN_50,
    C,
)
from territoire.model.rng import uniform_np
from territoire.model.workforce import OVERLOAD_MEMORY_WEEKS


def _draw(key, slots, week, slot):
    return uniform_np(key, slots, week, slot)


def demography_kernel(week, people, x):
    everyone = np.arange(people.alive.size)
    new = ~people.alive
    slots = everyone[new]
    # Newborns fill the empty slots.
    people.alive[new] = True
    people.age_weeks[new] = 0
    people.sex[new] = _draw(x.key_newcomer, slots, week, draws.NEWCOMER_SEX) < x.p_female
    people.vulnerable[new] = (
        _draw(x.key_newcomer, slots, week, draws.NEWCOMER_VULNERABLE) < x.p_vulnerable
    )
    u = _draw(x.key_newcomer, slots, week, draws.NEWCOMER_MOBILITY)
    people.mobility[new] = np.where(
        u < x.newcomer_mobility[0],
        0,
        np.where(u < x.newcomer_mobility[0] + x.newcomer_mobility[1], 1, 2),
    )
    people.digital[new] = (
        _draw(x.key_newcomer, slots, week, draws.NEWCOMER_DIGITAL) < x.newcomer_digital
    )
    people.stage[new] = 0
    people.weeks_since[new] = 0
    people.undiagnosed[new] = False
    people.gp[new] = NO_GP
    people.enrolled[new] = False
    people.telemonitored[new] = False
    people.pending_routine[new] = 0
    ev = np.where(new, ARRIVED, 0)
    # Everyone ages one week; the yearly death probability becomes a weekly one.
    people.age_weeks[people.age_weeks < 32767] += 1
    age = np.minimum(people.age_weeks // WEEKS_PER_YEAR, x.death_table.shape[1] - 1)
    s = people.stage.astype(np.int64)
    combo = s @ (N_STAGES ** np.arange(s.shape[1]))
    dies = _draw(x.key, everyone, week, draws.DEATH) < x.death_table[people.sex, age, combo]
    people.alive[dies] = False
    people.gp[dies] = NO_GP
    people.event[:] = ev | np.where(dies, DIED, 0)


def onset_kernel(week, people, x):
    everyone = np.arange(people.alive.size)
    age = np.minimum(people.age_weeks // WEEKS_PER_YEAR, x.onset_table.shape[2] - 1)
    n_diseases = people.stage.shape[1]
    u = _draw(x.key, everyone, week, draws.ONSET_WHICH)
    window = (u * n_diseases).astype(np.int64)  # the disease whose window the draw falls in
    for d in range(people.stage.shape[1]):
        row = np.full(people.alive.size, d)
        if x.raised_by[d] >= 0:  # patients with the disease that raises d's hazard: their own row
            row = np.where(people.stage[:, x.raised_by[d]] > 0, n_diseases + d, d)
        hazard = np.minimum(
            x.onset_table[row, people.sex, age] * x.onset_multiplier[d], 1.0 / n_diseases
        )
        new_case = (
            people.alive
            & (window == d)
            & (people.stage[:, d] == 0)
            & (u - d * (1.0 / n_diseases) < hazard)
        )
        slot = draws.disease_slot(draws.ONSET_UNCONTROLLED, draws.ONSET_UNCONTROLLED_BLOCK, d)
        uncontrolled = _draw(x.key, everyone, week, slot) < x.onset_stage2_share[d]
        people.stage[new_case, d] = np.where(uncontrolled[new_case], 2, 1)
        people.weeks_since[new_case, d] = 0
        people.undiagnosed[new_case, d] = x.diagnosis_phase[d]
        people.event[new_case] |= ONSET


def progression_kernel(week, people, x):
    everyone = np.arange(people.alive.size)
    nurse = (
        (people.gp != NO_GP) & x.gp_has_nurse[np.maximum(people.gp, 0)]
        if x.gp_has_nurse.size
        else np.zeros(people.alive.size, bool)
    )
    for d in range(people.stage.shape[1]):
        s = people.stage[:, d].copy()
        u = _draw(
            x.key, everyone, week, draws.disease_slot(draws.PROGRESSION, draws.PROGRESSION_BLOCK, d)
        )
        if x.silent_stage[d]:
            diagnosed = people.alive & (s == 2) & (u < x.osteoporosis_diagnosis / WEEKS_PER_YEAR)
            stopped = people.alive & (s == 1) & (u < x.worsen[d] / WEEKS_PER_YEAR)
            people.stage[diagnosed, d] = 1
            people.stage[stopped, d] = 2
            continue
        fu = x.followup_weeks[d, s]
        # untreated: an undiagnosed case progresses as one whose follow-up is overdue
        overdue = people.undiagnosed[:, d] | (
            (fu > 0) & (people.weeks_since[:, d] > x.overdue_factor * fu)
        )
        bad = np.where(overdue, x.missed_rr, 1.0) * np.where(people.enrolled, x.enrolled_rr, 1.0)
        worsens = people.alive & (s == 1) & (u < x.worsen[d] * bad / WEEKS_PER_YEAR)
        tele = people.telemonitored & x.telemonitored_complications[d]
        p_complicate = (
            x.complicate[d] * bad * np.where(tele, x.telemonitoring_rr, 1.0) / WEEKS_PER_YEAR
        )
        p_regain = (
            x.regain[d]
            / np.where(overdue, x.missed_rr, 1.0)
            * np.where(people.enrolled, x.enrolled_regain_rr, 1.0)
            * np.where(nurse, x.nurse_regain_rr, 1.0)
            / WEEKS_PER_YEAR
        )
        complicates = people.alive & (s == 2) & (u < p_complicate)
        regains = people.alive & (s == 2) & ~complicates & (u < p_complicate + p_regain)
        people.stage[worsens, d] = 2
        people.stage[complicates, d] = 3
        people.stage[regains, d] = 1


def demand_kernel(week, people, x):
    everyone = np.arange(people.alive.size)
    people.acute[:] = NO_EPISODE
    due = np.zeros(people.alive.size, bool)
    for d in range(people.stage.shape[1]):
        s = people.stage[:, d]
        fu = x.followup_weeks[d, s]
        planned = people.alive & (s > 0) & (fu > 0)
        people.weeks_since[planned & (people.weeks_since[:, d] < 32767), d] += 1
        due |= planned & ~people.undiagnosed[:, d] & (people.weeks_since[:, d] >= fu)
        overdue = people.undiagnosed[:, d] | (
            (fu > 0) & (people.weeks_since[:, d] > x.overdue_factor * fu)
        )
        rate = (
            x.acute_rate[d, s]
            * np.where(overdue, x.acute_missed_rr, 1.0)
            * np.where(people.enrolled, x.acute_enrolled_rr, 1.0)
        )
        episode = (
            people.alive
            & (s > 0)
            & (people.acute == NO_EPISODE)
            & (
                _draw(
                    x.key,
                    everyone,
                    week,
                    draws.disease_slot(draws.ACUTE_EPISODE, draws.ACUTE_EPISODE_BLOCK, d),
                )
                < rate / WEEKS_PER_YEAR
            )
        )
        people.acute[episode] = d  # one episode a week at most: the first disease in order
        people.event[episode] |= URGENT
    mt = people.gp
    nurse = (mt != NO_GP) & (x.gp_has_nurse[np.maximum(mt, 0)] if x.gp_has_nurse.size else False)
    seek = (
        x.seek_by_commune[people.commune]
        * np.where(mt == NO_GP, x.seek_without_gp_rr, 1.0)
        * np.where(nurse, x.seek_nurse_rr, 1.0)
        * np.where(people.enrolled, x.seek_enrolled_rr, 1.0)
    )
    people.event[due & (_draw(x.key, everyone, week, draws.FOLLOWUP_SOUGHT) < seek)] |= FOLLOWUP
    people.event[people.alive & people.undiagnosed.any(axis=1)] |= HAS_UNDIAGNOSED
    late = np.zeros(people.alive.size, np.int64)
    for d in range(people.stage.shape[1]):
        fu = x.followup_weeks[d, people.stage[:, d]]
        overdue = (fu > 0) & (people.weeks_since[:, d] > x.overdue_factor * fu)
        late |= np.where(overdue & ~people.undiagnosed[:, d], 1 << d, 0)
    diseased = people.alive & (people.stage > 0).any(axis=1)
    people.overdue[diseased] = late[diseased]
    age = np.minimum(people.age_weeks // WEEKS_PER_YEAR, x.routine_weekly_by_age.shape[0] - 1)
    new_need = _draw(x.key, everyone, week, draws.ROUTINE_NEED) < x.routine_weekly_by_age[age]
    people.event[people.alive & ((people.pending_routine > 0) | new_need)] |= ROUTINE


def access_kernel(week, people, x, ledger):
    """Plain Python: the order of service matters, so this one is a loop, patient after patient."""

    def find_tele_gp(i):
        first = [people.gp[i]] if people.gp[i] != NO_GP else []  # the médecin traitant first
        for g in first + list(x.gp_sorted[people.commune[i]]):
            if ledger.tele_left[g] >= 1.0 and ledger.gp_capacity[g] >= x.tele_visit_cost:
                ledger.tele_left[g] -= 1.0
                ledger.gp_capacity[g] -= x.tele_visit_cost
                return g
        return NO_GP

    def teleconsultation(i):
        if find_tele_gp(i) != NO_GP:
            return True
        if ledger.pools[TELE] >= 1.0:  # a platform outside the territory
            ledger.pools[TELE] -= 1.0
            return True
        return False

    def find_gp(i, reach, own_first=True):
        mt, c = people.gp[i], people.commune[i]
        if own_first and mt != NO_GP:
            if ledger.gp_capacity[mt] >= 1.0:
                ledger.gp_capacity[mt] -= 1.0
                return mt
            ledger.turned_away[mt] += 1
        for g in x.gp_sorted[c]:
            if x.travel_min[c, x.gp_commune[g]] > reach:
                break
            if g != mt and ledger.gp_capacity[g] >= 1.0:
                ledger.gp_capacity[g] -= 1.0
                return g
        return NO_GP

    def draw(i, slot, k=x.key, w=week):
        return uniform_np(k, np.array([i]), w, slot)[0]

    def urgent_without_gp(i):
        if x.commune_flags[people.commune[i]] & SNP_COVERED and ledger.pools[SNP] >= 1.0:
            ledger.pools[SNP] -= 1.0
            return URGENT_GP | SNP_VISIT
        if (
            people.mobility[i] == 2
            and people.age_weeks[i] >= NURSING_HOME_AGE_WEEKS
            and draw(i, draws.NURSING_HOME, x.key_policy, 0) < x.nursing_home_coverage
        ):
            return URGENT_GP | URGENT_TELE
        return URGENT_ED

    n = x.order.size
    service_order = [x.order[(k + x.offset) % n] for k in range(n)]
    asking = [i for i in service_order if people.alive[i] and people.event[i] & DEMAND]
    # 1. acute episodes: out of hours, or the médecin traitant's same-day slot
    for i in asking:
        if not people.event[i] & URGENT:
            continue
        mt = people.gp[i]
        if draw(i, draws.OUT_OF_HOURS) < x.out_of_hours_share:
            people.event[i] |= urgent_without_gp(i)
        elif mt != NO_GP:
            if ledger.gp_capacity[mt] >= 1.0:
                ledger.gp_capacity[mt] -= 1.0
                people.event[i] |= URGENT_GP
            else:
                ledger.turned_away[mt] += 1
    # 2. the other demands, patient after patient
    for i in asking:
        ev = people.event[i]
        c = people.commune[i]
        own_reach = x.reach_by_mobility[people.mobility[i]]
        carried = (
            people.mobility[i] > 0
            and draw(i, draws.TRANSPORT, x.key_policy, 0) < x.transport_coverage
        )
        reach = x.reach_by_mobility[0] if carried else own_reach

        def arrived(g, i=i, c=c, carried=carried, own_reach=own_reach):
            if g != people.gp[i]:
                people.event[i] |= OTHER_GP
            if carried and x.travel_min[c, x.gp_commune[g]] > own_reach:
                people.event[i] |= TRANSPORTED

        if ev & URGENT and not ev & (URGENT_GP | URGENT_ED):
            g = find_gp(i, reach, own_first=False)
            if g != NO_GP:
                people.event[i] |= URGENT_GP
                arrived(g)
            else:
                people.event[i] |= urgent_without_gp(i)
        for kind in (FOLLOWUP, ROUTINE):
            if not ev & kind:
                continue
            g, tele = NO_GP, False
            if people.digital[i]:
                age = min(people.age_weeks[i] // WEEKS_PER_YEAR, x.tele_choice_by_age.size - 1)
                chosen = x.tele_choice_by_age[age] * x.tele_choice_by_commune[c]
                tele = draw(i, draws.TELE_CHOSEN) < chosen and teleconsultation(i)
            if not tele:
                g = find_gp(i, reach)
                if g != NO_GP:
                    arrived(g)
                else:
                    slot = draws.TELE_ROUTINE if kind == ROUTINE else draws.TELE_FOLLOWUP
                    if people.digital[i] and draw(i, slot) < x.tele_uptake:
                        tele = teleconsultation(i)
                    flags = x.commune_flags[c]
                    if not tele and flags & NEAR_BOOTH and ledger.pools[BOOTH] >= 1.0:
                        ledger.pools[BOOTH] -= 1.0
                        tele = True
                        people.event[i] |= BOOTH_VISIT
                    elif (
                        not tele
                        and flags & MOBILE_TEAM_VISITS
                        and (people.vulnerable[i] or people.mobility[i] > 0)
                        and ledger.pools[MOBILE] >= 1.0
                    ):
                        ledger.pools[MOBILE] -= 1.0
                        g = -2  # seen in person by the mobile team
                        people.event[i] |= MOBILE_VISIT
            served = g != NO_GP or tele
            if kind == FOLLOWUP:
                if served:
                    people.event[i] |= FOLLOWUP_DONE | (FOLLOWUP_TELE if tele else 0)
                    for d in range(people.stage.shape[1]):
                        s = people.stage[i, d]
                        fu = x.followup_weeks[d, s]
                        if s > 0 and fu > 0 and not people.undiagnosed[i, d]:
                            late = people.weeks_since[i, d] / fu
                            people.weeks_since[i, d] = 0
                            if (
                                draw(i, draws.disease_slot(draws.REFERRAL, draws.REFERRAL_BLOCK, d))
                                < x.referral[d, s] * late
                            ):
                                ledger.referrals[c, d] += 1
            elif served:
                people.event[i] |= ROUTINE_DONE | (ROUTINE_TELE if tele else 0)
                people.pending_routine[i] = 0
            elif people.pending_routine[i] + 1 >= x.give_up_weeks:
                people.pending_routine[i] = 0
                people.event[i] |= GAVE_UP
            else:
                people.pending_routine[i] += 1


def events_kernel(week, people, x):
    everyone = np.arange(people.alive.size)
    # a contact with care may find an undiagnosed disease
    contact = people.alive & (people.event & (URGENT_GP | FOLLOWUP_DONE | ROUTINE_DONE) != 0)
    for d in range(people.stage.shape[1]):
        slot = draws.disease_slot(draws.DIAGNOSIS, draws.DIAGNOSIS_BLOCK, d)
        found = (
            contact
            & people.undiagnosed[:, d]
            & (_draw(x.key, everyone, week, slot) < x.detection_per_visit[d])
        )
        people.undiagnosed[found, d] = False
        people.weeks_since[found, d] = 0
        people.event[found] |= DIAGNOSED
    episode = people.alive & (people.event & URGENT != 0)
    d = np.where(episode, people.acute, 0).astype(np.int64)
    s = people.stage[everyone, d]
    p = x.hospitalisation_if_gp[d, s]
    fracture = x.fracture_episode[d]
    p = np.where(~fracture & (people.event & URGENT_ED != 0), p * x.emergency_rr, p)
    tele = ~fracture & x.telemonitored_stays[d] & people.telemonitored
    p = np.where(tele, p * x.telemonitoring_rr, p)
    p = np.where(~fracture & (people.gp == NO_GP), p * x.no_gp_rr, p)
    fractured = episode & fracture
    people.stage[fractured, d[fractured]] = 3
    admitted = episode & (_draw(x.key, everyone, week, draws.ADMISSION) < np.minimum(p, 0.95))
    people.event[admitted] |= HOSPITALISED
    people.weeks_since[admitted, d[admitted]] = 0
    found = admitted & people.undiagnosed[everyone, d]
    people.undiagnosed[found, d[found]] = False
    people.event[found] |= DIAGNOSED
    worse = (
        admitted
        & x.stay_may_worsen[d]
        & (s < 3)
        & (_draw(x.key, everyone, week, draws.STAY_WORSENS) < x.stay_worsens)
    )
    people.stage[worse, d[worse]] = s[worse] + 1
    dies = admitted & (
        _draw(x.key, everyone, week, draws.DEATH_IN_HOSPITAL) < x.death_in_hospital[d]
    )
    people.alive[dies] = False
    people.gp[dies] = NO_GP
    people.event[dies] |= DIED


def _treated_secondary(people, treated_stage, cost_rank):
    """(patients, diseases): treated for the disease and for a costlier one (lower cost_rank)."""
    n_d = people.stage.shape[1]
    treated = treated_stage[np.arange(n_d)[None, :], people.stage] & ~people.undiagnosed
    rank = np.where(treated, cost_rank[None, :], n_d)
    first = np.argmin(rank, axis=1)
    return (
        treated & (treated.sum(axis=1) >= 2)[:, None] & (np.arange(n_d)[None, :] != first[:, None])
    )


def accounts_kernel(partial, people, prices, treated_stage, cost_rank):
    """The week's per-patient cost items (communes, items), billed patient by patient: what
    ``accounts.weekly_costs`` computes from the counts (the tests compare). ``partial``: its shape
    only."""
    counted = people.alive | (people.event & DIED != 0)
    out = np.zeros(partial.shape[1:])
    ev = people.event

    def add(item, mask, amount):
        np.add.at(
            out,
            (people.commune[counted & mask], item),
            np.broadcast_to(amount, mask.shape)[counted & mask],
        )

    # mobile-team visits are paid by the team's budget
    visits = (
        ((ev & URGENT_GP != 0) & (ev & URGENT_TELE == 0)).astype(float)
        + ((ev & FOLLOWUP_DONE != 0) & (ev & FOLLOWUP_TELE == 0))
        + ((ev & ROUTINE_DONE != 0) & (ev & ROUTINE_TELE == 0))
        - (ev & MOBILE_VISIT != 0)
    )
    add(acc.GP_VISITS, np.ones(people.alive.size, bool), visits * prices.gp_eur)
    tele = (ev & FOLLOWUP_TELE != 0) * 1.0 + (ev & ROUTINE_TELE != 0) + (ev & URGENT_TELE != 0)
    add(acc.TELECONSULTATIONS, np.ones(people.alive.size, bool), tele * prices.tele_eur)
    add(acc.EMERGENCY, ev & URGENT_ED != 0, prices.emergency_eur)
    admitted = ev & HOSPITALISED != 0
    cause = np.maximum(people.acute, 0)
    for d in range(people.stage.shape[1]):
        add(
            acc.ITEMS.index(f"hospital_{DISEASES[d]}"),
            admitted & (cause == d),
            prices.hospital_stay_eur[d],
        )
    add(acc.TRANSPORT, admitted, prices.transport_eur)
    add(acc.TRANSPORT, ev & TRANSPORTED != 0, prices.transport_trip_eur)
    add(acc.PROGRAMME, people.enrolled, prices.programme_year / WEEKS_PER_YEAR)
    add(acc.TELEMONITORING, people.telemonitored, prices.telemonitoring_year / WEEKS_PER_YEAR)
    secondary = _treated_secondary(people, treated_stage, cost_rank)
    for d in range(people.stage.shape[1]):
        treated = treated_stage[d, people.stage[:, d]] & ~people.undiagnosed[:, d]
        add(acc.ITEMS.index(f"drugs_{DISEASES[d]}"), treated, prices.drugs_year[d] / WEEKS_PER_YEAR)
        # the care a patient's diseases share counted once: in full for the costliest
        share = np.where(secondary[:, d], prices.secondary_share, 1.0)
        add(
            acc.ITEMS.index(f"ambulatory_{DISEASES[d]}"),
            treated,
            share * prices.ambulatory_year[d] / WEEKS_PER_YEAR,
        )
        add(
            acc.ITEMS.index(f"other_hospital_{DISEASES[d]}"),
            treated,
            share * prices.other_hospital_year[d] / WEEKS_PER_YEAR,
        )
    return out


def count_kernel(partial, people, x):
    out = np.zeros(partial.shape[1:], np.int64)
    died = people.event & DIED != 0
    seen = people.alive | died
    v = people.vulnerable.astype(np.int64)

    def count(k, mask):
        np.add.at(out, (people.commune[seen & mask], v[seen & mask], k), 1)

    for bit, k in zip(x.flag_bits, x.flag_index):
        count(k, people.event & bit != 0)
    for d in range(people.stage.shape[1]):
        count(
            C[f"hospitalised_{DISEASES[d]}"],
            (people.event & HOSPITALISED != 0) & (people.acute == d),
        )
        diagnosed = (people.stage[:, d] > 0) & ~people.undiagnosed[:, d]
        count(C[f"deaths_with_{DISEASES[d]}"], died & diagnosed)
    age = people.age_weeks // WEEKS_PER_YEAR
    living = people.alive & ~died
    count(ALIVE, living)
    count(WITHOUT_GP, living & (people.gp == NO_GP))
    count(ADULTS, living & (age >= 18))
    count(AGED_40, living & (age >= 40))
    count(WOMEN_50, living & (age >= 50) & (people.sex == 1))
    count(ENROLLED, living & people.enrolled)
    count(TELEMONITORED, living & people.telemonitored)
    for d in range(people.stage.shape[1]):
        # every block but the undiagnosed counts the diagnosed
        known = ~people.undiagnosed[:, d]
        count(C[f"undiagnosed_{DISEASES[d]}"], living & people.undiagnosed[:, d])
        count(C[f"prevalent_{DISEASES[d]}"], living & known & (people.stage[:, d] > 0))
        count(C[f"complicated_{DISEASES[d]}"], living & known & (people.stage[:, d] == 3))
        # the living and the dead
        count(C[f"treated_{DISEASES[d]}"], known & x.treated_stage[d, people.stage[:, d]])
        fu = x.followup_weeks[d, people.stage[:, d]]
        count(C[f"under_followup_{DISEASES[d]}"], living & known & (fu > 0))
        late = (people.overdue.astype(np.int64) >> d) & 1 == 1
        count(C[f"overdue_{DISEASES[d]}"], living & known & (fu > 0) & late)
    secondary = _treated_secondary(people, x.treated_stage, x.cost_rank)
    for d in range(people.stage.shape[1]):
        count(C[f"treated_secondary_{DISEASES[d]}"], secondary[:, d])
    count(DIED_ENROLLED, died & people.enrolled)
    count(DIED_TELEMONITORED, died & people.telemonitored)
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


def departures_kernel(week, active, age, newly_installed, installed_week, workload, x):
    """Active GPs age a week; each stops with the yearly retirement probability of the last age band
    they have reached (÷ 52, × the multiplier), plus the overload departure if overloaded."""
    age[active] += 1.0 / WEEKS_PER_YEAR
    newly_installed[active & newly_installed & (week - installed_week >= WEEKS_PER_YEAR)] = False
    yearly = np.zeros_like(age)
    for start, per_year in zip(x.retirement_from_age, x.retirement_per_year):
        yearly[age >= start] = per_year
    p = yearly / WEEKS_PER_YEAR * x.retirement_multiplier
    p[workload > x.overload_threshold] += x.overload_departure_per_week
    return np.flatnonzero(active & (_draw(x.key, np.arange(active.size), week, 0) < p))
