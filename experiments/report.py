"""A self-contained HTML report of a comparison: charts as embedded PNG, no network needed to read
it."""

from __future__ import annotations

import base64
import html
import io
import math
from pathlib import Path

import numpy as np
import pandas as pd

from territoire.model.results import INDICATORS

CHART_INDICATORS = (
    "gp_count",
    "unmet_demand",
    "share_without_gp",
    "avoidable_hospitalisations",
    "cost_per_inhabitant",
    "quality_adjusted_population",
)
TABLE_INDICATORS = (
    "apl",
    "unmet_demand",
    "unmet_share",
    "share_without_gp",
    "emergency_visits",
    "teleconsultations",
    "hospitalisations",
    "avoidable_hospitalisations",
    "deaths",
    "quality_adjusted_population",
    "cost_per_inhabitant",
    "cost_total",
    "gp_count",
    "gp_workload",
    "coordinated_share",
    "programme_reached",
    "telemonitored",
    "waiting_weeks_cardiology",
)
AIM_TITLES = {
    "patient_experience": "Expérience patient / patient experience",
    "population_health": "Santé de la population / population health",
    "cost": "Coûts / cost",
    "professionals": "Professionnels / professionals",
}
VERDICT_COLOUR = {"better": "#1a9850", "worse": "#d73027", "unclear": "#878787"}


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80)
    import matplotlib.pyplot as plt

    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def _fmt(v: float) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return (
            {math.inf: "dominated", -math.inf: "dominant"}.get(v, "–")
            if isinstance(v, float)
            else "–"
        )
    a = abs(v)
    return f"{v:,.0f}" if a >= 1000 else f"{v:,.2f}" if a >= 1 else f"{v:.3f}"


def time_chart(comp, level: str = "territory", unit: str = "territory") -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    s = comp.series[(comp.series["level"] == level) & (comp.series["unit"] == unit)]
    fig, axes = plt.subplots(2, 3, figsize=(13, 7), constrained_layout=True)
    for ax, ind in zip(axes.flat, CHART_INDICATORS):
        sub = s[s["indicator"] == ind]
        for name, grp in sub.groupby("scenario", sort=False, observed=True):
            wide = grp.pivot_table(index="week", columns="replicate", values="value", observed=True)
            flow = INDICATORS[ind][0].endswith(("/week", "/year"))
            wide = wide.rolling(13, min_periods=1).mean() if flow else wide
            mean = wide.mean(axis=1)
            style = dict(color="black", linestyle="--") if name == "baseline" else {}
            ax.plot(mean.index / 52, mean.values, label=name, **style)
            ax.fill_between(
                mean.index / 52,
                wide.min(axis=1),
                wide.max(axis=1),
                alpha=0.15,
                **({"color": "black"} if name == "baseline" else {}),
            )
        ax.set_title(f"{ind.replace('_', ' ')} ({INDICATORS[ind][0]})", fontsize=10)
        ax.set_xlabel("years of policy")
        ax.grid(alpha=0.3)
    axes.flat[0].legend(fontsize=8)
    return _png(fig)


