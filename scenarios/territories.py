"""Any French territory: build one from EPCI SIRENs, INSEE codes or a communes file, write it as a
reusable territory file (TOML), load it back. Built-in territories live in
``scenarios/territories/``.

A territory file:

```toml
name = "CC Les Balcons du Dauphiné"
epcis = ["200068542"]             # and/or
communes = ["38022", "38261"]     # INSEE codes, looked up in the national commune table
# communes_file = "communes.csv"  # or a table with the columns of scenarios/data/communes.csv
priority_epcis = []               # the priority zone (ZIP), empty: none
providers = "providers.csv"       # optional; default: the documented placement rule (estimated)

[[poles]]                         # external poles joined to the road network
                                  # (hospitals, specialists)
pole = "lyon"
name = "Lyon"
insee = "69123"
lat = 45.76
lon = 4.83
hospital = "CHU de Lyon"
specialists = 1
connect_k = 3
```

Without ``[[poles]]``, the builder picks them (an assumption, written into the file so it can be
edited): the three most populous communes outside the territory within 60 km of its centre, each
joined to its 3 nearest communes; the most populous hosts the specialists.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from territoire.model.territory import NetworkParams, Territory, TerritoryError, haversine_km
from territoire.scenarios.datafiles import data_path
from territoire.scenarios.schema import dumps_toml

BUILTIN_TERRITORIES_DIR = Path(__file__).resolve().parent / "territories"
TERRITORY_KEYS = (
    "name",
    "epcis",
    "communes",
    "communes_file",
    "priority_epcis",
    "providers",
    "poles",
)
# assumption: external poles are sought within 60 km of the territory's centre
POLE_SEARCH_KM = 60.0
N_POLES = 3


@lru_cache(maxsize=1)
def national_communes() -> pd.DataFrame:
    """Every current French commune (INSEE COG 2025, see SOURCES_national.md)."""
    return pd.read_parquet(data_path("france_communes.parquet"))


def select_communes(epcis=(), communes=(), source: str = "selection") -> pd.DataFrame:
    """Communes of the national table by EPCI SIREN and/or INSEE code; errors name unknown codes."""
    table = national_communes()
    epcis, communes = [str(e).strip() for e in epcis], [str(c).strip() for c in communes]
    unknown = [e for e in epcis if e not in set(table["epci"].dropna())]
    if unknown:
        raise TerritoryError(f"{source}: unknown EPCI SIREN {', '.join(unknown)}")
    unknown = [c for c in communes if c not in set(table["insee"])]
    if unknown:
        raise TerritoryError(f"{source}: unknown commune code {', '.join(unknown)}")
    chosen = table[table["epci"].isin(epcis) | table["insee"].isin(communes)].copy()
    if chosen.empty:
        raise TerritoryError(
            f"{source}: the selection is empty (give --epci, --communes or --file)"
        )
    no_coords = chosen.loc[chosen["lat"].isna() | chosen["lon"].isna(), "insee"].tolist()
    if no_coords:
        raise TerritoryError(f"{source}: commune(s) without coordinates: {', '.join(no_coords)}")
    no_pop = chosen.loc[chosen["population"].isna(), "insee"].tolist()
    if no_pop:
        raise TerritoryError(f"{source}: commune(s) without a population: {', '.join(no_pop)}")
    chosen["population"] = chosen["population"].astype(np.int64)
    chosen["in_petr"] = 0
    chosen["epci_name"] = chosen["epci_name"].fillna("hors EPCI")
    chosen["epci"] = chosen["epci"].fillna("none")
    return chosen.reset_index(drop=True)


def read_communes_file(path: str | Path) -> pd.DataFrame:
    path = Path(path)
    if not path.exists():
        raise TerritoryError(f"communes file {path} does not exist")
    try:
        return pd.read_csv(path, dtype={"insee": str, "epci": str, "postal_codes": str})
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise TerritoryError(f"{path}: not a readable CSV file ({exc})") from exc


def automatic_poles(communes: pd.DataFrame) -> pd.DataFrame:
    """The most populous communes outside the territory within POLE_SEARCH_KM of its centre
    (assumption)."""
    table = national_communes()
    lat0, lon0 = float(communes["lat"].mean()), float(communes["lon"].mean())
    outside = table[
        ~table["insee"].isin(communes["insee"]) & table["lat"].notna() & table["population"].notna()
    ].copy()
    outside["km"] = haversine_km(lat0, lon0, outside["lat"].to_numpy(), outside["lon"].to_numpy())
    near = (
        outside[outside["km"] <= POLE_SEARCH_KM]
        .sort_values("population", ascending=False)
        .head(N_POLES)
    )
    rows = []
    for k, r in enumerate(near.itertuples(index=False)):
        ascii_name = (
            unicodedata.normalize("NFKD", r.name).encode("ascii", "ignore").decode().lower()
        )
        slug = re.sub(r"[^a-z0-9]+", "-", ascii_name).strip("-") or r.insee
        rows.append(
            {
                "pole": slug,
                "name": r.name,
                "insee": r.insee,
                "lat": float(r.lat),
                "lon": float(r.lon),
                "hospital": f"Centre hospitalier de {r.name}",
                "specialists": 1 if k == 0 else 0,
                "connect_k": 3,
                "why": (
                    f"assumption: among the {N_POLES} most populous communes "
                    f"within {POLE_SEARCH_KM:g} km"
                ),
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "pole",
            "name",
            "insee",
            "lat",
            "lon",
            "hospital",
            "specialists",
            "connect_k",
            "why",
        ],
    )


def build_territory_spec(
    name: str,
    epcis=(),
    communes=(),
    communes_file: str | None = None,
    priority_epcis=(),
    providers: str | None = None,
) -> dict:
    """A territory file's content: the selection, resolved and checked, with its poles."""
    if communes_file:
        table = read_communes_file(communes_file)
        Territory.from_communes(
            table,
            name=name,
            poles=automatic_poles(table) if "lat" in table else None,
            source=str(communes_file),
        )
    else:
        table = select_communes(epcis, communes)
    spec = {"name": name}
    if communes_file:
        spec["communes_file"] = str(Path(communes_file).resolve())
    else:
        spec["epcis"] = [str(e) for e in epcis]
        spec["communes"] = [str(c) for c in communes]
    spec["priority_epcis"] = [str(e) for e in priority_epcis]
    if providers:
        spec["providers"] = str(Path(providers).resolve())
    spec["poles"] = automatic_poles(table).to_dict("records")
    return spec


