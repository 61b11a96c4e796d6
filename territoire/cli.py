"""The ``territoire`` command line: one verb per job, ``--help`` on each."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

from territoire.errors import TerritoireError, UserError

#: What the operating system says about a path the user gave (``--out`` in a read-only place or
#: under a file, a folder where a file is wanted): one line naming the path. Only errors that carry
#: a file name: one that our code raises without it is a bug, shown with its traceback.
PATH_ERRORS = (
    FileNotFoundError,
    FileExistsError,
    IsADirectoryError,
    NotADirectoryError,
    PermissionError,
)


def _model(args):
    from territoire.model.model import TerritoryModel

    territory, providers = None, args.providers
    if getattr(args, "territory", None):
        from territoire.scenarios.territories import load_territory_file

        territory, file_providers = load_territory_file(args.territory)
        providers = providers or file_providers
    return TerritoryModel(
        seed=42 if args.seed is None else args.seed, territory=territory, providers=providers
    )


def _build_territory_file(args) -> None:
    """--epci / --communes / --file: build a territory and write it with --out."""
    from territoire.scenarios.territories import build_territory_spec, write_territory_file

    communes = [c for part in (args.communes or []) for c in part.split(",") if c]
    if not args.name:
        raise UserError("--name is required to build a territory")
    spec = build_territory_spec(
        args.name,
        epcis=args.epci or [],
        communes=communes,
        communes_file=args.file,
        priority_epcis=args.priority_epci or [],
        providers=args.providers,
    )
    if args.out:
        path = write_territory_file(spec, args.out)
        print(
            f"wrote {path}; use it with --territory {path} "
            f'or [territory] file = "{path}" in a scenario\n'
        )
        args.territory = str(path)
    else:
        raise UserError("--out FILE.toml is required to build a territory")


def cmd_territory(args) -> None:
    """Summary of the territory: communes, population, providers, APL against the DREES targets."""
    import pandas as pd

    from territoire.agents.placement import bassin_apl
    from territoire.model import diseases
    from territoire.scenarios.datafiles import epci_apl_targets

    if args.epci or args.communes or args.file:
        _build_territory_file(args)
    model = _model(args)
    t = model.territory
    c = t.communes
    print(f"Territory: {t.name}")
    print(
        f"  {t.n_communes} communes, {int(c['population'].sum()):,} inhabitants, "
        f"{len(model.patients):,} synthetic patients (seed {model.seed})"
    )
    print(
        f"  priority zone (ZIP): {int(t.is_zip.sum())} communes, "
        f"{int(c.loc[t.is_zip, 'population'].sum()):,} inhabitants; "
        f"complementary zone (ZAC): {int((~t.is_zip).sum())} communes"
    )
    print(
        f"  road network: {t.graph.number_of_nodes()} nodes ({len(t.poles)} external poles), "
        f"{t.graph.number_of_edges()} edges; "
        f"speed {t.params.rural_speed_kmh:g} km/h (assumption), detour ×{t.params.detour_factor}"
    )
    targets = epci_apl_targets(2023)
    apl = model.apl_by_epci()
    by_epci = c.groupby("epci_name", sort=False).agg(
        communes=("insee", "size"), population=("population", "sum")
    )
    by_epci["APL model"] = apl.round(2)
    by_epci["APL DREES 2023"] = [targets.get(name, np.nan) for name in by_epci.index]
    if by_epci["APL DREES 2023"].isna().any():
        print(
            "  (no DREES EPCI target shipped for some EPCIs: "
            "their GPs are calibrated to the national APL, 3.74)"
        )
    by_epci["under 2.5"] = c.assign(u=model.underserved).groupby("epci_name", sort=False)["u"].sum()
    print("\nBy EPCI")
    print(by_epci.to_string())
    print(
        f"\nAPL of the territory: {model.apl_territory():.2f}; "
        "share of inhabitants in communes under 2.5: "
        f"{model.share_underserved():.1%}"
    )
    counts = model.provider_table["type"].value_counts()
    print("\nProviders: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    gps = model.gps
    ages = np.array([g.age for g in gps])
    print(
        f"  GPs: {len(gps)} ({sum(g.fte for g in gps):.1f} FTE), "
        f"{np.mean(ages >= 60):.0%} aged 60+, "
        f"{np.mean(model.patients.gp < 0):.1%} of inhabitants without a médecin traitant"
    )
    if args.providers is None and not getattr(args, "territory_providers", None):
        print(
            "  (default providers: ESTIMATED by the documented placement rule, "
            "not a directory listing)"
        )
    bv = bassin_apl(t, model.apl, model.std_population)
    if len(bv):
        print("\nBassins de vie (nearest-centre approximation) against CartoSanté 2023")
        print(bv.to_string(index=False))
    p = model.patients
    age = p.age_years
    who = {  # a prevalence's denominator (``Disease.denominator``), as a mask of inhabitants
        "population": np.ones(len(p), bool),
        "adults": age >= 18,
        "aged_40_plus": age >= 40,
        "women_50_plus": (age >= 50) & (p.sex == 1),
    }
    prevalence = pd.Series(
        {
            f"{d.prevalence_label} ({diseases.DENOMINATORS[d.denominator][1]})": (
                (p.stage[:, k] > 0) & ~p.undiagnosed[:, k]
            )[who[d.denominator]].mean()
            for k, d in enumerate(diseases.REGISTRY)
        }
    )
    print("\nInitial prevalence")
    print((prevalence * 100).round(2).to_string())


def cmd_apl(args) -> None:
    """Write the per-commune APL as CSV (insee, name, epci, population, apl)."""
    model = _model(args)
    table = model.apl_table()[["insee", "name", "epci", "population", "apl"]]
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(out, index=False)
    print(f"wrote {out} ({len(table)} communes; territory APL {model.apl_territory():.2f})")


def _scenario(args):
    from territoire.scenarios.schema import load_scenario

    scenario = load_scenario(args.scenario)
    if args.seed is not None:
        scenario.seed = args.seed
    if getattr(args, "providers", None) is not None:
        scenario.territory["providers"] = str(args.providers)
    if getattr(args, "burn_in_years", None) is not None:
        scenario.burn_in_years = args.burn_in_years
    if getattr(args, "territory", None):
        scenario.territory["file"] = args.territory
    return scenario


def _burn_in_cache(args):
    from territoire.scenarios.burn_in_cache import BurnInCache

    return None if args.no_cache or args.from_checkpoint else BurnInCache()


def _burn_in_origin(args, cache) -> str:
    if args.from_checkpoint:
        return f"from {args.from_checkpoint}"
    if cache is not None and cache.loaded:
        return f"from the cache {cache.loaded[-1]}; --no-cache simulates it"
    return "simulated" + (
        f", cached in {cache.stored[-1].parent}" if cache is not None and cache.stored else ""
    )


def cmd_run(args) -> None:
    """Run a scenario (the baseline by default) and write DIR/indicators.parquet, summary.csv,
    indicators.png."""
    import time

    from territoire.experiments.chart import ChartProcess

    # imports matplotlib in a helper now, on the core our own imports leave idle
    with ChartProcess() as chart:
        from territoire.experiments.single import format_summary, write_run
        from territoire.scenarios.run import run_scenario

        scenario = _scenario(args)
        years = args.years if args.years is not None else scenario.years
        if years <= 0:
            raise UserError(f"--years must be > 0, got {years}")
        cache = _burn_in_cache(args)
        start = time.perf_counter()
        model = run_scenario(
            scenario,
            years=years,
            checkpoint=args.from_checkpoint,
            progress=not args.quiet,
            cache=cache,
        )
        seconds = time.perf_counter() - start
        written = write_run(
            model,
            args.out,
            title=f"{scenario.name} — seed {scenario.seed}, {years:g} years",
            chart=chart,
        )
    weeks = model.policy_week
    print(
        f"{scenario.name} on {model.territory.name}: {weeks} weeks of policy "
        f"after a {scenario.burn_in_years:g}-year burn-in "
        f"({_burn_in_origin(args, cache)}), {len(model.patients):,} inhabitants, {seconds:.1f} s"
    )
    print(format_summary(written.summary))
    print("\nwrote " + ", ".join(str(p) for p in written.paths.values()))


def cmd_scenarios(args) -> None:
    """List the built-in scenarios with their description."""
    from territoire.scenarios.schema import builtin_names, load_scenario

    for name in builtin_names():
        s = load_scenario(name)
        print(
            f"{name:18s} {len(s.levers)} lever(s)  "
            f"{s.description['fr' if args.lang == 'fr' else 'en']}"
        )


def cmd_scenario_show(args) -> None:
    """Print a scenario fully resolved (every default filled in), as TOML."""
    from territoire.scenarios.schema import load_scenario

    print(load_scenario(args.name).to_toml(), end="")


def cmd_levers(args) -> None:
    """List every lever with its parameters, defaults, bounds and sources, then the parameters of
    the access → health chain."""
    from territoire.model import evidence
    from territoire.scenarios.levers import LEVER_TYPES

    for lever in LEVER_TYPES:
        print(f"{lever.name} ({lever.category}): {lever.doc}")
        for p in lever.params:
            bounds = (
                f" [{p.low:g}, {p.high:g}]"
                if p.low is not None
                else (f" one of {', '.join(p.choices)}" if p.choices else "")
            )
            print(
                f"    {p.name} = {p.default!r}{bounds}"
                f"{' (required)' if p.required else ''}: {p.doc}"
            )
    print(
        "\nHow access changes health: model parameters (group.name = default, what backs it, "
        "range for sensitivity analysis: source)"
    )
    for row in evidence.table():
        print(
            f"    {row['group']}.{row['parameter']} = {row['default']:g} ({row['kind']}, "
            f"{row['low']:g}-{row['high']:g}): {row['source']}"
        )


def cmd_checkpoint_make(args) -> None:
    """Simulate the baseline burn-in once and save it: scenarios then branch from it
    (--from-checkpoint)."""
    from territoire.scenarios.run import make_checkpoint

    scenario = _scenario(args)
    path = make_checkpoint(scenario, args.out, progress=not args.quiet)
    print(f"wrote {path}: seed {scenario.seed}, burn-in {scenario.burn_in_years:g} years")


def cmd_checkpoint_show(args) -> None:
    """Describe a checkpoint file."""
    from territoire.scenarios.checkpoint import read_checkpoint

    info = read_checkpoint(args.file)
    key = info["key"]
    print(
        f"{args.file}: territoire checkpoint v{info['format_version']} "
        f"(code {info['code_version']})"
    )
    print(
        f"  territory: {info['territory']}; {info['patients']:,} inhabitants; week {info['week']}"
    )
    print(
        f"  seed {key.seed}; burn-in {key.burn_in_weeks} weeks; "
        f"territory overrides {dict(key.territory) or 'none'}"
    )


def cmd_compare(args) -> None:
    """Compare scenarios with the baseline (common random numbers, replicates) and write tables,
    maps and a report."""
    from territoire.experiments.compare import compare, save_comparison

    comp = compare(
        args.scenarios,
        replicates=args.replicates,
        years=args.years,
        checkpoint=args.from_checkpoint,
        discount_rate=args.discount_rate,
        progress=not args.quiet,
        seed=args.seed,
        territory=args.territory,
        cache=_burn_in_cache(args),
    )
    saved = save_comparison(comp, args.out, lang=args.lang)
    t = comp.differences
    key = t[
        (t["level"] == "territory")
        & t["indicator"].isin(
            [
                "unmet_demand",
                "share_without_gp",
                "avoidable_hospitalisations",
                "cost_per_inhabitant",
                "quality_adjusted_population",
            ]
        )
    ]
    import pandas as pd

    with pd.option_context("display.width", 160, "display.float_format", "{:,.2f}".format):
        print(
            key[
                [
                    "scenario",
                    "indicator",
                    "measure",
                    "horizon_mean_difference",
                    "horizon_mean_low",
                    "horizon_mean_high",
                ]
            ].to_string(index=False)
        )
    print(
        f"\n{len(comp.scenarios)} scenario(s) × {comp.replicates} replicate(s) "
        f"in {comp.seconds:.0f} s; report: {saved['report']}"
    )


def cmd_sweep(args) -> None:
    """Run a parameter sweep (TOML) locally or on a Dask cluster; resumes an interrupted sweep in
    the same --out."""
    import time

    from territoire.experiments.sweep import load_sweep, n_runs, run_sweep

    spec = load_sweep(args.file, force=args.force)
    out = Path(args.out) if args.out else Path("results") / "sweeps" / spec.name
    where = (
        f"Dask scheduler {args.scheduler}" if args.scheduler else f"{args.workers} local worker(s)"
    )
    print(
        f"sweep {spec.name}: {spec.design} design, "
        f"{n_runs(spec)} runs of {spec.years:g} years on {where} → {out}"
    )
    start = time.perf_counter()
    stats = run_sweep(
        spec, out, workers=args.workers, scheduler=args.scheduler, progress=not args.quiet
    )
    minutes = (time.perf_counter() - start) / 60
    rate = (
        f", {stats['done'] / minutes:.1f} runs per minute" if stats["done"] and minutes > 0 else ""
    )
    print(
        f"{stats['done']} run(s) done, {stats['failed']} failed, "
        f"{stats['skipped']} already complete{rate}"
    )
    if stats["failed"]:
        print(
            f"failed runs are described in {out / 'failed'}; re-run the same command to retry them"
        )


def cmd_results(args) -> None:
    """Summary of a sweep result folder (runs done, failed, missing; indicators)."""
    from territoire.experiments.sweep import complete_runs, failures, load_results, read_manifest

    out = Path(args.dir)
    manifest = read_manifest(out)
    sweep = manifest["sweep"]
    done = complete_runs(out)
    failed = failures(out)
    planned = len(manifest["runs"])
    print(
        f"{out}: sweep {sweep['name']!r} ({sweep['design']}), "
        f"code {manifest['code_version']}, base scenario {sweep['base_scenario']}"
    )
    print(
        f"  runs: {len(done)} complete, {len(failed)} failed, "
        f"{planned - len(done) - len(failed)} missing, {planned} planned"
    )
    for f in failed[:5]:
        print(f"  run {f['run']} failed: {f['error']}")
    results = load_results(out)
    if len(results):
        t = (
            results[results["level"] == "territory"]
            .groupby(["run", "indicator"])["value"]
            .mean()
            .unstack("indicator")
        )
        print("\nTerritory means over the horizon, across runs:")
        print(
            t.describe()
            .T[["mean", "std", "min", "max"]]
            .to_string(float_format=lambda v: f"{v:,.3f}")
        )
    print(f"\nquery with DuckDB: SELECT * FROM '{out}/runs/**/*.parquet'")


def cmd_analyse(args) -> None:
    """Sensitivity analysis of a sweep folder (Sobol indices, main effects or rank correlations) as
    HTML."""
    from territoire.experiments.analyse import analyse, write_analysis

    path = write_analysis(args.dir, args.out)
    result = analyse(args.dir)
    for ind, table in result["tables"].items():
        print(f"\n{ind}")
        print(table.to_string(index=False, float_format=lambda v: f"{v:,.3f}"))
    print(f"\nwrote {path}")


def cmd_app(args) -> None:
    """Serve the dashboard (Solara) on http://HOST:PORT."""
    import subprocess

    print(f"dashboard on http://{args.host}:{args.port} (Ctrl-C to stop)")
    cmd = [
        sys.executable,
        "-m",
        "solara",
        "run",
        "territoire.app",
        "--port",
        str(args.port),
        "--host",
        args.host,
        "--no-open",
    ]
    raise SystemExit(subprocess.call(cmd))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="territoire", description="Agent-based simulation of a rural health territory."
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--seed", type=int, default=None, help="random seed (default 42)")
        p.add_argument(
            "--providers",
            type=Path,
            default=None,
            help="providers CSV file (default: the documented placement rule)",
        )

    p = sub.add_parser(
        "territory",
        help="summary of a territory; build one from EPCI or commune codes",
        description=cmd_territory.__doc__
        + " With --epci, --communes or --file: build a territory file (--out).",
    )
    common(p)
    p.add_argument(
        "--territory",
        default=None,
        help="built-in territory (saverne, balcons-du-dauphine) or territory file",
    )
    p.add_argument(
        "--epci", nargs="+", default=None, metavar="SIREN", help="build from these EPCI SIRENs"
    )
    p.add_argument(
        "--communes",
        nargs="+",
        default=None,
        metavar="INSEE",
        help="build from these INSEE codes (comma or space separated)",
    )
    p.add_argument(
        "--file",
        default=None,
        help="build from a communes CSV with the columns of scenarios/data/communes.csv",
    )
    p.add_argument(
        "--priority-epci",
        nargs="+",
        default=None,
        metavar="SIREN",
        help="EPCIs forming the priority zone (ZIP)",
    )
    p.add_argument("--name", default=None, help="name of the territory being built")
    p.add_argument("--out", default=None, help="territory file (TOML) to write")
    p.set_defaults(func=cmd_territory)

    p = sub.add_parser(
        "run", help="run a scenario and write the indicators", description=cmd_run.__doc__
    )
    p.add_argument(
        "--scenario",
        default="baseline",
        help="built-in scenario name or TOML file (default baseline)",
    )
    p.add_argument("--seed", type=int, default=None, help="random seed (default: the scenario's)")
    p.add_argument(
        "--providers",
        type=Path,
        default=None,
        help="providers CSV file (default: the documented placement rule)",
    )
    p.add_argument(
        "--years", type=float, default=None, help="years of policy (default: the scenario's, 10)"
    )
    p.add_argument(
        "--burn-in-years",
        type=float,
        default=None,
        help="baseline years before the policy starts (default: the scenario's, 5)",
    )
    p.add_argument(
        "--from-checkpoint",
        type=Path,
        default=None,
        help="start from a saved burn-in instead of simulating it",
    )
    p.add_argument(
        "--no-cache",
        action="store_true",
        help="simulate the burn-in even if the burn-in cache holds it",
    )
    p.add_argument(
        "--territory",
        default=None,
        help="built-in territory or territory file (default: the scenario's)",
    )
    p.add_argument("--out", default="results/run", help="output folder (default results/run)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser(
        "scenarios", help="list the built-in scenarios", description=cmd_scenarios.__doc__
    )
    p.add_argument(
        "--lang",
        choices=("fr", "en"),
        default="fr",
        help="language of the descriptions (default fr)",
    )
    p.set_defaults(func=cmd_scenarios)

    p = sub.add_parser(
        "scenario", help="show one scenario", description="Scenario files: show one fully resolved."
    )
    ssub = p.add_subparsers(dest="action", metavar="ACTION")
    ssub.required = True
    q = ssub.add_parser(
        "show",
        help="print a scenario with every default filled in",
        description=cmd_scenario_show.__doc__,
    )
    q.add_argument("name", help="built-in scenario name or TOML file")
    q.set_defaults(func=cmd_scenario_show)

    p = sub.add_parser(
        "levers",
        help="list the scenario levers and their parameters",
        description=cmd_levers.__doc__,
    )
    p.set_defaults(func=cmd_levers)

    p = sub.add_parser(
        "checkpoint",
        help="make or show a baseline burn-in checkpoint",
        description="Warm-start checkpoints.",
    )
    csub = p.add_subparsers(dest="action", metavar="ACTION")
    csub.required = True
    q = csub.add_parser(
        "make", help="simulate the burn-in and save it", description=cmd_checkpoint_make.__doc__
    )
    q.add_argument(
        "--scenario",
        default="baseline",
        help="scenario whose seed, burn-in and territory to use (default baseline)",
    )
    q.add_argument("--seed", type=int, default=None, help="random seed (default: the scenario's)")
    q.add_argument(
        "--burn-in-years",
        type=float,
        default=None,
        help="years of burn-in (default: the scenario's, 5)",
    )
    q.add_argument("--out", required=True, help="checkpoint file to write")
    q.add_argument("--quiet", action="store_true", help="no progress bar")
    q.set_defaults(func=cmd_checkpoint_make)
    q = csub.add_parser(
        "show", help="describe a checkpoint file", description=cmd_checkpoint_show.__doc__
    )
    q.add_argument("file", type=Path)
    q.set_defaults(func=cmd_checkpoint_show)

    p = sub.add_parser(
        "compare", help="compare scenarios with the baseline", description=cmd_compare.__doc__
    )
    p.add_argument("scenarios", nargs="+", help="built-in scenario names or TOML files")
    p.add_argument("--replicates", type=int, default=5, help="replicates per scenario (default 5)")
    p.add_argument(
        "--years", type=float, default=None, help="years of policy (default: the scenarios', 10)"
    )
    p.add_argument(
        "--seed",
        type=int,
        default=None,
        help="random seed for every scenario (default: theirs, 42)",
    )
    p.add_argument(
        "--discount-rate",
        type=float,
        default=0.025,
        help="yearly discount rate of costs and QALYs (default 0.025, HAS)",
    )
    p.add_argument("--from-checkpoint", type=Path, default=None, help="start from a saved burn-in")
    p.add_argument(
        "--no-cache",
        action="store_true",
        help="simulate the burn-in even if the burn-in cache holds it",
    )
    p.add_argument(
        "--lang",
        choices=("fr", "en"),
        default="en",
        help="headers of the CSV and XLSX exports (default en)",
    )
    p.add_argument(
        "--territory", default=None, help="built-in territory or territory file for every scenario"
    )
    p.add_argument(
        "--out", default="results/compare", help="output folder (default results/compare)"
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("sweep", help="run a parameter sweep", description=cmd_sweep.__doc__)
    p.add_argument(
        "file", type=Path, help="sweep file (TOML), e.g. experiments/designs/telemedicine_lhs.toml"
    )
    p.add_argument("--workers", type=int, default=1, help="local worker processes (default 1)")
    p.add_argument(
        "--scheduler", default=None, help="address of a Dask scheduler, e.g. tcp://host:8786"
    )
    p.add_argument("--out", default=None, help="result folder (default results/sweeps/NAME)")
    p.add_argument("--force", action="store_true", help="allow more runs than the file's max_runs")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_sweep)

    p = sub.add_parser(
        "results", help="summary of a sweep result folder", description=cmd_results.__doc__
    )
    p.add_argument("dir", help="sweep result folder")
    p.set_defaults(func=cmd_results)

    p = sub.add_parser(
        "analyse", help="sensitivity analysis of a sweep", description=cmd_analyse.__doc__
    )
    p.add_argument("dir", help="sweep result folder")
    p.add_argument("--out", default=None, help="HTML file (default DIR/analysis.html)")
    p.set_defaults(func=cmd_analyse)

    p = sub.add_parser(
        "app", help="serve the dashboard in the browser", description=cmd_app.__doc__
    )
    p.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.set_defaults(func=cmd_app)

    p = sub.add_parser("apl", help="write the per-commune APL as CSV", description=cmd_apl.__doc__)
    common(p)
    p.add_argument(
        "--territory",
        default=None,
        help="built-in territory or territory file (default: the embedded one)",
    )
    p.add_argument("--out", required=True, help="CSV file to write")
    p.set_defaults(func=cmd_apl)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; 0 when it worked, 2 after a mistake of the user's, printed in one line.

    Only the project's own errors (``TerritoireError``: ScenarioError, SweepError, TerritoryError …)
    and the system's errors about a named path count as the user's mistakes; any other exception is
    a bug and propagates with its traceback. ``TERRITOIRE_DEBUG=1`` shows the traceback of all.
    """
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except (TerritoireError, *PATH_ERRORS) as exc:
        nameless = isinstance(exc, OSError) and exc.filename is None
        if nameless or os.environ.get("TERRITOIRE_DEBUG"):
            raise
        print(f"territoire: error: {_message(exc)}", file=sys.stderr)
        return 2
    return 0


def _message(exc: Exception) -> str:
    if isinstance(exc, OSError):  # "[Errno 13] Permission denied: 'x'" without the number
        paths = " → ".join(str(f) for f in (exc.filename, exc.filename2) if f is not None)
        return f"{exc.strerror}: {paths}"
    return str(exc)


def _interrupted(exc: BaseException | None) -> bool:
    """Whether ``exc`` is Ctrl-C: a KeyboardInterrupt, or what Python makes of one raised while a
    compiled numba kernel runs (a SystemError "returned a result with an exception set" caused by
    it)."""
    while exc is not None:
        if isinstance(exc, KeyboardInterrupt):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def entry() -> None:
    """The ``territoire`` command: ``main`` on the command line's arguments, then exit."""
    try:
        code = main(sys.argv[1:])
        sys.stdout.flush()
    except BrokenPipeError:
        # the reader went away (``territoire run | head``): files are written, nothing left to say;
        # stdout goes to devnull, Python's own advice, so that its flush at exit raises no second
        # error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = 1
    except (KeyboardInterrupt, SystemError) as exc:
        # Ctrl-C: files already written stay; a half-written one never has its final name
        if not _interrupted(exc):
            raise
        print("\nterritoire: interrupted", file=sys.stderr)
        code = 130
    sys.exit(code)


if __name__ == "__main__":
    entry()
