"""Compare scenarios with the baseline, with common random numbers, over replicates.

Every scenario and the baseline branch from the same burned-in baseline (the checkpoint). Replicate
r of every scenario uses the same random streams as replicate r of the baseline, so a difference is
the policy, not noise; the spread across replicates gives a 95 % interval.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from territoire.errors import UserError
from territoire.experiments.economics import (
    DEFAULT_DISCOUNT_RATE,
    discount_factors,
    icer,
    mean_interval,
    shared_savings,
)
from territoire.model.results import INDICATORS
from territoire.scenarios.schema import Scenario, ScenarioError, load_scenario

SUMMARY_LEVELS = ("territory", "zone", "epci", "vulnerable")
TRACKED_LEVELS = ("territory", "zone")  # weekly series kept for the charts
# what the territory invests; the rest is care paid by the insurer
INVESTMENT_ITEMS = ("cost_levers", "cost_programme")

#: The quadruple aim (seed document 000): indicator, and whether a rise is good.
QUADRUPLE_AIM = {
    "patient_experience": (
        ("unmet_share", False),
        ("share_without_gp", False),
        ("emergency_visits", False),
    ),
    "population_health": (
        ("avoidable_hospitalisations", False),
        ("deaths", False),
        ("quality_adjusted_population", True),
    ),
    "cost": (("cost_per_inhabitant", False),),
    "professionals": (("gp_workload", False), ("coordinated_share", True), ("gp_count", True)),
}


@dataclass
class Comparison:
    scenarios: list[str]
    replicates: int
    years: float
    discount_rate: float
    # scenario, replicate, week, level, unit, indicator, value (territory and zone)
    series: pd.DataFrame
    # scenario − baseline by level, unit and indicator, with 95 % intervals
    differences: pd.DataFrame
    economics: pd.DataFrame  # scenario, metric, mean, low, high
    quadruple_aim: pd.DataFrame
    communes: pd.DataFrame  # per scenario and commune: change in APL and unmet demand (for the map)
    seconds: float = 0.0
    descriptions: dict = field(default_factory=dict)


def _summaries(frame: pd.DataFrame, last_weeks: int) -> pd.DataFrame:
    last = frame["week"] >= frame["week"].max() - last_weeks + 1
    keys = ["level", "unit", "indicator"]
    mean = frame.groupby(keys, observed=True)["value"].mean().rename("horizon_mean")
    end = frame[last].groupby(keys, observed=True)["value"].mean().rename("last_year_mean")
    return pd.concat([mean, end], axis=1).reset_index()


def _economics(frame: pd.DataFrame, rate: float) -> dict[str, float]:
    t = frame[frame["level"] == "territory"].pivot_table(
        index="week", columns="indicator", values="value", observed=True
    )
    weeks = t.index.to_numpy()
    disc = discount_factors(weeks, rate)
    invest = sum(t[c] for c in INVESTMENT_ITEMS if c in t)
    return {
        "cost_total_eur": float(t["cost_total"].sum()),
        "cost_total_discounted_eur": float((t["cost_total"] * disc).sum()),
        "care_cost_eur": float((t["cost_total"] - invest).sum()),
        "care_cost_discounted_eur": float(((t["cost_total"] - invest) * disc).sum()),
        "investment_eur": float(invest.sum()),
        "investment_discounted_eur": float((invest * disc).sum()),
        "life_years": float(t["population"].sum() / 52.0),
        "qalys": float(t["quality_adjusted_population"].sum() / 52.0),
        "qalys_discounted": float((t["quality_adjusted_population"] * disc).sum() / 52.0),
    }


def _commune_summary(model) -> pd.DataFrame:
    from territoire.model.indicators import C, unmet_demand

    rec = model.recorder.stacked()
    counts = rec["counts"].sum(axis=2)
    unmet = unmet_demand(counts)
    alive = counts[..., C["alive"]].mean(axis=0)
    years = counts.shape[0] / 52.0
    c = model.territory.communes
    return pd.DataFrame(
        {
            "insee": c["insee"],
            "name": c["name"],
            "lat": c["lat"],
            "lon": c["lon"],
            "zone": c["zone"],
            "epci": c["epci_name"],
            "apl_last_year": rec["apl"][-52:].mean(axis=0),
            "unmet_per_1000_per_year": 1000.0 * unmet.sum(axis=0) / np.maximum(alive, 1) / years,
            "share_without_gp_last_year": 100.0
            * counts[-52:, :, C["without_gp"]].mean(axis=0)
            / np.maximum(counts[-52:, :, C["alive"]].mean(axis=0), 1),
        }
    )


def _check_common(scenarios: list[Scenario], baseline: Scenario) -> None:
    for s in scenarios:
        for attr in ("seed", "burn_in_years", "territory"):
            if getattr(s, attr) != getattr(baseline, attr):
                raise ScenarioError(
                    f"{s.source}: {attr} = {getattr(s, attr)!r} differs from the baseline's "
                    f"{getattr(baseline, attr)!r}: compared scenarios must share it "
                    "(common random numbers)"
                )


def compare(
    scenarios: list[Scenario | str],
    replicates: int = 5,
    years: float | None = None,
    checkpoint=None,
    discount_rate: float = DEFAULT_DISCOUNT_RATE,
    baseline: Scenario | str = "baseline",
    progress: bool = True,
    seed: int | None = None,
    territory: str | None = None,
    cache=None,
) -> Comparison:
    """Run the baseline and each scenario for ``replicates`` replicates from one checkpoint;
    summarise the differences.

    The burn-in comes from ``checkpoint`` if given, else from the burn-in ``cache``
    (``BurnInCache``) if given and holding it, else it is simulated."""
    from tqdm.auto import tqdm

    from territoire.scenarios.checkpoint import load_checkpoint
    from territoire.scenarios.run import branch, burned_in

    # checked before any run: a negative rate would otherwise fail only once the first runs are done
    if replicates < 1:
        raise UserError(f"replicates must be >= 1, got {replicates}")
    if not discount_rate >= 0:
        raise UserError(f"discount rate must be >= 0, got {discount_rate}")
    resolved = [s if isinstance(s, Scenario) else load_scenario(s) for s in scenarios]
    base = baseline if isinstance(baseline, Scenario) else load_scenario(baseline)
    if seed is not None:
        for s in (*resolved, base):
            s.seed = seed
    if territory is not None:
        for s in (*resolved, base):
            s.territory["file"] = territory
    elif (
        base.territory.get("file") is None
        and resolved
        and all(s.territory.get("file") == resolved[0].territory.get("file") for s in resolved)
    ):
        # compare on their territory
        base.territory.update({k: v for k, v in resolved[0].territory.items() if k == "file"})
    _check_common(resolved, base)
    horizon = (
        years if years is not None else max(s.years for s in resolved) if resolved else base.years
    )
    weeks = int(round(horizon * 52))
    start = time.perf_counter()
    start_model = (
        load_checkpoint(checkpoint, base)
        if checkpoint
        else burned_in(base, progress=False, cache=cache)
    )

    everyone = [base, *resolved]
    summaries, econ, series, communes = [], [], [], []
    bar = tqdm(total=len(everyone) * replicates, desc="runs", unit="run", disable=not progress)
    for r in range(replicates):
        for s in everyone:
            model = branch(start_model, s, replicate=r).run(weeks)
            frame = model.indicators(levels=SUMMARY_LEVELS)
            summ = _summaries(frame, min(52, weeks))
            summ["scenario"], summ["replicate"] = s.name, r
            summaries.append(summ)
            ec = _economics(frame, discount_rate)
            share = (model.shared_savings or {}).get("share_returned", 0.5)
            budget = (model.shared_savings or {}).get(
                "programme_budget_per_year_eur", 0.0
            ) * horizon
            econ.append(
                {
                    "scenario": s.name,
                    "replicate": r,
                    "share_returned": share,
                    "budget_eur": budget,
                    **ec,
                }
            )
            kept = frame[frame["level"].isin(TRACKED_LEVELS)].copy()
            kept["scenario"], kept["replicate"] = s.name, r
            series.append(kept)
            cs = _commune_summary(model)
            cs["scenario"], cs["replicate"] = s.name, r
            communes.append(cs)
            bar.update(1)
    bar.close()

    summary = pd.concat(summaries, ignore_index=True)
    econ_df = pd.DataFrame(econ)
    commune_df = pd.concat(communes, ignore_index=True)
    differences = _differences(summary, base.name, [s.name for s in resolved])
    economics = _economics_table(econ_df, base.name, [s.name for s in resolved])
    return Comparison(
        scenarios=[s.name for s in resolved],
        replicates=replicates,
        years=horizon,
        discount_rate=discount_rate,
        series=pd.concat(series, ignore_index=True),
        differences=differences,
        economics=economics,
        quadruple_aim=_quadruple_aim(differences),
        communes=_commune_changes(commune_df, base.name),
        seconds=time.perf_counter() - start,
        descriptions={s.name: s.description for s in everyone},
    )


def _differences(summary: pd.DataFrame, base: str, names: list[str]) -> pd.DataFrame:
    keys = ["level", "unit", "indicator"]
    b = summary[summary["scenario"] == base].set_index([*keys, "replicate"])
    rows = []
    for name in names:
        s = summary[summary["scenario"] == name].set_index([*keys, "replicate"])
        joined = s[["horizon_mean", "last_year_mean"]].join(
            b[["horizon_mean", "last_year_mean"]].add_suffix("_baseline")
        )
        for key, grp in joined.groupby(level=keys, observed=True):
            row = {
                "scenario": name,
                **dict(zip(keys, key)),
                "measure": INDICATORS.get(key[2], ("", ""))[0],
            }
            for col in ("horizon_mean", "last_year_mean"):
                diff = (grp[col] - grp[f"{col}_baseline"]).to_numpy()
                mean, low, high = (
                    mean_interval(diff[~np.isnan(diff)])
                    if np.isfinite(diff).any()
                    else (math.nan,) * 3
                )
                row.update(
                    {
                        f"{col}_baseline": grp[f"{col}_baseline"].mean(),
                        f"{col}_scenario": grp[col].mean(),
                        f"{col}_difference": mean,
                        f"{col}_low": low,
                        f"{col}_high": high,
                    }
                )
            rows.append(row)
    return pd.DataFrame(rows)


def _economics_table(econ: pd.DataFrame, base: str, names: list[str]) -> pd.DataFrame:
    b = econ[econ["scenario"] == base].set_index("replicate")
    rows = []
    for name in names:
        s = econ[econ["scenario"] == name].set_index("replicate")
        per_rep = []
        for r in s.index:
            acct = shared_savings(
                b.loc[r, "care_cost_eur"],
                s.loc[r, "care_cost_eur"],
                s.loc[r, "investment_eur"] - b.loc[r, "investment_eur"] + s.loc[r, "budget_eur"],
                s.loc[r, "share_returned"],
            )
            d_cost = s.loc[r, "cost_total_discounted_eur"] - b.loc[r, "cost_total_discounted_eur"]
            d_qaly = s.loc[r, "qalys_discounted"] - b.loc[r, "qalys_discounted"]
            per_rep.append(
                {
                    **acct,
                    "delta_cost_discounted_eur": d_cost,
                    "delta_life_years": s.loc[r, "life_years"] - b.loc[r, "life_years"],
                    "delta_qalys": s.loc[r, "qalys"] - b.loc[r, "qalys"],
                    "delta_qalys_discounted": d_qaly,
                }
            )
        per = pd.DataFrame(per_rep)
        for metric in per.columns:
            mean, low, high = mean_interval(per[metric].to_numpy())
            rows.append(
                {"scenario": name, "metric": metric, "mean": mean, "low": low, "high": high}
            )
        d_cost = per["delta_cost_discounted_eur"].mean()
        d_qaly = per["delta_qalys_discounted"].mean()
        rows.append(
            {
                "scenario": name,
                "metric": "icer_eur_per_qaly",
                "mean": icer(d_cost, d_qaly),
                "low": math.nan,
                "high": math.nan,
            }
        )
    return pd.DataFrame(rows)


def _quadruple_aim(differences: pd.DataFrame) -> pd.DataFrame:
    d = differences[differences["level"] == "territory"].set_index(["scenario", "indicator"])
    rows = []
    for name in differences["scenario"].unique():
        for aim, items in QUADRUPLE_AIM.items():
            for indicator, rise_is_good in items:
                if (name, indicator) not in d.index:
                    continue
                r = d.loc[(name, indicator)]
                low, high, mean = (
                    r["horizon_mean_low"],
                    r["horizon_mean_high"],
                    r["horizon_mean_difference"],
                )
                if np.isnan(low) or (low <= 0 <= high) or mean == 0:
                    verdict = "unclear"
                else:
                    verdict = "better" if (mean > 0) == rise_is_good else "worse"
                rows.append(
                    {
                        "scenario": name,
                        "aim": aim,
                        "indicator": indicator,
                        "measure": r["measure"],
                        "baseline": r["horizon_mean_baseline"],
                        "scenario_value": r["horizon_mean_scenario"],
                        "difference": mean,
                        "low": low,
                        "high": high,
                        "verdict": verdict,
                    }
                )
    return pd.DataFrame(rows)


def _commune_changes(communes: pd.DataFrame, base: str) -> pd.DataFrame:
    mean = (
        communes.groupby(["scenario", "insee"], sort=False)
        .agg(
            name=("name", "first"),
            lat=("lat", "first"),
            lon=("lon", "first"),
            zone=("zone", "first"),
            epci=("epci", "first"),
            apl_last_year=("apl_last_year", "mean"),
            unmet_per_1000_per_year=("unmet_per_1000_per_year", "mean"),
            share_without_gp_last_year=("share_without_gp_last_year", "mean"),
        )
        .reset_index()
    )
    b = mean[mean["scenario"] == base].set_index("insee")
    out = mean[mean["scenario"] != base].copy()
    for col in ("apl_last_year", "unmet_per_1000_per_year", "share_without_gp_last_year"):
        out[f"{col}_change"] = out[col].to_numpy() - b.loc[out["insee"], col].to_numpy()
    return out.reset_index(drop=True)


def save_comparison(comp: Comparison, out, lang: str = "en", territory=None) -> dict:
    """Write every table (Parquet, CSV, one XLSX), the communes as GeoJSON and the HTML report."""
    from pathlib import Path

    from territoire.experiments.export import write_geojson, write_tables
    from territoire.experiments.report import write_report

    out = Path(out)
    tables = {
        "differences": comp.differences,
        "economics": comp.economics,
        "quadruple_aim": comp.quadruple_aim,
        "communes": comp.communes,
        "series": comp.series,
    }
    files = write_tables(
        tables, out, lang=lang, sheets_by={"differences": "level"}, not_in_xlsx=("series",)
    )
    files.append(write_geojson(comp.communes, out / "communes.geojson"))
    files.append(write_report(comp, out / "report.html", territory))
    return {"files": files, "report": out / "report.html"}
