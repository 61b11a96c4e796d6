"""The providers file: one CSV row per provider, validated with errors that name the row.

Columns (a header line is required; unknown columns are refused):

========== ===================================================================================
type       gp | specialist | pharmacy | msp | cpts | hospital
name       free text
commune    INSEE code of the commune, or ``pole:<id>`` for an external pole (specialists,
           hospitals): ``pole:strasbourg``, ``pole:haguenau``, ``pole:sarrebourg``,
           ``pole:sarreguemines``
fte        full-time equivalents: gp > 0 and <= 2; specialist (a person or a site's team) > 0
           and <= 100
activity   consultations and visits per year (gp, specialist), >= 0
age        years (gp, specialist), 20 … 90
practice   solo | msp | centre (gp)
specialty  cardiology | pulmonology | endocrinology | rheumatology (specialist)
cpts       name of the CPTS the provider belongs to (gp, pharmacy), empty if none
covers     for a cpts: INSEE or EPCI SIREN codes separated by spaces
========== ===================================================================================
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from territoire.agents.providers import Practice, Specialty
from territoire.errors import TerritoireError

COLUMNS = (
    "type",
    "name",
    "commune",
    "fte",
    "activity",
    "age",
    "practice",
    "specialty",
    "cpts",
    "covers",
)
TYPES = ("gp", "specialist", "pharmacy", "msp", "cpts", "hospital")
NUMERIC = ("fte", "activity", "age")


class ProvidersFileError(TerritoireError, ValueError):
    """A providers file that cannot be used; the message names the file, the row and the problem."""


def read_providers_csv(path: str | Path) -> pd.DataFrame:
    path = Path(path)
    if not path.exists():
        raise ProvidersFileError(f"providers file {path} does not exist")
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise ProvidersFileError(f"{path}: not a readable CSV file ({exc})") from exc
    return table


def validate_providers(
    table: pd.DataFrame,
    commune_codes: list[str],
    pole_ids: list[str],
    epci_codes: list[str],
    source: str,
) -> pd.DataFrame:
    """Check every row; return the table with typed columns. Raises ``ProvidersFileError``."""
    unknown = [c for c in table.columns if c not in COLUMNS]
    if unknown:
        raise ProvidersFileError(
            f"{source}: unknown column(s) {', '.join(unknown)}; allowed: {', '.join(COLUMNS)}"
        )
    for required in ("type", "name", "commune"):
        if required not in table.columns:
            raise ProvidersFileError(f"{source}: missing column {required!r}")
    table = table.copy()
    for col in COLUMNS:
        if col not in table.columns:
            table[col] = ""
    table = table[list(COLUMNS)].fillna("").astype(str)
    table = table.apply(lambda s: s.str.strip())
    if table.empty:
        raise ProvidersFileError(f"{source}: no provider listed")

    communes = set(commune_codes)
    sites = communes | {f"pole:{p}" for p in pole_ids}
    coverable = communes | set(epci_codes)
    numbers = {
        col: pd.to_numeric(table[col].replace("", np.nan), errors="coerce") for col in NUMERIC
    }
    for i, row in table.iterrows():
        # row 1 is the header
        where = f"{source}, row {i + 2} ({row['type'] or '?'} {row['name']!r})"
        kind = row["type"].lower()
        if kind not in TYPES:
            raise ProvidersFileError(
                f"{where}: unknown type {row['type']!r}; allowed: {', '.join(TYPES)}"
            )
        if kind != "cpts" and row["commune"] not in sites:
            raise ProvidersFileError(
                f"{where}: unknown commune code {row['commune']!r} (not in the territory)"
            )
        if kind in ("gp", "pharmacy", "msp") and row["commune"].startswith("pole:"):
            raise ProvidersFileError(
                f"{where}: a {kind} must be in a commune of the territory, not at {row['commune']}"
            )
        for col in NUMERIC:
            if row[col] and np.isnan(numbers[col][i]):
                raise ProvidersFileError(f"{where}: {col} must be a number, got {row[col]!r}")
        if kind in ("gp", "specialist"):
            fte, activity, age = (numbers[c][i] for c in NUMERIC)
            max_fte = 2 if kind == "gp" else 100  # a specialist row may be a site's whole team
            if np.isnan(fte) or not 0 < fte <= max_fte:
                raise ProvidersFileError(
                    f"{where}: fte must be > 0 and <= {max_fte}, got {row['fte'] or 'nothing'}"
                )
            if np.isnan(activity) or activity < 0:
                raise ProvidersFileError(
                    f"{where}: activity (consultations per year) must be >= 0, "
                    f"got {row['activity'] or 'nothing'}"
                )
            if np.isnan(age) or not 20 <= age <= 90:
                raise ProvidersFileError(
                    f"{where}: age must be within 20 … 90 years, got {row['age'] or 'nothing'}"
                )
        if kind == "gp" and row["practice"] and row["practice"] not in {p.value for p in Practice}:
            raise ProvidersFileError(
                f"{where}: unknown practice {row['practice']!r}; "
                f"allowed: {', '.join(p.value for p in Practice)}"
            )
        if kind == "specialist" and row["specialty"] not in {s.value for s in Specialty}:
            raise ProvidersFileError(
                f"{where}: unknown specialty {row['specialty']!r}; "
                f"allowed: {', '.join(s.value for s in Specialty)}"
            )
        if kind == "cpts":
            codes = row["covers"].split()
            if not codes:
                raise ProvidersFileError(
                    f"{where}: a cpts needs 'covers' (INSEE or EPCI codes separated by spaces)"
                )
            bad = [c for c in codes if c not in coverable]
            if bad:
                raise ProvidersFileError(f"{where}: unknown code(s) in covers: {', '.join(bad)}")
    for col in NUMERIC:
        table[col] = numbers[col]
    table["type"] = table["type"].str.lower()
    table.loc[(table["type"] == "gp") & (table["practice"] == ""), "practice"] = Practice.SOLO.value
    cpts_names = set(table.loc[table["type"] == "cpts", "name"])
    for i, row in table[table["cpts"] != ""].iterrows():
        if row["cpts"] not in cpts_names:
            raise ProvidersFileError(
                f"{source}, row {i + 2} ({row['type']} {row['name']!r}): "
                f"member of CPTS {row['cpts']!r}, which no 'cpts' row defines"
            )
    return table


def write_providers_csv(table: pd.DataFrame, path: str | Path) -> None:
    out = table[list(COLUMNS)].copy()
    for col in NUMERIC:
        out[col] = out[col].map(lambda v: "" if pd.isna(v) else (f"{v:g}"))
    out.to_csv(path, index=False)
