"""The planners' dashboard (Solara). Run it with ``territoire app`` or ``solara run app.py``.

It follows Mesa's SolaraViz conventions — the model's parameters as controls (``MODEL_PARAMS``,
same format), Step / Play / Reset, and components that take the model — and only reads the models:
every figure comes from ``territoire.dashboard``. State lives in the page's components,
so two browser sessions never share a model.
"""

from __future__ import annotations

import threading
import time

import ipyvue
import solara
import traitlets

from territoire import dashboard as db
from territoire.scenarios.schema import ScenarioError, builtin_names, load_scenario

TEXT = {
    "fr": {
        "title": "territoire — santé du Pays de Saverne",
        "scenario": "Scénario",
        "workshop": "Atelier",
        "step": "Pas (1 semaine)",
        "play": "Lecture",
        "pause": "Pause",
        "reset": "Réinitialiser",
        "run": "Jusqu'à l'horizon",
        "week": "semaine",
        "of": "sur",
        "map_colour": "Couleur de la carte",
        "commune": "Commune",
        "place": "Placer les nouveaux MG ici",
        "aims": "Quadruple objectif (scénario − référence)",
        "cost": "Coûts et économies partagées",
        "toml": "Coller un scénario TOML",
        "apply": "Appliquer",
        "futures": "Futurs à comparer (2 à 4)",
        "launch": "Lancer l'atelier",
        "export_png": "Exporter les figures (PNG)",
        "export_csv": "Exporter les données (CSV)",
        "language": "English",
        "upload": "Déposer un fichier TOML",
        "patient_experience": "Expérience patient",
        "population_health": "Santé de la population",
        "professionals": "Professionnels",
        "better": "mieux",
        "worse": "moins bien",
        "same": "égal",
        "estimated": "Offre de soins estimée (règle de placement documentée)",
    },
    "en": {
        "title": "territoire — health in the Pays de Saverne",
        "scenario": "Scenario",
        "workshop": "Workshop",
        "step": "Step (1 week)",
        "play": "Play",
        "pause": "Pause",
        "reset": "Reset",
        "run": "Run to horizon",
        "week": "week",
        "of": "of",
        "map_colour": "Map colour",
        "commune": "Commune",
        "place": "Place the new GPs here",
        "aims": "Quadruple aim (scenario − baseline)",
        "cost": "Costs and shared savings",
        "toml": "Paste a TOML scenario",
        "apply": "Apply",
        "futures": "Futures to compare (2 to 4)",
        "launch": "Start the workshop",
        "export_png": "Export the figures (PNG)",
        "export_csv": "Export the data (CSV)",
        "language": "Français",
        "upload": "Drop a TOML file",
        "patient_experience": "Patient experience",
        "population_health": "Population health",
        "professionals": "Professionals",
        "better": "better",
        "worse": "worse",
        "same": "same",
        "estimated": "Estimated providers (documented placement rule)",
    },
}
TEXT["fr"]["cost_aim"], TEXT["en"]["cost_aim"] = "Coûts", "Cost"
TEXT["fr"]["click_hint"] = (
    "Cliquez une commune sur la carte pour la choisir ; survolez-la pour ses chiffres."
)
TEXT["en"]["click_hint"] = "Click a commune on the map to choose it; hover over it for its figures."
DRAW_DELAY_S = 0.3  # figures are redrawn in threads after the page has answered a click

