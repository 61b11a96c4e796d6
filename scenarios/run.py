"""Running scenarios: build the baseline, burn it in, branch each scenario and replicate from
there."""

from __future__ import annotations

import pickle
from pathlib import Path

from territoire.agents.patients import WEEKS_PER_YEAR
from territoire.scenarios.burn_in_cache import BurnInCache, burn_in_key
from territoire.scenarios.checkpoint import CheckpointKey, load_checkpoint, save_checkpoint
from territoire.scenarios.schema import Scenario, check_levers, load_scenario


def model_inputs(scenario: Scenario):
    """What a scenario's model is built from: (territory, providers file or None, workforce
    parameters or None)."""
    from territoire.model.model import _default_territory
    from territoire.model.params import WorkforceParams
    from territoire.model.territory import NetworkParams, Territory
    from territoire.scenarios.territories import load_territory_file

    t = scenario.territory
    network = (
        NetworkParams(rural_speed_kmh=t["rural_speed_kmh"]) if "rural_speed_kmh" in t else None
    )
    providers = t.get("providers")
    if "file" in t:
        territory, file_providers = load_territory_file(t["file"], network)
        providers = providers or file_providers
    else:
        territory = Territory.default(network) if network else _default_territory()
    workforce = (
        WorkforceParams(installations_per_year=t["installations_per_year"])
        if "installations_per_year" in t
        else None
    )
    return territory, providers, workforce


def build_model(scenario: Scenario, inputs=None):
    """A fresh model for the scenario's seed and territory overrides (no burn-in yet)."""
    from territoire.model.model import TerritoryModel

    territory, providers, workforce = inputs or model_inputs(scenario)
    return TerritoryModel(
        seed=scenario.seed, territory=territory, providers=providers, workforce_params=workforce
    )


def burned_in(scenario: Scenario, progress: bool = False, cache: BurnInCache | None = None):
    """The baseline model after the scenario's burn-in (its checkpoint state).

    With a ``cache``, a burn-in already simulated with the same inputs is loaded from it, else
    simulated and stored there (``cache.loaded`` and ``cache.stored`` list the files).

    The burn-in's weekly record is not kept: every branch starts its own (``start_policy``), and
    without it a burned-in model is a quarter of the size to copy, store and load.
    """
    inputs = model_inputs(scenario)
    key = burn_in_key(scenario, inputs[0], inputs[1]) if cache is not None else None
    model = cache.load(key, scenario) if cache is not None else None
    if model is None:
        model = build_model(scenario, inputs)
        model.run(int(round(scenario.burn_in_years * WEEKS_PER_YEAR)), progress=progress)
        model.forget_record()
        if cache is not None:
            cache.save(key, model, scenario)
    return model


def make_checkpoint(scenario: Scenario, path: str | Path, progress: bool = False) -> Path:
    return save_checkpoint(burned_in(scenario, progress), CheckpointKey.of(scenario), path)


def branch(start_model, scenario: Scenario, replicate: int = 0, copy: bool = True):
    """An independent copy of the burned-in model, with the scenario's levers from policy week 0
    (``copy=False``: the model itself, for a caller that has no other use for it)."""
    from territoire.scenarios.levers import Lever

    check_levers(scenario, start_model.territory)  # the scenario may come from another territory
    model = (
        pickle.loads(pickle.dumps(start_model, protocol=pickle.HIGHEST_PROTOCOL))
        if copy
        else start_model
    )
    levers = [
        Lever(lv.type, lv.start_week, lv.ramp_weeks, dict(lv.params)) for lv in scenario.levers
    ]
    return model.start_policy(levers, replicate)


def run_scenario(
    scenario: Scenario | str,
    replicate: int = 0,
    years: float | None = None,
    checkpoint: str | Path | None = None,
    start_model=None,
    progress: bool = False,
    cache: BurnInCache | None = None,
):
    """Run one scenario (a ``Scenario``, a built-in name or a TOML path) over its horizon; returns
    the model.

    The burn-in comes from ``start_model`` or a ``checkpoint`` file if given, else from the burn-in
    ``cache`` if given and holding it, else it is simulated.
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    own = start_model is None  # loaded or simulated here: nobody else holds it, no copy needed
    if own:
        start_model = (
            load_checkpoint(checkpoint, scenario)
            if checkpoint
            else burned_in(scenario, progress, cache)
        )
    model = branch(start_model, scenario, replicate, copy=not own)
    weeks = int(round((years if years is not None else scenario.years) * WEEKS_PER_YEAR))
    return model.run(weeks, progress=progress)
