"""The indicator battery: from the weekly record to a tidy table
``week, level, unit, indicator, value``.

Levels: ``territory``; ``zone`` (ZIP = priority zone, ZAC = the rest); ``epci``; ``commune`` (INSEE
code); ``vulnerable`` (units ``vulnerable`` / ``not_vulnerable``, whole territory). Counters are
summed over the communes of a unit before any ratio is taken.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from territoire.agents.patients import DISEASES
from territoire.model import accounts, diseases
from territoire.model.indicators import C, unmet_demand

if TYPE_CHECKING:
    from territoire.model.model import TerritoryModel

LEVELS = ("territory", "zone", "epci", "commune", "vulnerable")
# categorical: a few hundred distinct strings over millions of rows
TEXT_COLUMNS = ("level", "unit", "indicator")

#: indicator → (measurement unit, one-line meaning). The README's table is generated from this.
INDICATORS: dict[str, tuple[str, str]] = {
    "population": ("persons", "inhabitants alive at the end of the week"),
    "deaths": ("persons/week", "deaths of the week (background, disease, in hospital)"),
    "arrivals": ("persons/week", "newcomers (births, arrivals) filling the places of the dead"),
    "share_without_gp": ("%", "inhabitants without a médecin traitant"),
    "demand": (
        "visits/week",
        "GP visits asked for: acute episodes, chronic follow-ups due, routine needs",
    ),
    "unmet_demand": (
        "visits/week",
        "follow-ups and routine visits asked for but not obtained (GP or teleconsultation)",
    ),
    "unmet_share": ("%", "unmet demand ÷ follow-up and routine demand"),
    "gave_up": (
        "persons/week",
        "routine needs given up after waiting 4 weeks (renoncement aux soins)",
    ),
    "emergency_visits": (
        "visits/week",
        "acute episodes of the four diseases that found no GP and went to SAS / the emergency "
        "department",
    ),
    "emergency_visits_all_causes_per_1000": (
        "visits/1000/year",
        "emergency visits of every cause per 1,000 inhabitants a year: the four diseases' "
        "(simulated) plus a national background of other causes (CareParams)",
    ),
    "teleconsultations": (
        "visits/week",
        "visits done as teleconsultations (at home, in a pharmacy booth, in a nursing home)",
    ),
    "booth_visits": ("visits/week", "teleconsultations in pharmacy booths"),
    "mobile_team_visits": ("visits/week", "visits of the mobile aller-vers team"),
    "unscheduled_care_visits": (
        "visits/week",
        "acute episodes seen in the CPTS unscheduled-care rota",
    ),
    "transport_trips": ("trips/week", "GP visits reached thanks to on-demand transport"),
    "seen_by_other_gp": (
        "visits/week",
        "visits obtained from a GP other than the médecin traitant",
    ),
    "followup_on_time": (
        "%",
        "chronic follow-up visits obtained ÷ follow-up visits asked for in the week",
    ),
    "followup_up_to_date": (
        "% of patients",
        "patients under chronic follow-up seen within 1.5 × their guideline interval "
        "(the four diseases; diabetes compares with the share having 3 HbA1c tests a year)",
    ),
    **{
        f"followup_up_to_date_{d}": (
            "% of patients",
            f"{d.replace('_', ' ')} patients under follow-up seen within 1.5 × their interval",
        )
        for d in DISEASES
    },
    "hospitalisations": (
        "stays/week",
        "hospital stays after an acute episode of the four diseases",
    ),
    "avoidable_hospitalisations": (
        "stays/week",
        "potentially avoidable stays: "
        + ", ".join(d.name.replace("_", " ") for d in diseases.REGISTRY if d.avoidable_stays),
    ),
    "hospitalisations_per_1000": (
        "stays/1000/year",
        "hospital stays after an acute episode of the four diseases per 1,000 inhabitants a year",
    ),
    "hospitalisations_all_causes_per_1000": (
        "stays/1000/year",
        "hospital stays of every cause per 1,000 inhabitants a year: the four diseases' "
        "(simulated) plus a national background of other causes (CareParams)",
    ),
    **{
        f"hospitalisations_{d}": ("stays/week", f"hospital stays for {d.replace('_', ' ')}")
        for d in DISEASES
    },
    **{
        f"prevalence_{d.name}": (diseases.DENOMINATORS[d.denominator][1], d.prevalence_label)
        for d in diseases.REGISTRY
    },
    **{
        f"undiagnosed_share_{d.name}": (
            "% of cases",
            f"{d.name.replace('_', ' ')} cases not diagnosed yet (found at a contact with care or "
            "a hospital stay)",
        )
        for d in diseases.REGISTRY
        if d.name != "osteoporosis"
    },
    "diagnoses": (
        "persons/week",
        "patients with a disease diagnosed this week, at a contact with care or in hospital",
    ),
    **{
        f"complicated_share_{d}": (
            "% of patients",
            f"{d.replace('_', ' ')} patients at stage 3 (complicated)",
        )
        for d in DISEASES
    },
    **{
        f"deaths_with_{d}": ("persons/week", f"deaths of people with {d.replace('_', ' ')}")
        for d in DISEASES
    },
    "quality_adjusted_population": (
        "QALY/year",
        "inhabitants weighted by health utility (1 minus disease-stage decrements): "
        "QALYs lived per year",
    ),
    "programme_reached": ("persons", "patients enrolled in the coordinated care programme"),
    "telemonitored": ("persons", "patients under telemonitoring"),
    "apl": (
        "visits/std inhabitant/year",
        "APL to GPs (DREES method), standardised-population-weighted",
    ),
    "share_over_20_min": ("%", "inhabitants more than 20 min by road from the nearest GP"),
    "share_over_30_min": ("%", "inhabitants more than 30 min by road from the nearest GP"),
    "cost_total": (
        "EUR/week",
        "the cost items the model counts: GP visits, the four diseases' care, levers, programmes",
    ),
    "cost_per_inhabitant": ("EUR/year", "the counted cost items per inhabitant, annualised"),
    "cost_all_causes_per_inhabitant": (
        "EUR/year",
        "all health care per inhabitant a year: the counted items plus a background of the care "
        "the model does not count (CostParams; DREES CSBM 2023: €3,660)",
    ),
    **{
        f"cost_{item}": ("EUR/week", f"cost item: {item.replace('_', ' ')}")
        for item in accounts.ITEMS
    },
    "gp_count": ("GPs", "active GPs (territory only)"),
    "gp_fte": ("FTE", "full-time equivalents of active GPs (territory only)"),
    "gp_capacity_per_week": ("visits/week", "GP consultations offered per week (territory only)"),
    "gp_workload": (
        "ratio",
        "mean (visits given + requests turned away) ÷ capacity over ~26 weeks (territory only)",
    ),
    "gp_aged_60_plus": ("GPs", "active GPs aged 60 or more (territory only)"),
    "coordinated_share": ("%", "GPs in coordinated practice, MSP or CPTS (territory only)"),
    "gp_with_nurse": ("GPs", "GPs working with an ASALEE-type practice nurse (territory only)"),
    "specialist_referrals_left": (
        "referrals/week",
        "specialist referrals that left a queue (went elsewhere or gave up; territory only)",
    ),
    **{
        f"waiting_weeks_{s}": (
            "weeks",
            f"waiting time for {s} "
            "(longest site queue ÷ its weekly capacity for referrals; territory only)",
        )
        for s in ("endocrinology", "cardiology", "pulmonology", "rheumatology")
    },
}


def _membership(model: TerritoryModel, level: str) -> tuple[list[str], np.ndarray | None]:
    """The level's units and its membership matrix (units × communes); ``None`` for the communes
    themselves."""
    t = model.territory
    n = t.n_communes
    if level == "territory":
        return ["territory"], np.ones((1, n))
    if level == "zone":
        return ["ZIP", "ZAC"], np.vstack([t.is_zip, ~t.is_zip]).astype(float)
    if level == "epci":
        idx = t.epci_index
        return [t.epci_names[c] for c in t.epci_codes], (
            idx[None, :] == np.arange(len(t.epci_codes))[:, None]
        ).astype(float)
    if level == "commune":
        return t.codes, None  # an identity product would cost more than every other level together
    raise ValueError(f"unknown level {level!r}; allowed: {', '.join(LEVELS)}")


def _unit_sums(m: np.ndarray | None, x: np.ndarray) -> np.ndarray:
    """``x`` (weeks, communes[, k]) summed over each unit's communes (BLAS products); ``m`` None:
    ``x`` itself."""
    if m is None:
        return x.astype(np.float64, copy=False)
    return m @ x if x.ndim == 3 else x @ m.T


def _derive(
    a: np.ndarray, costs: np.ndarray | None, apl: np.ndarray, over20: np.ndarray, over30: np.ndarray
) -> dict[str, np.ndarray]:
    """Indicators from summed counters ``a`` (weeks, units, counters) and costs (weeks, units,
    items)."""

    def k(name):
        return a[..., C[name]].astype(float)

    def pct(num, den):
        return np.divide(
            100.0 * num, den, out=np.full(np.broadcast(num, den).shape, np.nan), where=den > 0
        )

    alive = k("alive")
    fu_due, fu_done, rt = k("followup_due"), k("followup_done"), k("routine")
    unmet = unmet_demand(a).astype(float)
    hosp = k("hospitalised")
    out = {
        "population": alive,
        "deaths": k("deaths"),
        "arrivals": k("arrivals"),
        "share_without_gp": pct(k("without_gp"), alive),
        "demand": k("urgent") + fu_due + rt,
        "unmet_demand": unmet,
        "unmet_share": pct(unmet, fu_due + rt),
        "gave_up": k("gave_up"),
        "diagnoses": k("diagnoses"),
        "emergency_visits": k("emergency"),
        "teleconsultations": k("followup_tele") + k("routine_tele") + k("urgent_tele"),
        "seen_by_other_gp": k("other_gp"),
        "booth_visits": k("booth_visits"),
        "mobile_team_visits": k("mobile_visits"),
        "unscheduled_care_visits": k("snp_visits"),
        "transport_trips": k("transported"),
        "followup_on_time": pct(fu_done, fu_due),
        "followup_up_to_date": 100.0
        - pct(
            sum(k(f"overdue_{d}") for d in DISEASES),
            sum(k(f"under_followup_{d}") for d in DISEASES),
        ),
        "hospitalisations": hosp,
        "avoidable_hospitalisations": sum(
            k(f"hospitalised_{d.name}") for d in diseases.REGISTRY if d.avoidable_stays
        ),
        "hospitalisations_per_1000": np.divide(
            hosp * 52_000.0, alive, out=np.full(alive.shape, np.nan), where=alive > 0
        ),
        **{
            f"prevalence_{d.name}": pct(
                k(f"prevalent_{d.name}"), k(diseases.DENOMINATORS[d.denominator][0])
            )
            for d in diseases.REGISTRY
        },
        "programme_reached": k("enrolled"),
        "telemonitored": k("telemonitored"),
        "apl": apl,
        "share_over_20_min": over20,
        "share_over_30_min": over30,
    }
    for d in DISEASES:
        out[f"hospitalisations_{d}"] = k(f"hospitalised_{d}")
        out[f"complicated_share_{d}"] = pct(k(f"complicated_{d}"), k(f"prevalent_{d}"))
        out[f"deaths_with_{d}"] = k(f"deaths_with_{d}")
        out[f"followup_up_to_date_{d}"] = 100.0 - pct(k(f"overdue_{d}"), k(f"under_followup_{d}"))
        if f"undiagnosed_share_{d}" in INDICATORS:
            out[f"undiagnosed_share_{d}"] = pct(
                k(f"undiagnosed_{d}"), k(f"undiagnosed_{d}") + k(f"prevalent_{d}")
            )
    if costs is not None:
        total = costs.sum(axis=-1)
        out["cost_total"] = total
        out["cost_per_inhabitant"] = np.divide(
            total * 52.0, alive, out=np.full(alive.shape, np.nan), where=alive > 0
        )
        for j, item in enumerate(accounts.ITEMS):
            out[f"cost_{item}"] = costs[..., j]
    return out


def _add_all_causes(values: dict[str, np.ndarray], model: TerritoryModel) -> None:
    """The all-cause indicators: the simulated part plus the background of what the model does not
    simulate, per inhabitant (``CareParams.other_causes_*``, ``CostParams.other_care_*``)."""
    care, cost = model.care_params, model.cost_params
    alive = values["population"]
    per_1000_year = np.divide(52_000.0, alive, out=np.full(alive.shape, np.nan), where=alive > 0)
    values["emergency_visits_all_causes_per_1000"] = (
        values["emergency_visits"] * per_1000_year
        + care.other_causes_emergency_visits_per_1000_year
    )
    values["hospitalisations_all_causes_per_1000"] = (
        values["hospitalisations_per_1000"] + care.other_causes_stays_per_1000_year
    )
    if "cost_per_inhabitant" in values:
        values["cost_all_causes_per_inhabitant"] = (
            values["cost_per_inhabitant"] + cost.other_care_per_inhabitant_year_eur
        )


def part_level(part: dict) -> str:
    """The level of a part from ``indicator_parts``."""
    return part["level"][1][0]


def _tidy(weeks: np.ndarray, level: str, units: list[str], values: dict[str, np.ndarray]) -> dict:
    """A level's block of weeks as flat columns, rows by week, unit, indicator; each text column as
    (codes, labels)."""
    names = list(values)
    block = np.stack([values[n] for n in names], axis=-1)  # weeks, units, indicators
    w, u, i = block.shape
    # codes built as int32 from the start: a 64-bit temporary of millions of rows costs more than
    # the column
    return {
        "week": np.repeat(weeks.astype(np.int32), u * i),
        "level": (np.zeros(w * u * i, np.int8), [level]),
        "unit": (np.tile(np.repeat(np.arange(u, dtype=np.int32), i), w), list(units)),
        "indicator": (np.tile(np.arange(i, dtype=np.int32), w * u), names),
        "value": block.reshape(-1),
    }


def _codes(parts: list[dict], column: str) -> tuple[np.ndarray, list[str]]:
    """A text column of millions of rows as (codes, labels), built from the parts' own codes (a few
    hundred distinct strings)."""
    categories = list(dict.fromkeys(label for part in parts for label in part[column][1]))
    index = {label: k for k, label in enumerate(categories)}
    codes = [
        np.array([index[label] for label in labels], np.int32)[local]
        for local, labels in (part[column] for part in parts)
    ]
    return np.concatenate(codes), categories


def indicator_frame_of(parts: list[dict]) -> pd.DataFrame:
    """The tidy DataFrame of parts from ``indicator_parts``."""
    return pd.DataFrame(
        {
            "week": np.concatenate([part["week"] for part in parts]),
            **{
                column: pd.Categorical.from_codes(*_codes(parts, column)) for column in TEXT_COLUMNS
            },
            "value": np.concatenate([part["value"] for part in parts]),
        }
    )


def arrow_table(part: dict):
    """A part from ``indicator_parts`` as an Arrow table, text columns dictionary-encoded: the same
    columns as ``indicator_frame``, without pandas and without copying the part's arrays."""
    import pyarrow as pa

    columns = {
        "week": part["week"],
        **{c: pa.DictionaryArray.from_arrays(*part[c]) for c in TEXT_COLUMNS},
        "value": part["value"],
    }
    return pa.table(columns)


