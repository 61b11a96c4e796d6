"""How access changes health: the parameters of each link of the chain, with what backs their value
(evidence, calibration or assumption), the range a sensitivity analysis should explore, and the
source. ``territoire levers`` prints this table after the levers; the parameter classes
(``params.py``) carry the same sources next to the values.

The chain, in the order of the weekly step:

1. a due follow-up is sought each week with a probability that distance and the lack of a médecin
   traitant lower, a practice nurse or the programme raise (``demand.py``);
2. GP slots are shared first come, first served between follow-ups, routine needs (every other
   reason to see a GP) and the acute episodes the médecin traitant could not take; teleconsultation
   is chosen by some (``access.py``);
3. an overdue follow-up raises worsening, complication and acute episodes (``progression.py``,
   ``demand.py``);
4. an acute episode seen at the emergency department, or of a patient without a médecin traitant,
   ends in hospital more often (``events.py``); stays can end in death.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from territoire.model.params import GROUPS

KINDS = ("evidence", "calibrated", "assumption")


@dataclass(frozen=True)
class Link:
    group: str  # parameter group (``params.GROUPS``)
    name: str  # field of that group
    kind: str  # evidence: a cited effect size; calibrated: set to match a published figure;
    # assumption: our own order of magnitude
    low: float  # range for sensitivity analysis
    high: float
    source: str

    def default(self) -> float:
        """The parameter's default value (a step table ``((from, value), …)``: its first value; a
        value by disease: the first disease's)."""
        value = {f.name: f.default for f in fields(GROUPS[self.group])}[self.name]
        if isinstance(value, tuple):
            value = value[0][1] if isinstance(value[0], tuple) else value[0]
        return float(value)


ACCESS_TO_HEALTH: tuple[Link, ...] = (
    Link(
        "care",
        "followup_seek_per_week",
        "calibrated",
        0.03,
        0.15,
        "51 % (2013, SNIIRAM) to 56 % (2019, IRDES) of treated diabetics have 3 HbA1c tests a year",
    ),
    Link(
        "care",
        "followup_seek_without_gp_rr",
        "assumption",
        0.5,
        1.0,
        "nobody plans the next visit without a médecin traitant",
    ),
    Link(
        "care",
        "followup_seek_per_10_min",
        "assumption",
        0.8,
        1.0,
        "IRDES QES n° 219 (2016): distance deters consulting; ~0.5 %/min for planned visits",
    ),
    Link(
        "disease",
        "nurse_followup_rr",
        "evidence",
        1.2,
        2.0,
        "ASALEE: +12.7 points of diabetics with 3 HbA1c tests a year (IRDES QES n° 264)",
    ),
    Link(
        "disease",
        "enrolled_followup_rr",
        "assumption",
        1.0,
        1.6,
        "reminders and care pathways of a Kinzigtal-style programme",
    ),
    Link(
        "disease",
        "missed_followup_rr",
        "evidence",
        1.2,
        2.0,
        "missed visits: 24-64 % greater odds of poor glycaemic control (BMJ Open DRC 2021)",
    ),
    Link(
        "disease",
        "acute_missed_followup_rr",
        "evidence",
        1.1,
        1.6,
        "HF readmission without early follow-up HR 1/0.85 (Hernandez, JAMA 2010); COPD 1/0.86",
    ),
    Link(
        "disease",
        "no_gp_admission_rr",
        "evidence",
        1.05,
        1.3,
        "continuity: 12.5 % fewer ACSC admissions, high vs low (Barker et al., BMJ 2017;356:j84)",
    ),
    Link(
        "disease",
        "hospitalisation_if_emergency_rr",
        "evidence",
        1.2,
        2.5,
        "ED 20 % vs GP 5 % admitted (DREES); GPs admit 45 % fewer (Murphy et al., BMJ 1996)",
    ),
    Link(
        "disease",
        "detection_per_visit",
        "calibrated",
        0.02,
        0.08,
        "keeps 23 % of diabetics undiagnosed (Esteban 2014-16); HF 0.11, COPD 0.03 likewise",
    ),
    Link(
        "care",
        "tele_choice_by_age",
        "calibrated",
        0.01,
        0.04,
        "teleconsultations 2.2 % of rural GP activity, 3.7 % in France (DREES ER 1249, 2021)",
    ),
    Link(
        "care",
        "tele_choice_per_10_min",
        "assumption",
        1.0,
        1.3,
        "a video call saves more of a longer journey",
    ),
    Link(
        "care",
        "other_causes_stays_per_1000_year",
        "evidence",
        230.0,
        320.0,
        "DREES: 18.9 M short stays in 2022 (~278 per 1,000), less the four diseases' ~6",
    ),
    Link(
        "care",
        "other_causes_emergency_visits_per_1000_year",
        "evidence",
        240.0,
        320.0,
        "DREES SAE 2023: 20.9 M emergency visits (~307 per 1,000), less the four diseases' ~27",
    ),
    Link(
        "cost",
        "multimorbid_other_share",
        "evidence",
        0.3,
        1.0,
        "disease-attributable spending 0.41 of diabetics' total (Ricordeau et al. 2000, Cnam)",
    ),
    Link(
        "cost",
        "other_care_per_inhabitant_year_eur",
        "evidence",
        2_400.0,
        3_250.0,
        "DREES CSBM 2023: €3,660 per inhabitant, less the ~€800 the model counts",
    ),
)


def table() -> list[dict]:
    """The links as rows: group, parameter, default, kind, range, source."""
    return [
        {
            "group": link.group,
            "parameter": link.name,
            "default": link.default(),
            "kind": link.kind,
            "low": link.low,
            "high": link.high,
            "source": link.source,
        }
        for link in ACCESS_TO_HEALTH
    ]
