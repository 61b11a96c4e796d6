"""The dashboard's SVG map, without a browser: one clickable circle a commune, tooltips, colours,
ring."""

import re
import xml.dom.minidom

import numpy as np
import pytest

from territoire import dashboard as db
from territoire.model.model import TerritoryModel


@pytest.fixture(scope="module")
def model():
    return TerritoryModel(seed=7).run(4)


def test_each_commune_is_a_circle_named_by_its_code_with_a_tooltip(model):
    values = db.commune_values(model)
    svg = db.map_svg(model, "apl", "fr", values)
    doc = xml.dom.minidom.parseString(svg)  # well-formed, names with apostrophes included
    circles = [
        c for c in doc.getElementsByTagName("circle") if c.getAttribute("id").startswith("c-")
    ]
    assert sorted(c.getAttribute("id")[2:] for c in circles) == sorted(values["insee"])
    row = values.iloc[3]
    tip = (
        next(c for c in circles if c.getAttribute("id") == f"c-{row['insee']}")
        .getElementsByTagName("title")[0]
        .firstChild.data
    )
    assert tip.startswith(f"{row['name']} ({row['insee']})")
    for fr, _en, _cmap, _ in db.MAP_INDICATORS.values():
        assert fr in tip
    assert f"{row['apl']:,.2f}" in tip


def test_colours_follow_the_indicator_and_the_language_switches(model):
    values = db.commune_values(model)
    svg = db.map_svg(model, "apl", "fr", values)
    fills = dict(re.findall(r'<circle id="c-(\w+)"[^>]*fill="(#[0-9a-f]{6})"', svg))
    lowest, highest = (
        values.loc[values["apl"].idxmin(), "insee"],
        values.loc[values["apl"].idxmax(), "insee"],
    )
    assert fills[lowest] != fills[highest]  # the scale spans the values
    assert len(set(fills.values())) > 10
    english = db.map_svg(model, "apl", "en", values)
    assert "Minutes to the nearest GP" in english and "Minutes jusqu'au généraliste" not in english


def test_the_chosen_commune_is_ringed_and_providers_do_not_catch_clicks(model):
    values = db.commune_values(model)
    chosen = values["insee"].iloc[10]
    svg = db.map_svg(model, "unmet_per_1000", "fr", values, highlight=chosen)
    doc = xml.dom.minidom.parseString(svg)
    rings = [
        c for c in doc.getElementsByTagName("circle") if c.getAttribute("class") == "highlight"
    ]
    assert len(rings) == 1 and rings[0].getAttribute("pointer-events") == "none"
    x = float(
        next(
            c for c in doc.getElementsByTagName("circle") if c.getAttribute("id") == f"c-{chosen}"
        ).getAttribute("cx")
    )
    assert float(rings[0].getAttribute("cx")) == pytest.approx(x)
    markers = doc.getElementsByTagName("path") + [
        r for r in doc.getElementsByTagName("rect") if r.getAttribute("fill") != "url(#scale)"
    ]
    # roads, GPs, pharmacies, MSP
    assert markers and all(m.getAttribute("pointer-events") == "none" for m in markers)


def test_gp_crosses_sit_where_gps_practise(model):
    svg = db.map_svg(model, "apl", "fr")
    crosses = re.search(r'<path d="([^"]*)" stroke="#1f4e9c"', svg).group(1)
    communes_with_gp = len(np.unique([g.commune for g in model.gps]))
    assert crosses.count("h") == communes_with_gp
