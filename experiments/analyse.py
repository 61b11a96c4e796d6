"""Sensitivity analysis of a sweep folder: Sobol indices (Sobol design), main effects (grid) or rank
correlations (Latin hypercube), and a self-contained HTML report."""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np
import pandas as pd

from territoire.experiments.report import _png, _table
from territoire.experiments.sweep import (
    SweepError,
    SweepSpec,
    load_results,
    read_manifest,
    salib_problem,
)


def sobol_indices(problem: dict, y: np.ndarray, seed: int = 0) -> pd.DataFrame:
    """First-order and total Sobol indices (SALib, Saltelli estimator) with 95 % bootstrap
    half-widths."""
    from SALib.analyze import sobol

    res = sobol.analyze(
        problem, np.asarray(y, float), calc_second_order=False, print_to_console=False, seed=seed
    )
    return pd.DataFrame(
        {
            "parameter": problem["names"],
            "S1": res["S1"],
            "S1_conf": res["S1_conf"],
            "ST": res["ST"],
            "ST_conf": res["ST_conf"],
        }
    )


def run_outputs(results: pd.DataFrame, spec: SweepSpec) -> pd.DataFrame:
    """One row per design point: parameter values and, per indicator, its territory mean over the
    horizon (averaged over replicates)."""
    t = results[results["level"] == "territory"]
    per_run = t.groupby(["run", "point", "indicator"])["value"].mean().unstack("indicator")
    per_point = per_run.groupby(level="point").mean()
    params = results.groupby("point")[[f"param:{p.path}" for p in spec.parameters]].first()
    params.columns = [p.path for p in spec.parameters]
    return params.join(per_point)


def analyse(out: str | Path) -> dict[str, pd.DataFrame]:
    manifest = read_manifest(out)
    spec = SweepSpec.from_dict(manifest["sweep"])
    results = load_results(out)
    if results.empty:
        raise SweepError(f"{out}: no finished run to analyse")
    points = run_outputs(results, spec)
    names = [p.path for p in spec.parameters]
    tables = {}
    for ind in spec.indicators:
        if ind not in points:
            continue
        y = points[ind]
        if spec.design == "sobol":
            expected = spec.samples * (len(names) + 2)
            if len(points) != expected:
                raise SweepError(
                    f"{out}: Sobol indices need all {expected} points; {len(points)} are finished"
                )
            tables[ind] = sobol_indices(salib_problem(spec), y.sort_index().to_numpy())
        elif spec.design == "grid":
            rows = []
            for name in names:
                effect = y.groupby(points[name]).mean()
                rows += [
                    {"parameter": name, "level": lv, "mean": v, "main_effect": v - y.mean()}
                    for lv, v in effect.items()
                ]
            tables[ind] = pd.DataFrame(rows)
        else:
            rows = [{"parameter": n, "spearman": points[n].rank().corr(y.rank())} for n in names]
            tables[ind] = pd.DataFrame(rows).sort_values("spearman", key=np.abs, ascending=False)
    return {"spec": spec, "points": points, "tables": tables}


def _charts(result: dict, indicator: str) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    spec, points, table = result["spec"], result["points"], result["tables"][indicator]
    names = [p.path for p in spec.parameters]
    imgs = []
    fig, ax = plt.subplots(figsize=(7, 0.5 + 0.45 * len(names)), constrained_layout=True)
    if spec.design == "sobol":
        order = table.sort_values("ST")
        ax.barh(
            order["parameter"],
            order["ST"],
            xerr=order["ST_conf"],
            color="#9ecae1",
            label="total (ST)",
        )
        ax.barh(
            order["parameter"],
            order["S1"],
            xerr=order["S1_conf"],
            color="#3182bd",
            height=0.5,
            label="first order (S1)",
        )
        ax.legend(fontsize=8)
        ax.set_xlabel("Sobol index")
    elif spec.design == "grid":
        rng = table.groupby("parameter")["mean"].agg(lambda v: v.max() - v.min()).sort_values()
        ax.barh(rng.index, rng.values, color="#3182bd")
        ax.set_xlabel(f"range of main effect on {indicator}")
    else:
        order = table.iloc[::-1]
        ax.barh(
            order["parameter"],
            order["spearman"],
            color=np.where(order["spearman"] > 0, "#d73027", "#1a9850"),
        )
        ax.set_xlabel(f"Spearman correlation with {indicator}")
    ax.set_title(f"tornado: {indicator}", fontsize=10)
    imgs.append(_png(fig))
    if spec.design == "grid" and len(names) == 2:
        heat = points.pivot_table(index=names[0], columns=names[1], values=indicator)
        fig, ax = plt.subplots(figsize=(6, 4.5), constrained_layout=True)
        im = ax.imshow(heat.to_numpy(), origin="lower", aspect="auto", cmap="viridis")
        ax.set_xticks(range(heat.shape[1]), [f"{v:g}" for v in heat.columns])
        ax.set_yticks(range(heat.shape[0]), [f"{v:g}" for v in heat.index])
        ax.set_xlabel(names[1])
        ax.set_ylabel(names[0])
        fig.colorbar(im, ax=ax, label=indicator)
        imgs.append(_png(fig))
    fig, axes = plt.subplots(
        1, len(names), figsize=(4 * len(names), 3.2), constrained_layout=True, squeeze=False
    )
    for ax, name in zip(axes[0], names):
        ax.scatter(points[name], points[indicator], s=12, alpha=0.7)
        ax.set_xlabel(name, fontsize=8)
        ax.set_ylabel(indicator, fontsize=8)
        ax.grid(alpha=0.3)
    imgs.append(_png(fig))
    return imgs


def write_analysis(out: str | Path, path: str | Path | None = None) -> Path:
    result = analyse(out)
    spec = result["spec"]
    path = Path(path) if path else Path(out) / "analysis.html"
    parts = [
        (
            "<!doctype html><html><head><meta charset='utf-8'>"
            "<title>territoire — sensitivity analysis</title>"
        ),
        (
            "<style>body{font-family:sans-serif;max-width:1100px;margin:auto;padding:1em}"
            "table{border-collapse:collapse;font-size:12px}"
            "td,th{border:1px solid #ccc;padding:3px 6px;text-align:right}img{max-width:100%}"
            "</style></head><body>"
        ),
        (
            f"<h1>Sweep {html.escape(spec.name)}</h1><p>{spec.design} design, "
            f"{len(result['points'])} points × {spec.replicates} "
            f"replicate(s), {spec.years:g} years from the base scenario "
            f"{html.escape(spec.base_scenario)}. Outputs are territory "
            "means over the horizon.</p>"
        ),
    ]
    for ind, table in result["tables"].items():
        parts.append(f"<h2>{html.escape(ind)}</h2>" + _table(table))
        parts += [f"<img alt='{html.escape(ind)}' src='{img}'>" for img in _charts(result, ind)]
    parts.append("</body></html>")
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("\n".join(parts), encoding="utf-8")
    tmp.replace(path)
    return path
