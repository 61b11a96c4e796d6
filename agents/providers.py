"""Care providers as Mesa agents: GP, Specialist, Pharmacy, CPTS, MSP, Hospital.

Providers are few (hundreds), so they are ordinary ``mesa.Agent`` objects held in ``model.agents``;
the weekly kernels read them through small arrays built by the model (``gp_arrays``).
"""

from __future__ import annotations

from enum import Enum

import mesa

WEEKS_OF_ACTIVITY = 52.0  # capacity is spread over an average week, holidays included


class Practice(str, Enum):
    SOLO = "solo"  # alone or in a group practice without a health project
    MSP = "msp"  # maison de santé pluriprofessionnelle
    CENTRE = "centre"  # centre de santé (salaried)


class Specialty(str, Enum):
    CARDIOLOGY = "cardiology"
    PULMONOLOGY = "pulmonology"
    ENDOCRINOLOGY = "endocrinology"
    RHEUMATOLOGY = "rheumatology"


class GP(mesa.Agent):
    """A general practitioner at a commune."""

    def __init__(
        self,
        model: mesa.Model,
        name: str,
        commune: int,
        fte: float,
        activity_per_year: float,
        age: float,
        practice: Practice = Practice.SOLO,
        list_cap: int = 0,
        tele_share: float = 0.0,
        cpts: str = "",
        has_nurse: bool = False,
        newly_installed: bool = False,
    ) -> None:
        super().__init__(model)
        self.name = name
        self.commune = commune  # row in the territory's commune table
        self.fte = fte
        self.activity_per_year = activity_per_year  # consultations + visits per year
        self.age = age  # years
        self.practice = Practice(practice)
        self.list_cap = list_cap  # most médecin-traitant patients this GP accepts
        self.tele_share = tele_share  # share of consultations offered as teleconsultations
        self.cpts = cpts  # name of the CPTS the GP belongs to, "" if none
        self.has_nurse = has_nurse  # works with an ASALEE-type practice nurse
        self.newly_installed = newly_installed
        self.installed_week = 0 if newly_installed else -10_000  # model week of installation
        self.active = True  # False once retired or gone (the slot keeps its index for patients' records)
        self.workload = 0.0  # (consultations given + requests turned away) ÷ capacity, averaged over ~26 weeks
        self.weeks_worked = 0  # weeks of workload observed
        self.extra_capacity_per_week = 0.0  # follow-up visits a practice nurse takes over (lever)

    @property
    def weekly_capacity(self) -> float:
        """Consultations per working week."""
        return self.activity_per_year / WEEKS_OF_ACTIVITY

    @property
    def coordinated(self) -> bool:
        """In coordinated practice: an MSP or a CPTS."""
        return self.practice is Practice.MSP or bool(self.cpts)


class Specialist(mesa.Agent):
    """Specialist consultations of one specialty at one site (a commune or an external pole)."""

    def __init__(
        self,
        model: mesa.Model,
        name: str,
        specialty: Specialty,
        site: str,
        fte: float,
        activity_per_year: float,
        commune: int = -1,
        pole: int = -1,
        age: float = 50.0,
    ) -> None:
        super().__init__(model)
        self.name = name
        self.specialty = Specialty(specialty)
        self.site = site  # INSEE code or "pole:<id>"
        self.commune = commune  # row in the commune table, -1 at a pole
        self.pole = pole  # row in the pole table, -1 in a commune
        self.fte = fte
        self.activity_per_year = activity_per_year
        self.age = age
        self.queue = 0  # referrals waiting

    @property
    def weekly_capacity(self) -> float:
        return self.activity_per_year / WEEKS_OF_ACTIVITY

    @property
    def waiting_weeks(self) -> float:
        cap = self.weekly_capacity
        return self.queue / cap if cap > 0 else float("inf")


class Pharmacy(mesa.Agent):
    def __init__(self, model: mesa.Model, name: str, commune: int, cpts: str = "", booth: bool = False) -> None:
        super().__init__(model)
        self.name = name
        self.commune = commune
        self.cpts = cpts
        self.booth = booth  # teleconsultation booth
        self.followup = False  # pharmacist follow-up interviews for chronic patients


class CPTS(mesa.Agent):
    """Communauté professionnelle territoriale de santé: communes covered, members, missions."""

    def __init__(self, model: mesa.Model, name: str, communes: frozenset[int]) -> None:
        super().__init__(model)
        self.name = name
        self.communes = communes

    def members(self) -> list[mesa.Agent]:
        return [a for a in self.model.agents if getattr(a, "cpts", None) == self.name]


class MSP(mesa.Agent):
    """Maison de santé pluriprofessionnelle: a site grouping GPs, nurses and others."""

    def __init__(self, model: mesa.Model, name: str, commune: int) -> None:
        super().__init__(model)
        self.name = name
        self.commune = commune

    def gps(self) -> list[GP]:
        return [g for g in self.model.agents_by_type.get(GP, []) if g.practice is Practice.MSP and g.commune == self.commune]


class Hospital(mesa.Agent):
    """A hospital with an emergency department, in a commune of the territory or at an external pole."""

    def __init__(self, model: mesa.Model, name: str, site: str, commune: int = -1, pole: int = -1) -> None:
        super().__init__(model)
        self.name = name
        self.site = site
        self.commune = commune
        self.pole = pole
