"""The territory: real communes, a road network between them and external poles, zones and EPCIs.

Travel times are not read from a road graph (none is available offline): each commune is joined to
its Delaunay neighbours, an edge takes ``haversine km × detour factor ÷ rural speed`` minutes, and
shortest paths over that network give the commune × commune and commune × pole matrices.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from territoire.errors import TerritoireError
from territoire.model.road_cache import PickledGraph, cached_network
from territoire.model.validation import POSITIVE, Range, check_fields, number
from territoire.scenarios.datafiles import data_path

if TYPE_CHECKING:
    # imported where a graph is built: a run from the caches never needs it (``road_cache``)
    import networkx as nx

EARTH_RADIUS_KM = 6371.0088  # mean Earth radius (IUGG)

REQUIRED_COLUMNS = (
    "insee",
    "name",
    "epci",
    "epci_name",
    "lat",
    "lon",
    "population",
    "age_std_ratio",
)

#: SIREN of the CC de l'Alsace Bossue: the seeds' priority intervention zone (ZIP, 45 communes).
ALSACE_BOSSUE_SIREN = "200067841"


@dataclass(frozen=True, slots=True)
class NetworkParams:
    """How travel minutes are derived from coordinates."""

    # source: mean road/straight-line ratio, 300 European regions, doi 10.1177/23998083231168870
    detour_factor: float = 1.343
    # assumption: between 36 km/h door-to-door (EMP 2019) and ~80 km/h observed on 80/90 roads
    rural_speed_kmh: float = 60.0
    # assumption: village streets, for the time to reach a GP inside one's own commune
    intra_commune_speed_kmh: float = 30.0

    def __post_init__(self) -> None:
        speed = number(POSITIVE)  # a divisor
        check_fields(
            self,
            {
                "detour_factor": number(
                    Range(1.0), why="roads are never shorter than a straight line"
                ),
                "rural_speed_kmh": speed,
                "intra_commune_speed_kmh": speed,
            },
        )


def haversine_km(lat1, lon1, lat2, lon2):
    """Great-circle distance in km between points given in degrees (numpy broadcasting)."""
    lat1, lon1, lat2, lon2 = (
        np.radians(np.asarray(x, dtype=float)) for x in (lat1, lon1, lat2, lon2)
    )
    a = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def road_minutes(km, params: NetworkParams):
    """Minutes by road for a straight-line distance in km."""
    return np.asarray(km) * params.detour_factor / params.rural_speed_kmh * 60.0


def build_road_network(
    communes: pd.DataFrame, poles: pd.DataFrame, params: NetworkParams
) -> nx.Graph:
    """Communes joined to their Delaunay neighbours; each pole joined to its ``connect_k`` nearest
    communes.

    Nodes are INSEE codes (communes) and ``pole:<id>`` (poles); edges carry ``km`` and ``minutes``.
    """
    import networkx as nx

    graph = nx.Graph()
    lat = communes["lat"].to_numpy(float)
    lon = communes["lon"].to_numpy(float)
    codes = communes["insee"].tolist()
    for code, name, la, lo in zip(codes, communes["name"], lat, lon):
        graph.add_node(code, kind="commune", name=name, lat=float(la), lon=float(lo))

    def join(a: str, b: str, km: float) -> None:
        graph.add_edge(a, b, km=float(km), minutes=float(road_minutes(km, params)))

    if len(codes) >= 3:
        # imported here, 0.2 s: a network read from the cache needs none of scipy
        from scipy.spatial import Delaunay

        # Equirectangular projection around the centre is accurate to <0.1 % over a territory this
        # size.
        lat0 = np.radians(lat.mean())
        xy = np.column_stack([np.radians(lon) * np.cos(lat0), np.radians(lat)]) * EARTH_RADIUS_KM
        for simplex in Delaunay(xy).simplices:
            for i, j in ((0, 1), (1, 2), (0, 2)):
                a, b = simplex[i], simplex[j]
                join(codes[a], codes[b], haversine_km(lat[a], lon[a], lat[b], lon[b]))
    elif len(codes) == 2:
        join(codes[0], codes[1], haversine_km(lat[0], lon[0], lat[1], lon[1]))

    for pole in poles.itertuples(index=False):
        node = f"pole:{pole.pole}"
        graph.add_node(node, kind="pole", name=pole.name, lat=float(pole.lat), lon=float(pole.lon))
        km = haversine_km(pole.lat, pole.lon, lat, lon)
        for idx in np.argsort(km, kind="stable")[: int(pole.connect_k)]:
            join(node, codes[idx], km[idx])
    return graph


def shortest_minutes(graph: nx.Graph, sources: list[str], targets: list[str]) -> np.ndarray:
    """Shortest-path minutes from each source node to each target node (float64 matrix; inf if
    unreachable).

    Dijkstra from every source at once in scipy's compiled routine (the embedded territory: ~5 ms,
    against ~0.1 s for networkx's Python one, with the same sums along the same paths)."""
    import networkx as nx
    from scipy.sparse.csgraph import dijkstra

    nodes = list(graph.nodes)
    index = {node: k for k, node in enumerate(nodes)}
    adjacency = nx.to_scipy_sparse_array(graph, nodelist=nodes, weight="minutes", format="csr")
    minutes = dijkstra(adjacency, directed=False, indices=[index[s] for s in sources])
    return np.ascontiguousarray(minutes[:, [index[t] for t in targets]])