#: The model's parameters as controls (Mesa SolaraViz format).
MODEL_PARAMS = {
    "scenario": {
        "type": "Select",
        "value": "baseline",
        "values": builtin_names(),
        "label": "scenario",
    },
    "seed": {"type": "InputInt", "value": 42, "label": "seed"},
    "years": {
        "type": "SliderInt",
        "value": 10,
        "min": 1,
        "max": 15,
        "step": 1,
        "label": "horizon (years)",
    },
    "tele_uptake": {
        "type": "SliderFloat",
        "value": 0.0,
        "min": 0.0,
        "max": 1.0,
        "step": 0.05,
        "label": "teleconsultation uptake",
    },
    "telemonitoring": {
        "type": "SliderFloat",
        "value": 0.0,
        "min": 0.0,
        "max": 1.0,
        "step": 0.05,
        "label": "telemonitoring coverage",
    },
    "programme": {
        "type": "SliderFloat",
        "value": 0.0,
        "min": 0.0,
        "max": 1.0,
        "step": 0.05,
        "label": "programme enrolment",
    },
    "nurses": {
        "type": "SliderInt",
        "value": 0,
        "min": 0,
        "max": 30,
        "step": 1,
        "label": "practice nurses",
    },
    "new_gp_count": {
        "type": "SliderInt",
        "value": 0,
        "min": 0,
        "max": 5,
        "step": 1,
        "label": "new GPs",
    },
    "transport": {"type": "Checkbox", "value": False, "label": "on-demand transport"},
}


def make_future(controls: dict, toml_text: str | None = None) -> db.Future:
    base = (
        db.scenario_from_toml(toml_text, _territory())
        if toml_text
        else load_scenario(controls["scenario"])
    )
    codes = _scenario_territory(base).codes
    commune = controls["new_gp_commune"] if controls["new_gp_commune"] in codes else codes[0]
    new = {commune: controls["new_gp_count"]} if controls.get("new_gp_count") else {}
    return db.Future.create(db.scenario_with_controls(base, {**controls, "new_gps": new}))


def _territory():
    from territoire.model.model import _default_territory

    return _default_territory()


def _scenario_territory(scenario):
    """The territory a scenario runs on (the embedded one unless its file names another)."""
    if "file" in scenario.territory:
        from territoire.scenarios.territories import load_territory_file

        return load_territory_file(scenario.territory["file"])[0]
    return _territory()


@solara.component
def Control(name: str, spec: dict, value, on_value, label: str):
    kind = spec["type"]
    if kind == "Select":
        solara.Select(label=label, values=spec["values"], value=value, on_value=on_value)
    elif kind == "SliderInt":
        solara.SliderInt(
            label=label,
            value=value,
            min=spec["min"],
            max=spec["max"],
            step=spec["step"],
            on_value=on_value,
        )
    elif kind == "SliderFloat":
        solara.SliderFloat(
            label=label,
            value=value,
            min=spec["min"],
            max=spec["max"],
            step=spec["step"],
            on_value=on_value,
        )
    elif kind == "Checkbox":
        solara.Checkbox(label=label, value=value, on_value=on_value)
    elif kind == "InputInt":
        solara.InputInt(label=label, value=value, on_value=on_value)


@solara.component
def AimTiles(future, lang: str, version: int = 0):
    t = TEXT[lang]
    aims = solara.use_memo(
        lambda: db.quadruple_aim(future) if future is not None else {},
        dependencies=[future, version],
    )
    with solara.Row(classes=["aims"]):
        for aim, title in (
            ("patient_experience", t["patient_experience"]),
            ("population_health", t["population_health"]),
            ("cost", t["cost_aim"]),
            ("professionals", t["professionals"]),
        ):
            a = aims.get(aim)
            with solara.Card(title, style={"min-width": "220px", "flex": "1"}):
                if a is None:
                    solara.Text("–")
                    continue
                diff = a["scenario"] - a["baseline"]
                good = (diff > 0) == a["higher_is_better"]
                verdict = t["same"] if abs(diff) < 1e-9 else (t["better"] if good else t["worse"])
                colour = "#888" if verdict == t["same"] else ("#1a9850" if good else "#d73027")
                solara.Markdown(
                    f"**{a['indicator'].replace('_', ' ')}**: "
                    f"{a['scenario']:,.2f} vs {a['baseline']:,.2f}  \n"
                    f"<span style='color:{colour};font-size:1.3em'>{diff:+,.2f} — {verdict}</span>"
                )


