import warnings

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
    assert {"pole:strasbourg", "pole:haguenau", "pole:sarrebourg", "pole:sarreguemines"} <= set(
        g.nodes
    )
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
    km = haversine_km(
        c["lat"].to_numpy()[:, None],
        c["lon"].to_numpy()[:, None],
        c["lat"].to_numpy()[None],
        c["lon"].to_numpy()[None],
    )
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


# ---- the road-network cache (model/road_cache.py) ------------------------------------------------
def _same_network(a: Territory, b: Territory) -> None:
    np.testing.assert_array_equal(a.travel_min, b.travel_min)
    np.testing.assert_array_equal(a.pole_travel_min, b.pole_travel_min)
    assert dict(a.graph.nodes(data=True)) == dict(b.graph.nodes(data=True))
    assert sorted(a.graph.edges(data=True)) == sorted(b.graph.edges(data=True))


def test_a_cached_road_network_is_the_one_built(tmp_path, monkeypatch):
    from territoire.model import road_cache

    monkeypatch.setenv("TERRITOIRE_CACHE_DIR", str(tmp_path))
    built = Territory.default()
    entries = list((tmp_path / "road-networks").glob("*.pkl"))
    assert len(entries) == 1
    monkeypatch.setattr(
        road_cache, "_write", lambda *a: pytest.fail("a network in the cache was built again")
    )
    _same_network(Territory.default(), built)


def test_the_road_network_key_follows_positions_poles_and_parameters(tmp_path, monkeypatch):
    from territoire.model.road_cache import network_key
    from territoire.model.territory import NetworkParams, load_poles

    monkeypatch.setenv("TERRITOIRE_CACHE_DIR", str(tmp_path))
    communes, poles = Territory.default().communes, load_poles()
    key = network_key(communes, poles, NetworkParams())
    moved = communes.copy()
    moved.loc[0, "lat"] += 1e-6
    fewer_poles = poles.iloc[1:]
    assert (
        len(
            {
                key,
                network_key(moved, poles, NetworkParams()),
                network_key(communes, fewer_poles, NetworkParams()),
                network_key(communes, poles, NetworkParams(rural_speed_kmh=50.0)),
            }
        )
        == 4
    )
    # and a cached network is never served for other parameters: slower roads, longer trips
    slow = Territory.default(NetworkParams(rural_speed_kmh=50.0))
    np.testing.assert_allclose(
        slow.pole_travel_min, Territory.default().pole_travel_min * 60.0 / 50.0, rtol=1e-12
    )
    assert len(list((tmp_path / "road-networks").glob("*.pkl"))) == 2


@pytest.mark.parametrize(
    "content", [b"", b"not a pickle", "wrong shapes", "graph altered", "old format"]
)
def test_a_corrupt_road_network_entry_is_reported_and_built_again(tmp_path, monkeypatch, content):
    import hashlib
    import pickle

    monkeypatch.setenv("TERRITOIRE_CACHE_DIR", str(tmp_path))
    good = Territory.default()
    (entry,) = (tmp_path / "road-networks").glob("*.pkl")
    graph_data, digest, n_nodes, travel, pole_travel = pickle.loads(entry.read_bytes())
    assert (
        hashlib.sha256(graph_data).hexdigest() == digest and n_nodes == good.graph.number_of_nodes()
    )
    if content == "wrong shapes":
        content = pickle.dumps((graph_data, digest, n_nodes, np.zeros((3, 3)), np.zeros((3, 4))))
    elif content == "graph altered":  # the graph's pickle no longer matches its digest
        content = pickle.dumps((graph_data[:-1] + b"!", digest, n_nodes, travel, pole_travel))
    elif content == "old format":  # format 1: the graph unpickled with the matrices
        content = pickle.dumps((good.graph, travel, pole_travel))
    entry.write_bytes(content)
    with pytest.warns(UserWarning, match="road-network cache: .* is unreadable"):
        again = Territory.default()
    _same_network(again, good)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the entry was replaced by a good one
        _same_network(Territory.default(), good)


def test_an_unwritable_road_network_cache_is_reported_and_not_fatal(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder should be")
    monkeypatch.setenv("TERRITOIRE_CACHE_DIR", str(blocker))
    with pytest.warns(UserWarning, match="road-network cache: cannot write"):
        t = Territory.default()
    assert t.n_communes == 142


def test_a_territory_from_the_cache_imports_no_scipy(tmp_path):
    """What the cache is for: a command line that finds its network there never imports
    scipy.spatial (~0.2 s), nor networkx (~0.2 s) unless it asks for the graph. Run in fresh
    interpreters, since this one has imported everything already."""
    import os
    import subprocess
    import sys

    script = (
        "import sys\nfrom territoire.model.territory import Territory\nt = Territory.default()\n"
        "print(sorted(m for m in ('networkx', 'scipy.spatial', 'scipy.sparse') "
        "if m in sys.modules))\n"
        # the graph itself, when asked for
        "print(t.graph.number_of_nodes(), 'networkx' in sys.modules)\n"
    )
    env = {**os.environ, "TERRITOIRE_CACHE_DIR": str(tmp_path)}
    first, second = (
        subprocess.run(
            [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
        )
        for _ in range(2)
    )
    # built: the guard sees them
    assert first.stdout.split("\n")[0] == "['networkx', 'scipy.sparse', 'scipy.spatial']"
    # nor networkx, until the graph is asked for
    assert second.stdout.split("\n")[:2] == ["[]", "146 True"]


def test_a_pickled_territory_keeps_its_road_graph_pickled_until_asked_for():
    """Checkpoints and the burn-in cache pickle the model with its territory: loading one must not
    unpickle the graph (that imports networkx), and the graph must come back whole when asked
    for."""
    import pickle

    t = Territory.default()
    assert t.graph.number_of_nodes() == 146  # unpickled here
    again = pickle.loads(pickle.dumps(t))
    assert again.road_graph._graph is None
    _same_network(again, t)
