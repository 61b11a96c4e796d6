"""Model parameters as frozen dataclasses: units in the names, a source or 'assumption' on each line."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any


class ParameterError(ValueError):
    """A parameter value or name that the model cannot use."""


def with_overrides(params: Any, **overrides: Any) -> Any:
    """A copy of a parameter dataclass with some values changed; unknown names are refused."""
    allowed = {f.name for f in fields(params)}
    unknown = sorted(set(overrides) - allowed)
    if unknown:
        raise ParameterError(f"{type(params).__name__}: unknown parameter(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}")
    return replace(params, **overrides)


@dataclass(frozen=True, slots=True)
class AccessParams:
    """How far patients travel to a GP, by mobility class (minutes by road, one way)."""

    reach_car_min: float = 30.0  # assumption: 30 min by car, the usual threshold of French access-to-care studies
    reach_limited_min: float = 15.0  # assumption: limited mobility (lifts from relatives, occasional transport)
    reach_none_min: float = 10.0  # assumption: no car: the own commune and the next village

    def __post_init__(self) -> None:
        for f in fields(self):
            if getattr(self, f.name) < 0:
                raise ParameterError(f"AccessParams.{f.name} must be >= 0, got {getattr(self, f.name)}")

    def reach_by_mobility(self) -> tuple[float, float, float]:
        return (self.reach_car_min, self.reach_limited_min, self.reach_none_min)