@solara.component
def CostPanel(future, lang: str, version: int = 0):
    panel = solara.use_memo(
        lambda: db.cost_panel(future) if future is not None else {}, dependencies=[future, version]
    )
    t = TEXT[lang]
    with solara.Card(t["cost"]):
        if not panel:
            solara.Text("–")
            return
        rows = [
            ("scenario", panel["scenario_total_eur"]),
            ("baseline", panel["baseline_total_eur"]),
            ("gross savings" if lang == "en" else "économies brutes", panel["gross_savings_eur"]),
            (
                "returned to the territory" if lang == "en" else "reversé au territoire",
                panel["returned_to_territory_eur"],
            ),
            (
                "programme cost" if lang == "en" else "coût des programmes",
                panel["programme_cost_eur"],
            ),
            ("net result" if lang == "en" else "résultat net", panel["net_result_eur"]),
        ]
        solara.Markdown("\n".join(f"- {k}: **{v:,.0f} €**" for k, v in rows))


@solara.component
def ChartsPanel(futures: list, lang: str, version: int, large: bool = False, css: str = "charts"):
    """Charts drawn in a background thread: a Step answers at once, the charts follow a moment
    later."""
    png, set_png = solara.use_state(None)

    def draw():
        time.sleep(DRAW_DELAY_S)  # let the page answer first: drawing holds the GIL
        if futures:
            set_png(db.figure_png(db.charts_figure(futures, lang, large=large)))

    solara.use_thread(draw, dependencies=[version, lang, len(futures)])
    if png is not None:
        solara.Image(png, classes=[css])


class SvgMap(ipyvue.VueTemplate):
    """The SVG map in the page: hovering a commune shows its tooltip; clicking one sets ``clicked``
    to its INSEE code."""

    svg = traitlets.Unicode("").tag(sync=True)
    clicked = traitlets.Unicode("").tag(sync=True)
    template = traitlets.Unicode(
        "<template>\n"
        '  <div class="territory-map" style="cursor: pointer; flex: 0 1 640px; min-width: 320px"\n'
        "       @click=\"clicked = ($event.target.id || '').startsWith('c-') "
        '? $event.target.id.slice(2) : clicked"\n'
        '       v-html="svg"></div>\n'
        "</template>"
    ).tag(sync=True)


@solara.component
def MapPanel(future, indicator: str, lang: str, commune: str, version: int, on_commune, on_place):
    """The map (click a commune to choose it) and the chosen commune's figures, prepared in a
    background thread."""
    drawn, set_drawn = solara.use_state(None)
    t = TEXT[lang]

    def draw():
        time.sleep(DRAW_DELAY_S)  # let the page answer first
        with future.lock:  # a run may be stepping the model in another thread
            values = db.commune_values(future.model)
            svg = db.map_svg(future.model, indicator, lang, values, highlight=commune)
        set_drawn((values, svg))

    solara.use_thread(draw, dependencies=[future, indicator, lang, commune, version])
    if drawn is None:
        solara.ProgressLinear(True)
        return
    values, svg = drawn
    with solara.Row():
        SvgMap.element(svg=svg, clicked=commune, on_clicked=lambda code: code and on_commune(code))
        match = values[values["insee"] == commune]
        if len(match):
            row = match.iloc[0]
            with solara.Column(classes=["commune-info"]):
                solara.Markdown(
                    f"### {row['name']}\n"
                    + "\n".join(
                        [
                            f"- population: **{int(row['population']):,}**",
                            f"- zone: **{row['zone']}**",
                        ]
                        + [
                            f"- {db.MAP_INDICATORS[k][0 if lang == 'fr' else 1]}: **{row[k]:,.2f}**"
                            for k in db.MAP_INDICATORS
                        ]
                    )
                )
                solara.Button(
                    t["place"], on_click=on_place, outlined=True, classes=["place-button"]
                )
                solara.Text(t["click_hint"])


