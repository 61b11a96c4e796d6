"""Care providers as Mesa agents: GP, Specialist, Pharmacy, CPTS, MSP, Hospital.

Providers are few (hundreds), so they are ordinary ``mesa.Agent`` objects held in ``model.agents``.
The GPs' numeric state lives in the model's ``GPTable``, one array per attribute, each ``GP`` agent
a view of its slot: the weekly stages (workload, retirements, the kernels' GP arrays, the record)
work on whole arrays instead of looping over the agents in Python.
"""

from __future__ import annotations

from enum import Enum

import mesa
import numpy as np

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


class GPTable:
    """The GPs' numeric state, one slot per GP ever installed (the index of patients' médecin
    traitant; a GP who leaves keeps their slot with ``active`` False). ``table.workload`` etc. are
    the columns over the slots in use, writable views."""

    COLUMNS = {
        "commune": np.int32,
        "fte": np.float64,
        "activity_per_year": np.float64,
        "age": np.float64,
        "list_cap": np.int64,
        "tele_share": np.float64,
        "has_nurse": np.bool_,
        "newly_installed": np.bool_,
        "installed_week": np.int64,
        "active": np.bool_,
        "workload": np.float64,
        "weeks_worked": np.int64,
        "extra_capacity_per_week": np.float64,
    }

    def __init__(self) -> None:
        self.n = 0
        self.columns = {name: np.zeros(64, dtype) for name, dtype in self.COLUMNS.items()}

    def add(self) -> int:
        """A new slot (zeros); returns its index."""
        if self.n == len(self.columns["active"]):
            self.columns = {
                name: np.concatenate([a, np.zeros_like(a)]) for name, a in self.columns.items()
            }
        self.n += 1
        return self.n - 1

    @property
    def weekly_capacity(self) -> np.ndarray:
        """Consultations per working week, by slot (``GP.weekly_capacity``)."""
        return self.activity_per_year / WEEKS_OF_ACTIVITY

    def __getattr__(self, name: str) -> np.ndarray:
        columns = self.__dict__.get("columns")
        if columns is None or name not in columns:
            raise AttributeError(name)
        return columns[name][: self.n]


class _Column:
    """A GP attribute stored in the model's ``GPTable`` (read as a Python scalar)."""

    def __set_name__(self, owner, name: str) -> None:
        self.name = name

    def __get__(self, gp, owner=None):
        if gp is None:
            return self
        return gp.model.gp_table.columns[self.name][gp.slot].item()

    def __set__(self, gp, value) -> None:
        gp.model.gp_table.columns[self.name][gp.slot] = value


class GP(mesa.Agent):
    """A general practitioner at a commune; numeric attributes live in ``model.gp_table`` at
    ``self.slot``."""

    commune = _Column()  # row in the territory's commune table
    fte = _Column()
    activity_per_year = _Column()  # consultations + visits per year
    age = _Column()  # years
    list_cap = _Column()  # most médecin-traitant patients this GP accepts
    tele_share = _Column()  # share of consultations offered as teleconsultations
    has_nurse = _Column()  # works with an ASALEE-type practice nurse
    newly_installed = _Column()
    installed_week = _Column()  # model week of installation
    # False once retired or gone (the slot keeps its index for patients' records)
    active = _Column()
    # (consultations given + requests turned away) ÷ capacity, averaged over ~26 weeks
    workload = _Column()
    weeks_worked = _Column()  # weeks of workload observed
    extra_capacity_per_week = _Column()  # follow-up visits a practice nurse takes over (lever)

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
        self.slot = model.gp_table.add()
        self.name = name
        self.commune = commune
        self.fte = fte
        self.activity_per_year = activity_per_year
        self.age = age
        self.practice = Practice(practice)
        self.list_cap = list_cap
        self.tele_share = tele_share
        self.cpts = cpts  # name of the CPTS the GP belongs to, "" if none
        self.has_nurse = has_nurse
        self.newly_installed = newly_installed
        self.installed_week = 0 if newly_installed else -10_000
        self.active = True
        self.workload = 0.0
        self.weeks_worked = 0
        self.extra_capacity_per_week = 0.0

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
        # referrals waiting (expected numbers: tele-expertise answers a share of each)
        self.queue = 0.0
        self.left = 0.0  # referrals that left the queue last week (went elsewhere or gave up)

    @property
    def weekly_capacity(self) -> float:
        return self.activity_per_year / WEEKS_OF_ACTIVITY

    @property
    def referral_capacity(self) -> float:
        """Consultations a week for the model's referrals: the share of the specialty's
        consultations open to them (``CareParams.specialist_referral_share``)."""
        return self.weekly_capacity * self.model.referral_share_of(self.specialty)

    def serve_week(self, joining: float, leave_share: float) -> None:
        """This week's referrals join the queue, the referral capacity is served, then a share of
        those still waiting leave."""
        self.queue += joining
        self.queue -= min(self.queue, self.referral_capacity)
        self.left = self.queue * leave_share
        self.queue -= self.left

    @property
    def waiting_weeks(self) -> float:
        """Weeks a referral joining now waits: the queue ÷ the referral capacity (inf for a site
        with a queue but no consultations, e.g. one whose activity a scenario set to 0)."""
        cap = self.referral_capacity
        if cap > 0:
            return self.queue / cap
        return float("inf") if self.queue > 0 else 0.0


class Pharmacy(mesa.Agent):
    def __init__(
        self, model: mesa.Model, name: str, commune: int, cpts: str = "", booth: bool = False
    ) -> None:
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
        return [
            g
            for g in self.model.agents_by_type.get(GP, [])
            if g.practice is Practice.MSP and g.commune == self.commune
        ]


class Hospital(mesa.Agent):
    """A hospital with an emergency department, in a commune of the territory or at an external
    pole."""

    def __init__(
        self, model: mesa.Model, name: str, site: str, commune: int = -1, pole: int = -1
    ) -> None:
        super().__init__(model)
        self.name = name
        self.site = site
        self.commune = commune
        self.pole = pole