def road_network(
    communes: pd.DataFrame, poles: pd.DataFrame, params: NetworkParams
) -> tuple[PickledGraph, np.ndarray, np.ndarray]:
    """The road network and its shortest-path minutes, commune × commune (diagonal 0) and commune ×
    pole."""
    graph = build_road_network(communes, poles, params)
    codes = communes["insee"].tolist()
    return (
        PickledGraph.of(graph),
        shortest_minutes(graph, codes, codes),
        shortest_minutes(graph, codes, [f"pole:{p}" for p in poles["pole"]]),
    )


def load_poles(path: Path | None = None) -> pd.DataFrame:
    return pd.read_csv(path or data_path("poles.csv"), dtype={"insee": str})


class TerritoryError(TerritoireError, ValueError):
    """A territory that cannot be built; the message names the file, the key or the code.
    (``territoire.scenarios.territories`` raises it too, for territory files and selections.)"""


def validate_communes(df: pd.DataFrame, source: str) -> pd.DataFrame:
    """Check a commune table; raise ``TerritoryError`` naming the column or the commune code."""
    missing = [c for c in REQUIRED_COLUMNS if c not in df.columns]
    if missing:
        raise TerritoryError(
            f"{source}: missing column(s) {', '.join(missing)}; "
            f"required: {', '.join(REQUIRED_COLUMNS)}"
        )
    if df.empty:
        raise TerritoryError(f"{source}: no commune selected")
    df = df.copy()
    df["insee"] = df["insee"].astype(str).str.strip()
    df["epci"] = df["epci"].astype(str).str.strip()
    dup = df["insee"][df["insee"].duplicated()].tolist()
    if dup:
        raise TerritoryError(f"{source}: duplicated commune code(s) {', '.join(dup)}")
    for col in ("lat", "lon"):
        bad = df.loc[pd.to_numeric(df[col], errors="coerce").isna(), "insee"].tolist()
        if bad:
            raise TerritoryError(
                f"{source}: commune(s) without coordinates ({col}): {', '.join(bad)}"
            )
    pop = pd.to_numeric(df["population"], errors="coerce")
    bad = df.loc[pop.isna() | (pop < 0), "insee"].tolist()
    if bad:
        raise TerritoryError(
            f"{source}: commune(s) with a missing or negative population: {', '.join(bad)}"
        )
    df["population"] = pop.astype(np.int64)
    ratio = pd.to_numeric(df["age_std_ratio"], errors="coerce")
    # The DREES ratio is missing for a few uninhabited or recent communes: the national mean (1.0)
    # is used.
    df["age_std_ratio"] = ratio.fillna(1.0).astype(float)
    if "area_km2" not in df.columns:
        df["area_km2"] = np.nan
    df["area_km2"] = pd.to_numeric(df["area_km2"], errors="coerce")
    return df.reset_index(drop=True)