@solara.component
def Controls(
    lang,
    controls,
    update,
    commune,
    set_commune,
    toml_text,
    set_toml_text,
    apply_toml,
    drop_toml,
    error,
    territory,
):
    """The model parameters as controls."""
    t = TEXT[lang]
    communes = territory.communes
    names = dict(zip(communes["insee"], communes["name"]))
    with solara.Column():
        for name, spec in MODEL_PARAMS.items():
            Control(name, spec, controls[name], lambda v, n=name: update(n, v), spec["label"])
        solara.Select(
            label=t["commune"],
            values=[f"{c} {n}" for c, n in names.items()],
            value=f"{commune} {names.get(commune, '')}",
            on_value=lambda v: set_commune(v.split(" ")[0]),
        )
        solara.Button(t["place"], on_click=lambda: update("new_gp_commune", commune), outlined=True)
        solara.Text(f"{t['place']}: {names.get(controls['new_gp_commune'], '')}")
        solara.InputTextArea(t["toml"], value=toml_text, on_value=set_toml_text, rows=4)
        solara.Button(t["apply"], on_click=apply_toml)
        solara.FileDrop(label=t["upload"], on_file=lambda f: drop_toml(f["data"].decode("utf-8")))
        if error:
            solara.Error(error)
        solara.Info(t["estimated"])


@solara.component
def RunProgress(progress):
    """The run's progress bar, apart: each tick re-renders this bar, not the whole tab."""
    solara.ProgressLinear(value=progress.value * 100)


@solara.component
def ScenarioTab(lang: str):
    t = TEXT[lang]
    controls, set_controls = solara.use_state(
        {**{k: v["value"] for k, v in MODEL_PARAMS.items()}, "new_gp_commune": "67095"}
    )
    future_ref = solara.use_ref(None)
    version, set_version = solara.use_state(0)
    playing, set_playing = solara.use_state(False)
    running, set_running = solara.use_state(False)
    # read only by RunProgress: a progress tick redraws the bar alone
    progress = solara.use_reactive(0.0)
    indicator, set_indicator = solara.use_state("apl")
    commune, set_commune = solara.use_state("67437")
    toml_text, set_toml_text = solara.use_state("")
    error, set_error = solara.use_state("")

    def reset(new_controls=None, text=None):
        try:
            future_ref.current = make_future(new_controls or controls, text)
            set_error("")
        except (ScenarioError, ValueError, KeyError) as exc:
            set_error(str(exc))
        set_version(lambda v: v + 1)

    if future_ref.current is None:
        reset()
    future = future_ref.current

    def step():
        if future is not None:
            future.step(1)
            set_version(lambda v: v + 1)

    def player():  # Play: a few weeks per frame while the page stays usable
        while playing and future is not None and not future.done:
            future.step(4)
            set_version(lambda v: v + 1)
            time.sleep(0.05)
        if playing:
            set_playing(False)

    solara.use_thread(player, dependencies=[playing, future])

    def run_to_end():
        if future is None:
            return
        set_running(True)
        progress.set(0.0)

        # only the progress bar moves during the run; the figures are redrawn at the end
        def work():
            future.run_to_end(on_progress=progress.set, chunk=52)
            set_running(False)
            set_version(lambda v: v + 1)

        threading.Thread(target=work, daemon=True).start()

    def update(name, value):
        new = {**controls, name: value}
        set_controls(new)
        reset(new)

    territory = future.model.territory if future is not None else _territory()

    if commune not in set(territory.codes):
        # the scenario moved to another territory
        commune = territory.codes[int(territory.population.argmax())]
    with solara.Columns([1, 3]):
        Controls(
            lang,
            controls,
            update,
            commune,
            set_commune,
            toml_text,
            set_toml_text,
            lambda: reset(controls, toml_text or None),
            lambda text: (set_toml_text(text), reset(controls, text)),
            error,
            territory,
        )
        with solara.Column():
            with solara.Row():
                solara.Button(t["step"], on_click=step, disabled=running, classes=["step-button"])
                solara.Button(
                    t["pause"] if playing else t["play"],
                    on_click=lambda: set_playing(not playing),
                    classes=["play-button"],
                )
                solara.Button(
                    t["run"], on_click=run_to_end, disabled=running, classes=["run-button"]
                )
                solara.Button(
                    t["reset"],
                    on_click=lambda: (set_playing(False), reset()),
                    classes=["reset-button"],
                )
            if future is not None:
                solara.Markdown(
                    "<span class='week-label'>"
                    f"**{t['week']} {future.week} {t['of']} {future.horizon_weeks}** — "
                    f"{future.scenario.name}</span>"
                )
            if running:
                RunProgress(progress)
            solara.Select(
                label=t["map_colour"],
                values=list(db.MAP_INDICATORS),
                value=indicator,
                on_value=set_indicator,
            )
            if future is not None:
                MapPanel(
                    future,
                    indicator,
                    lang,
                    commune,
                    version,
                    set_commune,
                    lambda: update("new_gp_commune", commune),
                )
                AimTiles(future, lang, version)
                ChartsPanel([future], lang, version)
                CostPanel(future, lang, version)