def write_territory_file(spec: dict, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dumps_toml(spec), encoding="utf-8")
    return path


def builtin_territories() -> list[str]:
    return sorted(p.stem for p in BUILTIN_TERRITORIES_DIR.glob("*.toml"))


def territory_path(name_or_path: str | Path) -> Path:
    path = Path(name_or_path)
    if path.suffix == ".toml" and path.exists():
        return path
    builtin = BUILTIN_TERRITORIES_DIR / f"{name_or_path}.toml"
    if builtin.exists():
        return builtin
    raise TerritoryError(
        f"{name_or_path}: no such territory file or built-in territory; "
        f"built-in: {', '.join(builtin_territories())}"
    )


def load_territory_file(
    name_or_path: str | Path, params: NetworkParams | None = None
) -> tuple[Territory, str | None]:
    """The territory of a file (or built-in name), and its providers file if it names one."""
    if str(name_or_path) in ("saverne", "default"):
        from territoire.model.model import _default_territory

        return (_default_territory() if params is None else Territory.default(params)), None
    path = territory_path(name_or_path)
    source = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise TerritoryError(f"{source}: not valid TOML ({exc})") from exc
    unknown = [k for k in data if k not in TERRITORY_KEYS]
    if unknown:
        raise TerritoryError(
            f"{source}: {unknown[0]}: unknown key; allowed: {', '.join(TERRITORY_KEYS)}"
        )
    name = data.get("name")
    if not isinstance(name, str) or not name:
        raise TerritoryError(f"{source}: name: a non-empty string is required")
    base = path.parent
    if "communes_file" in data:
        f = Path(data["communes_file"])
        table = read_communes_file(f if f.is_absolute() else base / f)
    else:
        table = select_communes(data.get("epcis", []), data.get("communes", []), source)
    poles = pd.DataFrame(data["poles"]) if data.get("poles") else automatic_poles(table)
    if "insee" in poles:
        poles["insee"] = poles["insee"].astype(str)
    providers = data.get("providers")
    if providers:
        p = Path(providers)
        providers = str(p if p.is_absolute() else base / p)
        if not Path(providers).exists():
            raise TerritoryError(f"{source}: providers: file {providers} does not exist")
    territory = Territory.from_communes(
        table,
        name=name,
        priority_epcis=tuple(data.get("priority_epcis", [])),
        poles=poles,
        params=params,
        source=source,
    )
    return territory, providers