@dataclass(eq=False)
class Territory:
    """Communes (rows in file order), EPCIs, zones, the road network and travel times in minutes.

    ``travel_min[i, j]``: minutes by road from commune i to commune j; the diagonal is the time to
    cross one's own commune (half the radius of a disc of its area, at village speed).
    ``pole_travel_min[i, p]``: minutes from commune i to external pole p.
    """

    name: str
    communes: pd.DataFrame
    poles: pd.DataFrame
    road_graph: PickledGraph  # the road network, unpickled on first use (``graph``)
    travel_min: np.ndarray
    pole_travel_min: np.ndarray
    params: NetworkParams = field(default_factory=NetworkParams)

    @classmethod
    def from_communes(
        cls,
        communes: pd.DataFrame,
        name: str = "territory",
        priority_epcis: tuple[str, ...] = (),
        poles: pd.DataFrame | None = None,
        params: NetworkParams | None = None,
        source: str = "communes table",
    ) -> Territory:
        params = params or NetworkParams()
        communes = validate_communes(communes, source)
        poles = load_poles() if poles is None else poles
        communes["zone"] = np.where(communes["epci"].isin(priority_epcis), "ZIP", "ZAC")
        road_graph, travel, pole_travel = cached_network(
            communes, poles, params, lambda: road_network(communes, poles, params)
        )
        area = communes["area_km2"].fillna(
            communes["area_km2"].median() if communes["area_km2"].notna().any() else 10.0
        )
        radius_km = np.sqrt(area.to_numpy(float) / np.pi)
        np.fill_diagonal(
            travel, 0.5 * radius_km * params.detour_factor / params.intra_commune_speed_kmh * 60.0
        )
        return cls(
            name, communes, poles.reset_index(drop=True), road_graph, travel, pole_travel, params
        )

    @classmethod
    def default(cls, params: NetworkParams | None = None) -> Territory:
        """The embedded territory: PETR du Pays de Saverne, Plaine et Plateau + CC de la Mossig et
        du Vignoble."""
        communes = pd.read_csv(
            data_path("communes.csv"), dtype={"insee": str, "epci": str, "postal_codes": str}
        )
        return cls.from_communes(
            communes,
            name="Pays de Saverne, Plaine et Plateau + Mossig et Vignoble",
            priority_epcis=(ALSACE_BOSSUE_SIREN,),
            params=params,
            source=str(data_path("communes.csv")),
        )

    # ---- convenient views -------------------------------------------------------------------
    @property
    def graph(self) -> nx.Graph:
        """The road network: communes and poles as nodes, edges with their ``km`` and
        ``minutes``."""
        return self.road_graph.graph()

    @property
    def n_communes(self) -> int:
        return len(self.communes)

    @property
    def codes(self) -> list[str]:
        return self.communes["insee"].tolist()

    @property
    def population(self) -> np.ndarray:
        return self.communes["population"].to_numpy(np.int64)

    @property
    def is_zip(self) -> np.ndarray:
        return (self.communes["zone"] == "ZIP").to_numpy()

    @property
    def epci_codes(self) -> list[str]:
        return list(dict.fromkeys(self.communes["epci"]))

    @property
    def epci_names(self) -> dict[str, str]:
        return dict(zip(self.communes["epci"], self.communes["epci_name"]))

    @property
    def epci_index(self) -> np.ndarray:
        """Index of each commune's EPCI in ``epci_codes``."""
        lookup = {code: k for k, code in enumerate(self.epci_codes)}
        return self.communes["epci"].map(lookup).to_numpy(np.int16)

    def commune_index(self, code: str) -> int:
        """Row of an INSEE code; ``KeyError`` naming the code and the territory if unknown."""
        matches = np.flatnonzero(self.communes["insee"].to_numpy() == str(code))
        if matches.size == 0:
            raise KeyError(f"commune code {code!r} is not in the territory {self.name!r}")
        return int(matches[0])

    def pole_index(self, pole: str) -> int:
        matches = np.flatnonzero(self.poles["pole"].to_numpy() == pole)
        if matches.size == 0:
            raise KeyError(f"pole {pole!r} is not one of {', '.join(self.poles['pole'])}")
        return int(matches[0])