@solara.component
def WorkshopTab(lang: str):
    t = TEXT[lang]
    chosen, set_chosen = solara.use_state(["baseline", "telemedecine"])
    futures_ref = solara.use_ref([])
    progress, set_progress = solara.use_state(0.0)
    version, set_version = solara.use_state(0)

    def launch():
        names = chosen[:4]
        set_progress(0.001)

        def work():
            futures = []
            for k, name in enumerate(names):
                scenario = load_scenario(name)
                fut = db.Future.create(scenario)
                fut.run_to_end(
                    on_progress=lambda f, k=k: set_progress(max((k + f) / len(names), 0.001))
                )
                futures.append(fut)
            futures_ref.current = futures
            set_progress(0.0)
            set_version(lambda v: v + 1)

        threading.Thread(target=work, daemon=True).start()

    solara.Markdown(f"### {t['futures']}")
    with solara.Row():
        for name in builtin_names():
            solara.Checkbox(
                label=name,
                value=name in chosen,
                on_value=lambda on, n=name: set_chosen(
                    [c for c in chosen if c != n] + ([n] if on else [])
                ),
            )
    solara.Button(
        t["launch"],
        on_click=launch,
        disabled=not 2 <= len(chosen) <= 4 or bool(progress),
        classes=["launch-button"],
    )
    if progress:
        solara.ProgressLinear(value=progress * 100)
    futures = futures_ref.current
    if futures and not progress:
        values = [db.commune_values(f.model) for f in futures]
        vmin = min(float(v["apl"].min()) for v in values)
        vmax = max(float(v["apl"].max()) for v in values)
        maps = [
            db.figure_png(db.map_figure(f.model, "apl", lang, v, vmin, vmax, small=True))
            for f, v in zip(futures, values)
        ]
        with solara.Row():
            for f, png in zip(futures, maps):
                with solara.Column():
                    solara.Markdown(f"## {f.scenario.name}")
                    solara.Image(png, classes=["workshop-map"])
        charts = db.figure_png(db.charts_figure(futures, lang, large=True))
        solara.Image(charts, classes=["workshop-charts"])
        with solara.Row():
            solara.FileDownload(
                data=charts, filename="territoire-atelier.png", label=t["export_png"]
            )
            solara.FileDownload(
                data=lambda: db.futures_csv(futures),
                filename="territoire-atelier.csv",
                label=t["export_csv"],
            )


@solara.component
def Page():
    lang, set_lang = solara.use_state("fr")
    tab, set_tab = solara.use_state(0)
    t = TEXT[lang]
    solara.Title(t["title"])
    solara.Style(".v-application { font-size: 16px } .workshop .v-application { font-size: 20px }")
    with solara.AppBar():
        solara.Button(
            t["language"],
            on_click=lambda: set_lang("en" if lang == "fr" else "fr"),
            text=True,
            classes=["lang-button"],
        )
    with solara.AppBarTitle():
        solara.Text(t["title"])
    with solara.lab.Tabs(value=tab, on_value=set_tab):
        with solara.lab.Tab(t["scenario"]):
            ScenarioTab(lang)
        with solara.lab.Tab(t["workshop"]):
            WorkshopTab(lang)
