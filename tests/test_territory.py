import networkx as nx
import numpy as np
import pandas as pd
import pytest

from territoire.model.territory import Territory, haversine_km


def test_embedded_territory_has_its_142_communes_and_population(territory):
    assert territory.n_communes == 142
    assert int(territory.population.sum()) == 110_467
    assert territory.communes["insee"].is_unique


def test_priority_zone_is_the_alsace_bossue(territory):
    zip_ = territory.communes[territory.is_zip]
    assert len(zip_) == 45
    assert set(zip_["epci_name"]) == {"CC de l'Alsace Bossue"}
    assert len(territory.epci_codes) == 4


def test_road_network_is_connected_and_includes_poles(territory):
    g = territory.graph
    assert nx.is_connected(g)
    assert {"pole:strasbourg", "pole:haguenau", "pole:sarrebourg", "pole:sarreguemines"} <= set(g.nodes)
    assert np.isfinite(territory.pole_travel_min).all() and (territory.pole_travel_min > 0).all()


def test_travel_times_are_symmetric_positive_and_metric(territory):
    t = territory.travel_min
    assert np.isfinite(t).all()
    assert (t > 0).all()  # the diagonal is the time to cross one's own commune
    np.testing.assert_allclose(t, t.T, rtol=0, atol=1e-9)
    off = t.copy()
    np.fill_diagonal(off, 0.0)  # the triangle inequality is about paths between distinct communes
    # d(i, j) <= d(i, k) + d(k, j) for every triple, within floating-point rounding
    via = off[:, :, None] + off[None, :, :]  # via[i, k, j]
    assert (off[:, None, :] <= via.min(axis=1)[:, None, :] + 1e-9).all()


def test_travel_time_is_never_shorter_than_the_straight_line_at_the_assumed_speed(territory):
    c = territory.communes
    km = haversine_km(c["lat"].to_numpy()[:, None], c["lon"].to_numpy()[:, None], c["lat"].to_numpy()[None], c["lon"].to_numpy()[None])
    straight_min = km * territory.params.detour_factor / territory.params.rural_speed_kmh * 60
    off = ~np.eye(len(c), dtype=bool)
    assert (territory.travel_min[off] >= straight_min[off] - 1e-9).all()
    saverne, strasbourg = territory.commune_index("67437"), territory.pole_index("strasbourg")
    assert 30 < territory.pole_travel_min[saverne, strasbourg] < 60  # about 35 km by road


def test_unknown_commune_code_is_named(territory):
    with pytest.raises(KeyError, match="99999"):
        territory.commune_index("99999")


def test_bad_commune_tables_give_clear_errors(territory):
    good = territory.communes.drop(columns=["zone"])
    with pytest.raises(ValueError, match="missing column"):
        Territory.from_communes(good.drop(columns=["lat"]))
    no_coords = good.copy()
    no_coords.loc[3, "lat"] = np.nan
    with pytest.raises(ValueError, match=str(no_coords.loc[3, "insee"])):
        Territory.from_communes(no_coords)
    with pytest.raises(ValueError, match="no commune"):
        Territory.from_communes(good.iloc[:0])
    dup = pd.concat([good, good.iloc[[0]]])
    with pytest.raises(ValueError, match="duplicated"):
        Territory.from_communes(dup)
