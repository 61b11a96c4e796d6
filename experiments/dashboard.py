"""What the dashboard shows, computed from the models (the Solara page in ``app.py`` only draws it).

A ``Future`` is a scenario model and its baseline, both branched from the same burned-in baseline
with the same replicate: common random numbers, so the gap between them is the policy.
"""

from __future__ import annotations

import io
import math
import threading
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from territoire.agents.providers import MSP, Hospital, Pharmacy
from territoire.model.gc_pause import gc_paused
from territoire.model.indicators import C
from territoire.scenarios.levers import Lever
from territoire.scenarios.schema import Scenario, load_scenario, parse_scenario

#: Map colourings: indicator → (French label, English label, colour map, higher is better)
MAP_INDICATORS = {
    "apl": ("APL (consultations/hab. std/an)", "APL (visits/std inhabitant/year)", "RdYlGn", True),
    "unmet_per_1000": ("Demande non satisfaite /1000 hab./sem.", "Unmet demand /1,000/week", "RdYlGn_r", False),
    "without_gp_pct": ("% sans médecin traitant", "% without a médecin traitant", "RdYlGn_r", False),
    "minutes_to_gp": ("Minutes jusqu'au généraliste", "Minutes to the nearest GP", "RdYlGn_r", False),
    "hospitalisations_per_1000": ("Hospitalisations /1000 hab./an", "Hospital stays /1,000/year", "RdYlGn_r", False),
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
    """The burned-in baseline for a seed and territory, simulated once per process and shared read-only."""
    from territoire.scenarios.run import burned_in

    key = (scenario.seed, scenario.burn_in_years, tuple(sorted(scenario.territory.items())))
    with _START_LOCK:
        if key not in _START_MODELS:
            _START_MODELS[key] = burned_in(scenario)
        return _START_MODELS[key]


def scenario_with_controls(base: Scenario, controls: dict) -> Scenario:
    """The chosen scenario with the dashboard's sliders applied as levers (a slider at 0 adds nothing)."""
    levers = [Lever(lv.type, lv.start_week, lv.ramp_weeks, dict(lv.params)) for lv in base.levers]

    def put(kind: str, **params):
        lever = next((lv for lv in levers if lv.type == kind), None)
        if lever is None:
            from territoire.scenarios.levers import LEVERS

            lever = Lever(kind, 0, 0, {p.name: (list(p.default) if isinstance(p.default, list) else p.default) for p in LEVERS[kind].params})
            levers.append(lever)
        lever.params.update(params)

    if controls.get("tele_uptake", 0) > 0:
        put("teleconsultation", uptake=float(controls["tele_uptake"]))
    if controls.get("telemonitoring", 0) > 0:
        put("telemonitoring", coverage=float(controls["telemonitoring"]), diseases=["heart_failure", "diabetes"])
    if controls.get("programme", 0) > 0:
        put("programme", enrolment=float(controls["programme"]))
    if controls.get("nurses", 0) > 0:
        put("practice_nurses", nurses=int(controls["nurses"]))
    if controls.get("transport"):
        put("on_demand_transport", coverage=0.6)
    for commune, count in (controls.get("new_gps") or {}).items():
        if count > 0:
            levers.append(Lever("new_gps", 0, 0, {"commune": commune, "count": int(count), "age": 35.0, "fte": 1.0,
                                                  "activity": 4_800.0, "practice": "solo"}))
    return Scenario(base.name, base.description, int(controls.get("seed", base.seed)), float(controls.get("years", base.years)),
                    base.burn_in_years, dict(base.territory), levers, base.source)


@dataclass
class Future:
    """A scenario and its baseline, stepped together."""

    scenario: Scenario
    model: object = None
    baseline: object = None
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def create(cls, scenario: Scenario) -> "Future":
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

    def run_to_end(self, on_progress=None, chunk: int = 13, stop: threading.Event | None = None) -> None:
        while not self.done and not (stop and stop.is_set()):
            self.step(chunk)
            if on_progress:
                on_progress(self.week / self.horizon_weeks)


def key_series(model) -> pd.DataFrame:
    """Weekly series of the charted indicators, by zone (ZIP, ZAC) and for the territory (cached per week)."""
    rec = model.recorder
    if not len(rec):
        return pd.DataFrame(columns=["week", "unit", "indicator", "value"])
    cached = getattr(model, "_dashboard_series", None)
    if cached is not None and cached[0] == (id(rec), len(rec)):
        return cached[1]
    frame = _key_series(model)
    model._dashboard_series = ((id(rec), len(rec)), frame)
    return frame


def _key_series(model) -> pd.DataFrame:
    rec = model.recorder
    counts = np.stack(rec.counts).sum(axis=2).astype(float)  # weeks, communes, counters
    costs = np.stack(rec.costs).sum(axis=2)
    apl = np.stack(rec.apl)
    t = model.territory
    std = model.std_population
    frames = []
    for unit, mask in (("territory", np.ones(t.n_communes, bool)), ("ZIP", t.is_zip), ("ZAC", ~t.is_zip)):
        if not mask.any():
            continue
        c = counts[:, mask].sum(axis=1)
        alive = np.maximum(c[:, C["alive"]], 1)
        values = {
            "unmet_demand": (c[:, C["followup_due"]] - c[:, C["followup_done"]]) + (c[:, C["routine"]] - c[:, C["routine_done"]]),
            "share_without_gp": 100 * c[:, C["without_gp"]] / alive,
            "hospitalisations": c[:, C["hospitalised"]],
            "cost_per_inhabitant": costs[:, mask].sum(axis=1) * 52 / alive,
            "apl": apl[:, mask] @ std[mask] / std[mask].sum(),
        }
        if unit == "territory":
            values["gp_count"] = np.asarray(rec.providers["gp_count"])
        weeks = np.asarray(rec.weeks)
        for name, v in values.items():
            frames.append(pd.DataFrame({"week": weeks, "unit": unit, "indicator": name, "value": v}))
    return pd.concat(frames, ignore_index=True)


def commune_values(model, weeks: int = 13) -> pd.DataFrame:
    """Per-commune map values over the last ``weeks`` weeks (or the current state before any step)."""
    t = model.territory
    c = t.communes
    out = pd.DataFrame({"insee": c["insee"], "name": c["name"], "population": c["population"], "zone": c["zone"],
                        "lat": c["lat"], "lon": c["lon"], "apl": model.apl, "minutes_to_gp": model.minutes_to_gp})
    p = model.patients
    alive_by = np.bincount(p.commune[p.alive], minlength=t.n_communes).astype(float)
    out["without_gp_pct"] = 100 * np.bincount(p.commune[p.alive & (p.gp < 0)], minlength=t.n_communes) / np.maximum(alive_by, 1)
    if len(model.recorder):
        recent = np.stack(model.recorder.counts[-weeks:]).sum(axis=2).astype(float)
        n = recent.shape[0]
        unmet = (recent[..., C["followup_due"]] - recent[..., C["followup_done"]] + recent[..., C["routine"]] - recent[..., C["routine_done"]]).sum(axis=0)
        out["unmet_per_1000"] = 1000 * unmet / n / np.maximum(alive_by, 1)
        out["hospitalisations_per_1000"] = 1000 * 52 * recent[..., C["hospitalised"]].sum(axis=0) / n / np.maximum(alive_by, 1)
    else:
        out["unmet_per_1000"] = 0.0
        out["hospitalisations_per_1000"] = 0.0
    return out


def quadruple_aim(future: Future) -> dict[str, dict]:
    """Scenario − baseline since the policy started, for the four aims (one replicate: no interval)."""
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
        return float(np.stack(model.recorder.counts)[..., C["hospitalised"]].sum())

    return {
        "patient_experience": {"indicator": "unmet_demand", "scenario": mean(s, "unmet_demand"), "baseline": mean(b, "unmet_demand"), "higher_is_better": False},
        "population_health": {"indicator": "hospitalisations", "scenario": hosp(future.model), "baseline": hosp(future.baseline), "higher_is_better": False},
        "cost": {"indicator": "cost_per_inhabitant", "scenario": mean(s, "cost_per_inhabitant"), "baseline": mean(b, "cost_per_inhabitant"), "higher_is_better": False},
        "professionals": {"indicator": "gp_workload", "scenario": last(future.model, "gp_workload"), "baseline": last(future.baseline, "gp_workload"), "higher_is_better": False},
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
        c = np.stack(model.recorder.costs).sum(axis=1)  # weeks, items
        return float(c.sum()), float(c[:, invest].sum())

    s_total, s_invest = totals(future.model)
    b_total, b_invest = totals(future.baseline)
    share = (future.model.shared_savings or {}).get("share_returned", 0.5)
    account = shared_savings(b_total - b_invest, s_total - s_invest, s_invest - b_invest, share)
    return {"scenario_total_eur": s_total, "baseline_total_eur": b_total, **account}


# ---- drawing (matplotlib, no network needed) ------------------------------------------------------
def map_figure(model, indicator: str = "apl", lang: str = "fr", values: pd.DataFrame | None = None, vmin=None, vmax=None,
               small: bool = False, highlight: str | None = None):
    """The communes coloured by an indicator, roads faint, providers as symbols, the priority zone ringed."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    values = commune_values(model) if values is None else values
    label_fr, label_en, cmap, _ = MAP_INDICATORS[indicator]
    from matplotlib.collections import LineCollection

    fig, ax = plt.subplots(figsize=(4.2, 3.6) if small else (7.5, 6.2), dpi=72)
    g = model.territory.graph
    segments = [[(g.nodes[a]["lon"], g.nodes[a]["lat"]), (g.nodes[b]["lon"], g.nodes[b]["lat"])] for a, b in g.edges()
                if g.nodes[a]["kind"] == "commune" and g.nodes[b]["kind"] == "commune"]
    ax.add_collection(LineCollection(segments, colors="#e3e3e3", linewidths=0.6, zorder=0))
    v = values[indicator].to_numpy(float)
    zip_ = (values["zone"] == "ZIP").to_numpy()
    sc = ax.scatter(values["lon"], values["lat"], c=v, cmap=cmap, s=20 + 80 * np.sqrt(values["population"] / values["population"].max()),
                    vmin=np.nanmin(v) if vmin is None else vmin, vmax=np.nanmax(v) if vmax is None else vmax,
                    edgecolors=np.where(zip_, "black", "#999999"), linewidths=np.where(zip_, 1.2, 0.3), zorder=2)
    lon = model.territory.communes["lon"].to_numpy()
    lat = model.territory.communes["lat"].to_numpy()
    gp_fte = np.bincount([gp.commune for gp in model.gps], weights=[gp.fte for gp in model.gps], minlength=len(lon))
    has = gp_fte > 0
    ax.scatter(lon[has] + 0.012, lat[has] + 0.008, s=14 * gp_fte[has], marker="P", color="#1f4e9c", alpha=0.8, zorder=3,
               label="GP (FTE)" if lang == "en" else "MG (ETP)")
    for kind, marker, colour, fr, en in ((Pharmacy, "s", "#2ca02c", "pharmacie", "pharmacy"), (MSP, "*", "#9467bd", "MSP", "MSP"),
                                         (Hospital, "H", "#d62728", "hôpital", "hospital")):
        rows = [a.commune for a in model.agents_by_type.get(kind, []) if getattr(a, "commune", -1) >= 0]
        if rows:
            ax.scatter(lon[rows] - 0.012, lat[rows] - 0.008, s=60 if kind is not Pharmacy else 14, marker=marker, color=colour,
                       zorder=4, label=fr if lang == "fr" else en)
    if highlight is not None and highlight in set(values["insee"]):
        r = values[values["insee"] == highlight].iloc[0]
        ax.scatter([r["lon"]], [r["lat"]], s=260, facecolors="none", edgecolors="#ff00ff", linewidths=2, zorder=5)
    fig.colorbar(sc, ax=ax, shrink=0.75).set_label(label_fr if lang == "fr" else label_en, fontsize=8 if small else 10)
    ax.set_aspect(1 / math.cos(math.radians(float(np.mean(lat)))))
    ax.set_xticks([])
    ax.set_yticks([])
    if not small:
        ax.legend(fontsize=7, loc="lower left", framealpha=0.8)
    fig.tight_layout()
    return fig


def charts_figure(futures: list[Future], lang: str = "fr", large: bool = False, ylims: dict | None = None):
    """Key indicators over time: each future (solid) against its baseline (dashed), ZIP and territory."""
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
            for model, style, suffix in ((fut.model, "-", ""), (fut.baseline, "--", " (réf.)" if lang == "fr" else " (baseline)")):
                s = series[id(model)]
                s = s[s["indicator"] == ind]
                for unit, alpha in (("territory", 1.0), ("ZIP", 0.5)):
                    u = s[s["unit"] == unit]
                    if len(u) == 0 or (model is fut.baseline and k > 0):
                        continue
                    y = u["value"].rolling(4, min_periods=1).mean()
                    every = max(1, len(u) // 150)  # at most ~150 points a line: drawing stays fast
                    ax.plot(u["week"].to_numpy()[::every] / 52, y.to_numpy()[::every], style, color="black" if model is fut.baseline else colour, alpha=alpha,
                            label=f"{fut.scenario.name}{suffix} – {unit}" if len(futures) <= 2 else None)
        ax.set_title(fr if lang == "fr" else en, fontsize=size)
        ax.tick_params(labelsize=size - 2)
        ax.set_xlabel("années" if lang == "fr" else "years", fontsize=size - 2)
        if ylims and ind in ylims:
            ax.set_ylim(*ylims[ind])
        ax.grid(alpha=0.3)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, loc="lower center", ncol=4, fontsize=size - 2)
    fig.subplots_adjust(left=0.06, right=0.98, top=0.94, bottom=0.16, wspace=0.25, hspace=0.45)  # tight_layout is slow
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
