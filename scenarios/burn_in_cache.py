"""Burned-in baselines kept on disk, so that the next run of the same territory and seed starts
where the burn-in ended instead of simulating it again (the embedded territory: 5 years, ~1.7 s).

The burn-in runs the baseline before any lever, so it is the same for every scenario that shares its
seed, burn-in length and territory settings; being deterministic, it is a pure function of those, of
the territory's data and of the code. The cache key hashes all of them:

* the checkpoint key (seed, burn-in weeks, the scenario's territory overrides);
* the territory as built (communes table, travel times, poles) and the bytes of the providers file;
* every source and data file of the ``territoire`` package, and the Python, numpy and numba versions
  (a change of code or library gives new keys: stale entries are never read, and the oldest are
  removed beyond ``MAX_ENTRIES``).

An entry is a checkpoint file (``checkpoint.py``): an unreadable one is reported, simulated again
and replaced. Entries are written to a temporary name and renamed, so concurrent runs never read
half a file. The folder is ``$TERRITOIRE_CACHE_DIR``, else ``$XDG_CACHE_HOME/territoire``, else
``~/.cache/territoire``; ``territoire run --no-cache`` does without it.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import platform
import sys
import warnings
from functools import lru_cache
from pathlib import Path

import numpy as np

from territoire.model.road_cache import cache_root
from territoire.scenarios.checkpoint import (
    CheckpointError,
    CheckpointKey,
    load_checkpoint,
    save_checkpoint,
)

MAX_ENTRIES = 8  # the embedded territory's entry is ~6 MB
_PACKAGES = ("territoire", "territoire.model", "territoire.agents", "territoire.scenarios")
_INPUT_SUFFIXES = {".py", ".csv", ".toml", ".parquet"}


def cache_dir() -> Path:
    """Folder of the burn-in cache (see the module docstring)."""
    return cache_root() / "burn-in"


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """Hash of the package's code and data files and of the library versions the results depend
    on."""
    import numba

    h = hashlib.sha256(
        (
            f"{sys.version}|{platform.machine()}|numpy {np.__version__}|numba {numba.__version__}"
        ).encode()
    )
    for package in _PACKAGES:
        for folder in importlib.import_module(package).__path__:
            root = Path(folder)
            for path in sorted(
                p
                for p in root.rglob("*")
                if p.suffix in _INPUT_SUFFIXES and "__pycache__" not in p.parts
            ):
                h.update(f"{package}/{path.relative_to(root).as_posix()}".encode())
                h.update(path.read_bytes())
    return h.hexdigest()


def territory_fingerprint(territory) -> bytes:
    """Hash of what a territory is built of: its communes, poles and travel times."""
    import pandas as pd

    h = hashlib.sha256(territory.name.encode())
    for table in (territory.communes, territory.poles):
        h.update(pd.util.hash_pandas_object(table, index=True).to_numpy().tobytes())
        h.update(",".join(map(str, table.columns)).encode())
    for minutes in (territory.travel_min, territory.pole_travel_min):
        h.update(np.ascontiguousarray(minutes, np.float64).tobytes())
    return h.digest()


def burn_in_key(scenario, territory, providers) -> str:
    """Cache key of a scenario's burn-in, given the territory and providers file its model is built
    from."""
    h = hashlib.sha256(repr(CheckpointKey.of(scenario)).encode())
    h.update(code_fingerprint().encode())
    h.update(territory_fingerprint(territory))
    # a missing file: the model's build reports it
    if providers is not None and Path(providers).is_file():
        h.update(Path(providers).read_bytes())
    return h.hexdigest()[:40]


class BurnInCache:
    """Burned-in models on disk, by key; ``loaded`` and ``stored`` list the files this instance
    used."""

    def __init__(self, directory: str | Path | None = None) -> None:
        self.directory = Path(directory) if directory is not None else cache_dir()
        self.loaded: list[Path] = []
        self.stored: list[Path] = []

    def path(self, key: str) -> Path:
        return self.directory / f"{key}.pkl"

    def load(self, key: str, scenario):
        """The cached burned-in model, or None (missing, or unreadable: reported and removed)."""
        path = self.path(key)
        if not path.exists():
            return None
        try:
            model = load_checkpoint(path, scenario)
        except CheckpointError as exc:
            warnings.warn(f"burn-in cache: {exc}; simulating the burn-in again", stacklevel=2)
            path.unlink(missing_ok=True)
            return None
        try:
            os.utime(path)  # most recently used: removed last
        except OSError:  # a read-only cache still serves
            pass
        self.loaded.append(path)
        return model

    def save(self, key: str, model, scenario) -> Path | None:
        """Store a burned-in model; a cache that cannot be written is reported, never fatal."""
        path = self.path(key)
        try:
            save_checkpoint(model, CheckpointKey.of(scenario), path)
            self._evict()
        except OSError as exc:
            warnings.warn(
                f"burn-in cache: cannot write {path} ({exc}); going on without it", stacklevel=2
            )
            return None
        self.stored.append(path)
        return path

    def _evict(self) -> None:
        def last_used(path: Path) -> float:
            try:
                return path.stat().st_mtime
            except FileNotFoundError:  # removed meanwhile by another run
                return 0.0

        for old in sorted(self.directory.glob("*.pkl"), key=last_used, reverse=True)[MAX_ENTRIES:]:
            old.unlink(missing_ok=True)
