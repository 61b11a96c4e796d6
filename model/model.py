"""TerritoryModel: the territory, its inhabitants (numpy arrays) and its providers (Mesa agents),
advanced one week at a time by a fixed pipeline of stages."""

from __future__ import annotations

from functools import cache, lru_cache
from pathlib import Path
from types import SimpleNamespace

import mesa
import numpy as np
import pandas as pd

from territoire.agents.patients import DISEASES, NO_GP, PatientArrays, Patients, overdue_dtype
from territoire.agents.placement import PlacementParams, bourgs_centres, default_providers
from territoire.agents.population import (
    PopulationParams,
    case_prevalence_table,
    consumption_weight_by_age,
    disease_figures,
    step_lookup,
    synthesise_population,
)
from territoire.agents.provider_table import read_providers_csv, validate_providers
from territoire.agents.providers import (
    CPTS,
    GP,
    MSP,
    GPTable,
    Hospital,
    Pharmacy,
    Practice,
    Specialist,
    Specialty,
)
from territoire.model import accounts, diseases, enrolment, indicators, workforce
from territoire.model.access import access_inputs, access_kernel
from territoire.model.apl import (
    UNDERSERVED_APL,
    apl_by_commune,
    share_underserved,
    standardised_population,
    weighted_mean,
)
from territoire.model.chunks import n_reduction_blocks
from territoire.model.demand import demand_chunk, demand_inputs, demand_kernel
from territoire.model.demography import (
    MAX_AGE_INDEX,
    demography_chunk,
    demography_inputs,
    demography_kernel,
    weekly_death_table,
)
from territoire.model.events import events_chunk, events_inputs, events_kernel
from territoire.model.gc_pause import gc_paused
from territoire.model.gp_choice import ListSearch, assign_gps, gps_by_distance, service_rank
from territoire.model.kernel_cache import ensure_fresh_kernel_cache
from territoire.model.onset import onset_chunk, onset_hazard_table, onset_inputs, onset_kernel
from territoire.model.params import (
    GROUPS,
    AccessParams,
    CareParams,
    CostParams,
    DiseaseParams,
    ParameterError,
    WorkforceParams,
)
from territoire.model.patient_week import patient_week_kernel
from territoire.model.policy import Policy
from territoire.model.progression import progression_chunk, progression_inputs, progression_kernel
from territoire.model.recorder import Recorder
from territoire.model.rng import process_key, stream, uniform_np
from territoire.model.tally import tally_kernel
from territoire.model.territory import Territory

N_APL_AGE_BANDS = 19  # DREES 5-year bands 0-4 … 90+


@cache
def _kernels(name: str) -> SimpleNamespace:
    """The stage functions: the numba kernels, or the readable numpy reference with the same
    signatures."""
    if name == "numba":
        return SimpleNamespace(
            demography_kernel=demography_kernel,
            onset_kernel=onset_kernel,
            progression_kernel=progression_kernel,
            demand_kernel=demand_kernel,
            access_kernel=access_kernel,
            events_kernel=events_kernel,
            count_kernel=indicators.count_kernel,
            workload_kernel=workforce.workload_kernel,
            departures_kernel=workforce.departures_kernel,
        )
    if name == "reference":
        from territoire.model import reference

        return SimpleNamespace(
            **{
                k: getattr(reference, k)
                for k in (
                    "demography_kernel",
                    "onset_kernel",
                    "progression_kernel",
                    "demand_kernel",
                    "access_kernel",
                    "events_kernel",
                    "count_kernel",
                    "workload_kernel",
                    "departures_kernel",
                )
            }
        )
    if name == "sequential":
        # The parallel kernels' bodies called once over every patient, outside any parallel loop:
        # the same results (each patient is on their own), and numba's bounds checks
        # (NUMBA_BOUNDSCHECK=1) raise there, which they do not inside a parallel loop.
        def whole(chunk):
            return lambda week, people, x: chunk(0, people.alive.shape[0], week, people, x)

        k = _kernels("numba")
        return SimpleNamespace(
            demography_kernel=whole(demography_chunk),
            onset_kernel=whole(onset_chunk),
            progression_kernel=whole(progression_chunk),
            demand_kernel=whole(demand_chunk),
            access_kernel=k.access_kernel,
            events_kernel=whole(events_chunk),
            count_kernel=k.count_kernel,
            workload_kernel=k.workload_kernel,
            departures_kernel=k.departures_kernel,
        )
    raise ValueError(f"kernels must be 'numba', 'sequential' or 'reference', got {name!r}")


