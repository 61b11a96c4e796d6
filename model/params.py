"""Model parameters as frozen dataclasses: units in the names, a source or 'assumption' on each line."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np

from territoire.errors import TerritoireError


class ParameterError(TerritoireError, ValueError):
    """A parameter value or name that the model cannot use."""


def with_overrides(params: Any, **overrides: Any) -> Any:
    """A copy of a parameter dataclass with some values changed; unknown names are refused."""
    allowed = {f.name for f in fields(params)}
    unknown = sorted(set(overrides) - allowed)
    if unknown:
        raise ParameterError(
            f"{type(params).__name__}: unknown parameter(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}"
        )
    return replace(params, **overrides)


@dataclass(frozen=True, slots=True)
class AccessParams:
    """How far patients travel to a GP, by mobility class (minutes by road, one way)."""

    reach_car_min: float = (
        30.0  # assumption: 30 min by car, the usual threshold of French access-to-care studies
    )
    reach_limited_min: float = (
        15.0  # assumption: limited mobility (lifts from relatives, occasional transport)
    )
    reach_none_min: float = 10.0  # assumption: no car: the own commune and the next village

    def __post_init__(self) -> None:
        for f in fields(self):
            if getattr(self, f.name) < 0:
                raise ParameterError(
                    f"AccessParams.{f.name} must be >= 0, got {getattr(self, f.name)}"
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
    # tables (q80 ≈ 4 % men, 2.4 % women, for people without the modelled diseases); plus a floor for the young
    mortality_gompertz_a: tuple[float, float] = (2.0e-5, 1.2e-5)  # men, women
    mortality_gompertz_b: float = 0.095
    mortality_floor: float = 3e-4
    # assumption: excess mortality per year by stage, set so that a 10-year baseline keeps the
    # published annual mortality of heart failure (16.6 %, Cnam) and treated COPD (6.7 %, Laurendeau 2015)
    excess_mortality: tuple[tuple[float, ...], ...] = (
        (0.0, 0.004, 0.012, 0.040),
        (0.0, 0.050, 0.110, 0.240),
        (0.0, 0.012, 0.040, 0.110),
        (0.0, 0.0, 0.0, 0.010),
    )
    # assumption: stage transitions per year (1→2 worsening, 2→1 regained control, 2→3 complication)
    worsen: tuple[float, ...] = (0.10, 0.12, 0.06, 0.10)  # osteoporosis 1→2: treatment stopped
    regain: tuple[float, ...] = (0.30, 0.15, 0.10, 0.0)
    complicate: tuple[float, ...] = (
        0.04,
        0.08,
        0.06,
        0.0,
    )  # osteoporosis reaches 3 by a fracture only
    osteoporosis_diagnosis: float = (
        0.03  # assumption: untreated → treated per year, opportunistic diagnosis
    )
    onset_stage2_share: tuple[float, ...] = (
        0.3,
        0.4,
        0.0,
        1.0,
    )  # assumption: share of new cases starting uncontrolled (osteoporosis: undiagnosed)
    missed_followup_rr: float = (
        2.0  # assumption: worsening and complication ×2 when follow-up is overdue
    )
    overdue_factor: float = 1.5  # follow-up counts as missed beyond 1.5 × its interval
    enrolled_rr: float = (
        0.75  # assumption after Gesundes Kinzigtal: worsening/complication ×0.75 in the programme
    )
    enrolled_regain_rr: float = 1.3  # assumption
    nurse_regain_rr: float = 1.2  # assumption after ASALEE evaluations (better HbA1c control)
    telemonitoring_complication_rr: float = 0.8  # assumption
    # acute episodes per year by stage: severe hypo/hyperglycaemia, HF decompensation, COPD
    # exacerbation (mean ~1.7/yr in treated COPD, Laurendeau 2015), fragility fracture
    acute_rate: tuple[tuple[float, ...], ...] = (
        (0.0, 0.02, 0.08, 0.20),
        (0.0, 0.15, 0.45, 1.00),
        (0.0, 1.20, 2.50, 4.00),
        (0.0, 0.015, 0.03, 0.06),
    )
    acute_missed_followup_rr: float = 1.5  # assumption
    acute_enrolled_rr: float = 0.8  # assumption
    # probability that an acute episode seen by a GP in time still ends in hospital (assumption,
    # set so that HF hospitalisation ≈ 339 per 100,000 adults and 5 % of treated COPD patients per year)
    hospitalisation_if_gp: tuple[tuple[float, ...], ...] = (
        (0.0, 0.075, 0.15, 0.22),
        (0.0, 0.16, 0.26, 0.37),
        (0.0, 0.006, 0.022, 0.052),
        (
            0.0,
            0.45,
            0.45,
            0.45,
        ),  # fractures: hip fractures (~45 % of the total) are operated in hospital
    )
    hospitalisation_if_emergency_rr: float = (
        2.0  # assumption: seen late, at the emergency department
    )
    telemonitoring_hospitalisation_rr: float = (
        0.7  # assumption after TIM-HF2 (fewer days lost to HF hospitalisation)
    )
    death_in_hospital: tuple[float, ...] = (
        0.02,
        0.07,
        0.05,
        0.05,
    )  # assumption: in-stay mortality by cause
    hf_hospital_worsen: float = (
        0.3  # assumption: a HF stay moves the patient one stage up with this probability
    )
    # Health utility (QALY weight) lost per disease by stage, additive from 1 (floor 0.05): assumption
    # after EQ-5D catalogues (Sullivan et al. 2006): diabetes 0.05-0.2, HF 0.1-0.35, COPD 0.05-0.25,
    # osteoporosis after a fracture 0.1
    utility_decrement: tuple[tuple[float, ...], ...] = (
        (0.0, 0.05, 0.10, 0.20),
        (0.0, 0.10, 0.20, 0.35),
        (0.0, 0.05, 0.12, 0.25),
        (0.0, 0.0, 0.02, 0.10),
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
            "acute_rate": _table(self.acute_rate),
            "hospitalisation_if_gp": _table(self.hospitalisation_if_gp),
            "death_in_hospital": _table(self.death_in_hospital),
        }


@dataclass(frozen=True, slots=True)
class CareParams:
    """Care demand and how it reaches providers."""

    # follow-up interval in weeks by stage (0: no planned follow-up); source: HAS guides (quarterly
    # diabetes review, HF and COPD visits by severity); osteoporosis: yearly review when treated (assumption)
    followup_weeks: tuple[tuple[int, ...], ...] = (
        (0, 13, 8, 6),
        (0, 13, 6, 4),
        (0, 26, 13, 8),
        (0, 52, 0, 26),
    )
    routine_visits_per_year: float = 2.6  # assumption: background GP visits per person-year at consumption weight 1 (France ~4 GP visits per person-year, chronic follow-up included)
    out_of_hours_share: float = 0.35  # assumption: acute episodes arising on evenings, nights and weekends, when practices are closed
    routine_give_up_weeks: int = (
        4  # assumption: a routine need unmet for 4 weeks is given up (renoncement)
    )
    tele_share: float = 0.03  # assumption: most of a GP's week that may go to teleconsultations (post-2020 order of magnitude)
    tele_visit_cost: float = 0.8  # assumption: a teleconsultation takes 80 % of a visit's time
    tele_uptake: float = 0.25  # assumption: share of digital patients who accept a teleconsultation when no visit is possible
    tele_platform_per_week: float = (
        0.0  # teleconsultations per week offered by platforms outside the territory's GPs
    )
    specialist_referral: tuple[
        tuple[float, ...], ...
    ] = (  # assumption: probability that a follow-up visit leads to a referral
        (0.0, 0.02, 0.05, 0.15),
        (0.0, 0.05, 0.10, 0.20),
        (0.0, 0.02, 0.08, 0.15),
        (0.0, 0.01, 0.0, 0.10),
    )
    tele_expertise_share: float = (
        0.0  # share of referrals answered by tele-expertise instead of a visit
    )
    # Specialist queues. A site's consultations serve many conditions and patients from elsewhere;
    # this share of them goes to the referrals the model generates (rows as above: diabetes →
    # endocrinology, heart failure → cardiology, COPD → pulmonology, osteoporosis → rheumatology).
    # Assumption, set so that the seed-42 baseline's waits in its first policy year are near the
    # mean waits DREES measured in 2016-17 (Études et Résultats n° 1085, Oct. 2018): cardiology 50
    # days (7.1 weeks), rheumatology 45 days (6.4 weeks). Endocrinology and pulmonology, not
    # published there, are set to the same order (assumption).
    specialist_referral_share: tuple[float, ...] = (0.35, 0.17, 0.105, 0.16)
    # assumption: share of the referrals still waiting that leave a queue each week (a specialist
    # further away, a private clinic, or giving up): ~1/50, a mean of about a year before leaving.
    # It keeps a queue finite when referrals outrun capacity: it settles where the leavers make up
    # the excess, at (1 - leave)·(referrals - capacity)/leave
    referral_leave_per_week: float = 0.02

    def __post_init__(self) -> None:
        shares = self.specialist_referral_share
        if len(shares) != 4 or not all(0 < x <= 1 for x in shares):
            raise ParameterError(
                f"CareParams.specialist_referral_share needs 4 shares in (0, 1], got {shares}"
            )
        if not 0 <= self.referral_leave_per_week < 1:
            raise ParameterError(
                f"CareParams.referral_leave_per_week must be in [0, 1), got {self.referral_leave_per_week}"
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
    emergency_visit_eur: float = (
        250.0  # assumption: an emergency-department passage without admission
    )
    hospital_stay_eur: tuple[float, ...] = (
        3_800.0,
        5_500.0,
        4_800.0,
        9_500.0,
    )  # assumption (ATIH ENC order of magnitude): diabetes, HF, COPD, hip/fracture stay
    transport_per_stay_eur: float = 300.0  # assumption: ambulance to and from hospital
    # per patient-year of diagnosed disease: drugs (diabetes: 21 % of 6,710 €) and other ambulatory
    # care (nursing, labs, devices: diabetes 31 % of 6,710 € less GP visits); HF and COPD split assumed
    drugs_per_year_eur: tuple[float, ...] = (1_409.0, 1_500.0, 1_200.0, 300.0)
    other_ambulatory_per_year_eur: tuple[float, ...] = (1_930.0, 2_300.0, 2_400.0, 200.0)
    # all-cause hospital care of the chronic patients not modelled as acute episodes: the residual
    # that brings each disease's cost per patient-year to its anchor (calibration, not policy-sensitive)
    other_hospital_per_year_eur: tuple[float, ...] = (2_500.0, 4_500.0, 3_500.0, 0.0)
    telemonitoring_per_patient_year_eur: float = (
        1_000.0  # assumption: order of magnitude of the ETAPES flat fees (monitoring + devices)
    )
    tele_expertise_eur: float = 20.0  # assumption: a tele-expertise act
    transport_trip_eur: float = (
        25.0  # assumption: public cost of one on-demand transport return trip
    )
    programme_per_patient_year_eur: float = (
        250.0  # assumption after Gesundes Kinzigtal's management fee order of magnitude
    )
    cpts_budget_per_year_eur: float = 250_000.0  # assumption: ACI CPTS funding for a large CPTS

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

    # assumption: yearly probability of retiring by age band (DREES: GPs retire around 65-67, many later in under-served areas)
    retirement_by_age: tuple[tuple[float, float], ...] = (
        (0.0, 0.005),
        (60.0, 0.06),
        (65.0, 0.25),
        (70.0, 0.50),
    )
    overload_threshold: float = (
        1.5  # assumption: demand ÷ capacity (26-week average) beyond which a GP may leave
    )
    overload_departure_per_year: float = 0.05  # assumption: burn-out departures are rare but real
    installations_per_year: float = (
        3.0  # assumption: new GPs settling in the territory per year at baseline
    )
    new_gp_age: float = 34.0  # assumption
    new_gp_activity: float = 4_800.0  # assumption (same as PlacementParams.mean_gp_activity)
    msp_attractiveness: float = 2.0  # assumption: an MSP doubles a commune's pull on a new GP
