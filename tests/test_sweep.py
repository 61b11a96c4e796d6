"""Sweeps: validation, resumable store (SIGKILL), failures, Dask = local pool, Sobol on Ishigami,
DuckDB, batch_run."""

import math
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

from territoire.experiments.sweep import (
    Parameter,
    SweepError,
    SweepSpec,
    complete_runs,
    failures,
    load_results,
    load_sweep,
    planned_runs,
    run_sweep,
)

SMALL = """
name = "{name}"
base_scenario = "baseline"
years = {years}
burn_in_years = 0.1
[design]
kind = "lhs"
samples = {samples}
[[parameters]]
path = "levers.teleconsultation.uptake"
low = 0.1
high = 0.9
[[parameters]]
path = "care.routine_visits_per_year"
low = 2.0
high = 3.0
[outputs]
indicators = ["unmet_demand", "cost_total"]
levels = ["territory", "zone"]
"""


def _file(tmp_path, text, name="s.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    "edit, message",
    [
        (
            lambda t: t.replace("care.routine_visits_per_year", "care.no_such_field"),
            r"unknown numeric field 'no_such_field' of care",
        ),
        (
            lambda t: t.replace("levers.teleconsultation.uptake", "levers.teleport.uptake"),
            r"unknown lever in 'levers.teleport.uptake'",
        ),
        (
            lambda t: t.replace("levers.teleconsultation.uptake", "weather.rain"),
            r"unknown parameter path 'weather.rain'",
        ),
        (
            lambda t: t.replace("low = 2.0", "low = 3.0"),
            r"empty range: low \(3.0\) must be below high \(3.0\)",
        ),
        (lambda t: t.replace('kind = "lhs"', 'kind = "magic"'), r"unknown design 'magic'"),
        (
            lambda t: t.replace("samples = 3", "samples = 5000"),
            r"5,000 runs, more than max_runs = 1,000",
        ),
        (lambda t: t.replace('"cost_total"', '"happiness"'), r"unknown indicator 'happiness'"),
        (
            lambda t: t.replace("burn_in_years = 0.1", "burn_in_years = 0.1\ncolour = 2", 1),
            r"colour: unknown key",
        ),
    ],
)
def test_bad_sweep_files_give_clear_errors(tmp_path, edit, message):
    with pytest.raises(SweepError, match=message):
        load_sweep(_file(tmp_path, edit(SMALL.format(name="x", years=0.1, samples=3))))


def test_grid_without_levels_and_forced_size(tmp_path):
    text = (
        'name = "g"\n[design]\nkind = "grid"\n'
        '[[parameters]]\npath = "care.tele_uptake"\nlevels = []\n'
    )
    with pytest.raises(SweepError, match="non-empty list"):
        load_sweep(_file(tmp_path, text))
    big = SMALL.format(name="x", years=0.1, samples=5000)
    assert len(planned_runs(load_sweep(_file(tmp_path, big), force=True))) == 5000


def test_killed_sweep_resumes_with_every_run_exactly_once(tmp_path):
    spec_file = _file(tmp_path, SMALL.format(name="kill", years=0.3, samples=8))
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "territoire.cli",
            "sweep",
            str(spec_file),
            "--out",
            str(out),
            "--quiet",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    deadline = time.time() + 300
    while time.time() < deadline and len(list((out / "runs").glob("run=*/part.parquet"))) < 2:
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)  # no clean-up at all, as after a power cut
    proc.wait()
    first = complete_runs(out)
    assert 2 <= len(first) < 8, "the sweep was killed midway"
    (out / "runs" / "run=00007").mkdir(parents=True, exist_ok=True)
    # a partial write
    (out / "runs" / "run=00007" / "part.parquet.tmp-1").write_bytes(b"half a file")
    stats = run_sweep(load_sweep(spec_file), out, progress=False)
    assert (
        stats["skipped"] == len(first) and stats["done"] == 8 - len(first) and stats["failed"] == 0
    )
    results = load_results(out)
    assert sorted(results["run"].unique()) == list(range(8))
    # each run once
    assert (results.groupby(["run", "week", "level", "unit", "indicator"]).size() == 1).all()
    assert not list((out / "runs").glob("run=*/*.tmp*"))


def test_a_failing_run_is_recorded_and_the_sweep_goes_on(tmp_path, monkeypatch):
    spec = load_sweep(_file(tmp_path, SMALL.format(name="fail", years=0.1, samples=3)))
    out = tmp_path / "out"
    monkeypatch.setenv("TERRITOIRE_SWEEP_FAIL_RUN", "1")
    stats = run_sweep(spec, out, progress=False)
    assert stats == {"planned": 3, "skipped": 0, "done": 2, "failed": 1}
    assert failures(out)[0]["run"] == 1 and "injected" in failures(out)[0]["error"]
    monkeypatch.delenv("TERRITOIRE_SWEEP_FAIL_RUN")
    assert run_sweep(spec, out, progress=False)["done"] == 1  # re-running retries the failed run
    assert not failures(out)