@lru_cache(maxsize=2)
def _default_territory() -> Territory:
    return Territory.default()


class TerritoryModel(mesa.Model):
    """A rural health territory.

    Built from a seed: the synthetic population (``self.patients``), the providers (``self.agents``:
    GP, Specialist, Pharmacy, CPTS, MSP, Hospital, from the default placement or a providers file),
    each inhabitant's médecin traitant, and the APL per commune (``self.apl``).

    ``step()`` advances one week through these stages, in this order:

    0. policy      — the scenario's levers set this week's state (each ``Lever.apply``); every
                     fourth week, enrolment in telemonitoring and the programme (``enrolment.py``)
    1. demography  — newcomers fill last week's empty slots, ageing, background and disease
                     mortality
    2. onset       — new cases of diabetes, heart failure, COPD (undiagnosed at first),
                     osteoporosis
    3. progression — stage transitions (follow-up, diagnosis, programme, nurses, telemonitoring)
    4. demand      — follow-ups due and sought, acute episodes, routine needs
    5. access      — acute episodes to the médecin traitant's same-day slot, then every other
                     demand first come first served: GPs (médecin traitant, then others within
                     reach), teleconsultation (chosen or accepted), SAS/emergency
    6. events      — diagnoses at contacts with care, hospital stays and in-hospital deaths
    7. providers   — retirements, departures, installations, médecin-traitant search, specialist
                     queues
    8. accounts    — every cost item
    9. indicators  — weekly counters per commune and vulnerability (``indicators()`` for the
                     battery)
    """

    def __init__(
        self,
        seed: int | None = 42,
        territory: Territory | None = None,
        providers: str | Path | pd.DataFrame | None = None,
        population_params: PopulationParams | None = None,
        placement_params: PlacementParams | None = None,
        access_params: AccessParams | None = None,
        disease_params: DiseaseParams | None = None,
        care_params: CareParams | None = None,
        cost_params: CostParams | None = None,
        workforce_params: WorkforceParams | None = None,
        kernels: str = "numba",
    ) -> None:
        ensure_fresh_kernel_cache()  # before any kernel runs (a stale compiled kernel is wrong)
        # Mesa's convention (mesa.batch_run passes seed=None): a fresh seed, kept in self.seed
        if seed is None:
            seed = int(np.random.SeedSequence().entropy % 2**63)
        super().__init__(rng=int(seed))
        self.seed = int(seed)
        self.territory = territory if territory is not None else _default_territory()
        self.population_params = population_params or PopulationParams()
        self.placement_params = placement_params or PlacementParams()
        self.access_params = access_params or AccessParams()
        self.disease_params = disease_params or DiseaseParams()
        self.care_params = care_params or CareParams()
        self.cost_params = cost_params or CostParams()
        self.workforce_params = workforce_params or WorkforceParams()
        self.kernels = kernels
        _kernels(kernels)  # an unknown name fails here
        # stages 1-4, and 8-9, each in one pass (see _patient_stages, _accounts_and_indicators)
        self.fused = kernels == "numba"

        t = self.territory
        self.patients: Patients = synthesise_population(
            t.population, t.communes["age_std_ratio"].to_numpy(), self.seed, self.population_params
        )
        n = len(self.patients)
        self.event = np.zeros(n, np.uint32)  # this week's event flags (``events_codes``)
        self.acute = np.full(n, -1, np.int8)  # disease of this week's acute episode, -1 if none
        # follow-ups overdue as the week's demand formed, a bit per disease (``PatientArrays``)
        self.overdue = np.zeros(n, overdue_dtype(self.patients.stage.shape[1]))
        self.std_population = standardised_population(self.age_counts_5y())
        self.provider_table = self._provider_table(providers)
        self.gp_table = GPTable()  # the GPs' numeric state; gp_slots[k] is the agent of slot k
        self.gp_slots: list[GP] = []
        self._create_agents(self.provider_table)
        self._assign_medecins_traitants()
        self.refresh_apl()
        self._prepare_dynamics()

    # ---- construction -------------------------------------------------------------------------
    def _provider_table(self, providers: str | Path | pd.DataFrame | None) -> pd.DataFrame:
        t = self.territory
        if providers is None:
            return default_providers(t, self.std_population, self.seed, self.placement_params)
        if isinstance(providers, pd.DataFrame):
            table, source = providers.astype(str).replace("nan", ""), "providers table"
        else:
            table, source = read_providers_csv(providers), str(providers)
        return validate_providers(table, t.codes, t.poles["pole"].tolist(), t.epci_codes, source)

    def _site(self, code: str) -> tuple[int, int]:
        """(commune row, pole row) of a site code; -1 for the one it is not."""
        if code.startswith("pole:"):
            return -1, self.territory.pole_index(code.removeprefix("pole:"))
        return self.territory.commune_index(code), -1

    def _create_agents(self, table: pd.DataFrame) -> None:
        t = self.territory
        cap = self.placement_params.list_cap_per_fte
        for row in table.itertuples(index=False):
            commune, pole = self._site(row.commune) if row.commune else (-1, -1)
            if row.type == "gp":
                self.gp_slots.append(
                    GP(
                        self,
                        row.name,
                        commune,
                        float(row.fte),
                        float(row.activity),
                        float(row.age),
                        Practice(row.practice),
                        list_cap=int(round(cap * float(row.fte))),
                        cpts=row.cpts,
                        tele_share=self.care_params.tele_share,
                    )
                )
            elif row.type == "specialist":
                Specialist(
                    self,
                    row.name,
                    row.specialty,
                    row.commune,
                    float(row.fte),
                    float(row.activity),
                    commune,
                    pole,
                    float(row.age),
                )
            elif row.type == "pharmacy":
                Pharmacy(self, row.name, commune, cpts=row.cpts)
            elif row.type == "msp":
                MSP(self, row.name, commune)
            elif row.type == "hospital":
                Hospital(self, row.name, row.commune, commune, pole)
            elif row.type == "cpts":
                covered = set()
                for code in row.covers.split():
                    if code in t.epci_codes:
                        covered.update(
                            np.flatnonzero(t.communes["epci"].to_numpy() == code).tolist()
                        )
                    else:
                        covered.add(t.commune_index(code))
                CPTS(self, row.name, frozenset(covered))

    @property
    def k(self) -> SimpleNamespace:
        """The stage functions in use. Looked up by name, never stored: a pickled numba function is
        rebuilt in another process without its on-disk cache, and compiled again (seconds)."""
        return _kernels(self.kernels)

    @property
    def gps(self) -> list[GP]:
        """Active GPs."""
        return [self.gp_slots[k] for k in np.flatnonzero(self.gp_table.active)]

    def gp_arrays(self) -> dict[str, np.ndarray]:
        """GP attributes by slot (the médecin-traitant index of patients); gone GPs have ``active``
        False."""
        t = self.gp_table
        active = t.active.copy()
        return {
            "commune": t.commune.copy(),
            "activity": np.where(active, t.activity_per_year, 0.0),
            "newly_installed": t.newly_installed.copy(),
            "list_cap": t.list_cap.copy(),
            "fte": t.fte.copy(),
            "active": active,
            "has_nurse": t.has_nurse & active,
            "tele_share": t.tele_share.copy(),
            "extra_capacity": np.where(active, t.extra_capacity_per_week, 0.0),
        }

    @property
    def reach_by_mobility(self) -> np.ndarray:
        """Minutes by road patients travel to a GP, by mobility class (car, limited, none)."""
        return np.asarray(self.access_params.reach_by_mobility(), np.float64)

    def patient_reach_min(self) -> np.ndarray:
        return self.reach_by_mobility[self.patients.mobility]

    def _assign_medecins_traitants(self) -> None:
        gp = self.gp_arrays()
        p = self.patients
        p.gp[:] = NO_GP
        if len(gp["commune"]) == 0:
            return
        order = stream(self.seed, "population.gp_choice").permutation(len(p)).astype(np.int64)
        lists = ListSearch(
            reach_by_mobility=self.reach_by_mobility,
            gp_sorted=gps_by_distance(self.territory.travel_min, gp["commune"]),
            gp_commune=gp["commune"],
            gp_free=gp["list_cap"].copy(),
            travel_min=self.territory.travel_min,
        )
        assign_gps(order, self.people(), lists)

    # ---- indicators of the territory's state ---------------------------------------------------
    def age_counts_5y(self) -> np.ndarray:
        """Inhabitants per commune and DREES 5-year age band (communes × 19)."""
        p = self.patients
        band = np.minimum(p.age_years // 5, N_APL_AGE_BANDS - 1).astype(np.int64)
        idx = p.commune.astype(np.int64) * N_APL_AGE_BANDS + band
        counts = np.bincount(idx[p.alive], minlength=self.territory.n_communes * N_APL_AGE_BANDS)
        return counts.reshape(self.territory.n_communes, N_APL_AGE_BANDS)

    def refresh_apl(self, gp: dict | None = None) -> np.ndarray:
        gp = self.gp_arrays() if gp is None else gp
        active = gp["active"]
        key = (
            gp["commune"][active].tobytes(),
            gp["activity"][active].tobytes(),
            gp["newly_installed"][active].tobytes(),
            self.std_population.tobytes(),
        )
        # recomputed only when GPs or the population changed
        if getattr(self, "_apl_key", None) != key:
            self.apl = apl_by_commune(
                self.territory.travel_min,
                self.std_population,
                gp["commune"][active],
                gp["activity"][active],
                gp["newly_installed"][active],
            )
            self._apl_key = key
        return self.apl

    @property
    def underserved(self) -> np.ndarray:
        """Communes whose APL is under 2.5 (sous-denses)."""
        return self.apl < UNDERSERVED_APL

    def apl_by_epci(self) -> pd.Series:
        t = self.territory
        values = weighted_mean(
            self.apl, self.std_population, t.epci_index.astype(np.int64), len(t.epci_codes)
        )
        return pd.Series(values, index=[t.epci_names[c] for c in t.epci_codes], name="apl")

    def apl_territory(self) -> float:
        return float(np.average(self.apl, weights=self.std_population))

    def share_underserved(self) -> float:
        return share_underserved(self.apl, self.territory.population)

    def apl_table(self) -> pd.DataFrame:
        """Per-commune APL: ``insee, name, epci, population, apl`` (+ zone and under-served
        flag)."""
        c = self.territory.communes
        return pd.DataFrame(
            {
                "insee": c["insee"],
                "name": c["name"],
                "epci": c["epci_name"],
                "population": c["population"],
                "apl": np.round(self.apl, 3),
                "zone": c["zone"],
                "underserved": self.underserved,
            }
        )

    # ---- the weekly step -------------------------------------------------------------------------
    def _prepare_dynamics(self) -> None:
        """Tables, random-stream keys, scratch arrays and the recorder used by ``step``."""
        t, p = self.territory, self.patients
        pp = self.population_params
        self.week = 0
        # week at which the scenario's policy horizon starts (after a burn-in)
        self.policy_week0 = 0
        self.replicate = 0
        self.reseed(0)
        # the cases, diagnosed or not: the onset hazards keep this profile
        self._prevalence_at_start = case_prevalence_table(pp, p.age_years, p.sex)
        self._prepare_tables()
        self.alloc_order = stream(self.seed, "access.order").permutation(len(p)).astype(np.int32)
        self.alloc_rank = service_rank(self.alloc_order)
        self.access_scratch = np.empty(len(p), np.int32)  # kept between weeks (``AccessLedger``)
        self._seekers = np.empty(len(p), np.int32)  # scratch of the médecin-traitant search
        self.policy = Policy.empty(t.n_communes)
        self.levers: list = []
        self.shared_savings: dict | None = None
        chunks = n_reduction_blocks(len(p))
        self._count_scratch = np.zeros((chunks, t.n_communes, 2, indicators.N_COUNTERS), np.int64)
        self._utility_scratch = np.zeros((chunks, t.n_communes))
        self.bourgs = bourgs_centres(t, self.placement_params.candidate_min_population)
        self.specialists = list(self.agents_by_type.get(Specialist, []))
        self.msps = list(self.agents_by_type.get(MSP, []))
        self.referral_sites = self._nearest_specialist_sites()
        self.coordination_weekly = self._coordination_cost_by_commune()
        self.recorder = Recorder(t.n_communes)
        self.providers_changed()
        # Mesa's DataCollector with a few territory figures, so that mesa.batch_run works on this
        # model; the full battery is in self.recorder / self.indicators().
        self.datacollector = mesa.DataCollector(
            model_reporters={
                name: name
                for name in (
                    "population_now",
                    "gp_count",
                    "apl_mean",
                    "unmet_last_week",
                    "share_without_gp_now",
                )
            }
        )

    def _prepare_tables(self) -> None:
        """Arrays the kernels read, derived from the parameter dataclasses (redone when they
        change)."""
        dp, pp = self.disease_params, self.population_params
        self.death_table = weekly_death_table(
            dp.mortality_gompertz_a,
            dp.mortality_gompertz_b,
            dp.mortality_floor,
            np.asarray(dp.excess_mortality),
        )
        mixes = np.array(disease_figures(pp, "stage_mix"))
        self.roles = diseases.roles()
        # diseases whose new cases start undiagnosed (found later at a contact with care)
        self.diagnosis_phase = np.asarray(disease_figures(pp, "undiagnosed_share"), float) > 0
        self.treated_stage = diseases.treated_stages()
        # the one comorbidity link of the registry (heart failure raised by diabetes) has its RR
        # in PopulationParams, as the initial population draws it too
        linked = self.roles.onset_raised_by >= 0
        rr_if_raised = np.where(linked, pp.heart_failure_rr_if_diabetic, 1.0)
        self.onset_table = onset_hazard_table(
            self._prevalence_at_start,
            np.asarray(dp.excess_mortality),
            mixes,
            self.roles.onset_raised_by,
            rr_if_raised,
            MAX_AGE_INDEX,
        )
        weight = consumption_weight_by_age()
        weight = np.concatenate([weight, np.full(MAX_AGE_INDEX + 1 - weight.size, weight[-1])])
        self.routine_weekly = np.ascontiguousarray(
            self.care_params.routine_visits_per_year * weight / 52.0
        )
        self.tele_choice_by_age = np.ascontiguousarray(
            step_lookup(self.care_params.tele_choice_by_age, np.arange(MAX_AGE_INDEX + 1)),
            np.float64,
        )
        self.dtables, self.ctables, self.costtables = (
            dp.tables(),
            self.care_params.tables(),
            self.cost_params.tables(),
        )
        self.utility_decrement = np.ascontiguousarray(np.asarray(dp.utility_decrement, float))
        self.cost_rank = accounts.cost_rank(self.costtables)

    def update_params(self, **groups) -> None:
        """Change parameter groups between steps, e.g.
        ``update_params(care=CareParams(tele_uptake=0.4))``.

        Groups: access, disease, care, cost, workforce (the population and placement only matter at
        build).
        """
        for group, value in groups.items():
            if group not in GROUPS:
                raise ParameterError(
                    f"unknown parameter group {group!r}; allowed: {', '.join(GROUPS)}"
                )
            if not isinstance(value, GROUPS[group]):
                raise ParameterError(
                    f"parameter group {group!r} takes a {GROUPS[group].__name__}, "
                    f"got {type(value).__name__}"
                )
            setattr(self, f"{group}_params", value)
        self._prepare_tables()

    def referral_share_of(self, specialty: str) -> float:
        """Share of a specialist's consultations open to the model's referrals (``CareParams``)."""
        return self.care_params.specialist_referral_share[
            DISEASE_SPECIALTY.index(Specialty(specialty).value)
        ]

    def _nearest_specialist_sites(self) -> np.ndarray:
        """For each commune and disease, the specialist (index in ``self.specialists``) patients are
        referred to; -1 where the territory has no specialist of that specialty."""
        t = self.territory
        sites = np.full((t.n_communes, len(DISEASES)), -1, np.int64)
        for d, specialty in enumerate(DISEASE_SPECIALTY):
            candidates = [
                k for k, s in enumerate(self.specialists) if s.specialty.value == specialty
            ]
            if not candidates:
                continue
            minutes = np.column_stack(
                [
                    t.travel_min[:, s.commune] if s.commune >= 0 else t.pole_travel_min[:, s.pole]
                    for s in (self.specialists[k] for k in candidates)
                ]
            )
            sites[:, d] = np.asarray(candidates)[np.argmin(minutes, axis=1)]
        return sites

    def _coordination_cost_by_commune(self) -> np.ndarray:
        """Weekly CPTS budgets spread over the communes each CPTS covers, by population."""
        t = self.territory
        out = np.zeros(t.n_communes)
        for cpts in self.agents_by_type.get(CPTS, []):
            members = np.array(sorted(cpts.communes), np.int64)
            pop = t.population[members].astype(float)
            out[members] += self.cost_params.cpts_budget_per_year_eur / 52.0 * pop / pop.sum()
        return out

    def providers_changed(self) -> None:
        """Recompute what depends on the set of GPs: search order, APL, distance to the nearest
        GP."""
        gp = self.gp_arrays()
        t = self.territory
        self.gp_sorted = (
            gps_by_distance(t.travel_min, gp["commune"])
            if len(gp["commune"])
            else np.zeros((t.n_communes, 0), np.int32)
        )
        self.refresh_apl(gp)
        active = gp["commune"][gp["active"]]
        self.minutes_to_gp = (
            t.travel_min[:, active].min(axis=1) if active.size else np.full(t.n_communes, np.inf)
        )

    def add_gp(
        self,
        commune: int,
        age: float,
        activity: float,
        fte: float = 1.0,
        practice: Practice = Practice.SOLO,
        week: int | None = None,
        has_nurse: bool = False,
        cpts: str = "",
        tele_share: float | None = None,
    ) -> int:
        """Install a new GP at a commune row; returns the GP's slot."""
        if activity < 0 or fte <= 0:
            raise ValueError(
                f"a new GP needs activity >= 0 and fte > 0, got activity={activity}, fte={fte}"
            )
        gp = GP(
            self,
            f"Dr {self.territory.communes['name'].iloc[commune]} (new {len(self.gp_slots) + 1})",
            commune,
            fte,
            activity,
            age,
            practice,
            list_cap=int(round(self.placement_params.list_cap_per_fte * fte)),
            cpts=cpts,
            has_nurse=has_nurse,
            newly_installed=True,
            tele_share=self.current_tele_share if tele_share is None else tele_share,
        )
        gp.installed_week = self.week if week is None else week
        self.gp_slots.append(gp)
        self.providers_changed()
        return gp.slot

    def deactivate_gp(self, slot: int) -> None:
        """A GP retires or leaves: their patients lose their médecin traitant."""
        gp = self.gp_slots[slot]
        gp.active = False
        gp.remove()
        self.patients.gp[self.patients.gp == slot] = NO_GP
        self.providers_changed()

    def recent_unmet_per_inhabitant(self, weeks: int = 13) -> np.ndarray:
        """Unmet GP demand per inhabitant and commune over the last ``weeks`` weeks (0 before the
        first step)."""
        return self.recorder.recent_unmet_per_inhabitant(weeks, self.territory.population)

    @property
    def current_tele_share(self) -> float:
        """Share of GP capacity offered as teleconsultation now (a lever may have changed it)."""
        pol = self.policy.tele_share
        return self.care_params.tele_share if pol is None else pol

    @property
    def tele_expertise_share(self) -> float:
        pol = self.policy.tele_expertise_share
        return self.care_params.tele_expertise_share if pol is None else pol

    def reseed(self, replicate: int) -> None:
        """Random-stream keys of the weekly step for a replicate (0: the model's own seed alone).

        Scenarios compared with each other use the same replicate: their draws are common random
        numbers.
        """
        suffix = "" if replicate == 0 else f"/replicate-{int(replicate)}"
        self.replicate = int(replicate)
        self.keys = {
            name: process_key(self.seed, name + suffix)
            for name in (
                "demography",
                "newcomer",
                "onset",
                "progression",
                "demand",
                "access",
                "events",
                "policy",
                "workforce.leave",
                "workforce.install",
            )
        }
        self.policy_draw_cache: dict[int, np.ndarray] = {}  # see policy_draws

    def start_policy(self, levers=(), replicate: int = 0) -> TerritoryModel:
        """Branch here: the policy horizon starts now (week 0), with these levers and this
        replicate's draws."""
        self.reseed(replicate)
        self.policy_week0 = self.week
        self.forget_record()
        self.set_levers(levers)
        return self

    def forget_record(self) -> None:
        """Drop the weekly record so far (the state is kept): ``indicators()`` starts again from the
        next week."""
        self.recorder = Recorder(self.territory.n_communes)

    @property
    def policy_week(self) -> int:
        """Weeks since the policy horizon started."""
        return self.week - self.policy_week0

    def set_levers(self, levers) -> None:
        """The scenario's levers (``scenarios.levers.Lever``, or any object with ``apply(model,
        policy_week)``), applied at the start of each week."""
        self.levers = list(levers)

    def step(self) -> None:
        """Advance one week."""
        ensure_fresh_kernel_cache()  # once per process: an unpickled model skips __init__
        w = self.week
        self._policy(w)
        # this week's GPs, levers applied (the providers stage takes a new snapshot)
        gp = self.gp_arrays()
        self._patient_stages(w, gp)
        referrals, used, turned_away = self._access(w, gp)
        self._events(w)
        self._providers(w, referrals, used, turned_away)
        self._accounts_and_indicators(w, referrals)
        self.week += 1
        self.datacollector.collect(self)

    def _policy(self, w: int) -> None:
        """Stage 0: levers in force this week; monthly enrolment in telemonitoring and the
        programme."""
        for lever in self.levers:
            lever.apply(self, w - self.policy_week0)
        if w % enrolment.REFRESH_WEEKS == 0:
            enrolment.refresh_enrolments(self)

    def policy_draws(self, slot: int) -> np.ndarray:
        """One fixed uniform per patient slot of the "policy" stream (a ``draws`` slot), for who a
        lever covers: drawn once per replicate, so coverage grows and never reshuffles."""
        if slot not in self.policy_draw_cache:
            everyone = np.arange(len(self.patients))
            self.policy_draw_cache[slot] = uniform_np(self.keys["policy"], everyone, 0, slot)
        return self.policy_draw_cache[slot]

    def _patient_stages(self, w: int, gp: dict) -> None:
        """Stages 1 to 4, each patient on their own: demography, onset, progression, demand.

        With the numba kernels they run fused, chunk of patients by chunk, in one parallel pass
        (``patient_week.py``); with the reference (or ``fused = False``), stage after stage. The
        result is the same.
        """
        people = self.people()
        inputs = (
            demography_inputs(self),
            onset_inputs(self),
            progression_inputs(self, gp),
            demand_inputs(self, gp),
        )
        if self.fused:
            patient_week_kernel(w, people, *inputs)
        else:
            k = self.k
            stages = (k.demography_kernel, k.onset_kernel, k.progression_kernel, k.demand_kernel)
            for kernel, stage_inputs in zip(stages, inputs):
                kernel(w, people, stage_inputs)

    def people(self) -> PatientArrays:
        """The patient arrays as the kernels take them, with this week's events and acute
        episodes."""
        return self.patients.kernel_view(self.event, self.acute, self.overdue)

    def _access(self, w: int, gp: dict | None = None):
        """Stage 5: (referrals by commune and disease, visits each GP gave, patients each GP turned
        away)."""
        gp = self.gp_arrays() if gp is None else gp
        inputs, ledger = access_inputs(self, gp, w)
        start = ledger.gp_capacity.copy()
        self.k.access_kernel(w, self.people(), inputs, ledger)
        return ledger.referrals, start - ledger.gp_capacity, ledger.turned_away

    def _events(self, w: int) -> None:
        self.k.events_kernel(w, self.people(), events_inputs(self))

    def _providers(self, w: int, referrals, used, turned_away) -> None:
        workforce.update_workload(self, used, turned_away)
        workforce.retire_and_leave(self, w)
        workforce.install_new_gps(self, w)
        gp = self.gp_arrays()
        workforce.find_medecins_traitants(self, gp)
        workforce.serve_specialists(self, referrals)
        if w % 52 == 51:  # ageing shifts the standardised population slowly: refresh it yearly
            self.std_population = standardised_population(self.age_counts_5y())
        self.refresh_apl(gp)  # recomputed only if GPs or the standardised population changed

    def _accounts_and_indicators(self, w: int, referrals: np.ndarray) -> None:
        """Stages 8 and 9: the weekly counters and utilities per commune, every cost item priced
        from the counts, recorded.

        With the numba kernels the counting and utility passes run as one (``tally.py``); with the
        reference (or ``fused = False``), one after the other. The result is the same.
        """
        people, tally = self.people(), indicators.tally_inputs(self)
        if self.fused:
            counts, utility = tally_kernel(
                self._count_scratch, self._utility_scratch, people, tally
            )
        else:
            counts = self.k.count_kernel(self._count_scratch, people, tally)
            utility = indicators.utility_kernel(
                self._utility_scratch, people, self.utility_decrement
            )
        costs = accounts.weekly_costs(counts, accounts.prices(self))
        cp, share = self.cost_params, self.tele_expertise_share
        costs[:, accounts.SPECIALIST_VISITS] += referrals.sum(axis=1) * (
            (1 - share) * cp.specialist_visit_eur + share * cp.tele_expertise_eur
        )
        costs[:, accounts.COORDINATION] += self.coordination_weekly
        costs[:, accounts.POLICY] += self.policy.cost_per_week_by_commune(self.territory.n_communes)
        self.recorder.record(self, w - self.policy_week0, counts, costs, referrals, utility)

    # ---- a few scalars for Mesa's DataCollector (and batch_run) ---------------------------------
    def _last_counts(self) -> np.ndarray | None:
        return self.recorder.last_totals

    @property
    def population_now(self) -> int:
        c = self._last_counts()
        return int(self.patients.alive.sum()) if c is None else int(c[indicators.ALIVE])

    @property
    def gp_count(self) -> int:
        return int(np.count_nonzero(self.gp_table.active))

    @property
    def apl_mean(self) -> float:
        return self.apl_territory()

    @property
    def unmet_last_week(self) -> int:
        c = self._last_counts()
        if c is None:
            return 0
        return int(indicators.unmet_demand(c))

    @property
    def share_without_gp_now(self) -> float:
        c = self._last_counts()
        if c is None:
            p = self.patients
            return float(((p.gp < 0) & p.alive).sum() / max(p.alive.sum(), 1))
        return float(c[indicators.WITHOUT_GP] / max(c[indicators.ALIVE], 1))

    def run(self, weeks: int, progress: bool = False) -> TerritoryModel:
        """Advance ``weeks`` weeks, with a progress bar if asked."""
        from tqdm.auto import tqdm

        with gc_paused():
            for _ in tqdm(range(weeks), desc="weeks", unit="wk", disable=not progress, leave=False):
                self.step()
        return self

    def indicators(
        self, levels=("territory", "zone", "epci", "commune", "vulnerable")
    ) -> pd.DataFrame:
        """The indicator battery, tidy: ``week, level, unit, indicator, value``."""
        from territoire.model.results import indicator_frame

        return indicator_frame(self, levels)


#: Specialty that follows each disease (order of DISEASES).
DISEASE_SPECIALTY = tuple(d.specialty for d in diseases.REGISTRY)
