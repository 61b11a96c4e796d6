"""Exports where planners work: Parquet, CSV, XLSX (one sheet per level, French headers available)
and GeoJSON points of the communes that QGIS opens directly."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

FRENCH_HEADERS = {
    "scenario": "scénario",
    "level": "niveau",
    "unit": "unité géographique",
    "indicator": "indicateur",
    "measure": "unité de mesure",
    "horizon_mean_baseline": "moyenne horizon (référence)",
    "horizon_mean_scenario": "moyenne horizon (scénario)",
    "horizon_mean_difference": "écart moyen",
    "horizon_mean_low": "écart IC95 bas",
    "horizon_mean_high": "écart IC95 haut",
    "last_year_mean_baseline": "dernière année (référence)",
    "last_year_mean_scenario": "dernière année (scénario)",
    "last_year_mean_difference": "écart dernière année",
    "last_year_mean_low": "écart dernière année IC95 bas",
    "last_year_mean_high": "écart dernière année IC95 haut",
    "metric": "mesure",
    "mean": "moyenne",
    "low": "IC95 bas",
    "high": "IC95 haut",
    "aim": "objectif",
    "baseline": "référence",
    "scenario_value": "scénario",
    "difference": "écart",
    "verdict": "verdict",
    "insee": "code INSEE",
    "name": "commune",
    "lat": "latitude",
    "lon": "longitude",
    "zone": "zone",
    "epci": "EPCI",
    "apl_last_year": "APL dernière année",
    "unmet_per_1000_per_year": "demande non satisfaite pour 1000 hab. par an",
    "share_without_gp_last_year": "% sans médecin traitant (dernière année)",
    "apl_last_year_change": "écart d'APL",
    "unmet_per_1000_per_year_change": "écart de demande non satisfaite pour 1000",
    "share_without_gp_last_year_change": "écart % sans médecin traitant",
}


def _atomic_write(path: Path, write) -> None:
    tmp = path.with_name(path.name + ".tmp")
    write(tmp)
    tmp.replace(path)


def geojson_points(communes: pd.DataFrame, properties: list[str] | None = None) -> dict:
    """A GeoJSON FeatureCollection of commune points (WGS84 lon/lat), one feature per row."""
    props = properties or [c for c in communes.columns if c not in ("lat", "lon")]
    features = []
    for row in communes.to_dict("records"):
        clean = {
            k: (
                None
                if isinstance(row[k], float) and not np.isfinite(row[k])
                else row[k].item()
                if hasattr(row[k], "item")
                else row[k]
            )
            for k in props
        }
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "Point",
                    "coordinates": [float(row["lon"]), float(row["lat"])],
                },
                "properties": clean,
            }
        )
    return {"type": "FeatureCollection", "features": features}


XLSX_MAX_ROWS = 1_048_575  # Excel's sheet limit, less the header


def write_tables(
    tables: dict[str, pd.DataFrame],
    out: str | Path,
    lang: str = "en",
    sheets_by: dict[str, str] | None = None,
    not_in_xlsx: tuple[str, ...] = (),
) -> list[Path]:
    """Each table as Parquet and CSV; the others in one XLSX (a table split into one sheet per value
    of ``sheets_by[name]`` when given, e.g. one sheet per level). ``lang='fr'``: French headers in
    CSV/XLSX."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    rename = FRENCH_HEADERS if lang == "fr" else {}
    for name, table in tables.items():
        p = out / f"{name}.parquet"
        _atomic_write(p, lambda tmp, t=table: t.to_parquet(tmp, index=False))
        c = out / f"{name}.csv"
        _atomic_write(c, lambda tmp, t=table: t.rename(columns=rename).to_csv(tmp, index=False))
        written += [p, c]
    xlsx = out / "results.xlsx"

    def write_xlsx(tmp):
        with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
            for name, table in tables.items():
                if name in not_in_xlsx:
                    continue
                split = (sheets_by or {}).get(name)
                parts = (
                    table.groupby(split, sort=False, observed=True) if split else [(name, table)]
                )
                for key, part in parts:
                    sheet = str(key if split else name)[:31]
                    if len(part) > XLSX_MAX_ROWS:
                        raise ValueError(
                            f"table {name!r} has {len(part):,} rows, more than an Excel sheet holds"
                        )
                    part.rename(columns=rename).to_excel(writer, sheet_name=sheet, index=False)

    _atomic_write(xlsx, write_xlsx)
    written.append(xlsx)
    return written


def write_geojson(communes: pd.DataFrame, path: str | Path) -> Path:
    path = Path(path)
    _atomic_write(
        path, lambda tmp: tmp.write_text(json.dumps(geojson_points(communes), ensure_ascii=False))
    )
    return path
