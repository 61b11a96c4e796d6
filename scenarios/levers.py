"""Scenario levers: what a planner can change, each acting on a mechanism of the model.

Every lever has a type, a start week, an optional ramp-up (its strength grows linearly from 0 to 1
over ``ramp_weeks``) and typed parameters with defaults. Defaults are published figures where one
exists (source given) and labelled assumptions otherwise. ``apply`` is idempotent: it sets the model
to the lever's state at a given strength, so it is called whenever the strength changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from territoire.agents.patients import (
    COPD,
    DIABETES,
    DISEASES,
    HEART_FAILURE,
    WEEKS_PER_YEAR,
)
from territoire.agents.providers import MSP, Pharmacy, Practice, Specialist, Specialty
from territoire.model import diseases, draws
from territoire.model.access import MOBILE_TEAM_VISITS, NEAR_BOOTH, SNP_COVERED
from territoire.model.rng import uniform_np


@dataclass(frozen=True)
class Param:
    """One lever parameter: its kind, default, bounds, and what it means (with its source)."""

    name: str
    kind: str  # float | int | str | communes | diseases | choice
    default: Any
    doc: str
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()
    required: bool = False


@dataclass(frozen=True)
class LeverType:
    name: str
    category: str
    doc: str
    params: tuple[Param, ...]
    apply: Callable[[Any, dict, float, dict], None]
    once: bool = False  # applied once at the start week (installations), not ramped

    def default(self, name: str) -> Any:
        """A fresh copy of a parameter's default (a list default is never shared between levers)."""
        p = next(p for p in self.params if p.name == name)
        return list(p.default) if isinstance(p.default, list) else p.default

    def defaults(self) -> dict[str, Any]:
        return {p.name: self.default(p.name) for p in self.params}


@dataclass
class Lever:
    """A lever of a scenario, resolved: every parameter present and checked."""

    type: str
    start_week: int = 0
    ramp_weeks: int = 0
    params: dict = field(default_factory=dict)
    state: dict = field(default_factory=dict, repr=False, compare=False)

    def strength(self, week: int) -> float:
        if week < self.start_week:
            return 0.0
        if self.ramp_weeks <= 0:
            return 1.0
        return min(1.0, (week - self.start_week + 1) / self.ramp_weeks)

    def apply(self, model, week: int) -> None:
        """Set the model to this lever's state at policy week ``week`` (the model's policy stage
        calls it every week; nothing is done while the strength is unchanged)."""
        s = self.strength(week)
        if s <= 0 or self.state.get("strength") == s:
            return
        kind = LEVERS[self.type]
        if kind.once and self.state.get("done"):
            return
        kind.apply(model, self.params, s, self.state)
        self.state["strength"] = s
        self.state["done"] = True


# ---- helpers -------------------------------------------------------------------------------------
def _rows(model, codes) -> np.ndarray:
    return np.array([model.territory.commune_index(c) for c in codes], np.int64)


def _per_commune_by_population(model, rows: np.ndarray, euros_per_year: float) -> np.ndarray:
    """A yearly budget spread over communes by population, in euros per week."""
    out = np.zeros(model.territory.n_communes)
    pop = model.territory.population[rows].astype(float)
    if rows.size and pop.sum() > 0:
        out[rows] = euros_per_year / WEEKS_PER_YEAR * pop / pop.sum()
    return out


def _disease_index(names) -> list[int]:
    return [DISEASES.index(n) for n in names]


# ---- telemedicine --------------------------------------------------------------------------------
def _teleconsultation(model, p, s, state):
    base_share, base_uptake = model.care_params.tele_share, model.care_params.tele_uptake
    model.policy.tele_share = base_share + s * (p["gp_offer_share"] - base_share)
    model.policy.tele_uptake = base_uptake + s * (p["uptake"] - base_uptake)
    for gp in model.gps:
        gp.tele_share = model.policy.tele_share


