"""Model parameters as frozen dataclasses: units in the names, a source or 'assumption' on each
value.

Each class checks its values in ``__post_init__`` (``territoire.model.validation``): a wrong type,
shape or range raises ``ParameterError`` naming the class and the field.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np

from territoire.model.diseases import by_disease
from territoire.model.validation import (
    NON_NEGATIVE,
    PER_DISEASE,
    PER_SEX,
    PER_STAGE,
    POSITIVE,
    PROBABILITY,
    ParameterError,
    Range,
    check_fields,
    number,
    per,
    steps,
    table,
)

# The kernels read follow-up intervals as int16 (``CareParams.tables``) and a routine need's weeks
# of waiting as int8 (``Patients.pending_routine``): larger values would wrap around.
INT16_MAX = int(np.iinfo(np.int16).max)
INT8_MAX = int(np.iinfo(np.int8).max)


def with_overrides(params: Any, **overrides: Any) -> Any:
    """A copy of a parameter dataclass with some values changed; unknown names are refused."""
    allowed = {f.name for f in fields(params)}
    unknown = sorted(set(overrides) - allowed)
    if unknown:
        raise ParameterError(
            f"{type(params).__name__}: unknown parameter(s) {', '.join(unknown)}; "
            f"allowed: {', '.join(sorted(allowed))}"
        )
    return replace(params, **overrides)


@dataclass(frozen=True, slots=True)
class AccessParams:
    """How far patients travel to a GP, by mobility class (minutes by road, one way)."""

    # assumption: 30 min by car, the usual threshold of French access-to-care studies
    reach_car_min: float = 30.0
    # assumption: limited mobility (lifts from relatives, occasional transport)
    reach_limited_min: float = 15.0
    reach_none_min: float = 10.0  # assumption: no car: the own commune and the next village

    def __post_init__(self) -> None:
        minutes = number(NON_NEGATIVE)
        check_fields(
            self,
            {
                "reach_car_min": minutes,
                "reach_limited_min": minutes,
                "reach_none_min": minutes,
            },
        )

    def reach_by_mobility(self) -> tuple[float, float, float]:
        return (self.reach_car_min, self.reach_limited_min, self.reach_none_min)


def _table(rows) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(rows, dtype=np.float64))


# Rows: diabetes, heart failure, COPD, osteoporosis. Columns: stage 0 (none) … 3 (complicated).
@dataclass(frozen=True, slots=True)
class DiseaseParams:
    """Disease dynamics. Rates are per year; kernels turn them into weekly probabilities."""

    # assumption: Gompertz background mortality q(age) = a·exp(b·age), fitted by eye to INSEE life
    # tables (q80 ≈ 4 % men, 2.4 % women, for people without the modelled diseases); plus a floor
    # for the young
    mortality_gompertz_a: tuple[float, float] = (2.0e-5, 1.2e-5)  # men, women
    mortality_gompertz_b: float = 0.095
    mortality_floor: float = 3e-4
    # assumption: excess mortality per year by stage, set so that a 10-year baseline keeps the
    # published annual mortality of heart failure (16.6 %, Cnam) and treated COPD (6.7 %,
    # Laurendeau 2015)
    excess_mortality: tuple[tuple[float, ...], ...] = by_disease(
        "excess_mortality",
        {
            "diabetes": (0.0, 0.004, 0.012, 0.040),
            "heart_failure": (0.0, 0.050, 0.110, 0.240),
            "copd": (0.0, 0.012, 0.040, 0.110),
            "osteoporosis": (0.0, 0.0, 0.0, 0.010),
        },
    )
    # assumption: stage transitions per year (1→2 worsening, 2→1 regained control, 2→3 complication)
    # of a patient whose follow-up is up to date. Population-average rates of 0.10, 0.12, 0.06
    # (worsening), 0.30, 0.15, 0.10 (regain) and 0.04, 0.08, 0.06 (complication) turned into rates
    # for the up to date: ÷ (1 + f·(missed_followup_rr − 1)) for worsening and complication, ×
    # (1 − f + f / missed_followup_rr)⁻¹ for regain, with f the baseline share overdue (~0.5 for
    # diabetes and heart failure, ~0.2 for COPD; ``followup_up_to_date_*``)
    worsen: tuple[float, ...] = by_disease(
        "worsen",
        {
            "diabetes": 0.08,
            "heart_failure": 0.096,
            "copd": 0.054,
            "osteoporosis": 0.10,  # osteoporosis 1→2: treatment stopped (no follow-up effect)
        },
    )
    regain: tuple[float, ...] = by_disease(
        "regain",
        {
            "diabetes": 0.36,
            "heart_failure": 0.18,
            "copd": 0.108,
            "osteoporosis": 0.0,
        },
    )
    # osteoporosis reaches 3 by a fracture only
    complicate: tuple[float, ...] = by_disease(
        "complicate",
        {
            "diabetes": 0.032,
            "heart_failure": 0.064,
            "copd": 0.054,
            "osteoporosis": 0.0,
        },
    )
    # assumption: untreated → treated per year, opportunistic diagnosis
    osteoporosis_diagnosis: float = 0.03
    # Probability that a contact with a GP (a visit or teleconsultation for any reason, acute
    # episodes included) diagnoses a case not diagnosed yet (a hospital stay for the disease always
    # does). Calibrated (assumption) so that the baseline keeps the undiagnosed shares of
    # ``PopulationParams`` (23 % of diabetics, 20 % of heart failure, 30 % of COPD): fewer contacts
    # mean later diagnosis. Range ×0.5-×2.
    detection_per_visit: tuple[float, ...] = by_disease(
        "detection_per_visit",
        {
            "diabetes": 0.04,
            "heart_failure": 0.11,
            "copd": 0.03,
            "osteoporosis": 0.0,  # its silent stage: osteoporosis_diagnosis
        },
    )
    # assumption: share of new cases starting uncontrolled (osteoporosis: undiagnosed)
    onset_stage2_share: tuple[float, ...] = by_disease(
        "onset_stage2_share",
        {
            "diabetes": 0.3,
            "heart_failure": 0.4,
            "copd": 0.0,
            "osteoporosis": 1.0,
        },
    )
    # Worsening and complication × this, regaining control ÷ this, when follow-up is overdue.
    # Evidence: diabetics who miss their appointments have 24-64 % greater odds of poor glycaemic
    # control (review, BMJ Open Diabetes Res Care 2021;9:e001819; Karter et al., Med Care 2004:
    # HbA1c +0.7 points when > 30 % of visits are missed). Range 1.2-2.0.
    missed_followup_rr: float = 1.5
    overdue_factor: float = 1.5  # follow-up counts as missed beyond 1.5 × its interval
    # assumption after Gesundes Kinzigtal: worsening/complication ×0.75 in the programme
    enrolled_rr: float = 0.75
    enrolled_regain_rr: float = 1.3  # assumption
    nurse_regain_rr: float = 1.2  # assumption after ASALEE evaluations (better HbA1c control)
    # on the weekly probability of seeking a due follow-up, for the patients of a GP working with
    # an ASALEE-type practice nurse, who plans and chases the reviews: with it the share of
    # diabetics up to date rises by ~13 points, as ASALEE raised the share with three HbA1c tests a
    # year (IRDES, Questions d'économie de la santé n° 264; evidence; range 1.2-2.0)
    nurse_followup_rr: float = 1.6
    # on the same probability in the coordinated care programme (reminders, care pathways;
    # assumption after Gesundes Kinzigtal; range 1.0-1.6)
    enrolled_followup_rr: float = 1.3
    telemonitoring_complication_rr: float = 0.8  # assumption
    # acute episodes per year by stage: severe hypo/hyperglycaemia, HF decompensation, COPD
    # exacerbation (mean ~1.7/yr in treated COPD, Laurendeau 2015), fragility fracture; for a
    # patient whose follow-up is up to date (the population rates (0.02, 0.08, 0.20), (0.15, 0.45,
    # 1.0), (1.2, 2.5, 4.0) ÷ (1 + f·(acute_missed_followup_rr − 1)), f as for ``worsen``)
    acute_rate: tuple[tuple[float, ...], ...] = by_disease(
        "acute_rate",
        {
            "diabetes": (0.0, 0.017, 0.07, 0.174),
            "heart_failure": (0.0, 0.13, 0.39, 0.87),
            "copd": (0.0, 1.13, 2.35, 3.75),
            "osteoporosis": (0.0, 0.015, 0.03, 0.06),
        },
    )
    # on acute episodes when follow-up is overdue. Evidence: heart-failure readmission ~1.2× without
    # early follow-up (Hernandez et al., JAMA 2010;303:1716: HR 0.85 with it; Lee et al., Med Care
    # 2016: OR 0.81), COPD emergency visits 1.16× (Sharma et al., Arch Intern Med 2010: HR 0.86),
    # diabetics missing visits 60 % more readmissions (BMJ Open DRC 2021). Range 1.1-1.6.
    acute_missed_followup_rr: float = 1.3
    acute_enrolled_rr: float = 0.8  # assumption
    # probability that an acute episode seen by a GP in time still ends in hospital (assumption,
    # set so that HF hospitalisation ≈ 339 per 100,000 adults and COPD stays ≈ 5 % of the treated
    # COPD patients per year; the stays of undiagnosed cases, which diagnose them, included)
    hospitalisation_if_gp: tuple[tuple[float, ...], ...] = by_disease(
        "hospitalisation_if_gp",
        {
            "diabetes": (0.0, 0.075, 0.15, 0.22),
            "heart_failure": (0.0, 0.125, 0.2, 0.29),
            "copd": (0.0, 0.004, 0.014, 0.034),
            # fractures: hip fractures (~45 % of the total) are operated in hospital
            "osteoporosis": (0.0, 0.45, 0.45, 0.45),
        },
    )
    # on that probability when the episode went to SAS / the emergency department: DREES finds 20 %
    # of emergency visits admitted against 5 % of urgent GP visits (a crude ratio of 4, partly case
    # mix); in a randomised trial GPs admitted 45 % fewer of similar patients than the emergency
    # department's doctors (Murphy et al., BMJ 1996;312:1135). Evidence; range 1.2-2.5.
    hospitalisation_if_emergency_rr: float = 1.8
    # on the probability that an acute episode ends in hospital, for a patient without a médecin
    # traitant: continuity of care lowers admissions for ambulatory-care-sensitive conditions
    # (Barker et al., BMJ 2017;356:j84; Tammes et al., Ann Fam Med 2017;15:515; evidence; range
    # 1.05-1.3)
    no_gp_admission_rr: float = 1.15
    # assumption after TIM-HF2 (fewer days lost to HF hospitalisation)
    telemonitoring_hospitalisation_rr: float = 0.7
    # assumption: in-stay mortality by cause
    death_in_hospital: tuple[float, ...] = by_disease(
        "death_in_hospital",
        {
            "diabetes": 0.02,
            "heart_failure": 0.07,
            "copd": 0.05,
            "osteoporosis": 0.05,
        },
    )
    # assumption: a HF stay moves the patient one stage up with this probability
    hf_hospital_worsen: float = 0.3
    # Health utility (QALY weight) lost per disease by stage, additive from 1 (floor 0.05):
    # assumption after EQ-5D catalogues (Sullivan et al. 2006): diabetes 0.05-0.2, HF 0.1-0.35,
    # COPD 0.05-0.25, osteoporosis after a fracture 0.1
    utility_decrement: tuple[tuple[float, ...], ...] = by_disease(
        "utility_decrement",
        {
            "diabetes": (0.0, 0.05, 0.10, 0.20),
            "heart_failure": (0.0, 0.10, 0.20, 0.35),
            "copd": (0.0, 0.05, 0.12, 0.25),
            "osteoporosis": (0.0, 0.0, 0.02, 0.10),
        },
    )

    def __post_init__(self) -> None:
        rate = per(PER_DISEASE, number(NON_NEGATIVE))  # per year
        probability = per(PER_DISEASE, number(PROBABILITY))
        rr = number(POSITIVE)
        check_fields(
            self,
            {
                "mortality_gompertz_a": per(PER_SEX, number(NON_NEGATIVE)),
                "mortality_gompertz_b": number(NON_NEGATIVE),
                # weekly_death_table caps the Gompertz term at 0.6 a year and adds the floor to it:
                # the sum must stay a probability
                "mortality_floor": number(
                    Range(0.0, 0.4), why="the background risk, capped at 0.6, plus it must be <= 1"
                ),
                "excess_mortality": table(PER_DISEASE, PER_STAGE, PROBABILITY),
                "worsen": rate,
                "regain": rate,
                "complicate": rate,
                "osteoporosis_diagnosis": number(NON_NEGATIVE),
                "detection_per_visit": probability,
                "onset_stage2_share": probability,
                "missed_followup_rr": rr,
                "overdue_factor": number(POSITIVE),
                "enrolled_rr": rr,
                "enrolled_regain_rr": rr,
                "nurse_regain_rr": rr,
                "nurse_followup_rr": rr,
                "enrolled_followup_rr": rr,
                "no_gp_admission_rr": rr,
                "telemonitoring_complication_rr": rr,
                "acute_rate": table(PER_DISEASE, PER_STAGE, NON_NEGATIVE),
                "acute_missed_followup_rr": rr,
                "acute_enrolled_rr": rr,
                "hospitalisation_if_gp": table(PER_DISEASE, PER_STAGE, PROBABILITY),
                "hospitalisation_if_emergency_rr": rr,
                "telemonitoring_hospitalisation_rr": rr,
                "death_in_hospital": probability,
                "hf_hospital_worsen": number(PROBABILITY),
                "utility_decrement": table(PER_DISEASE, PER_STAGE, PROBABILITY),
            },
        )

    def tables(self) -> dict:
        import numpy as np

        return {
            "gompertz_a": np.asarray(self.mortality_gompertz_a, float),
            "excess_mortality": _table(self.excess_mortality),
            "worsen": _table(self.worsen),
            "regain": _table(self.regain),
            "complicate": _table(self.complicate),
            "onset_stage2_share": _table(self.onset_stage2_share),
            "detection_per_visit": _table(self.detection_per_visit),
            "acute_rate": _table(self.acute_rate),
            "hospitalisation_if_gp": _table(self.hospitalisation_if_gp),
            "death_in_hospital": _table(self.death_in_hospital),
        }


@dataclass(frozen=True, slots=True)
class CareParams:
    """Care demand and how it reaches providers."""

    # follow-up interval in weeks by stage (0: no planned follow-up); source: HAS guides (quarterly
    # diabetes review, HF and COPD visits by severity); osteoporosis: yearly review when treated
    # (assumption)
    followup_weeks: tuple[tuple[int, ...], ...] = by_disease(
        "followup_weeks",
        {
            "diabetes": (0, 13, 8, 6),
            "heart_failure": (0, 13, 6, 4),
            "copd": (0, 26, 13, 8),
            "osteoporosis": (0, 52, 0, 26),
        },
    )
    # assumption: GP visits per person-year at consumption weight 1 for every reason other than the
    # chronic follow-up of the four diseases (other conditions, prevention, certificates), set so
    # that the baseline's GP visits are ~3.3 per inhabitant a year, the DREES APL mean of 2022
    # (``population/care_use.csv``)
    routine_visits_per_year: float = 2.95
    # Follow-up as people really seek it (``demand.py``). A patient whose chronic follow-up is due
    # asks for it in a given week with this probability: few go on the day it falls due, some let
    # months pass. Calibration (assumption): set so that about half of the treated diabetics are up
    # to date at baseline (seen within ``overdue_factor`` × their interval), as 51 % (2013, SNIIRAM)
    # to 56 % (2019, IRDES) of treated diabetics had the three HbA1c tests a year the guidelines
    # ask for (``population/care_use.csv``). Range for sensitivity analysis: 0.03-0.15.
    followup_seek_per_week: float = 0.057
    # on that probability without a médecin traitant: nobody plans the next visit or calls the
    # patient back (assumption; range 0.5-1.0)
    followup_seek_without_gp_rr: float = 0.7
    # on that probability per 10 minutes by road from home to the nearest GP: use of GP care falls
    # with distance: ~0.5 % less per minute for planned visits (assumption after IRDES QES n° 219,
    # 2016, and distance-decay studies of GP use; range 0.8-1.0)
    followup_seek_per_10_min: float = 0.95
    # assumption: acute episodes arising on evenings, nights and weekends, when practices are closed
    out_of_hours_share: float = 0.35
    # All-cause background, so that totals compare with published figures (``results.py``): the
    # hospital stays and emergency visits of every cause the model does not simulate, per 1,000
    # inhabitants a year. DREES: 18.9 M short-stay hospital stays in 2022 (~278 per 1,000) and
    # 20.9 M emergency visits in 2023 (~307 per 1,000), less what the model's acute episodes of the
    # four diseases make at baseline (~6 stays and ~27 emergency visits per 1,000). National
    # rates, not standardised for the territory's age (range ±15 %).
    other_causes_stays_per_1000_year: float = 272.0
    other_causes_emergency_visits_per_1000_year: float = 280.0
    # assumption: a routine need unmet for 4 weeks is given up (renoncement)
    routine_give_up_weeks: int = 4
    # assumption: most of a GP's week that may go to teleconsultations (post-2020 order of
    # magnitude)
    tele_share: float = 0.03
    tele_visit_cost: float = 0.8  # assumption: a teleconsultation takes 80 % of a visit's time
    # assumption: share of digital patients who accept a teleconsultation when no visit is possible
    tele_uptake: float = 0.25
    # Teleconsultation as a chosen mode: the probability that a patient able to use one (digital)
    # asks for a teleconsultation first, by age (the first row whose age is reached). Patients aged
    # 15-44 make 45.2 % of GP teleconsultations against 28.7 % of office visits (DREES ER 1249):
    # their odds of choosing one are ~2.05 × the others'. The level is calibrated (assumption) so
    # that teleconsultations are ~2.2 % of the GP visits of the embedded rural territory, as DREES
    # measured in rural areas in 2021 (3.7 % in France). Range of the level: ×0.5-×2.
    tele_choice_by_age: tuple[tuple[float, float], ...] = ((0.0, 0.02), (15.0, 0.041), (45.0, 0.02))
    # on that probability per 10 minutes by road to the nearest GP: the further the practice, the
    # more a video call saves (assumption; range 1.0-1.3)
    tele_choice_per_10_min: float = 1.1
    # teleconsultations per week offered by platforms outside the territory's GPs
    tele_platform_per_week: float = 0.0
    # assumption: probability that a follow-up visit at the guideline interval leads to a
    # referral; a visit k times later than its interval refers with k times this probability (the
    # referrals a year do not depend on how the visits are spread)
    specialist_referral: tuple[tuple[float, ...], ...] = by_disease(
        "specialist_referral",
        {
            "diabetes": (0.0, 0.02, 0.05, 0.15),
            "heart_failure": (0.0, 0.05, 0.10, 0.20),
            "copd": (0.0, 0.02, 0.08, 0.15),
            "osteoporosis": (0.0, 0.01, 0.0, 0.10),
        },
    )
    # share of referrals answered by tele-expertise instead of a visit
    tele_expertise_share: float = 0.0
    # Specialist queues. A site's consultations serve many conditions and patients from elsewhere;
    # this share of them goes to the referrals the model generates (rows as above: diabetes →
    # endocrinology, heart failure → cardiology, COPD → pulmonology, osteoporosis → rheumatology).
    # Assumption, set so that the seed-42 baseline's waits in its first policy year are near the
    # mean waits DREES measured in 2016-17 (Études et Résultats n° 1085, Oct. 2018): cardiology 50
    # days (7.1 weeks), rheumatology 45 days (6.4 weeks). Endocrinology and pulmonology, not
    # published there, are set to the same order (assumption). Scaled by the referral flows of the
    # baseline once follow-up became imperfect and cases undiagnosed (×0.91, 0.82, 0.85, 0.71 of
    # 0.35, 0.17, 0.105, 0.16), so that the waits stay where they were calibrated.
    specialist_referral_share: tuple[float, ...] = by_disease(
        "specialist_referral_share",
        {
            "diabetes": 0.32,
            "heart_failure": 0.139,
            "copd": 0.089,
            "osteoporosis": 0.114,
        },
    )
    # assumption: share of the referrals still waiting that leave a queue each week (a specialist
    # further away, a private clinic, or giving up): ~1/50, a mean of about a year before leaving.
    # It keeps a queue finite when referrals outrun capacity: it settles where the leavers make up
    # the excess, at (1 - leave)·(referrals - capacity)/leave
    referral_leave_per_week: float = 0.02

    def __post_init__(self) -> None:
        share = number(PROBABILITY)
        check_fields(
            self,
            {
                "followup_weeks": table(PER_DISEASE, PER_STAGE, Range(0, INT16_MAX), integer=True),
                "routine_visits_per_year": number(NON_NEGATIVE),
                "followup_seek_per_week": share,
                "followup_seek_without_gp_rr": number(POSITIVE),
                "followup_seek_per_10_min": number(POSITIVE),
                "tele_choice_by_age": steps(number(NON_NEGATIVE), number(PROBABILITY), first=0.0),
                "tele_choice_per_10_min": number(POSITIVE),
                "out_of_hours_share": share,
                "other_causes_stays_per_1000_year": number(NON_NEGATIVE),
                "other_causes_emergency_visits_per_1000_year": number(NON_NEGATIVE),
                # a need is given up when its weeks of waiting reach this: 0 would drop it unseen
                "routine_give_up_weeks": number(Range(1, INT8_MAX), integer=True),
                "tele_share": share,
                # a share of a visit's time: zero would make teleconsultations free of GP time
                "tele_visit_cost": number(POSITIVE),
                "tele_uptake": share,
                "tele_platform_per_week": number(NON_NEGATIVE),
                "specialist_referral": table(PER_DISEASE, PER_STAGE, PROBABILITY),
                "tele_expertise_share": share,
                # a specialist's capacity for the model's referrals is this share of it: zero
                # would leave the referrals no consultation at all
                "specialist_referral_share": per(
                    PER_DISEASE, number(Range(0.0, 1.0, low_open=True))
                ),
                # 1 would send away every referral not served in its first week
                "referral_leave_per_week": number(Range(0.0, 1.0, high_open=True)),
            },
        )

    def tables(self) -> dict:
        import numpy as np

        return {
            "followup_weeks": np.ascontiguousarray(np.asarray(self.followup_weeks, np.int16)),
            "specialist_referral": _table(self.specialist_referral),
        }


@dataclass(frozen=True, slots=True)
class CostParams:
    """Euros. Anchors: Cnam mean cost per patient-year, diabetes 6,710 € (2012: hospital 42 %,
    pharmacy 21 %, other ambulatory 31 %), heart failure 10,842 € (2008, hospital 63 %),
    COPD 9,382 € all causes (Laurendeau 2015)."""

    gp_consultation_eur: float = 30.0  # source: Convention médicale 2024, G = 30 € from Dec 2024
    teleconsultation_eur: float = 30.0  # source: TCG billed like G
    specialist_visit_eur: float = 60.0  # assumption: specialist consultation with technical acts
    # assumption: an emergency-department passage without admission
    emergency_visit_eur: float = 250.0
    # assumption (ATIH ENC order of magnitude): diabetes, HF, COPD, hip/fracture stay
    hospital_stay_eur: tuple[float, ...] = by_disease(
        "hospital_stay_eur",
        {
            "diabetes": 3_800.0,
            "heart_failure": 5_500.0,
            "copd": 4_800.0,
            "osteoporosis": 9_500.0,
        },
    )
    transport_per_stay_eur: float = 300.0  # assumption: ambulance to and from hospital
    # per patient-year of diagnosed disease: drugs (diabetes: 21 % of 6,710 €) and other ambulatory
    # care (nursing, labs, devices: diabetes 31 % of 6,710 € less GP visits); HF and COPD split
    # assumed
    drugs_per_year_eur: tuple[float, ...] = by_disease(
        "drugs_per_year_eur",
        {
            "diabetes": 1_409.0,
            "heart_failure": 1_500.0,
            "copd": 1_200.0,
            "osteoporosis": 300.0,
        },
    )
    other_ambulatory_per_year_eur: tuple[float, ...] = by_disease(
        "other_ambulatory_per_year_eur",
        {
            "diabetes": 1_930.0,
            "heart_failure": 2_300.0,
            "copd": 2_400.0,
            "osteoporosis": 200.0,
        },
    )
    # all-cause hospital care of the chronic patients not modelled as acute episodes: the residual
    # that brings each disease's cost per patient-year to its anchor (calibration, not
    # policy-sensitive)
    other_hospital_per_year_eur: tuple[float, ...] = by_disease(
        "other_hospital_per_year_eur",
        {
            "diabetes": 2_500.0,
            "heart_failure": 4_500.0,
            "copd": 3_500.0,
            "osteoporosis": 0.0,
        },
    )
    # A patient treated for several diseases: the anchors above are the all-cause spending of the
    # patients with each disease, so summing them counts the spending they share more than once.
    # Each disease's other ambulatory and other hospital care beyond the costliest one is counted at
    # this share (drugs are specific and counted in full): the spending attributable to diabetes is
    # 0.41 of diabetics' total (Ricordeau et al., Diabetes Metab 2000, Cnam). Evidence; range
    # 0.3-1.0 (1: simply added).
    multimorbid_other_share: float = 0.41
    # assumption: order of magnitude of the ETAPES flat fees (monitoring + devices)
    telemonitoring_per_patient_year_eur: float = 1_000.0
    tele_expertise_eur: float = 20.0  # assumption: a tele-expertise act
    # assumption: public cost of one on-demand transport return trip
    transport_trip_eur: float = 25.0
    # assumption after Gesundes Kinzigtal's management fee order of magnitude
    programme_per_patient_year_eur: float = 250.0
    cpts_budget_per_year_eur: float = 250_000.0  # assumption: ACI CPTS funding for a large CPTS
    # Health care of every kind the model does not count (other conditions' hospital care, drugs,
    # dentists, optics…), per inhabitant a year, so that an all-cause cost compares with the
    # published one: DREES, consommation de soins et de biens médicaux 2023, €3,660 per
    # inhabitant, less the ~€800 the model counts at baseline (range ±15 %)
    other_care_per_inhabitant_year_eur: float = 2_860.0

    def __post_init__(self) -> None:
        euros = number(NON_NEGATIVE)
        euros_per_disease = per(PER_DISEASE, euros)
        check_fields(
            self,
            {
                "gp_consultation_eur": euros,
                "teleconsultation_eur": euros,
                "specialist_visit_eur": euros,
                "emergency_visit_eur": euros,
                "hospital_stay_eur": euros_per_disease,
                "transport_per_stay_eur": euros,
                "drugs_per_year_eur": euros_per_disease,
                "other_ambulatory_per_year_eur": euros_per_disease,
                "other_hospital_per_year_eur": euros_per_disease,
                "telemonitoring_per_patient_year_eur": euros,
                "multimorbid_other_share": number(PROBABILITY),
                "tele_expertise_eur": euros,
                "transport_trip_eur": euros,
                "programme_per_patient_year_eur": euros,
                "cpts_budget_per_year_eur": euros,
                "other_care_per_inhabitant_year_eur": euros,
            },
        )

    def tables(self) -> dict:
        return {
            "hospital_stay": _table(self.hospital_stay_eur),
            "drugs_per_year": _table(self.drugs_per_year_eur),
            "other_ambulatory_per_year": _table(self.other_ambulatory_per_year_eur),
            "other_hospital_per_year": _table(self.other_hospital_per_year_eur),
        }


@dataclass(frozen=True, slots=True)
class WorkforceParams:
    """GPs over time."""

    # assumption: yearly probability of retiring by age band (DREES: GPs retire around 65-67, many
    # later in under-served areas)
    retirement_by_age: tuple[tuple[float, float], ...] = (
        (0.0, 0.005),
        (60.0, 0.06),
        (65.0, 0.25),
        (70.0, 0.50),
    )
    # assumption: demand ÷ capacity (26-week average) beyond which a GP may leave
    overload_threshold: float = 1.5
    overload_departure_per_year: float = 0.05  # assumption: burn-out departures are rare but real
    # assumption: new GPs settling in the territory per year at baseline
    installations_per_year: float = 3.0
    new_gp_age: float = 34.0  # assumption
    new_gp_activity: float = 4_800.0  # assumption (same as PlacementParams.mean_gp_activity)
    msp_attractiveness: float = 2.0  # assumption: an MSP doubles a commune's pull on a new GP

    def __post_init__(self) -> None:
        check_fields(
            self,
            {
                # the kernel takes the last row whose age is reached: ages must increase; none:
                # nobody retires
                "retirement_by_age": steps(number(NON_NEGATIVE), number(PROBABILITY), min_rows=0),
                "overload_threshold": number(POSITIVE),
                "overload_departure_per_year": number(PROBABILITY),
                "installations_per_year": number(NON_NEGATIVE),
                "new_gp_age": number(POSITIVE),
                "new_gp_activity": number(POSITIVE),
                "msp_attractiveness": number(POSITIVE),
            },
        )


#: The parameter groups a sweep or ``TerritoryModel.update_params`` can change, by name; the model
#: keeps group ``g`` as its attribute ``<g>_params`` (the population and placement only matter at
#: build).
GROUPS: dict[str, type] = {
    "access": AccessParams,
    "disease": DiseaseParams,
    "care": CareParams,
    "cost": CostParams,
    "workforce": WorkforceParams,
}
