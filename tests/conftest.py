"""Shared fixtures: the embedded territory and a model built once per test session."""

from __future__ import annotations

import pytest

from territoire.model.model import TerritoryModel
from territoire.model.territory import Territory


@pytest.fixture(scope="session")
def territory() -> Territory:
    return Territory.default()


@pytest.fixture(scope="session")
def model(territory) -> TerritoryModel:
    return TerritoryModel(seed=7, territory=territory)
