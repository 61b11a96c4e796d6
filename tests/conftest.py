"""Shared fixtures: the embedded territory and a model built once per test session."""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest

from territoire.model.kernel_cache import ensure_fresh_kernel_cache
from territoire.model.model import TerritoryModel
from territoire.model.territory import ALSACE_BOSSUE_SIREN, Territory

# The tests, and the commands they start, keep burned-in baselines in a folder of their own: they
# never read nor fill the user's burn-in cache. The folder goes at the end of the session.
_BURN_IN_CACHE = tempfile.mkdtemp(prefix="territoire-test-cache-")
os.environ["TERRITOIRE_CACHE_DIR"] = _BURN_IN_CACHE


def pytest_sessionstart(session):
    # Some tests call kernels without building a model: numba's cache is checked before any of them
    # runs, as a command does before its first model (``model/kernel_cache.py``).
    ensure_fresh_kernel_cache()


@pytest.fixture(scope="session", autouse=True)
def _private_burn_in_cache():
    yield
    shutil.rmtree(_BURN_IN_CACHE, ignore_errors=True)


@pytest.fixture(scope="session")
def territory() -> Territory:
    return Territory.default()


@pytest.fixture(scope="session")
def model(territory) -> TerritoryModel:
    return TerritoryModel(seed=7, territory=territory)


@pytest.fixture(scope="session")
def small_territory(territory) -> Territory:
    """The Alsace Bossue alone (45 communes, 23,844 inhabitants): fast enough for many runs."""
    c = territory.communes
    return Territory.from_communes(
        c[c["epci"] == ALSACE_BOSSUE_SIREN].drop(columns=["zone"]),
        name="Alsace Bossue",
        priority_epcis=(ALSACE_BOSSUE_SIREN,),
    )