def map_chart(comp, scenario: str, territory=None) -> str:
    """Communes as points coloured by the change in APL and in unmet demand; the priority zone
    outlined."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    c = comp.communes[comp.communes["scenario"] == scenario]
    fig, axes = plt.subplots(1, 2, figsize=(13, 5.5), constrained_layout=True)
    panels = (
        ("apl_last_year_change", "change in APL (last year)", "RdYlGn"),
        ("unmet_per_1000_per_year_change", "change in unmet demand per 1,000 per year", "RdYlGn_r"),
    )
    for ax, (col, title, cmap) in zip(axes, panels):
        if territory is not None:
            g = territory.graph
            for a, b in g.edges():
                if g.nodes[a]["kind"] == "commune" and g.nodes[b]["kind"] == "commune":
                    ax.plot(
                        [g.nodes[a]["lon"], g.nodes[b]["lon"]],
                        [g.nodes[a]["lat"], g.nodes[b]["lat"]],
                        color="#dddddd",
                        lw=0.5,
                        zorder=0,
                    )
        v = c[col].to_numpy()
        lim = max(float(np.nanmax(np.abs(v))) if v.size else 1.0, 1e-9)
        zip_ = (c["zone"] == "ZIP").to_numpy()
        sc = ax.scatter(
            c["lon"],
            c["lat"],
            c=v,
            cmap=cmap,
            vmin=-lim,
            vmax=lim,
            s=40,
            edgecolors=np.where(zip_, "black", "none"),
            linewidths=np.where(zip_, 1.0, 0.0),
            zorder=2,
        )
        fig.colorbar(sc, ax=ax, shrink=0.8)
        ax.set_title(f"{scenario}: {title}", fontsize=10)
        ax.set_aspect(1 / math.cos(math.radians(float(c["lat"].mean()) if len(c) else 48.8)))
        ax.set_xticks([])
        ax.set_yticks([])
    axes[0].text(
        0.01,
        0.01,
        "black ring: priority zone (ZIP, Alsace Bossue)",
        transform=axes[0].transAxes,
        fontsize=8,
    )
    return _png(fig)


def _table(df: pd.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    body = "".join(
        "<tr>"
        + "".join(
            f"<td>{html.escape(_fmt(v) if isinstance(v, (int, float, np.floating)) else str(v))}"
            "</td>"
            for v in row
        )
        + "</tr>"
        for row in df.itertuples(index=False)
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _tiles(comp, scenario: str) -> str:
    qa = comp.quadruple_aim[comp.quadruple_aim["scenario"] == scenario]
    tiles = []
    for aim, title in AIM_TITLES.items():
        rows = qa[qa["aim"] == aim]
        items = "".join(
            f"<li style='color:{VERDICT_COLOUR[r.verdict]}'>"
            f"<b>{html.escape(r.indicator.replace('_', ' '))}</b>: "
            f"{_fmt(r.difference)} {html.escape(r.measure)} "
            f"[{_fmt(r.low)}; {_fmt(r.high)}] — {r.verdict}</li>"
            for r in rows.itertuples()
        )
        tiles.append(f"<div class='tile'><h4>{html.escape(title)}</h4><ul>{items}</ul></div>")
    return "<div class='tiles'>" + "".join(tiles) + "</div>"


def write_report(comp, path: str | Path, territory=None) -> Path:
    path = Path(path)
    d = comp.differences
    parts = [
        (
            "<!doctype html><html lang='fr'><head><meta charset='utf-8'>"
            "<title>territoire — comparaison de scénarios</title>"
        ),
        (
            "<style>"
            "body{font-family:sans-serif;max-width:1200px;margin:auto;padding:1em;color:#222}"
            "table{border-collapse:collapse;font-size:12px;margin:0.5em 0}"
            "td,th{border:1px solid #ccc;padding:3px 6px;text-align:right}"
            "th{background:#f0f0f0}td:first-child,th:first-child{text-align:left}"
            ".tiles{display:flex;gap:1em;flex-wrap:wrap}"
            ".tile{flex:1 1 260px;border:1px solid #ccc;border-radius:6px;padding:0.5em}"
            ".tile h4{margin:0.2em 0}"
            ".tile ul{padding-left:1.2em;font-size:13px}img{max-width:100%}</style></head><body>"
        ),
        "<h1>Comparaison de scénarios / scenario comparison</h1>",
        (
            f"<p>{len(comp.scenarios)} scenario(s) against the baseline, "
            f"{comp.replicates} replicate(s) with common random numbers, "
            f"{comp.years:g} years of policy after a shared baseline burn-in; "
            f"computed in {comp.seconds:.0f} s. "
            "Differences are scenario − baseline, mean over replicates with a 95 % t-interval; "
            f"costs and QALYs discounted at {comp.discount_rate:.1%} a year (HAS guideline).</p>"
        ),
    ]
    for name in comp.scenarios:
        desc = comp.descriptions.get(name, {})
        parts.append(
            f"<h2>{html.escape(name)}</h2><p>{html.escape(desc.get('fr', ''))}<br>"
            f"<i>{html.escape(desc.get('en', ''))}</i></p>"
        )
        parts.append("<h3>Quadruple aim</h3>" + _tiles(comp, name))
        parts.append(
            f"<h3>Map</h3><img alt='map {html.escape(name)}' "
            f"src='{map_chart(comp, name, territory)}'>"
        )
        t = d[
            (d["scenario"] == name)
            & (d["level"] == "territory")
            & d["indicator"].isin(TABLE_INDICATORS)
        ]
        t = (
            t.set_index("indicator")
            .loc[[i for i in TABLE_INDICATORS if i in set(t["indicator"])]]
            .reset_index()
        )
        parts.append(
            "<h3>Territory (horizon mean and last year)</h3>"
            + _table(
                t[
                    [
                        "indicator",
                        "measure",
                        "horizon_mean_baseline",
                        "horizon_mean_scenario",
                        "horizon_mean_difference",
                        "horizon_mean_low",
                        "horizon_mean_high",
                        "last_year_mean_difference",
                        "last_year_mean_low",
                        "last_year_mean_high",
                    ]
                ]
            )
        )
        z = d[
            (d["scenario"] == name)
            & d["level"].isin(["zone", "epci", "vulnerable"])
            & d["indicator"].isin(
                [
                    "apl",
                    "unmet_share",
                    "share_without_gp",
                    "avoidable_hospitalisations",
                    "cost_per_inhabitant",
                ]
            )
        ]
        parts.append(
            "<h3>By zone, EPCI and vulnerability (horizon mean difference)</h3>"
            + _table(
                z.pivot_table(
                    index=["level", "unit"],
                    columns="indicator",
                    values="horizon_mean_difference",
                    observed=True,
                ).reset_index()
            )
        )
        e = comp.economics[comp.economics["scenario"] == name][["metric", "mean", "low", "high"]]
        parts.append("<h3>Shared savings and health economics (over the horizon)</h3>" + _table(e))
    parts.append(
        f"<h2>Indicators over time</h2><img alt='indicators over time' src='{time_chart(comp)}'>"
    )
    parts.append(
        "<p><small>territoire — agent-based simulation; every parameter's source or 'assumption' "
        "label is in the code and scenario files. Shading: range over replicates.</small></p>"
        "</body></html>"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("\n".join(parts), encoding="utf-8")
    tmp.replace(path)
    return path
