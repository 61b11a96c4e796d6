"""Any French territory: the builder, territory files, the second built-in territory, providers
files."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from territoire.agents.provider_table import write_providers_csv
from territoire.model.model import TerritoryModel
from territoire.scenarios.schema import load_scenario
from territoire.scenarios.territories import (
    TerritoryError,
    build_territory_spec,
    load_territory_file,
    select_communes,
    write_territory_file,
)

# Alsace Bossue, Pays de Saverne, Hanau-LPP, Mossig
SAVERNE_EPCIS = ["200067841", "200068112", "200067783", "200068864"]


def test_saverne_from_its_four_epcis_is_the_embedded_territory(territory):
    epcis = sorted(set(territory.communes["epci"]))
    assert sorted(SAVERNE_EPCIS) == epcis
    built = select_communes(epcis=epcis)
    assert set(built["insee"]) == set(territory.codes)
    assert int(built["population"].sum()) == int(territory.population.sum()) == 110_467
    merged = built.set_index("insee")["population"].reindex(territory.codes).to_numpy()
    np.testing.assert_array_equal(merged, territory.population)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"epcis": ["123456789"]}, "unknown EPCI SIREN 123456789"),
        ({"communes": ["67437", "00000"]}, "unknown commune code 00000"),
        ({}, "the selection is empty"),
        ({"communes": ["15031"]}, "without coordinates: 15031"),
    ],
)
def test_bad_selections_give_clear_errors(kwargs, message):
    with pytest.raises(TerritoryError, match=message):
        select_communes(**kwargs)


def test_bad_communes_file(tmp_path):
    bad = tmp_path / "c.csv"
    bad.write_text("insee,name\n67437,Saverne\n")
    with pytest.raises(ValueError, match="missing column"):
        build_territory_spec("x", communes_file=str(bad))
    with pytest.raises(TerritoryError, match="does not exist"):
        build_territory_spec("x", communes_file=str(tmp_path / "nope.csv"))


def test_territory_file_round_trip_and_three_epcis(tmp_path):
    spec = build_territory_spec("Trois CC", epcis=SAVERNE_EPCIS[:3], priority_epcis=["200067841"])
    path = write_territory_file(spec, tmp_path / "t.toml")
    t, providers = load_territory_file(path)
    assert providers is None and t.name == "Trois CC"
    assert len(t.epci_codes) == 3 and t.is_zip.sum() == 45 and len(t.poles) == 3
    m = TerritoryModel(seed=1, territory=t).run(4)
    assert len(m.patients) == int(t.population.sum()) and len(m.gps) > 20


def test_builtin_second_territory_and_its_scenarios():
    t, _ = load_territory_file("balcons-du-dauphine")
    assert t.n_communes == 47 and int(t.population.sum()) == 79_129
    assert {"38261", "38022"} <= set(t.codes)  # Morestel, Les Avenières Veyrins-Thuellin
    assert t.poles["pole"].tolist() == ["lyon", "bourgoin-jallieu", "belley"]
    for name in (
        "bdd-baseline",
        "bdd-msp-morestel",
        "bdd-pole-sante-avenieres",
        "bdd-mobilite-aller-vers",
        "bdd-prevention-coordination",
    ):
        s = load_scenario(name)
        assert s.territory["file"] == "balcons-du-dauphine"
    m = TerritoryModel(seed=3, territory=t)
    apl = m.apl_territory()
    # calibrated to the national APL (DREES 2023), no EPCI target shipped
    assert abs(apl - 3.74) < 0.3


def test_unknown_territory_lists_builtins():
    with pytest.raises(TerritoryError, match="built-in: balcons-du-dauphine"):
        load_territory_file("atlantis")


def test_providers_csv_round_trips_through_a_run(tmp_path, small_territory):
    first = TerritoryModel(seed=2, territory=small_territory)
    path = tmp_path / "providers.csv"
    write_providers_csv(first.provider_table, path)  # export
    loaded = TerritoryModel(seed=2, territory=small_territory, providers=path).run(6)  # load, run
    again = tmp_path / "again.csv"
    write_providers_csv(loaded.provider_table, again)  # export again
    assert pd.read_csv(path, dtype=str).equals(pd.read_csv(again, dtype=str))
    reference = TerritoryModel(seed=2, territory=small_territory).run(6)
    # the file reproduces the estimated providers exactly
    assert loaded.patients.equals(reference.patients)


def test_cli_builds_a_territory_and_runs_it(tmp_path):
    out = tmp_path / "t.toml"
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "territoire.cli",
            "territory",
            "--epci",
            "200068542",
            "--name",
            "Balcons",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    assert "47 communes, 79,129 inhabitants" in r.stdout and "ESTIMATED" in r.stdout
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "territoire.cli",
            "run",
            "--territory",
            str(out),
            "--years",
            "0.2",
            "--burn-in-years",
            "0.1",
            "--quiet",
            "--out",
            str(tmp_path / "run"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "run" / "indicators.parquet").exists()
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "territoire.cli",
            "territory",
            "--epci",
            "999999999",
            "--name",
            "x",
            "--out",
            str(tmp_path / "x.toml"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert (
        r.returncode == 2
        and "unknown EPCI SIREN 999999999" in r.stderr
        and "Traceback" not in r.stderr
    )
