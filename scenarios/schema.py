"""Scenario files (TOML): a typed, validated schema with errors that name the file, the key and what
is allowed.

```toml
name = "telemedecine"
seed = 42                 # common random numbers: the same seed for every scenario compared
years = 10                # policy horizon
burn_in_years = 5         # baseline years simulated before the policy starts (warm start)

[description]
fr = "…"
en = "…"

[territory]               # optional overrides
file = "balcons-du-dauphine"     # a built-in territory or a territory file
                                 # (default: the embedded one)
rural_speed_kmh = 60
providers = "my_providers.csv"   # relative to the scenario file
installations_per_year = 3

[[levers]]
type = "teleconsultation"
start_week = 0            # week of the policy horizon when the lever starts
ramp_weeks = 26           # optional linear ramp-up
gp_offer_share = 0.2
```
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from territoire.agents.patients import DISEASES, WEEKS_PER_YEAR
from territoire.errors import TerritoireError
from territoire.scenarios.levers import LEVERS, Lever, Param

TOP_KEYS = ("name", "description", "seed", "years", "burn_in_years", "territory", "levers")
TERRITORY_KEYS = ("file", "rural_speed_kmh", "providers", "installations_per_year")
LEVER_KEYS = ("type", "start_week", "ramp_weeks")
BUILTIN_DIR = Path(__file__).resolve().parent / "builtin"


class ScenarioError(TerritoireError, ValueError):
    """A scenario that cannot be used; the message names the file, the key and what is allowed."""


@dataclass
class Scenario:
    name: str
    description: dict[str, str] = field(default_factory=lambda: {"fr": "", "en": ""})
    seed: int = 42
    years: float = 10.0
    burn_in_years: float = 5.0
    territory: dict[str, Any] = field(default_factory=dict)
    levers: list[Lever] = field(default_factory=list)
    source: str = "<memory>"

    @property
    def weeks(self) -> int:
        return int(round(self.years * WEEKS_PER_YEAR))

    def to_dict(self) -> dict:
        """The scenario fully resolved (every default filled in), as plain data."""
        return {
            "name": self.name,
            "description": dict(self.description),
            "seed": self.seed,
            "years": self.years,
            "burn_in_years": self.burn_in_years,
            "territory": dict(self.territory),
            "levers": [
                {
                    "type": lv.type,
                    "start_week": lv.start_week,
                    "ramp_weeks": lv.ramp_weeks,
                    **lv.params,
                }
                for lv in self.levers
            ],
        }

    def to_toml(self) -> str:
        return dumps_toml(self.to_dict())


def _fail(source: str, key: str, message: str) -> ScenarioError:
    return ScenarioError(f"{source}: {key}: {message}")


def _number(source, key, value, kind, low=None, high=None):
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or (kind == "int" and not isinstance(value, int))
    ):
        raise _fail(
            source, key, f"must be {'an integer' if kind == 'int' else 'a number'}, got {value!r}"
        )
    if (low is not None and value < low) or (high is not None and value > high):
        raise _fail(source, key, f"must be within [{low:g}, {high:g}], got {value!r}")
    return value


def _param(
    source: str,
    key: str,
    spec: Param,
    value: Any,
    commune_codes: set[str],
    epci_codes: set[str],
    territory: str = "the territory",
):
    if spec.kind in ("float", "int"):
        value = _number(source, key, value, spec.kind, spec.low, spec.high)
        return float(value) if spec.kind == "float" else int(value)
    if spec.kind in ("str", "choice"):
        if not isinstance(value, str):
            raise _fail(source, key, f"must be a string, got {value!r}")
        if spec.kind == "choice" and value not in spec.choices:
            raise _fail(source, key, f"unknown value {value!r}; allowed: {', '.join(spec.choices)}")
        if spec.name in ("commune", "site") and value not in commune_codes:
            raise _fail(source, key, f"unknown commune code {value!r} (not in {territory})")
        return value
    if spec.kind in ("communes", "diseases"):
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise _fail(source, key, f"must be a list of codes, got {value!r}")
        allowed = spec.choices or (DISEASES if spec.kind == "diseases" else ())
        for v in value:
            if spec.kind == "diseases" and v not in allowed:
                raise _fail(source, key, f"unknown disease {v!r}; allowed: {', '.join(allowed)}")
            if (
                spec.kind == "communes"
                and v not in commune_codes
                and not (spec.name == "covers" and v in epci_codes)
            ):
                raise _fail(source, key, f"unknown commune code {v!r} (not in {territory})")
        return list(value)
    raise AssertionError(spec.kind)


def parse_scenario(
    data: dict, source: str, commune_codes: set[str], epci_codes: set[str] = frozenset()
) -> Scenario:
    """Validate a scenario given as a dict (from TOML); every default filled in."""
    if not isinstance(data, dict):
        raise _fail(source, "(top)", "a scenario must be a table of keys")
    unknown = [k for k in data if k not in TOP_KEYS]
    if unknown:
        raise _fail(source, unknown[0], f"unknown key; allowed: {', '.join(TOP_KEYS)}")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise _fail(source, "name", f"a non-empty string is required, got {name!r}")
    desc = data.get("description", {})
    if isinstance(desc, str):
        desc = {"fr": desc, "en": desc}
    if not isinstance(desc, dict) or any(
        k not in ("fr", "en") or not isinstance(v, str) for k, v in desc.items()
    ):
        raise _fail(source, "description", "must be a table with 'fr' and 'en' strings")
    seed = _number(source, "seed", data.get("seed", 42), "int", 0, 2**63 - 1)
    years = _number(source, "years", data.get("years", 10.0), "float", 1 / WEEKS_PER_YEAR, 100)
    burn_in = _number(source, "burn_in_years", data.get("burn_in_years", 5.0), "float", 0, 50)
    territory = data.get("territory", {})
    if not isinstance(territory, dict):
        raise _fail(source, "territory", "must be a table")
    for k, v in territory.items():
        if k not in TERRITORY_KEYS:
            raise _fail(
                source, f"territory.{k}", f"unknown key; allowed: {', '.join(TERRITORY_KEYS)}"
            )
        if k == "rural_speed_kmh":
            _number(source, f"territory.{k}", v, "float", 10, 130)
        elif k == "installations_per_year":
            _number(source, f"territory.{k}", v, "float", 0, 100)
        elif k == "file":
            if not isinstance(v, str):
                raise _fail(
                    source, f"territory.{k}", f"must be a territory name or file, got {v!r}"
                )
            base = Path(source).parent if source not in ("<memory>",) else Path(".")
            if v.endswith(".toml") and not Path(v).is_absolute():
                territory = {**territory, k: str(base / v)}
        elif k == "providers":
            if not isinstance(v, str):
                raise _fail(source, f"territory.{k}", f"must be a file path, got {v!r}")
            base = Path(source).parent if source not in ("<memory>",) else Path(".")
            path = (base / v) if not Path(v).is_absolute() else Path(v)
            if not path.exists():
                raise _fail(source, f"territory.{k}", f"providers file {path} does not exist")
            territory = {**territory, k: str(path)}
    horizon = int(round(years * WEEKS_PER_YEAR))
    levers = []
    raw_levers = data.get("levers", [])
    if not isinstance(raw_levers, list):
        raise _fail(source, "levers", "must be an array of tables ([[levers]])")
    for n, raw in enumerate(raw_levers, start=1):
        where = f"levers[{n}]"
        if not isinstance(raw, dict):
            raise _fail(source, where, "must be a table")
        kind = raw.get("type")
        if kind not in LEVERS:
            raise _fail(
                source, f"{where}.type", f"unknown lever {kind!r}; allowed: {', '.join(LEVERS)}"
            )
        spec = LEVERS[kind]
        where = f"{where} ({kind})"
        allowed = {*LEVER_KEYS, *(p.name for p in spec.params)}
        unknown = [k for k in raw if k not in allowed]
        if unknown:
            raise _fail(
                source,
                f"{where}.{unknown[0]}",
                f"unknown key; allowed: {', '.join(sorted(allowed))}",
            )
        start = _number(source, f"{where}.start_week", raw.get("start_week", 0), "int", 0, None)
        if start >= horizon:
            raise _fail(
                source,
                f"{where}.start_week",
                f"starts at week {start}, after the horizon of {horizon} weeks ({years:g} years)",
            )
        ramp = _number(source, f"{where}.ramp_weeks", raw.get("ramp_weeks", 0), "int", 0, None)
        params = {}
        for p in spec.params:
            if p.name not in raw:
                if p.required:
                    raise _fail(source, f"{where}.{p.name}", f"required ({p.doc})")
                params[p.name] = spec.default(p.name)
                continue
            params[p.name] = _param(
                source, f"{where}.{p.name}", p, raw[p.name], commune_codes, epci_codes
            )
        levers.append(Lever(kind, int(start), int(ramp), params))
    return Scenario(
        name.strip(),
        {"fr": desc.get("fr", ""), "en": desc.get("en", "")},
        int(seed),
        float(years),
        float(burn_in),
        dict(territory),
        levers,
        source,
    )


def check_levers(scenario: Scenario, territory) -> None:
    """Raise ``ScenarioError`` if a lever names a commune or an EPCI that ``territory`` lacks.

    A scenario is checked against its own territory when it is loaded, and can then be run on
    another one (``--territory``): the lever would otherwise fail deep inside a run.
    """
    communes, epcis = set(territory.codes), set(territory.epci_codes)
    where = f"the territory {territory.name!r}"
    for n, lever in enumerate(scenario.levers, start=1):
        for spec in LEVERS[lever.type].params:
            if spec.name in lever.params:
                key = f"levers[{n}] ({lever.type}).{spec.name}"
                value = lever.params[spec.name]
                _param(scenario.source, key, spec, value, communes, epcis, where)


def builtin_names() -> list[str]:
    return sorted(p.stem for p in BUILTIN_DIR.glob("*.toml"))


def scenario_path(name_or_path: str | Path) -> Path:
    """A built-in scenario's file, or a path; a clear error listing the built-ins if neither
    exists."""
    path = Path(name_or_path)
    if path.suffix == ".toml" and path.exists():
        return path
    builtin = BUILTIN_DIR / f"{name_or_path}.toml"
    if builtin.exists():
        return builtin
    raise ScenarioError(
        f"{name_or_path}: no such scenario file or built-in scenario; "
        f"built-in: {', '.join(builtin_names())}"
    )


def load_scenario(name_or_path: str | Path, territory=None) -> Scenario:
    """Read and validate a scenario (a built-in name or a TOML file) against the territory's
    communes."""
    from territoire.model.model import _default_territory

    path = scenario_path(name_or_path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: not valid TOML ({exc})") from exc
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"{path}: not a UTF-8 text file") from exc
    if territory is None:
        file = (
            (data.get("territory") or {}).get("file")
            if isinstance(data.get("territory"), dict)
            else None
        )
        if isinstance(file, str):
            from territoire.scenarios.territories import load_territory_file

            if file.endswith(".toml") and not Path(file).is_absolute():
                file = str(path.parent / file)
            territory = load_territory_file(file)[0]
    t = territory if territory is not None else _default_territory()
    return parse_scenario(data, str(path), set(t.codes), set(t.epci_codes))


def dumps_toml(data: dict) -> str:
    """A small TOML writer for resolved scenarios (tables, arrays of tables, scalars, lists of
    scalars)."""

    def scalar(v):
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, (int, float)):
            return repr(v)
        if isinstance(v, list):
            return "[" + ", ".join(scalar(x) for x in v) + "]"
        return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'

    lines = [
        f"{k} = {scalar(v)}"
        for k, v in data.items()
        if not isinstance(v, (dict, list))
        or (isinstance(v, list) and not v or isinstance(v, list) and not isinstance(v[0], dict))
    ]
    for k, v in data.items():
        if isinstance(v, dict):
            lines += ["", f"[{k}]"] + [f"{kk} = {scalar(vv)}" for kk, vv in v.items()]
    for k, v in data.items():
        if isinstance(v, list) and v and isinstance(v[0], dict):
            for item in v:
                lines += ["", f"[[{k}]]"] + [f"{kk} = {scalar(vv)}" for kk, vv in item.items()]
    return "\n".join(lines) + "\n"
