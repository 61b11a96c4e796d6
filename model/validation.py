"""Checks shared by the parameter dataclasses: types, shapes and ranges.

Each parameter class calls ``check_fields`` from its ``__post_init__`` with one check per field;
a check is a callable ``(value, where)`` that raises ``ParameterError`` with a message naming the
class and the field, what was expected and what was given, e.g.
``DiseaseParams.regain: expected 4 values (one per disease: diabetes, …), got 3``.
Checks only raise: a valid value is kept as given (the simulation's numbers do not change).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields
from numbers import Integral, Real
from typing import Any

from territoire.agents.patients import DISEASES, MOBILITY_NAMES, STAGE_NAMES
from territoire.errors import TerritoireError


class ParameterError(TerritoireError, ValueError):
    """A parameter value or name that the model cannot use."""


#: ``check(value, where)``: raises ``ParameterError`` if ``value`` is unusable; ``where`` names it.
Check = Callable[[Any, str], None]

#: Tolerance on shares that must sum to 1 (published mixes are rounded to 2-3 decimals).
SHARE_SUM_TOLERANCE = 1e-6


def fail(where: str, expected: str, got: Any) -> ParameterError:
    """The error for ``where``: what was expected and what was given."""
    return ParameterError(f"{where}: expected {expected}, got {got!r}")


@dataclass(frozen=True, slots=True)
class Range:
    """An interval of allowed numbers; bounds are inclusive unless ``*_open``."""

    low: float = -math.inf
    high: float = math.inf
    low_open: bool = False
    high_open: bool = False

    def __contains__(self, x: float) -> bool:
        above = x > self.low if self.low_open else x >= self.low
        below = x < self.high if self.high_open else x <= self.high
        return above and below

    def __str__(self) -> str:
        if self.high == math.inf:
            return "" if self.low == -math.inf else f"{'>' if self.low_open else '>='} {self.low:g}"
        left, right = "(" if self.low_open else "[", ")" if self.high_open else "]"
        return f"in {left}{self.low:g}, {self.high:g}{right}"


ANY = Range()
NON_NEGATIVE = Range(0.0)
POSITIVE = Range(0.0, low_open=True)
PROBABILITY = Range(0.0, 1.0)
PERCENT = Range(0.0, 100.0)


@dataclass(frozen=True, slots=True)
class Axis:
    """What each entry of a per-something tuple stands for (its length is the number of names)."""

    what: str
    names: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.names)


PER_DISEASE = Axis("disease", DISEASES)
PER_STAGE = Axis("stage", STAGE_NAMES)
#: Stage mixes of the prevalent: stages 1 … 3 (stage 0 is having none of the disease).
PER_DISEASED_STAGE = Axis("stage", STAGE_NAMES[1:])
PER_SEX = Axis("sex", ("men", "women"))  # the order of MALE, FEMALE in agents.patients
PER_MOBILITY = Axis("mobility class", MOBILITY_NAMES)


def _describe(kind: str, rng: Range) -> str:
    bounds = str(rng)
    return f"{kind} {bounds}" if bounds else kind


def number(rng: Range = ANY, integer: bool = False, why: str = "") -> Check:
    """A finite real number (an integer if ``integer``) within ``rng``; bools are refused."""
    expected = _describe("an integer" if integer else "a finite number", rng)
    if why:
        expected += f" ({why})"

    def check(value: Any, where: str) -> None:
        if isinstance(value, bool) or not isinstance(value, Integral if integer else Real):
            raise fail(where, expected, value)
        if not math.isfinite(value) or value not in rng:
            raise fail(where, expected, value)

    return check


def text(choices: tuple[str, ...] = ()) -> Check:
    """A non-empty string, one of ``choices`` if given."""
    expected = f"one of {', '.join(choices)}" if choices else "a non-empty string"

    def check(value: Any, where: str) -> None:
        if not isinstance(value, str) or not value or (choices and value not in choices):
            raise fail(where, expected, value)

    return check


def _tuple(value: Any, where: str, length: int | None, unit: str, axis: Axis | None) -> None:
    """``value`` is a tuple of ``length`` entries (any length if None)."""
    per = f" (one per {axis.what}: {', '.join(axis.names)})" if axis else ""
    if not isinstance(value, tuple):
        count = f"{length} " if length is not None else ""
        raise fail(where, f"a tuple of {count}{unit}{per}", value)
    if length is not None and len(value) != length:
        raise ParameterError(f"{where}: expected {length} {unit}{per}, got {len(value)}")


def _index(axis: Axis | None, i: int) -> str:
    return f"[{axis.names[i]}]" if axis else f"[{i}]"


def per(axis: Axis, item: Check, unit: str = "values") -> Check:
    """A tuple with one entry per name of ``axis``, each passing ``item``."""

    def check(value: Any, where: str) -> None:
        _tuple(value, where, len(axis), unit, axis)
        for i, v in enumerate(value):
            item(v, where + _index(axis, i))

    return check


def table(rows: Axis, columns: Axis, rng: Range, integer: bool = False) -> Check:
    """A ``rows × columns`` table of numbers (a tuple of row tuples)."""
    return per(rows, per(columns, number(rng, integer)), unit="rows")


def shares(axis: Axis) -> Check:
    """One share in [0, 1] per name of ``axis``, summing to 1 (± ``SHARE_SUM_TOLERANCE``)."""
    each = per(axis, number(PROBABILITY))

    def check(value: Any, where: str) -> None:
        each(value, where)
        sums_to_one(value, where, value)

    return check


def sums_to_one(values: Iterable[float], where: str, given: Any) -> None:
    """Shares ``values`` (taken from ``given``) sum to 1 within ``SHARE_SUM_TOLERANCE``."""
    total = math.fsum(values)
    if abs(total - 1.0) > SHARE_SUM_TOLERANCE:
        raise ParameterError(
            f"{where}: expected shares summing to 1 (± {SHARE_SUM_TOLERANCE:g}), "
            f"got {given!r} (sum {total:.9g})"
        )


def record(*columns: tuple[str, Check]) -> Check:
    """A fixed-length tuple of named entries, e.g. ``(from age, share)``."""
    names = ", ".join(name for name, _ in columns)

    def check(value: Any, where: str) -> None:
        _tuple(value, where, len(columns), f"values ({names})", None)
        for i, (v, (_, item)) in enumerate(zip(value, columns)):
            item(v, f"{where}[{i}]")

    return check


def rows(item: Check, min_rows: int = 0) -> Check:
    """A tuple of any number (at least ``min_rows``) of entries, each passing ``item``."""

    def check(value: Any, where: str) -> None:
        _tuple(value, where, None, "rows", None)
        if len(value) < min_rows:
            raise ParameterError(f"{where}: expected at least {min_rows} rows, got {len(value)}")
        for i, v in enumerate(value):
            item(v, where + _index(None, i))

    return check


def steps(start: Check, value: Check, first: float | None = None, min_rows: int = 1) -> Check:
    """A step table ``((from, value), …)``: starts strictly increasing, the first equal to
    ``first`` if given (a lookup below the first start would have no value)."""
    each = rows(record(("from", start), ("value", value)), min_rows)

    def check(table_: Any, where: str) -> None:
        each(table_, where)
        starts = [row[0] for row in table_]
        if first is not None and starts and starts[0] != first:
            raise fail(f"{where}[0][0]", f"the first step to start at {first:g}", starts[0])
        for i in range(1, len(starts)):
            if starts[i] <= starts[i - 1]:
                raise fail(
                    f"{where}[{i}][0]",
                    f"a start above the previous one ({starts[i - 1]})",
                    starts[i],
                )

    return check


def check_fields(params: Any, checks: Mapping[str, Check]) -> None:
    """Run each field's check, in field order. Every field must have exactly one check, so that a
    field added without one fails at once (a programming error, hence not ``ParameterError``)."""
    cls = type(params).__name__
    names = [f.name for f in fields(params)]
    unchecked = [n for n in names if n not in checks]
    unknown = [n for n in checks if n not in names]
    if unchecked or unknown:
        raise TypeError(
            f"{cls}: fields without a check {unchecked}, checks without a field {unknown}"
        )
    for name in names:
        checks[name](getattr(params, name), f"{cls}.{name}")
