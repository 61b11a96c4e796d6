"""What the dashboard shows, computed from the models (the Solara page in ``app.py`` only draws it).

A ``Future`` is a scenario model and its baseline, both branched from the same burned-in baseline
with the same replicate: common random numbers, so the gap between them is the policy.
"""

from __future__ import annotations

import html
import io
import math
import threading
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from territoire.agents.providers import MSP, Hospital, Pharmacy
from territoire.model.gc_pause import gc_paused
from territoire.model.indicators import C, unmet_demand
from territoire.scenarios.levers import Lever
from territoire.scenarios.schema import Scenario, load_scenario, parse_scenario

#: Map colourings: indicator → (French label, English label, colour map, higher is better)
MAP_INDICATORS = {
    "apl": ("APL (consultations/hab. std/an)", "APL (visits/std inhabitant/year)", "RdYlGn", True),
    "unmet_per_1000": (
        "Demande non satisfaite /1000 hab./sem.",
        "Unmet demand /1,000/week",
        "RdYlGn_r",
        False,
    ),
    "without_gp_pct": (
        "% sans médecin traitant",
        "% without a médecin traitant",
        "RdYlGn_r",
        False,
    ),
    "minutes_to_gp": (
        "Minutes jusqu'au généraliste",
        "Minutes to the nearest GP",
        "RdYlGn_r",
        False,
    ),
    "hospitalisations_per_1000": (
        "Hospitalisations /1000 hab./an",
        "Hospital stays /1,000/year",
        "RdYlGn_r",
        False,
    ),
}
#: Charts over time: indicator → (French, English)
CHARTS = {
    "gp_count": ("Médecins généralistes", "GPs"),
    "unmet_demand": ("Demande non satisfaite (visites/sem.)", "Unmet demand (visits/week)"),
    "share_without_gp": ("% sans médecin traitant", "% without a médecin traitant"),
    "hospitalisations": ("Hospitalisations (séjours/sem.)", "Hospital stays (per week)"),
    "cost_per_inhabitant": ("Coût par habitant (€/an)", "Cost per inhabitant (EUR/year)"),
    "apl": ("APL", "APL"),
}

_START_MODELS: dict = {}
_START_LOCK = threading.Lock()


def start_model(scenario: Scenario):
    """The burned-in baseline for a seed and territory, shared read-only: loaded from the burn-in
    cache when an earlier run left it there, else simulated once per process (and cached)."""
    from territoire.scenarios.burn_in_cache import BurnInCache
    from territoire.scenarios.checkpoint import CheckpointKey
    from territoire.scenarios.run import burned_in

    key = CheckpointKey.of(scenario)
    with _START_LOCK:
        if key not in _START_MODELS:
            _START_MODELS[key] = burned_in(scenario, cache=BurnInCache())
        return _START_MODELS[key]


def scenario_with_controls(base: Scenario, controls: dict) -> Scenario:
    """The chosen scenario with the dashboard's sliders applied as levers (a slider at 0 adds
    nothing)."""
    levers = [Lever(lv.type, lv.start_week, lv.ramp_weeks, dict(lv.params)) for lv in base.levers]

    def put(kind: str, **params):
        lever = next((lv for lv in levers if lv.type == kind), None)
        if lever is None:
            from territoire.scenarios.levers import LEVERS

            lever = Lever(kind, 0, 0, LEVERS[kind].defaults())
            levers.append(lever)
        lever.params.update(params)

    if controls.get("tele_uptake", 0) > 0:
        put("teleconsultation", uptake=float(controls["tele_uptake"]))
    if controls.get("telemonitoring", 0) > 0:
        put(
            "telemonitoring",
            coverage=float(controls["telemonitoring"]),
            diseases=["heart_failure", "diabetes"],
        )
    if controls.get("programme", 0) > 0:
        put("programme", enrolment=float(controls["programme"]))
    if controls.get("nurses", 0) > 0:
        put("practice_nurses", nurses=int(controls["nurses"]))
    if controls.get("transport"):
        put("on_demand_transport", coverage=0.6)
    for commune, count in (controls.get("new_gps") or {}).items():
        if count > 0:
            levers.append(
                Lever(
                    "new_gps",
                    0,
                    0,
                    {
                        "commune": commune,
                        "count": int(count),
                        "age": 35.0,
                        "fte": 1.0,
                        "activity": 4_800.0,
                        "practice": "solo",
                    },
                )
            )
    return Scenario(
        base.name,
        base.description,
        int(controls.get("seed", base.seed)),
        float(controls.get("years", base.years)),
        base.burn_in_years,
        dict(base.territory),
        levers,
        base.source,
    )


