"""Shared fixtures: the embedded territory and a model built once per test session."""

from __future__ import annotations

import os
import tempfile

import pytest

from territoire.model.model import TerritoryModel
from territoire.model.territory import ALSACE_BOSSUE_SIREN, Territory

# The tests, and the commands they start, keep burned-in baselines in a folder of their own: they
# never read nor fill the user's burn-in cache.
os.environ["TERRITOIRE_CACHE_DIR"] = tempfile.mkdtemp(prefix="territoire-test-cache-")


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
    return Territory.from_communes(c[c["epci"] == ALSACE_BOSSUE_SIREN].drop(columns=["zone"]), name="Alsace Bossue",
                                   priority_epcis=(ALSACE_BOSSUE_SIREN,))
