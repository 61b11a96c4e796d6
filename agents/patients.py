"""Patients: every inhabitant as one slot in a struct of numpy arrays (stepped by numba kernels).

A slot is a place in the arrays, not a person forever: when someone dies, the slot is refilled by a
newcomer (birth or arrival) so that the arrays keep their size and the population stays stable.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import NamedTuple

import numpy as np

# DISEASES, N_STAGES and STAGE_NAMES are re-exported: most modules read them from here
from territoire.model.diseases import DISEASES, N_STAGES, STAGE_NAMES, index  # noqa: F401

# Diseases, in the column order of ``stage`` and ``weeks_since_followup``: the registry's
# (``model/diseases.py``), where stages are explained. The four columns by name, for the code that
# reads their published figures (population synthesis, levers); kernels never test a column.
DIABETES, HEART_FAILURE, COPD, OSTEOPOROSIS = (
    index(n) for n in ("diabetes", "heart_failure", "copd", "osteoporosis")
)

MOBILITY_CAR, MOBILITY_LIMITED, MOBILITY_NONE = 0, 1, 2
MOBILITY_NAMES = ("car", "limited", "none")
MALE, FEMALE = 0, 1
NO_GP = -1

WEEKS_PER_YEAR = 52


def overdue_dtype(n_diseases: int) -> type:
    """The smallest unsigned integer with a bit per disease (``PatientArrays.overdue``)."""
    for dtype in (np.uint8, np.uint16, np.uint32, np.uint64):
        if n_diseases <= 8 * np.dtype(dtype).itemsize:
            return dtype
    raise ValueError(f"at most 64 diseases, got {n_diseases}")


@dataclass(eq=False)
class Patients:
    """One array per attribute, smallest dtype that holds it."""

    age_weeks: np.ndarray  # int16, age in weeks (0 … 32,767 ≈ 630 years)
    sex: np.ndarray  # int8, MALE / FEMALE
    commune: np.ndarray  # int16, row in the territory's commune table
    vulnerable: np.ndarray  # bool, precarity or isolation
    mobility: np.ndarray  # int8, MOBILITY_CAR / LIMITED / NONE
    digital: np.ndarray  # bool, can use a teleconsultation
    stage: np.ndarray  # int8 (n, 4), per disease, 0 … 3
    # int16 (n, 4), weeks since the last follow-up visit per disease
    weeks_since_followup: np.ndarray
    # bool (n, 4), per disease: has it (stage > 0) but it is not diagnosed yet; found at a contact
    # with care or a hospital stay
    undiagnosed: np.ndarray
    gp: np.ndarray  # int32, index of the médecin traitant, NO_GP if none
    enrolled: np.ndarray  # bool, in the coordinated care programme
    telemonitored: np.ndarray  # bool, heart-failure / diabetes telemonitoring
    alive: np.ndarray  # bool
    pending_routine: np.ndarray  # int8, weeks a routine need has waited unmet (0: none pending)

    def __post_init__(self) -> None:
        n = self.age_weeks.shape[0]
        for f in fields(self):
            arr = getattr(self, f.name)
            if arr.shape[0] != n:
                raise ValueError(f"Patients.{f.name} has {arr.shape[0]} rows, expected {n}")
            if not arr.flags.c_contiguous:
                setattr(self, f.name, np.ascontiguousarray(arr))

    def __len__(self) -> int:
        return self.age_weeks.shape[0]

    @property
    def age_years(self) -> np.ndarray:
        return self.age_weeks // WEEKS_PER_YEAR

    def kernel_view(
        self, event: np.ndarray, acute: np.ndarray, overdue: np.ndarray | None = None
    ) -> PatientArrays:
        """The arrays as the stage kernels take them, with the week's ``event`` flags, ``acute``
        episode and ``overdue`` follow-ups (the model's per-patient scratch of the week; a fresh
        ``overdue`` if none is given)."""
        if overdue is None:
            overdue = np.zeros(len(self), overdue_dtype(self.stage.shape[1]))
        return PatientArrays(
            alive=self.alive,
            age_weeks=self.age_weeks,
            sex=self.sex,
            commune=self.commune,
            vulnerable=self.vulnerable,
            mobility=self.mobility,
            digital=self.digital,
            stage=self.stage,
            weeks_since=self.weeks_since_followup,
            undiagnosed=self.undiagnosed,
            gp=self.gp,
            enrolled=self.enrolled,
            telemonitored=self.telemonitored,
            pending_routine=self.pending_routine,
            event=event,
            acute=acute,
            overdue=overdue,
        )

    def arrays(self) -> dict[str, np.ndarray]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def copy(self) -> Patients:
        return Patients(**{k: v.copy() for k, v in self.arrays().items()})

    def equals(self, other: Patients) -> bool:
        return all(
            np.array_equal(a, b) for a, b in zip(self.arrays().values(), other.arrays().values())
        )

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for a in self.arrays().values())

    @classmethod
    def empty(cls, n: int) -> Patients:
        return cls(
            age_weeks=np.zeros(n, np.int16),
            sex=np.zeros(n, np.int8),
            commune=np.zeros(n, np.int16),
            vulnerable=np.zeros(n, np.bool_),
            mobility=np.zeros(n, np.int8),
            digital=np.zeros(n, np.bool_),
            stage=np.zeros((n, len(DISEASES)), np.int8),
            weeks_since_followup=np.zeros((n, len(DISEASES)), np.int16),
            undiagnosed=np.zeros((n, len(DISEASES)), np.bool_),
            gp=np.full(n, NO_GP, np.int32),
            enrolled=np.zeros(n, np.bool_),
            telemonitored=np.zeros(n, np.bool_),
            alive=np.ones(n, np.bool_),
            pending_routine=np.zeros(n, np.int8),
        )


class PatientArrays(NamedTuple):
    """Every patient's state as the stage kernels read and write it, by name (a ``NamedTuple``
    passes through numba at the speed of positional arguments). Built each week by
    ``Patients.kernel_view``; the arrays are the patients' own, not copies."""

    alive: np.ndarray  # bool
    age_weeks: np.ndarray  # int16, weeks
    sex: np.ndarray  # int8, MALE / FEMALE
    commune: np.ndarray  # int16, commune row
    vulnerable: np.ndarray  # bool
    mobility: np.ndarray  # int8, MOBILITY_*
    digital: np.ndarray  # bool
    stage: np.ndarray  # int8 (n, diseases)
    weeks_since: np.ndarray  # int16 (n, diseases), weeks since the last follow-up
    undiagnosed: np.ndarray  # bool (n, diseases): has the disease, not diagnosed yet
    gp: np.ndarray  # int32, médecin traitant or NO_GP
    enrolled: np.ndarray  # bool, in the coordinated care programme
    telemonitored: np.ndarray  # bool
    pending_routine: np.ndarray  # int8, weeks an unmet routine need has waited
    event: np.ndarray  # uint32, this week's event flags (``events_codes``), reset by demography
    acute: np.ndarray  # int8, disease of this week's acute episode, -1 if none
    # bit d: the follow-up of disease d was overdue when this week's demand formed (written by the
    # demand stage for the patients with a disease; read by the counters instead of the clocks)
    overdue: np.ndarray