@dataclass
class Future:
    """A scenario and its baseline, stepped together."""

    scenario: Scenario
    model: object = None
    baseline: object = None
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def create(cls, scenario: Scenario) -> Future:
        from territoire.scenarios.run import branch

        start = start_model(scenario)
        base = load_scenario("baseline")
        base.seed, base.territory = scenario.seed, dict(scenario.territory)
        return cls(scenario, branch(start, scenario, 0), branch(start, base, 0))

    @property
    def week(self) -> int:
        return self.model.policy_week

    @property
    def horizon_weeks(self) -> int:
        return self.scenario.weeks

    @property
    def done(self) -> bool:
        return self.week >= self.horizon_weeks

    def step(self, weeks: int = 1) -> None:
        with self.lock, gc_paused():
            for _ in range(min(weeks, self.horizon_weeks - self.week)):
                self.model.step()
                self.baseline.step()

    def run_to_end(
        self, on_progress=None, chunk: int = 13, stop: threading.Event | None = None
    ) -> None:
        while not self.done and not (stop and stop.is_set()):
            self.step(chunk)
            if on_progress:
                on_progress(self.week / self.horizon_weeks)


def key_series(model) -> pd.DataFrame:
    """Weekly series of the charted indicators, by zone (ZIP, ZAC) and for the territory.

    Kept on the model and extended with the weeks recorded since the last call, so that a Step late
    in a 10-year run costs as little as one early on."""
    rec = model.recorder
    if not len(rec):
        return pd.DataFrame(columns=["week", "unit", "indicator", "value"])
    cached = getattr(model, "_dashboard_series", None)
    if cached is None or cached[0] is not rec:  # a new policy horizon starts a new recorder
        cached = (rec, 0, None)
    _, done, frame = cached
    if done < len(rec):
        new = _key_series(model, done)
        frame = new if frame is None else pd.concat([frame, new], ignore_index=True)
        model._dashboard_series = (rec, len(rec), frame)
    return frame


def _key_series(model, start: int = 0) -> pd.DataFrame:
    """The key series of the weeks recorded from ``start`` on."""
    rec = model.recorder
    counts = np.stack(rec.counts[start:]).sum(axis=2).astype(float)  # weeks, communes, counters
    costs = np.stack(rec.costs[start:]).sum(axis=2)
    apl = np.stack(rec.apl[start:])
    t = model.territory
    std = model.std_population
    frames = []
    for unit, mask in (
        ("territory", np.ones(t.n_communes, bool)),
        ("ZIP", t.is_zip),
        ("ZAC", ~t.is_zip),
    ):
        if not mask.any():
            continue
        c = counts[:, mask].sum(axis=1)
        alive = np.maximum(c[:, C["alive"]], 1)
        values = {
            "unmet_demand": unmet_demand(c),
            "share_without_gp": 100 * c[:, C["without_gp"]] / alive,
            "hospitalisations": c[:, C["hospitalised"]],
            "cost_per_inhabitant": costs[:, mask].sum(axis=1) * 52 / alive,
            "apl": apl[:, mask] @ std[mask] / std[mask].sum(),
        }
        if unit == "territory":
            values["gp_count"] = np.asarray(rec.providers["gp_count"][start:])
        weeks = np.asarray(rec.weeks[start:])
        for name, v in values.items():
            frames.append(
                pd.DataFrame({"week": weeks, "unit": unit, "indicator": name, "value": v})
            )
    return pd.concat(frames, ignore_index=True)


def commune_values(model, weeks: int = 13) -> pd.DataFrame:
    """Per-commune map values over the last ``weeks`` weeks (or the current state before any
    step)."""
    t = model.territory
    c = t.communes
    out = pd.DataFrame(
        {
            "insee": c["insee"],
            "name": c["name"],
            "population": c["population"],
            "zone": c["zone"],
            "lat": c["lat"],
            "lon": c["lon"],
            "apl": model.apl,
            "minutes_to_gp": model.minutes_to_gp,
        }
    )
    p = model.patients
    alive_by = np.bincount(p.commune[p.alive], minlength=t.n_communes).astype(float)
    out["without_gp_pct"] = (
        100
        * np.bincount(p.commune[p.alive & (p.gp < 0)], minlength=t.n_communes)
        / np.maximum(alive_by, 1)
    )
    if len(model.recorder):
        recent = np.stack(model.recorder.counts[-weeks:]).sum(axis=2).astype(float)
        n = recent.shape[0]
        unmet = unmet_demand(recent).sum(axis=0)
        out["unmet_per_1000"] = 1000 * unmet / n / np.maximum(alive_by, 1)
        out["hospitalisations_per_1000"] = (
            1000 * 52 * recent[..., C["hospitalised"]].sum(axis=0) / n / np.maximum(alive_by, 1)
        )
    else:
        out["unmet_per_1000"] = 0.0
        out["hospitalisations_per_1000"] = 0.0
    return out


