"""Synthetic population: one record per inhabitant of each commune, with the four chronic diseases.

Ages: the INSEE age bands of the bassin de vie of Saverne (RP2020), spread over single years and
tilted per commune so that the population's mean DREES consumption weight equals the commune's
``age_std_ratio`` (the only per-commune age signal available). Prevalence: age/sex profiles scaled
so that the territory totals match the published national figures (``epi_cost_reference.csv``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from territoire.agents.patients import (
    COPD,
    DIABETES,
    DISEASES,
    HEART_FAILURE,
    MOBILITY_CAR,
    MOBILITY_LIMITED,
    MOBILITY_NONE,
    WEEKS_PER_YEAR,
    Patients,
)
from territoire.model.diseases import by_disease
from territoire.model.rng import stream
from territoire.model.validation import (
    NON_NEGATIVE,
    PER_DISEASED_STAGE,
    PER_MOBILITY,
    PER_SEX,
    PERCENT,
    POSITIVE,
    PROBABILITY,
    Axis,
    ParameterError,
    Range,
    check_fields,
    fail,
    number,
    record,
    rows,
    shares,
    steps,
    table,
)
from territoire.scenarios.datafiles import apl_age_weights

MAX_AGE = 104
AGES = np.arange(MAX_AGE + 1)
#: Lower bounds of the age bands of the prevalence profiles below.
PREVALENCE_BAND_STARTS = (0, 20, 40, 50, 60, 70, 80)
PREVALENCE_BAND_MIDPOINTS = (10, 30, 45, 55, 65, 75, 87)


#: The prevalence profiles' age bands, named by their lower bounds.
PER_PREVALENCE_BAND = Axis("age band", tuple(f"{a}+" for a in PREVALENCE_BAND_STARTS))


def _age_bands(value: Any, where: str) -> None:
    """``((from, to), …)``: whole years within 0 … MAX_AGE, each band after the previous one
    (``base_age_distribution`` writes each band's years in turn: an overlap would overwrite
    some)."""
    age = number(Range(0, MAX_AGE), integer=True)
    rows(record(("from", age), ("to", age)), min_rows=1)(value, where)
    previous_to = -1
    for i, (lo, hi) in enumerate(value):
        if not previous_to < lo <= hi:
            raise fail(
                f"{where}[{i}]", f"a band (from, to) with {previous_to} < from <= to", (lo, hi)
            )
        previous_to = hi


@dataclass(frozen=True, slots=True)
class PopulationParams:
    """Who lives in the territory. Each value gives its source or says it is an assumption."""

    # source: INSEE RP2020, bassin de vie 2022 de Saverne (age_structure_reference.csv), % by band
    age_band_bounds: tuple[tuple[int, int], ...] = (
        (0, 14),
        (15, 29),
        (30, 44),
        (45, 59),
        (60, 74),
        (75, MAX_AGE),
    )
    age_band_share_pct: tuple[float, ...] = (15.8, 14.8, 17.6, 22.4, 18.8, 10.7)
    # assumption: geometric thinning of single years inside 75+
    old_age_decline_per_year: float = 0.11
    # assumption: share of women by age (order of magnitude of the INSEE national pyramid)
    female_share_by_age: tuple[tuple[int, float], ...] = (
        (0, 0.49),
        (60, 0.52),
        (75, 0.58),
        (85, 0.68),
    )
    # assumption: order of magnitude of Complémentaire santé solidaire beneficiaries (~7 M of 68 M)
    p_vulnerable: float = 0.11
    # assumption: mobility (own car / limited / none) by age group, general and vulnerable
    # population
    mobility_by_age: tuple[tuple[int, tuple[float, float, float]], ...] = (
        (0, (0.90, 0.08, 0.02)),
        (18, (0.88, 0.08, 0.04)),
        (75, (0.65, 0.25, 0.10)),
        (85, (0.30, 0.45, 0.25)),
    )
    vulnerable_mobility: tuple[float, float, float] = (0.65, 0.20, 0.15)  # assumption, under 75
    # assumption after INSEE's illectronisme surveys: share able to use a teleconsultation, by age
    digital_by_age: tuple[tuple[int, float], ...] = ((0, 0.90), (15, 0.92), (60, 0.75), (75, 0.38))
    vulnerable_digital_factor: float = 0.8  # assumption

    # Prevalence profiles by band (PREVALENCE_BAND_STARTS), % (men, women). Shapes are assumptions
    # after the published age profiles; the first three are scaled to the totals below.
    diabetes_profile_pct: tuple[tuple[float, ...], tuple[float, ...]] = (
        (0.2, 1.0, 4.0, 9.0, 16.0, 21.0, 19.0),
        (0.2, 0.9, 2.6, 5.5, 10.0, 14.5, 15.0),
    )
    heart_failure_profile_pct: tuple[tuple[float, ...], tuple[float, ...]] = (
        (0.0, 0.1, 0.4, 1.0, 2.8, 7.5, 16.0),
        (0.0, 0.1, 0.2, 0.5, 1.6, 5.0, 14.0),
    )
    copd_profile_pct: tuple[tuple[float, ...], tuple[float, ...]] = (
        (0.0, 0.3, 1.8, 3.5, 6.0, 8.0, 8.5),
        (0.0, 0.3, 1.5, 2.8, 4.0, 5.0, 4.5),
    )
    # source: UNF3S rhumatologie (densitometric osteoporosis: 39 % of women at 65, ~70 % after 80,
    # ~40 % of post-menopausal women, ~15 % of men over 50); used as is, not scaled
    osteoporosis_profile_pct: tuple[tuple[float, ...], tuple[float, ...]] = (
        (0.0, 0.0, 0.0, 8.0, 12.0, 18.0, 25.0),
        (0.0, 0.0, 1.0, 15.0, 35.0, 50.0, 70.0),
    )
    # source: SPF 2020, pharmacologically treated diabetes, % of population
    diabetes_total_pct: float = 5.3
    # source: SPF (Gabet et al.) 2022, prevalent HF, % of adults
    heart_failure_adult_pct: float = 2.6
    copd_40plus_pct: float = 3.8  # source: Laurendeau et al. 2015, treated COPD, % of the 40+
    # assumption after Framingham (diabetes doubles HF risk in men)
    heart_failure_rr_if_diabetic: float = 2.0
    # Initial stage mix (controlled, uncontrolled, complicated) among the prevalent.
    # assumption (share at HbA1c target, ENTRED order of magnitude)
    diabetes_stage_mix: tuple[float, float, float] = (0.55, 0.35, 0.10)
    # assumption (NYHA I-II / III / IV)
    heart_failure_stage_mix: tuple[float, float, float] = (0.50, 0.35, 0.15)
    # source: Laurendeau 2015 mild / moderate / severe+very severe
    copd_stage_mix: tuple[float, float, float] = (0.719, 0.138, 0.143)
    # assumption: treated / untreated / after a fracture
    osteoporosis_stage_mix: tuple[float, float, float] = (0.20, 0.65, 0.15)
    # Share of the cases not yet diagnosed: the prevalences above are of diagnosed (treated)
    # patients, so the population has ``1 / (1 − share)`` times as many cases, this share of them
    # undiagnosed, found later at a contact with care or a hospital stay (``DiseaseParams.
    # detection_per_visit``). Diabetes: 23 % of diabetics unaware (Esteban 2014-16, Santé publique
    # France; 20 % in ENNS 2006; evidence, range 0.15-0.3). Heart failure: about half of cases not
    # correctly diagnosed by expert accounts; the model's stages are clinical heart failure, so a
    # lower share (assumption, range 0.1-0.5). COPD: 64 % of airflow obstruction undiagnosed in
    # CONSTANCES, mostly mild; the model's COPD is clinical COPD (assumption, range 0.2-0.65).
    # Osteoporosis: its untreated stage 2 already is the undiagnosed state (0).
    diabetes_undiagnosed_share: float = 0.23
    heart_failure_undiagnosed_share: float = 0.2
    copd_undiagnosed_share: float = 0.3
    osteoporosis_undiagnosed_share: float = 0.0

    def __post_init__(self) -> None:
        share = number(PROBABILITY)
        # step tables start at age 0: a lookup below the first age would wrap to the last row
        age = number(Range(0, MAX_AGE), integer=True)
        profile = table(PER_SEX, PER_PREVALENCE_BAND, PERCENT)
        stage_mix = shares(PER_DISEASED_STAGE)
        check_fields(
            self,
            {
                "age_band_bounds": _age_bands,
                "age_band_share_pct": rows(number(PERCENT), min_rows=1),
                "old_age_decline_per_year": number(NON_NEGATIVE),
                "female_share_by_age": steps(age, share, first=0),
                "p_vulnerable": share,
                "mobility_by_age": steps(age, shares(PER_MOBILITY), first=0),
                "vulnerable_mobility": shares(PER_MOBILITY),
                "digital_by_age": steps(age, share, first=0),
                "vulnerable_digital_factor": share,
                "diabetes_profile_pct": profile,
                "heart_failure_profile_pct": profile,
                "copd_profile_pct": profile,
                "osteoporosis_profile_pct": profile,
                "diabetes_total_pct": number(PERCENT),
                "heart_failure_adult_pct": number(PERCENT),
                "copd_40plus_pct": number(PERCENT),
                "heart_failure_rr_if_diabetic": number(POSITIVE),
                "diabetes_stage_mix": stage_mix,
                "heart_failure_stage_mix": stage_mix,
                "copd_stage_mix": stage_mix,
                "osteoporosis_stage_mix": stage_mix,
                # a share of 1 would leave no diagnosed case to calibrate on
                "diabetes_undiagnosed_share": number(Range(0.0, 0.9)),
                "heart_failure_undiagnosed_share": number(Range(0.0, 0.9)),
                "copd_undiagnosed_share": number(Range(0.0, 0.9)),
                "osteoporosis_undiagnosed_share": number(Range(0.0, 0.9)),
            },
        )
        where = "PopulationParams.age_band_share_pct"
        n_bands = len(self.age_band_bounds)
        if len(self.age_band_share_pct) != n_bands:
            raise ParameterError(
                f"{where}: expected {n_bands} values (one per band of age_band_bounds), "
                f"got {len(self.age_band_share_pct)}"
            )
        if sum(self.age_band_share_pct) <= 0:  # the shares are normalised by their total
            raise fail(where, "shares with a positive total", self.age_band_share_pct)


def step_lookup(table: tuple[tuple[int, object], ...], ages: np.ndarray) -> np.ndarray:
    """Value of a piecewise-constant table ``((from_age, value), …)`` at each age."""
    starts = np.array([a for a, _ in table])
    values = np.array([v for _, v in table])
    return values[np.searchsorted(starts, ages, side="right") - 1]


def base_age_distribution(params: PopulationParams) -> np.ndarray:
    """Single-year age shares (0 … MAX_AGE) from the bassin-de-vie bands."""
    p = np.zeros(MAX_AGE + 1)
    for (lo, hi), share in zip(params.age_band_bounds, params.age_band_share_pct):
        years = np.arange(lo, hi + 1)
        w = (
            np.exp(-params.old_age_decline_per_year * (years - lo))
            if lo >= 75
            else np.ones(years.size)
        )
        p[years] = share * w / w.sum()
    return p / p.sum()


def consumption_weight_by_age() -> np.ndarray:
    """DREES relative GP consumption (2023) for each single year of age."""
    w = apl_age_weights(2023).to_numpy()
    return w[np.minimum(AGES // 5, len(w) - 1)]


def tilted_age_distribution(
    base: np.ndarray, target_weight: float, weight_by_age: np.ndarray
) -> np.ndarray:
    """Exponentially tilt ``base`` towards older (θ > 0) or younger ages so the mean weight hits the
    target.

    Bisection on θ in p_a ∝ base_a · exp(θ (a − 45) / 10); the mean weight is increasing in θ.
    """
    lo, hi = -3.0, 3.0
    x = (AGES - 45) / 10.0

    def dist(theta: float) -> np.ndarray:
        p = base * np.exp(theta * x)
        return p / p.sum()

    lo_w, hi_w = dist(lo) @ weight_by_age, dist(hi) @ weight_by_age
    target = float(np.clip(target_weight, lo_w, hi_w))
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if dist(mid) @ weight_by_age < target:
            lo = mid
        else:
            hi = mid
    return dist(0.5 * (lo + hi))


def _profile(
    table: tuple[tuple[float, ...], tuple[float, ...]], age_years: np.ndarray, sex: np.ndarray
) -> np.ndarray:
    """Prevalence (fraction) from a (men, women) profile by band, linear between band mid-points."""
    mids = np.array(PREVALENCE_BAND_MIDPOINTS)
    curves = np.array([np.interp(AGES, mids, np.asarray(row, float) / 100.0) for row in table])
    return curves[sex, age_years]


SYNTHESIS_BLOCK = 1 << 16  # inhabitants drawn at a time


def _blocks(n: int) -> list[slice]:
    return [slice(start, min(n, start + SYNTHESIS_BLOCK)) for start in range(0, n, SYNTHESIS_BLOCK)]


def _draw_stages(has: np.ndarray, mix: tuple[float, float, float], u: np.ndarray) -> np.ndarray:
    cuts = np.cumsum(mix)
    stage = 1 + np.searchsorted(cuts[:-1], u, side="right")
    return np.where(has, stage, 0).astype(np.int8)


def disease_figures(params: PopulationParams, figure: str) -> tuple:
    """A population figure of every registry disease in column order: ``profile_pct`` (prevalence
    by band, % men and women), ``stage_mix`` (initial controlled / uncontrolled / complicated) or
    ``undiagnosed_share`` (share of the cases not diagnosed yet).
    The four built-in diseases' are parameters here; a disease added to the registry brings its own
    (``Disease.figures``)."""
    known = {
        name: getattr(params, f"{name}_{figure}")
        for name in ("diabetes", "heart_failure", "copd", "osteoporosis")
    }
    return by_disease(figure, known)


def prevalence_table(params: PopulationParams, age: np.ndarray, sex: np.ndarray) -> np.ndarray:
    """Prevalence (fraction) by disease, sex and single year of age: shape (4, 2, MAX_AGE + 1).

    Diabetes, heart failure and COPD profiles are scaled so that a population with these ages and
    sexes has the published totals (diabetes: % of everyone; heart failure: % of adults, given the
    diabetes comorbidity; COPD: % of the 40+). Osteoporosis, and a disease added to the registry,
    are used as published.
    """
    if age.size and (int(age.max()) > MAX_AGE or int(age.min()) < 0):
        raise ValueError(f"ages must lie in 0 … {MAX_AGE}, got {int(age.min())} … {int(age.max())}")
    years = np.broadcast_to(AGES, (2, AGES.size))
    sexes = np.broadcast_to(np.arange(2)[:, None], (2, AGES.size))
    table = np.zeros((len(DISEASES), 2, AGES.size))
    for d, profile in enumerate(disease_figures(params, "profile_pct")):
        table[d] = _profile(profile, years, sexes)
    table[HEART_FAILURE, :, :18] = 0.0
    table[COPD, :, :40] = 0.0
    # inhabitants by sex and age, counted block by block (no large temporaries)
    counts = np.zeros((2, AGES.size))
    for b in _blocks(age.size):
        counts += np.bincount(
            np.asarray(sex[b], np.int64) * AGES.size + age[b], minlength=2 * AGES.size
        ).reshape(2, AGES.size)
    table[DIABETES] *= (
        params.diabetes_total_pct / 100.0 * counts.sum() / (counts * table[DIABETES]).sum()
    )
    # heart failure: the expected total is over diabetics (RR) and non-diabetics at each age and sex
    rr_mean = 1.0 + (params.heart_failure_rr_if_diabetic - 1.0) * table[DIABETES]
    adults = counts[:, 18:].sum()
    table[HEART_FAILURE] *= (
        params.heart_failure_adult_pct
        / 100.0
        * adults
        / (counts * table[HEART_FAILURE] * rr_mean).sum()
    )
    table[COPD] *= (
        params.copd_40plus_pct / 100.0 * counts[:, 40:].sum() / (counts * table[COPD]).sum()
    )
    return np.minimum(table, 0.95)


def case_prevalence_table(params: PopulationParams, age: np.ndarray, sex: np.ndarray) -> np.ndarray:
    """Prevalence of the cases, diagnosed or not: ``prevalence_table`` (the diagnosed, as
    published) ÷ (1 − the disease's ``undiagnosed_share``)."""
    undiagnosed = np.asarray(disease_figures(params, "undiagnosed_share"), np.float64)
    table = prevalence_table(params, age, sex) / (1.0 - undiagnosed)[:, None, None]
    return np.minimum(table, 0.95)


def synthesise_population(
    commune_population: np.ndarray,
    commune_age_std_ratio: np.ndarray,
    seed: int,
    params: PopulationParams | None = None,
) -> Patients:
    """Every inhabitant of every commune, reproducibly from ``seed`` (GPs are assigned later)."""
    params = params or PopulationParams()
    counts = np.asarray(commune_population, np.int64)
    n = int(counts.sum())
    pats = Patients.empty(n)
    pats.commune[:] = np.repeat(np.arange(counts.size, dtype=np.int16), counts)
    # Draws are made block by block (the same numbers as one call for everyone: the generators are
    # sequential), so that temporaries stay a few MB however large the population.
    blocks = _blocks(n)

    base = base_age_distribution(params)
    weight = consumption_weight_by_age()
    rng = stream(seed, "population.age")
    age = np.empty(n, np.int16)  # years
    start = 0
    for c, count in enumerate(counts):
        p = tilted_age_distribution(base, float(commune_age_std_ratio[c]), weight)
        age[start : start + count] = rng.choice(AGES, size=count, p=p)
        start += count
    for b in blocks:
        pats.age_weeks[b] = age[b] * WEEKS_PER_YEAR + rng.integers(
            0, WEEKS_PER_YEAR, b.stop - b.start
        )

    rng = stream(seed, "population.traits")
    for b in blocks:
        pats.sex[b] = rng.random(b.stop - b.start) < step_lookup(params.female_share_by_age, age[b])
    for b in blocks:
        pats.vulnerable[b] = rng.random(b.stop - b.start) < params.p_vulnerable
    for b in blocks:
        mob = step_lookup(params.mobility_by_age, age[b]).astype(float).reshape(-1, 3)
        mob[pats.vulnerable[b] & (age[b] < 75)] = params.vulnerable_mobility
        u = rng.random(b.stop - b.start)
        pats.mobility[b] = np.where(
            u < mob[:, 0],
            MOBILITY_CAR,
            np.where(u < mob[:, 0] + mob[:, 1], MOBILITY_LIMITED, MOBILITY_NONE),
        )
    for b in blocks:
        p_digital = step_lookup(params.digital_by_age, age[b]) * np.where(
            pats.vulnerable[b], params.vulnerable_digital_factor, 1.0
        )
        pats.digital[b] = rng.random(b.stop - b.start) < p_digital

    sex = pats.sex
    table = case_prevalence_table(params, age, sex)
    rng = stream(seed, "population.diseases")
    has = np.zeros((n, len(DISEASES)), bool)
    for b in blocks:
        has[b, DIABETES] = rng.random(b.stop - b.start) < table[DIABETES, sex[b], age[b]]
    for b in blocks:
        hf_p = table[HEART_FAILURE, sex[b], age[b]] * np.where(
            has[b, DIABETES], params.heart_failure_rr_if_diabetic, 1.0
        )
        has[b, HEART_FAILURE] = rng.random(b.stop - b.start) < np.minimum(hf_p, 0.95)
    # the others independently, as published
    for d in [d for d in range(len(DISEASES)) if d not in (DIABETES, HEART_FAILURE)]:
        for b in blocks:
            has[b, d] = rng.random(b.stop - b.start) < table[d, sex[b], age[b]]

    mixes = disease_figures(params, "stage_mix")
    for b in blocks:
        u = rng.random((b.stop - b.start, len(DISEASES)))
        for d, mix in enumerate(mixes):
            pats.stage[b, d] = _draw_stages(has[b, d], mix, u[:, d])
    # Follow-up clocks start spread over a quarter, as in a population already under follow-up.
    for b in blocks:
        pats.weeks_since_followup[b] = np.where(
            pats.stage[b] > 0, rng.integers(0, 13, (b.stop - b.start, len(DISEASES))), 0
        )
    undiagnosed_share = np.asarray(disease_figures(params, "undiagnosed_share"), np.float64)
    rng = stream(seed, "population.undiagnosed")
    for b in blocks:
        u = rng.random((b.stop - b.start, len(DISEASES)))
        pats.undiagnosed[b] = (pats.stage[b] > 0) & (u < undiagnosed_share)
    return pats
