"""The registry of random-draw slots: which decision each ``uniform(key, patient, week, slot)`` is.

A draw is a pure function of (process key, patient, week, slot) (``rng.py``), so two decisions of
one process that share a slot would get the same number: silently correlated. Every slot is
declared here, once, by process, and ``tests/test_rng.py`` checks that no two ever collide and that
all stay below ``SLOT_LIMIT`` (``uniform`` mixes ``week << 8`` with the slot, so a slot of 256 or
more would read another week's draw).

A decision taken once per disease has a *block* of slots. The first ``LEGACY_DISEASES`` diseases
keep the slots they have always had (``first + d``), so futures do not move; a disease past them
draws from its block's own range above ``EXTRA_BASE``. Adding a disease therefore never changes the
draws of the others (common random numbers across disease sets too).
"""

from __future__ import annotations

from dataclasses import dataclass

from numba import njit

SLOT_LIMIT = 256
LEGACY_DISEASES = 4  # diabetes, heart failure, COPD, osteoporosis: slots first + d
EXTRA_BASE = 64  # diseases from the fifth on: EXTRA_BASE + EXTRA_WIDTH * block + (d - 4)
EXTRA_WIDTH = 32  # up to 4 + 32 diseases


@dataclass(frozen=True)
class Slot:
    process: str  # the key's process name (``TerritoryModel.keys``)
    name: str  # the decision
    first: int  # its slot, or the first of its block
    block: int = -1  # per-disease decisions: the block's number within its process; -1: one slot


SLOTS: tuple[Slot, ...] = (
    Slot("demography", "death", 0),
    Slot("newcomer", "sex", 0),
    Slot("newcomer", "vulnerable", 1),
    Slot("newcomer", "mobility", 2),
    Slot("newcomer", "digital", 3),
    Slot("onset", "which_disease", 0),
    Slot("onset", "uncontrolled_at_onset", 1, block=0),
    Slot("progression", "transition", 0, block=0),
    Slot("demand", "acute_episode", 0, block=0),
    Slot("demand", "routine_need", 8),
    Slot("demand", "followup_sought", 9),
    Slot("access", "teleconsultation_followup", 12),
    Slot("access", "teleconsultation_routine", 13),
    Slot("access", "teleconsultation_chosen", 14),
    Slot("access", "referral", 16, block=0),
    Slot("access", "out_of_hours", 20),
    Slot("events", "admission", 0),
    Slot("events", "death_in_hospital", 1),
    Slot("events", "stay_worsens", 2),
    Slot("events", "diagnosis", 8, block=0),  # an undiagnosed disease found at a contact
    # "policy": drawn at week 0 only, so that who a lever covers never reshuffles
    Slot("policy", "transport", 1),
    Slot("policy", "nursing_home", 2),
    Slot("policy", "telemonitoring", 10),
    Slot("policy", "programme", 11),
    Slot("policy", "gp_joins", 20),  # by GP slot: who joins a CPTS or an MSP
    Slot("workforce.leave", "departure", 0),  # by GP slot
    Slot("workforce.install", "installation", 0),
)


def _slot(process: str, name: str) -> Slot:
    for s in SLOTS:
        if s.process == process and s.name == name:
            return s
    raise KeyError(f"no draw slot {process}/{name}")


def slot(process: str, name: str) -> int:
    """The slot of a once-per-patient decision."""
    s = _slot(process, name)
    if s.block >= 0:
        raise ValueError(f"{process}/{name} is drawn per disease: use disease_block")
    return s.first


def disease_block(process: str, name: str) -> tuple[int, int]:
    """(first, block) of a per-disease decision, for ``disease_slot``."""
    s = _slot(process, name)
    if s.block < 0:
        raise ValueError(f"{process}/{name} is one slot: use slot")
    return s.first, s.block


@njit(cache=True, inline="always")
def disease_slot(first, block, d):
    """Slot of disease ``d`` in a per-disease block (see the module docstring)."""
    if d < LEGACY_DISEASES:
        return first + d
    return EXTRA_BASE + EXTRA_WIDTH * block + (d - LEGACY_DISEASES)


def used_slots(process: str, n_diseases: int) -> list[tuple[int, str]]:
    """Every (slot, decision) of a process for a model with ``n_diseases`` diseases."""
    out = []
    for s in SLOTS:
        if s.process != process:
            continue
        if s.block < 0:
            out.append((s.first, s.name))
        else:
            out += [
                (disease_slot(s.first, s.block, d), f"{s.name}[{d}]") for d in range(n_diseases)
            ]
    return out


def processes() -> tuple[str, ...]:
    return tuple(dict.fromkeys(s.process for s in SLOTS))


# The slots the kernels use, as module constants (numba reads them at compile time).
DEATH = slot("demography", "death")
NEWCOMER_SEX, NEWCOMER_VULNERABLE, NEWCOMER_MOBILITY, NEWCOMER_DIGITAL = (
    slot("newcomer", n) for n in ("sex", "vulnerable", "mobility", "digital")
)
ONSET_WHICH = slot("onset", "which_disease")
ONSET_UNCONTROLLED, ONSET_UNCONTROLLED_BLOCK = disease_block("onset", "uncontrolled_at_onset")
PROGRESSION, PROGRESSION_BLOCK = disease_block("progression", "transition")
ACUTE_EPISODE, ACUTE_EPISODE_BLOCK = disease_block("demand", "acute_episode")
ROUTINE_NEED = slot("demand", "routine_need")
FOLLOWUP_SOUGHT = slot("demand", "followup_sought")
TELE_FOLLOWUP = slot("access", "teleconsultation_followup")
TELE_ROUTINE = slot("access", "teleconsultation_routine")
TELE_CHOSEN = slot("access", "teleconsultation_chosen")
REFERRAL, REFERRAL_BLOCK = disease_block("access", "referral")
OUT_OF_HOURS = slot("access", "out_of_hours")
DIAGNOSIS, DIAGNOSIS_BLOCK = disease_block("events", "diagnosis")
ADMISSION = slot("events", "admission")
DEATH_IN_HOSPITAL = slot("events", "death_in_hospital")
STAY_WORSENS = slot("events", "stay_worsens")
TRANSPORT = slot("policy", "transport")
NURSING_HOME = slot("policy", "nursing_home")
TELEMONITORING = slot("policy", "telemonitoring")
PROGRAMME = slot("policy", "programme")
GP_JOINS = slot("policy", "gp_joins")
DEPARTURE = slot("workforce.leave", "departure")
INSTALLATION = slot("workforce.install", "installation")