def quadruple_aim(future: Future) -> dict[str, dict]:
    """Scenario − baseline since the policy started, for the four aims (one replicate: no
    interval)."""
    with future.lock:
        return _quadruple_aim(future)


def _quadruple_aim(future: Future) -> dict[str, dict]:
    if not len(future.model.recorder):
        return {}
    s, b = key_series(future.model), key_series(future.baseline)

    def mean(frame, ind):
        v = frame[(frame["unit"] == "territory") & (frame["indicator"] == ind)]["value"]
        return float(v.mean()) if len(v) else math.nan

    def last(model, key):
        return float(np.asarray(model.recorder.providers[key])[-1])

    def hosp(model):
        return float(sum(int(c[..., C["hospitalised"]].sum()) for c in model.recorder.counts))

    return {
        "patient_experience": {
            "indicator": "unmet_demand",
            "scenario": mean(s, "unmet_demand"),
            "baseline": mean(b, "unmet_demand"),
            "higher_is_better": False,
        },
        "population_health": {
            "indicator": "hospitalisations",
            "scenario": hosp(future.model),
            "baseline": hosp(future.baseline),
            "higher_is_better": False,
        },
        "cost": {
            "indicator": "cost_per_inhabitant",
            "scenario": mean(s, "cost_per_inhabitant"),
            "baseline": mean(b, "cost_per_inhabitant"),
            "higher_is_better": False,
        },
        "professionals": {
            "indicator": "gp_workload",
            "scenario": last(future.model, "gp_workload"),
            "baseline": last(future.baseline, "gp_workload"),
            "higher_is_better": False,
        },
    }


def cost_panel(future: Future) -> dict:
    """Cumulative costs (euros) of scenario and baseline, and the shared-savings account so far."""
    from territoire.experiments.economics import shared_savings
    from territoire.model.accounts import ITEMS

    with future.lock:
        return _cost_panel(future, shared_savings, ITEMS)


def _cost_panel(future: Future, shared_savings, ITEMS) -> dict:
    if not len(future.model.recorder):
        return {}
    invest = [ITEMS.index("levers"), ITEMS.index("programme")]

    def totals(model):
        # items, summed over weeks
        c = np.sum([week.sum(axis=0) for week in model.recorder.costs], axis=0)
        return float(c.sum()), float(c[invest].sum())

    s_total, s_invest = totals(future.model)
    b_total, b_invest = totals(future.baseline)
    share = (future.model.shared_savings or {}).get("share_returned", 0.5)
    account = shared_savings(b_total - b_invest, s_total - s_invest, s_invest - b_invest, share)
    return {"scenario_total_eur": s_total, "baseline_total_eur": b_total, **account}


