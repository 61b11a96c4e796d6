"""The disease registry: every chronic disease the model follows, declared once.

The column order of ``Patients.stage`` is the order of ``REGISTRY``. Everything that depends on the
diseases derives from it: counter columns and indicator names (``prevalence_<name>``), cost items,
table shapes, random-draw slots (``draws.disease_slot``), the specialty a referral goes to, and what
the kernels do that is particular to a disease (``DiseaseRoles``, arrays by disease that the stage
inputs carry). No kernel tests a disease's index.

Stages are the same for every disease: 0 none, 1 controlled, 2 uncontrolled, 3 complicated. A
disease whose stage 2 is *silent* (osteoporosis) reads them as: 1 diagnosed and treated, 2 not
treated (mostly undiagnosed, found by a diagnosis rate and screening), 3 after the complication.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

STAGE_NAMES = ("none", "controlled", "uncontrolled", "complicated")
N_STAGES = len(STAGE_NAMES)
# Who a prevalence indicator counts: the counter it divides by (``indicators.COUNTERS``), its unit.
DENOMINATORS = {
    "population": ("alive", "% of population"),
    "adults": ("adults", "% of adults"),
    "aged_40_plus": ("aged_40_plus", "% of 40+"),
    "women_50_plus": ("women_50_plus", "% of women 50+"),
}


@dataclass(frozen=True)
class Disease:
    """One chronic disease and what is particular to it."""

    name: str  # snake_case: indicator and parameter names derive from it
    specialty: str  # the specialist its follow-up refers to (``providers.Specialty`` value)
    denominator: str  # who its prevalence indicator counts (one of ``DENOMINATORS``)
    silent_stage: bool = False  # stage 2 is "not treated" rather than "uncontrolled" (see above)
    telemonitored_complications: bool = False  # telemonitoring lowers its 2 → 3 rate
    telemonitored_stays: bool = False  # telemonitoring lowers its hospital admissions
    fracture_episode: bool = False  # its acute episode is the complication itself: stage 3, and
    # the admission depends on the injury, not on who saw the patient first
    stay_may_worsen: bool = False  # a hospital stay may move the patient one stage up
    onset_raised_by: str = ""  # a disease whose patients have a higher onset hazard of this one
    pharmacist_followup: bool = False  # pharmacists' follow-up interviews cover it (the lever)
    avoidable_stays: bool = False  # its stays count as potentially avoidable (ambulatory-care
    # sensitive conditions)
    prevalence_label: str = ""  # what its prevalence indicator counts, in words
    # A disease added to the registry brings the figures of its per-disease parameters, by
    # parameter name (``by_disease``): e.g. ``{"worsen": 0.05, "excess_mortality": (0, ...), ...}``
    # and ``profile_pct``, ``stage_mix`` for the initial population. The four built-in diseases'
    # figures stay beside their parameters (``params.py``, ``population.py``), with their sources.
    figures: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        if not self.name.isidentifier() or self.name != self.name.lower():
            raise ValueError(f"Disease.name must be a lower-case identifier, got {self.name!r}")
        if self.denominator not in DENOMINATORS:
            raise ValueError(
                f"Disease {self.name}: denominator must be one of {', '.join(DENOMINATORS)}, "
                f"got {self.denominator!r}"
            )


REGISTRY: tuple[Disease, ...] = (
    Disease(
        "diabetes",
        specialty="endocrinology",
        denominator="population",
        telemonitored_complications=True,
        pharmacist_followup=True,
        avoidable_stays=True,
        prevalence_label="treated diabetes",
    ),
    Disease(
        "heart_failure",
        specialty="cardiology",
        denominator="adults",
        telemonitored_complications=True,
        telemonitored_stays=True,
        stay_may_worsen=True,
        onset_raised_by="diabetes",
        pharmacist_followup=True,
        avoidable_stays=True,
        prevalence_label="heart failure",
    ),
    Disease(
        "copd",
        specialty="pulmonology",
        denominator="aged_40_plus",
        pharmacist_followup=True,
        avoidable_stays=True,
        prevalence_label="treated COPD",
    ),
    Disease(
        "osteoporosis",
        specialty="rheumatology",
        denominator="population",
        silent_stage=True,
        fracture_episode=True,
        prevalence_label="densitometric osteoporosis, treated or not",
    ),
)


def names(registry: tuple[Disease, ...] | None = None) -> tuple[str, ...]:
    return tuple(d.name for d in (REGISTRY if registry is None else registry))


def index(name: str, registry: tuple[Disease, ...] | None = None) -> int:
    """Column of a disease by name; a clear error for an unknown one."""
    registry = REGISTRY if registry is None else registry
    for k, d in enumerate(registry):
        if d.name == name:
            return k
    raise KeyError(f"unknown disease {name!r}; known: {', '.join(names(registry))}")


class DiseaseRoles(NamedTuple):
    """What is particular to each disease, as arrays by disease column, for the kernels."""

    silent_stage: np.ndarray  # bool
    telemonitored_complications: np.ndarray  # bool
    telemonitored_stays: np.ndarray  # bool
    fracture_episode: np.ndarray  # bool
    stay_may_worsen: np.ndarray  # bool
    onset_raised_by: np.ndarray  # int64: column of the disease that raises the onset hazard, -1


def roles(registry: tuple[Disease, ...] | None = None) -> DiseaseRoles:
    registry = REGISTRY if registry is None else registry

    def flag(field: str) -> np.ndarray:
        return np.array([getattr(d, field) for d in registry], np.bool_)

    raised_by = [index(d.onset_raised_by, registry) if d.onset_raised_by else -1 for d in registry]
    return DiseaseRoles(
        silent_stage=flag("silent_stage"),
        telemonitored_complications=flag("telemonitored_complications"),
        telemonitored_stays=flag("telemonitored_stays"),
        fracture_episode=flag("fracture_episode"),
        stay_may_worsen=flag("stay_may_worsen"),
        onset_raised_by=np.array(raised_by, np.int64),
    )


def treated_stages(registry: tuple[Disease, ...] | None = None) -> np.ndarray:
    """bool (diseases × stages): whether a stage is treated (costs drugs and care). Every stage but
    0 is, except the silent stage 2 (untreated osteoporosis)."""
    registry = REGISTRY if registry is None else registry
    out = np.ones((len(registry), N_STAGES), np.bool_)
    out[:, 0] = False
    for k, d in enumerate(registry):
        if d.silent_stage:
            out[k, 2] = False
    return out


#: Disease names in column order.
DISEASES = names()


def by_disease(parameter: str, known: dict[str, Any]) -> tuple:
    """The default of a per-disease parameter, one entry per registry disease in column order.

    ``known`` holds the figures of the built-in diseases, written beside the parameter with their
    sources; a disease added to the registry brings its own in ``Disease.figures[parameter]``.
    """
    out = []
    for d in REGISTRY:
        if d.name in known:
            out.append(known[d.name])
        elif parameter in d.figures:
            out.append(d.figures[parameter])
        else:
            raise KeyError(
                f"disease {d.name!r} has no figure for {parameter}: give it in its registry entry "
                f"(Disease.figures[{parameter!r}])"
            )
    return tuple(out)


def register(disease: Disease) -> None:
    """Add a disease to the registry (a model with it is then built as with the four built-in
    ones). Counters, cost items and parameter defaults derive from the registry when their modules
    are imported, so this must run before the model is imported; it refuses otherwise."""
    global REGISTRY, DISEASES
    import sys

    if "territoire.model.indicators" in sys.modules:
        raise RuntimeError(
            "register diseases before importing the model (territoire.model.model and the stages "
            "derive their tables from the registry when imported)"
        )
    if disease.name in names():
        raise ValueError(f"disease {disease.name!r} is already registered")
    REGISTRY = (*REGISTRY, disease)
    DISEASES = names()