def _pharmacy_booths(model, p, s, state):
    t = model.territory
    booths = _rows(model, p["communes"])
    near = np.flatnonzero((t.travel_min[:, booths] <= p["reach_min"]).any(axis=1))
    model.policy.set_flag(near, NEAR_BOOTH)
    model.policy.booth_visits_per_week = s * len(booths) * p["visits_per_booth_week"]
    for row in booths:
        for ph in model.agents_by_type.get(Pharmacy, []):
            if ph.commune == row:
                ph.booth = True
    model.policy.cost_per_week["pharmacy_booths"] = _per_commune_by_population(
        model, booths, s * len(booths) * p["cost_per_booth_year_eur"]
    )


def _telemonitoring(model, p, s, state):
    for d in _disease_index(p["diseases"]):
        model.policy.telemonitoring_coverage[d] = s * p["coverage"]


def _tele_expertise(model, p, s, state):
    model.policy.tele_expertise_share = s * p["share"]


def _nursing_home(model, p, s, state):
    model.policy.nursing_home_coverage = s * p["coverage"]
    pat = model.patients
    residents = pat.alive & (pat.mobility == 2) & (pat.age_years >= 80)
    per_commune = np.bincount(pat.commune[residents], minlength=model.territory.n_communes)
    model.policy.cost_per_week["nursing_home_telemedicine"] = (
        per_commune * s * p["coverage"] * p["cost_per_resident_year_eur"] / WEEKS_PER_YEAR
    )


# ---- coordination --------------------------------------------------------------------------------
def _covered_rows(model, codes) -> np.ndarray:
    t = model.territory
    if not codes:
        return np.arange(t.n_communes)
    rows = set()
    for code in codes:
        if code in t.epci_codes:
            rows.update(np.flatnonzero(t.communes["epci"].to_numpy() == code).tolist())
        else:
            rows.add(t.commune_index(code))
    return np.array(sorted(rows), np.int64)


def _cpts(model, p, s, state):
    rows = _covered_rows(model, p["covers"])
    model.policy.set_flag(rows, SNP_COVERED)
    covered = model.territory.population[rows].sum()
    model.policy.snp_visits_per_week = s * p["unscheduled_slots_per_1000_week"] * covered / 1000
    gps = [g for g in model.gps if g.commune in set(rows.tolist())]
    u = uniform_np(model.keys["policy"], np.arange(len(model.gp_slots)), 0, draws.GP_JOINS)
    name = p["name"]
    for g in gps:
        if not g.cpts and u[model.gp_slots.index(g)] < s * p["member_share"]:
            g.cpts = name
    model.policy.cost_per_week["cpts"] = _per_commune_by_population(
        model, rows, s * p["budget_per_year_eur"]
    )


def _msp(model, p, s, state):
    row = model.territory.commune_index(p["commune"])
    if not any(m.commune == row for m in model.msps):
        model.msps.append(MSP(model, f"MSP de {model.territory.communes['name'].iloc[row]}", row))
    t = model.territory
    near = sorted(
        (
            g
            for g in model.gps
            if t.travel_min[row, g.commune] <= 10 and g.practice is not Practice.MSP
        ),
        key=lambda g: (t.travel_min[row, g.commune], model.gp_slots.index(g)),
    )
    for g in near[: p["gps_grouped"]]:
        g.practice = Practice.MSP
        g.commune = row  # they move into the new building
    for _ in range(p["new_gps"]):
        model.add_gp(
            row, age=35.0, activity=model.workforce_params.new_gp_activity, practice=Practice.MSP
        )
    members = [g for g in model.gps if g.practice is Practice.MSP and g.commune == row]
    for k, g in enumerate(members):
        if k < p["nurses"]:
            g.has_nurse = True
            g.extra_capacity_per_week = p["nurse_visits_per_week"]
    model.providers_changed()
    model.policy.cost_per_week[f"msp_{p['commune']}"] = _per_commune_by_population(
        model,
        np.array([row]),
        p["running_cost_per_year_eur"] + p["nurses"] * p["nurse_cost_per_year_eur"],
    )