# ---- drawing (matplotlib, no network needed) -----------------------------------------------------
def map_figure(
    model,
    indicator: str = "apl",
    lang: str = "fr",
    values: pd.DataFrame | None = None,
    vmin=None,
    vmax=None,
    small: bool = False,
    highlight: str | None = None,
):
    """The communes coloured by an indicator, roads faint, providers as symbols, the priority zone
    ringed."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    values = commune_values(model) if values is None else values
    label_fr, label_en, cmap, _ = MAP_INDICATORS[indicator]
    from matplotlib.collections import LineCollection

    fig, ax = plt.subplots(figsize=(4.2, 3.6) if small else (7.5, 6.2), dpi=72)
    g = model.territory.graph
    segments = [
        [(g.nodes[a]["lon"], g.nodes[a]["lat"]), (g.nodes[b]["lon"], g.nodes[b]["lat"])]
        for a, b in g.edges()
        if g.nodes[a]["kind"] == "commune" and g.nodes[b]["kind"] == "commune"
    ]
    ax.add_collection(LineCollection(segments, colors="#e3e3e3", linewidths=0.6, zorder=0))
    v = values[indicator].to_numpy(float)
    zip_ = (values["zone"] == "ZIP").to_numpy()
    sc = ax.scatter(
        values["lon"],
        values["lat"],
        c=v,
        cmap=cmap,
        s=20 + 80 * np.sqrt(values["population"] / values["population"].max()),
        vmin=np.nanmin(v) if vmin is None else vmin,
        vmax=np.nanmax(v) if vmax is None else vmax,
        edgecolors=np.where(zip_, "black", "#999999"),
        linewidths=np.where(zip_, 1.2, 0.3),
        zorder=2,
    )
    lon = model.territory.communes["lon"].to_numpy()
    lat = model.territory.communes["lat"].to_numpy()
    gp_fte = np.bincount(
        [gp.commune for gp in model.gps], weights=[gp.fte for gp in model.gps], minlength=len(lon)
    )
    has = gp_fte > 0
    ax.scatter(
        lon[has] + 0.012,
        lat[has] + 0.008,
        s=14 * gp_fte[has],
        marker="P",
        color="#1f4e9c",
        alpha=0.8,
        zorder=3,
        label="GP (FTE)" if lang == "en" else "MG (ETP)",
    )
    for kind, marker, colour, fr, en in (
        (Pharmacy, "s", "#2ca02c", "pharmacie", "pharmacy"),
        (MSP, "*", "#9467bd", "MSP", "MSP"),
        (Hospital, "H", "#d62728", "hôpital", "hospital"),
    ):
        rows = [
            a.commune for a in model.agents_by_type.get(kind, []) if getattr(a, "commune", -1) >= 0
        ]
        if rows:
            ax.scatter(
                lon[rows] - 0.012,
                lat[rows] - 0.008,
                s=60 if kind is not Pharmacy else 14,
                marker=marker,
                color=colour,
                zorder=4,
                label=fr if lang == "fr" else en,
            )
    if highlight is not None and highlight in set(values["insee"]):
        r = values[values["insee"] == highlight].iloc[0]
        ax.scatter(
            [r["lon"]],
            [r["lat"]],
            s=260,
            facecolors="none",
            edgecolors="#ff00ff",
            linewidths=2,
            zorder=5,
        )
    fig.colorbar(sc, ax=ax, shrink=0.75).set_label(
        label_fr if lang == "fr" else label_en, fontsize=8 if small else 10
    )
    ax.set_aspect(1 / math.cos(math.radians(float(np.mean(lat)))))
    ax.set_xticks([])
    ax.set_yticks([])
    if not small:
        ax.legend(fontsize=7, loc="lower left", framealpha=0.8)
    fig.tight_layout()
    return fig


def map_svg(
    model,
    indicator: str = "apl",
    lang: str = "fr",
    values: pd.DataFrame | None = None,
    highlight: str | None = None,
    width: int = 620,
) -> str:
    """The territory as an SVG map for the browser: the same drawing as ``map_figure``, but each
    commune is a circle with ``id="c-<INSEE code>"`` (what a click reports) and a hover tooltip with
    its name, population and every map indicator. Providers and rings do not catch the pointer."""
    import matplotlib

    values = commune_values(model) if values is None else values
    label_fr, label_en, cmap_name, _ = MAP_INDICATORS[indicator]
    cmap = matplotlib.colormaps[cmap_name]
    lon, lat = values["lon"].to_numpy(float), values["lat"].to_numpy(float)
    # a degree of longitude is shorter than one of latitude
    squeeze = math.cos(math.radians(float(lat.mean())))
    margin, bar = 18, 46
    scale = (width - 2 * margin) / max((lon.max() - lon.min()) * squeeze, 1e-9)
    height = int((lat.max() - lat.min()) * scale + 2 * margin)

    def xy(lo, la):
        return margin + (lo - lon.min()) * squeeze * scale, margin + (lat.max() - la) * scale

    t = model.territory
    g = t.graph
    roads = "".join(
        "M{:.1f} {:.1f}L{:.1f} {:.1f}".format(
            *xy(g.nodes[a]["lon"], g.nodes[a]["lat"]), *xy(g.nodes[b]["lon"], g.nodes[b]["lat"])
        )
        for a, b in g.edges()
        if g.nodes[a]["kind"] == "commune" and g.nodes[b]["kind"] == "commune"
    )
    v = values[indicator].to_numpy(float)
    finite = v[np.isfinite(v)]
    vmin, vmax = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    span = vmax - vmin if vmax > vmin else 1.0
    radius = 3 + 9 * np.sqrt(values["population"].to_numpy(float) / values["population"].max())
    out = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height + bar}" '
            f'width="{width}" height="{height + bar}" '
            'class="territory-svg" font-family="sans-serif" style="max-width: 100%; height: auto">'
        ),
        (
            f'<path d="{roads}" stroke="#e3e3e3" stroke-width="0.8" fill="none" '
            'pointer-events="none"/>'
        ),
    ]
    rgb = (cmap(np.nan_to_num((v - vmin) / span))[:, :3] * 255).round().astype(int)
    colours = np.where(np.isfinite(v), [f"#{r:02x}{g_:02x}{b:02x}" for r, g_, b in rgb], "#bbbbbb")
    for k, row in enumerate(values.itertuples(index=False)):
        x, y = xy(row.lon, row.lat)
        colour = colours[k]
        zip_ = row.zone == "ZIP"
        tip = [
            f"{row.name} ({row.insee})",
            f"population : {int(row.population):,}".replace(",", "\u202f" if lang == "fr" else ","),
            f"zone : {row.zone}",
        ]
        tip += [
            f"{MAP_INDICATORS[key][0 if lang == 'fr' else 1]} : {getattr(row, key):,.2f}"
            for key in MAP_INDICATORS
        ]
        out.append(
            f'<circle id="c-{row.insee}" cx="{x:.1f}" cy="{y:.1f}" r="{radius[k]:.1f}" '
            f'fill="{colour}" '
            f'stroke="{"#000" if zip_ else "#999"}" stroke-width="{1.6 if zip_ else 0.5}">'
            f"<title>{html.escape(chr(10).join(tip))}</title></circle>"
        )
    c_lon, c_lat = t.communes["lon"].to_numpy(), t.communes["lat"].to_numpy()
    gps = model.gps
    fte = (
        np.bincount(
            [gp.commune for gp in gps], weights=[gp.fte for gp in gps], minlength=t.n_communes
        )
        if gps
        else np.zeros(t.n_communes)
    )
    marks = []
    for c in np.flatnonzero(fte > 0):
        x, y = xy(c_lon[c], c_lat[c])
        # the cross grows with the commune's GP full-time equivalents
        arm = 2.5 + 1.5 * math.sqrt(fte[c])
        marks.append(
            f"M{x + 6 - arm:.1f} {y - 5:.1f}h{2 * arm:.1f}"
            f"M{x + 6:.1f} {y - 5 - arm:.1f}v{2 * arm:.1f}"
        )
    out.append(
        f'<path d="{"".join(marks)}" stroke="#1f4e9c" stroke-width="2" pointer-events="none"/>'
    )
    for kind, shape, colour in (
        (Pharmacy, "square", "#2ca02c"),
        (MSP, "diamond", "#9467bd"),
        (Hospital, "H", "#d62728"),
    ):
        for agent in model.agents_by_type.get(kind, []):
            if getattr(agent, "commune", -1) < 0:
                continue
            x, y = xy(c_lon[agent.commune], c_lat[agent.commune])
            x, y = x - 7, y + 6
            if shape == "square":
                out.append(
                    f'<rect x="{x - 2:.1f}" y="{y - 2:.1f}" width="4" height="4" '
                    f'fill="{colour}" pointer-events="none"/>'
                )
            elif shape == "diamond":
                out.append(
                    f'<path d="M{x:.1f} {y - 5:.1f}l4 5l-4 5l-4 -5z" '
                    f'fill="{colour}" pointer-events="none"/>'
                )
            else:
                out.append(
                    f'<text x="{x:.1f}" y="{y + 4:.1f}" font-size="11" font-weight="bold" '
                    f'fill="{colour}" '
                    f'text-anchor="middle" pointer-events="none">H</text>'
                )
    if highlight is not None and highlight in set(values["insee"]):
        k = int(np.flatnonzero(values["insee"].to_numpy() == highlight)[0])
        x, y = xy(lon[k], lat[k])
        out.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius[k] + 5:.1f}" '
            'fill="none" stroke="#ff00ff" stroke-width="2.5" '
            f'pointer-events="none" class="highlight"/>'
        )
    stops = "".join(
        f'<stop offset="{f:.2f}" stop-color="{matplotlib.colors.to_hex(cmap(f))}"/>'
        for f in np.linspace(0, 1, 11)
    )
    y0 = height + 8
    legend = (
        "MG (ETP) ✚  pharmacie ■  MSP ◆  hôpital H  — contour noir : ZIP"
        if lang == "fr"
        else "GP (FTE) ✚  pharmacy ■  MSP ◆  hospital H  — black ring: ZIP"
    )
    out.append(
        f'<defs><linearGradient id="scale">{stops}</linearGradient></defs>'
        f'<rect x="{margin}" y="{y0}" width="{width / 2:.0f}" height="10" fill="url(#scale)"/>'
        f'<text x="{margin}" y="{y0 + 22}" font-size="10">{vmin:,.2f}</text>'
        f'<text x="{margin + width / 2:.0f}" y="{y0 + 22}" font-size="10" text-anchor="end">'
        f"{vmax:,.2f}</text>"
        f'<text x="{margin + width / 2 + 10:.0f}" y="{y0 + 9}" font-size="11">'
        f"{html.escape(label_fr if lang == 'fr' else label_en)}</text>"
        f'<text x="{margin + width / 2 + 10:.0f}" y="{y0 + 24}" font-size="10" fill="#555">'
        f"{html.escape(legend)}</text>"
    )
    out.append("</svg>")
    return "".join(out)


def charts_figure(
    futures: list[Future], lang: str = "fr", large: bool = False, ylims: dict | None = None
):
    """Key indicators over time: each future (solid) against its baseline (dashed), ZIP and
    territory."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    series = {}
    for fut in futures:  # read each future's records under its lock: a run may be stepping it
        with fut.lock:
            series[id(fut.model)] = key_series(fut.model)
            series[id(fut.baseline)] = key_series(fut.baseline)
    fig, axes = plt.subplots(2, 3, figsize=(11, 6) if not large else (14, 8), dpi=64)
    size = 13 if large else 9
    for ax, (ind, (fr, en)) in zip(axes.flat, CHARTS.items()):
        for k, fut in enumerate(futures):
            colour = f"C{k}"
            for model, style, suffix in (
                (fut.model, "-", ""),
                (fut.baseline, "--", " (réf.)" if lang == "fr" else " (baseline)"),
            ):
                s = series[id(model)]
                s = s[s["indicator"] == ind]
                for unit, alpha in (("territory", 1.0), ("ZIP", 0.5)):
                    u = s[s["unit"] == unit]
                    if len(u) == 0 or (model is fut.baseline and k > 0):
                        continue
                    y = u["value"].rolling(4, min_periods=1).mean()
                    every = max(1, len(u) // 150)  # at most ~150 points a line: drawing stays fast
                    ax.plot(
                        u["week"].to_numpy()[::every] / 52,
                        y.to_numpy()[::every],
                        style,
                        color="black" if model is fut.baseline else colour,
                        alpha=alpha,
                        label=f"{fut.scenario.name}{suffix} – {unit}"
                        if len(futures) <= 2
                        else None,
                    )
        ax.set_title(fr if lang == "fr" else en, fontsize=size)
        ax.tick_params(labelsize=size - 2)
        ax.set_xlabel("années" if lang == "fr" else "years", fontsize=size - 2)
        if ylims and ind in ylims:
            ax.set_ylim(*ylims[ind])
        ax.grid(alpha=0.3)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, loc="lower center", ncol=4, fontsize=size - 2)
    # tight_layout is slow
    fig.subplots_adjust(left=0.06, right=0.98, top=0.94, bottom=0.16, wspace=0.25, hspace=0.45)
    return fig


def figure_png(fig, dpi: int = 72) -> bytes:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    plt.close(fig)
    return buf.getvalue()


def futures_csv(futures: list[Future]) -> str:
    frames = []
    for f in futures:
        for model, role in ((f.model, "scenario"), (f.baseline, "baseline")):
            s = key_series(model)
            s.insert(0, "role", role)
            s.insert(0, "future", f.scenario.name)
            frames.append(s)
    return pd.concat(frames, ignore_index=True).to_csv(index=False)


def scenario_from_toml(text: str, territory) -> Scenario:
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        from territoire.scenarios.schema import ScenarioError

        raise ScenarioError(f"<pasted>: not valid TOML ({exc})") from exc
    return parse_scenario(data, "<pasted>", set(territory.codes), set(territory.epci_codes))
