"""Stage 7, providers: GPs age, retire and leave under sustained overload; new GPs settle where
unmet need is highest (more readily where there is an MSP); patients without a médecin traitant look
for one; specialist queues move."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from numba import njit

from territoire.agents.patients import WEEKS_PER_YEAR
from territoire.agents.providers import WEEKS_OF_ACTIVITY, Practice
from territoire.model.draws import DEPARTURE, INSTALLATION
from territoire.model.events_codes import DEMAND
from territoire.model.gp_choice import ListSearch, assign_gps, lists_and_seekers
from territoire.model.rng import uniform

if TYPE_CHECKING:
    from territoire.model.model import TerritoryModel

OVERLOAD_MEMORY_WEEKS = 26.0  # GP workload is averaged over about half a year


def update_workload(model: TerritoryModel, used: np.ndarray, turned_away: np.ndarray) -> None:
    """Exponential average of (consultations given + requests turned away) ÷ capacity for each
    GP."""
    t = model.gp_table
    if len(used) != t.n or len(turned_away) != t.n:
        raise ValueError(f"workload of {t.n} GPs from {len(used)} and {len(turned_away)} figures")
    model.k.workload_kernel(
        t.active, t.activity_per_year, used, turned_away, t.workload, t.weeks_worked
    )


@njit(cache=True)
def workload_kernel(active, activity_per_year, used, turned_away, workload, weeks_worked):
    """``update_workload`` on the GP table's columns, in place. (A loop over the ~100 GPs: the dozen
    small numpy operations it replaces cost ~0.15 ms a week, more than the arithmetic.)"""
    for g in range(active.shape[0]):
        capacity = activity_per_year[g] / WEEKS_OF_ACTIVITY  # consultations per week
        if not active[g] or capacity <= 0:
            continue
        load = (used[g] + turned_away[g]) / capacity
        if weeks_worked[g] == 0:  # the average starts from the first week seen
            workload[g] = load
        else:
            workload[g] += (load - workload[g]) / OVERLOAD_MEMORY_WEEKS
        weeks_worked[g] += 1


def retire_and_leave(model: TerritoryModel, week: int) -> list[int]:
    """GPs who stop this week (retirement or overload); returns their slots."""
    params, t = model.workforce_params, model.gp_table
    starts, yearly = np.array(params.retirement_by_age, np.float64).reshape(-1, 2).T.copy()
    rules = DepartureInputs(
        key=model.keys["workforce.leave"],
        retirement_from_age=starts,
        retirement_per_year=yearly,
        retirement_multiplier=model.policy.retirement_multiplier,
        overload_threshold=params.overload_threshold,
        overload_departure_per_week=params.overload_departure_per_year / WEEKS_PER_YEAR,
    )
    gone = model.k.departures_kernel(
        week, t.active, t.age, t.newly_installed, t.installed_week, t.workload, rules
    ).tolist()
    for g in gone:
        model.deactivate_gp(g)
    return gone


class DepartureInputs(NamedTuple):
    """The rules of GP departures this week."""

    key: np.uint64  # draw stream of departures
    retirement_from_age: np.ndarray  # ages (years) from which each retirement rate applies
    retirement_per_year: np.ndarray  # yearly probability of retiring, from each of those ages
    retirement_multiplier: float  # a retirement-wave lever's factor (1: none)
    overload_threshold: float  # workload (÷ capacity) beyond which a GP may leave
    overload_departure_per_week: float  # weekly probability of leaving when overloaded


@njit(cache=True)
def departures_kernel(week, active, age, newly_installed, installed_week, workload, x):
    """Active GPs age a week (and stop counting as newly installed after a year); each stops with
    the weekly probability of retiring at their age (``retirement_per_year`` from each of
    ``retirement_from_age``, ×``retirement_multiplier``), plus ``overload_departure_per_week`` if
    their workload is beyond ``overload_threshold``. Returns the slots of those who stop, in
    order."""
    gone = np.empty(active.shape[0], np.int64)
    n_gone = 0
    for g in range(active.shape[0]):
        if not active[g]:
            continue
        age[g] += 1.0 / WEEKS_PER_YEAR
        if newly_installed[g] and week - installed_week[g] >= WEEKS_PER_YEAR:
            newly_installed[g] = False
        yearly = 0.0
        for k in range(x.retirement_from_age.shape[0]):
            if age[g] >= x.retirement_from_age[k]:
                yearly = x.retirement_per_year[k]
        p = yearly / WEEKS_PER_YEAR * x.retirement_multiplier
        if workload[g] > x.overload_threshold:
            p += x.overload_departure_per_week
        if uniform(x.key, g, week, DEPARTURE) < p:
            gone[n_gone] = g
            n_gone += 1
    return gone[:n_gone]


def install_new_gps(model: TerritoryModel, week: int) -> list[int]:
    """Baseline installations: ``installations_per_year`` on average, at the most attractive
    bourg."""
    params = model.workforce_params
    u = uniform(model.keys["workforce.install"], 0, week, INSTALLATION)
    if u >= params.installations_per_year / WEEKS_PER_YEAR:
        return []
    bourgs = model.bourgs
    need = model.recent_unmet_per_inhabitant()[bourgs] + 1e-6
    msp = np.isin(bourgs, [m.commune for m in model.msps])
    pull = need * np.where(msp, params.msp_attractiveness, 1.0)
    commune = int(bourgs[np.argmax(pull)])
    practice = Practice.MSP if msp[np.argmax(pull)] else Practice.SOLO
    return [
        model.add_gp(
            commune,
            age=params.new_gp_age,
            activity=params.new_gp_activity,
            fte=1.0,
            practice=practice,
            week=week,
        )
    ]


def find_medecins_traitants(model: TerritoryModel, gp: dict | None = None) -> int:
    """Patients without a médecin traitant who needed care this week look for one who accepts them,
    in the fixed service order."""
    p = model.patients
    if not model.gp_slots:
        return 0
    gp = model.gp_arrays() if gp is None else gp
    listed, seekers = lists_and_seekers(
        p.gp, p.alive, model.event, DEMAND, model.alloc_rank, len(gp["commune"]), model._seekers
    )
    free = np.where(gp["active"], np.maximum(gp["list_cap"] - listed, 0), 0).astype(np.int64)
    if not free.any():  # every list is full (common in an under-served territory)
        return 0
    return int(
        assign_gps(
            seekers,
            model.people(),
            ListSearch(
                reach_by_mobility=model.reach_by_mobility,
                gp_sorted=model.gp_sorted,
                gp_commune=gp["commune"],
                gp_free=free,
                travel_min=model.territory.travel_min,
            ),
        )
    )


def serve_specialists(model: TerritoryModel, referrals: np.ndarray) -> None:
    """Referrals join the queue of the nearest site of their specialty, less the share answered by
    tele-expertise; each site serves its capacity for them, then a share of those waiting leave."""
    n_specialists = len(model.specialists)
    joining = np.zeros(n_specialists)
    for d, sites in enumerate(model.referral_sites.T):
        has_site = sites >= 0  # -1: no specialist of that specialty in or near the territory
        joining += np.bincount(
            sites[has_site], weights=referrals[has_site, d], minlength=n_specialists
        )
    joining *= 1.0 - model.tele_expertise_share
    leave = model.care_params.referral_leave_per_week
    for spec, arriving in zip(model.specialists, joining.tolist()):
        spec.serve_week(arriving, leave)
