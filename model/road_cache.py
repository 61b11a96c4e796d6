"""Road networks kept on disk, so that a command line does not import scipy.spatial to rebuild one.

Building a territory's road network (Delaunay neighbours, then shortest paths: ``territory.py``)
takes milliseconds, but importing scipy.spatial and scipy.sparse for it takes ~0.2 s on the
project's 2-core machine: a twentieth of a 10-year ``territoire run``. The network is a pure
function of the communes' codes, names and positions, of the poles, of the network parameters and of
the code of ``territory.py`` (a Delaunay triangulation of points in general position is unique, so
the scipy version does not enter), so it is stored under a hash of those and read back the next
time, scipy not even imported.

Entries are pickles in ``cache_root() / "road-networks"``, written to a temporary name and renamed
(concurrent runs never read half a file). An unreadable or inconsistent entry is reported, built
again and replaced; a folder that cannot be written is reported and never fatal.

The graph itself stays pickled (``PickledGraph``) until something asks for it, the map or the
report: unpickling it imports networkx, ~0.15-0.25 s here, and a run needs only the travel times.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import networkx as nx
    import pandas as pd

FORMAT = 2  # 2: the graph pickled apart, with its digest and node count
MAX_ENTRIES = 32  # an entry is ~0.2 MB for the embedded territory
_BUILDER = Path(__file__).with_name("territory.py")  # the code the network is built by


class PickledGraph:
    """A road graph kept as its pickle until first asked for (``graph()``), and pickled as those
    bytes."""

    def __init__(self, data: bytes, graph: nx.Graph | None = None) -> None:
        self.data = data
        self._graph = graph

    @classmethod
    def of(cls, graph: nx.Graph) -> PickledGraph:
        return cls(pickle.dumps(graph, protocol=pickle.HIGHEST_PROTOCOL), graph)

    def graph(self) -> nx.Graph:
        if self._graph is None:
            self._graph = pickle.loads(self.data)
        return self._graph

    def __getstate__(self) -> dict:
        return {"data": self.data}  # the graph is never changed once built

    def __setstate__(self, state: dict) -> None:
        self.data, self._graph = state["data"], None


# graph, commune × commune minutes, commune × pole minutes
Network = tuple[PickledGraph, np.ndarray, np.ndarray]


def cache_root() -> Path:
    """The folder of territoire's on-disk caches: ``$TERRITOIRE_CACHE_DIR``, else
    ``$XDG_CACHE_HOME/territoire``, else ``~/.cache/territoire``."""
    if os.environ.get("TERRITOIRE_CACHE_DIR"):
        return Path(os.environ["TERRITOIRE_CACHE_DIR"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "territoire"


def network_key(communes: pd.DataFrame, poles: pd.DataFrame, params) -> str:
    """Hash of everything the network is built from."""
    h = hashlib.sha256(f"road network {FORMAT}|{params!r}".encode())
    h.update(_BUILDER.read_bytes())
    for table, text, numbers in (
        (communes, ("insee", "name"), ("lat", "lon")),
        (poles, ("pole", "name"), ("lat", "lon", "connect_k")),
    ):
        for column in text:
            h.update("\x1f".join(map(str, table[column])).encode() + b"\x1e")
        for column in numbers:
            h.update(np.ascontiguousarray(table[column].to_numpy(np.float64)).tobytes())
    return h.hexdigest()[:40]


def cached_network(
    communes: pd.DataFrame, poles: pd.DataFrame, params, build: Callable[[], Network]
) -> Network:
    """``build()``'s network for these communes, poles and parameters: from the cache if it holds
    it, else built and stored."""
    folder = cache_root() / "road-networks"
    path = folder / f"{network_key(communes, poles, params)}.pkl"
    if path.exists():
        network = _read(path, len(communes), len(poles))
        if network is not None:
            return network
    network = build()
    _write(path, network)
    return network


def _read(path: Path, n_communes: int, n_poles: int) -> Network | None:
    try:
        with path.open("rb") as f:
            graph_data, digest, n_nodes, travel, pole_travel = pickle.load(f)
        if hashlib.sha256(graph_data).hexdigest() != digest:
            raise ValueError("its graph does not match its digest")
        if (
            travel.shape != (n_communes, n_communes)
            or pole_travel.shape != (n_communes, n_poles)
            or n_nodes != n_communes + n_poles
        ):
            raise ValueError("its matrices do not fit the territory")
    # a truncated, corrupt or foreign file: whatever it raises, build again
    except Exception as exc:
        warnings.warn(
            f"road-network cache: {path} is unreadable ({type(exc).__name__}: {exc}); "
            "building it again",
            stacklevel=3,
        )
        return None
    try:
        os.utime(path)  # most recently used: evicted last
    except OSError:  # a read-only cache still serves
        pass
    return PickledGraph(graph_data), travel, pole_travel


def _write(path: Path, network: Network) -> None:
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        graph, travel, pole_travel = network
        entry = (
            graph.data,
            hashlib.sha256(graph.data).hexdigest(),
            graph.graph().number_of_nodes(),
            travel,
            pole_travel,
        )
        with tmp.open("wb") as f:
            pickle.dump(entry, f, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(path)
        for old in sorted(path.parent.glob("*.pkl"), key=_last_used, reverse=True)[MAX_ENTRIES:]:
            old.unlink(missing_ok=True)
    except OSError as exc:
        with contextlib.suppress(OSError):  # nothing to remove, or a folder we cannot touch
            tmp.unlink(missing_ok=True)
        warnings.warn(
            f"road-network cache: cannot write {path} ({exc}); going on without it", stacklevel=3
        )


def _last_used(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:  # removed meanwhile by another run
        return 0.0
