"""Stage 7, providers: GPs age, retire and leave under sustained overload; new GPs settle where
unmet need is highest (more readily where there is an MSP); patients without a médecin traitant look
for one; specialist queues move."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from territoire.agents.patients import WEEKS_PER_YEAR
from territoire.agents.providers import Practice
from territoire.model.events_codes import DEMAND
from territoire.model.gp_choice import assign_gps, lists_and_seekers
from territoire.model.rng import uniform_np

if TYPE_CHECKING:
    from territoire.model.model import TerritoryModel

OVERLOAD_MEMORY_WEEKS = 26.0  # GP workload is averaged over about half a year


def retirement_probability(age: np.ndarray, table: tuple[tuple[float, float], ...]) -> np.ndarray:
    """Weekly retirement probability at each ``age`` from a (from age, yearly probability) table."""
    rate = np.zeros_like(age)
    for start, yearly in table:
        rate[age >= start] = yearly
    return rate / WEEKS_PER_YEAR


def update_workload(model: "TerritoryModel", used: np.ndarray, turned_away: np.ndarray) -> None:
    """Exponential average of (consultations given + requests turned away) ÷ capacity for each GP."""
    t = model.gp_table
    capacity = t.weekly_capacity
    working = t.active & (capacity > 0)
    load = np.divide(used + turned_away, capacity, out=np.zeros_like(capacity), where=working)
    first = working & (t.weeks_worked == 0)  # the average starts from the first week seen
    later = working & ~first
    t.workload[first] = load[first]
    t.workload[later] += (load[later] - t.workload[later]) / OVERLOAD_MEMORY_WEEKS
    t.weeks_worked[working] += 1


def retire_and_leave(model: "TerritoryModel", week: int) -> list[int]:
    """GPs who stop this week (retirement or overload); returns their slots."""
    params, t = model.workforce_params, model.gp_table
    draws = uniform_np(model.keys["workforce.leave"], np.arange(t.n), week, 0)
    active = t.active.copy()
    t.age[active] += 1.0 / WEEKS_PER_YEAR
    t.newly_installed[active & t.newly_installed & (week - t.installed_week >= WEEKS_PER_YEAR)] = False
    p = retirement_probability(t.age, params.retirement_by_age) * model.policy.retirement_multiplier
    overloaded = t.workload > params.overload_threshold
    p[overloaded] += params.overload_departure_per_year / WEEKS_PER_YEAR
    gone = np.flatnonzero(active & (draws < p)).tolist()
    for g in gone:
        model.deactivate_gp(g)
    return gone


def install_new_gps(model: "TerritoryModel", week: int) -> list[int]:
    """Baseline installations: ``installations_per_year`` on average, at the most attractive bourg."""
    params = model.workforce_params
    u = float(uniform_np(model.keys["workforce.install"], 0, week, 0))  # the kernels' draw, without loading a kernel for it
    if u >= params.installations_per_year / WEEKS_PER_YEAR:
        return []
    bourgs = model.bourgs
    need = model.recent_unmet_per_inhabitant()[bourgs] + 1e-6
    msp = np.isin(bourgs, [m.commune for m in model.msps])
    pull = need * np.where(msp, params.msp_attractiveness, 1.0)
    commune = int(bourgs[np.argmax(pull)])
    practice = Practice.MSP if msp[np.argmax(pull)] else Practice.SOLO
    return [model.add_gp(commune, age=params.new_gp_age, activity=params.new_gp_activity, fte=1.0, practice=practice, week=week)]


def find_medecins_traitants(model: "TerritoryModel", gp: dict | None = None) -> int:
    """Patients without a médecin traitant who needed care this week look for one who accepts them,
    in the fixed service order."""
    p = model.patients
    if not model.gp_slots:
        return 0
    gp = model.gp_arrays() if gp is None else gp
    listed, seekers = lists_and_seekers(p.gp, p.alive, model.event, DEMAND, model.alloc_rank, len(gp["commune"]), model._seekers)
    free = np.where(gp["active"], np.maximum(gp["list_cap"] - listed, 0), 0).astype(np.int64)
    if not free.any():  # every list is full (common in an under-served territory)
        return 0
    return int(assign_gps(seekers, p.commune, p.mobility, model.reach_by_mobility, p.gp, model.gp_sorted, gp["commune"],
                          free, model.territory.travel_min, p.alive, model.event, 0))


def serve_specialists(model: "TerritoryModel", referrals: np.ndarray) -> None:
    """Referrals join the queue of the nearest site of their specialty; each site serves its weekly capacity."""
    share = model.tele_expertise_share
    n_specialists = len(model.specialists)
    for d, sites in enumerate(model.referral_sites.T):
        if n_specialists == 0:
            break
        joining = np.bincount(sites, weights=referrals[:, d], minlength=n_specialists)
        for s in np.flatnonzero(joining):
            model.specialists[s].queue += int(round(joining[s] * (1.0 - share)))
    for spec in model.specialists:
        spec.queue -= min(spec.queue, int(spec.weekly_capacity))
