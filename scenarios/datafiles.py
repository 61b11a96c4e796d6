"""Where the data shipped with the package lives, and small readers for it."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

import pandas as pd

DATA_DIR = Path(str(resources.files("territoire.scenarios") / "data"))


def data_path(name: str) -> Path:
    """Path of a file shipped in ``scenarios/data``; a clear error if it is missing."""
    path = DATA_DIR / name
    if not path.exists():
        raise FileNotFoundError(f"data file {name!r} is not shipped in {DATA_DIR}")
    return path


@cache
def _apl_method() -> pd.DataFrame:
    return pd.read_csv(data_path("apl_method.csv"))


def apl_age_weights(year: int = 2023) -> pd.Series:
    """DREES relative GP consumption by 5-year age band (19 bands: 0-4 … 90+), in band order."""
    table = _apl_method()
    rows = table[table["table"] == "age_weight_gp_consumption"]
    return rows[f"value_{year}"].astype(float).reset_index(drop=True)


def apl_targets(year: int = 2023) -> pd.DataFrame:
    """The DREES APL statistics for France, the Bas-Rhin, the PETR and the four CCs."""
    table = pd.read_csv(data_path("apl_targets.csv"))
    return table[table["year"] == year].reset_index(drop=True)


def epci_apl_targets(year: int = 2023) -> dict[str, float]:
    """EPCI name → DREES APL (mean weighted by standardised population)."""
    t = apl_targets(year)
    rows = t[
        t["scope"].str.startswith("CC ") & (t["metric"] == "APL mean weighted by standardised pop")
    ]
    return dict(zip(rows["scope"], rows["value"].astype(float)))


def bassin_de_vie_apl() -> dict[str, float]:
    """CartoSanté APL 2023 by bassin de vie, keyed by the bassin's centre commune INSEE code."""
    t = pd.read_csv(
        data_path("cartosante_apl_bv2023_bas_rhin.csv"), dtype={"bv_or_canton_ville_code": str}
    )
    return dict(zip(t["bv_or_canton_ville_code"], t["apl_mg_2023"].astype(float)))