def test_dask_cluster_gives_the_same_results_as_the_local_pool(tmp_path):
    from dask.distributed import LocalCluster

    spec = load_sweep(_file(tmp_path, SMALL.format(name="dask", years=0.2, samples=3)))
    run_sweep(spec, tmp_path / "local", workers=2, progress=False)
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        run_sweep(spec, tmp_path / "dask", scheduler=cluster.scheduler_address, progress=False)
    key = ["run", "week", "level", "unit", "indicator"]
    a = load_results(tmp_path / "local").sort_values(key).reset_index(drop=True)
    b = load_results(tmp_path / "dask").sort_values(key).reset_index(drop=True)
    assert len(a) > 0
    pd.testing.assert_frame_equal(a, b)


def test_results_are_queryable_with_duckdb(tmp_path):
    import duckdb

    spec = load_sweep(_file(tmp_path, SMALL.format(name="duck", years=0.1, samples=2)))
    run_sweep(spec, tmp_path / "out", progress=False)
    con = duckdb.connect()
    n = con.execute(
        f"SELECT count(DISTINCT run) AS n FROM '{tmp_path / 'out'}/runs/**/*.parquet'"
    ).fetchall()[0][0]
    assert n == 2
    rows = con.execute(
        f"SELECT avg(value) FROM '{tmp_path / 'out'}/runs/**/*.parquet' "
        "WHERE indicator = 'cost_total' AND level = 'territory'"
    ).fetchall()
    assert rows[0][0] > 1e6


def test_sobol_indices_of_the_ishigami_function():
    from territoire.experiments.analyse import sobol_indices
    from territoire.experiments.sweep import design_matrix, salib_problem

    spec = SweepSpec(
        "ishigami",
        "baseline",
        design="sobol",
        samples=2048,
        parameters=[Parameter(f"x{i}", -math.pi, math.pi) for i in (1, 2, 3)],
    )
    x = design_matrix(spec)
    assert x.shape == (2048 * 5, 3)
    y = np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])
    idx = sobol_indices(salib_problem(spec), y)
    # Analytical values (a = 7, b = 0.1; Ishigami & Homma 1990): S1 = 0.3139, 0.4424, 0;
    # ST = 0.5576, 0.4424, 0.2437.
    # Tolerance 0.05: the Saltelli estimator's standard error at N = 2048 is ~0.01-0.03 here.
    np.testing.assert_allclose(idx["S1"], [0.3139, 0.4424, 0.0], atol=0.05)
    np.testing.assert_allclose(idx["ST"], [0.5576, 0.4424, 0.2437], atol=0.05)


def test_analyse_writes_an_offline_report(tmp_path):
    from territoire.experiments.analyse import write_analysis

    text = (
        'name = "grid"\nyears = 0.1\nburn_in_years = 0.1\n[design]\nkind = "grid"\n'
        '[[parameters]]\npath = "care.tele_uptake"\nlevels = [0.1, 0.9]\n'
        '[[parameters]]\npath = "care.routine_visits_per_year"\nlevels = [2.0, 3.0]\n'
    )
    out = tmp_path / "out"
    run_sweep(load_sweep(_file(tmp_path, text)), out, progress=False)
    page = write_analysis(out).read_text()
    assert "data:image/png;base64," in page and "https://" not in page and "main_effect" in page


def test_mesa_batch_run_works_on_the_model():
    import inspect

    import mesa

    from territoire.model.model import TerritoryModel

    # Mesa 3.3 takes seeds as a parameter; Mesa 3.4+ takes them as rng= and passes each as seed=.
    seeds = (
        {"rng": [1, 2]}
        if "rng" in inspect.signature(mesa.batch_run).parameters
        else {"parameters": {"seed": [1, 2]}}
    )
    rows = mesa.batch_run(
        TerritoryModel,
        **{"parameters": {}, **seeds},
        max_steps=3,
        number_processes=1,
        data_collection_period=-1,
        display_progress=False,
    )
    frame = pd.DataFrame(rows)
    assert len(frame) == 2 and {"gp_count", "apl_mean", "unmet_last_week"} <= set(frame.columns)
    # two seeds, two futures
    assert frame["population_now"].nunique() == 2 or frame["unmet_last_week"].nunique() == 2


def test_a_model_without_a_seed_draws_one_and_keeps_it():
    from territoire.model.model import TerritoryModel
    from territoire.model.territory import ALSACE_BOSSUE_SIREN, Territory

    c = Territory.default().communes
    small = Territory.from_communes(
        c[c["epci"] == ALSACE_BOSSUE_SIREN].drop(columns=["zone"]), name="small"
    )
    a = TerritoryModel(seed=None, territory=small).run(2)
    b = TerritoryModel(seed=a.seed, territory=small).run(2)  # the drawn seed reproduces the run
    assert a.patients.equals(b.patients)
