"""The burn-in cache: a cached burn-in gives the same run as a simulated one, its key follows every
input, bad entries are simulated again, and loading a pickled model never recompiles the kernels."""

import os
import pickle
import subprocess
import sys

import pandas as pd
import pytest

from territoire.scenarios import burn_in_cache
from territoire.scenarios.burn_in_cache import BurnInCache, burn_in_key
from territoire.scenarios.run import burned_in, model_inputs, run_scenario
from territoire.scenarios.schema import parse_scenario

BURN_IN_YEARS = 0.1  # 5 weeks: the cache logic does not depend on the length


def _scenario(**territory):
    scenario = parse_scenario(
        {"name": "t", "years": 1, "burn_in_years": BURN_IN_YEARS, "seed": 5}, "<test>", set()
    )
    scenario.territory.update(territory)
    return scenario


def _key(scenario):
    territory, providers, _ = model_inputs(scenario)
    return burn_in_key(scenario, territory, providers)


def test_a_cached_burn_in_gives_the_same_run_as_a_simulated_one(tmp_path):
    cache = BurnInCache(tmp_path)
    cold = run_scenario(_scenario(), years=0.2, cache=cache)
    assert cache.stored and not cache.loaded
    warm = run_scenario(_scenario(), years=0.2, cache=cache)
    assert cache.loaded == cache.stored  # the second run read what the first one wrote
    plain = run_scenario(_scenario(), years=0.2)
    for other in (warm, plain):
        assert other.patients.equals(cold.patients)
        pd.testing.assert_frame_equal(other.indicators(), cold.indicators())


def test_the_key_follows_seed_burn_in_territory_providers_and_code(tmp_path, monkeypatch):
    base = _key(_scenario())
    assert _key(_scenario()) == base  # stable
    seed = _scenario()
    seed.seed = 6
    longer = _scenario()
    longer.burn_in_years = 0.2
    assert (
        len(
            {
                base,
                _key(seed),
                _key(longer),
                _key(_scenario(rural_speed_kmh=60.0)),
                _key(_scenario(installations_per_year=0.0)),
            }
        )
        == 5
    )
    # the same providers file name with other contents is another key
    from territoire.model.model import TerritoryModel

    table = TerritoryModel(seed=5).provider_table
    path = tmp_path / "providers.csv"
    table.to_csv(path, index=False)
    first = _key(_scenario(providers=str(path)))
    table.iloc[:-1].to_csv(path, index=False)
    assert _key(_scenario(providers=str(path))) != first
    # a change in the package's code or data
    monkeypatch.setattr(burn_in_cache, "code_fingerprint", lambda: "another version")
    assert _key(_scenario()) != base


def test_a_corrupt_entry_is_reported_simulated_again_and_replaced(tmp_path):
    cache = BurnInCache(tmp_path)
    scenario = _scenario()
    cache.path(_key(scenario)).parent.mkdir(parents=True, exist_ok=True)
    cache.path(_key(scenario)).write_bytes(b"half a file")
    with pytest.warns(
        UserWarning, match="not a readable territoire checkpoint.*simulating the burn-in again"
    ):
        model = burned_in(scenario, cache=cache)
    assert cache.stored == [cache.path(_key(scenario))] and not cache.loaded
    again = BurnInCache(tmp_path)
    assert again.load(_key(scenario), scenario).patients.equals(model.patients)


def test_old_entries_are_removed_beyond_the_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(burn_in_cache, "MAX_ENTRIES", 2)
    cache = BurnInCache(tmp_path)
    for seed in (1, 2, 3):
        scenario = _scenario()
        scenario.seed = seed
        burned_in(scenario, cache=cache)
    left = sorted(p.name for p in tmp_path.glob("*.pkl"))
    assert left == sorted(p.name for p in cache.stored[1:])  # the oldest one went


def test_a_pickled_model_holds_no_compiled_function(model):
    # A numba function pickled with the model comes back in another process without its on-disk
    # cache and is compiled again (~9 s for the four stage kernels): the model looks them up by
    # name.
    assert b"numba.core" in pickle.dumps(model.k)  # what the check below would catch
    assert b"numba.core" not in pickle.dumps(model)


def test_cli_run_uses_the_cache_and_says_so(tmp_path):
    env_cache = tmp_path / "cache"

    def run(out, *extra):
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "territoire.cli",
                "run",
                "--years",
                "0.2",
                "--burn-in-years",
                str(BURN_IN_YEARS),
                "--out",
                str(tmp_path / out),
                "--quiet",
                *extra,
            ],
            capture_output=True,
            text=True,
            timeout=600,
            env={**os.environ, "TERRITOIRE_CACHE_DIR": str(env_cache)},
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    assert "(simulated, cached in" in run("a")
    assert "from the cache" in run("b")
    assert "(simulated)" in run("c", "--no-cache")
    frames = [pd.read_parquet(tmp_path / out / "indicators.parquet") for out in "abc"]
    for frame in frames[1:]:
        pd.testing.assert_frame_equal(frame, frames[0])