def _practice_nurses(model, p, s, state):
    if "order" not in state:  # the GPs with the longest lists get a nurse first
        sizes = np.bincount(
            model.patients.gp[model.patients.gp >= 0], minlength=len(model.gp_slots)
        )
        state["order"] = [
            g
            for g in sorted(range(len(model.gp_slots)), key=lambda g: (-sizes[g], g))
            if model.gp_slots[g].active
        ]
    n = int(round(s * p["nurses"]))
    for rank, slot in enumerate(state["order"]):
        gp = model.gp_slots[slot]
        gp.has_nurse = rank < n and gp.active
        gp.extra_capacity_per_week = p["visits_per_nurse_week"] if gp.has_nurse else 0.0
    model.policy.cost_per_week["practice_nurses"] = _per_commune_by_population(
        model, np.arange(model.territory.n_communes), n * p["cost_per_nurse_year_eur"]
    )


def _programme(model, p, s, state):
    from dataclasses import replace

    for d in _disease_index(p["diseases"]):
        model.policy.programme_coverage[d] = s * p["enrolment"]
    model.cost_params = replace(
        model.cost_params, programme_per_patient_year_eur=p["cost_per_patient_year_eur"]
    )


def _pharmacist_followup(model, p, s, state):
    followed = [k for k, d in enumerate(diseases.REGISTRY) if d.pharmacist_followup]
    for d in followed:
        model.policy.worsen_multiplier[d] = 1.0 - s * p["coverage"] * p["worsening_reduction"]
    pat = model.patients
    chronic = pat.alive & ((pat.stage[:, followed] > 0) & ~pat.undiagnosed[:, followed]).any(axis=1)
    per_commune = np.bincount(pat.commune[chronic], minlength=model.territory.n_communes)
    model.policy.cost_per_week["pharmacist_followup"] = (
        per_commune * s * p["coverage"] * p["cost_per_patient_year_eur"] / WEEKS_PER_YEAR
    )


def _shared_record(model, p, s, state):
    model.policy.emergency_hospitalisation_multiplier = (
        1.0 - s * p["coverage"] * p["emergency_admission_reduction"]
    )
    model.policy.ambulatory_cost_multiplier = (
        1.0 - s * p["coverage"] * p["duplicate_care_reduction"]
    )
    model.policy.cost_per_week["shared_record"] = _per_commune_by_population(
        model, np.arange(model.territory.n_communes), s * p["cost_per_year_eur"]
    )


# ---- installations -------------------------------------------------------------------------------
def _new_gps(model, p, s, state):
    row = model.territory.commune_index(p["commune"])
    for _ in range(p["count"]):
        model.add_gp(
            row,
            age=p["age"],
            activity=p["activity"],
            fte=p["fte"],
            practice=Practice(p["practice"]),
        )


def _specialist_outreach(model, p, s, state):
    row = model.territory.commune_index(p["site"])
    if "team" not in state:
        state["team"] = _outreach_team(model, row, Specialty(p["specialty"]), p["site"])
    # Several levers may add days to one team: each adds and takes back only its own consultations.
    added = s * p["days_per_week"] * p["consultations_per_day"] * WEEKS_PER_YEAR
    model.specialists[state["team"]].activity_per_year += added - state.get("added", 0.0)
    state["added"] = added
    model.policy.cost_per_week[f"specialist_outreach_{p['specialty']}_{p['site']}"] = (
        _per_commune_by_population(
            model, np.array([row]), s * p["days_per_week"] * WEEKS_PER_YEAR * p["cost_per_day_eur"]
        )
    )


def _outreach_team(model, row: int, specialty: Specialty, site: str) -> int:
    """Index in ``model.specialists`` of the team that holds outreach days at commune ``row``: the
    site there, else the nearest site of the specialty, in the territory or at a pole (hospital
    specialists holding consultations avancées keep one appointment book, so the days add to that
    site's capacity and queue), else, where the specialty has no site at all, a new one there."""
    t = model.territory
    same = [k for k, x in enumerate(model.specialists) if x.specialty == specialty]
    here = [k for k in same if model.specialists[k].commune == row]
    if here:
        return here[0]
    if same:

        def minutes(k):
            x = model.specialists[k]
            return (
                t.travel_min[row, x.commune] if x.commune >= 0 else t.pole_travel_min[row, x.pole]
            )

        return min(same, key=lambda k: (minutes(k), k))
    model.specialists.append(
        Specialist(model, f"{specialty.value} outreach {site}", specialty, site, 0.2, 0.0, row, -1)
    )
    model.referral_sites = model._nearest_specialist_sites()
    return len(model.specialists) - 1