def indicator_frame(model: TerritoryModel, levels=LEVELS) -> pd.DataFrame:
    """The indicator battery, tidy: ``week, level, unit, indicator, value`` (text columns
    categorical)."""
    return indicator_frame_of(list(indicator_parts(model, levels)))


def indicator_parts(
    model: TerritoryModel, levels=LEVELS, max_rows: int | None = None
) -> Iterator[dict]:
    """The battery one level at a time, in the order of ``levels``: flat columns, each text column
    as (codes, labels), a level's rows cut by weeks into parts of at most ``max_rows`` rows if
    given. For writing part by part (``arrow_table``) without assembling millions of rows."""
    rec = model.recorder.stacked()
    weeks, counts, costs = rec["week"], rec["counts"], rec["costs"]
    alive_c = counts[..., C["alive"]].astype(float)  # weeks, communes, vulnerable
    far20, far30 = (
        (rec["minutes_to_gp"] > 20).astype(float),
        (rec["minutes_to_gp"] > 30).astype(float),
    )
    std = model.std_population
    # weeks, communes, counters (both vulnerability classes)
    by_commune = counts.sum(axis=2, dtype=np.float64)
    alive_w = alive_c.sum(axis=2)  # weeks, communes
    for level in levels:
        if level == "vulnerable":
            a = counts.sum(axis=1)  # weeks, 2, counters
            pop = alive_c.sum(axis=1)
            over20 = 100 * np.einsum("wcv,wc->wv", alive_c, far20) / np.maximum(pop, 1)
            over30 = 100 * np.einsum("wcv,wc->wv", alive_c, far30) / np.maximum(pop, 1)
            # population-weighted
            apl = np.einsum("wcv,wc->wv", alive_c, rec["apl"]) / np.maximum(pop, 1)
            values = _derive(a[:, ::-1], None, apl[:, ::-1], over20[:, ::-1], over30[:, ::-1])
            _add_all_causes(values, model)
            yield from _tidy_parts(weeks, level, ["vulnerable", "not_vulnerable"], values, max_rows)
            continue
        units, m = _membership(model, level)
        a = _unit_sums(m, by_commune)  # weeks, units, counters
        pop = _unit_sums(m, alive_w)
        weight = _unit_sums(m, std[None, :])
        apl = np.divide(
            _unit_sums(m, rec["apl"] * std),
            weight,
            out=np.full((len(weeks), len(units)), np.nan),
            where=weight > 0,
        )
        over20 = 100 * _unit_sums(m, alive_w * far20) / np.maximum(pop, 1)
        over30 = 100 * _unit_sums(m, alive_w * far30) / np.maximum(pop, 1)
        values = _derive(a, _unit_sums(m, costs), apl, over20, over30)
        _add_all_causes(values, model)
        values["quality_adjusted_population"] = _unit_sums(m, rec["utility"])
        if level == "territory":
            for name, series in model.recorder.providers.items():
                values[name] = np.asarray(series)[:, None]
        yield from _tidy_parts(weeks, level, units, values, max_rows)


def _tidy_parts(
    weeks: np.ndarray,
    level: str,
    units: list[str],
    values: dict[str, np.ndarray],
    max_rows: int | None,
) -> Iterator[dict]:
    """``_tidy`` of the level, in runs of whole weeks of at most ``max_rows`` rows (one part if
    None)."""
    rows_per_week = len(units) * len(values)
    step = len(weeks) if max_rows is None else max(1, max_rows // rows_per_week)
    for start in range(0, len(weeks), step):
        window = slice(start, start + step)
        yield _tidy(weeks[window], level, units, {name: v[window] for name, v in values.items()})


def markdown_table() -> str:
    """The README's indicator table (``python -m territoire.model.results`` prints it)."""
    rows = ["| indicator | unit | meaning |", "|---|---|---|"]
    rows += [f"| `{name}` | {unit} | {meaning} |" for name, (unit, meaning) in INDICATORS.items()]
    return "\n".join(rows)


if __name__ == "__main__":
    print(markdown_table())
