"""The ``territoire`` command line: one verb per job, ``--help`` on each."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np


class UserError(Exception):
    """A mistake in what the user asked for: printed as one clear line, no traceback."""


def _model(args):
    from territoire.model.model import TerritoryModel

    return TerritoryModel(seed=args.seed, providers=args.providers)


def cmd_territory(args) -> None:
    """Summary of the territory: communes, population, providers, APL against the DREES targets."""
    import pandas as pd

    from territoire.agents.placement import bassin_apl
    from territoire.scenarios.datafiles import epci_apl_targets

    model = _model(args)
    t = model.territory
    c = t.communes
    print(f"Territory: {t.name}")
    print(f"  {t.n_communes} communes, {int(c['population'].sum()):,} inhabitants, "
          f"{len(model.patients):,} synthetic patients (seed {model.seed})")
    print(f"  priority zone (ZIP): {int(t.is_zip.sum())} communes, {int(c.loc[t.is_zip, 'population'].sum()):,} inhabitants; "
          f"complementary zone (ZAC): {int((~t.is_zip).sum())} communes")
    print(f"  road network: {t.graph.number_of_nodes()} nodes ({len(t.poles)} external poles), {t.graph.number_of_edges()} edges; "
          f"speed {t.params.rural_speed_kmh:g} km/h (assumption), detour ×{t.params.detour_factor}")
    targets = epci_apl_targets(2023)
    apl = model.apl_by_epci()
    by_epci = c.groupby("epci_name", sort=False).agg(communes=("insee", "size"), population=("population", "sum"))
    by_epci["APL model"] = apl.round(2)
    by_epci["APL DREES 2023"] = [targets.get(name, np.nan) for name in by_epci.index]
    by_epci["under 2.5"] = c.assign(u=model.underserved).groupby("epci_name", sort=False)["u"].sum()
    print("\nBy EPCI")
    print(by_epci.to_string())
    print(f"\nAPL of the territory: {model.apl_territory():.2f}; share of inhabitants in communes under 2.5: "
          f"{model.share_underserved():.1%}")
    counts = model.provider_table["type"].value_counts()
    print("\nProviders: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    gps = model.gps
    ages = np.array([g.age for g in gps])
    print(f"  GPs: {len(gps)} ({sum(g.fte for g in gps):.1f} FTE), {np.mean(ages >= 60):.0%} aged 60+, "
          f"{np.mean(model.patients.gp < 0):.1%} of inhabitants without a médecin traitant")
    if args.providers is None:
        print("  (default providers: estimated by the documented placement rule, not a directory listing)")
    bv = bassin_apl(t, model.apl, model.std_population)
    if len(bv):
        print("\nBassins de vie (nearest-centre approximation) against CartoSanté 2023")
        print(bv.to_string(index=False))
    p = model.patients
    age = p.age_years
    prevalence = pd.Series({
        "diabetes (treated, % of population)": (p.stage[:, 0] > 0).mean(),
        "heart failure (% of adults)": (p.stage[age >= 18, 1] > 0).mean(),
        "COPD (treated, % of 40+)": (p.stage[age >= 40, 2] > 0).mean(),
        "osteoporosis (densitometric, % of women 50+)": (p.stage[(age >= 50) & (p.sex == 1), 3] > 0).mean(),
    })
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


def cmd_run(args) -> None:
    """Run the model on the embedded territory and write DIR/indicators.parquet, summary.csv, indicators.png."""
    from territoire.experiments.single import format_summary, run_and_write, summary_table

    model, paths, seconds = run_and_write(args.seed, args.years, args.out, providers=args.providers, progress=not args.quiet)
    weeks = model.week
    print(f"{model.territory.name}: {weeks} weeks × {len(model.patients):,} inhabitants in {seconds:.1f} s "
          f"({weeks * len(model.patients) / seconds / 1e6:.1f} million patient-weeks per second)")
    print(format_summary(summary_table(model.indicators(levels=("territory",)))))
    print("\nwrote " + ", ".join(str(p) for p in paths.values()))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="territoire", description="Agent-based simulation of a rural health territory.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
        p.add_argument("--providers", type=Path, default=None, help="providers CSV file (default: the documented placement rule)")

    p = sub.add_parser("territory", help="summary of the embedded territory", description=cmd_territory.__doc__)
    common(p)
    p.set_defaults(func=cmd_territory)

    p = sub.add_parser("run", help="run the model and write the indicators", description=cmd_run.__doc__)
    common(p)
    p.add_argument("--years", type=float, default=10.0, help="simulated years (default 10)")
    p.add_argument("--out", default="results/run", help="output folder (default results/run)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("apl", help="write the per-commune APL as CSV", description=cmd_apl.__doc__)
    common(p)
    p.add_argument("--out", required=True, help="CSV file to write")
    p.set_defaults(func=cmd_apl)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except (UserError, ValueError, KeyError, FileNotFoundError) as exc:
        if os.environ.get("TERRITOIRE_DEBUG"):
            raise
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        print(f"territoire: error: {message}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
