"""What the scenario levers have switched on, read by the weekly stages.

The levers (``scenarios/levers.py``) write these fields; the model's stages read them. A field left
at its default means "as in the baseline".
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from territoire.model.access import MOBILE_TEAM_VISITS, NEAR_BOOTH, SNP_COVERED
from territoire.model.diseases import DISEASES

N_DISEASES = len(DISEASES)


@dataclass(eq=False)
class Policy:
    commune_flags: np.ndarray  # uint8 per commune: NEAR_BOOTH | MOBILE_TEAM_VISITS | SNP_COVERED
    booth_visits_per_week: float = 0.0  # teleconsultations the pharmacy booths can host
    mobile_visits_per_week: float = 0.0  # visits of the mobile "aller-vers" team
    snp_visits_per_week: float = 0.0  # unscheduled-care slots of the CPTS rota
    # share of limited-mobility patients offered on-demand transport
    transport_coverage: float = 0.0
    nursing_home_coverage: float = 0.0  # share of nursing-home residents with teleconsultation
    # share of GP capacity offered as teleconsultation (None: CareParams)
    tele_share: float | None = None
    tele_uptake: float | None = None
    tele_expertise_share: float | None = None
    # of eligible (stage >= 2)
    telemonitoring_coverage: np.ndarray = field(default_factory=lambda: np.zeros(N_DISEASES))
    # of diagnosed patients
    programme_coverage: np.ndarray = field(default_factory=lambda: np.zeros(N_DISEASES))
    onset_multiplier: np.ndarray = field(default_factory=lambda: np.ones(N_DISEASES))
    # on the probability that a contact with care finds an undiagnosed case (screening levers)
    detection_multiplier: np.ndarray = field(default_factory=lambda: np.ones(N_DISEASES))
    worsen_multiplier: np.ndarray = field(default_factory=lambda: np.ones(N_DISEASES))
    osteoporosis_screening_per_year: float = 0.0  # extra diagnoses per year among the untreated
    emergency_hospitalisation_multiplier: float = 1.0
    ambulatory_cost_multiplier: float = 1.0
    retirement_multiplier: float = 1.0
    # lever → euros per commune and week
    cost_per_week: dict[str, np.ndarray] = field(default_factory=dict)

    @classmethod
    def empty(cls, n_communes: int) -> Policy:
        return cls(np.zeros(n_communes, np.uint8))

    def set_flag(self, communes, flag: int, on: bool = True) -> None:
        communes = np.asarray(communes, np.int64)
        self.commune_flags[communes] = np.where(
            on, self.commune_flags[communes] | flag, self.commune_flags[communes] & ~np.uint8(flag)
        )

    def cost_per_week_by_commune(self, n_communes: int) -> np.ndarray:
        total = np.zeros(n_communes)
        for costs in self.cost_per_week.values():
            total += costs
        return total


FLAGS = {"near_booth": NEAR_BOOTH, "mobile_team": MOBILE_TEAM_VISITS, "snp": SNP_COVERED}
