"""TerritoryModel: the territory, its inhabitants (numpy arrays) and its providers (Mesa agents)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import mesa
import numpy as np
import pandas as pd

from territoire.agents.patients import NO_GP, Patients
from territoire.agents.placement import PlacementParams, default_providers
from territoire.agents.population import PopulationParams, synthesise_population
from territoire.agents.provider_table import read_providers_csv, validate_providers
from territoire.agents.providers import CPTS, GP, MSP, Hospital, Pharmacy, Practice, Specialist
from territoire.model.apl import UNDERSERVED_APL, apl_by_commune, share_underserved, standardised_population, weighted_mean
from territoire.model.gp_choice import assign_gps, gps_by_distance
from territoire.model.params import AccessParams
from territoire.model.rng import stream
from territoire.model.territory import Territory

N_APL_AGE_BANDS = 19  # DREES 5-year bands 0-4 … 90+


@lru_cache(maxsize=2)
def _default_territory() -> Territory:
    return Territory.default()


class TerritoryModel(mesa.Model):
    """A rural health territory.

    Built from a seed: the synthetic population (``self.patients``), the providers (``self.agents``:
    GP, Specialist, Pharmacy, CPTS, MSP, Hospital, from the default placement or a providers file),
    each inhabitant's médecin traitant, and the APL per commune (``self.apl``).
    """

    def __init__(
        self,
        seed: int = 42,
        territory: Territory | None = None,
        providers: str | Path | pd.DataFrame | None = None,
        population_params: PopulationParams | None = None,
        placement_params: PlacementParams | None = None,
        access_params: AccessParams | None = None,
    ) -> None:
        super().__init__(rng=int(seed))
        self.seed = int(seed)
        self.territory = territory if territory is not None else _default_territory()
        self.population_params = population_params or PopulationParams()
        self.placement_params = placement_params or PlacementParams()
        self.access_params = access_params or AccessParams()

        t = self.territory
        self.patients: Patients = synthesise_population(t.population, t.communes["age_std_ratio"].to_numpy(), self.seed, self.population_params)
        self.std_population = standardised_population(self.age_counts_5y())
        self.provider_table = self._provider_table(providers)
        self._create_agents(self.provider_table)
        self._assign_medecins_traitants()
        self.refresh_apl()

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
                GP(self, row.name, commune, float(row.fte), float(row.activity), float(row.age), Practice(row.practice),
                   list_cap=int(round(cap * float(row.fte))), cpts=row.cpts)
            elif row.type == "specialist":
                Specialist(self, row.name, row.specialty, row.commune, float(row.fte), float(row.activity), commune, pole, float(row.age))
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
                        covered.update(np.flatnonzero(t.communes["epci"].to_numpy() == code).tolist())
                    else:
                        covered.add(t.commune_index(code))
                CPTS(self, row.name, frozenset(covered))

    @property
    def gps(self) -> list[GP]:
        """Active GPs, in creation order (their index is the médecin-traitant index of patients)."""
        return list(self.agents_by_type.get(GP, []))

    def gp_arrays(self) -> dict[str, np.ndarray]:
        gps = self.gps
        return {
            "commune": np.array([g.commune for g in gps], np.int32),
            "activity": np.array([g.activity_per_year for g in gps], float),
            "newly_installed": np.array([g.newly_installed for g in gps], bool),
            "list_cap": np.array([g.list_cap for g in gps], np.int64),
            "fte": np.array([g.fte for g in gps], float),
        }

    def patient_reach_min(self) -> np.ndarray:
        return np.asarray(self.access_params.reach_by_mobility(), np.float64)[self.patients.mobility]

    def _assign_medecins_traitants(self) -> None:
        gp = self.gp_arrays()
        p = self.patients
        p.gp[:] = NO_GP
        if len(gp["commune"]) == 0:
            return
        order = stream(self.seed, "population.gp_choice").permutation(len(p)).astype(np.int64)
        free = gp["list_cap"].copy()
        assign_gps(order, p.commune, self.patient_reach_min(), p.gp, gps_by_distance(self.territory.travel_min, gp["commune"]),
                   gp["commune"], free, self.territory.travel_min)

    # ---- indicators of the territory's state ---------------------------------------------------
    def age_counts_5y(self) -> np.ndarray:
        """Inhabitants per commune and DREES 5-year age band (communes × 19)."""
        p = self.patients
        band = np.minimum(p.age_years // 5, N_APL_AGE_BANDS - 1).astype(np.int64)
        idx = p.commune.astype(np.int64) * N_APL_AGE_BANDS + band
        counts = np.bincount(idx[p.alive], minlength=self.territory.n_communes * N_APL_AGE_BANDS)
        return counts.reshape(self.territory.n_communes, N_APL_AGE_BANDS)

    def refresh_apl(self) -> np.ndarray:
        gp = self.gp_arrays()
        self.apl = apl_by_commune(self.territory.travel_min, self.std_population, gp["commune"], gp["activity"], gp["newly_installed"])
        return self.apl

    @property
    def underserved(self) -> np.ndarray:
        """Communes whose APL is under 2.5 (sous-denses)."""
        return self.apl < UNDERSERVED_APL

    def apl_by_epci(self) -> pd.Series:
        t = self.territory
        values = weighted_mean(self.apl, self.std_population, t.epci_index.astype(np.int64), len(t.epci_codes))
        return pd.Series(values, index=[t.epci_names[c] for c in t.epci_codes], name="apl")

    def apl_territory(self) -> float:
        return float(np.average(self.apl, weights=self.std_population))

    def share_underserved(self) -> float:
        return share_underserved(self.apl, self.territory.population)

    def apl_table(self) -> pd.DataFrame:
        """Per-commune APL: ``insee, name, epci, population, apl`` (+ zone and under-served flag)."""
        c = self.territory.communes
        return pd.DataFrame({
            "insee": c["insee"], "name": c["name"], "epci": c["epci_name"], "population": c["population"],
            "apl": np.round(self.apl, 3), "zone": c["zone"], "underserved": self.underserved,
        })