def _retirement_wave(model, p, s, state):
    model.policy.retirement_multiplier = 1.0 + s * (p["multiplier"] - 1.0)


# ---- mobility ------------------------------------------------------------------------------------
def _on_demand_transport(model, p, s, state):
    model.policy.transport_coverage = s * p["coverage"]
    model.policy.cost_per_week["on_demand_transport"] = _per_commune_by_population(
        model, np.arange(model.territory.n_communes), s * p["service_cost_per_year_eur"]
    )


def _mobile_team(model, p, s, state):
    rows = _rows(model, p["communes"]) if p["communes"] else np.flatnonzero(model.territory.is_zip)
    model.policy.set_flag(rows, MOBILE_TEAM_VISITS)
    model.policy.mobile_visits_per_week = s * p["visits_per_week"]
    model.policy.cost_per_week["mobile_team"] = _per_commune_by_population(
        model, rows, s * p["cost_per_year_eur"]
    )


# ---- prevention ----------------------------------------------------------------------------------
def _physical_activity(model, p, s, state):
    model.policy.onset_multiplier[DIABETES] = (
        1.0 - s * p["coverage"] * p["diabetes_onset_reduction"]
    )
    model.policy.onset_multiplier[HEART_FAILURE] = (
        1.0 - s * p["coverage"] * p["heart_failure_onset_reduction"]
    )
    adults = model.patients.alive & (model.patients.age_years >= 18)
    per_commune = np.bincount(model.patients.commune[adults], minlength=model.territory.n_communes)
    model.policy.cost_per_week["physical_activity"] = (
        per_commune * s * p["coverage"] * p["cost_per_person_year_eur"] / WEEKS_PER_YEAR
    )


def _screening(model, p, s, state):
    cov = s * p["coverage"]
    pat = model.patients
    cost = np.zeros(model.territory.n_communes)
    if "osteoporosis" in p["diseases"]:
        model.policy.osteoporosis_screening_per_year = cov * p["osteoporosis_diagnoses_per_year"]
        eligible = pat.alive & (pat.sex == 1) & (pat.age_years >= 65)
        cost += (
            np.bincount(pat.commune[eligible], minlength=cost.size)
            * cov
            * p["densitometry_eur"]
            / 5
            / WEEKS_PER_YEAR
        )
    if "copd" in p["diseases"]:
        # case-finding at the practice: earlier diagnosis, as many contacts as the access allows
        model.policy.detection_multiplier[COPD] = 1.0 + cov * (p["copd_detection_gain"] - 1.0)
        eligible = pat.alive & (pat.age_years >= 40)
        cost += (
            np.bincount(pat.commune[eligible], minlength=cost.size)
            * cov
            * p["spirometry_eur"]
            / 5
            / WEEKS_PER_YEAR
        )
    model.policy.cost_per_week["screening"] = cost


# ---- economics -----------------------------------------------------------------------------------
def _shared_savings(model, p, s, state):
    model.shared_savings = {
        "share_returned": p["share_returned"],
        "programme_budget_per_year_eur": p["programme_budget_per_year_eur"],
    }


FLOAT, INT = "float", "int"
LEVER_TYPES = [
    LeverType(
        "teleconsultation",
        "telemedicine",
        "GPs offer part of their capacity as teleconsultations; digital patients accept them",
        (
            Param(
                "gp_offer_share",
                FLOAT,
                0.15,
                "share of GP capacity offered as teleconsultation (assumption)",
                0,
                0.6,
            ),
            Param(
                "uptake",
                FLOAT,
                0.5,
                "share of digital patients accepting a teleconsultation when no visit is possible "
                "(assumption)",
                0,
                1,
            ),
        ),
        _teleconsultation,
    ),
    LeverType(
        "pharmacy_booths",
        "telemedicine",
        "teleconsultation booths in named pharmacies, assisted, "
        "open to non-digital patients nearby",
        (
            Param(
                "communes",
                "communes",
                [],
                "INSEE codes of the communes whose pharmacy gets a booth",
                required=True,
            ),
            Param(
                "visits_per_booth_week",
                FLOAT,
                15.0,
                "teleconsultations per booth per week (assumption)",
                0,
                200,
            ),
            Param(
                "reach_min",
                FLOAT,
                10.0,
                "minutes by road within which residents use a booth (assumption)",
                0,
                60,
            ),
            Param(
                "cost_per_booth_year_eur",
                FLOAT,
                6_000.0,
                "running cost of a booth (assumption)",
                0,
                1e6,
            ),
        ),
        _pharmacy_booths,
    ),
    LeverType(
        "telemonitoring",
        "telemedicine",
        "telemonitoring of uncontrolled or complicated patients (stage >= 2): "
        "fewer complications and HF admissions",
        (
            Param(
                "diseases",
                "diseases",
                ["heart_failure"],
                "diseases covered (heart_failure, diabetes)",
                choices=("heart_failure", "diabetes"),
            ),
            Param(
                "coverage",
                FLOAT,
                0.5,
                "share of eligible patients telemonitored (assumption)",
                0,
                1,
            ),
        ),
        _telemonitoring,
    ),
    LeverType(
        "tele_expertise",
        "telemedicine",
        "GPs ask specialists by tele-expertise: fewer referrals join the queues",
        (
            Param(
                "share",
                FLOAT,
                0.3,
                "share of referrals answered by tele-expertise (assumption)",
                0,
                1,
            ),
        ),
        _tele_expertise,
    ),
    LeverType(
        "nursing_home_telemedicine",
        "telemedicine",
        "nursing-home residents' acute episodes seen by teleconsultation "
        "instead of the emergency department",
        (
            Param(
                "coverage",
                FLOAT,
                0.8,
                "share of residents (people 80+ without mobility, assumption) covered",
                0,
                1,
            ),
            Param(
                "cost_per_resident_year_eur",
                FLOAT,
                150.0,
                "equipment and coordination per resident (assumption)",
                0,
                1e5,
            ),
        ),
        _nursing_home,
    ),
    LeverType(
        "cpts",
        "coordination",
        "a CPTS: GPs join, an unscheduled-care rota (SAS) for covered communes, an ACI budget",
        (
            Param("name", "str", "CPTS du territoire", "name of the CPTS"),
            Param(
                "covers", "communes", [], "INSEE or EPCI codes covered (empty: the whole territory)"
            ),
            Param(
                "member_share", FLOAT, 0.8, "share of the covered GPs who join (assumption)", 0, 1
            ),
            Param(
                "unscheduled_slots_per_1000_week",
                FLOAT,
                0.1,
                "rota slots a week per 1,000 covered inhabitants open to the acute episodes of "
                "the four diseases: ~1.2 slots for every cause (assumption, range 0.5-2.5) × "
                "their ~8 % share of emergency visits (~27 of 307 per 1,000 a year, DREES 2023)",
                0,
                100,
            ),
            Param(
                "budget_per_year_eur",
                FLOAT,
                300_000.0,
                "ACI CPTS funding for a large CPTS (assumption)",
                0,
                1e8,
            ),
        ),
        _cpts,
    ),
    LeverType(
        "msp",
        "coordination",
        "a new MSP at a commune: nearby GPs group there, young GPs are attracted, "
        "nurses take over follow-ups",
        (
            Param("commune", "str", "", "INSEE code of the MSP", required=True),
            Param("gps_grouped", INT, 3, "GPs within 10 min who move into the MSP", 0, 30),
            Param("new_gps", INT, 1, "young GPs settling at the opening (assumption)", 0, 10),
            Param("nurses", INT, 2, "ASALEE-type nurses in the MSP", 0, 20),
            Param(
                "nurse_visits_per_week",
                FLOAT,
                25.0,
                "follow-up visits a nurse takes over per week (assumption)",
                0,
                100,
            ),
            Param(
                "nurse_cost_per_year_eur", FLOAT, 50_000.0, "cost of a nurse (assumption)", 0, 1e6
            ),
            Param(
                "running_cost_per_year_eur", FLOAT, 60_000.0, "ACI MSP funding (assumption)", 0, 1e7
            ),
        ),
        _msp,
        once=True,
    ),
    LeverType(
        "practice_nurses",
        "coordination",
        "ASALEE-type nurses with the GPs with the longest lists: "
        "chronic follow-up capacity and better control",
        (
            Param("nurses", INT, 10, "number of nurses", 0, 500),
            Param(
                "visits_per_nurse_week",
                FLOAT,
                25.0,
                "follow-up visits a nurse takes over per week (assumption)",
                0,
                100,
            ),
            Param(
                "cost_per_nurse_year_eur", FLOAT, 50_000.0, "cost of a nurse (assumption)", 0, 1e6
            ),
        ),
        _practice_nurses,
    ),
    LeverType(
        "programme",
        "coordination",
        "Gesundes Kinzigtal-style care programmes: "
        "enrolled patients worsen less and have fewer acute episodes",
        (
            Param(
                "diseases",
                "diseases",
                list(DISEASES),
                "diseases with a programme",
                choices=DISEASES,
            ),
            Param(
                "enrolment",
                FLOAT,
                0.3,
                "share of diagnosed patients enrolled (Kinzigtal: about a third actively enrolled)",
                0,
                1,
            ),
            Param(
                "cost_per_patient_year_eur",
                FLOAT,
                250.0,
                "programme running cost per enrolled patient (assumption)",
                0,
                1e5,
            ),
        ),
        _programme,
    ),
    LeverType(
        "pharmacist_followup",
        "coordination",
        "pharmacist follow-up interviews: better adherence, slower worsening",
        (
            Param("coverage", FLOAT, 0.5, "share of chronic patients followed (assumption)", 0, 1),
            Param(
                "worsening_reduction",
                FLOAT,
                0.2,
                "relative reduction of worsening among those followed (assumption)",
                0,
                1,
            ),
            Param(
                "cost_per_patient_year_eur",
                FLOAT,
                50.0,
                "interviews per patient-year (assumption)",
                0,
                1e4,
            ),
        ),
        _pharmacist_followup,
    ),
    LeverType(
        "shared_record",
        "coordination",
        "a shared patient record: fewer admissions after an emergency visit, fewer duplicate tests",
        (
            Param("coverage", FLOAT, 0.8, "share of professionals using it (assumption)", 0, 1),
            Param(
                "emergency_admission_reduction",
                FLOAT,
                0.15,
                "relative reduction of admissions after an ED visit (assumption)",
                0,
                1,
            ),
            Param(
                "duplicate_care_reduction",
                FLOAT,
                0.03,
                "relative reduction of other ambulatory costs (assumption)",
                0,
                1,
            ),
            Param(
                "cost_per_year_eur", FLOAT, 100_000.0, "deployment and support (assumption)", 0, 1e8
            ),
        ),
        _shared_record,
    ),
    LeverType(
        "new_gps",
        "installations",
        "GPs settling at a commune in the start week",
        (
            Param("commune", "str", "", "INSEE code", required=True),
            Param("count", INT, 1, "number of GPs", 1, 50),
            Param("age", FLOAT, 35.0, "age of the new GPs", 25, 70),
            Param("fte", FLOAT, 1.0, "full-time equivalents each", 0.1, 1.2),
            Param("activity", FLOAT, 4_800.0, "consultations per year each (assumption)", 0, 8_000),
            Param(
                "practice", "choice", "solo", "practice", choices=tuple(p.value for p in Practice)
            ),
        ),
        _new_gps,
        once=True,
    ),
    LeverType(
        "specialist_outreach",
        "installations",
        "specialist consultation days at a local site (the Saverne hospital by default)",
        (
            Param(
                "specialty",
                "choice",
                "cardiology",
                "specialty",
                choices=tuple(s.value for s in Specialty),
            ),
            Param(
                "site",
                "str",
                "67437",
                "INSEE code of the commune where the days are held "
                "(by the nearest team of the specialty)",
            ),
            Param("days_per_week", FLOAT, 1.0, "consultation days per week", 0, 5),
            Param(
                "consultations_per_day", FLOAT, 16.0, "consultations per day (assumption)", 0, 40
            ),
            Param("cost_per_day_eur", FLOAT, 800.0, "cost of a day (assumption)", 0, 1e5),
        ),
        _specialist_outreach,
    ),
    LeverType(
        "retirement_wave",
        "installations",
        "GPs retire earlier or later than in the baseline",
        (
            Param(
                "multiplier", FLOAT, 1.5, "multiplier of the yearly retirement probabilities", 0, 5
            ),
        ),
        _retirement_wave,
    ),
    LeverType(
        "on_demand_transport",
        "mobility",
        "on-demand transport: limited-mobility patients reach GPs as far as car drivers",
        (
            Param(
                "coverage",
                FLOAT,
                0.5,
                "share of limited-mobility patients using it (assumption)",
                0,
                1,
            ),
            Param(
                "service_cost_per_year_eur",
                FLOAT,
                30_000.0,
                "fixed cost of the service, trips billed apart (assumption)",
                0,
                1e8,
            ),
        ),
        _on_demand_transport,
    ),
    LeverType(
        "mobile_team",
        "mobility",
        "a mobile aller-vers team visiting communes: "
        "follow-ups for vulnerable and limited-mobility patients",
        (
            Param("communes", "communes", [], "INSEE codes visited (empty: the priority zone)"),
            Param(
                "visits_per_week", FLOAT, 40.0, "visits per week (assumption: 2 nurses)", 0, 2_000
            ),
            Param(
                "cost_per_year_eur",
                FLOAT,
                150_000.0,
                "two nurses and a vehicle (assumption)",
                0,
                1e8,
            ),
        ),
        _mobile_team,
    ),
    LeverType(
        "physical_activity",
        "prevention",
        "physical-activity prescription (sport-santé): fewer new diabetes and heart-failure cases",
        (
            Param("coverage", FLOAT, 0.2, "share of adults reached (assumption)", 0, 1),
            Param(
                "diabetes_onset_reduction",
                FLOAT,
                0.3,
                "relative reduction of diabetes onset among those reached "
                "(assumption; DPP lifestyle arm: -58 % in high-risk adults)",
                0,
                1,
            ),
            Param(
                "heart_failure_onset_reduction",
                FLOAT,
                0.1,
                "relative reduction of heart-failure onset (assumption)",
                0,
                1,
            ),
            Param(
                "cost_per_person_year_eur", FLOAT, 40.0, "per adult reached (assumption)", 0, 1e4
            ),
        ),
        _physical_activity,
    ),
    LeverType(
        "screening",
        "prevention",
        "screening: osteoporosis diagnosed earlier (women 65+), COPD found earlier at GP contacts "
        "(40+)",
        (
            Param(
                "diseases",
                "diseases",
                ["copd", "osteoporosis"],
                "diseases screened",
                choices=("copd", "osteoporosis"),
            ),
            Param(
                "coverage",
                FLOAT,
                0.5,
                "share of the eligible population screened every 5 years (assumption)",
                0,
                1,
            ),
            Param(
                "osteoporosis_diagnoses_per_year",
                FLOAT,
                0.25,
                "yearly diagnosis probability of untreated osteoporosis at full coverage "
                "(assumption)",
                0,
                1,
            ),
            Param(
                "copd_detection_gain",
                FLOAT,
                3.0,
                "× on the probability that a GP contact finds an undiagnosed COPD, at full "
                "coverage (case-finding with a spirometer in the practice; assumption, "
                "range 1.5-5)",
                1,
                50,
            ),
            Param(
                "densitometry_eur",
                FLOAT,
                40.0,
                "a bone densitometry (CCAM order of magnitude)",
                0,
                1e4,
            ),
            Param("spirometry_eur", FLOAT, 40.0, "a spirometry (CCAM order of magnitude)", 0, 1e4),
        ),
        _screening,
    ),
    LeverType(
        "shared_savings",
        "economics",
        "a shared-savings contract with the health insurer (Gesundes Kinzigtal)",
        (
            Param(
                "share_returned",
                FLOAT,
                0.5,
                "share of the savings against the baseline returned to the territory (assumption)",
                0,
                1,
            ),
            Param(
                "programme_budget_per_year_eur",
                FLOAT,
                0.0,
                "yearly budget the territory commits to its programmes",
                0,
                1e9,
            ),
        ),
        _shared_savings,
        once=True,
    ),
]
LEVERS: dict[str, LeverType] = {lever.name: lever for lever in LEVER_TYPES}
